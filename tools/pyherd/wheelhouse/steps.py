"""The processes a wheel build runs (venv, pip, the import test), each logged, and the
one line of its log that says why it failed."""

from __future__ import annotations

import os
import re
import subprocess
import zipfile
from pathlib import Path

from pyherd.errors import JobFailed

# pip's own summary lines, which say a build failed but not why
GENERIC_ERROR = re.compile(
    r"subprocess-exited-with-error|metadata-generation-failed|Failed (to build|building)|"
    r"finished with status 'error'|^note:|^hint:|^×|^╰|originates from a subprocess|"
    r"exited with \d+|failed with exit code"
)


class BuildFailed(JobFailed):
    """One (package, Python) failed; the others go on and the summary names it."""


def top_level(wheel: Path) -> tuple[str, ...]:
    """The importable top-level names a wheel installs (tests and private names left out)."""
    names: set[str] = set()
    with zipfile.ZipFile(wheel) as zf:
        for entry in zf.namelist():
            first = entry.split("/", 1)[0]
            if first.endswith((".dist-info", ".data")):
                continue
            name = first.split(".", 1)[0] if "/" not in entry else first
            if "/" not in entry and not entry.endswith((".py", ".so", ".pyd")):
                continue
            if name.isidentifier() and not name.startswith("_") and name not in ("test", "tests"):
                names.add(name)
    return tuple(sorted(names))


def clean_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment builds run in: none of the caller's pip settings or Python paths."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("PIP_")
        and k not in ("PYTHONPATH", "PYTHONHOME", "PYTHONUSERBASE", "VIRTUAL_ENV")
    }
    env.update(PIP_CONFIG_FILE=os.devnull, PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_NO_INPUT="1")
    env.update(extra or {})
    return env


def run(
    command: list[str],
    log: Path,
    what: str,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
) -> None:
    with log.open("a") as fh:
        fh.write(f"$ {' '.join(command)}\n")
        fh.flush()
        done = subprocess.run(
            command, stdout=fh, stderr=subprocess.STDOUT, env=clean_env(env), cwd=cwd
        )
        fh.write(f"[exit {done.returncode}]\n")
    if done.returncode != 0:
        raise BuildFailed(f"{what}: exit {done.returncode}: {last_error(log)}")


def last_error(log: Path) -> str:
    """The most telling line of the log's last command: a traceback's last line, else its first
    specific error line (a compiler's), else its last line."""
    text = log.read_text(errors="replace").rsplit("\n$ ", 1)[-1]
    lines = [ln.strip() for ln in text.splitlines()[1:] if ln.strip()]
    lines = [ln for ln in lines if not ln.startswith("[exit")]
    errors = [ln for ln in lines if "error" in ln.lower() and not GENERIC_ERROR.search(ln)]
    if errors and not any(ln.startswith("Traceback") for ln in lines):
        line = errors[0]
    else:
        line = (lines or ["(no output)"])[-1]
    return line if len(line) <= 160 else line[:157] + "..."
