"""One flock per tree: a second run exits 75 naming the holder; a dead holder never blocks.

The kernel drops an flock when its process dies, so a lock file left behind by a
killed run is free again at once; the PID and start time inside are only for the
message a waiting run prints.
"""

from __future__ import annotations

import fcntl
import os
import sys
import time
from pathlib import Path
from types import TracebackType

from pyherd.errors import Locked


class TreeLock:
    def __init__(self, path: Path):
        self.path = path
        self._fd: int | None = None

    def __enter__(self) -> TreeLock:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 512, 0).decode(errors="replace").strip() or "unknown"
            os.close(fd)
            raise Locked(
                f"{self.path}: another pyherd run holds the lock ({holder}); try again later"
            ) from None
        stamp = time.strftime("%Y-%m-%d %H:%M:%S %z")
        text = f"pid {os.getpid()}, started {stamp}: {' '.join(sys.argv[1:3]) or 'pyherd'}\n"
        os.ftruncate(fd, 0)
        os.pwrite(fd, text.encode(), 0)
        self._fd = fd
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._fd is not None:
            os.ftruncate(self._fd, 0)
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
