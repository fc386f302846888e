"""Remove old conda tree generations: keep the newest N ready ones and the current one.

Failed and half-built generations go too. N is the tree's `keep` unless --keep is
given. The current generation is never removed, whatever N is; nor is one that
stopped being current fewer than the tree's `min_age_days` ago (--min-age-days),
since shells and jobs that loaded the module then still run from it, nor one a
running process visibly uses (its executable, working directory or environment).
"""

from __future__ import annotations

import argparse

from pyherd import options
from pyherd.conda.maintain import gc
from pyherd.project import Paths, tree_and_condarc


def add_arguments(parser: argparse.ArgumentParser) -> None:
    options.tree(parser)
    parser.add_argument("--keep", type=int, metavar="N", help="ready generations to keep")
    parser.add_argument(
        "--min-age-days",
        type=float,
        metavar="DAYS",
        help="keep what stopped being current fewer days ago (default: the tree's min_age_days)",
    )
    options.dry_run(parser, "list what would be removed")


def run(args: argparse.Namespace, paths: Paths) -> int:
    plan, _ = tree_and_condarc(paths, args.site, args.tree)
    done = gc(plan, args.keep, min_age_days=args.min_age_days, dry_run=args.dry_run)
    ids = ", ".join(map(str, done.removed)) or "nothing"
    if not done.installed:
        print(f"{plan.tree}: nothing installed")
    elif args.dry_run:
        print(f"{plan.tree}: would remove {ids}")
    else:
        print(f"{plan.tree}: removed {ids} (keep {done.keep})")
    for gid, why in sorted(done.held.items()):
        print(f"{plan.tree}: kept generation {gid}: {why}")
    return 0
