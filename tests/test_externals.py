"""Externals: modules a site has that pyherd does not render (EasyBuild's, Spack's).

A module may require or conflict with one; the real tools load it from the site's own
tree; lint loads against that tree when it is here and otherwise says what it skipped.
"""

from __future__ import annotations

import pytest

from conftest import EASYBUILD, lint_tmp, make_sites, render_sites, run_pyherd

SITE = """\
module_tool: {tool}
externals:
  compiler/GCCcore:
    versions: [10.2.0, 12.3.0]
    modulepath: {modulepath}
  tools/EasyBuild: {{}}
modules:
  python:
    kind: python
    prefix: /opt/python/{{version}}
    requires: [compiler/GCCcore/10.2.0]
    versions: [3.8.6]
  conda:
    versions: ['23.1']
conflicts:
  builders:
    modules: [conda, tools/EasyBuild]
"""


def external_tree(root):
    """A Tcl external tree, as a site running Environment Modules would have it."""
    tcl = root / "compiler/GCCcore/10.2.0"
    tcl.parent.mkdir(parents=True)
    tcl.write_text("#%Module1.0\nsetenv EBVERSIONGCCCORE 10.2.0\n")
    easybuild = root / "tools/EasyBuild/4.9.0"
    easybuild.parent.mkdir(parents=True)
    easybuild.write_text("#%Module1.0\nsetenv EBVERSIONEASYBUILD 4.9.0\n")
    return root


@pytest.fixture(params=["lmod", "environment-modules"])
def site(request, tmp_path):
    tool = request.param
    if tool == "lmod":  # ULHPC's stand-in tree (GCCcore), with EasyBuild's own module beside
        ext = tmp_path / "ext"
        ext.mkdir()
        (ext / "compiler").symlink_to(EASYBUILD / "compiler")
        (ext / "tools/EasyBuild").mkdir(parents=True)
        (ext / "tools/EasyBuild/4.9.0.lua").write_text('setenv("EBVERSIONEASYBUILD", "4.9.0")\n')
    else:
        ext = external_tree(tmp_path / "ext")
    make_sites(tmp_path, s=SITE.format(tool=tool, modulepath=ext))
    out = render_sites(tmp_path, "s")
    return tool, out / "s", ext


def runner_for(tool, lmod, modulecmd):
    return lmod if tool == "lmod" else modulecmd


def test_a_module_requiring_an_external_loads_it_from_the_sites_tree(site, lmod, modulecmd):
    tool, tree, ext = site
    runner = runner_for(tool, lmod, modulecmd)
    result = runner.run("module load python/3.8.6 && echo $EBVERSIONGCCCORE", [tree, ext])
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["10.2.0"]
    assert not (tree / "compiler").exists()  # pyherd rendered no GCCcore of its own


def test_without_the_external_tree_the_load_fails_naming_the_external(site, lmod, modulecmd):
    tool, tree, _ = site
    runner = runner_for(tool, lmod, modulecmd)
    result = runner.run("module load python/3.8.6 && echo LOADED", [tree])
    assert "LOADED" not in result.stdout
    assert "compiler/GCCcore/10.2.0" in result.stderr
    listed = runner.run("module load python/3.8.6; module -t list 2>&1", [tree]).stdout
    assert "python/3.8.6" not in listed  # nothing half-loaded


def test_a_conflict_with_an_external_is_enforced(site, lmod, modulecmd):
    tool, tree, ext = site
    runner = runner_for(tool, lmod, modulecmd)
    script = "module load tools/EasyBuild && module load conda && echo BOTH"
    result = runner.run(script, [tree, ext])
    assert "BOTH" not in result.stdout
    assert "tools/EasyBuild" in result.stderr


def test_lint_loads_against_the_external_tree_where_it_exists(site):
    _, tree, _ = site
    result = lint_tmp(tree.parent.parent, "s")
    assert result.returncode == 0, result.stderr
    assert "s: 2 modules load and unload cleanly" in result.stdout
    assert "not checked" not in result.stdout + result.stderr


def test_lint_says_which_loads_it_could_not_check(tmp_path):
    make_sites(tmp_path, s=SITE.format(tool="lmod", modulepath="/nonexistent/modules/all"))
    render_sites(tmp_path, "s")
    result = lint_tmp(tmp_path, "s")
    assert result.returncode == 0, result.stderr
    assert "s: 1 modules load and unload cleanly; 1 not checked" in result.stdout
    assert (
        "s: python/3.8.6: not loaded: it needs compiler/GCCcore (externals.compiler/GCCcore."
        "modulepath /nonexistent/modules/all is not here); give that tree with --modulepath DIR"
    ) in result.stderr
    given = lint_tmp(tmp_path, "s", "--modulepath", str(EASYBUILD))
    assert given.returncode == 0, given.stderr
    assert "s: 2 modules load and unload cleanly" in given.stdout


def test_lint_reports_an_external_tree_that_lacks_the_version(tmp_path):
    make_sites(
        tmp_path,
        s=SITE.format(tool="lmod", modulepath=EASYBUILD).replace(
            "compiler/GCCcore/10.2.0]", "compiler/GCCcore/12.3.0]"
        ),
    )
    render_sites(tmp_path, "s")
    result = lint_tmp(tmp_path, "s")
    assert result.returncode == 1
    assert "python/3.8.6 (lmod): load/unload failed" in result.stderr
    assert "compiler/GCCcore/12.3.0" in result.stderr


@pytest.mark.parametrize(
    ("requires", "message"),
    [
        (
            "compiler/GCCcore/9.3.0",
            "unknown module 'compiler/GCCcore/9.3.0' (did you mean 'compiler/GCCcore/12.3.0'?); "
            "declare a module pyherd does not render under externals",
        ),
        ("tools/EasyBuild/4.9.0", None),  # no versions listed: any version
    ],
)
def test_requires_checks_an_externals_versions(tmp_path, requires, message):
    text = SITE.format(tool="lmod", modulepath=EASYBUILD).replace(
        "compiler/GCCcore/10.2.0]", f"{requires}]"
    )
    make_sites(tmp_path, s=text)
    result = run_pyherd("validate", cwd=tmp_path)
    if message is None:
        assert result.returncode == 0, result.stderr
    else:
        assert result.returncode == 2
        assert (
            result.stderr.splitlines()[0]
            == f"sites/s.yaml:11: modules.python.requires[0]: {message}"
        )


def test_an_external_pyherd_also_renders_is_refused(tmp_path):
    own = "modules:\n  GCCcore:\n    module: compiler/GCCcore/{version}\n    versions: [10.2.0]\n"
    text = SITE.format(tool="lmod", modulepath=EASYBUILD).replace("modules:\n", own, 1)
    make_sites(tmp_path, s=text)
    result = run_pyherd("validate", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.splitlines()[0] == (
        "sites/s.yaml:4: externals.compiler/GCCcore.versions[0]: pyherd renders "
        "'compiler/GCCcore/10.2.0' itself (line 10); an external is a module it does not "
        "render: drop one of the two"
    )


def test_an_external_tree_path_holding_shell_is_read_as_a_path(tmp_path):
    canary = tmp_path / "canary"
    odd = tmp_path / f"it's $(touch {canary})" / "all"
    (odd / "compiler").mkdir(parents=True)
    (odd / "compiler/GCCcore").symlink_to(EASYBUILD / "compiler/GCCcore")
    text = SITE.format(tool="lmod", modulepath=f'"{odd}"').replace("  tools/EasyBuild: {}\n", "")
    make_sites(tmp_path, s=text.replace("modules: [conda, tools/EasyBuild]", "modules: [conda]"))
    render_sites(tmp_path, "s")
    result = lint_tmp(tmp_path, "s")
    assert result.returncode == 0, result.stderr
    assert "s: 2 modules load and unload cleanly" in result.stdout
    assert not canary.exists()
