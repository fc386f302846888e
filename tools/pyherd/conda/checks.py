"""Health checks: commands that must succeed inside a generation before it is published."""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

from pyherd.errors import JobFailed

TIMEOUT = 900


def run_checks(prefix: Path, checks: tuple[str, ...], label: str, log: Path) -> None:
    """Run each check with the prefix's bin first on PATH; JobFailed on the first failure."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "CONDA"))}
    env["PATH"] = f"{prefix}/bin:{prefix}/condabin:{env.get('PATH', '/usr/bin:/bin')}"
    env["CONDA_PREFIX"] = str(prefix)
    env["PYTHONNOUSERSITE"] = "1"
    for check in checks:
        with tempfile.TemporaryDirectory(prefix="pyherd-check-") as cwd:
            try:
                proc = subprocess.run(
                    ["bash", "-c", check],
                    cwd=cwd,
                    env=env,
                    stdin=subprocess.DEVNULL,
                    capture_output=True,
                    text=True,
                    timeout=TIMEOUT,
                    check=False,
                )
                output, code = proc.stdout + proc.stderr, proc.returncode
            except subprocess.TimeoutExpired:
                output, code = f"timed out after {TIMEOUT} s", -1
        with open(log, "a") as f:
            f.write(f"$ {check}   # {label}, exit {code}\n{output}\n")
        if code != 0:
            tail = " | ".join(output.strip().splitlines()[-3:])
            raise JobFailed(
                f"health check failed in {label}: {check!r} exited {code}"
                + (f": {tail}" if tail else "")
                + f"; log: {log}"
            )
