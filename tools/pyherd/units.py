"""The autoupdate job as cron and systemd see it: its command line, quoted for each.

cron hands the line to /bin/sh, where `%` means newline; systemd splits ExecStart
itself, expands `%` specifiers and `$` variables. One list of words is quoted for
each, so a path with a space, quote or `%` reaches pyherd as written.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

from pyherd.schedule import Schedule

_SYSTEMD_PLAIN = re.compile(r"^[A-Za-z0-9_@%+=:,./-]+$")


def cron_quote(word: str) -> str:
    return shlex.quote(word).replace("%", "\\%")


def systemd_quote(word: str) -> str:
    """One ExecStart word: specifiers (%) and variables ($) taken literally."""
    word = word.replace("%", "%%").replace("$", "$$")
    if _SYSTEMD_PLAIN.match(word):
        return word
    return '"' + word.replace("\\", "\\\\").replace('"', '\\"') + '"'


def systemd_path(path: str) -> str:
    """A path setting such as WorkingDirectory=: no quoting, specifiers taken literally."""
    return path.replace("%", "%%")


@dataclass(frozen=True)
class Job:
    site: str
    trees: tuple[str, ...]
    schedule: Schedule
    workdir: str
    argv: tuple[str, ...]  # the whole command: pyherd ... autoupdate --site S ...
    log: str
    root: str
    owner: str | None  # the user owning root (the job runs as them); None: no such dir
    mailto: str | None = None

    @property
    def unit(self) -> str:
        return f"pyherd-autoupdate-{self.site}"

    @property
    def cron_command(self) -> str:
        words = " ".join(cron_quote(w) for w in self.argv)
        return f"cd {cron_quote(self.workdir)} && {words}"

    @property
    def systemd_command(self) -> str:
        return " ".join(systemd_quote(w) for w in self.argv)
