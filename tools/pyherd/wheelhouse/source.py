"""Where `avail_wheels` finds wheels: the compact index `pyherd wheels index` writes (one
small file per project, so a lookup opens two files whatever the wheelhouse's size),
or, when it is missing or older than a wheel directory, a scan of the directories."""

from __future__ import annotations

import contextlib
import fnmatch
import json
import os
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

from pyherd.wheelhouse import layout as wl
from pyherd.wheelhouse.catalog import (
    FIELDS,
    BadWheelName,
    Row,
    from_filename,
    newest_first,
    normalize,
)
from pyherd.wheelhouse.wanted import Usage


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
        """The directories to list: the ones the node's arch installs from (its own, those
        it also runs, generic), or of those only the ones -a names, in its order. An -a
        the wheelhouse lacks is a usage error; one the node does not run lists nothing."""
        arch = self.default_arch()
        search = (self.config or {}).get("search", {}).get(arch)
        node = tuple(search or ((arch, "generic") if arch != "generic" else ("generic",)))
        if not archs:
            return node
        known = self.archs()
        for asked in archs:
            if asked not in known:
                choices = ", ".join(repr(a) for a in known)
                raise Usage(
                    f"argument -a/--arch: invalid choice: {asked!r} (choose from {choices})"
                )
        return tuple(a for a in dict.fromkeys(archs) if a in node)

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
        with open(self.layout.path(wl.shard(project)), "rb") as fh:  # no text layer: --all
            text = fh.read().decode()  # reads thousands of these
        make = tuple.__new__  # Row(*fields) without namedtuple's checks
        return [make(Row, line.split("\t")) for line in text.splitlines()]

    def every(self, dirs: tuple[str, ...] | None) -> Iterator[Row]:
        """Every row in these directories (all: None), read from all.tsv line by line, so a
        full listing costs one open and keeps only what it shows; else from each shard."""
        fd = None
        if self.scanned is None:
            with contextlib.suppress(OSError):  # an index older than all.tsv: the shards
                fd = os.open(self.layout.path(wl.ALL), os.O_RDONLY)
        if fd is not None:
            with open(fd, encoding="utf-8", newline="\n") as fh:
                yield from _lines(fh, dirs)
            return
        rows: Iterable[Row] = (
            (row for found in self.scanned.values() for row in found)
            if self.scanned is not None
            else (row for p in self.match("*") for row in self.rows(p))
        )
        for row in rows:
            if dirs is None or row.arch in dirs:
                yield row

    def pythons(self) -> list[str]:
        """The Python versions (3.11) the site's python modules provide; [] if unknown."""
        return list((self.config or {}).get("pythons", []))


_ARCH = 1 + FIELDS.index("arch")  # all.tsv: the project, then the row's fields


def _lines(lines: Iterable[str], dirs: tuple[str, ...] | None) -> Iterator[Row]:
    """all.tsv's rows: the project, then a row without requires_python and sha256."""
    make = tuple.__new__  # Row(*fields) without namedtuple's checks
    for line in lines:
        fields = line.rstrip("\n").split("\t")
        if dirs is None or fields[_ARCH] in dirs:
            yield make(Row, (*fields[1:], "", ""))
