"""Index a wheelhouse: PEP 503 pages per architecture and the compact `avail_wheels` index.

Every new wheel is read and checked (wheelfile.py: a zip, METADATA naming the same
project and version as the file name) before anything is written; one bad wheel fails
the run and the previous index stays. Each file is replaced by rename, project pages
before the root pages that list them (pages.py plans them), `stamp` last. Wheels seen
before (same size and mtime) are not read again, and only pages whose wheels changed
are rewritten, so adding a few wheels to a large wheelhouse is quick. Where each file
goes is pyherd.wheelhouse.layout's.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pyherd.errors import JobFailed
from pyherd.wheelhouse import layout as wl
from pyherd.wheelhouse.catalog import Row, normalize
from pyherd.wheelhouse.layout import WheelhouseLayout
from pyherd.wheelhouse.pages import link_target, plan, plan_links
from pyherd.wheelhouse.wheelfile import read_all
from pyherd.writer import atomic_write, current_bytes


@dataclass(frozen=True)
class Config:
    archs: tuple[str, ...]  # "generic" first, then the specific ones
    arch_variable: str
    default_arch: str
    search: dict[str, tuple[str, ...]]  # arch: the directories its nodes install from, best first
    pythons: tuple[str, ...] = ()  # the site's python modules (3.11): avail_wheels -p choices

    def as_json(self) -> dict[str, Any]:
        return {
            "archs": list(self.archs),
            "arch_variable": self.arch_variable,
            "default_arch": self.default_arch,
            "search": {arch: list(dirs) for arch, dirs in self.search.items()},
            "pythons": list(self.pythons),
        }


@dataclass
class IndexResult:
    root: Path
    wheels: int = 0
    read: int = 0  # wheels read this run (new or changed)
    written: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    links: int = 0  # find-links symlinks made or changed


def index(layout: WheelhouseLayout, config: Config, *, dry_run: bool = False) -> IndexResult:
    """Bring the index up to date; JobFailed (nothing written) on a bad wheel."""
    root = layout.root
    known = _load_state(layout, config)  # None: no usable state, index everything
    scan = _scan(layout, config)
    files, problems = scan.files, scan.problems
    fresh = [key for key, seen in files.items() if known is None or known.get(key) != seen]
    gone = [] if known is None else [key for key in known if key not in files]
    touched = None if known is None else {_project(key) for key in (*fresh, *gone)}
    result = IndexResult(root, wheels=len(files))
    old_rows: list[Row] = []
    kept: list[Row] = []
    if touched:
        old_rows = _shard_rows(layout, touched)
        fresh_keys = set(fresh)
        lost = {key for p in touched for key in scan.keys.get(p, ()) if key not in fresh_keys}
        kept = [row for row in old_rows if f"{row.arch}/{row.file}" in lost]
        lost.difference_update(f"{row.arch}/{row.file}" for row in kept)
        fresh += sorted(lost)  # a shard that lost rows: read those wheels again
    rows = kept
    jobs = [(str(root / key), key.split("/", 1)[0]) for key in fresh]
    for ok, text in read_all(jobs):
        if ok:
            rows.append(Row.from_line(text))
            result.read += 1
        else:
            problems.append(text)
    if problems:
        raise JobFailed(
            f"{root}: {len(problems)} wheel(s) cannot be indexed; the index is unchanged:\n  "
            + "\n  ".join(problems)
        )
    if touched is not None and not touched and layout.path(wl.STAMP).is_file():
        newest = _newest_dir(layout, config)
        stamp = layout.path(wl.STAMP)
        if not dry_run and newest > os.stat(stamp).st_mtime_ns:
            # a file came and went (or a non-wheel changed): the index is current, and the
            # stamp must say so, or every avail_wheels would rescan the directories
            when = max(time.time_ns(), newest)  # a file server's clock may run ahead
            os.utime(stamp, ns=(when, when))
        return result
    planned, doomed = plan(layout, config, rows, touched, scan)
    links, unlinks = plan_links(layout, config, rows, touched, old_rows)
    if dry_run:
        result.written, result.removed = sorted(planned), sorted(doomed)
        result.links = sum(link_target(layout.path(rel)) != t for rel, t in links.items())
        return result
    for arch in {rel.split("/")[1] for rel in links}:
        layout.links(arch).mkdir(parents=True, exist_ok=True)
    for rel, target in sorted(links.items()):  # before the pages: a page may list the file
        path = layout.path(rel)
        if link_target(path) != target:
            temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            temp.unlink(missing_ok=True)
            os.symlink(target, temp)
            os.replace(temp, path)
            result.links += 1
    # pages and shards first, then what lists them, then state and stamp
    for rel in sorted(planned, key=_write_order):
        path = layout.path(rel)
        data = planned[rel].encode()
        if current_bytes(path) != data:
            atomic_write(path, data, sync=False)
            result.written.append(rel)
    for rel in [*doomed, *unlinks]:
        path = layout.path(rel)
        if path.is_symlink() or path.exists():
            path.unlink()
            result.removed.append(rel)
            if rel.startswith(f"{wl.SIMPLE}/"):
                with contextlib.suppress(OSError):  # the project's directory, once empty
                    path.parent.rmdir()
    os.sync()  # every page on disk before the state that says they are there
    state = json.dumps(config.as_json(), sort_keys=True) + "\n"
    state += "".join(f"{key}\t{seen}\n" for key, seen in files.items())
    atomic_write(layout.path(wl.STATE), state.encode())
    atomic_write(layout.path(wl.STAMP), b"")
    return result


@dataclass
class Scan:
    files: dict[str, str] = field(default_factory=dict)  # "<arch>/<file>": "<size>\t<mtime_ns>"
    keys: dict[str, list[str]] = field(default_factory=dict)  # project: its files' keys
    archs: dict[str, set[str]] = field(default_factory=dict)  # project: archs holding it
    problems: list[str] = field(default_factory=list)


def _scan(layout: WheelhouseLayout, config: Config) -> Scan:
    """Every wheel under the arch directories, with its size and mtime, by project.

    A key is "<arch>/<directory entry>": an entry name has no '/' and is never '..', so
    keys stay under the root without a per-wheel check."""
    scan = Scan()
    files = scan.files  # the loop below runs once per wheel: keep it lean
    for arch in config.archs:
        directory = layout.arch(arch)
        try:
            entries = list(os.scandir(directory))
        except FileNotFoundError:
            continue
        except OSError as exc:
            scan.problems.append(f"{directory}: cannot list it: {exc.strerror or exc}")
            continue
        by_first: dict[str, list[str]] = {}  # a file name's first field: those files' keys
        for entry in entries:
            name = entry.name
            if not name.endswith(".whl"):
                continue
            try:
                st = entry.stat(follow_symlinks=False)
            except OSError as exc:
                scan.problems.append(f"{entry.path}: {exc.strerror or exc}")
                continue
            if not stat.S_ISREG(st.st_mode):  # a link, FIFO or device would be read through
                scan.problems.append(f"{entry.path}: not a regular file; wheels must be files")
                continue
            key = f"{arch}/{name}"
            files[key] = f"{st.st_size}\t{st.st_mtime_ns}"
            first = name[: name.find("-")]
            group = by_first.get(first)
            if group is None:
                group = by_first[first] = []
            group.append(key)
        for first, keys in by_first.items():
            project = normalize(first)  # Foo_Bar and foo.bar are one project
            scan.keys.setdefault(project, []).extend(keys)
            scan.archs.setdefault(project, set()).add(arch)
    return scan


def _newest_dir(layout: WheelhouseLayout, config: Config) -> int:
    """The latest mtime (ns) of the arch directories: what avail_wheels compares the stamp to."""
    newest = 0
    for arch in config.archs:
        with contextlib.suppress(OSError):
            newest = max(newest, os.stat(layout.arch(arch)).st_mtime_ns)
    return newest


def _project(key: str) -> str:
    """The normalized project of "<arch>/<wheel file name>"."""
    return normalize(key.split("/", 1)[1].split("-", 1)[0])


def _shard_rows(layout: WheelhouseLayout, projects: set[str]) -> list[Row]:
    """The rows the index holds for these projects (none for a missing or damaged shard)."""
    rows: list[Row] = []
    for project in projects:
        try:
            text = layout.path(wl.shard(project)).read_text()
            rows += [Row.from_line(line) for line in text.splitlines()]
        except (OSError, ValueError, TypeError):
            continue
    return rows


def publish_configs(
    layout: WheelhouseLayout, config: Config, files: dict[str, str], *, dry_run: bool = False
) -> list[str]:
    """Write the rendered pip configurations under <root>/pip/ (change-only, by rename).

    Every arch directory is made too (empty if need be): pip warns about a find-links
    directory that does not exist.
    """
    written = []
    if not dry_run:
        for arch in config.archs:
            layout.arch(arch).mkdir(parents=True, exist_ok=True)
    for rel, text in sorted(files.items()):
        path = layout.path(rel)
        if current_bytes(path) != text.encode():
            written.append(rel)
            if not dry_run:
                path.parent.mkdir(parents=True, exist_ok=True)
                atomic_write(path, text.encode())
    return written


def _write_order(rel: str) -> tuple[bool, str]:
    """Project pages and shards before the root pages and names that list them."""
    listing = rel.count("/") < 3 and not rel.startswith(f"{wl.SHARDS}/")
    return (listing, rel)


def _load_state(layout: WheelhouseLayout, config: Config) -> dict[str, str] | None:
    """The wheels the last run indexed ({key: "size\\tmtime"}); None if absent, damaged
    or written for another configuration."""
    try:
        header, _, body = layout.path(wl.STATE).read_text().partition("\n")
        if json.loads(header) != config.as_json():
            return None
        return dict(line.split("\t", 1) for line in body.splitlines())
    except (OSError, ValueError):
        return None
