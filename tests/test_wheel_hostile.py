"""Hostile files in a wheelhouse: `wheels index` refuses each with its path (exit 1, the
previous index kept), never hangs, never balloons; `avail_wheels` never prints them."""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
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


def _index(house: Path) -> tuple[subprocess.CompletedProcess, int]:
    """`pyherd wheels index`, with a timeout (a hang fails) and its peak RSS in KiB."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "tools")}
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen([*PYHERD, "wheels", "index", "--site", "w"], cwd=house,
                                env=env, stdout=out, stderr=err, text=True)  # fmt: skip
        deadline = time.monotonic() + 60
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                proc.kill()
                proc.wait()
                pytest.fail("wheels index hung")
            time.sleep(0.02)
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        ran = subprocess.CompletedProcess(proc.args, proc.returncode, out.read(), err.read())
    return ran, usage.ru_maxrss


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
