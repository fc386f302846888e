"""Put rendered files on disk: atomic, change-only, and only what pyherd owns.

A manifest (one relative path per line) records what pyherd wrote, so files it
no longer declares are removed and files it never wrote are never touched. Every
path, declared or read back from a manifest, is joined under the root by
pyherd.layout (a manifest line holding `..` is refused, not followed).
"""

from __future__ import annotations

import contextlib
import difflib
import errno
import os
import re
import shutil
import stat
import threading
from dataclasses import dataclass, field
from pathlib import Path

from pyherd.errors import ConfigError, JobFailed, Problem
from pyherd.faults import checkpoint
from pyherd.layout import SiteLayout, UnsafePath, join, linked, under, unlinked

MANIFEST_HEADER = "# Files pyherd wrote for this site; it removes only these.\n"
TEMP = ".pyherd-tmp-"  # .<name>.pyherd-tmp-<unique>: a file being written
STAGING = ".pyherd-staging-"  # .<top>.pyherd-staging-<unique>: a first render's tree
LEFTOVER = re.compile(r"\..*\.pyherd-(?:tmp|staging)-[A-Za-z0-9_]+")


@dataclass
class Plan:
    """What a write would do, computed before anything is touched."""

    create: list[str] = field(default_factory=list)
    update: list[str] = field(default_factory=list)
    remove: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)  # exists, not ours, would be overwritten

    @property
    def changes(self) -> list[str]:
        return sorted(self.create + self.update + self.remove)


def read_manifest(root: Path, layout: SiteLayout) -> list[str]:
    """The paths the site's manifest lists. A line that is not a path of this site's own
    tree or config dir (absolute, `..`, another site's) is a located error: pyherd
    deletes what its manifest lists, so a foreign line is never followed."""
    path = unlinked(root, layout.manifest)
    lines = _read(path)
    if lines is None:
        return []
    entries = []
    problems = []
    for number, line in enumerate(lines.decode("utf-8", "replace").splitlines(), 1):
        if not line or line.startswith("#"):
            continue
        try:
            join(line)
        except UnsafePath:
            owned = None
        else:
            owned = layout.local(line)
        if owned is None or line in (layout.manifest, layout.render_state):
            problems.append(
                Problem(
                    str(path),
                    number,
                    "",
                    f"{line!r} is not a file of site {layout.site!r}; a manifest lists only "
                    "the site's own files (restore the manifest from git; nothing was removed)",
                )
            )
        else:
            entries.append(line)
    if problems:
        raise ConfigError(problems)
    return entries


def _read(path: Path) -> bytes | None:
    """A file's bytes without following a final symlink; None when it is not a regular
    file (absent, or a directory); UnsafePath when it is a link."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except FileNotFoundError:
        return None
    except NotADirectoryError:
        return None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise linked(path) from None
        raise
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        return handle.read()


def current_bytes(path: Path) -> bytes | None:
    """The file's bytes, or None when it is not there (or not a file)."""
    try:
        return path.read_bytes()
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        return None


def plan_write(root: Path, files: dict[str, str], layout: SiteLayout) -> Plan:
    """What writing `files` would do; UnsafePath (nothing written) for a link on the way."""
    owned = set(read_manifest(root, layout))
    dirs: set[str] = set()
    plan = Plan()
    for rel, text in sorted(files.items()):
        current = _read(unlinked(root, rel, dirs))
        if current is None:
            plan.create.append(rel)
        elif current == text.encode("utf-8"):
            plan.unchanged.append(rel)
        elif rel in owned:
            plan.update.append(rel)
        else:
            plan.foreign.append(rel)
    for rel in sorted(owned - set(files)):
        path = unlinked(root, rel, dirs)
        if os.path.lexists(path):
            if path.is_symlink():  # a link where a file was is refused, not removed
                raise linked(path)
            plan.remove.append(rel)
    return plan


def diff(root: Path, files: dict[str, str], plan: Plan) -> str:
    """A unified diff of what a write would change."""
    out: list[str] = []
    for rel in plan.changes:
        before = (_read(under(root, rel)) or b"").decode("utf-8", "replace").splitlines(True)
        after = files.get(rel, "").splitlines(True)
        out.extend(difflib.unified_diff(before, after, f"a/{rel}", f"b/{rel}"))
    return "".join(out)


def atomic_write(path: Path, data: bytes, mode: int = 0o644, *, sync: bool = True) -> None:
    """Write beside the target, then rename over it: readers see old or new, never half.

    sync=False leaves flushing to the caller (one os.sync() after many files). The temp
    file is named for this process and thread, created exclusively, never through a
    link (a wheelhouse index writes tens of thousands of these)."""
    tmp = path.with_name(f".{path.name}{TEMP}{os.getpid()}_{threading.get_ident()}")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
    try:
        fd = os.open(tmp, flags, 0o600)
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(tmp, flags, 0o600)
    except FileExistsError:  # this very process and thread died here before: ours to clear
        os.unlink(tmp)
        fd = os.open(tmp, flags, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fchmod(fd, mode)
            if sync:
                os.fsync(fd)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def write_files(root: Path, files: dict[str, str], layout: SiteLayout) -> Plan:
    """Apply the plan; refuse (nothing written) if a declared file belongs to someone else.

    The caller holds the render lock (pyherd.modulefiles), so the temp files of an
    interrupted render, found by name, are swept first."""
    plan = plan_write(root, files, layout)
    if plan.foreign:
        names = ", ".join(str(under(root, rel)) for rel in plan.foreign)
        raise JobFailed(
            f"refusing to overwrite files pyherd did not write: {names} "
            "(move them away, then render again)"
        )
    for leftover in leftovers(root, layout):
        _clear(leftover)
    listed = set(read_manifest(root, layout))
    if not plan.changes and listed == set(files):
        return plan
    # Record intent first: a crash between here and the end leaves every file we
    # may have written listed, so a rerun still owns and cleans them.
    _write_manifest(root, layout, sorted(listed | set(files)))
    _publish(root, {rel: files[rel].encode("utf-8") for rel in plan.create + plan.update})
    for rel in plan.remove:
        under(root, rel).unlink()
        _prune(root, under(root, rel).parent)
    _write_manifest(root, layout, sorted(files))
    return plan


def leftovers(root: Path, layout: SiteLayout) -> list[Path]:
    """Temp files and staging dirs an interrupted render left in this site's areas."""
    found = [
        root / entry.name
        for entry in _entries(root)
        if LEFTOVER.fullmatch(entry.name)
        and entry.name.startswith((f".{layout.tree}.", f".{layout.config_dir.split('/')[0]}."))
    ]
    for top in (layout.tree, layout.config_dir):
        for directory, subdirs, names in os.walk(root / top):
            for name in [*names, *subdirs]:
                if LEFTOVER.fullmatch(name):
                    found.append(Path(directory) / name)
            subdirs[:] = [d for d in subdirs if not LEFTOVER.fullmatch(d)]
    return found


def strays(root: Path, layout: SiteLayout, files: dict[str, str]) -> list[Path]:
    """Files (and links) in the site's tree or config dir that pyherd did not declare."""
    known = {*files, layout.manifest, layout.render_state}
    found = []
    for top in (layout.tree, layout.config_dir):
        for directory, subdirs, names in os.walk(root / top):
            subdirs[:] = [d for d in subdirs if not LEFTOVER.fullmatch(d)]
            links = [d for d in subdirs if os.path.islink(os.path.join(directory, d))]
            for name in [*names, *links]:
                path = Path(directory) / name
                if not LEFTOVER.fullmatch(name) and path.relative_to(root).as_posix() not in known:
                    found.append(path)
    return sorted(found)


def _entries(root: Path) -> list[os.DirEntry[str]]:
    try:
        with os.scandir(root) as entries:
            return list(entries)
    except (FileNotFoundError, NotADirectoryError):
        return []


def _clear(path: Path) -> None:
    """Remove a file, a link (not what it points at) or a directory tree."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def _create(path: Path, content: bytes) -> None:
    """A new file, never through a link or over an existing file."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
    fd = os.open(path, flags, 0o644)
    with os.fdopen(fd, "wb") as handle:
        handle.write(content)
        os.fchmod(fd, 0o644)


WRITERS = 4  # threads creating files: a slow disk serves several creates at once


def _create_all(writes: list[tuple[Path, bytes]]) -> None:
    """Create every file, WRITERS at a time (the syscalls release the GIL); the first
    error is raised once all have stopped."""
    if len(writes) < 64:
        for path, content in writes:
            _create(path, content)
        return
    from concurrent.futures import ThreadPoolExecutor

    def chunk(part: list[tuple[Path, bytes]]) -> None:
        for path, content in part:
            _create(path, content)

    with ThreadPoolExecutor(max_workers=WRITERS, thread_name_prefix="write") as pool:
        list(pool.map(chunk, [writes[i::WRITERS] for i in range(WRITERS)]))


def _publish(root: Path, data: dict[str, bytes]) -> None:
    """Write every file beside its target, make them durable with one sync, then rename.

    One sync for the batch instead of one fsync per file: a 10,000-file render spends
    seconds in per-file fsyncs. Readers see each file old or new, never half. A top
    directory that does not exist yet (a site's first render) is written whole into a
    staging directory and renamed into place, so it appears complete at once. Temp
    names carry the process id and are created exclusively, never through a link.
    """
    unique = str(os.getpid())
    fresh = {rel.split("/", 1)[0] for rel in data if "/" in rel}
    fresh = {top for top in fresh if not os.path.lexists(under(root, top))}
    staging = {top: under(root, f".{top}{STAGING}{unique}") for top in fresh}
    staged: list[tuple[Path, Path]] = []
    made: set[Path] = set()
    try:
        for stage in staging.values():
            _clear(stage)
            stage.mkdir()
        writes: list[tuple[Path, bytes]] = []
        for rel, content in data.items():
            top, _, rest = rel.partition("/")
            if top in staging:
                path = staging[top] / join(rest)
            else:
                target = under(root, rel)
                path = target.with_name(f".{target.name}{TEMP}{unique}")
                staged.append((path, target))
            if path.parent not in made:
                path.parent.mkdir(parents=True, exist_ok=True)
                made.add(path.parent)
            writes.append((path, content))
        _create_all(writes)
        checkpoint("render-written")  # tests kill here: every file written, none published
        if data:
            os.sync()
        for tmp, target in staged:
            os.replace(tmp, target)
        for top, stage in staging.items():
            os.rename(stage, under(root, top))
    except BaseException:
        for tmp, _ in staged:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
        for stage in staging.values():
            shutil.rmtree(stage, ignore_errors=True)
        raise


def own(root: Path, layout: SiteLayout, rels: list[str]) -> None:
    """List files pyherd did not write in the site's manifest (pyherd adopt): from now
    on it owns them, and a render may rewrite them. Nothing else is written."""
    listed = set(read_manifest(root, layout))
    for rel in rels:
        unlinked(root, rel)  # a link on the way is refused, as for a write
    _write_manifest(root, layout, sorted(listed | set(rels)))


def _write_manifest(root: Path, layout: SiteLayout, paths: list[str]) -> None:
    data = (MANIFEST_HEADER + "".join(f"{p}\n" for p in paths)).encode("utf-8")
    target = unlinked(root, layout.manifest)
    if _read(target) != data:
        atomic_write(target, data)


def _prune(root: Path, directory: Path) -> None:
    """Remove directories left empty by a removal, up to the root (lexically: a link
    is not a directory to rmdir, so the walk stops there)."""
    while directory != root and root in directory.parents:
        try:
            directory.rmdir()
        except OSError:
            return
        directory = directory.parent
