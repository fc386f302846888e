"""The validator engine: typed schema nodes, and records whose keys are dataclass fields.

A site key is declared once, where its value lands: a dataclass field made with
`sitekey(TYPE, "description", default=...)`. `Record(SomeDataclass)` reads those fields,
checks a YAML mapping against them and returns the dataclass, so the schema, the
frozen model and the loader cannot disagree. Every problem is collected with its
file, line and key path; nothing stops at the first one. `describe` prints the keys
for `pyherd schema`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Any

from pyherd.errors import Problem, first_control, suggest
from pyherd.names import ABSOLUTE_PATH, VERSION, WORD, Grammar, python_version_problem
from pyherd.yamlload import KeyPath, Located, format_path


class Type:
    """A schema node: validates a value and returns it normalized (lists become tuples)."""

    def check(self, value: Any, path: KeyPath, ctx: Context) -> Any:
        raise NotImplementedError

    def describe(self) -> str:
        raise NotImplementedError


@dataclass
class Context:
    located: Located
    problems: list[Problem] = field(default_factory=list)

    def fail(self, path: KeyPath, message: str) -> None:
        file, line = self.located.where(path)
        self.problems.append(Problem(file, line, format_path(path), message))

    def raw(self, path: KeyPath) -> str | None:
        return self.located.raw.get(path)


def _type_name(value: Any) -> str:
    return {
        bool: "a boolean",
        int: "a number",
        float: "a number",
        str: "a string",
        list: "a list",
        dict: "a mapping",
        type(None): "empty",
    }.get(type(value), type(value).__name__)


def _scalar_text(value: Any, path: KeyPath, ctx: Context) -> str | None:
    """A scalar as the site file wrote it (2.3 stays "2.3", not the float); None if not one."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return None
    if isinstance(value, str):
        return value
    return ctx.raw(path) or str(value)


@dataclass
class Str(Type):
    choices: Collection[str] = ()  # a registry's keys stay live: a plug-in added is a choice
    grammar: Grammar | None = None
    multiline: bool = False  # help and message texts: their quoting is proven for any text
    validator: Callable[[str], str | None] | None = None  # returns the problem, if any

    def check(self, value: Any, path: KeyPath, ctx: Context) -> Any:
        text = _scalar_text(value, path, ctx)
        if text is None:
            ctx.fail(path, f"expected a string, got {_type_name(value)}")
            return None
        if "\0" in text:
            ctx.fail(path, "NUL characters are not allowed")
            return None
        if self.choices and text not in self.choices:
            hint = suggest(text, self.choices)
            ctx.fail(path, f"{text!r} is not one of {', '.join(self.choices)}{hint}")
            return None
        if self.grammar and not self.grammar.accepts(text):
            ctx.fail(path, f"{text!r} is not {self.grammar.what}")
            return None
        if not self.multiline:
            if "\n" in text or "\r" in text:
                ctx.fail(
                    path, "must be one line (Lmod and Environment Modules cannot export newlines)"
                )
                return None
            control = first_control(text)
            if control:
                ctx.fail(path, f"holds the control character {control!r} (only texts may)")
                return None
        problem = self.validator(text) if self.validator else None
        if problem:
            ctx.fail(path, problem)
            return None
        return text

    def describe(self) -> str:
        return "one of " + " | ".join(self.choices) if self.choices else "string"


@dataclass
class ModuleVersion(Type):
    """A module version token; with `pep440`, also a plain Python version (3.11.5)."""

    pep440: bool = False

    def check(self, value: Any, path: KeyPath, ctx: Context) -> Any:
        text = _scalar_text(value, path, ctx)
        if text is None:
            ctx.fail(path, f"expected a version string, got {_type_name(value)}")
            return None
        if self.pep440:
            problem = python_version_problem(text)
        else:
            problem = None if VERSION.accepts(text) else f"{text!r} is not a version"
        if problem:
            ctx.fail(path, problem)
            return None
        return text

    def describe(self) -> str:
        return "version (PEP 440)" if self.pep440 else "version"


@dataclass
class Date(Type):
    """A calendar date, YYYY-MM-DD (quoted or not: YAML reads it either way)."""

    def check(self, value: Any, path: KeyPath, ctx: Context) -> Any:
        import datetime

        if isinstance(value, datetime.datetime) or not isinstance(value, datetime.date | str):
            ctx.fail(path, f"expected a date (YYYY-MM-DD), got {_type_name(value)}")
            return None
        text = value.isoformat() if isinstance(value, datetime.date) else value
        try:
            if len(text) != 10 or datetime.date.fromisoformat(text).isoformat() != text:
                raise ValueError
        except ValueError:
            ctx.fail(path, f"{text!r} is not a date (YYYY-MM-DD)")
            return None
        return text

    def describe(self) -> str:
        return "date (YYYY-MM-DD)"


@dataclass
class Bool(Type):
    nullable: bool = False

    def check(self, value: Any, path: KeyPath, ctx: Context) -> Any:
        if value is None and self.nullable:
            return None
        if not isinstance(value, bool):
            ctx.fail(path, f"expected true or false, got {_type_name(value)}")
            return None
        return value

    def describe(self) -> str:
        return "true | false" + (" | null" if self.nullable else "")


@dataclass
class Int(Type):
    minimum: int = 0

    def check(self, value: Any, path: KeyPath, ctx: Context) -> Any:
        if isinstance(value, bool) or not isinstance(value, int):
            ctx.fail(path, f"expected a whole number, got {_type_name(value)}")
            return None
        if value < self.minimum:
            ctx.fail(path, f"must be at least {self.minimum}")
            return None
        return value

    def describe(self) -> str:
        return f"whole number >= {self.minimum}"


@dataclass
class ListOf(Type):
    item: Type
    scalar_ok: bool = False  # a lone scalar stands for a one-item list

    def check(self, value: Any, path: KeyPath, ctx: Context) -> Any:
        if self.scalar_ok and isinstance(value, str):
            return (self.item.check(value, path, ctx),)
        if not isinstance(value, list):
            ctx.fail(path, f"expected a list, got {_type_name(value)}")
            return ()
        return tuple(self.item.check(v, (*path, i), ctx) for i, v in enumerate(value))

    def describe(self) -> str:
        return f"list of {self.item.describe()}"


@dataclass
class MapOf(Type):
    value: Type
    keys: Grammar = WORD

    def check(self, value: Any, path: KeyPath, ctx: Context) -> Any:
        if value is None:
            return {}
        if not isinstance(value, dict):
            ctx.fail(path, f"expected a mapping, got {_type_name(value)}")
            return {}
        out = {}
        for key, item in value.items():
            if not self.keys.accepts(key):
                ctx.fail((*path, key), f"{key!r} is not {self.keys.what}")
                continue
            out[key] = self.value.check(item, (*path, key), ctx)
        return out

    def describe(self) -> str:
        return f"mapping of name to {self.value.describe()}"


@dataclass(frozen=True)
class Key:
    """What a dataclass field says about the site key it holds."""

    type: Type
    description: str
    required: bool = False


def sitekey(
    type_: Type,
    description: str,
    *,
    required: bool = False,
    default: Any = None,
    factory: Callable[[], Any] | None = None,
) -> Any:
    """A dataclass field that is a site key: its type, description and default, once.

    Absent and not required: `factory()` if given, else `default` (None: not set). A
    required key has no default in Python either, unless `factory` gives one (for a
    model built in code rather than from a site file)."""
    meta = {"key": Key(type_, description, required)}
    if required and factory is None:
        return field(metadata=meta)
    if factory is not None:
        return field(default_factory=factory, metadata=meta)
    return field(default=default, metadata=meta)


def from_key(default: Any = "") -> Any:
    """A field filled with the mapping key its record sits under (a tree's name)."""
    return field(default=default, metadata={"from": "key"})


def from_position(default: int = 0) -> Any:
    """A field filled with the record's index in its list (for error locations)."""
    return field(default=default, metadata={"from": "position"})


class Record(Type):
    """A mapping checked against a dataclass's key fields; returns the dataclass."""

    def __init__(self, cls: type, *, shorthand: str | None = None, description: str = ""):
        self.cls = cls
        self.shorthand = shorthand  # a scalar stands for {shorthand: scalar}
        self.description = description
        self.keys: dict[str, Key] = {}
        self.derived: dict[str, str] = {}
        for f in dataclasses.fields(cls):
            if "key" in f.metadata:
                self.keys[f.name] = f.metadata["key"]
            elif "from" in f.metadata:
                self.derived[f.name] = f.metadata["from"]

    def check(self, value: Any, path: KeyPath, ctx: Context) -> Any:
        key_path = None  # the scalar's raw text is recorded at `path`; the key reads it there
        if self.shorthand and not isinstance(value, dict | list) and value is not None:
            value, key_path = {self.shorthand: value}, path
        if value is None:
            value = {}
        if not isinstance(value, dict):
            ctx.fail(path, f"expected a mapping, got {_type_name(value)}")
            return None
        before = len(ctx.problems)
        for name in value:
            if name not in self.keys:
                ctx.fail((*path, name), f"unknown key{suggest(name, self.keys)}")
        out: dict[str, Any] = {}
        for name, spec in self.keys.items():
            if name in value:
                out[name] = spec.type.check(value[name], key_path or (*path, name), ctx)
            elif spec.required:
                ctx.fail(path, f"missing required key {name!r}")
        for name, source in self.derived.items():
            if path and isinstance(path[-1], int if source == "position" else str):
                out[name] = path[-1]
        if len(ctx.problems) > before:
            return None
        return self.cls(**out)

    def describe(self) -> str:
        return "mapping" + (f" (or a {self.shorthand} alone)" if self.shorthand else "")


TEXT = Str(multiline=True)
LINE = Str()
ABSOLUTE = Str(grammar=ABSOLUTE_PATH)


def validate(schema: Type, located: Located) -> tuple[Any, list[Problem]]:
    """Check `located.data` against `schema`; return normalized data and problems."""
    ctx = Context(located)
    data = schema.check(located.data, (), ctx)
    return data, ctx.problems


def describe(schema: Type, indent: int = 0) -> list[str]:
    """The schema as indented reference lines (for `pyherd schema`)."""
    lines: list[str] = []
    target = schema
    while isinstance(target, ListOf | MapOf):
        target = target.item if isinstance(target, ListOf) else target.value
    if isinstance(target, Record):
        for name, spec in target.keys.items():
            req = " (required)" if spec.required else ""
            lines.append(f"{'  ' * indent}{name}: {spec.type.describe()}{req}")
            lines.append(f"{'  ' * indent}    {spec.description}")
            lines.extend(describe(spec.type, indent + 1))
    return lines
