"""Trees the index creates whole: a first index, a new arch, a lost `.index/p`.

Such a tree is written straight into a hidden sibling directory by a few threads,
flushed, and renamed into place: readers see no tree or all of it, and each of tens
of thousands of pages and links costs one create instead of a create and a rename.
A run that fails or is killed leaves only the hidden directory, which the next run
(under the same lock) removes.
"""

from __future__ import annotations

import errno
import os
import shutil
from pathlib import Path

MARK = ".pyherd-staging-"  # .<tree>.pyherd-staging-<pid>
CHUNK = 512  # entries per task: large enough to amortise, small enough to spread
WORKERS = 4  # creates in different directories run in parallel in the kernel

# (path in the tree, file bytes or None, wheel to hard-link, symlink target if it cannot be)
Entry = tuple[str, bytes | None, str | None, str | None]


class Staged:
    """One tree being built: its final path, its hidden directory and its entries."""

    def __init__(self, final: Path):
        self.final = final
        self.hidden = final.with_name(f".{final.name}{MARK}{os.getpid()}")
        self.entries: list[Entry] = []

    def file(self, rel: str, data: bytes) -> None:
        self.entries.append((rel, data, None, None))

    def link(self, rel: str, source: str, fallback: str) -> None:
        self.entries.append((rel, None, source, fallback))


def link(source: str, path: str, fallback: str) -> None:
    """A find-links entry: a hard link to the wheel (one directory entry, no inode of its
    own), else, where the file system or its owner refuses that, a symlink."""
    try:
        os.link(source, path, follow_symlinks=False)
    except OSError as exc:
        if exc.errno not in _NO_HARD_LINK:
            raise
        os.symlink(fallback, path)


# another file system, not permitted (fs.protected_hardlinks), too many links, unsupported
_NO_HARD_LINK = {errno.EXDEV, errno.EPERM, errno.EMLINK, errno.EOPNOTSUPP, errno.EACCES}


def sweep(parents: list[Path]) -> None:
    """Remove hidden trees a failed or killed run left in these directories."""
    for parent in parents:
        try:
            names = os.listdir(parent)
        except OSError:
            continue
        for name in names:
            if name.startswith(".") and MARK in name:
                path = parent / name
                if path.is_symlink():  # not ours: never followed, only removed
                    path.unlink()
                else:
                    shutil.rmtree(path, ignore_errors=True)


def fill(trees: list[Staged]) -> None:
    """Write every tree's entries into its hidden directory; on any error all hidden
    directories are removed and the error raised (nothing was published)."""
    from concurrent.futures import ThreadPoolExecutor  # not for a run with nothing new

    tasks = []
    for tree in trees:
        tree.hidden.parent.mkdir(parents=True, exist_ok=True)
        os.mkdir(tree.hidden)
        entries = tree.entries
        tasks.append([(tree.hidden, entries[i : i + CHUNK]) for i in range(0, len(entries), CHUNK)])
    # round robin across trees: each thread works in a different directory
    ordered = [task for group in _interleave(tasks) for task in group]
    try:
        with ThreadPoolExecutor(WORKERS) as pool:
            for _ in pool.map(_write, ordered):
                pass
    except BaseException:
        discard(trees)
        raise


def publish(trees: list[Staged]) -> None:
    """Rename each hidden tree into place (the caller flushed them first)."""
    for tree in trees:
        os.rename(tree.hidden, tree.final)


def discard(trees: list[Staged]) -> None:
    for tree in trees:
        shutil.rmtree(tree.hidden, ignore_errors=True)


def _interleave(groups: list[list[tuple[Path, list[Entry]]]]) -> list[list]:
    longest = max((len(g) for g in groups), default=0)
    return [[g[i] for g in groups if i < len(g)] for i in range(longest)]


def _mkdir(path: str) -> None:
    try:
        os.mkdir(path)
    except FileExistsError:
        pass
    except FileNotFoundError:
        os.makedirs(path, exist_ok=True)


def _write(task: tuple[Path, list[Entry]]) -> None:
    base, entries = task
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
    for rel, data, source, fallback in entries:
        path = f"{base}/{rel}"
        if "/" in rel:
            _mkdir(path.rpartition("/")[0])
        if source is not None:
            link(source, path, fallback or "")
            continue
        fd = os.open(path, flags, 0o644)
        try:
            view = memoryview(data or b"")
            while view:
                view = view[os.write(fd, view) :]
        finally:
            os.close(fd)
