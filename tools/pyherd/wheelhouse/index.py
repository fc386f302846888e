"""Index a wheelhouse: PEP 503 pages per architecture and the compact `avail_wheels` index.

Every new wheel is read and checked (wheelfile.py: a zip, METADATA naming the same
project and version as the file name) before anything is written; one bad wheel fails
the run and the previous index stays. Each file is replaced by rename, project pages
before the root pages that list them (pages.py plans them), `stamp` last. Wheels seen
before (same size, mtime and inode) are not read again, and only pages whose wheels changed
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
from pyherd.faults import checkpoint
from pyherd.wheelhouse import layout as wl
from pyherd.wheelhouse import staging
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
    """Bring the index up to date; JobFailed (nothing written) on a bad wheel.

    The caller holds the wheelhouse lock (jobs.index_site) unless this is a dry run."""
    root = layout.root
    scan = _scan(layout, config)
    files, problems = scan.files, scan.problems
    known = _load_state(layout, config, files)  # None: no usable state, index everything
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
    current = layout.path(wl.STAMP).is_file() and layout.path(wl.ALL).is_file()
    if touched is not None and not touched and current:
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
        result.links = sum(not _linked(layout, rel, key, files) for rel, key in links.items())
        return result
    staging.sweep([layout.path(wl.SIMPLE), layout.path(wl.LINKS), layout.path(wl.INDEX)])
    trees = _stage(layout, planned, links, result)
    staging.fill(trees)
    if trees:
        os.sync()  # a tree's every file on disk before the rename that publishes it
    checkpoint("index-staged")
    staging.publish(trees)
    for arch in {rel.split("/")[1] for rel in links}:
        layout.links(arch).mkdir(parents=True, exist_ok=True)
    for rel, key in sorted(links.items()):
        if not _linked(layout, rel, key, files):
            path = layout.path(rel)
            temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            temp.unlink(missing_ok=True)
            staging.link(str(root / key), str(temp), _fallback(key))
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
    checkpoint("index-published")
    atomic_write(layout.path(wl.STATE), _state_text(config, files).encode())
    atomic_write(layout.path(wl.STAMP), b"")
    return result


def _stage(
    layout: WheelhouseLayout, planned: dict[str, str], links: dict[str, str], result: IndexResult
) -> list[staging.Staged]:
    """Move what goes into trees that do not exist yet (pages of an arch, find-links of an
    arch, the shards) out of `planned` and `links` into staged trees, counted as written."""
    trees: dict[str, staging.Staged | None] = {}

    def staged(rel: str) -> tuple[staging.Staged, str] | None:
        tree = wl.tree(rel)
        if tree is None:
            return None
        if tree not in trees:
            path = layout.path(tree)
            trees[tree] = None if os.path.lexists(path) else staging.Staged(path)
        found = trees[tree]
        return None if found is None else (found, rel[len(tree) + 1 :])

    for rel in list(planned):
        where = staged(rel)
        if where is not None:
            where[0].file(where[1], planned.pop(rel).encode())
            result.written.append(rel)
    root = str(layout.root)
    for rel in list(links):
        where = staged(rel)
        if where is not None:
            key = links.pop(rel)
            where[0].link(where[1], f"{root}/{key}", _fallback(key))
            result.links += 1
    return [tree for tree in trees.values() if tree is not None]


class Scan:
    """Every wheel under the arch directories with its size, mtime and inode; by project
    on demand."""

    def __init__(self) -> None:
        self.files: dict[str, str] = {}  # "<arch>/<file>": "<size>\t<mtime_ns>\t<inode>"
        self.problems: list[str] = []
        self._keys: dict[str, list[str]] | None = None
        self._archs: dict[str, set[str]] = {}

    @property
    def keys(self) -> dict[str, list[str]]:
        """project: its files' keys."""
        if self._keys is None:
            self._group()
        assert self._keys is not None
        return self._keys

    @property
    def archs(self) -> dict[str, set[str]]:
        """project: the archs holding it."""
        if self._keys is None:
            self._group()
        return self._archs

    def _group(self) -> None:
        by_first: dict[str, list[str]] = {}  # a file name's first field: those files' keys
        for key in self.files:
            dash = key.find("-", key.find("/"))
            first = key if dash < 0 else key[:dash]
            group = by_first.get(first)
            if group is None:
                group = by_first[first] = []
            group.append(key)
        keys: dict[str, list[str]] = {}
        for first, group in by_first.items():
            arch, _, name = first.partition("/")
            project = normalize(name)  # Foo_Bar and foo.bar are one project
            keys.setdefault(project, []).extend(group)
            self._archs.setdefault(project, set()).add(arch)
        self._keys = keys


def _scan(layout: WheelhouseLayout, config: Config) -> Scan:
    """Every wheel under the arch directories, with its size, mtime and inode (a wheel
    replaced by rename is read again, and its find-links hard links made again).

    A key is "<arch>/<directory entry>": an entry name has no '/' and is never '..', so
    keys stay under the root without a per-wheel check. This runs once per wheel on
    every index run, a no-op included: it only stats and records."""
    scan = Scan()
    files = scan.files
    lstat = os.stat
    for arch in config.archs:
        directory = layout.arch(arch)
        try:
            fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
        except FileNotFoundError:
            continue
        except OSError as exc:
            scan.problems.append(f"{directory}: cannot list it: {exc.strerror or exc}")
            continue
        prefix = f"{arch}/"
        try:
            for name in os.listdir(fd):
                if not name.endswith(".whl"):
                    continue
                try:  # relative to the open directory: one lookup, not the whole path
                    st = lstat(name, dir_fd=fd, follow_symlinks=False)
                except OSError as exc:
                    scan.problems.append(f"{directory / name}: {exc.strerror or exc}")
                    continue
                if st.st_mode & _FORMAT != _REGULAR:  # a link, FIFO or device: read through
                    scan.problems.append(
                        f"{directory / name}: not a regular file; wheels must be files"
                    )
                    continue
                files[prefix + name] = f"{st.st_size}\t{st.st_mtime_ns}\t{st.st_ino}"
        except OSError as exc:
            scan.problems.append(f"{directory}: cannot list it: {exc.strerror or exc}")
        finally:
            os.close(fd)
    return scan


_FORMAT, _REGULAR = 0o170000, stat.S_IFREG


def _linked(layout: WheelhouseLayout, rel: str, key: str, files: dict[str, str]) -> bool:
    """Whether find-links entry `rel` already gives the wheel `key`: a hard link to it
    (the same inode the scan saw) or, where hard links were refused, a symlink to it."""
    try:
        st = os.lstat(layout.path(rel))
    except OSError:
        return False
    if st.st_mode & _FORMAT == _REGULAR:
        return str(st.st_ino) == files[key].rpartition("\t")[2]
    return stat.S_ISLNK(st.st_mode) and link_target(layout.path(rel)) == _fallback(key)


def _fallback(key: str) -> str:
    """The symlink a find-links entry is where a hard link cannot be made."""
    arch, _, file = key.partition("/")
    return wl.link_target(arch, file)


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


def _load_state(
    layout: WheelhouseLayout, config: Config, files: dict[str, str]
) -> dict[str, str] | None:
    """The wheels the last run indexed ({key: "size\\tmtime\\tinode"}); None if absent, damaged
    or written for another configuration. When nothing changed, the state's text is
    what `files` would write, compared whole: a no-op run parses nothing."""
    try:
        text = layout.path(wl.STATE).read_text()
        if text == _state_text(config, files):
            return files
        header, _, body = text.partition("\n")
        if json.loads(header) != config.as_json():
            return None
        return dict(line.split("\t", 1) for line in body.splitlines())
    except (OSError, ValueError):
        return None


def _state_text(config: Config, files: dict[str, str]) -> str:
    header = json.dumps(config.as_json(), sort_keys=True) + "\n"
    return header + "".join([f"{key}\t{seen}\n" for key, seen in files.items()])
