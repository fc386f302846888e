"""Quoting: every value reaches a template through these filters (a language's plug-in names
its own: lua, tcl and tcl_alias; yaml is for .condarc)."""

from __future__ import annotations

import json
import re

from pyherd.model import EnvRef, Pinned, Value

_CONTROL = [chr(c) for c in (*range(32), 127)]
_LUA_TABLE = str.maketrans(
    {
        **{c: f"\\{ord(c):03d}" for c in _CONTROL},
        "\\": "\\\\",
        '"': '\\"',
        "\n": "\\n",
        "\r": "\\r",
        "\t": "\\t",
    }
)
_TCL_TABLE = str.maketrans(
    {
        **{c: f"\\u{ord(c):04x}" for c in _CONTROL},
        **{c: "\\" + c for c in '\\"$[]{}'},
        "\n": "\\n",
        "\r": "\\r",
        "\t": "\\t",
    }
)


def _lua_text(text: str) -> str:
    return '"' + text.translate(_LUA_TABLE) + '"'


def _tcl_text(text: str) -> str:
    return text.translate(_TCL_TABLE)


def lua(value: Value | str) -> str:
    """A Lua expression for `value`: a quoted string, or a concatenation with os.getenv."""
    if isinstance(value, str):
        return _lua_text(value)
    pieces = [
        f"(os.getenv({_lua_text(p.name)}) or {_lua_text(p.default)})"
        if isinstance(p, EnvRef)
        else p.local
        if isinstance(p, Pinned)
        else _lua_text(p)
        for p in value
    ]
    return " .. ".join(pieces) if pieces else '""'


def lua_pattern(name: str) -> str:
    """A Lua pattern matching exactly `name` (Lmod's admin file matches names by pattern,
    so python/3.1 would also match python/3.10.4 unanchored and unescaped)."""
    return "^" + re.sub(r"([\^$()%.\[\]*+\-?])", r"%\1", name) + "$"


def admin_line(text: str) -> str:
    """A message line of Lmod's admin file, which is plain text: one line, no control
    characters (a blank line would end the entry early; the site schema refuses both)."""
    if any(ord(c) < 32 or ord(c) == 127 for c in text):
        raise ValueError(f"{text!r}: an admin file message is one printable line")
    return text


def tcl(value: Value | str) -> str:
    """One Tcl word for `value`: a double-quoted string, reading ::env where asked."""
    if isinstance(value, str):
        return '"' + _tcl_text(value) + '"'
    pieces = [
        f"[expr {{[info exists ::env({p.name})] ? $::env({p.name}) : {{{p.default}}}}}]"
        if isinstance(p, EnvRef)
        else f"${{{p.local}}}"
        if isinstance(p, Pinned)
        else _tcl_text(p)
        for p in value
    ]
    return '"' + "".join(pieces) + '"'


def tcl_alias(value: Value) -> str:
    """Like `tcl`, for set-alias: modulecmd turns each backslash-dollar into '$' in alias
    values (csh compatibility), so one more backslash goes before such a '$'."""
    return tcl(tuple(re.sub(r"(\\+)\$", r"\1\\$", p) if isinstance(p, str) else p for p in value))


def yaml(value: str) -> str:
    """A YAML scalar: a JSON string is a valid double-quoted YAML scalar."""
    return json.dumps(value, ensure_ascii=False)
