"""What an `avail_wheels` user asks for: names, globs and requirements, read as the
Alliance's tool reads them.

A requirement is a name (globs allowed), optional [extras], an optional specifier
or `@ URL`, and an optional `; marker`; extras and markers are accepted and ignored.
A local version tag is dropped (`numpy==1.26.4+computecanada` asks for 1.26.4), so
lines of `pip freeze` work. Requirements files are read as pip reads them: comments,
`\\` continuations, `-r` includes, options and `--hash` ignored, `-e` lines skipped.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from pyherd.errors import ConfigError

if TYPE_CHECKING:
    from packaging.specifiers import SpecifierSet

_NAME = r"[A-Za-z0-9*]+(?:[-_.][A-Za-z0-9*]+)*"
_REQUIREMENT = re.compile(
    rf"""^\s*(?P<name>{_NAME})\s*
    (?:\[\s*(?:{_NAME}(?:\s*,\s*{_NAME})*)?\s*\])?\s*
    (?:@\s*(?P<url>\S+)|\(?(?P<spec>[^;()]*)\)?)\s*
    (?:;(?P<marker>.*))?$""",
    re.VERBOSE,
)


class Usage(ConfigError):
    """A user error: message and exit 2."""


class Wanted:
    """One thing asked for: a name or glob, and the versions it takes (a plain class:
    avail_wheels builds one per name on every call)."""

    __slots__ = ("pattern", "spec", "text")

    def __init__(self, pattern: str, spec: SpecifierSet | None, text: str):
        self.pattern, self.spec, self.text = pattern, spec, text

    @property
    def key(self) -> str:
        """The name as the Alliance's tool keys it: lower case, '-' as '_'."""
        return self.pattern.replace("-", "_").lower()

    def accepts(self, version: str) -> bool:
        """Whether `version` satisfies the specifier. Pre-releases only when the
        specifier names one, as packaging 21.3 decided for the Alliance's tool."""
        from packaging.version import InvalidVersion, Version

        try:
            parsed = Version(version)
        except InvalidVersion:
            return self.spec is None or not self.spec or self.spec.contains(version, True)
        if self.spec is None:
            return not parsed.is_prerelease
        if parsed.is_prerelease and not self.spec.prereleases:
            return False
        return self.spec.contains(parsed, prereleases=True)


def parse(text: str) -> Wanted:
    """`numpy`, `*cdf*`, `numpy==1.26.4+computecanada`, `numpy>=1.21.*`, `x[extra]>=1; m`."""
    match = _REQUIREMENT.match(text.partition("+")[0])
    if not match or set(match["name"]) == {"*"}:
        raise Usage(f"Invalid requirement: {text!r}.")
    rest = (match["spec"] or "").strip()
    if not rest:
        return Wanted(match["name"], None, text)
    from packaging.specifiers import InvalidSpecifier, SpecifierSet  # only when asked

    try:
        return Wanted(match["name"], SpecifierSet(rest), text)
    except InvalidSpecifier:
        try:  # `>=1.21.*`: a wildcard only == and != take; read it as >=1.21
            return Wanted(match["name"], SpecifierSet(re.sub(r"\.\*", "", rest)), text)
        except InvalidSpecifier:
            raise Usage(f"Invalid requirement: {text!r}.") from None


def exact_version(text: str) -> SpecifierSet:
    """`-v 1.26`: ==1.26 (and `-v '1.26.*'`); Usage if it is not a version."""
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    try:
        return SpecifierSet(f"=={text}")
    except InvalidSpecifier:
        raise Usage(f"Invalid version: {text!r}.") from None


def requirement_lines(path: Path, seen: frozenset[Path] = frozenset()) -> list[str]:
    """The requirement strings of a requirements file (pip's syntax), or the
    [project] dependencies of a pyproject.toml."""
    try:
        text = path.read_text()
    except OSError as exc:
        raise Usage(f"{path}: {exc.strerror or exc}") from None
    if path.name == "pyproject.toml":
        import tomllib

        try:
            return list(tomllib.loads(text).get("project", {}).get("dependencies", []))
        except tomllib.TOMLDecodeError as exc:
            raise Usage(f"{path}: {exc}") from None
    lines: list[str] = []
    for line in re.sub(r"\\\n", "", text).splitlines():
        line = re.split(r"(?:^|\s)#", line, maxsplit=1)[0].strip()
        if not line:
            continue
        include = re.match(r"^(?:-r|--requirement)(?:\s+|=)(\S+)$", line)
        if include:
            nested = (path.parent / include.group(1)).resolve()
            if nested not in seen:  # an include loop reads each file once
                lines += requirement_lines(nested, seen | {path.resolve()})
            continue
        if line.startswith("-"):  # -e, -c, --index-url ...: not a requirement
            continue
        lines.append(re.split(r"\s+--?[a-z]", line, maxsplit=1)[0].strip())  # drop --hash=...
    return lines
