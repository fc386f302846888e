"""Point a conda tree's `current` back at an earlier ready generation (one rename).

Without --to, the newest ready generation older than the current one. Users who
load the module afterwards get it; nothing is reinstalled or deleted. The
generation rolled back from is marked, and autoupdate will not publish that exact
solution again by itself; rolling forward to it with --to clears the mark.
"""

from __future__ import annotations

import argparse

from pyherd import options
from pyherd.conda.maintain import rollback
from pyherd.project import Paths, tree_and_condarc


def add_arguments(parser: argparse.ArgumentParser) -> None:
    options.tree(parser)
    parser.add_argument("--to", type=int, metavar="ID", help="the generation to make current")
    options.dry_run(parser, "say what would change")


def run(args: argparse.Namespace, paths: Paths) -> int:
    plan, _ = tree_and_condarc(paths, args.site, args.tree)
    done = rollback(plan, args.to, dry_run=args.dry_run)
    if done.target == done.previous:
        print(f"{plan.tree}: generation {done.previous} is already current")
    elif not done.done:
        print(
            f"would point {plan.layout.current} at generation {done.target} (now {done.previous})"
        )
    else:
        print(f"{plan.tree}: generation {done.target} is current (was {done.previous})")
    return 0
