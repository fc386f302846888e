"""The autoupdate job as cron and systemd see it: who runs it, where, with which command
line, quoted for each.

The job is this pyherd run from this directory as the owner of the conda root. cron
hands the line to /bin/sh, where `%` means newline; systemd splits ExecStart itself,
expands `%` specifiers and `$` variables. One list of words is quoted for each, so a
path with a space, quote or `%` reaches pyherd as written.
"""

from __future__ import annotations

import os
import pwd
import re
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pyherd import schedule
from pyherd.conda.layout import autoupdate_log
from pyherd.conda.plan import literal_root
from pyherd.schedule import Schedule

if TYPE_CHECKING:
    from pyherd.project import Loaded, Paths

PARTS = {"crontab": "crontab.j2", "service": "service.j2", "timer": "timer.j2"}

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


def job_for(item: Loaded, paths: Paths, trees: tuple[str, ...], templates: bool) -> Job:
    """The autoupdate job of a site, run by this pyherd from this directory.

    `templates`: the caller named its templates, so the job names them too."""
    site = item.site
    assert site.conda is not None
    settings = site.conda.autoupdate
    root = literal_root(site)
    log = settings.log or str(autoupdate_log(root))
    argv = [*_pyherd(), "autoupdate", "--site", site.name, "--quiet", "--log", log]
    if paths.sites.resolve() != (paths.project / "sites").resolve():
        argv += ["--sites", str(paths.sites.resolve())]
    if templates:
        argv += ["--templates", str(paths.templates.resolve())]
    return Job(
        site=site.name,
        trees=trees,
        schedule=schedule.parse(settings.schedule),
        workdir=str(paths.project.resolve()),
        argv=tuple(argv),
        log=log,
        root=str(root),
        owner=_owner(root),
        mailto=settings.mailto,
    )


def _pyherd() -> list[str]:
    """This pyherd, by absolute path: the venv's script, else `python -m pyherd`."""
    script = Path(sys.executable).parent / "pyherd"
    if script.is_file() and os.access(script, os.X_OK):
        return [str(script)]
    return [sys.executable, "-m", "pyherd"]


def _owner(root: Path) -> str | None:
    """The user who owns the root (the job runs as them); None when it is not there yet."""
    try:
        uid = root.stat().st_uid
    except OSError:
        return None
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)
