"""`avail_wheels`: list the site's precompiled wheels, as Alliance users know the command.

Reads the compact index `pyherd wheels index` writes (one small file per project),
so a lookup opens two files whatever the wheelhouse's size. When the index is
missing or older than a wheel directory, it says so and scans the directories.
Defaults: the newest version only (all matching ones when a version is given),
the Python of the active virtualenv or loaded python module, the architecture
the modules set (the site's arch variable), and that architecture's directories.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING

from pyherd.errors import ConfigError
from pyherd.wheelhouse import layout as wl
from pyherd.wheelhouse.catalog import (
    COLUMNS,
    FIELDS,
    BadWheelName,
    Row,
    from_filename,
    newest_first,
    normalize,
)

if TYPE_CHECKING:
    from packaging.specifiers import SpecifierSet

DEFAULT_COLUMNS = ("name", "version", "python", "arch")
FORMATS = ("simple", "plain", "github", "pipe", "tsv", "csv")
_SPLIT = re.compile(r"^\s*([^<>=!~\s\[;]+)\s*(.*)$")


class Usage(ConfigError):
    """A user error: message and exit 2."""


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="avail_wheels",
        description="List the wheels precompiled for this site. By default: the newest version "
        "of each name, for the Python of the active virtualenv or loaded python module, for "
        "this node's architecture.",
        epilog='Examples: avail_wheels "*cdf*"; avail_wheels numpy==1.26; avail_wheels numpy '
        "--all-versions; avail_wheels -r requirements.txt --not-available. "
        "Install one with: pip install --no-index NAME==VERSION",
    )
    p.add_argument("wheel", nargs="*", help="names, globs (case-insensitive) or name+specifier")
    p.add_argument("-n", "--name", nargs="+", default=[], help="names or globs to look for")
    p.add_argument("-r", "--requirement", nargs="+", default=[], metavar="FILE",
                   help="requirements files or pyproject.toml")  # fmt: skip
    p.add_argument("--wheelhouse", help="the wheelhouse root (default: $PYHERD_WHEELHOUSE)")
    p.add_argument("--all", action="store_true", help="--all-versions --all-pythons --all-archs")
    v = p.add_mutually_exclusive_group()
    v.add_argument("-v", "--version", nargs="+", default=[], help="versions: 1.26, '1.26.*'")
    v.add_argument("--all-versions", "--all_versions", action="store_true")
    py = p.add_mutually_exclusive_group()
    py.add_argument("-p", "--python", nargs="+", default=[], help="Python versions: 3.11")
    py.add_argument("--all-pythons", "--all_pythons", action="store_true")
    a = p.add_mutually_exclusive_group()
    a.add_argument("-a", "--arch", nargs="+", default=[], help="architectures")
    a.add_argument("--all-archs", "--all_archs", action="store_true")
    p.add_argument("--format", choices=FORMATS, default="simple", help="table format")
    p.add_argument("--raw", action="store_true", help="print file names only")
    p.add_argument("--column", nargs="+", choices=COLUMNS, default=list(DEFAULT_COLUMNS))
    p.add_argument("--condense", action="store_true", help="one line per name and version")
    p.add_argument("--not-available", action="store_true", help="also list names not found")
    p.add_argument("--not-available-only", action="store_true", help="list only names not found")
    return p


def main(argv: list[str] | None = None) -> int:
    try:
        args = parser().parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    try:
        return run(args)
    except ConfigError as exc:  # Usage, or a name no wheelhouse file could have
        print(f"avail_wheels: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        sys.stderr.close()
        return 0


def run(args: argparse.Namespace) -> int:
    root_text = args.wheelhouse or os.environ.get("PYHERD_WHEELHOUSE")
    if not root_text:
        raise Usage("no wheelhouse: load a python module, or give --wheelhouse DIR")
    root = Path(root_text)
    source = Source(root)
    queries = [Query.parse(text) for text in [*args.wheel, *args.name]]
    for file in args.requirement:
        queries += [Query.parse(text) for text in requirements(Path(file))]
    if args.all:
        args.all_versions = args.all_pythons = args.all_archs = True
    dirs = None if args.all_archs else source.dirs(args.arch)
    pythons = None if args.all_pythons else (args.python or default_python())
    versions = [Query.parse(f"x=={v}" if v[0].isdigit() else f"x{v}").spec for v in args.version]
    pick = _cells(args.column)
    table: list[tuple[str, ...] | list[str]] = []  # rows are made into cells one project at a time
    files: list[str] = []
    missing: list[str] = []
    latest_only = not (args.all_versions or versions)
    for query in queries or [Query("*", None)]:
        found_any = False
        for project in source.match(query.pattern):
            found = [
                row
                for row in source.rows(project)
                if (dirs is None or row.arch in dirs)
                and (pythons is None or any(suits(row, py) for py in pythons))
                and (query.spec is None or query.spec.contains(row.version, prereleases=True))
                and all(spec.contains(row.version, prereleases=True) for spec in versions)
            ]
            if not found:
                continue
            found_any = True
            if latest_only and query.spec is None:  # rows come newest first
                found = [row for row in found if row.version == found[0].version]
            if dirs is not None:
                found = best_first(found, dirs)
            if args.raw:
                files += [row.file for row in found]
            elif not args.not_available_only:
                table += map(pick, found)
        if not found_any and queries:
            missing.append(query.text)
    if args.raw:
        for file in files if not args.not_available_only else []:
            print(file)
        return 0
    if args.condense:
        table = condense(table, args.column)
    if args.not_available or args.not_available_only:
        table += [[name] + [""] * (len(args.column) - 1) for name in missing]
    print(render(args.column, table, args.format), end="")
    return 0


def _cells(columns: list[str]) -> Callable[[Row], tuple[str, ...]]:
    """A row's shown columns, as one tuple."""
    at = [FIELDS.index(column) for column in columns]
    if len(at) == 1:
        return lambda row: (row[at[0]],)
    return itemgetter(*at)


class Query:
    def __init__(self, pattern: str, spec: SpecifierSet | None, text: str = ""):
        self.pattern = pattern
        self.spec = spec
        self.text = text or pattern

    @classmethod
    def parse(cls, text: str) -> Query:
        """`numpy`, `*cdf*`, `numpy==1.26`, `numpy>=1.21.*` (pip's ways to write it)."""
        match = _SPLIT.match(text.split(";", 1)[0])
        if not match:
            raise Usage(f"{text!r}: not a name or requirement")
        name, rest = match.group(1), match.group(2).strip()
        if not rest:
            return cls(name, None, text)
        from packaging.specifiers import InvalidSpecifier, SpecifierSet  # only when asked

        try:
            spec = SpecifierSet(rest)
        except InvalidSpecifier:
            try:  # `>=1.21.*`: a wildcard only == and != take; read it as >=1.21
                spec = SpecifierSet(re.sub(r"\.\*", "", rest))
            except InvalidSpecifier:
                raise Usage(f"{text!r}: {rest!r} is not a version specifier") from None
        return cls(name, spec, text)


class Source:
    """The compact index, or a scan of the directories when it is missing or stale."""

    def __init__(self, root: Path):
        self.root = root
        self.layout = wl.WheelhouseLayout(root)
        self.config = self._config()
        self.scanned: dict[str, list[Row]] | None = None
        if self.config is None or self._stale():
            print(
                f"avail_wheels: warning: the index of {root} is "
                f"{'missing' if self.config is None else 'older than its wheels'}; "
                "scanning the directories (slower; an admin should run `pyherd wheels index`)",
                file=sys.stderr,
            )
            self.scanned = self._scan()

    def _config(self) -> dict | None:
        try:
            return json.loads(self.layout.path(wl.CONFIG).read_text())
        except (OSError, ValueError):
            return None

    def archs(self) -> list[str]:
        if self.config is not None:
            return list(self.config["archs"])
        try:
            return sorted(e.name for e in os.scandir(self.root) if e.is_dir() and
                          not e.name.startswith(".") and e.name not in wl.RESERVED)  # fmt: skip
        except OSError as exc:
            raise Usage(f"{self.root}: cannot read the wheelhouse: {exc.strerror}") from None

    def _stale(self) -> bool:
        try:
            stamp = os.stat(self.layout.path(wl.STAMP)).st_mtime_ns
        except OSError:
            return True
        for arch in self.archs():
            try:
                if os.stat(self.layout.arch(arch)).st_mtime_ns > stamp:
                    return True
            except OSError:
                continue
        return False

    def _scan(self) -> dict[str, list[Row]]:
        found: dict[str, list[Row]] = {}
        for arch in self.archs():
            try:
                names = os.listdir(self.layout.arch(arch))
            except OSError:
                continue
            for file in names:
                try:
                    row = from_filename(file, arch)
                except BadWheelName:
                    continue
                found.setdefault(normalize(row.name), []).append(row)
        return {project: newest_first(rows) for project, rows in found.items()}

    def default_arch(self) -> str:
        """The node's arch: the site's arch variable (from the index's config); with no
        index, the pip configuration the python module named (<root>/pip/<arch>.conf)."""
        if self.config is not None:
            variable = self.config.get("arch_variable", "PYHERD_WHEEL_ARCH")
            return os.environ.get(variable) or self.config.get("default_arch", "generic")
        conf = Path(os.environ.get("PIP_CONFIG_FILE", ""))
        if conf.parent == self.root / wl.PIP and conf.suffix == ".conf":
            return conf.stem
        return os.environ.get("PYHERD_WHEEL_ARCH") or "generic"

    def dirs(self, archs: list[str]) -> tuple[str, ...]:
        """The directories to list, best first: exactly those of -a; without it, the ones
        the node's arch installs from (its own, those it also runs, generic)."""
        if archs:
            known = self.archs()
            for arch in archs:
                if arch not in known:
                    choices = ", ".join(repr(a) for a in known)
                    raise Usage(
                        f"argument -a/--arch: invalid choice: {arch!r} (choose from {choices})"
                    )
            return tuple(dict.fromkeys(archs))
        arch = self.default_arch()
        search = (self.config or {}).get("search", {}).get(arch)
        return tuple(search or ((arch, "generic") if arch != "generic" else ("generic",)))

    def names(self) -> dict[str, str]:
        if self.scanned is not None:
            return {p: rows[0].name for p, rows in self.scanned.items()}
        text = self.layout.path(wl.NAMES).read_text()
        return dict(line.split("\t", 1) for line in text.splitlines())

    def match(self, pattern: str) -> list[str]:
        if not any(c in pattern for c in "*?["):
            project = normalize(pattern)
            if "/" in project or project.startswith("."):  # no project is named so
                return []
            if self.scanned is not None:
                return [project] if project in self.scanned else []
            return [project] if self.layout.path(wl.shard(project)).is_file() else []
        names = self.names()
        pat = pattern.lower()
        return sorted(
            (p for p, shown in names.items() if fnmatch.fnmatchcase(shown.lower(), pat)
             or fnmatch.fnmatchcase(p, pat)),
            key=lambda p: names[p].lower(),
        )  # fmt: skip

    def rows(self, project: str) -> list[Row]:
        if self.scanned is not None:
            return self.scanned.get(project, [])
        text = self.layout.path(wl.shard(project)).read_text()
        return [Row.from_line(line) for line in text.splitlines()]


def best_first(rows: list[Row], dirs: tuple[str, ...]) -> list[Row]:
    """Within each version (rows come newest first), the builds in `dirs` order: what the
    node would install first comes first."""
    first: dict[str, int] = {}
    for i, row in enumerate(rows):
        first.setdefault(row.version, i)
    rank = {arch: i for i, arch in enumerate(dirs)}
    return sorted(rows, key=lambda row: (first[row.version], rank.get(row.arch, len(rank))))


def suits(row: Row, python: str) -> bool:
    """Whether a wheel installs on Python `python` (3.11): its tag, py3, or cp3x-abi3."""
    major, _, minor = python.partition(".")
    for tag in row.python.split(","):
        if tag in (f"cp{major}{minor}", f"py{major}{minor}", f"py{major}"):
            return True
        since = tag[2 + len(major) :]  # cp38-abi3: any CPython 3.8 or newer
        abi3 = row.abi == "abi3" and tag.startswith(f"cp{major}") and since.isdigit()
        if abi3 and minor.isdigit() and int(since) <= int(minor):
            return True
    return False


def default_python() -> list[str] | None:
    """The active virtualenv's Python, else the loaded python module's; None: all."""
    venv = os.environ.get("VIRTUAL_ENV")
    if venv:
        try:
            for line in Path(venv, "pyvenv.cfg").read_text().splitlines():
                key, _, value = line.partition("=")
                if key.strip() in ("version", "version_info"):
                    return [".".join(value.strip().split(".")[:2])]
        except OSError:
            pass
    loaded = os.environ.get("PYHERD_PYTHON_VERSION") or os.environ.get("EBVERSIONPYTHON")
    return [".".join(loaded.split(".")[:2])] if loaded else None


def requirements(path: Path) -> list[str]:
    """Requirement lines of a requirements file, or [project] dependencies of a pyproject."""
    try:
        text = path.read_text()
    except OSError as exc:
        raise Usage(f"{path}: {exc.strerror or exc}") from None
    if path.name == "pyproject.toml":
        import tomllib

        try:
            project = tomllib.loads(text).get("project", {})
        except tomllib.TOMLDecodeError as exc:
            raise Usage(f"{path}: {exc}") from None
        return list(project.get("dependencies", []))
    lines = []
    for raw in text.splitlines():
        line = raw.split(" #", 1)[0].strip()
        if line and not line.startswith(("#", "-")):
            lines.append(line)
    return lines


def condense(table: Sequence[Sequence[str]], columns: list[str]) -> list[list[str]]:
    """One line per (name, version): the other columns' values joined with commas."""
    keys = [i for i, c in enumerate(columns) if c in ("name", "version")]
    merged: dict[tuple[str, ...], list[Sequence[str]]] = {}
    for row in table:
        merged.setdefault(tuple(row[i] for i in keys), []).append(row)
    out = []
    for rows in merged.values():
        line = []
        for i in range(len(columns)):
            values = list(dict.fromkeys(v for r in rows for v in r[i].split(",") if v))
            line.append(",".join(values))
        out.append(line)
    return out


def render(columns: Iterable[str], table: Sequence[Sequence[str]], fmt: str) -> str:
    headers = list(columns)
    if fmt in ("tsv", "csv"):
        sep = "\t" if fmt == "tsv" else ","
        return "".join(sep.join(r) + "\n" for r in [headers, *table])
    pad = 2 if fmt == "simple" else 0
    cols = list(zip(*table, strict=True)) if table else [()] * len(headers)
    widths = [
        max(len(h) + pad, max(map(len, col), default=0))
        for h, col in zip(headers, cols, strict=True)
    ]
    if fmt in ("github", "pipe"):
        line = ("| " + " | ".join(f"{{:<{w}}}" for w in widths) + " |").format
        rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
        return "\n".join([line(*headers), rule, *(line(*cells) for cells in table)]) + "\n"
    line = "  ".join(f"{{:<{w}}}" for w in widths).format
    lines = [line(*cells).rstrip() for cells in [headers, *table]]
    if fmt == "simple":
        lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines) + "\n"
