"""Hostile files in a wheelhouse: `wheels index` refuses each with its path (exit 1, the
previous index kept), never hangs, never balloons; `avail_wheels` never prints them."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from conftest import PYHERD, ROOT
from test_wheelhouse import avail, site
from wheelfactory import make_wheel

LIMIT_KIB = 200 * 1024  # peak RSS of the index run


def _house(tmp_path: Path) -> Path:
    root = tmp_path / "wh"
    (tmp_path / "sites").mkdir()
    (tmp_path / "sites/w.yaml").write_text(site(root))
    make_wheel(root / "generic", "good", "1.0+site")
    return tmp_path


# Run a command and report its own peak RSS: a child's ru_maxrss counts what its parent
# held when it forked, so the measured process is started by this small Python, not by
# pytest (hundreds of MB after the rest of the suite).
_MEASURE = """\
import os, subprocess, sys
child = subprocess.Popen(sys.argv[1:])
_, status, usage = os.wait4(child.pid, 0)
sys.stderr.write(f"\\npeak-rss-kib {usage.ru_maxrss}\\n")
sys.exit(os.waitstatus_to_exitcode(status))
"""


def _index(house: Path) -> tuple[subprocess.CompletedProcess, int]:
    """`pyherd wheels index`, with a timeout (a hang fails) and its peak RSS in KiB."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "tools")}
    cmd = [sys.executable, "-c", _MEASURE, *PYHERD, "wheels", "index", "--site", "w"]
    proc = subprocess.Popen(cmd, cwd=house, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)  # fmt: skip
    try:
        out, err = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        pytest.fail("wheels index hung")
    err, _, rss = err.rpartition("\npeak-rss-kib ")
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err), int(rss)


def _bomb(path: Path, *, in_headers: bool) -> None:
    """A small wheel whose METADATA inflates to 300 MB (its description, or one header)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    name, version = path.name.split("-")[:2]
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(f"{name}/__init__.py", "")
        with zf.open(f"{name}-{version}.dist-info/METADATA", "w", force_zip64=True) as fh:
            fh.write(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n".encode())
            fh.write(b"Summary: " if in_headers else b"\n")
            chunk = b"A" * (1 << 20)
            for _ in range(300):
                fh.write(chunk)
    assert path.stat().st_size < 2 << 20


def _state(house: Path) -> dict[str, bytes]:
    index = house / "wh/.index"
    return {str(p): p.read_bytes() for p in index.rglob("*") if p.is_file()}


@pytest.mark.parametrize(
    "case",
    ["bomb in its headers", "fifo", "link to /dev/zero", "tab in Requires-Python",
     "escape in its name", "quote in its name"],
)  # fmt: skip
def test_a_hostile_wheel_is_refused_with_its_path(tmp_path: Path, case: str):
    house = _house(tmp_path)
    first, _ = _index(house)
    assert first.returncode == 0, first.stderr
    before = _state(house)
    generic = house / "wh/generic"
    if case == "bomb in its headers":
        bad = generic / "bomb-1.0+site-py3-none-any.whl"
        _bomb(bad, in_headers=True)
        message = "METADATA's headers run past 1048576 bytes"
    elif case == "fifo":
        bad = generic / "fifo-1.0-py3-none-any.whl"
        os.mkfifo(bad)
        message = "not a regular file"
    elif case == "link to /dev/zero":
        bad = generic / "zero-1.0-py3-none-any.whl"
        bad.symlink_to("/dev/zero")
        message = "not a regular file"
    elif case == "tab in Requires-Python":
        bad = make_wheel(generic, "tabbed", "1.0+site", requires_python=">=3.8\t,<4")
        message = r"METADATA Requires-Python holds a control character ('\t')"
    elif case == "escape in its name":
        bad = generic / "red\x1b[31m-1.0-py3-none-any.whl"
        bad.write_bytes(make_wheel(tmp_path / "x", "red", "1.0").read_bytes())
        message = "not a wheel file name"
    else:
        bad = generic / 'q"uote-1.0-py3-none-any.whl'
        bad.write_bytes(make_wheel(tmp_path / "x", "quote", "1.0").read_bytes())
        message = "not a wheel file name"
    result, rss = _index(house)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr and "\x1b" not in result.stderr
    assert message in result.stderr and "the index is unchanged" in result.stderr
    assert bad.name.replace("\x1b", "\\x1b") in result.stderr
    assert rss < LIMIT_KIB, f"peak RSS {rss} KiB"
    assert _state(house) == before
    # avail_wheels shows the good wheel and never the hostile name, index or no index
    shown = avail(house, "--all")
    assert "good" in shown.stdout and "\x1b" not in shown.stdout + shown.stderr
    assert '"' not in shown.stdout


def test_a_bomb_in_the_description_is_never_inflated(tmp_path: Path):
    house = _house(tmp_path)
    _bomb(house / "wh/generic/bomb-1.0+site-py3-none-any.whl", in_headers=False)
    result, rss = _index(house)
    assert result.returncode == 0, result.stderr
    assert "2 wheels, 2 read" in result.stdout
    assert rss < LIMIT_KIB, f"peak RSS {rss} KiB"
    assert "bomb" in avail(house, "--all").stdout
