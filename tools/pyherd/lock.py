"""One flock per tree: a second run exits 75 naming the holder; a dead holder never blocks.

The kernel drops an flock when its process dies, so a lock file left behind by a
killed run is free again at once. A run that may find nothing to do takes the
lock without writing (announce=False), so a no-op leaves every file as it was.
A waiting run names the holder from /proc/locks (PID, start time, command line),
else from the line a working holder writes into the lock file (other hosts).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import sys
import time
from pathlib import Path
from types import TracebackType

from pyherd.errors import JobFailed, Locked


class TreeLock:
    def __init__(self, path: Path, *, announce: bool = True):
        """announce=False: take the lock silently; call announce() once there is work."""
        self.path = path
        self._fd: int | None = None
        self._announced = False
        self._announce_now = announce

    def __enter__(self) -> TreeLock:
        if self.path.is_dir():  # a directory is its own lock: nothing is created in it
            fd = os.open(self.path, os.O_RDONLY | os.O_DIRECTORY)
            self._announce_now = False
            self._announced = True  # nothing to write, nothing to truncate
        else:
            fd = _open_lock(self.path)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            inode = os.fstat(fd).st_ino
            written = "" if self._announced else os.pread(fd, 512, 0).decode(errors="replace")
            os.close(fd)
            holder = holder_on_this_host(inode) or written.strip() or "a process on another host?"
            raise Locked(
                f"{self.path}: another pyherd run holds the lock ({holder}); try again later"
            ) from None
        self._fd = fd
        if self._announce_now:
            self.announce()
        return self

    def announce(self) -> None:
        """Write who holds the lock into the file (best effort: a full disk only loses this)."""
        if self._fd is None or self._announced:
            return  # (a directory lock is born announced: it has no file to write)
        stamp = time.strftime("%Y-%m-%d %H:%M:%S %z")
        text = f"pid {os.getpid()}, started {stamp}: pyherd {' '.join(sys.argv[1:3])}\n"
        with contextlib.suppress(OSError):
            os.ftruncate(self._fd, 0)
            os.pwrite(self._fd, text.encode(), 0)
            self._announced = True

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._fd is not None:
            if self._announced and not self.path.is_dir():
                with contextlib.suppress(OSError):
                    os.ftruncate(self._fd, 0)
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


def _open_lock(path: Path) -> int:
    """The lock file, never through a link (a planted one would be truncated): its
    directory may not be a link either."""
    refusal = "is a symbolic link; pyherd takes no lock through one"
    if path.parent.is_symlink():
        raise JobFailed(f"{path.parent}: {refusal}")
    try:
        return os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o644)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise JobFailed(f"{path}: {refusal}") from None
        raise


def holder_on_this_host(inode: int) -> str | None:
    """'pid N, started T: CMD' for the process holding an flock on `inode`, if local."""
    try:
        lines = Path("/proc/locks").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        fields = line.split()
        # 1: FLOCK  ADVISORY  WRITE 8356 fe:00:2146321 0 EOF  (a "->" marks a waiter)
        if len(fields) >= 6 and fields[1] == "FLOCK" and fields[5].endswith(f":{inode}"):
            pid = fields[4]
            return f"pid {pid}, started {_started(pid)}: {_command(pid)}"
    return None


def _started(pid: str) -> str:
    try:
        ticks = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19])
        boot = next(
            int(line.split()[1])
            for line in Path("/proc/stat").read_text().splitlines()
            if line.startswith("btime ")
        )
    except (OSError, ValueError, IndexError, StopIteration):
        return "at an unknown time"
    when = boot + ticks / os.sysconf("SC_CLK_TCK")
    return time.strftime("%Y-%m-%d %H:%M:%S %z", time.localtime(when))


def _command(pid: str) -> str:
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return "?"
    text = " ".join(" ".join(a.decode(errors="replace") for a in argv).split())
    return text if len(text) <= 160 else text[:157] + "..."
