"""Point a conda tree's `current` back at an earlier ready generation (one rename).

Without --to, the newest ready generation older than the current one. Users who
load the module afterwards get it; nothing is reinstalled or deleted.
"""

from __future__ import annotations

import argparse

from pyherd.commands.conda_site import add_tree_arguments, load_tree
from pyherd.conda.generations import TreeDir
from pyherd.conda.install import pick
from pyherd.errors import JobFailed
from pyherd.lock import TreeLock
from pyherd.project import Paths

NAME = "rollback"
HELP = "make an earlier generation of a conda tree current again"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_tree_arguments(parser)
    parser.add_argument("--to", type=int, metavar="ID", help="the generation to make current")
    parser.add_argument("--dry-run", action="store_true", help="say what would change")


def run(args: argparse.Namespace, paths: Paths) -> int:
    plan, _ = load_tree(args, paths)
    tree = TreeDir(plan.tree_dir)
    if not tree.generations_dir.is_dir():
        raise JobFailed(f"{plan.tree}: not installed ({tree.generations_dir} does not exist)")
    with TreeLock(tree.lock_file):
        current = tree.current_id()
        if args.to is not None:
            target = pick(tree, args.to)
        else:
            older = [g for g in tree.list() if g.ready and (current is None or g.id < current)]
            if not older:
                raise JobFailed(f"{plan.tree}: no ready generation older than {current}")
            target = older[-1]
        if not target.ready:
            raise JobFailed(f"{plan.tree}: generation {target.id} is {target.status}, not ready")
        if target.id == current:
            print(f"{plan.tree}: generation {current} is already current")
            return 0
        if args.dry_run:
            print(f"would point {tree.current_link} at generation {target.id} (now {current})")
            return 0
        tree.swap(target.id)
    print(f"{plan.tree}: generation {target.id} is current (was {current})")
    return 0
