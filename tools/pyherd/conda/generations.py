"""A tree's generations on disk: `<tree>/generations/<id>/`, the `current` link, records.

A generation is a conda prefix. It counts as published-ready only when its record
(`.pyherd/generation.json`) says status "ready"; anything else under generations/
is a failed or half-built one that `collect` removes. `current` is a relative
symlink swapped by rename, so a reader sees the old target or the new, never none.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pyherd.conda.layout import TreeLayout, records
from pyherd.writer import atomic_write

RECORD = "generation.json"  # in the generation's records (.pyherd/)


@dataclass(frozen=True)
class Generation:
    id: int
    path: Path
    record: dict[str, Any] | None

    @property
    def status(self) -> str:
        return (self.record or {}).get("status", "incomplete")

    @property
    def ready(self) -> bool:
        return self.status == "ready"

    @property
    def created(self) -> str:
        return (self.record or {}).get("created", "")

    @property
    def package_count(self) -> int:
        packages = (self.record or {}).get("packages", {})
        return sum(len(p) for p in packages.values())


class TreeDir:
    """The directory of one tree: generations/, current, the lock file."""

    def __init__(self, layout: TreeLayout):
        self.layout = layout
        self.path = layout.dir
        self.generations_dir = layout.generations
        self.current_link = layout.current
        self.lock_file = layout.lock

    def generation(self, gid: int) -> Generation:
        path = self.layout.generation(gid)
        return Generation(gid, path, read_record(path))

    def list(self) -> list[Generation]:
        if not self.generations_dir.is_dir():
            return []
        ids = sorted(int(p.name) for p in self.generations_dir.iterdir() if p.name.isdigit())
        return [self.generation(i) for i in ids]

    def current_id(self) -> int | None:
        try:
            target = os.readlink(self.current_link)
        except (FileNotFoundError, OSError):
            return None
        name = Path(target).name
        return int(name) if name.isdigit() else None

    def next_id(self) -> int:
        existing = [g.id for g in self.list()]
        return max(existing, default=0) + 1

    def rolled_back(self) -> dict[int, dict[str, Any]]:
        """The generations rolled back from: id -> {at, to}."""
        return {k: v for k, v in _read_ids(self.layout.rolled_back).items() if isinstance(v, dict)}

    def mark_rolled_back(self, gid: int, note: dict[str, Any] | None) -> None:
        """Note (or, with None, forget) that a human rolled back from generation `gid`."""
        notes = self.rolled_back()
        if notes.get(gid) != note:
            _write_ids(self.layout.rolled_back, {**notes, gid: note})

    def superseded(self) -> dict[int, float]:
        """When each generation stopped being current (epoch seconds), as recorded."""
        return {k: float(v) for k, v in _read_ids(self.layout.superseded).items()
                if isinstance(v, int | float)}  # fmt: skip

    def swap(self, gid: int) -> None:
        """Point `current` at generation `gid` with one rename (atomic for readers), and
        note when the one it replaces stopped being current (gc keeps it a while)."""
        previous = self.current_id()
        if previous is not None and previous != gid:
            times: dict[int, Any] = {**self.superseded(), previous: time.time(), gid: None}
            _write_ids(self.layout.superseded, times)
        tmp = self.layout.current_temp(os.getpid())
        if tmp.is_symlink():
            tmp.unlink()
        os.symlink(self.layout.current_target(gid), tmp)
        os.replace(tmp, self.current_link)
        fd = os.open(self.path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    def remove(self, generation: Generation) -> None:
        """Delete a generation (never the current one)."""
        if generation.id == self.current_id():
            raise ValueError(f"generation {generation.id} is current")
        trash = self.layout.trash(generation.id)
        os.rename(generation.path, trash)  # gone from listings at once, even if rmtree dies
        shutil.rmtree(trash, onerror=_make_writable_and_retry)

    def sweep_trash(self) -> None:
        if self.generations_dir.is_dir():
            for p in self.generations_dir.glob(self.layout.trash_pattern):
                shutil.rmtree(p, onerror=_make_writable_and_retry)


def read_record(path: Path) -> dict[str, Any] | None:
    try:
        return json.loads(records(path, RECORD).read_text())
    except (OSError, ValueError):
        return None


def write_record(path: Path, record: dict[str, Any]) -> None:
    target = records(path, RECORD)
    target.parent.mkdir(exist_ok=True)
    atomic_write(target, (json.dumps(record, indent=1, sort_keys=True) + "\n").encode())


def installed_packages(prefix: Path) -> list[dict[str, Any]]:
    """What conda-meta says is installed: enough to reproduce the prefix exactly."""
    out = []
    for meta in sorted((prefix / "conda-meta").glob("*.json")):
        try:
            data = json.loads(meta.read_text())
        except (OSError, ValueError):
            continue
        out.append(
            {
                k: data.get(k)
                for k in (
                    "name",
                    "version",
                    "build",
                    "build_number",
                    "channel",
                    "subdir",
                    "url",
                    "md5",
                    "sha256",
                )
            }
        )
    return sorted(out, key=lambda p: p["name"] or "")


def explicit_lines(packages: list[dict[str, Any]]) -> str:
    """conda's @EXPLICIT format: `conda create -n X --file FILE` reinstalls exactly these."""
    lines = ["@EXPLICIT"]
    for p in packages:
        if p.get("url"):
            lines.append(f"{p['url']}#{p['md5']}" if p.get("md5") else p["url"])
    return "\n".join(lines) + "\n"


def _read_ids(path: Path) -> dict[int, Any]:
    """A JSON map of generation id -> value kept beside the generations ({} if none)."""
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {int(k): v for k, v in data.items() if str(k).isdigit()}


def _write_ids(path: Path, values: dict[int, Any]) -> None:
    """Write such a map; an id whose value is None is dropped."""
    kept = {str(k): v for k, v in sorted(values.items()) if v is not None}
    atomic_write(path, (json.dumps(kept, indent=1) + "\n").encode())


def seal(prefix: Path) -> None:
    """Readable by all, writable by nobody but the owner (files hard-linked from the
    package cache share the inode, so the cache gets the same modes). The CACHEDIR.TAG
    files rattler leaves in prefixes go: backups run with --exclude-caches would skip
    the published trees. One walk does both (a tree has thousands of files)."""
    _seal_dir(prefix)
    mode = stat.S_IMODE(os.stat(prefix).st_mode)
    os.chmod(prefix, (mode | 0o555) & ~0o022)


def _seal_dir(path: Path | str) -> None:
    with os.scandir(path) as entries:
        for entry in entries:
            st = entry.stat(follow_symlinks=False)
            if stat.S_ISLNK(st.st_mode):
                continue
            if entry.name == "CACHEDIR.TAG" and stat.S_ISREG(st.st_mode):
                os.unlink(entry.path)
                continue
            mode = stat.S_IMODE(st.st_mode)
            want = (mode | 0o444) & ~0o022
            is_dir = stat.S_ISDIR(st.st_mode)
            if is_dir or mode & 0o100:
                want |= 0o111
            if want != mode:
                os.chmod(entry.path, want)
            if is_dir:
                _seal_dir(entry.path)


@dataclass(frozen=True)
class Usage:
    size: int  # bytes on disk, each inode counted once within the generation
    own: int  # bytes only this generation holds (what removing it frees)


def disk_usage(generations: list[Generation]) -> dict[int, Usage]:
    """Disk use per generation, hard links counted once."""
    out: dict[int, Usage] = {}
    for gen in generations:
        seen: dict[tuple[int, int], list[int]] = {}
        for dirpath, dirnames, filenames in os.walk(gen.path):
            for name in (*dirnames, *filenames):
                try:
                    st = os.lstat(os.path.join(dirpath, name))
                except OSError:
                    continue
                key = (st.st_dev, st.st_ino)
                if key in seen:
                    seen[key][0] += 1
                else:
                    seen[key] = [1, st.st_nlink, st.st_blocks * 512]
        size = sum(v[2] for v in seen.values())
        own = sum(v[2] for v in seen.values() if v[0] >= v[1])
        out[gen.id] = Usage(size, own)
    return out


def _make_writable_and_retry(func: Any, path: str, _exc: Any) -> None:
    parent = os.path.dirname(path)
    os.chmod(parent, stat.S_IMODE(os.stat(parent).st_mode) | 0o700)
    func(path)
