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
from pathlib import Path

from pyherd import options
from pyherd.conda.engine import session
from pyherd.errors import ConfigError, JobFailed
from pyherd.options import Paths
from pyherd.table import aligned


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "tree",
        nargs="?",
        help="the tree's name under conda.trees (default: every tree, each "
        "built in turn, then each built one made current, as --slurm does on the cluster)",
    )
    options.site(parser, "the site whose tree it is")
    options.dry_run(
        parser, "solve and print what would be installed (with --slurm: the job scripts)"
    )
    parser.add_argument(
        "--allow-world-writable",
        action="store_true",
        help="install even if the root or tree directory is world-writable",
    )
    parser.add_argument(
        "--slurm",
        action="store_true",
        help="build on the cluster instead: a job array per architecture (slurm.archs), then "
        "a job that publishes what was built once every task is done; follow it with "
        "`pyherd jobs`",
    )
    # what the job scripts run on the nodes: a task, and the publish job
    parser.add_argument("--slurm-task", metavar="KEY", help=argparse.SUPPRESS)
    parser.add_argument("--slurm-dir", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--slurm-publish", type=Path, metavar="DIR", help=argparse.SUPPRESS)


def run(args: argparse.Namespace, paths: Paths) -> int:
    if args.slurm or args.slurm_task or args.slurm_publish:
        return _slurm(args, paths)
    if args.tree is None:
        return _every_tree(args, paths)
    return _here(args, paths)


def _every_tree(args: argparse.Namespace, paths: Paths) -> int:
    """Every tree of the site, here: the plan `--slurm` submits, run without Slurm."""
    from pyherd.project import load_one
    from pyherd.slurm import install as tasks

    item = load_one(paths, args.site)
    trees = [plan.tree for plan in item.trees]
    if not trees:
        raise ConfigError(f"{item.site.file}: the site declares no conda trees")
    if args.dry_run:
        for tree in trees:
            args.tree = tree
            _here(args, paths)
        return 0
    rows = tasks.run_here(paths, item, trees, args.allow_world_writable)
    print(aligned(("tree", "result"), rows))
    failed = [row for row in rows if not row[1].startswith("published")]
    if failed:
        raise JobFailed(f"{len(failed)} of {len(rows)} trees not published")
    return 0


def _slurm(args: argparse.Namespace, paths: Paths) -> int:
    from pyherd.project import load_one
    from pyherd.slurm import install as cluster

    item = load_one(paths, args.site)
    if args.slurm_publish:
        rows = cluster.publish(item, args.slurm_publish)
        print(aligned(("tree", "job", "result", "log"), rows))
        failed = [row for row in rows if not row[2].startswith("published")]
        if failed:
            raise JobFailed(f"{len(failed)} of {len(rows)} trees not published")
        return 0
    if args.slurm_task:
        if args.slurm_dir is None:
            raise ConfigError("--slurm-task needs --slurm-dir")
        return cluster.run_task(paths, item, args.slurm_task, args.slurm_dir)
    trees = [args.tree] if args.tree else [plan.tree for plan in item.trees]
    for tree in trees:
        item.tree(tree)
    print("\n".join(cluster.submit(paths, item, trees, dry_run=args.dry_run)))
    return 0


def _here(args: argparse.Namespace, paths: Paths) -> int:
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
