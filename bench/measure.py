"""One whole process, measured: wall seconds and peak RSS (KiB) from its own rusage."""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from pathlib import Path


def measured(
    cmd: list[str], *, cwd: Path | None = None, env: dict[str, str] | None = None
) -> tuple[float, int]:
    """Run `cmd` to completion; (wall seconds, peak RSS KiB). SystemExit if it fails."""
    start = time.perf_counter()
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        if os.waitstatus_to_exitcode(status) != 0:
            err.seek(0)
            raise SystemExit(f"{' '.join(cmd)} failed: {err.read().decode()}")
    return wall, usage.ru_maxrss
