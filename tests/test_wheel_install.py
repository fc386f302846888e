"""Users installing from the wheelhouse: module load python, virtualenv --no-download, pip, uv.

The python module (rendered, loaded by real Lmod or modulecmd.tcl) names the
site's pip.conf for the node's $RSNT_ARCH and points uv at the same index; the
wheelhouse holds the same numpy version built twice (generic and x86-64-v3,
told apart by numpy.MARKER). Nothing here reaches a network: pip and uv would
fail if they tried the index they are not given.
"""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest

from conftest import fake_prefix, lmod_env, render_sites, run_pyherd
from wheelfactory import make_wheel

BIN = Path(sys.executable).parent
CP = f"cp{sys.version_info.major}{sys.version_info.minor}"
VERSION = ".".join(str(part) for part in sys.version_info[:3])


def site(root: Path, easybuild: Path, tool: str) -> str:
    return textwrap.dedent(f"""\
        module_tool: {tool}
        wheelhouse:
          root: {root}
          archs: [generic, x86-64-v3]
          default_arch: x86-64-v3
          arch_variable: RSNT_ARCH
          local_tag: site
        modules:
          python:
            kind: python
            prefix: {easybuild}/python/{{version}}
            versions: ["{VERSION}"]
        """)


@pytest.fixture(scope="module")
def house(tmp_path_factory: pytest.TempPathFactory):
    """Sites `w` (Lmod) and `t` (Tcl) over one indexed wheelhouse; their rendered trees."""
    tmp = tmp_path_factory.mktemp("install")
    root = tmp / "wh"
    tag = f"{CP}-{CP}-linux_x86_64"
    make_wheel(root / "generic", "numpy", "1.26.4+site", tag, marker="generic")
    make_wheel(root / "x86-64-v3", "numpy", "1.26.4+site", tag, marker="v3")
    make_wheel(root / "generic", "numpy", "1.25.0+site", tag, marker="old")
    make_wheel(root / "generic", "tinypkg", "0.1+site", "py3-none-any")
    easybuild = fake_prefix(tmp / "easybuild", VERSION)
    (tmp / "sites").mkdir()
    (tmp / "sites/w.yaml").write_text(site(root, easybuild, "lmod"))
    (tmp / "sites/t.yaml").write_text(site(root, easybuild, "environment-modules"))
    indexed = run_pyherd("wheels", "index", "--site", "w", cwd=tmp)
    assert indexed.returncode == 0, indexed.stderr
    return tmp, render_sites(tmp, "w", "t")


def script(venv: Path, install: str) -> str:
    """Load python, make a venv with virtualenv --no-download, install numpy, report it."""
    return textwrap.dedent(f"""\
        set -e
        module load python/{VERSION}
        echo "conf=$PIP_CONFIG_FILE"
        # virtualenv otherwise forks a background wheel updater that can
        # still be writing into the throwaway HOME when the script returns.
        export VIRTUALENV_NO_PERIODIC_UPDATE=1
        {BIN}/virtualenv -q --no-download -p python {venv}
        source {venv}/bin/activate
        {install} >&2
        python -c 'import numpy, tinypkg; print("numpy", numpy.__version__, numpy.MARKER)'
        """)


@pytest.mark.parametrize(
    ("install", "arch", "marker"),
    [
        ("pip install --no-index numpy tinypkg", "x86-64-v3", "v3"),
        ("pip install numpy tinypkg", "x86-64-v3", "v3"),
        (f"{BIN}/uv pip install numpy tinypkg", "x86-64-v3", "v3"),
        ("pip install numpy tinypkg", "generic", "generic"),
        (f"{BIN}/uv pip install numpy tinypkg", "generic", "generic"),
        ("pip install numpy tinypkg", None, "v3"),  # unset: the site's default_arch
    ],
)
def test_users_install_the_build_for_their_node(lmod, house, tmp_path, install, arch, marker):
    tmp, out = house
    env = {**lmod_env("w", out), **({"RSNT_ARCH": arch} if arch else {})}
    result = lmod.run(script(tmp_path / "venv", install), [out / "w"], env)
    assert result.returncode == 0, result.stdout + result.stderr
    conf = tmp / "wh/pip" / f"{arch or 'x86-64-v3'}.conf"
    assert f"conf={conf}\n" in result.stdout
    assert result.stdout.endswith(f"numpy 1.26.4+site {marker}\n")


def test_tcl_modules_name_the_same_pip_conf(modulecmd, house, tmp_path):
    tmp, out = house
    install = "pip install numpy tinypkg"
    node = {"RSNT_ARCH": "generic"}
    result = modulecmd.run(script(tmp_path / "venv", install), [out / "t"], node)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"conf={tmp}/wh/pip/generic.conf\n" in result.stdout
    assert result.stdout.endswith("numpy 1.26.4+site generic\n")
    unset = modulecmd.run(f"module load python/{VERSION}; echo $PIP_CONFIG_FILE", [out / "t"])
    assert unset.stdout == f"{tmp}/wh/pip/x86-64-v3.conf\n"


def test_avail_wheels_finds_the_wheelhouse_through_the_module(lmod, house):
    _, out = house
    env = {**lmod_env("w", out), "RSNT_ARCH": "x86-64-v3"}
    result = lmod.run(f"module load python/{VERSION} && {BIN}/avail_wheels numpy", [out / "w"], env)
    assert result.returncode == 0, result.stderr
    rows = [line.split() for line in result.stdout.splitlines()[2:]]
    assert rows == [["numpy", "1.26.4", CP, "x86-64-v3"], ["numpy", "1.26.4", CP, "generic"]]
    bare = lmod.run(f"{BIN}/avail_wheels numpy", [out / "w"], env)
    assert bare.returncode == 2
    assert "no wheelhouse: load a python module" in bare.stderr
