"""The module model: typed environment operations and the specs templates render.

Every operation kind is one class here with its `kind`, the name of the macro that
spells it in each language's ops template (tests hold every language to every op
of OPS it spells). `feature` names what a module tool must be able to do for it,
`language_feature` what a language must be able to write.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import ClassVar

from pyherd.errors import ConfigError, suggest


@dataclass(frozen=True)
class EnvRef:
    """A variable read from the user's environment when the module loads (default if unset)."""

    name: str
    default: str = ""

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[A-Za-z0-9._+/-]*", self.default):
            raise ValueError(f"{self.default!r}: an EnvRef default is a plain word")


@dataclass(frozen=True)
class Pinned:
    """The directory a link points to when the module loads (a conda tree's `current`),
    resolved once and kept in `var` while the module stays loaded: every path the module
    gives a shell stays in one generation, however often `current` moves on."""

    var: str  # an environment variable name
    link: tuple[str | EnvRef, ...]

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[A-Z_][A-Z0-9_]*", self.var):  # templates write it bare
            raise ValueError(f"{self.var!r}: a pin's variable is upper-case letters and _")

    @property
    def local(self) -> str:
        """The name templates give the resolved directory (a Lua local, a Tcl variable)."""
        return self.var.lower()


Part = str | EnvRef | Pinned
Value = tuple[Part, ...]

_PLACEHOLDER = re.compile(
    r"\{\{|\}\}|\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\{([A-Za-z_][A-Za-z0-9_]*)\}|[{}$]"
)


class PlaceholderError(ConfigError):
    """A value names a placeholder the context lacks, or has an unbalanced brace."""


def expand(template: str, context: Mapping[str, Value]) -> Value:
    """Fill `{name}` from `context` and turn `${VAR}` into an EnvRef; `{{ }} $$` escape."""
    if "{" not in template and "}" not in template and "$" not in template:
        return (template,) if template else ()
    parts: list[Part] = []
    pos = 0
    for match in _PLACEHOLDER.finditer(template):
        parts.append(template[pos : match.start()])
        pos = match.end()
        token = match.group(0)
        if token in ("{{", "}}", "$$"):
            parts.append(token[0])
        elif match.group(1):
            parts.append(EnvRef(match.group(1)))
        elif match.group(2):
            name = match.group(2)
            if name not in context:
                known = ", ".join(sorted(context)) or "none"
                raise PlaceholderError(f"unknown placeholder {{{name}}} (known: {known})")
            parts.extend(context[name])
        elif token == "$":
            parts.append("$")
        else:
            raise PlaceholderError(f"unbalanced {token!r} (write {token * 2} for a literal one)")
    parts.append(template[pos:])
    return normalize(parts)


def normalize(parts: list[Part] | Value) -> Value:
    """Join adjacent literal parts and drop empty ones."""
    out: list[Part] = []
    for part in parts:
        if isinstance(part, str) and out and isinstance(out[-1], str):
            out[-1] += part
        elif part != "":
            out.append(part)
    return tuple(out)


def literal(value: Value) -> str | None:
    """The value as plain text (a pinned link as the link), or None if it reads the
    environment."""
    parts = [p.link if isinstance(p, Pinned) else (p,) for p in value]
    flat = [q for part in parts for q in part]
    if all(isinstance(p, str) for p in flat):
        return "".join(p for p in flat if isinstance(p, str))
    return None


def display(value: object) -> str:
    """A value as admins read it: ${VAR} for the environment, a pinned link with where it
    is kept; tuples of names joined with ', '."""
    if isinstance(value, Pinned):  # the link, followed once at load
        return f"{display(value.link)} (followed at load, kept in ${value.var})"
    if isinstance(value, tuple) and all(isinstance(p, str | EnvRef | Pinned) for p in value):
        return "".join(
            (f"${{{p.name}:-{p.default}}}" if p.default else f"${{{p.name}}}")
            if isinstance(p, EnvRef)
            else display(p.link)
            if isinstance(p, Pinned)
            else p
            for p in value
        )
    if isinstance(value, tuple) and all(isinstance(v, tuple) and len(v) == 2 for v in value):
        return ", ".join(f"{name}/{version}" for name, version in value)
    if isinstance(value, tuple):
        return ", ".join(display(v) for v in value)
    return str(value)


def pins(ops: list[Op]) -> list[Pinned]:
    """Every pinned link the operations' values hold, once, in order."""
    found: dict[Pinned, None] = {}
    for op in ops:
        for name in op.__dataclass_fields__:
            value = getattr(op, name)
            if isinstance(value, tuple):
                found.update((p, None) for p in value if isinstance(p, Pinned))
    return list(found)


def join(values: list[Value], sep: str) -> Value:
    parts: list[Part] = []
    for i, value in enumerate(values):
        if i:
            parts.append(sep)
        parts.extend(value)
    return normalize(parts)


# --- operations --------------------------------------------------------------


@dataclass(frozen=True)
class Op:
    kind: ClassVar[str] = ""
    feature: ClassVar[str | None] = None  # what the module tool must support
    language_feature: ClassVar[str | None] = None  # what the language must be able to spell


@dataclass(frozen=True)
class SetEnv(Op):
    kind: ClassVar[str] = "setenv"
    name: str
    value: Value


@dataclass(frozen=True)
class UnsetEnv(Op):
    kind: ClassVar[str] = "unsetenv"
    name: str


@dataclass(frozen=True)
class PrependPath(Op):
    kind: ClassVar[str] = "prepend_path"
    name: str
    value: Value


@dataclass(frozen=True)
class PrependPathIfDir(PrependPath):
    """Prepend a directory of the prefix when it exists at load (lib64, lib/pkgconfig)."""

    kind: ClassVar[str] = "prepend_path_if_dir"


@dataclass(frozen=True)
class AppendPath(Op):
    kind: ClassVar[str] = "append_path"
    name: str
    value: Value


@dataclass(frozen=True)
class Alias(Op):
    kind: ClassVar[str] = "set_alias"
    name: str
    value: Value


@dataclass(frozen=True)
class ShellFunction(Op):
    kind: ClassVar[str] = "set_shell_function"
    feature: ClassVar[str | None] = "shell_function"
    name: str
    body: str


@dataclass(frozen=True)
class SourceScript(Op):
    kind: ClassVar[str] = "source_sh"
    feature: ClassVar[str | None] = "source_sh"
    shell: str
    script: Value
    optional: bool = False  # skipped when the script is absent (a tree not installed here)


@dataclass(frozen=True)
class PinLink(Op):
    """Resolve a pinned link at load (kept in its variable for unload); values use it."""

    kind: ClassVar[str] = "pin_link"
    pin: Pinned


@dataclass(frozen=True)
class DependsOn(Op):
    kind: ClassVar[str] = "depends_on"
    module: str


@dataclass(frozen=True)
class UseLevel(Op):
    """Put a level of the same tree on MODULEPATH (a compiler's Compiler/GCC/12.3.0):
    found from the modulefile's own place, `depth` directories below the tree's root."""

    kind: ClassVar[str] = "use_level"
    depth: int
    path: str  # relative to the tree's root


@dataclass(frozen=True)
class Conflict(Op):
    kind: ClassVar[str] = "conflict"
    modules: tuple[str, ...]


@dataclass(frozen=True)
class IncludeShared(Op):
    """Source a shared hidden file (Tcl), e.g. the conflict line of a set."""

    kind: ClassVar[str] = "include"
    language_feature: ClassVar[str | None] = "shared_files"
    path: str  # relative to the including modulefile's directory


@dataclass(frozen=True)
class Family(Op):
    kind: ClassVar[str] = "family"
    feature: ClassVar[str | None] = "family"
    name: str


@dataclass(frozen=True)
class Property(Op):
    kind: ClassVar[str] = "add_property"
    feature: ClassVar[str | None] = "properties"
    name: str
    value: str


@dataclass(frozen=True)
class Extensions(Op):
    kind: ClassVar[str] = "extensions"
    packages: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Whatis(Op):
    kind: ClassVar[str] = "whatis"
    text: str


@dataclass(frozen=True)
class Help(Op):
    kind: ClassVar[str] = "help"
    text: str


@dataclass(frozen=True)
class LoadMessage(Op):
    kind: ClassVar[str] = "message"
    text: str


@dataclass(frozen=True)
class Deprecation(Op):
    """A deprecation notice as the tool's own warning (Modules: reportWarning, which
    `module -s` silences)."""

    kind: ClassVar[str] = "deprecation"
    text: str


@dataclass(frozen=True)
class Expiry(Op):
    """Loading fails from `date` (YYYY-MM-DD, the host's local time), with `text`."""

    kind: ClassVar[str] = "expiry"
    date: str
    text: str


RELATIONS = (Family, Conflict, IncludeShared, DependsOn, Property, UseLevel)
ENVIRONMENT = (
    PinLink,
    SetEnv,
    UnsetEnv,
    PrependPath,
    PrependPathIfDir,
    AppendPath,
    Alias,
    ShellFunction,
    SourceScript,
)
OPS: tuple[type[Op], ...] = (
    *RELATIONS,
    *ENVIRONMENT,
    Extensions,
    Whatis,
    Help,
    LoadMessage,
    Deprecation,
    Expiry,
)
# the template block that spells each kind (module.*.j2)
BLOCKS: dict[type[Op], str] = {
    **dict.fromkeys(RELATIONS, "relations"),
    **dict.fromkeys(ENVIRONMENT, "environment"),
    Extensions: "extensions",
    Whatis: "whatis",
    Help: "help",
    LoadMessage: "messages",
    Deprecation: "messages",
    Expiry: "messages",
}


def short_name(full_name: str) -> str:
    """Lmod's short name: the full name without its last component (python/3.11.5 -> python)."""
    return full_name.rsplit("/", 1)[0] if "/" in full_name else full_name


def leaf(full_name: str) -> str:
    """The last component of a full name: the version users type."""
    return full_name.rsplit("/", 1)[-1]


@dataclass(frozen=True)
class ModuleSpec:
    """One modulefile: its name, where it comes from, and its operations in order."""

    key: str
    full_name: str
    kind: str
    version: str
    path: str  # relative to the tree root, without the language's extension
    origin: tuple[str | int, ...]  # key path in the site file
    prefix: Value | None = None
    ops: tuple[Op, ...] = ()
    deprecated: str | None = None  # the notice, however the tool gives it
    forbidden_from: str | None = None  # YYYY-MM-DD
    level: str = ""  # its hierarchy level (Compiler/GCC/12.3.0); "" for the scheme's own
    after: tuple[str, ...] = ()  # loaded first to make its level visible (GCC, OpenMPI)

    @property
    def name(self) -> str:
        return short_name(self.full_name)

    @cached_property
    def blocks(self) -> dict[str, list[Op]]:
        """The operations by the template block that spells them, in order: help, whatis,
        relations, environment, extensions, messages (one pass, once per module)."""
        out: dict[str, list[Op]] = {block: [] for block in BLOCKS.values()}
        for op in self.ops:
            out[BLOCKS[type(op)]].append(op)
        return out


@dataclass(frozen=True)
class ModuleRc:
    """Defaults, version aliases and hidden versions of one module directory."""

    directory: str  # the short name: python, apps/python
    default: str | None = None  # full name
    aliases: tuple[tuple[str, str], ...] = ()  # (full name, alias version)
    hidden: tuple[str, ...] = ()
    forbidden: tuple[tuple[str, str, str], ...] = ()  # (full name, from date, notice)
    level: str = ""  # the hierarchy level holding the directory ("" for the scheme's own)

    @property
    def default_version(self) -> str | None:
        """The default's last component (3.11.5): what Tcl's .version names."""
        return leaf(self.default) if self.default else None


@dataclass(frozen=True)
class SharedConflict:
    """A hidden Tcl file holding one conflict line that its members source."""

    path: str
    modules: tuple[str, ...]


@dataclass(frozen=True)
class SiteModel:
    """Everything a site renders, computed once from the Site."""

    modules: tuple[ModuleSpec, ...]
    rcs: tuple[ModuleRc, ...] = ()
    shared: tuple[SharedConflict, ...] = ()
    subdir: str = ""  # the naming scheme's modulepath directory under the tree root
    # what the prefixes of `extensions: from_prefix` modules hold: (full name, packages)
    installed: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = ()

    def short(self, rc: ModuleRc) -> str:
        """The short name users type for an rc file's directory (without its level's dir)."""
        top = rc.level or self.subdir
        return rc.directory.removeprefix(f"{top}/") if top else rc.directory

    @property
    def defaults(self) -> dict[str, str]:
        """Short name -> the full name `module load SHORT` gives from the site's modulepath
        (a hierarchy's Compiler and MPI levels are not on it until their module loads)."""
        return {self.short(rc): rc.default for rc in self.rcs if rc.default and not rc.level}

    def find(self, wanted: str) -> ModuleSpec:
        """A module by full name, short name (its default) or site key; ConfigError if none."""
        by_name = {spec.full_name: spec for spec in self.modules}
        if wanted in by_name:
            return by_name[wanted]
        defaults = self.defaults
        if wanted in defaults:
            return by_name[defaults[wanted]]
        matches = [spec for spec in self.modules if wanted in (spec.key, spec.name)]
        if matches:
            return matches[-1]
        raise ConfigError(f"no module {wanted!r} in this site{suggest(wanted, by_name)}")
