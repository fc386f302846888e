"""Health checks: commands that must succeed inside a generation before it is published.

Each check runs in its own session (process group) under a bash that pyherd's death
signals (PR_SET_PDEATHSIG) and that then kills the whole group: a killed pyherd leaves
no check, nor anything a check started, running. A timeout kills the group too.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import tempfile
from pathlib import Path

from pyherd.conda.engine import on_parent_death
from pyherd.errors import JobFailed

TIMEOUT = 900


def run_checks(prefix: Path, checks: tuple[str, ...], label: str, log: Path) -> None:
    """Run each check with the prefix's bin first on PATH; JobFailed on the first failure."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "CONDA"))}
    env["PATH"] = f"{prefix}/bin:{prefix}/condabin:{env.get('PATH', '/usr/bin:/bin')}"
    env["CONDA_PREFIX"] = str(prefix)
    env["PYTHONNOUSERSITE"] = "1"
    env["PYTHONDONTWRITEBYTECODE"] = "1"  # a check leaves no __pycache__ in the generation
    for check in checks:
        with tempfile.TemporaryDirectory(prefix="pyherd-check-") as cwd:
            output, code = _run(check, cwd, env)
        with open(log, "a") as f:
            f.write(f"$ {check}   # {label}, exit {code}\n{output}\n")
        if code != 0:
            tail = " | ".join(output.strip().splitlines()[-3:])
            raise JobFailed(
                f"health check failed in {label}: {check!r} exited {code}"
                + (f": {tail}" if tail else "")
                + f"; log: {log}"
            )


# The group leader runs the check in the background so that its TERM trap runs at once,
# then kills every process of the group (the check's children too).
_LEADER = 'trap "kill -KILL 0" TERM HUP INT; bash -c "$1" & wait "$!"'


def _run(check: str, cwd: str, env: dict[str, str]) -> tuple[str, int]:
    proc = subprocess.Popen(
        ["bash", "-c", _LEADER, "pyherd-check", check],
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
        preexec_fn=on_parent_death(signal.SIGTERM),
    )
    try:
        output, _ = proc.communicate(timeout=TIMEOUT)
        return output, proc.returncode
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        return f"timed out after {TIMEOUT} s", -1
