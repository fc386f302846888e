"""Install a conda tree as a new generation and make it current.

The new generation is built beside the published one (py-rattler, or the vendor's
installer with a mandatory sha256), gets the site's .condarc, is sealed read-only
for group and others, and must pass the tree's health checks. Only then does
`<root>/<tree>/current` move to it, in one rename. Generations beyond the tree's
`keep` are then collected (never the current one). Any failure leaves `current`
where it was; a half-built generation is removed now or by the next run.
"""

from __future__ import annotations

import argparse

from pyherd import options
from pyherd.conda.engine import session
from pyherd.options import Paths


def add_arguments(parser: argparse.ArgumentParser) -> None:
    options.tree(parser)
    options.dry_run(parser, "solve and print what would be installed; write nothing")
    parser.add_argument(
        "--allow-world-writable",
        action="store_true",
        help="install even if the root or tree directory is world-writable",
    )


def run(args: argparse.Namespace, paths: Paths) -> int:
    # the worker loads py-rattler while this process imports the rest of pyherd and reads
    # the site: on an unchanged tree that is a fifth of the whole install
    with session():
        from pyherd.conda.install import install, preview
        from pyherd.project import tree_and_condarc

        plan, condarc = tree_and_condarc(paths, args.site, args.tree)
        if args.dry_run:
            print("\n".join(preview(plan, condarc, args.allow_world_writable)))
            return 0
        outcome = install(plan, condarc, allow_world_writable=args.allow_world_writable)
    was = f" (was {outcome.previous})" if outcome.previous is not None else ""
    print(
        f"{plan.tree}: generation {outcome.generation} is current{was}: "
        f"{outcome.packages} packages in {outcome.seconds:.1f} s"
    )
    if outcome.cleaned:
        print(f"{plan.tree}: removed incomplete generations {_ids(outcome.cleaned)}")
    if outcome.collected:
        print(f"{plan.tree}: collected generations {_ids(outcome.collected)} (keep {plan.keep})")
    return 0


def _ids(ids: list[int]) -> str:
    return ", ".join(map(str, ids))
