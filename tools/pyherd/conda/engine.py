"""Run the py-rattler worker in a child process and read its result file."""

from __future__ import annotations

import contextlib
import ctypes
import json
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pyherd.errors import JobFailed


def on_parent_death(sig: signal.Signals) -> Callable[[], None]:
    """A preexec_fn: the child gets `sig` when pyherd dies (Linux PR_SET_PDEATHSIG)."""

    def arm() -> None:
        with contextlib.suppress(OSError):
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, sig)

    return arm


def run_worker(request: dict[str, Any], *, quiet: bool = True) -> dict[str, Any]:
    """The worker's result dict; JobFailed when it left no result at all."""
    with tempfile.TemporaryDirectory(prefix="pyherd-worker-") as tmp:
        req = Path(tmp) / "request.json"
        res = Path(tmp) / "result.json"
        req.write_text(json.dumps(request))
        proc = subprocess.run(
            [sys.executable, "-m", "pyherd.conda.worker", str(req), str(res)],
            stdout=subprocess.DEVNULL if quiet else None,
            stderr=subprocess.PIPE if quiet else None,
            text=True,
            preexec_fn=on_parent_death(signal.SIGKILL),  # the worker goes with pyherd
            check=False,
        )
        if not res.is_file():  # no result: it died before finishing (a crash at exit
            # happens only after the result file is in place)
            detail = (proc.stderr or "").strip().splitlines()[-3:] if quiet else []
            raise JobFailed(
                f"the py-rattler worker died (exit {proc.returncode}) before reporting"
                + (": " + " | ".join(detail) if detail else "")
            )
        return json.loads(res.read_text())


def index_channel(channel: Path) -> None:
    """Write repodata.json for a local channel directory (noarch/, linux-64/, ...)."""
    result = run_worker({"op": "index", "channel": str(channel)})
    if not result["ok"]:
        raise JobFailed(f"{channel}: indexing failed: {result['error']}")
