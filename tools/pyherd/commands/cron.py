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
import sys

from pyherd import options
from pyherd.conda.nightly import select
from pyherd.project import Paths, load_one
from pyherd.render import render_units
from pyherd.units import PARTS, job_for


def add_arguments(parser: argparse.ArgumentParser) -> None:
    options.site(parser, "the site whose autoupdate to schedule")
    parser.add_argument(
        "--only", choices=tuple(PARTS), help="print just this part, ready to redirect to a file"
    )


def run(args: argparse.Namespace, paths: Paths) -> int:
    item = load_one(paths, args.site)
    trees = tuple(plan.tree for plan in select(item, None))
    job = job_for(item, paths, trees, templates=args.templates is not None)
    parts = render_units(item.site, job, paths.templates)
    names = [args.only] if args.only else list(PARTS)
    for i, name in enumerate(names):
        if not args.only:
            target = "crontab" if name == "crontab" else f"{job.unit}.{name}"
            print(f"{'' if i == 0 else chr(10)}# ==> {target} <==")
        sys.stdout.write(parts[name])
    return 0
