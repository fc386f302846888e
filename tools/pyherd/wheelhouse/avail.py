"""`avail_wheels`: list the site's precompiled wheels, printed as the Alliance's own
`avail_wheels` prints them for the same wheelhouse, environment and arguments.

Defaults: the newest version of each name, for the Python of the active virtualenv
or loaded python module, in the directories this node's arch installs from. Rows
are sorted by name (case-folded), then version, arch and Python, newest first;
names come as the wheel files spell them; `--condense` gives one line per name.
Tables are tabulate's (pyherd.wheelhouse.tabular), cell text never reprinted. Where
the Alliance's tool is wrong pyherd differs on purpose; the README lists each one.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

from pyherd import __version__
from pyherd.errors import ConfigError
from pyherd.wheelhouse.catalog import COLUMNS, FIELDS, Row, covers, loose_key
from pyherd.wheelhouse.source import Source
from pyherd.wheelhouse.tabular import render
from pyherd.wheelhouse.wanted import (
    Usage,
    Wanted,
    exact_version,
    parse,
    requirement_lines,
)

T = TypeVar("T")
DEFAULT_COLUMNS = ("name", "version", "python", "arch")
# tabulate's formats (a test holds this to tabulate.tabulate_formats), and csv
FORMATS = (
    "asciidoc", "colon_grid", "double_grid", "double_outline", "fancy_grid", "fancy_outline",
    "github", "grid", "heavy_grid", "heavy_outline", "html", "jira", "latex", "latex_booktabs",
    "latex_longtable", "latex_raw", "mediawiki", "mixed_grid", "mixed_outline", "moinmoin",
    "orgtbl", "outline", "pipe", "plain", "presto", "pretty", "psql", "rounded_grid",
    "rounded_outline", "rst", "simple", "simple_grid", "simple_outline", "textile", "tsv",
    "unsafehtml", "youtrack", "csv",
)  # fmt: skip


def _typed(convert: Callable[[str], T]) -> Callable[[str], T]:
    """argparse reports a Usage from a type converter as its own error (exit 2)."""

    def check(text: str) -> T:
        try:
            return convert(text)
        except Usage as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    return check


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="avail_wheels",
        description="List the wheels precompiled for this site. By default: the newest version "
        "of each name, for the Python of the active virtualenv or loaded python module, in the "
        "directories this node's architecture installs from.",
        epilog='Examples: avail_wheels "*cdf*"; avail_wheels numpy==1.26; avail_wheels numpy '
        "--all-versions; avail_wheels -r requirements.txt --not-available. "
        "Install one with: pip install --no-index NAME==VERSION",
    )
    p.add_argument("-V", action="version", version=f"%(prog)s (pyherd {__version__})")
    p.add_argument("wheel", nargs="*", type=_typed(parse),
                   help="names, globs (case-insensitive) or requirements")  # fmt: skip
    p.add_argument("-n", "--name", nargs="+", type=_typed(parse), default=[],
                   help="names or globs to look for")  # fmt: skip
    p.add_argument("--all", action="store_true", help="--all-versions --all-pythons --all-archs")
    p.add_argument("-r", "--requirement", dest="requirements", nargs="+", default=[],
                   metavar="file", help="requirements files or pyproject.toml")  # fmt: skip
    p.add_argument("--wheelhouse", help="the wheelhouse root (default: $PYHERD_WHEELHOUSE)")
    v = p.add_mutually_exclusive_group()
    v.add_argument("-v", "--version", dest="specifier", metavar="version",
                   type=_typed(exact_version), help="the version: 1.26, '1.26.*'")  # fmt: skip
    v.add_argument("--all-versions", "--all_versions", action="store_true")
    py = p.add_mutually_exclusive_group()
    py.add_argument("-p", "--python", nargs="+", default=[], help="Python versions: 3.11")
    py.add_argument("--all-pythons", "--all_pythons", action="store_true")
    a = p.add_mutually_exclusive_group()
    a.add_argument("-a", "--arch", nargs="+", default=[], help="exactly these arch directories")
    a.add_argument("--all-archs", "--all_archs", action="store_true")
    p.add_argument("--mediawiki", action="store_true", help="print a mediawiki table")
    p.add_argument("--format", choices=FORMATS, default="simple", help="table format (tabulate)")
    p.add_argument("--raw", action="store_true", help="print file names only")
    p.add_argument("--column", nargs="+", choices=COLUMNS, default=list(DEFAULT_COLUMNS))
    p.add_argument("--condense", action="store_true", help="one line per name")
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
        print(f"avail_wheels: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        sys.stderr.close()
        return 0


def run(args: argparse.Namespace) -> int:
    root_text = args.wheelhouse or os.environ.get("PYHERD_WHEELHOUSE")
    if not root_text:
        raise Usage("no wheelhouse: load a python module, or give --wheelhouse DIR")
    source = Source(Path(root_text))
    if args.all:
        if args.arch or args.specifier or args.python:
            print("UserWarning: Ignoring --arch, --version and --python since --all is set.",
                  file=sys.stderr)  # fmt: skip
        args.all_versions = args.all_pythons = args.all_archs = True
    wanted = _wanted(args)
    # --all-archs: every directory the node installs from, as without -a
    dirs = source.dirs([] if args.all_archs else args.arch)
    pythons = None if args.all_pythons else _pythons(args.python, source)
    latest = not args.all_versions and args.specifier is None
    found = collect(source, wanted, dirs, pythons, latest)
    if args.not_available or args.not_available_only:
        found = with_missing(found, wanted, only=args.not_available_only)
    if args.raw:
        for key in sorted(found, key=str.casefold):
            for row in ordered(found[key]):
                print(row.file)
        return 0
    table = rows(found, args.column, args.condense)
    print(render(args.column, table, "mediawiki" if args.mediawiki else args.format))
    return 0


def _wanted(args: argparse.Namespace) -> dict[str, Wanted]:
    """By key, later ones winning: requirements files, then the command line (with -v's
    version, when given, in place of each name's own specifier)."""
    wanted: dict[str, Wanted] = {}
    for file in args.requirements:
        for text in requirement_lines(Path(file)):
            try:
                one = parse(text)
            except Usage as exc:
                raise Usage(f"{file}: {exc}") from None
            wanted[one.key] = one
    for one in [*args.wheel, *args.name]:
        if args.specifier is not None:
            one = Wanted(one.pattern, args.specifier, one.text)
        wanted[one.key] = one
    return wanted


def _pythons(asked: list[str], source: Source) -> list[str] | None:
    known = source.pythons()
    for python in asked:
        if known and python not in known:
            choices = ", ".join(repr(p) for p in known)
            raise Usage(f"argument -p/--python: invalid choice: {python!r} (choose from {choices})")
    return asked or default_python()


def collect(
    source: Source,
    wanted: dict[str, Wanted],
    dirs: tuple[str, ...] | None,
    pythons: list[str] | None,
    latest: bool,
) -> dict[str, list[Row]]:
    """The wheels found, by lower-cased name as the files spell it; each name once, however
    many of the names and globs asked match it."""
    versions = None if pythons is None else [_major_minor(p) for p in pythons]
    found: dict[str, dict[tuple[str, str], Row]] = {}
    for row in _candidates(source, wanted, dirs):
        if versions is None or any(covers(row, v) for v in versions):
            key = row.name.lower()
            rows = found.get(key)
            if rows is None:
                rows = found[key] = {}
            rows[row.arch, row.file] = row
    out = {key: list(rows.values()) for key, rows in found.items()}
    if latest:  # the newest version each name has here (rows come newest first)
        for key, rows in out.items():
            newest = max(loose_key(row.version) for row in rows)
            out[key] = [row for row in rows if loose_key(row.version) == newest]
    return out


def _candidates(
    source: Source, wanted: dict[str, Wanted], dirs: tuple[str, ...] | None
) -> Iterator[Row]:
    """The rows in `dirs` that the names asked for select: with none asked, every row (one
    pass over the index's all-rows file)."""
    if not wanted:
        yield from source.every(dirs)
    for one in wanted.values():
        for project in source.match(one.pattern):
            for row in source.rows(project):
                exact = wanted.get(row.name.lower())
                if exact is not None and exact is not one:
                    continue  # a name asked for by itself takes only its own versions
                if one.accepts(row.version) and (dirs is None or row.arch in dirs):
                    yield row


def with_missing(
    found: dict[str, list[Row]], wanted: dict[str, Wanted], *, only: bool
) -> dict[str, list[Row]]:
    """Add a row for each name asked for that matched nothing (its key as the name)."""
    import fnmatch

    out = {} if only else dict(found)
    for key in wanted:
        if key in found or any(fnmatch.fnmatchcase(name, key) for name in found):
            continue
        out[key] = [Row(key, "", "", "", "", "", "", "", key)]
    return out


def ordered(rows: list[Row]) -> list[Row]:
    """Newest version first, then arch and Python in reverse order (as the Alliance's tool
    sorts: three stable sorts, the last one deciding)."""
    if len(rows) < 2:
        return rows
    # one sort on the three keys gives what the three stable sorts give: reverse=True
    # keeps equal rows in their order, as each stable sort did
    return sorted(
        rows, key=lambda r: (loose_key(r.version), r.arch, loose_key(r.python)), reverse=True
    )


def rows(found: dict[str, list[Row]], columns: list[str], condense: bool) -> list[list[str]]:
    at = [FIELDS.index(column) for column in columns]
    table: list[list[str]] = []
    for key in sorted(found, key=str.casefold):
        wheels = ordered(found[key])
        if condense:  # each column's values, newest first, on one line
            table.append(
                [", ".join(sorted({w[i] for w in wheels}, key=loose_key, reverse=True)) for i in at]
            )
        else:
            table += [[w[i] for i in at] for w in wheels]
    return table


def _major_minor(python: str) -> tuple[int, int]:
    """3.11 -> (3, 11); Usage for anything else."""
    major, _, minor = python.partition(".")
    if not (major.isdigit() and minor.isdigit()):
        raise Usage(f"argument -p/--python: {python!r} is not a Python version such as 3.11")
    return int(major), int(minor)


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


if __name__ == "__main__":
    sys.exit(main())
