"""avail_wheels side by side with the Alliance's own tool (ComputeCanada/avail_wheels).

The peer is not on PyPI, so this runs only where it is installed: set
PYHERD_PEER_AVAIL_WHEELS to its avail_wheels.py and PYHERD_PEER_PYTHON to a Python
with its requirements (tabulate, packaging==21.3, pyparsing, pip). Both tools get the
same wheelhouse and the same node: the peer through a pip configuration whose
[wheel] find-links lists the node's directories and PYTHON_DIRS for the Pythons,
pyherd through its index and the site's arch variable. Every case must print the
same bytes and exit the same way; the README lists where pyherd differs on purpose
(kept out of this house: abi3 wheels for older CPythons, and manylinux tags, which
the peer hides though pip installs them).
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from conftest import ROOT, run_pyherd
from wheelfactory import make_wheel

PEER = os.environ.get("PYHERD_PEER_AVAIL_WHEELS")
PEER_PYTHON = os.environ.get("PYHERD_PEER_PYTHON")
pytestmark = pytest.mark.skipif(
    not (PEER and PEER_PYTHON), reason="the Alliance's avail_wheels is not installed here"
)
ARCHS = ("generic", "x86-64-v3", "x86-64-v4")
PYTHONS = ("3.10.14", "3.11.5", "3.12.1")


def _tag(py: str, arch: str = "linux_x86_64") -> str:
    return f"cp{py}-cp{py}-{arch}"


@pytest.fixture(scope="module")
def house(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("peer")
    root = base / "wh"
    (base / "sites").mkdir()
    (base / "sites/w.yaml").write_text(
        textwrap.dedent(f"""\
        module_tool: lmod
        wheelhouse:
          root: {root}
          archs: [{", ".join(ARCHS)}]
          arch_variable: RSNT_ARCH
          default_arch: x86-64-v3
          local_tag: computecanada
        modules:
          python:
            kind: python
            versions: [{", ".join(PYTHONS)}]
            prefix: /opt/python/{{version}}
        """)
    )
    g, v3, v4 = (root / a for a in ARCHS)
    for py in ("310", "311", "312"):
        make_wheel(g, "numpy", "1.26.4+computecanada", _tag(py))
        make_wheel(v3, "numpy", "1.26.4+computecanada", _tag(py))
        make_wheel(v4, "numpy", "1.26.4+computecanada", _tag(py))
        make_wheel(g, "numpy", "1.25.2+computecanada", _tag(py))
    make_wheel(g, "numpy", "2.0.0rc1+computecanada", _tag("311"))
    make_wheel(v3, "scipy", "1.13.1+computecanada", _tag("311"))
    make_wheel(v3, "scipy", "1.11.4+computecanada", _tag("311"))
    make_wheel(g, "netCDF4", "1.6.5+computecanada", _tag("311"))
    make_wheel(g, "netCDF4", "1.5.8+computecanada", _tag("310"))
    make_wheel(g, "h5netcdf", "1.3.0+computecanada", "py3-none-any")
    make_wheel(g, "h5netcdf", "0.7.4+computecanada", "py2.py3-none-any")
    make_wheel(g, "bio_cdf00131", "0.1+computecanada", "py3-none-any")
    make_wheel(g, "Pillow", "10.2.0+computecanada", _tag("311"))
    make_wheel(g, "six", "1.16.0+computecanada", "py2.py3-none-any")
    make_wheel(v4, "torch", "2.3.1+computecanada", _tag("311"))
    make_wheel(v3, "torch", "2.3.1+computecanada", _tag("311"))
    make_wheel(v3, "torch", "2.2.0+computecanada", _tag("311"))
    make_wheel(g, "pytz", "2024.1+computecanada", "py2.py3-none-any")
    (base / "freeze.txt").write_text(  # what `pip freeze` writes in a venv built here
        "numpy==1.26.4+computecanada\nscipy==1.11.4+computecanada\nsix==1.16.0+computecanada\n"
        "missing-thing==0.1\n"
    )
    (base / "reqs.txt").write_text(
        "# analysis\nnumpy[extra]>=1.25 ; python_version >= '3'\n"
        "torch>=2  # gpu\n-r more.txt\nh5netcdf \\\n  <1\n--index-url https://x.invalid\n"
    )
    (base / "more.txt").write_text("netCDF4\nPillow==10.2.0 --hash=sha256:" + "0" * 64 + "\n")
    (base / "pyproject.toml").write_text(
        '[project]\nname = "x"\ndependencies = ["six", "pytz>=2024", "nope<1"]\n'
    )
    result = run_pyherd("wheels", "index", "--site", "w", cwd=base)
    assert result.returncode == 0, result.stderr
    for version in PYTHONS:
        (base / "pythons" / version).mkdir(parents=True)
    for arch in ARCHS:
        dirs = [d for d in ("x86-64-v4", "x86-64-v3", "generic") if _runs(arch, d)]
        (base / f"{arch}.conf").write_text(
            "[wheel]\nfind-links = " + " ".join(str(root / d) for d in dirs) + "\n"
        )
    return base


def _runs(arch: str, directory: str) -> bool:
    order = ["generic", "x86-64-v3", "x86-64-v4"]
    return order.index(directory) <= order.index(arch)


CASES = [
    (),
    ("numpy",),
    ("NumPy",),
    ("numpy", "scipy", "six"),
    ("six", "numpy"),
    ("*cdf*",),
    ("*CDF*", "--all-versions"),
    ("numpy>=1",),
    ("numpy<1.26",),
    ("numpy==1.26.4+computecanada",),
    ("numpy", "-v", "1.25.2"),
    ("numpy", "-v", "1.26.*"),
    ("numpy", "--all-versions"),
    ("numpy", "--all-versions", "--condense"),
    ("numpy", "--condense"),
    ("numpy", "scipy", "--all-versions", "--condense"),
    ("numpy", "-p", "3.10", "3.12"),
    ("numpy", "--all-pythons"),
    ("numpy", "-a", "generic"),
    ("numpy", "-a", "x86-64-v4", "generic"),
    ("torch", "--all-archs"),
    ("torch", "--all"),
    ("numpy", "nosuch", "--not-available"),
    ("nosuch", "numpy", "aaa", "--not-available"),
    ("numpy", "no-such", "--not-available-only"),
    ("numpy", "--column", "name", "version", "localversion", "build", "python", "abi",
     "platform", "arch"),
    ("numpy", "--mediawiki"),
    ("h5netcdf", "--all-versions"),
    ("bio_cdf00131",),
    ("bio-cdf00131",),
    ("num*", "numpy<1.26"),
    ("pillow", "pytz"),
    ("numpy[extra]>=1; python_version>='3'",),
    ("-n", "scipy", "six"),
    ("-r", "freeze.txt", "--not-available"),
    ("-r", "reqs.txt", "--not-available"),
    ("-r", "pyproject.toml", "freeze.txt", "--not-available"),
    ("six", "-r", "freeze.txt", "-v", "1.16.0"),
    ("torch", "--all", "-p", "3.11"),
    ("-v", "1.26.4"),
] + [("numpy", "scipy", "--format", fmt) for fmt in (
    "plain", "github", "pipe", "grid", "fancy_grid", "rst", "tsv", "html", "latex", "orgtbl",
    "psql", "presto", "pretty", "jira", "textile", "moinmoin", "youtrack", "asciidoc",
    "simple_grid", "rounded_outline",
)]  # fmt: skip
ERRORS = [("numpy", "-p", "3.13"), ("numpy", "-a", "x86-64-v5")]


def _both(house: Path, args: tuple[str, ...], arch: str, python: str | None):
    node = {"RSNT_ARCH": arch, **({"EBVERSIONPYTHON": python} if python else {})}
    unset = ("VIRTUAL_ENV", "EBVERSIONPYTHON", "RSNT_ARCH", "PIP_CONFIG_FILE")
    clean = {k: v for k, v in os.environ.items() if k not in unset}
    peer_env = {**clean, **node, "WHEELHOUSE": str(house / "wh"),
                "PIP_CONFIG_FILE": str(house / f"{arch}.conf"),
                "PYTHON_DIRS": str(house / "pythons"),
                "PYTHONPATH": str(Path(PEER).parent)}  # fmt: skip
    ours_env = {**clean, **node, "PYHERD_WHEELHOUSE": str(house / "wh"),
                "PYTHONPATH": str(ROOT / "tools")}  # fmt: skip
    peer = subprocess.run([PEER_PYTHON, PEER, *args], capture_output=True, text=True,
                          env=peer_env, cwd=house)  # fmt: skip
    ours = subprocess.run([sys.executable, "-m", "pyherd.wheelhouse.avail", *args],
                          capture_output=True, text=True, env=ours_env, cwd=house)  # fmt: skip
    return peer, ours


@pytest.mark.parametrize("args", CASES, ids=lambda a: " ".join(a) or "default")
@pytest.mark.parametrize(("arch", "python"), [("x86-64-v3", "3.11.5"), ("x86-64-v4", None)])
def test_same_bytes_as_the_alliance_tool(house: Path, args, arch: str, python: str | None):
    peer, ours = _both(house, args, arch, python)
    assert peer.returncode == 0, peer.stderr
    assert (ours.returncode, ours.stdout) == (0, peer.stdout)


@pytest.mark.parametrize("args", ERRORS, ids=" ".join)
def test_the_same_errors_exit_2(house: Path, args):
    peer, ours = _both(house, args, "x86-64-v3", "3.11.5")
    assert peer.returncode == ours.returncode == 2
    assert ours.stdout == "" and "Traceback" not in ours.stderr


@pytest.mark.parametrize("args", [("numpy", "--raw"), ("--raw",), ("*cdf*", "--raw", "--all")])
def test_raw_lists_the_same_files(house: Path, args):
    """The peer prints --raw in directory order (whatever the filesystem returns);
    pyherd in table order. The files are the same."""
    peer, ours = _both(house, args, "x86-64-v4", None)
    assert sorted(ours.stdout.splitlines()) == sorted(peer.stdout.splitlines())
    assert ours.stdout.splitlines()
