"""Load YAML into plain data plus the file and line of every key and item."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from pyherd.errors import ConfigError, Problem

# libyaml's parser keeps marks (line numbers) and is ~10x faster than pure Python.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

KeyPath = tuple[str | int, ...]

# A site file is a few levels deep and reuses an anchor now and then. Deeper nesting,
# or aliases that expand past this many nodes, is a YAML bomb (a recursive alias, a
# "billion laughs"): bad input, refused before it costs memory.
MAX_DEPTH = 64
MAX_REPEATED_NODES = 100_000


@dataclass
class Located:
    """Plain YAML data and, for each key path, where it was written."""

    data: Any
    lines: dict[KeyPath, tuple[str, int]] = field(default_factory=dict)
    raw: dict[KeyPath, str] = field(default_factory=dict)

    def where(self, path: KeyPath) -> tuple[str, int | None]:
        """The file and line of `path`, or of its nearest written parent."""
        while True:
            if path in self.lines:
                return self.lines[path]
            if not path:
                return ("", None)
            path = path[:-1]


def format_path(path: KeyPath) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


class _Builder:
    def __init__(self, filename: str):
        self.filename = filename
        self.loader = yaml.SafeLoader("")  # constructs scalars only; resolution is by tag
        self.out = Located(None)
        self.seen: set[int] = set()  # nodes built once; building one again expands an alias
        self.repeated = 0

    def build(self, node: yaml.Node, path: KeyPath) -> Any:
        if len(path) > MAX_DEPTH:
            raise self._error(node, path[:3], f"nested deeper than {MAX_DEPTH} levels")
        if id(node) in self.seen:
            self.repeated += 1
            if self.repeated > MAX_REPEATED_NODES:
                raise self._error(
                    node,
                    path[:3],
                    f"aliases expand to more than {MAX_REPEATED_NODES:,} nodes; "
                    "write the values out or use fewer nested aliases",
                )
        else:
            self.seen.add(id(node))
        self.out.lines[path] = (self.filename, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            result: dict[str, Any] = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    raise self._error(key_node, path, "keys must be plain strings")
                key = str(key_node.value)
                if key == "<<":
                    raise self._error(key_node, path, "YAML merge keys ('<<') are not supported")
                if key in result:
                    first = self.out.lines[(*path, key)][1]
                    raise self._error(
                        key_node, (*path, key), f"duplicate key (first at line {first})"
                    )
                result[key] = self.build(value_node, (*path, key))
                self.out.lines[(*path, key)] = (self.filename, key_node.start_mark.line + 1)
            return result
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
        self.out.raw[path] = str(node.value)
        if node.tag == "tag:yaml.org,2002:str":
            return node.value
        return self.loader.construct_object(node)

    def _error(self, node: yaml.Node, path: KeyPath, message: str) -> ConfigError:
        return ConfigError(
            Problem(self.filename, node.start_mark.line + 1, format_path(path), message)
        )


def load_yaml(path: Path, display_name: str | None = None) -> Located:
    """Parse one YAML file; syntax errors become a located ConfigError."""
    name = display_name or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(Problem(name, None, "", f"cannot read: {exc}")) from exc
    try:
        node = yaml.compose(text, Loader=_LOADER)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        what = exc.problem or exc.context or "invalid YAML"
        raise ConfigError(Problem(name, line, "", f"invalid YAML: {what}")) from exc
    except yaml.YAMLError as exc:
        raise ConfigError(Problem(name, None, "", f"invalid YAML: {exc}")) from exc
    builder = _Builder(name)
    if node is None:
        builder.out.data = {}
        builder.out.lines[()] = (name, 1)
        return builder.out
    try:
        builder.out.data = builder.build(node, ())
    except yaml.constructor.ConstructorError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        raise ConfigError(Problem(name, line, "", f"invalid YAML: {exc.problem}")) from exc
    return builder.out
