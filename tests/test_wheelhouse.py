"""The wheelhouse index (pyherd wheels index) and avail_wheels, with real pip in a venv."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
import venv
from pathlib import Path

import pytest

from conftest import PYHERD, ROOT, process_state, run_pyherd
from wheelfactory import make_wheel

LINUX = "cp311-cp311-linux_x86_64"
AVAIL = [sys.executable, "-c", "import sys; from pyherd.wheelhouse.avail import main; "
         "sys.exit(main())"]  # fmt: skip


def site(root: Path, archs: str = "[generic, x86-64-v3]") -> str:
    return textwrap.dedent(f"""\
        module_tool: lmod
        wheelhouse:
          root: {root}
          archs: {archs}
          arch_variable: RSNT_ARCH
          local_tag: site
        modules:
          python:
            kind: python
            versions: ["3.10.14", "3.11.5", "3.12.1"]
            prefix: /opt/python/{{version}}
        """)


@pytest.fixture
def house(tmp_path: Path) -> Path:
    """A project dir with sites/w.yaml and a wheelhouse under wh/ of a few wheels."""
    root = tmp_path / "wh"
    (tmp_path / "sites").mkdir()
    (tmp_path / "sites/w.yaml").write_text(site(root))
    make_wheel(root / "generic", "numpy", "1.26.4+site", LINUX)
    make_wheel(root / "generic", "numpy", "1.25.0+site", LINUX)
    make_wheel(root / "x86-64-v3", "numpy", "1.26.4+site", LINUX, marker="v3")
    make_wheel(root / "generic", "numpy", "1.26.4+site", "cp310-cp310-linux_x86_64")
    make_wheel(root / "generic", "netCDF4", "1.5.8+site", "cp310-cp310-linux_x86_64")
    make_wheel(root / "generic", "h5netcdf", "0.7.4+site", "py2.py3-none-any",
               requires_python=">=3.7")  # fmt: skip
    make_wheel(root / "generic", "qiskit", "1.2.4+site", "cp38-abi3-linux_x86_64")
    return tmp_path


def wheels(house: Path, *args: str):
    return run_pyherd("wheels", *args, "--site", "w", cwd=house)


def avail(house: Path, *args: str, **env: str):
    clean = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "RSNT_ARCH")}
    full = {**clean, "PYTHONPATH": str(ROOT / "tools"), "PYHERD_WHEELHOUSE": str(house / "wh")}
    return subprocess.run(AVAIL + list(args), capture_output=True, text=True, env={**full, **env})


def index_files(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for base in (root / "simple", root / ".index")
        for p in base.rglob("*")
        if p.is_file()
    }


def test_index_serves_pip_the_arch_build_first(house: Path, tmp_path: Path):
    result = wheels(house, "index")
    assert result.returncode == 0, result.stderr
    assert "w: 7 wheels, 7 read;" in result.stdout
    page = (house / "wh/simple/x86-64-v3/numpy/index.html").read_text()
    assert page.index("../../../x86-64-v3/numpy-1.26.4+site-") < page.index("../../../generic/")
    assert "#sha256=" in page
    h5 = (house / "wh/simple/generic/h5netcdf/index.html").read_text()
    assert 'data-requires-python="&gt;=3.7"' in h5
    assert "x86-64-v3" not in (house / "wh/simple/generic/numpy/index.html").read_text()
    # real pip, isolated from this machine's settings, installs through the index
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    pip = subprocess.run(
        [str(env_dir / "bin/pip"), "install", "--disable-pip-version-check", "--index-url",
         (house / "wh/simple/x86-64-v3").as_uri() + "/", "numpy", "h5netcdf"],
        capture_output=True, text=True,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PIP_CONFIG_FILE": "/dev/null"},
    )  # fmt: skip
    assert pip.returncode == 0, pip.stderr
    shown = subprocess.run(
        [str(env_dir / "bin/python"), "-c", "import numpy; print(numpy.__version__, numpy.MARKER)"],
        capture_output=True, text=True,
    )  # fmt: skip
    assert shown.stdout.split() == ["1.26.4+site", "v3"]


def test_rerun_reads_and_writes_nothing_and_a_new_wheel_touches_its_pages(house: Path):
    assert wheels(house, "index").returncode == 0
    root = house / "wh"
    before = {p: p.stat().st_mtime_ns for p in root.rglob("*") if p.is_file()}
    again = wheels(house, "index")
    assert "7 wheels, 0 read; 0 index files written" in again.stdout
    assert {p: p.stat().st_mtime_ns for p in root.rglob("*") if p.is_file()} == before
    make_wheel(root / "generic", "scipy", "1.13.0+site", LINUX)
    dry = wheels(house, "index", "--dry-run")
    assert f"would write {root / 'simple/generic/scipy/index.html'}" in dry.stdout
    assert not (root / "simple/generic/scipy").exists()
    added = wheels(house, "index")
    assert "8 wheels, 1 read; 7 index files written" in added.stdout
    assert (root / "simple/x86-64-v3/scipy/index.html").is_file()
    assert '<a href="scipy/">scipy</a>' in (root / "simple/generic/index.html").read_text()
    assert (root / "simple/generic/numpy/index.html").stat().st_mtime_ns == before[
        root / "simple/generic/numpy/index.html"
    ]


def test_incremental_runs_leave_what_a_full_index_writes(house: Path):
    """Add, remove and replace wheels one run at a time; a rebuild from nothing agrees."""
    assert wheels(house, "index").returncode == 0
    root = house / "wh"
    make_wheel(root / "x86-64-v3", "SciPy", "1.13.0+site", LINUX)
    (root / "generic/numpy-1.25.0+site-cp311-cp311-linux_x86_64.whl").unlink()
    assert "7 wheels, 1 read" in wheels(house, "index").stdout
    (root / "generic/qiskit-1.2.4+site-cp38-abi3-linux_x86_64.whl").unlink()
    make_wheel(root / "generic", "h5netcdf", "0.7.4+site", "py2.py3-none-any",
               requires_python=">=3.8")  # same name, new content  # fmt: skip
    assert "6 wheels, 1 read" in wheels(house, "index").stdout
    incremental = index_files(root), farm(root, "x86-64-v3")
    assert not (root / "simple/generic/qiskit").exists()
    assert "scipy\tSciPy" in incremental[0][".index/names.tsv"].decode()
    for derived in ("simple", ".index", "find-links"):
        subprocess.run(["rm", "-r", str(root / derived)], check=True)
    assert "6 wheels, 6 read" in wheels(house, "index").stdout
    assert (index_files(root), farm(root, "x86-64-v3")) == incremental


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        ("corrupt", "bad-2.0-py3-none-any.whl: corrupt or unreadable"),
        ("version", "METADATA says version '2.1', the file name 2.0"),
        ("name", "METADATA names project 'other', the file name 'bad'"),
        ("not-a-dir", "x86-64-v3: cannot list it"),
    ],
)
def test_bad_wheels_fail_and_leave_the_previous_index(house: Path, damage: str, message: str):
    assert wheels(house, "index").returncode == 0
    root = house / "wh"
    before = index_files(root)
    generic = root / "generic"
    if damage == "corrupt":
        make_wheel(generic, "bad", "2.0").write_bytes(b"PK\x03\x04 truncated")
    elif damage == "version":
        make_wheel(generic, "bad", "2.0", meta_version="2.1")
    elif damage == "name":
        make_wheel(generic, "bad", "2.0", meta_name="other")
    else:
        for wheel in (root / "x86-64-v3").iterdir():
            wheel.unlink()
        (root / "x86-64-v3").rmdir()
        (root / "x86-64-v3").write_text("a file where a directory should be")
    result = wheels(house, "index")
    assert result.returncode == 1
    assert message in result.stderr and "the index is unchanged" in result.stderr
    assert index_files(root) == before


def test_bad_wheelhouse_config_is_exit_2(house: Path):
    (house / "sites/w.yaml").write_text(site(house / "wh", archs="[x86-64-v3, simple]"))
    result = wheels(house, "index")
    assert result.returncode == 2
    assert "sites/w.yaml:4: wheelhouse.archs: must include generic" in result.stderr
    assert "'simple' is reserved" in result.stderr


# What the Alliance's avail_wheels prints for the same house and node (checked side by
# side in test_avail_peer.py), except qiskit's rows: a cp38-abi3 wheel, which the peer
# hides from Python 3.10-3.12 though pip installs it there.
TABLES = {
    (): """\
        name      version    python    arch
        --------  ---------  --------  ---------
        h5netcdf  0.7.4      py2,py3   generic
        netCDF4   1.5.8      cp310     generic
        numpy     1.26.4     cp311     x86-64-v3
        numpy     1.26.4     cp311     generic
        numpy     1.26.4     cp310     generic
        qiskit    1.2.4      cp38      generic
        """,
    ("*CDF*",): """\
        name      version    python    arch
        --------  ---------  --------  -------
        h5netcdf  0.7.4      py2,py3   generic
        netCDF4   1.5.8      cp310     generic
        """,
    ("numpy==1.25", "-a", "generic"): """\
        name    version    python    arch
        ------  ---------  --------  -------
        numpy   1.25.0     cp311     generic
        """,
    ("numpy", "-p", "3.11", "--all-versions", "--condense"): """\
        name    version         python    arch
        ------  --------------  --------  ------------------
        numpy   1.26.4, 1.25.0  cp311     x86-64-v3, generic
        """,
    ("numpy>=1.21.*", "-p", "3.10"): """\
        name    version    python    arch
        ------  ---------  --------  -------
        numpy   1.26.4     cp310     generic
        """,
    ("-n", "qiskit", "nosuch", "-p", "3.12", "--not-available"): """\
        name    version    python    arch
        ------  ---------  --------  -------
        nosuch
        qiskit  1.2.4      cp38      generic
        """,
    ("qiskit", "nosuch", "--not-available-only"): """\
        name    version    python    arch
        ------  ---------  --------  ------
        nosuch
        """,
    ("numpy", "-v", "1.25", "--column", "name", "localversion", "abi", "--format", "tsv"): """\
        name  \tlocalversion  \tabi
        numpy \tsite          \tcp311
        """,
    ("h5netcdf", "--format", "github"): """\
        | name     | version   | python   | arch    |
        |----------|-----------|----------|---------|
        | h5netcdf | 0.7.4     | py2,py3  | generic |
        """,
    ("netcdf4", "--raw"): """\
        netCDF4-1.5.8+site-cp310-cp310-linux_x86_64.whl
        """,
}


@pytest.mark.parametrize("args", list(TABLES), ids=lambda a: " ".join(a) or "default")
def test_avail_wheels_output(house: Path, args: tuple[str, ...]):
    assert wheels(house, "index").returncode == 0
    result = avail(house, *args, RSNT_ARCH="x86-64-v3")
    assert result.returncode == 0, result.stderr
    assert result.stdout == textwrap.dedent(TABLES[args])
    assert result.stderr == ""


def test_avail_wheels_defaults_follow_the_venv_and_read_requirements(house: Path, tmp_path):
    assert wheels(house, "index").returncode == 0
    env_dir = tmp_path / "v"
    env_dir.mkdir()
    (env_dir / "pyvenv.cfg").write_text("home = /usr/bin\nversion = 3.10.14\n")
    reqs = tmp_path / "requirements.txt"
    reqs.write_text("# pinned\nnumpy>=1.20  # any\n-e .\nmissing-pkg==1\n")
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[project]\nname = "x"\ndependencies = ["h5netcdf", "qiskit<1"]\n')
    result = avail(house, "-r", str(reqs), str(pyproject), "--not-available",
                   VIRTUAL_ENV=str(env_dir))  # fmt: skip
    # sorted by name, what was not found among it, as the name the Alliance's tool keys
    assert result.stdout == textwrap.dedent("""\
        name         version    python    arch
        -----------  ---------  --------  -------
        h5netcdf     0.7.4      py2,py3   generic
        missing_pkg
        numpy        1.26.4     cp310     generic
        qiskit
        """)


def test_stale_or_missing_index_falls_back_to_a_scan(house: Path):
    v3_node = str(house / "wh/pip/x86-64-v3.conf")  # with no index, the node's pip.conf says
    missing = avail(house, "numpy", "-p", "3.11", "--all-archs", PIP_CONFIG_FILE=v3_node)
    assert "the index of" in missing.stderr and "is missing" in missing.stderr
    assert missing.stdout.splitlines()[2:] == [
        "numpy   1.26.4     cp311     x86-64-v3",
        "numpy   1.26.4     cp311     generic",
    ]
    assert wheels(house, "index").returncode == 0
    os.utime(house / "wh/generic", ns=(0, 1 << 62))  # a wheel copied in after indexing
    stale = avail(house, "numpy", "-p", "3.11")
    assert "older than its wheels" in stale.stderr
    assert "numpy   1.26.4     cp311     generic" in stale.stdout


def test_avail_wheels_without_a_wheelhouse_says_how(house: Path):
    result = subprocess.run(
        AVAIL, capture_output=True, text=True,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT / "tools")},
    )  # fmt: skip
    assert result.returncode == 2
    assert "no wheelhouse: load a python module, or give --wheelhouse DIR" in result.stderr


V4_SITE_EXTRA = "[generic, x86-64-v3, x86-64-v4]"


@pytest.fixture
def v4_house(tmp_path: Path) -> Path:
    """archs generic, x86-64-v3, x86-64-v4: `onlyv3` built for v3 alone, `both` for v3 and v4."""
    root = tmp_path / "wh"
    (tmp_path / "sites").mkdir()
    (tmp_path / "sites/w.yaml").write_text(site(root, V4_SITE_EXTRA))
    make_wheel(root / "x86-64-v3", "onlyv3", "1.0+site", LINUX, marker="v3")
    make_wheel(root / "x86-64-v3", "both", "2.0+site", LINUX, marker="v3")
    make_wheel(root / "x86-64-v4", "both", "2.0+site", LINUX, marker="v4")
    make_wheel(root / "generic", "both", "2.0+site", LINUX, marker="generic")
    make_wheel(root / "generic", "purepy", "0.1+site", "py3-none-any")
    return tmp_path


def _pip_install(tmp_path: Path, *args: str) -> tuple[subprocess.CompletedProcess, Path]:
    env_dir = tmp_path / f"venv{len(list(tmp_path.glob('venv*')))}"
    venv.create(env_dir, with_pip=True)
    pip = subprocess.run(
        [str(env_dir / "bin/pip"), "install", "--disable-pip-version-check", *args],
        capture_output=True, text=True,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PIP_CONFIG_FILE": "/dev/null"},
    )  # fmt: skip
    return pip, env_dir


def _markers(env_dir: Path, *modules: str) -> list[str]:
    code = "; ".join(f"import {m}; print({m}.MARKER or 'none')" for m in modules)
    ran = subprocess.run([str(env_dir / "bin/python"), "-c", code], capture_output=True, text=True)
    assert ran.returncode == 0, ran.stderr
    return ran.stdout.split()


def test_a_v4_node_installs_v3_builds_and_prefers_its_own(v4_house: Path, tmp_path: Path):
    assert wheels(v4_house, "index").returncode == 0
    root = v4_house / "wh"
    # through the index (what the python module's pip.conf names) and through --no-index
    pip, env_dir = _pip_install(tmp_path, "--index-url", (root / "simple/x86-64-v4").as_uri() + "/",
                                "onlyv3", "both", "purepy")  # fmt: skip
    assert pip.returncode == 0, pip.stderr
    assert _markers(env_dir, "onlyv3", "both") == ["v3", "v4"]
    pip, env_dir = _pip_install(tmp_path, "--no-index", "--find-links",
                                str(root / "find-links/x86-64-v4"), "onlyv3", "both")  # fmt: skip
    assert pip.returncode == 0, pip.stderr
    assert _markers(env_dir, "onlyv3", "both") == ["v3", "v4"]
    # a v3 node does not see v4 builds; of one file name a page lists the best build only
    page = (root / "simple/x86-64-v3/both/index.html").read_text()
    assert "x86-64-v3/both-" in page and "x86-64-v4" not in page and "generic/" not in page
    assert (
        '"../../../x86-64-v3/onlyv3-1.0+site-'
        in (root / "simple/x86-64-v4/onlyv3/index.html").read_text()
    )
    listed = avail(v4_house, "-p", "3.11", RSNT_ARCH="x86-64-v4")
    assert listed.returncode == 0 and listed.stderr == ""
    assert [line.split()[0::3] for line in listed.stdout.splitlines()[2:]] == [
        ["both", "x86-64-v4"], ["both", "x86-64-v3"], ["both", "generic"],
        ["onlyv3", "x86-64-v3"], ["purepy", "generic"],
    ]  # fmt: skip
    # -a means exactly that directory; an arch the wheelhouse lacks is a usage error
    exact = avail(v4_house, "both", "-p", "3.11", "-a", "x86-64-v3", RSNT_ARCH="x86-64-v4")
    assert [line.split()[-1] for line in exact.stdout.splitlines()[2:]] == ["x86-64-v3"]
    bad = avail(v4_house, "both", "-a", "x86-64-v5")
    assert bad.returncode == 2
    assert "invalid choice: 'x86-64-v5' (choose from 'generic', 'x86-64-v3', 'x86-64-v4')" in (
        bad.stderr
    )


def test_also_runs_overrides_the_chain_and_is_checked(v4_house: Path, tmp_path: Path):
    site_file = v4_house / "sites/w.yaml"
    text = site_file.read_text()
    no_chain = "  local_tag: site\n  also_runs:\n    x86-64-v4: []\n"
    site_file.write_text(text.replace("  local_tag: site\n", no_chain))
    assert wheels(v4_house, "index").returncode == 0
    assert not (v4_house / "wh/simple/x86-64-v4/onlyv3").exists()  # v4 nodes: v4, then generic
    bad = {
        "    x86-64-v4: [generic]\n": "also_runs.x86-64-v4[0]: generic comes last by itself",
        "    x86-64-v9: [x86-64-v3]\n": "also_runs.x86-64-v9: 'x86-64-v9' is not one of archs",
        "    x86-64-v4: [x86-64-v4]\n": "also_runs.x86-64-v4[0]: 'x86-64-v4' is the arch itself",
        "    x86-64-v4: [x86-64-v3, x86-64-v3]\n": "also_runs.x86-64-v4: lists an arch twice",
        '    x86-64-v4: ["x86-64-v3\\n"]\n': "is not an architecture name",
        '    x86-64-v4: ["../v3"]\n': "is not an architecture name",
    }
    for entry, message in bad.items():
        site_file.write_text(text.replace("  local_tag: site\n",
                                          f"  local_tag: site\n  also_runs:\n{entry}"))  # fmt: skip
        before = sorted(p for p in (v4_house / "wh").rglob("*"))
        result = wheels(v4_house, "index")
        assert result.returncode == 2, (entry, result.stderr)
        assert "sites/w.yaml:" in result.stderr and message in result.stderr, result.stderr
        assert sorted(p for p in (v4_house / "wh").rglob("*")) == before


def test_a_file_that_came_and_went_leaves_the_index_current(house: Path):
    assert wheels(house, "index").returncode == 0
    scratch = house / "wh/generic/partial.whl.tmp"
    scratch.write_text("x")  # a copy that was abandoned: the directory's mtime moves on
    scratch.unlink()
    again = wheels(house, "index")
    assert "0 read; 0 index files written" in again.stdout
    shown = avail(house, "numpy", "-p", "3.11", RSNT_ARCH="x86-64-v3")
    assert shown.returncode == 0 and shown.stderr == ""  # no "older than its wheels" scan


def test_without_an_index_the_pip_configuration_names_the_arch(house: Path):
    conf = house / "wh/pip/x86-64-v3.conf"  # what the python module sets for a v3 node
    shown = avail(house, "numpy", "-p", "3.11", PIP_CONFIG_FILE=str(conf))
    assert "is missing" in shown.stderr
    assert [line.split()[-1] for line in shown.stdout.splitlines()[2:]] == [
        "x86-64-v3", "generic"
    ]  # fmt: skip


def farm(root: Path, arch: str) -> dict[str, str]:
    """find-links/<arch>: each entry and the wheel it gives ("<arch dir>/<file>"), found by
    inode (a hard link) or by its target (a symlink)."""
    where = {
        (p.stat().st_dev, p.stat().st_ino): f"{d.name}/{p.name}"
        for d in root.iterdir()
        if d.name not in ("simple", "find-links", "pip", ".index") and d.is_dir()
        for p in d.iterdir()
    }
    out = {}
    for entry in (root / "find-links" / arch).iterdir():
        if entry.is_symlink():
            out[entry.name] = "/".join(os.readlink(entry).split("/")[2:]) + " (symlink)"
        else:
            out[entry.name] = where[(entry.stat().st_dev, entry.stat().st_ino)]
    return out


NUMPY_V3 = "numpy-1.26.4+site-cp311-cp311-linux_x86_64.whl"


def test_find_links_entries_are_the_wheels_and_follow_a_replaced_one(house: Path, tmp_path):
    """Each entry is a hard link to the best build (one directory entry, no inode of its
    own); a wheel replaced by rename keeping size and mtime (rsync -a) is read again and
    linked again, and --no-index installs the new one."""
    assert wheels(house, "index").returncode == 0
    root = house / "wh"
    assert farm(root, "x86-64-v3") == {
        NUMPY_V3: f"x86-64-v3/{NUMPY_V3}",  # the v3 build, not generic's of the same name
        **{p.name: f"generic/{p.name}" for p in (root / "generic").iterdir()
           if p.name != NUMPY_V3},
    }  # fmt: skip
    wheel = root / "x86-64-v3" / NUMPY_V3
    old = wheel.stat()
    new = make_wheel(tmp_path / "upload", "numpy", "1.26.4+site", LINUX, marker="r3")
    assert new.stat().st_size == old.st_size  # the marker's length is the same: stored zip
    os.utime(new, ns=(old.st_atime_ns, old.st_mtime_ns))
    os.replace(new, wheel)
    again = wheels(house, "index")
    assert "7 wheels, 1 read;" in again.stdout and "1 find-links updated" in again.stdout
    assert farm(root, "x86-64-v3")[NUMPY_V3] == f"x86-64-v3/{NUMPY_V3}"
    pip, env_dir = _pip_install(tmp_path, "--no-index", "--find-links",
                                str(root / "find-links/x86-64-v3"), "numpy")  # fmt: skip
    assert pip.returncode == 0, pip.stderr
    assert _markers(env_dir, "numpy") == ["r3"]


def test_find_links_are_symlinks_where_hard_links_cannot_be(house: Path, tmp_path: Path):
    """An arch directory on another file system (here tmpfs): its entries are symlinks,
    which a rerun keeps, and pip installs through them."""
    shm = Path("/dev/shm")
    if not shm.is_dir() or os.stat(shm).st_dev == os.stat(tmp_path).st_dev:
        pytest.skip("no second file system at /dev/shm")
    elsewhere = Path(tempfile.mkdtemp(dir=shm))
    try:
        root = house / "wh"
        shutil.move(root / "x86-64-v3", elsewhere / "x86-64-v3")
        (root / "x86-64-v3").symlink_to(elsewhere / "x86-64-v3")
        assert wheels(house, "index").returncode == 0
        assert farm(root, "x86-64-v3")[NUMPY_V3] == f"x86-64-v3/{NUMPY_V3} (symlink)"
        again = wheels(house, "index")
        assert "0 read; 0 index files written, 0 removed, 0 find-links updated" in again.stdout
        pip, env_dir = _pip_install(tmp_path, "--no-index", "--find-links",
                                    str(root / "find-links/x86-64-v3"), "numpy")  # fmt: skip
        assert pip.returncode == 0, pip.stderr
        assert _markers(env_dir, "numpy") == ["v3"]
    finally:
        shutil.rmtree(elsewhere)


def _published(root: Path) -> list[str]:
    """What readers can see of the derived trees (hidden entries left out)."""
    return sorted(
        str(p.relative_to(root))
        for base in ("simple", "find-links", ".index")
        if (root / base).is_dir()
        for p in (root / base).iterdir()
        if not p.name.startswith(".")
    )


@pytest.mark.parametrize("point", ["index-staged", "index-published"])
def test_a_killed_first_index_shows_nothing_half_made(house: Path, point: str):
    """A first index builds each tree hidden and renames it into place: killed before the
    renames, readers see no tree; killed after, every tree is whole. Either way the
    next run finishes it, sweeps what was hidden, and equals an index made in one go."""
    root = house / "wh"
    killed = run_pyherd("wheels", "index", "--site", "w", cwd=house, env={"PYHERD_KILL_AT": point})
    assert killed.returncode == -9
    hidden = [p for p in root.rglob("*") if "pyherd-staging" in p.name]
    if point == "index-staged":
        assert _published(root) == [] and len(hidden) == 4  # 2 simple, 1 find-links, shards
        shown = avail(house, "numpy", "-p", "3.11", RSNT_ARCH="x86-64-v3")
        assert "is missing" in shown.stderr and "numpy" in shown.stdout  # scanned instead
    else:
        assert hidden == []
        assert "simple/x86-64-v3" in _published(root) and ".index/p" in _published(root)
        assert not (root / ".index/stamp").exists()
    done = wheels(house, "index")
    assert done.returncode == 0, done.stderr
    assert [p for p in root.rglob("*") if "pyherd-staging" in p.name] == []
    finished = index_files(root), farm(root, "x86-64-v3")
    for derived in ("simple", ".index", "find-links"):
        shutil.rmtree(root / derived)
    assert wheels(house, "index").returncode == 0
    assert (index_files(root), farm(root, "x86-64-v3")) == finished


def test_a_link_named_like_a_leftover_is_removed_not_followed(house: Path, tmp_path: Path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.txt").write_text("not pyherd's")
    (house / "wh/simple").mkdir(parents=True)
    planted = house / "wh/simple/.x86-64-v3.pyherd-staging-1"
    planted.symlink_to(outside)
    assert wheels(house, "index").returncode == 0
    assert not os.path.lexists(planted) and (outside / "keep.txt").read_text() == "not pyherd's"


def test_one_index_run_at_a_time(house: Path):
    env = {**os.environ, "PYTHONPATH": str(ROOT / "tools"), "PYHERD_STOP_AT": "index-staged"}
    first = subprocess.Popen(
        [*PYHERD, "wheels", "index", "--site", "w"], cwd=house, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while process_state(first.pid) != "T":
            assert time.monotonic() < deadline and first.poll() is None, "never stopped"
            time.sleep(0.02)
        second = wheels(house, "index")
        assert second.returncode == 75
        assert "another pyherd run holds the lock" in second.stderr
        assert f"pid {first.pid}" in second.stderr
        assert _published(house / "wh") == []  # the second run wrote nothing either
    finally:
        os.kill(first.pid, signal.SIGCONT)
        out, err = first.communicate(timeout=120)
    assert first.returncode == 0, err
    assert "7 wheels, 7 read" in out
