"""The grammars of the names a site file holds, one per kind of name, always matched whole.

A name is checked with `Grammar.accepts` (re.fullmatch), so a trailing newline or
anything else after a valid prefix is refused. Each grammar names what it is in the
admin's words, for error messages: "'py thon' is not a module name".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from packaging.version import InvalidVersion, Version


@dataclass(frozen=True)
class Grammar:
    pattern: re.Pattern[str]
    what: str  # "a module name": finishes "'x' is not ..."

    def accepts(self, text: str) -> bool:
        return self.pattern.fullmatch(text) is not None


def _grammar(regex: str, what: str) -> Grammar:
    return Grammar(re.compile(regex), what)


_WORD = r"[A-Za-z0-9][A-Za-z0-9._+-]*"
_TEMPLATE_PART = r"[A-Za-z0-9{][A-Za-z0-9._+{}-]*"  # may hold {placeholders}; never leads with "."
_TEMPLATE_PATH = rf"{_TEMPLATE_PART}(?:/{_TEMPLATE_PART})*"
# a hidden file may lead with "." (Tcl's shared conflict files do), but no part is . or ..
_FILE_PART = r"(?!\.\.?(?:/|$))[A-Za-z0-9._+{}-]+"

WORD = _grammar(_WORD, "a valid name")
SITE = _grammar(_WORD, "a site name")
VERSION = _grammar(_WORD, "a version")
SUFFIX = _grammar(_WORD, "a suffix")
TOOLCHAIN = _grammar(_WORD, "a toolchain")
CATEGORY = _grammar(_WORD, "a category")
FAMILY = _grammar(_WORD, "a family name")
PACKAGE = _grammar(_WORD, "a package name")
PROJECT = _grammar(_WORD, "a project name")
ENV = _grammar(_WORD, "an env name")
ARCH = _grammar(_WORD, "an architecture name")
GROUP = _grammar(_WORD, "a group name")
MODULE_KEY = _grammar(_TEMPLATE_PATH, "a module name")  # a key under modules:
MODULE_NAME = _grammar(_TEMPLATE_PATH, "a module name")  # a full name, or one with {placeholders}
EXTERNAL = _grammar(rf"{_WORD}(?:/{_WORD})*", "a module name without placeholders")
MODULE_TEMPLATE = _grammar(_TEMPLATE_PATH, "a module name template")
TREE = _grammar(_TEMPLATE_PATH, "a tree name")
SUBDIR = _grammar(
    r"(?:(?!\.\.?(?:/|$))[A-Za-z0-9._+-]+(?:/(?!\.\.?(?:/|$))[A-Za-z0-9._+-]+)*)?",
    "a directory under the prefix ('' for the prefix itself), without '.' or '..' parts",
)
RELATIVE_FILE = _grammar(rf"{_FILE_PART}(?:/{_FILE_PART})*", "a relative file path")
ENV_VAR = _grammar(r"[A-Za-z_][A-Za-z0-9_]*", "an environment variable name")
PYTHON_MODULE = _grammar(r"[A-Za-z_][A-Za-z0-9_.]*", "a module")
HOST = _grammar(r"[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?", "a host name or IPv4 address")
USER = _grammar(r"[a-z_][a-z0-9_.-]*", "a user name")
SHA256 = _grammar(r"[0-9a-f]{64}", "a sha256 (64 lowercase hex digits)")
LOCAL_TAG = _grammar(r"[a-z0-9]+", "lowercase letters and digits")
ABSOLUTE_PATH = _grammar(
    r"(?:/(?!\.\.?(?:/|$))[^/\0]+)+/?|/", "an absolute path without '.', '..' or '//' parts"
)
INDEX_URL = _grammar(r"(?:https?|file)://.*", "an http(s) or file URL")


def python_version_problem(text: str) -> str | None:
    """Why `text` is not a plain Python version (3.11.5), or None when it is one."""
    if not VERSION.accepts(text):
        return f"{text!r} is not a version"
    try:
        parsed = Version(text)
    except InvalidVersion:
        return f"{text!r} is not a version"
    if str(parsed) != text or parsed.local:
        return f"{text!r} is not a plain version (write it as {str(parsed)!r})"
    return None
