"""Remove old conda tree generations: keep the newest N ready ones and the current one.

Failed and half-built generations go too. N is the tree's `keep` unless --keep is
given. The current generation is never removed, whatever N is.
"""

from __future__ import annotations

import argparse

from pyherd.commands.conda_site import add_tree_arguments, load_tree
from pyherd.conda.generations import TreeDir
from pyherd.conda.install import clean_incomplete, collect, collectable
from pyherd.errors import ConfigError
from pyherd.lock import TreeLock
from pyherd.project import Paths


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_tree_arguments(parser)
    parser.add_argument("--keep", type=int, metavar="N", help="ready generations to keep")
    parser.add_argument("--dry-run", action="store_true", help="list what would be removed")


def run(args: argparse.Namespace, paths: Paths) -> int:
    plan, _ = load_tree(args, paths)
    keep = plan.keep if args.keep is None else args.keep
    if keep < 1:
        raise ConfigError("--keep must be at least 1")
    tree = TreeDir(plan.tree_dir)
    if not tree.generations_dir.is_dir():
        print(f"{plan.tree}: nothing installed")
        return 0
    with TreeLock(tree.lock_file):
        if args.dry_run:
            doomed = [str(g.id) for g in collectable(tree, keep)]
            print(f"{plan.tree}: would remove {', '.join(doomed) or 'nothing'}")
            return 0
        removed = clean_incomplete(tree) + collect(tree, keep)
    print(f"{plan.tree}: removed {', '.join(map(str, sorted(removed))) or 'nothing'} (keep {keep})")
    return 0
