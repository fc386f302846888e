"""Put rendered files on disk: atomic, change-only, and only what pyherd owns.

A manifest (one relative path per line) records what pyherd wrote, so files it
no longer declares are removed and files it never wrote are never touched. Every
path, declared or read back from a manifest, is joined under the root by
pyherd.layout (a manifest line holding `..` is refused, not followed).
"""

from __future__ import annotations

import contextlib
import difflib
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from pyherd.errors import JobFailed
from pyherd.layout import join, under

MANIFEST_HEADER = "# Files pyherd wrote for this site; it removes only these.\n"


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


def read_manifest(root: Path, manifest: str) -> list[str]:
    path = under(root, manifest)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return []
    return [line for line in lines if line and not line.startswith("#")]


def current_bytes(path: Path) -> bytes | None:
    """The file's bytes, or None when it is not there (or not a file)."""
    try:
        return path.read_bytes()
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        return None


def plan_write(root: Path, files: dict[str, str], manifest: str) -> Plan:
    owned = set(read_manifest(root, manifest))
    plan = Plan()
    for rel, text in sorted(files.items()):
        current = current_bytes(under(root, rel))
        if current is None:
            plan.create.append(rel)
        elif current == text.encode("utf-8"):
            plan.unchanged.append(rel)
        elif rel in owned:
            plan.update.append(rel)
        else:
            plan.foreign.append(rel)
    plan.remove = sorted(rel for rel in owned - set(files) if under(root, rel).exists())
    return plan


def diff(root: Path, files: dict[str, str], plan: Plan) -> str:
    """A unified diff of what a write would change."""
    out: list[str] = []
    for rel in plan.changes:
        before = (
            (current_bytes(under(root, rel)) or b"").decode("utf-8", "replace").splitlines(True)
        )
        after = files.get(rel, "").splitlines(True)
        out.extend(difflib.unified_diff(before, after, f"a/{rel}", f"b/{rel}"))
    return "".join(out)


def atomic_write(path: Path, data: bytes, mode: int = 0o644, *, sync: bool = True) -> None:
    """Write beside the target, then rename over it: readers see old or new, never half.

    sync=False leaves flushing to the caller (one os.sync() after many files)."""
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            if sync:
                os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def write_files(root: Path, files: dict[str, str], manifest: str) -> Plan:
    """Apply the plan; refuse (nothing written) if a declared file belongs to someone else."""
    plan = plan_write(root, files, manifest)
    if plan.foreign:
        names = ", ".join(str(under(root, rel)) for rel in plan.foreign)
        raise JobFailed(
            f"refusing to overwrite files pyherd did not write: {names} "
            "(move them away, then render again)"
        )
    if not plan.changes and set(read_manifest(root, manifest)) == set(files):
        return plan
    # Record intent first: a crash between here and the end leaves every file we
    # may have written listed, so a rerun still owns and cleans them.
    union = sorted(set(read_manifest(root, manifest)) | set(files))
    _write_manifest(root, manifest, union)
    _publish(root, {rel: files[rel].encode("utf-8") for rel in plan.create + plan.update})
    for rel in plan.remove:
        under(root, rel).unlink()
        _prune(root, under(root, rel).parent)
    _write_manifest(root, manifest, sorted(files))
    return plan


def _publish(root: Path, data: dict[str, bytes]) -> None:
    """Write every file beside its target, make them durable with one sync, then rename.

    One sync for the batch instead of one fsync per file: a 10,000-file render spends
    seconds in per-file fsyncs. Readers see each file old or new, never half. A top
    directory that does not exist yet (a site's first render) is written whole into a
    staging directory and renamed into place, so it appears complete at once.
    """
    fresh = {rel.split("/", 1)[0] for rel in data if "/" in rel}
    fresh = {top for top in fresh if not under(root, top).exists()}
    staging = {top: under(root, f".{top}.pyherd-staging") for top in fresh}
    staged: list[tuple[Path, Path]] = []
    made: set[Path] = set()
    try:
        for stage in staging.values():
            shutil.rmtree(stage, ignore_errors=True)  # left by an interrupted render
        for rel, content in data.items():
            top, _, rest = rel.partition("/")
            if top in staging:
                path = staging[top] / join(rest)
            else:
                target = under(root, rel)
                path = target.with_name(f".{target.name}.pyherd-tmp")
                staged.append((path, target))
            if path.parent not in made:
                path.parent.mkdir(parents=True, exist_ok=True)
                made.add(path.parent)
            with open(path, "wb") as handle:
                handle.write(content)
            os.chmod(path, 0o644)
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


def _write_manifest(root: Path, manifest: str, paths: list[str]) -> None:
    data = (MANIFEST_HEADER + "".join(f"{p}\n" for p in paths)).encode("utf-8")
    if current_bytes(under(root, manifest)) != data:
        atomic_write(under(root, manifest), data)


def _prune(root: Path, directory: Path) -> None:
    """Remove directories left empty by a removal, up to the root."""
    root = root.resolve()
    directory = directory.resolve()
    while directory != root and root in directory.parents:
        try:
            directory.rmdir()
        except OSError:
            return
        directory = directory.parent
