"""Environment Modules (modulecmd.tcl) and Tcl modulefiles.

Tcl keeps defaults in `.version` (or `.modulerc` when there are aliases or hidden
versions), can hold a conflict set's line in one hidden file its members source,
and lists extensions as a whatis line. Its `module lint` needs Nagelfar, which
Debian and PyPI lack, so the syntax check is Lmod's, which reads Tcl too.
"""

from __future__ import annotations

import glob
import os
import re
import shlex
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from pyherd.errors import JobFailed
from pyherd.model import AppendPath, Help, LoadMessage, PrependPath, SetEnv, Whatis
from pyherd.moduletools import lmod
from pyherd.moduletools.base import Language, ModuleTool, Rule, Since
from pyherd.moduletools.runner import Ran, Runner
from pyherd.syntax import tcl, tcl_alias

if TYPE_CHECKING:
    from pyherd.model import ModuleRc, Op

LONG_BRACKET = re.compile(r"\]===\]")
TILDE = re.compile(r"(?:^|:)~")

MODULECMD_CANDIDATES = (
    "/usr/lib/x86_64-linux-gnu/modulecmd.tcl",
    "/usr/share/modules/libexec/modulecmd.tcl",
    ".cache/environment-modules/usr/lib/*/modulecmd.tcl",
)


class Tcl(Language):
    name = "tcl"
    extension = ""
    templates = "tcl"
    features = frozenset({"shared_files"})

    def filters(self) -> dict[str, Callable[..., str]]:
        return {"tcl": tcl, "tcl_alias": tcl_alias}

    def rc_file(self, rc: ModuleRc) -> tuple[str, str]:
        if rc.aliases or rc.hidden or rc.forbidden:
            return ".modulerc", "tcl/modulerc.tcl.j2"
        return ".version", "tcl/version.tcl.j2"

    def value_problem(self, op: Op) -> str | None:
        """Lmod reads Tcl modulefiles too (sites point it at Tcl trees, and lint's syntax
        check is Lmod's): its translator copies path values into Lua strings unescaped
        and wraps texts in [===[ ]===], so those few sequences would run as Lua."""
        if isinstance(op, PrependPath | AppendPath):
            text = "".join(p for p in op.value if isinstance(p, str))
            if '"' in text or "\\" in text:
                return (
                    f"{op.name} entry {text!r}: a Tcl path value may not hold '\"' or '\\' "
                    "(Lmod's Tcl reader copies it into Lua unescaped)"
                )
        if isinstance(op, Whatis | Help | LoadMessage) and LONG_BRACKET.search(op.text):
            return (
                f"{op.kind} text holds ']===]', which ends the Lua string Lmod's Tcl reader "
                "puts it in"
            )
        return None


class EnvironmentModules(ModuleTool):
    name = "environment-modules"
    title = "Environment Modules"
    languages = ("tcl",)
    features = frozenset({"family", "source_sh", "hidden", "shell_function", "forbid"})
    forbids_in_rc = True  # module-forbid --after, which also warns in the days before
    oldest = "4.0"
    # From the NEWS file of Environment Modules (Debian's 5.2.0 package ships it).
    since: ClassVar[dict[str, Since]] = {
        "shell_function": Since("4.2", "Modules 4.2.0 NEWS: introduce set-function"),
        "source_sh": Since("4.6", "Modules 4.6.0 NEWS: introduce the source-sh command"),
        "hidden": Since("4.6", "Modules 4.6.0 NEWS: add the module-hide command"),
        "forbid": Since("4.6", "Modules 4.6.0 NEWS: add the module-forbid command"),
        "family": Since("5.1", "Modules 5.1.0 NEWS: add the family modulefile command"),
    }
    name_rules = (
        Rule(
            r"\+",
            "Environment Modules 5 reads '+' in a module name as a variant "
            "(`module load a/1+x` looks for a/1 with variant x)",
        ),
    )

    def value_problem(self, op: Op) -> str | None:
        """modulecmd.tcl writes `NAME=value; export NAME;` with '~' unquoted, so the user's
        shell turns a leading '~' (or one after ':') into their home directory."""
        if isinstance(op, SetEnv) and TILDE.search(
            "".join(p for p in op.value if isinstance(p, str))
        ):
            return (
                f"{op.name}: modulecmd.tcl leaves '~' unquoted at the start of a value or after "
                "':', and the user's shell expands it to their home directory"
            )
        return None

    def runner(self, required: bool = True) -> Runner | None:
        candidates = [os.environ.get("PYHERD_MODULECMD_TCL", "")]
        for pattern in MODULECMD_CANDIDATES:
            candidates.extend(sorted(glob.glob(pattern)))
        for candidate in candidates:
            if candidate and Path(candidate).is_file() and shutil.which("tclsh"):
                command = str(Path(candidate).resolve())
                home = Path(command).parents[2] / "share" / "modules"
                cmd = f"tclsh {shlex.quote(command)}"
                init = (
                    f"export MODULESHOME={shlex.quote(str(home))}\n"
                    f'module() {{ local _out; _out="$({cmd} bash "$@")" || true; eval "$_out"; }}'
                )
                return Runner(self.name, command, init)
        if required:
            raise JobFailed(
                "Environment Modules' modulecmd.tcl not found: set PYHERD_MODULECMD_TCL "
                "(make test-tools unpacks one into .cache/)"
            )
        return None

    def check_syntax(self, tree: Path, env: dict[str, str]) -> Ran:
        return lmod.TOOL.check_syntax(tree, env)


TCL = Tcl()
TOOL = EnvironmentModules()
