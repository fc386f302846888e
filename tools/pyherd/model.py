"""The module model: typed environment operations and the specs templates render."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar


@dataclass(frozen=True)
class EnvRef:
    """A variable read from the user's environment when the module loads (default if unset)."""

    name: str
    default: str = ""

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[A-Za-z0-9._+/-]*", self.default):
            raise ValueError(f"{self.default!r}: an EnvRef default is a plain word")


Part = str | EnvRef
Value = tuple[Part, ...]

_PLACEHOLDER = re.compile(
    r"\{\{|\}\}|\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\{([A-Za-z_][A-Za-z0-9_]*)\}|[{}$]"
)


class PlaceholderError(ValueError):
    pass


def expand(template: str, context: dict[str, Value]) -> Value:
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
    """The value as plain text, or None if it reads the environment."""
    if all(isinstance(p, str) for p in value):
        return "".join(p for p in value if isinstance(p, str))
    return None


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
    name: str
    body: str


@dataclass(frozen=True)
class SourceScript(Op):
    kind: ClassVar[str] = "source_sh"
    shell: str
    script: Value
    optional: bool = False  # skipped when the script is absent (a tree not installed here)


@dataclass(frozen=True)
class DependsOn(Op):
    kind: ClassVar[str] = "depends_on"
    module: str


@dataclass(frozen=True)
class Conflict(Op):
    kind: ClassVar[str] = "conflict"
    modules: tuple[str, ...]


@dataclass(frozen=True)
class IncludeShared(Op):
    """Source a shared hidden file (Tcl), e.g. the conflict line of a set."""

    kind: ClassVar[str] = "include"
    path: str  # relative to the including modulefile's directory


@dataclass(frozen=True)
class Family(Op):
    kind: ClassVar[str] = "family"
    name: str


@dataclass(frozen=True)
class Property(Op):
    kind: ClassVar[str] = "add_property"
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


RELATIONS = (Family, Conflict, IncludeShared, DependsOn, Property)
ENVIRONMENT = (SetEnv, UnsetEnv, PrependPath, AppendPath, Alias, ShellFunction, SourceScript)


@dataclass(frozen=True)
class ModuleSpec:
    """One modulefile: its name, where it comes from, and its operations in order."""

    key: str
    full_name: str
    kind: str
    version: str
    path: str  # relative to the tree root, without the syntax's extension
    origin: tuple[str | int, ...]  # key path in the site file
    prefix: Value | None = None
    ops: tuple[Op, ...] = ()

    @property
    def name(self) -> str:
        """Lmod's short name: the full name without its last component."""
        return self.full_name.rsplit("/", 1)[0] if "/" in self.full_name else self.full_name

    def _of(self, *types: type[Op]) -> list[Op]:
        return [op for op in self.ops if isinstance(op, types)]

    @property
    def relations(self) -> list[Op]:
        return self._of(*RELATIONS)

    @property
    def environment(self) -> list[Op]:
        return self._of(*ENVIRONMENT)

    @property
    def whatis(self) -> list[str]:
        return [op.text for op in self._of(Whatis)]  # type: ignore[attr-defined]

    @property
    def help(self) -> str | None:
        texts = [op.text for op in self._of(Help)]  # type: ignore[attr-defined]
        return "\n".join(texts) if texts else None

    @property
    def extensions(self) -> list[tuple[str, str]]:
        return [pkg for op in self._of(Extensions) for pkg in op.packages]  # type: ignore[attr-defined]

    @property
    def messages(self) -> list[str]:
        return [op.text for op in self._of(LoadMessage)]  # type: ignore[attr-defined]


@dataclass(frozen=True)
class ModuleRc:
    """Defaults, version aliases and hidden versions of one module directory."""

    directory: str  # the short name: python, apps/python
    default: str | None = None  # full name
    aliases: tuple[tuple[str, str], ...] = ()  # (full name, alias version)
    hidden: tuple[str, ...] = ()


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
    subdir: str = ""
