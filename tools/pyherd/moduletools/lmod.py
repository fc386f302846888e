"""Lmod and its Lua modulefiles: the site's `lmod:` keys, the lmodrc.lua, the runner.

Lmod reads Lua (and Tcl, through its translator); it loads one module per short
name, so a dependency on another version of the same name would swap one out; it
drops a trailing ';' from aliases; property tags need the site's lmodrc.lua.
"""

from __future__ import annotations

import os
import shlex
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from pyherd import names
from pyherd.errors import JobFailed
from pyherd.moduletools.base import Language, ModuleTool, Rule, Since
from pyherd.moduletools.runner import Ran, Runner
from pyherd.schema import LINE, MapOf, Record, Str, sitekey
from pyherd.syntax import admin_line, lua, lua_pattern

if TYPE_CHECKING:
    from pyherd.layout import SiteLayout
    from pyherd.model import ModuleRc, Op, SiteModel
    from pyherd.site import Site

LMOD_DEFAULT = "/usr/share/lmod/lmod/libexec/lmod"
LMODRC = "lmodrc.lua"  # beside the tree: LMOD_RC lists it for property tags
PROFILE = "profile.d/lmod-rc.sh"  # appends the deployed lmodrc.lua to LMOD_RC
ADMIN = "admin.list"  # deprecation notices (LMOD_ADMIN_FILE): Lmod's nag messages


@dataclass(frozen=True, kw_only=True)
class PropertyValue:
    short: str = sitekey(LINE, "the short tag avail shows: (t)", required=True)
    long: str = sitekey(LINE, "the long tag (default: short)", default="")
    color: str = sitekey(Str(grammar=names.WORD), "the colour avail uses", default="blue")
    doc: str = sitekey(LINE, "the legend avail prints", required=True)

    def __post_init__(self) -> None:
        if not self.long:
            object.__setattr__(self, "long", self.short)


@dataclass(frozen=True, kw_only=True)
class LmodSettings:
    properties: dict[str, dict[str, PropertyValue]] = sitekey(
        MapOf(MapOf(Record(PropertyValue))),
        "property names and values for the site lmodrc.lua",
        factory=dict,
    )


class Lua(Language):
    name = "lua"
    extension = ".lua"
    templates = "lmod"

    def filters(self) -> dict[str, Callable[..., str]]:
        return {"lua": lua, "lua_pattern": lua_pattern, "admin_line": admin_line}

    def rc_file(self, rc: ModuleRc) -> tuple[str, str]:
        return ".modulerc.lua", "lmod/modulerc.lua.j2"


class Lmod(ModuleTool):
    name = "lmod"
    title = "Lmod"
    languages = ("lua", "tcl")
    features = frozenset(
        {"properties", "family", "source_sh", "hidden", "shell_function", "forbid"}
    )
    oldest = "8.0"
    # From Lmod's README (its change log; Debian's lmod package ships it).
    since: ClassVar[dict[str, Since]] = {
        "source_sh": Since("8.6", "Lmod 8.6 README: new module function source_sh()")
    }
    alias_rules = (Rule(r";\s*$", "Lmod drops a trailing ';' from aliases"),)
    loads_one_per_short_name = True

    def config_files(self, site: Site, model: SiteModel) -> dict[str, str]:
        cache = site.deploy is not None and site.deploy.lmod_cache_dir
        files = {LMODRC: "lmod/lmodrc.lua.j2"} if site.properties or cache else {}
        if any(spec.deprecated for spec in model.modules):
            files[ADMIN] = "lmod/admin.list.j2"
        if (site.properties or ADMIN in files) and site.deploy and site.deploy.config_dir:
            files[PROFILE] = "lmod/profile.sh.j2"  # where the deployed files are known
        return files

    def tool_env(self, layout: SiteLayout, out_root: Path) -> dict[str, str]:
        # a width, so that no Lmod call runs `stty size` and `tput cols` to find one: four
        # processes a call, 8 of the 52 ms a load and unload took in lint
        env = {"LMOD_TERM_WIDTH": "200"}
        for name, var in ((LMODRC, "LMOD_RC"), (ADMIN, "LMOD_ADMIN_FILE")):
            path = out_root / layout.config(name)
            if path.is_file():
                env[var] = str(path.resolve())
        return env

    def deprecation(self, full_name: str, text: str, date: str | None) -> list[Op]:
        """The notice is in the admin file (Lmod prints it once per command, after the
        loads, and not under -q); the file itself only refuses to load after the date."""
        return [op for op in super().deprecation(full_name, text, date) if op.kind == "expiry"]

    def fast_loads(
        self, modulepath: list[Path], env: dict[str, str], workdir: Path
    ) -> dict[str, str]:
        """A spider cache of the trees, written by Lmod's own spider once, that loads read
        instead of walking every directory of the tree on each call (LMOD_CACHED_LOADS):
        in a 1,000-module tree a load and unload took 86 ms walking, 65 ms cached. Nothing
        when spider fails: the loads walk the tree as before."""
        runner = self.runner(required=False)
        if runner is None:
            return {}
        cache = workdir / "spider-cache"
        cache.mkdir(parents=True, exist_ok=True)
        spider = Path(runner.command).resolve().parent / "spider"
        paths = ":".join(str(p) for p in modulepath)
        with (cache / "spiderT.lua").open("wb") as out:
            ran = subprocess.run(
                [str(spider), "-o", "spiderT", paths], stdout=out, stderr=subprocess.DEVNULL,
                env={"PATH": "/usr/bin:/bin", "HOME": str(workdir), "LANG": "C.UTF-8", **env},
                timeout=300, check=False,
            )  # fmt: skip
        if ran.returncode != 0:
            return {}
        (cache / "timestamp").touch()
        rc = workdir / "lint-cache-rc.lua"
        entry = {"dir": str(cache), "timestamp": str(cache / "timestamp")}
        rc.write_text(
            "scDescriptT = { { "
            + ", ".join(f"[{lua(k)}] = {lua(v)}" for k, v in entry.items())
            + " } }\n"
        )
        rcs = [r for r in (env.get("LMOD_RC", ""), str(rc)) if r]
        return {"LMOD_RC": ":".join(rcs), "LMOD_CACHED_LOADS": "yes"}

    def runner(self, required: bool = True) -> Runner | None:
        command = os.environ.get("LMOD_CMD", LMOD_DEFAULT)
        if Path(command).is_file():
            init = Path(command).resolve().parent.parent / "init" / "bash"
            return Runner(self.name, command, f"source {shlex.quote(str(init))}")
        if required:
            raise JobFailed(f"Lmod not found at {command} (apt-get install lmod, or set LMOD_CMD)")
        return None

    def check_syntax(self, tree: Path, env: dict[str, str]) -> Ran:
        """Lmod's check_module_tree_syntax: evaluates every Lua and Tcl file of the tree."""
        runner = self.runner()
        assert runner is not None
        checker = Path(runner.command).resolve().parent / "check_module_tree_syntax"
        return runner.run(f"{shlex.quote(str(checker))} {shlex.quote(str(tree))}", [tree], env)


LUA = Lua()
TOOL = Lmod()
