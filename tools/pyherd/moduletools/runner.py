"""Run a bash script with a real module tool's `module` function (lint and tests).

The plug-in that owns a tool says how to set `module` up (its `init` lines); this
runs the script in a clean environment: a throwaway HOME, a plain PATH, C.UTF-8.
"""

from __future__ import annotations

import shlex
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Ran:
    returncode: int
    stdout: str
    stderr: str


@dataclass(frozen=True)
class Runner:
    """One installed module tool, able to run a bash script that has a working `module`."""

    kind: str  # the tool's name: lmod, environment-modules
    command: str  # the lmod binary or modulecmd.tcl
    init: str  # bash lines that define `module`

    def run(
        self,
        script: str,
        modulepath: list[Path],
        env: dict[str, str] | None = None,
        timeout: float = 120,
    ) -> Ran:
        """Run `script` in a clean bash with `module` defined and MODULEPATH set."""
        with tempfile.TemporaryDirectory(prefix="pyherd-home-", ignore_cleanup_errors=True) as home:
            base = {
                "HOME": home,
                "USER": "pyherd",
                "LOGNAME": "pyherd",
                "PATH": "/usr/local/bin:/usr/bin:/bin",
                "LANG": "C.UTF-8",
                "LC_ALL": "C.UTF-8",
                "TERM": "dumb",
            }
            base.update(env or {})
            paths = ":".join(str(p) for p in modulepath)
            full = f"{self.init}\nexport MODULEPATH={shlex.quote(paths)}\n{script}\n"
            proc = subprocess.run(
                ["bash", "--noprofile", "--norc", "-c", full],
                env=base,
                capture_output=True,
                text=True,
                timeout=timeout,
            )
        return Ran(proc.returncode, proc.stdout, proc.stderr)
