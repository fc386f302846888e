"""A corpus of malformed site files: each gets its exact message, exit 2, and no file."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import ROOT, TEMPLATES, run_pyherd

CORPUS = Path(__file__).parent / "malformed"
EXPECTED = {
    "01-invalid-yaml": "sites/bad.yaml:4: invalid YAML: did not find expected ',' or ']'",
    "02-not-a-mapping": "sites/bad.yaml:1: a site file must be a mapping",
    "03-unknown-top-key": "sites/bad.yaml:2: modles: unknown key (did you mean 'modules'?)",
    "04-missing-module-tool": "sites/bad.yaml:1: missing required key 'module_tool'",
    "05-bad-module-tool": "sites/bad.yaml:1: module_tool: 'lmodd' is not one of lmod, environment-modules (did you mean 'lmod'?)",
    "06-not-a-python-version": "sites/bad.yaml:9: modules.python.versions[2]: '3.10.x' is not a version",
    "07-version-entry-without-version": "sites/bad.yaml:7: modules.python.versions[0]: missing required key 'version'",
    "08-duplicate-key": "sites/bad.yaml:5: modules.python: duplicate key (first at line 3)",
    "09-duplicate-version": "sites/bad.yaml:8: modules.python.versions[1]: duplicate module name 'python/3.11.5' (first at line 7)",
    "10-default-not-a-version": "sites/bad.yaml:6: modules.python.default: '3.9.1' is not one of the versions: 3.10.13, 3.11.5",
    "11-conflicting-defaults": "sites/bad.yaml:9: modules.anaconda3.default: conflicting defaults for 'apps/python': modules.conda.default (line 5) already picks 'apps/python/conda'",
    "12-unknown-requires": "sites/bad.yaml:6: modules.scipy-stack.requires[0]: unknown module 'pythn' (did you mean 'python'?); declare a module pyherd does not render under externals",
    "13-undeclared-property": "sites/bad.yaml:8: modules.scipy-stack.properties.type_: property type_=maths is not declared in lmod.properties (did you mean 'type_=math'?)",
    "14-properties-without-lmod": "sites/bad.yaml:4: modules.scipy-stack.properties.type_: properties need Lmod (module_tool: lmod)",
    "15-unknown-placeholder": "sites/bad.yaml:7: modules.python.prefix: unknown placeholder {softwre} (known: category, name, python, python_series, release, software, toolchain, version)",
    "16-wrong-type": "sites/bad.yaml:4: modules.python.family: expected a string, got a list",
    "17-python-without-prefix": "sites/bad.yaml:3: modules.python: kind python needs a prefix",
    "18-conda-without-root": "sites/bad.yaml:3: modules.miniconda: kind conda needs the site's conda.root",
    "19-unknown-tree-module": "sites/bad.yaml:11: modules.anaconda3.tree_module: unknown module 'conda2' (did you mean 'conda'?)",
    "20-extends-unknown-site": "sites/bad.yaml:1: extends: no site 'iqhcp' (did you mean 'iqhpc'?)",
    "21-extends-cycle": "sites/bad.yaml:1: extends: circular extends: bad -> bad",
    "22-newline-in-env-value": "sites/bad.yaml:6: modules.tool.env.set.GREETING: must be one line (Lmod and Environment Modules cannot export newlines)",
    "23-shared-file-in-lua": "sites/bad.yaml:5: conflicts.envs.shared_file: shared_file needs syntax tcl",
    "24-alias-shadows-a-version": "sites/bad.yaml:8: modules.python.versions[0].aliases: duplicate module name 'python/3.10.13'",
    "25-unknown-conflict-member": "sites/bad.yaml:4: conflicts.conda-environments.modules[1]: unknown module 'anaconda4' (did you mean 'anaconda2'?)",
    "26-not-a-boolean": "sites/bad.yaml:4: modules.python.hidden: expected true or false, got a string",
    "27-misspelled-module-key": "sites/bad.yaml:4: modules.python.defualt: unknown key (did you mean 'default'?)",
    "28-bad-env-name": "sites/bad.yaml:6: modules.tool.env.set.1BAD: '1BAD' is not an environment variable name",
    "29-unbalanced-brace": "sites/bad.yaml:4: modules.tool.prefix: unbalanced '{' (write {{ for a literal one)",
    "30-bad-module-name": "sites/bad.yaml:3: modules.py thon: 'py thon' is not a module name",
    "31-alias-trailing-semicolon": "sites/bad.yaml:6: modules.tool.env.aliases.ll: Lmod drops a trailing ';' from aliases",
    "32-same-name-dependency": "sites/bad.yaml:7: modules.anaconda3.requires[0]: 'apps/python/conda' has the same name as this module; Lmod would swap one for the other instead of loading both",
}


def test_every_corpus_file_has_an_expectation():
    assert sorted(p.stem for p in CORPUS.glob("*.yaml")) == sorted(EXPECTED)
    assert len(EXPECTED) >= 20


def _sites_with(tmp_path: Path, bad: Path) -> None:
    sites = tmp_path / "sites"
    sites.mkdir()
    shutil.copy(ROOT / "sites" / "iqhpc.yaml", sites / "iqhpc.yaml")  # for `extends:` cases
    shutil.copy(bad, sites / "bad.yaml")


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_malformed_site_is_refused_with_its_message_and_nothing_is_written(tmp_path, name):
    _sites_with(tmp_path, CORPUS / f"{name}.yaml")
    result = run_pyherd(
        "render",
        "--site",
        "bad",
        "--out",
        "out",
        "--templates",
        str(TEMPLATES),
        cwd=tmp_path,
    )
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert lines[0] == EXPECTED[name]
    assert lines[-1] == "pyherd render: bad input; nothing was written"
    assert not (tmp_path / "out").exists()


def test_one_bad_site_stops_the_whole_render(tmp_path):
    """Rendering every site: the good one is not written either while another is bad."""
    _sites_with(tmp_path, CORPUS / "06-not-a-python-version.yaml")
    result = run_pyherd("render", "--out", "out", "--templates", str(TEMPLATES), cwd=tmp_path)
    assert result.returncode == 2
    assert not (tmp_path / "out").exists()


def test_validate_reports_every_problem_of_a_file_at_once(tmp_path):
    _sites_with(tmp_path, CORPUS / "03-unknown-top-key.yaml")
    result = run_pyherd("validate", "--site", "bad", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.splitlines()[:2] == [
        "sites/bad.yaml:2: modles: unknown key (did you mean 'modules'?)",
        "sites/bad.yaml:1: missing required key 'modules'",
    ]
