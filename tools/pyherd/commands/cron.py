"""Print what runs `pyherd autoupdate` on a schedule: crontab lines, or a systemd pair.

The schedule, log file and MAILTO come from the site's conda.autoupdate; the
command is this pyherd (its absolute path) run from this directory, so pasting
the output installs exactly what was tested here. The systemd timer fires at the
same minutes as the crontab line (the schedule is converted, not re-typed).
Nothing is installed or written: redirect one part with --only, e.g.
  pyherd cron --site S --only timer > /etc/systemd/system/pyherd-autoupdate-S.timer
"""

from __future__ import annotations

import argparse
import os
import pwd
import sys
from pathlib import Path

from pyherd import schedule
from pyherd.commands.autoupdate import select
from pyherd.conda.plan import literal_root
from pyherd.project import Paths, load_sites
from pyherd.render import site_environment
from pyherd.units import Job, systemd_path

PARTS = {"crontab": "crontab.j2", "service": "service.j2", "timer": "timer.j2"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--site", required=True, help="the site whose autoupdate to schedule")
    parser.add_argument(
        "--only", choices=tuple(PARTS), help="print just this part, ready to redirect to a file"
    )


def run(args: argparse.Namespace, paths: Paths) -> int:
    item = load_sites(paths, [args.site])[0]
    plans = select(item, None)
    site = item.site
    assert site.conda is not None and site.conda.autoupdate is not None
    settings = site.conda.autoupdate
    root = literal_root(site)
    log = settings.log or str(root / ".autoupdate.log")
    argv = [*_pyherd(), "autoupdate", "--site", site.name, "--quiet", "--log", log]
    if paths.sites != Path("sites"):
        argv += ["--sites", str(paths.sites.resolve())]
    if args.templates is not None:
        argv += ["--templates", str(paths.templates.resolve())]
    owner = _owner(root)
    job = Job(
        site=site.name,
        trees=tuple(p.tree for p in plans),
        schedule=schedule.parse(settings.schedule),
        workdir=str(Path.cwd()),
        argv=tuple(argv),
        log=log,
        root=str(root),
        owner=owner,
        mailto=settings.mailto,
    )
    env = site_environment(site, paths.templates)
    env.filters["systemd_path"] = systemd_path
    names = [args.only] if args.only else list(PARTS)
    for i, name in enumerate(names):
        text = env.get_template(f"autoupdate/{PARTS[name]}").render(job=job, site=site)
        if not args.only:
            target = "crontab" if name == "crontab" else f"{job.unit}.{name}"
            print(f"{'' if i == 0 else chr(10)}# ==> {target} <==")
        sys.stdout.write(text)
    return 0


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
