"""One wheel as a row of the compact index: what `avail_wheels` shows, parsed once.

The index writer parses each wheel's file name (and reads its METADATA); readers
get the finished columns from tab-separated lines and never parse a version
unless asked to filter by one. Shared by the writer and `avail_wheels`.
"""

from __future__ import annotations

import re
from collections import namedtuple

from pyherd.errors import JobFailed

COLUMNS = ("name", "version", "localversion", "build", "python", "abi", "platform", "arch")
# The wheel file name (PEP 427 with the packaging spec's escaping): only letters, digits,
# '_' and '.' in a name and in tags, PEP 440 characters in a version. Anything else (a
# quote, a space, an escape sequence) is not a wheel, so never reaches a page or a terminal.
_WHEEL = re.compile(
    r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._]*)-(?P<version>[A-Za-z0-9._!+]+)"
    r"(?:-(?P<build>\d[A-Za-z0-9._]*))?"
    r"-(?P<python>[A-Za-z0-9._]+)-(?P<abi>[A-Za-z0-9._]+)-(?P<platform>[A-Za-z0-9._]+)\.whl$"
)


class BadWheelName(JobFailed):
    """A file name that is not name-version-python-abi-platform.whl."""


FIELDS = (
    "name",  # as the wheel's file name spells it (what avail_wheels shows)
    "version",  # public version, without the local tag
    "localversion",  # the local tag (computecanada), or ""
    "build",
    "python",  # cp311, or py2,py3
    "abi",
    "platform",
    "arch",  # the wheelhouse directory it is in
    "file",
    "requires_python",
    "sha256",
)


class Row(namedtuple("_Row", FIELDS, defaults=("", ""))):
    """A wheel's columns; a plain tuple underneath, so reading 60,000 of them stays cheap."""

    __slots__ = ()

    def column(self, name: str) -> str:
        return str(getattr(self, name))

    def line(self) -> str:
        return "\t".join(self)

    @classmethod
    def from_line(cls, line: str) -> Row:
        return cls._make(line.rstrip("\n").split("\t"))


_SEPARATORS = re.compile(r"[-_.]+")
_normalized: dict[str, str] = {}


def normalize(name: str) -> str:
    """PEP 503 normalized project name (remembered: an index asks for each name many times)."""
    found = _normalized.get(name)
    if found is None:
        found = _normalized[name] = _SEPARATORS.sub("-", name).lower()
    return found


def from_filename(file: str, arch: str) -> Row:
    """The row a wheel file name gives (name as in the file; BadWheelName if it is not one)."""
    match = _WHEEL.match(file)
    if not match:
        raise BadWheelName(f"{file}: not a wheel file name (name-version-python-abi-platform.whl)")
    version, _, local = match["version"].partition("+")
    return Row(
        name=match["name"],
        version=version,
        localversion=local,
        build=match["build"] or "",
        python=_tag_set(match["python"]),
        abi=_tag_set(match["abi"]),
        platform=_tag_set(match["platform"]),
        arch=arch,
        file=file,
    )


def _tag_set(tags: str) -> str:
    """A compressed tag set (py2.py3) as avail_wheels shows it: sorted, comma-joined."""
    return ",".join(sorted(set(tags.split("."))))


def covers(row: Row, python: tuple[int, int]) -> bool:
    """Whether a Python of this (major, minor) can install the wheel, by its python tags."""
    major, minor = python
    for tag in row.python.split(","):
        if tag in (f"py{major}", f"py{major}{minor}"):
            return True
        if tag == f"cp{major}{minor}" and row.abi != "abi3":
            return True
        abi3 = row.abi == "abi3" and tag.startswith(f"cp{major}") and tag[2:].isdigit()
        if abi3 and int(tag[3:] or 0) <= minor:
            return True
    return False


def newest_first(rows: list[Row]) -> list[Row]:
    """Newest version first; within one version an arch's own build before generic."""
    from packaging.version import InvalidVersion, Version

    def parse(text: str) -> Version:
        try:
            return Version(text)
        except InvalidVersion:
            return Version("0")

    parsed = {row.version: parse(row.version) for row in rows}
    within = sorted(
        rows, key=lambda r: (r.arch == "generic", r.arch, -_python_rank(r.python), r.file)
    )
    return sorted(within, key=lambda r: parsed[r.version], reverse=True)  # stable


def _python_rank(pythons: str) -> int:
    """cp311 -> 311, cp39 -> 39, py3 -> 3: newer CPython tags rank higher."""
    return max((int(re.sub(r"\D", "", tag) or 0) for tag in pythons.split(",")), default=0)


_LEGACY_PART = re.compile(r"(\d+|[a-z]+|\.|-)")
_LEGACY_WORDS = {"pre": "c", "preview": "c", "-": "final-", "rc": "c", "dev": "@"}


_loose: dict[str, tuple] = {}


def loose_key(text: str) -> tuple:
    """A sort key that orders anything the way packaging 21.3's `parse` did, which the
    Alliance's avail_wheels sorts with: PEP 440 versions by their rules, after every
    other string ("cp311", "x86-64-v3"), which order among themselves by the old
    setuptools rules (runs of digits compared as numbers, words as text). Remembered:
    a listing of every wheel asks for each version many times."""
    found = _loose.get(text)
    if found is None:
        found = _loose[text] = _loose_key(text)
    return found


def _loose_key(text: str) -> tuple:
    from packaging.version import InvalidVersion, Version

    try:
        return (1, Version(text))
    except InvalidVersion:
        pass
    parts: list[str] = []
    for piece in (*_LEGACY_PART.split(text.lower()), "final"):
        piece = _LEGACY_WORDS.get(piece, piece)
        if not piece or piece == ".":
            continue
        if piece[0].isdigit():
            parts.append(piece.zfill(8))
            continue
        piece = "*" + piece
        if piece < "*final":  # a pre-release word: drop the trailing zeros and separators
            while parts and parts[-1] == "*final-":
                parts.pop()
        while parts and parts[-1] == "00000000":
            parts.pop()
        parts.append(piece)
    return (0, tuple(parts))
