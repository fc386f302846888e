"""module_tool_version: pyherd writes what the site's oldest release reads, and refuses
what it cannot do, citing the tool's own change log (the README's table)."""

from __future__ import annotations

import re

import pytest

from conftest import ROOT, lint_tmp, make_sites, render_sites, run_pyherd
from pyherd.moduletools import TOOLS

TCL_FAMILY = """\
module_tool: environment-modules
module_tool_version: "{version}"
modules:
  anaconda: {{versions: ['2024-01'], family: python}}
  miniconda: {{versions: ['24.1.2'], family: python}}
  tool: {{versions: ['1']}}
"""


def with_version(text: str, version: str) -> str:
    return re.sub(
        r"^(module_tool: .*)$", rf'\1\nmodule_tool_version: "{version}"', text, count=1, flags=re.M
    )


def test_environment_modules_4_5_gets_tcl_without_family_or_source_sh_and_lints_on_5_2(
    tmp_path,
):
    sites = make_sites(tmp_path, "iceberg")
    (sites / "iceberg.yaml").write_text(with_version((sites / "iceberg.yaml").read_text(), "4.5"))
    out = render_sites(tmp_path, "iceberg")
    texts = {p: p.read_text() for p in (out / "iceberg").rglob("*") if p.is_file()}
    assert len(texts) >= 6
    for path, text in texts.items():
        assert not re.search(r"^\s*(family|source-sh|module-hide)\b", text, re.M), path
        assert "source-sh" not in text, path
    result = lint_tmp(tmp_path, "iceberg")  # modulecmd.tcl 5.2 here
    assert result.returncode == 0, result.stderr
    assert "load and unload cleanly" in result.stdout


def test_without_family_the_members_conflict_instead(tmp_path, modulecmd):
    make_sites(tmp_path, s=TCL_FAMILY.format(version="4.5"))
    tree = render_sites(tmp_path, "s") / "s"
    text = (tree / "anaconda/2024-01").read_text()
    assert "family" not in text
    assert 'conflict "miniconda"' in text
    assert "conflict" not in (tree / "tool/1").read_text()
    result = modulecmd.run("module load anaconda && module load miniconda; module -t list", [tree])
    assert "Module cannot be loaded due to a conflict" in result.stderr
    assert result.stderr.split()[-1] == "anaconda/2024-01"


def test_without_family_an_external_of_the_family_is_a_conflict_too(tmp_path, modulecmd):
    text = TCL_FAMILY.format(version="4.5").replace(
        "modules:", "externals:\n  lang/Python: {family: python}\nmodules:"
    )
    make_sites(tmp_path, s=text)
    tree = render_sites(tmp_path, "s") / "s"
    assert 'conflict "miniconda" "lang/Python"' in (tree / "anaconda/2024-01").read_text()
    ext = tmp_path / "ext/lang/Python"
    ext.mkdir(parents=True)
    (ext / "3.8.6").write_text("#%Module1.0\nfamily python\n")
    script = "module load lang/Python && module load anaconda; module -t list"
    result = modulecmd.run(script, [tree, tmp_path / "ext"])
    assert "Module cannot be loaded due to a conflict" in result.stderr
    assert result.stderr.split()[-1] == "lang/Python/3.8.6"


def test_from_5_1_the_family_line_is_written(tmp_path, modulecmd):
    make_sites(tmp_path, s=TCL_FAMILY.format(version="5.1"))
    tree = render_sites(tmp_path, "s") / "s"
    text = (tree / "anaconda/2024-01").read_text()
    assert 'family "python"' in text and "conflict" not in text
    script = "module load anaconda; module load miniconda; echo $MODULES_FAMILY_PYTHON"
    result = modulecmd.run(script, [tree])
    # Modules 5 refuses a second member too (it swaps only with conflict_unload set), and
    # says which family member is loaded
    assert "Module cannot be loaded due to a conflict" in result.stderr
    assert result.stdout.split() == ["anaconda"]


@pytest.mark.parametrize(
    ("tool", "version", "module", "message"),
    [
        (
            "environment-modules",
            "4.5",
            "{versions: ['1'], env: {source: [/opt/x/setup.sh]}}",
            "sourcing a script needs Environment Modules 4.6 or newer (module_tool_version is "
            "4.5; Modules 4.6.0 NEWS: introduce the source-sh command)",
        ),
        (
            "environment-modules",
            "4.5",
            "{versions: [{version: '1', hidden: true}]}",
            "hidden versions need Environment Modules 4.6 or newer (module_tool_version is 4.5; "
            "Modules 4.6.0 NEWS: add the module-hide command)",
        ),
        (
            "environment-modules",
            "4.1",
            "{versions: ['1'], env: {functions: {f: 'echo hi'}}}",
            "a shell function needs Environment Modules 4.2 or newer (module_tool_version is "
            "4.1; Modules 4.2.0 NEWS: introduce set-function)",
        ),
        (
            "lmod",
            "8.5.29",
            "{versions: ['1'], env: {source: [/opt/x/setup.sh]}}",
            "sourcing a script needs Lmod 8.6 or newer (module_tool_version is 8.5.29; Lmod 8.6 "
            "README: new module function source_sh())",
        ),
    ],
)
def test_what_the_declared_release_cannot_do_is_a_located_refusal(
    tmp_path, tool, version, module, message
):
    text = f'module_tool: {tool}\nmodule_tool_version: "{version}"\nmodules:\n  x: {module}\n'
    make_sites(tmp_path, s=text)
    result = run_pyherd("render", "--out", "out", cwd=tmp_path)
    assert result.returncode == 2
    first = result.stderr.splitlines()[0]
    assert re.fullmatch(r"sites/s\.yaml:4: modules\.x(\.versions\[0\])?: (.*)", first), first
    assert first.endswith(message)
    assert not (tmp_path / "out").exists()


def test_the_same_site_on_a_release_that_has_it_renders(tmp_path):
    text = "module_tool: lmod\nmodule_tool_version: '8.6.19'\nmodules:\n"
    text += "  x: {versions: ['1'], env: {source: [/opt/x/setup.sh]}}\n"
    make_sites(tmp_path, s=text)
    out = render_sites(tmp_path, "s")
    assert 'source_sh("bash", "/opt/x/setup.sh")' in (out / "s/x/1.lua").read_text()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("'3.2.10'", "pyherd writes modulefiles for Environment Modules 4.0 and newer"),
        ("'4.5$(touch /tmp/pyherd-canary)'", "'4.5$(touch /tmp/pyherd-canary)' is not a version"),
        ("'../5.2'", "'../5.2' is not a version"),
        ('"5.2\\n"', "'5.2\\n' is not a version"),
    ],
)
def test_a_release_pyherd_cannot_write_for_is_refused(tmp_path, value, message):
    text = f"module_tool: environment-modules\nmodule_tool_version: {value}\nmodules:\n"
    make_sites(tmp_path, s=text + "  x: {versions: ['1']}\n")
    result = run_pyherd("validate", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.splitlines()[0] == f"sites/s.yaml:2: module_tool_version: {message}"


def test_the_readme_table_lists_every_release_a_feature_needs():
    readme = (ROOT / "README.md").read_text()
    for plugin in TOOLS.values():
        for feature, since in plugin.since.items():
            row = f"| {plugin.title} | `{feature}` | {since.version} | {since.source} |"
            assert row in readme, row
