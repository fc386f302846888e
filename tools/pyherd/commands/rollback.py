"""Point a conda tree's `current` back at an earlier ready generation (one rename).

Without --to, the newest ready generation older than the current one. Users who
load the module afterwards get it; nothing is reinstalled or deleted. The
generation rolled back from is marked, and autoupdate will not publish that exact
solution again by itself; rolling forward to it with --to clears the mark.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

from pyherd.commands.conda_site import add_tree_arguments, load_tree
from pyherd.conda.generations import TreeDir, write_record
from pyherd.conda.install import pick
from pyherd.errors import JobFailed
from pyherd.lock import TreeLock
from pyherd.project import Paths


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
        _mark(tree, current, {"at": time.strftime("%Y-%m-%d %H:%M:%S %z"), "to": target.id})
        _mark(tree, target.id, None)
    print(f"{plan.tree}: generation {target.id} is current (was {current})")
    return 0


def _mark(tree: TreeDir, gid: int | None, rolled_back: dict[str, Any] | None) -> None:
    """Note on a generation that it was rolled back from, so autoupdate never republishes
    it by itself (None clears the note: rolling forward to it is a human's choice)."""
    if gid is None:
        return
    gen = tree.generation(gid)
    if gen.record is None or gen.record.get("rolled_back") == rolled_back:
        return
    record = dict(gen.record)
    if rolled_back is None:
        record.pop("rolled_back", None)
    else:
        record["rolled_back"] = rolled_back
    write_record(gen.path, record)
