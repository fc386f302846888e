"""Drive the real module tools (Lmod, Environment Modules' modulecmd.tcl) in bash."""

from __future__ import annotations

import glob
import os
import shlex
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from pyherd.errors import JobFailed

LMOD_DEFAULT = "/usr/share/lmod/lmod/libexec/lmod"
MODULECMD_CANDIDATES = (
    "/usr/lib/x86_64-linux-gnu/modulecmd.tcl",
    "/usr/share/modules/libexec/modulecmd.tcl",
    ".cache/environment-modules/usr/lib/*/modulecmd.tcl",
)


@dataclass(frozen=True)
class Result:
    returncode: int
    stdout: str
    stderr: str


@dataclass(frozen=True)
class ModuleTool:
    """One module tool, able to run a bash script that has a working `module`."""

    kind: str  # "lmod" or "environment-modules"
    command: str  # the lmod binary or modulecmd.tcl

    @property
    def init(self) -> str:
        if self.kind == "lmod":
            init = Path(self.command).resolve().parent.parent / "init" / "bash"
            return f"source {shlex.quote(str(init))}"
        home = Path(self.command).resolve().parents[2] / "share" / "modules"
        cmd = f"tclsh {shlex.quote(self.command)}"
        return (
            f"export MODULESHOME={shlex.quote(str(home))}\n"
            f'module() {{ local _out; _out="$({cmd} bash "$@")" || true; eval "$_out"; }}'
        )

    def run(
        self,
        script: str,
        modulepath: list[Path],
        env: dict[str, str] | None = None,
        timeout: float = 120,
    ) -> Result:
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
        return Result(proc.returncode, proc.stdout, proc.stderr)


def lmod(required: bool = True) -> ModuleTool | None:
    command = os.environ.get("LMOD_CMD", LMOD_DEFAULT)
    if Path(command).is_file():
        return ModuleTool("lmod", command)
    if required:
        raise JobFailed(f"Lmod not found at {command} (apt-get install lmod, or set LMOD_CMD)")
    return None


def modulecmd(required: bool = True) -> ModuleTool | None:
    candidates = [os.environ.get("PYHERD_MODULECMD_TCL", "")]
    for pattern in MODULECMD_CANDIDATES:
        candidates.extend(sorted(glob.glob(pattern)))
    for candidate in candidates:
        if candidate and Path(candidate).is_file() and shutil.which("tclsh"):
            return ModuleTool("environment-modules", str(Path(candidate).resolve()))
    if required:
        raise JobFailed(
            "Environment Modules' modulecmd.tcl not found: set PYHERD_MODULECMD_TCL "
            "(make test-tools unpacks one into .cache/)"
        )
    return None


def check_tree_syntax(tree: Path, env: dict[str, str] | None = None) -> Result:
    """Lmod's check_module_tree_syntax over a whole tree (Lua and Tcl files)."""
    tool = lmod()
    assert tool is not None
    checker = Path(tool.command).resolve().parent / "check_module_tree_syntax"
    quoted = shlex.quote(str(checker))
    return tool.run(f"{quoted} {shlex.quote(str(tree))}", [tree], env)
