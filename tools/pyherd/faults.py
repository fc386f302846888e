"""Named crash points for crash-consistency tests: PYHERD_KILL_AT=name[,name] SIGKILLs there;
PYHERD_STOP_AT=name[,name] stops the process there (SIGSTOP) until a test continues it,
so a race can be staged at the exact moment it would hurt.

The code under test is the real one; a checkpoint only lets a test (or an admin
rehearsing a failure) kill the process at a chosen moment instead of a random one.
"""

from __future__ import annotations

import os
import signal
import sys


def checkpoint(name: str) -> None:
    wanted = os.environ.get("PYHERD_KILL_AT", "")
    if wanted and name in wanted.split(","):
        sys.stdout.flush()
        sys.stderr.flush()
        os.kill(os.getpid(), signal.SIGKILL)
    stop = os.environ.get("PYHERD_STOP_AT", "")
    if stop and name in stop.split(","):
        sys.stdout.flush()
        sys.stderr.flush()
        os.kill(os.getpid(), signal.SIGSTOP)
