"""prefix_env: CMAKE_PREFIX_PATH, PKG_CONFIG_PATH and LIBRARY_PATH for a python prefix, as
EasyBuild and Spack set them, each directory only where it exists when the module loads."""

from __future__ import annotations

import shlex

import pytest

from conftest import make_sites, render_sites, run_pyherd

SITE = """\
module_tool: {tool}
{extra}modules:
  python:
    kind: python
    prefix: "{root}/python/{{version}}"
    versions: [3.11.5]
  conda:
    prefix: "{root}/conda"
    versions: ['24.1']
"""


def prefix(root, with_pc=True):
    """A python prefix with lib/ (and a .pc file under lib/pkgconfig), no lib64."""
    lib = root / "python/3.11.5/lib"
    (lib / "pkgconfig").mkdir(parents=True)
    if with_pc:
        (lib / "pkgconfig/python-3.11.pc").write_text(
            f"prefix={root}/python/3.11.5\nName: Python\nDescription: Python\nVersion: 3.11.5\n"
            "Libs: -L${prefix}/lib -lpython3.11\n"
        )
    (root / "conda/lib").mkdir(parents=True)
    return root / "python/3.11.5"


SHOW = "echo CMAKE=$CMAKE_PREFIX_PATH; echo PKG=$PKG_CONFIG_PATH; echo LIB=$LIBRARY_PATH"


@pytest.mark.parametrize("tool", ["lmod", "environment-modules"])
def test_a_python_module_points_build_tools_at_its_prefix(tmp_path, tool, lmod, modulecmd):
    root = tmp_path / "apps"
    where = prefix(root)
    make_sites(tmp_path, s=SITE.format(tool=tool, extra="", root=root))
    tree = render_sites(tmp_path, "s") / "s"
    runner = lmod if tool == "lmod" else modulecmd
    script = (
        f"module load python; {SHOW}; pkg-config --modversion python-3.11; "
        f"module unload python; {SHOW}"
    )
    result = runner.run(script, [tree])
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        f"CMAKE={where}",
        f"PKG={where}/lib/pkgconfig",  # lib64/pkgconfig and share/pkgconfig do not exist
        f"LIB={where}/lib",  # nor lib64
        "3.11.5",
        "CMAKE=",
        "PKG=",
        "LIB=",
    ]
    conda = runner.run(f"module load conda; {SHOW}", [tree]).stdout
    assert conda.split() == ["CMAKE=", "PKG=", "LIB="]  # prefix_env.kinds: [python]


def test_a_site_chooses_the_variables_and_kinds(tmp_path, lmod):
    root = tmp_path / "apps"
    prefix(root)
    extra = "prefix_env:\n  kinds: [python, generic]\n  paths: {LIBRARY_PATH: [lib, lib64]}\n"
    make_sites(tmp_path, s=SITE.format(tool="lmod", extra=extra, root=root))
    tree = render_sites(tmp_path, "s") / "s"
    result = lmod.run(f"module load python conda; {SHOW}", [tree])
    assert result.stdout.split() == [
        "CMAKE=",
        "PKG=",
        f"LIB={root}/conda/lib:{root}/python/3.11.5/lib",
    ]


def test_a_site_turns_it_off(tmp_path):
    root = tmp_path / "apps"
    make_sites(tmp_path, s=SITE.format(tool="lmod", extra="prefix_env: {paths: {}}\n", root=root))
    tree = render_sites(tmp_path, "s") / "s"
    assert "isDir" not in (tree / "python/3.11.5.lua").read_text()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("../lib", "'../lib' is not a directory under the prefix"),
        ("lib/../../etc", "'lib/../../etc' is not a directory under the prefix"),
        ("/etc", "'/etc' is not a directory under the prefix"),
        ('"$(touch /tmp/x)"', "'$(touch /tmp/x)' is not a directory under the prefix"),
        ('"li\\nb"', "'li\\nb' is not a directory under the prefix"),
        ('"it\'s"', '"it\'s" is not a directory under the prefix'),
    ],
)
def test_hostile_directories_are_refused(tmp_path, value, message):
    extra = f"prefix_env:\n  paths: {{LIBRARY_PATH: [{value}]}}\n"
    make_sites(tmp_path, s=SITE.format(tool="lmod", extra=extra, root="/opt"))
    result = run_pyherd("render", "--out", "out", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.splitlines()[0].startswith(
        f"sites/s.yaml:3: prefix_env.paths.LIBRARY_PATH[0]: {message}"
    )
    assert not (tmp_path / "out").exists()


def test_a_prefix_holding_shell_is_tested_as_a_path(tmp_path, lmod):
    root = tmp_path / "it's $(touch canary)"
    where = prefix(root, with_pc=False)
    make_sites(tmp_path, s=SITE.format(tool="lmod", extra="", root=root))
    tree = render_sites(tmp_path, "s") / "s"
    result = lmod.run(f"cd {shlex.quote(str(tmp_path))} && module load python; {SHOW}", [tree])
    assert f"LIB={where}/lib" in result.stdout.splitlines()
    assert not (tmp_path / "canary").exists()
