"""Read a wheel for the index: a readable zip whose METADATA names the same project and
version as its file name, with its sha256 and Requires-Python. Many wheels are read on
every CPU (a full index of a large wheelhouse).

Wheels are hostile input: only a regular file is opened (never a link, a FIFO or a
device), only METADATA's header block is decompressed, at most HEADER_LIMIT bytes of
it (a zip bomb in its description costs nothing), and a header value holding a
control character is refused, since rows are tab-separated and shown on terminals.
"""

from __future__ import annotations

import hashlib
import io
import os
import stat
import zipfile
from pathlib import Path
from typing import BinaryIO

from packaging.version import InvalidVersion, Version

from pyherd.errors import JobFailed, first_control
from pyherd.wheelhouse.catalog import BadWheelName, Row, from_filename, normalize


class BadWheel(JobFailed):
    """A wheel that cannot be indexed: the index run fails and the previous index stays."""


HEADER_LIMIT = 1 << 20  # METADATA's header block: a few KiB in real wheels


def read_wheel(path: Path, arch: str) -> Row:
    """The wheel's row, after checking it is a readable zip whose METADATA matches its name."""
    try:
        named = from_filename(path.name, arch)
    except BadWheelName as exc:
        raise BadWheel(f"{path}: {exc}") from None
    with _open_regular(path) as fh:
        headers = _headers(_head(path, fh))
        for key, value in headers.items():
            bad = first_control(value)
            if bad is not None:
                raise BadWheel(f"{path}: METADATA {key} holds a control character ({bad!r})")
        fh.seek(0)
        digest = hashlib.sha256()
        while block := fh.read(1 << 20):
            digest.update(block)
    meta_name, meta_version = headers.get("Name", ""), headers.get("Version", "")
    if normalize(meta_name) != normalize(named.name):
        raise BadWheel(
            f"{path}: METADATA names project {meta_name!r}, the file name {named.name!r}"
        )
    try:
        same = Version(meta_version) == Version(
            named.version + (f"+{named.localversion}" if named.localversion else "")
        )
    except InvalidVersion:
        same = False
    if not same:
        raise BadWheel(
            f"{path}: METADATA says version {meta_version!r}, the file name "
            f"{named.version}{'+' + named.localversion if named.localversion else ''!s}"
        )
    return named._replace(  # the name as the file spells it: what avail_wheels shows
        requires_python=(headers.get("Requires-Python") or "").strip(),
        sha256=digest.hexdigest(),
    )


def same_contents(a: Path, b: Path) -> bool:
    """Whether two wheels hold the same files, modes and bytes. Two builds of one sdist
    differ in the zip's timestamps, so their files differ while their contents do not.
    False when either is not a readable regular zip."""
    try:
        with (
            _open_regular(a) as fa,
            _open_regular(b) as fb,
            zipfile.ZipFile(fa) as za,
            zipfile.ZipFile(fb) as zb,
        ):
            ours = {i.filename: i for i in za.infolist()}
            theirs = {i.filename: i for i in zb.infolist()}
            if ours.keys() != theirs.keys() or any(
                (i.file_size, i.external_attr >> 16)
                != (theirs[n].file_size, theirs[n].external_attr >> 16)
                for n, i in ours.items()
            ):
                return False
            return all(_same_member(za, zb, name) for name in sorted(ours))
    except (BadWheel, OSError, zipfile.BadZipFile, EOFError, RuntimeError):
        return False


def _same_member(za: zipfile.ZipFile, zb: zipfile.ZipFile, name: str) -> bool:
    with za.open(name) as one, zb.open(name) as other:
        while True:
            block = one.read(1 << 20)
            if block != other.read(len(block) or 1):
                return False
            if not block:
                return True


def _open_regular(path: Path) -> BinaryIO:
    """The wheel file, opened without following a link or blocking on a FIFO; BadWheel
    unless it is a regular file."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as exc:
        raise BadWheel(f"{path}: cannot open it: {exc.strerror or exc}") from None
    fh = os.fdopen(fd, "rb")
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        fh.close()
        raise BadWheel(f"{path}: not a regular file; the index reads only regular files")
    return fh


def _head(path: Path, fh: BinaryIO) -> str:
    """METADATA's header block; BadWheel if there is none or it is too long."""
    try:
        with zipfile.ZipFile(fh) as zf:
            metadata = next(
                (
                    n
                    for n in zf.namelist()
                    if n.count("/") == 1 and n.endswith(".dist-info/METADATA")
                ),
                None,
            )
            if metadata is None:
                raise BadWheel(f"{path}: no *.dist-info/METADATA inside: not a wheel")
            with zf.open(metadata) as member:
                head = _header_block(member)
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError) as exc:
        raise BadWheel(f"{path}: corrupt or unreadable: {exc}") from None
    if head is None:
        raise BadWheel(f"{path}: METADATA's headers run past {HEADER_LIMIT} bytes")
    return head.decode("utf-8", "replace")


def _header_block(member: io.BufferedIOBase) -> bytes | None:
    """METADATA up to its first blank line (None: no blank line in HEADER_LIMIT bytes);
    the description after it is never decompressed."""
    read = 0
    lines = []
    while line := member.readline(HEADER_LIMIT + 1 - read):  # a line without end is capped
        read += len(line)
        if read > HEADER_LIMIT:
            return None
        if not line.strip(b"\r\n"):
            break
        lines.append(line)
    return b"".join(lines)


def requires_dist(path: Path) -> list[str]:
    """The Requires-Dist lines of a wheel's METADATA (what it needs installed with it);
    lines holding a control character are left out. BadWheel as for read_wheel."""
    with _open_regular(path) as fh:
        head = _head(path, fh)
    out = []
    for line in head.splitlines():
        key, sep, value = line.partition(":")
        if sep and key == "Requires-Dist" and first_control(value) is None:
            out.append(value.strip())
    return out


def _headers(text: str) -> dict[str, str]:
    """The first Name, Version and Requires-Python of a METADATA header block."""
    found: dict[str, str] = {}
    for line in text.splitlines():
        if not line:
            break  # the body (description) starts
        key, sep, value = line.partition(":")
        if sep and key in ("Name", "Version", "Requires-Python") and key not in found:
            found[key] = value.strip()
    return found


def read_many(jobs: list[tuple[str, str]]) -> list[tuple[bool, str]]:
    """read_wheel over (path, arch) pairs: (True, row line) or (False, the problem)."""
    out = []
    for path, arch in jobs:
        try:
            out.append((True, read_wheel(Path(path), arch).line()))
        except BadWheel as exc:
            out.append((False, str(exc)))
    return out


def read_all(jobs: list[tuple[str, str]]) -> list[tuple[bool, str]]:
    """The same, on every CPU when there are many (a full index of a big wheelhouse)."""
    workers = min(os.cpu_count() or 1, 8)
    if len(jobs) < 500 or workers < 2:
        return read_many(jobs)
    from concurrent.futures import ProcessPoolExecutor

    size = 250
    chunks = [jobs[i : i + size] for i in range(0, len(jobs), size)]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return [item for chunk in pool.map(read_many, chunks) for item in chunk]
