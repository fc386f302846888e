"""Run py-rattler in a worker process: start it, send it requests, read their results.

py-rattler takes a while to load (its native module is 80 MB) and can crash at
interpreter exit (FACTS.md), so pyherd never imports it: a worker process does.
A worker loads py-rattler as soon as it starts, then answers requests one at a time.
A command opens a `session` before it reads the site, so py-rattler loads while
Python reads pyherd and the site, and every request of the command (autoupdate's
solve and then its build) goes to that one process.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from pathlib import Path
from typing import IO, Any

from pyherd.errors import JobFailed


def on_parent_death(sig: signal.Signals) -> Callable[[], None]:
    """A preexec_fn: the child gets `sig` when pyherd dies (Linux PR_SET_PDEATHSIG)."""

    def arm() -> None:
        with contextlib.suppress(OSError):
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, sig)

    return arm


class Worker:
    """One worker process: requests go to its stdin and results come back on a pipe of
    their own, one JSON line each. Its stderr goes to a file when `quiet` (the last lines
    are quoted if it dies), else to pyherd's (progress bars at a terminal)."""

    def __init__(self, quiet: bool = True):
        # closed by close(), like the process and its pipes
        self._stderr: IO[bytes] | None = tempfile.TemporaryFile() if quiet else None  # noqa: SIM115
        read_fd, write_fd = os.pipe()
        try:
            self._proc = subprocess.Popen(
                [sys.executable, "-m", "pyherd.conda.worker", str(write_fd)],
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL if quiet else None,
                stderr=self._stderr,
                pass_fds=(write_fd,),
                preexec_fn=on_parent_death(signal.SIGKILL),  # the worker goes with pyherd
            )
        finally:
            os.close(write_fd)
        self._results = os.fdopen(read_fd, "rb")

    @property
    def alive(self) -> bool:
        return self._proc.poll() is None

    def request(self, request: dict[str, Any]) -> dict[str, Any]:
        """The worker's result dict; JobFailed when it died before reporting."""
        assert self._proc.stdin is not None
        with contextlib.suppress(BrokenPipeError):  # it died: the result pipe says so
            self._proc.stdin.write(json.dumps(request).encode() + b"\n")
            self._proc.stdin.flush()
        line = self._results.readline()
        if not line:
            code = self._proc.wait()
            message = f"the py-rattler worker died (exit {code}) before reporting"
            message += self._stderr_tail()
            self.close()
            raise JobFailed(message)
        return json.loads(line)

    def _stderr_tail(self) -> str:
        if self._stderr is None:
            return ""
        self._stderr.seek(0)
        tail = self._stderr.read().decode(errors="replace").strip().splitlines()[-3:]
        return ": " + " | ".join(tail) if tail else ""

    def close(self) -> None:
        """Stop the worker. Every result it owed is in hand, so it is killed, not waited
        for: nothing of it is left half-done, and its exit-time crash never happens."""
        if self._proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self._proc.kill()
        self._proc.wait()
        with contextlib.suppress(BrokenPipeError):
            self._proc.stdin.close()  # type: ignore[union-attr]
        self._results.close()
        if self._stderr is not None:
            self._stderr.close()


_session: ContextVar[Worker | None] = ContextVar("pyherd_worker", default=None)


@contextlib.contextmanager
def session(quiet: bool | None = None) -> Iterator[None]:
    """Start a worker now; `run_worker` calls in the block use it. `quiet` defaults to
    "stderr is not a terminal" (the progress rule)."""
    worker = Worker(quiet=not sys.stderr.isatty() if quiet is None else quiet)
    token = _session.set(worker)
    try:
        yield
    finally:
        _session.reset(token)
        worker.close()


def run_worker(request: dict[str, Any], *, quiet: bool = True) -> dict[str, Any]:
    """The result of one request: in the open session's worker, else in a new one."""
    worker = _session.get()
    if worker is not None and worker.alive:
        return worker.request(request)
    worker = Worker(quiet=quiet)
    try:
        return worker.request(request)
    finally:
        worker.close()


def index_channel(channel: Path) -> None:
    """Write repodata.json for a local channel directory (noarch/, linux-64/, ...)."""
    result = run_worker({"op": "index", "channel": str(channel)})
    if not result["ok"]:
        raise JobFailed(f"{channel}: indexing failed: {result['error']}")
