"""What a module tool plug-in declares: its languages, capabilities, files, rules and runner.

A `Language` is how modulefiles are spelled (Lua, Tcl): file extension, template
directory, quoting, and the rc files that hold defaults, aliases and hidden names. A
`ModuleTool` is what loads them (Lmod, Environment Modules): the languages it reads
(the first is a site's default), what it can do, the configuration files it needs
beside the tree, the values it cannot take, and how to run it for lint and tests.
Build, render, lint and show ask these; none of them tests a tool's name.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from pyherd.layout import SiteLayout
    from pyherd.model import ModuleRc, Op, SiteModel
    from pyherd.moduletools.runner import Ran, Runner
    from pyherd.site import Site

# What a tool may be able to do, and how a refusal words it; the builder refuses an
# operation needing a feature the site's tool lacks.
FEATURES = {
    "properties": "properties need",
    "family": "a family needs",
    "source_sh": "sourcing a script needs",
    "hidden": "hidden versions need",
    "shell_function": "a shell function needs",
    "forbid": "a date from which loading fails needs",
}


@dataclass(frozen=True)
class Since:
    """The first release of a tool that has a feature, and where the tool says so."""

    version: str
    source: str  # the changelog entry, as the README's table cites it

    def after(self, declared: str) -> bool:
        """Whether the declared version is older than this one (the feature is missing)."""
        from packaging.version import Version

        return Version(declared) < Version(self.version)


class Language:
    """How modulefiles of one language are spelled."""

    name: ClassVar[str]  # what `syntax:` says: lua, tcl
    extension: ClassVar[str]  # of a modulefile: ".lua", ""
    templates: ClassVar[str]  # template directory: lmod, tcl
    # what it can spell beyond the basics: "shared_files", a hidden file modules source
    # (one conflict line for a whole set)
    features: ClassVar[frozenset[str]] = frozenset()

    def filters(self) -> dict[str, Callable[..., str]]:
        """Its quoting, as the Jinja2 filters its templates use (values reach a modulefile
        only through these): at least one named after the language."""
        raise NotImplementedError

    def spells(self, op: type[Op]) -> bool:
        """Whether this language has a way to write `op` (its ops template has the macro)."""
        return op.language_feature is None or op.language_feature in self.features

    @property
    def module_template(self) -> str:
        return f"{self.templates}/module.{self.name}.j2"

    @property
    def ops_template(self) -> str:
        """One macro per operation kind (tests hold every kind to it)."""
        return f"{self.templates}/ops.{self.name}.j2"

    @property
    def shared_template(self) -> str:
        return f"{self.templates}/conflicts.{self.name}.j2"

    def rc_file(self, rc: ModuleRc) -> tuple[str, str]:
        """The file in the module's directory that holds `rc`, and its template."""
        raise NotImplementedError

    def value_problem(self, op: Op) -> str | None:
        """Why a value of `op` cannot be written safely for every reader of this language."""
        return None


@dataclass(frozen=True)
class Rule:
    """A value the tool mangles, refused with what it does: (pattern, message)."""

    pattern: str
    message: str

    def matches(self, value: str) -> bool:
        return re.search(self.pattern, value) is not None


class ModuleTool:
    """A module tool: Lmod, Environment Modules."""

    name: ClassVar[str]  # what `module_tool:` says
    title: ClassVar[str]  # in messages: Lmod
    languages: ClassVar[tuple[str, ...]]  # it reads these; the first is a site's default
    features: ClassVar[frozenset[str]]
    alias_rules: ClassVar[tuple[Rule, ...]] = ()
    name_rules: ClassVar[tuple[Rule, ...]] = ()  # module names its users could not type
    loads_one_per_short_name: ClassVar[bool] = False  # python/3.11 swaps out python/3.10
    forbids_in_rc: ClassVar[bool] = False  # a forbidden_from date goes in the rc file
    oldest: ClassVar[str] = "0"  # the oldest release pyherd writes for
    since: ClassVar[dict[str, Since]] = {}  # features that arrived after `oldest`

    def missing_at(self, version: str | None) -> frozenset[str]:
        """The features a declared release lacks (none when the site declares none)."""
        if version is None:
            return frozenset()
        return frozenset(f for f, since in self.since.items() if since.after(version))

    def too_old(self, version: str) -> str | None:
        """Why pyherd cannot write for this release, if it is older than `oldest`."""
        if Since(self.oldest, "").after(version):
            return f"pyherd writes modulefiles for {self.title} {self.oldest} and newer"
        return None

    def config_files(self, site: Site, model: SiteModel) -> dict[str, str]:
        """Files it needs beside the tree (under etc/<site>/): name -> template."""
        return {}

    def tool_env(self, layout: SiteLayout, out_root: Path) -> dict[str, str]:
        """Variables the tool needs to read this site's rendered tree (lint, tests)."""
        return {}

    def fast_loads(
        self, modulepath: list[Path], env: dict[str, str], workdir: Path
    ) -> dict[str, str]:
        """Variables that make many loads from these trees cheaper (lint of a large site);
        what it needs is kept in `workdir`. None by default."""
        return {}

    def runner(self, required: bool = True) -> Runner | None:
        """A bash with a working `module` for this tool; JobFailed (or None) when absent."""
        raise NotImplementedError

    def check_syntax(self, tree: Path, env: dict[str, str]) -> Ran:
        """The tool's own syntax check over a whole tree."""
        raise NotImplementedError

    def supports(self, feature: str) -> bool:
        return feature in self.features

    def value_problem(self, op: Op) -> str | None:
        """Why a value of `op` would not reach the user's shell as written."""
        return None

    def deprecation(self, full_name: str, text: str, date: str | None) -> list[Op]:
        """What a deprecated module's own file does; the rest is the tool's own files."""
        from pyherd.model import Deprecation, Expiry

        ops: list[Op] = [Deprecation(f"{full_name} is deprecated: {text}")]
        if date and not self.forbids_in_rc:
            ops.append(Expiry(date, f"{full_name} cannot be loaded from {date}: {text}"))
        return ops


def needs_release(feature: str, tool: ModuleTool, declared: str) -> str:
    """'a family needs Environment Modules 5.1 or newer (module_tool_version says 4.5; ...)'."""
    since = tool.since[feature]
    return (
        f"{FEATURES[feature]} {tool.title} {since.version} or newer "
        f"(module_tool_version is {declared}; {since.source})"
    )


def needs(feature: str, tools: list[ModuleTool]) -> str:
    """'properties need Lmod (module_tool: lmod)': which tools have a feature."""
    titles = " or ".join(t.title for t in tools)
    choices = " | ".join(t.name for t in tools)
    return f"{FEATURES[feature]} {titles} (module_tool: {choices})"
