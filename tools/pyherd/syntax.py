"""Quoting for each modulefile language: every value reaches a template through these."""

from __future__ import annotations

import re

from pyherd.model import EnvRef, Value

_LUA_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}
_TCL_ESCAPES = {
    "\\": "\\\\",
    '"': '\\"',
    "$": "\\$",
    "[": "\\[",
    "]": "\\]",
    "{": "\\{",
    "}": "\\}",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
}


def _lua_text(text: str) -> str:
    out = []
    for ch in text:
        if ch in _LUA_ESCAPES:
            out.append(_LUA_ESCAPES[ch])
        elif ord(ch) < 32 or ord(ch) == 127:
            out.append(f"\\{ord(ch):03d}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _tcl_text(text: str) -> str:
    out = []
    for ch in text:
        if ch in _TCL_ESCAPES:
            out.append(_TCL_ESCAPES[ch])
        elif ord(ch) < 32 or ord(ch) == 127:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return "".join(out)


def lua(value: Value | str) -> str:
    """A Lua expression for `value`: a quoted string, or a concatenation with os.getenv."""
    if isinstance(value, str):
        return _lua_text(value)
    pieces = [
        f'(os.getenv({_lua_text(p.name)}) or "")' if isinstance(p, EnvRef) else _lua_text(p)
        for p in value
    ]
    return " .. ".join(pieces) if pieces else '""'


def tcl(value: Value | str) -> str:
    """One Tcl word for `value`: a double-quoted string, reading ::env where asked."""
    if isinstance(value, str):
        return '"' + _tcl_text(value) + '"'
    pieces = [
        f"[expr {{[info exists ::env({p.name})] ? $::env({p.name}) : {{}}}}]"
        if isinstance(p, EnvRef)
        else _tcl_text(p)
        for p in value
    ]
    return '"' + "".join(pieces) + '"'


def tcl_alias(value: Value) -> str:
    """Like `tcl`, for set-alias: modulecmd turns each backslash-dollar into '$' in alias
    values (csh compatibility), so one more backslash goes before such a '$'."""
    return tcl(tuple(re.sub(r"(\\+)\$", r"\1\\$", p) if isinstance(p, str) else p for p in value))


FILTERS = {"lua": lua, "tcl": tcl, "tcl_alias": tcl_alias}
