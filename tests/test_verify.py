"""`pyherd verify`: each module's prefix is installed here and its python runs as the
version the module says."""

from __future__ import annotations

import re
import sys
import venv
from pathlib import Path

from conftest import make_sites, run_pyherd

RUNNING = ".".join(map(str, sys.version_info[:3]))


def test_missing_broken_and_wrong_prefixes_are_named_and_exit_1(tmp_path: Path):
    good = tmp_path / "opt/python" / RUNNING
    venv.create(good, with_pip=False, symlinks=True)
    broken = tmp_path / "opt/python/3.10.2"
    (broken / "bin").mkdir(parents=True)
    (broken / "bin/python3").write_text("not a program\n")
    wrong = tmp_path / "opt/python/3.9.1"
    venv.create(wrong, with_pip=False, symlinks=True)  # this machine's python, not 3.9.1
    (tmp_path / "opt/tool/1.0").mkdir(parents=True)
    make_sites(tmp_path, s=f"""\
module_tool: lmod
modules:
  python:
    kind: python
    versions: ["{RUNNING}", "3.10.2", "3.9.1", "3.8.0"]
    prefix: {tmp_path}/opt/python/{{version}}
  tool:
    versions: ["1.0"]
    prefix: {tmp_path}/opt/tool/{{version}}
  odd:
    versions: ["1"]
    prefix: "{tmp_path}/opt/$(touch canary)'/{{version}}"  # a quote and a $(...)
""")  # fmt: skip
    done = run_pyherd("verify", "--site", "s", cwd=tmp_path)
    assert done.returncode == 1
    assert "4 of 6 prefixes are missing or do not run" in done.stderr
    rows = [re.split(r"\s{2,}", line) for line in done.stdout.splitlines()[1:]]
    results = {row[0]: row[2] for row in rows}
    assert results == {
        f"python/{RUNNING}": f"ok (python {RUNNING})",
        "python/3.10.2": "bin/python3 does not run: Permission denied",
        "python/3.9.1": f"bin/python3 is {RUNNING}, not 3.9.1",
        "python/3.8.0": "missing",
        "tool/1.0": "ok",
        "odd/1": "missing",
    }
    assert not (tmp_path / "canary").exists()


def test_all_installed_is_exit_0(tmp_path: Path):
    venv.create(tmp_path / "py", with_pip=False, symlinks=True)
    make_sites(tmp_path, s=f"""\
module_tool: lmod
modules:
  python:
    kind: python
    versions: ["{RUNNING}"]
    prefix: {tmp_path}/py
""")  # fmt: skip
    done = run_pyherd("verify", "--site", "s", cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
