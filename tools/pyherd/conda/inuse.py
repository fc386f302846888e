"""Which generations running processes still use, as far as /proc lets us see.

A process uses a generation when its executable or working directory lies inside it,
or when its environment names it (PATH entries, CONDA_EXE, the pin a loaded module
keeps). /proc shows the environment a program started with: a running job or python
is seen, but an idle shell's own later exports are not, nor are processes pyherd may
not read (another user's, without root); the minimum age gc keeps a superseded
generation covers those.
"""

from __future__ import annotations

import os
import re
from pathlib import Path


def in_use(generations: list[Path], proc: Path = Path("/proc")) -> dict[Path, int]:
    """Each generation some process uses, with one such process id."""
    if not generations:
        return {}
    wanted = {str(g.resolve()): g for g in generations}
    names = re.compile(
        b"(?:^|[=:\\0])(" + b"|".join(re.escape(k.encode()) for k in wanted) + b")(?:[/:\\0]|$)"
    )
    found: dict[Path, int] = {}
    for entry in os.scandir(proc):
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        pid = int(entry.name)
        for link in ("exe", "cwd"):
            try:
                target = os.readlink(os.path.join(entry.path, link))
            except OSError:
                continue
            for key, gen in wanted.items():
                if target == key or target.startswith(key + "/"):
                    found.setdefault(gen, pid)
        try:
            with open(os.path.join(entry.path, "environ"), "rb") as handle:
                environ = handle.read()
        except OSError:
            continue
        for match in names.finditer(environ):
            found.setdefault(wanted[match.group(1).decode()], pid)
        if len(found) == len(wanted):
            break
    return found
