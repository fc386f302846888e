"""List a conda tree's generations: id, date, status, packages, disk use, current.

`size` counts each file once within the generation (hard links from the shared
package cache included); `own` is what only this generation holds, which is what
removing it would free. A ready generation that `rollback` moved away from shows
as `rolled-back`: autoupdate will not publish its solution again by itself.
"""

from __future__ import annotations

import argparse

from pyherd import options
from pyherd.conda.generations import TreeDir, disk_usage
from pyherd.project import Paths, tree_and_condarc
from pyherd.table import aligned


def add_arguments(parser: argparse.ArgumentParser) -> None:
    options.tree(parser)


def human(n: int) -> str:
    size = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} TiB"


def run(args: argparse.Namespace, paths: Paths) -> int:
    plan, _ = tree_and_condarc(paths, args.site, args.tree)
    tree = TreeDir(plan.layout)
    gens = tree.list()
    if not gens:
        print(f"{plan.tree}: no generations in {tree.generations_dir}")
        return 0
    current = tree.current_id()
    rolled_back = tree.rolled_back()
    usage = disk_usage(gens)
    rows = [("", "id", "created", "status", "packages", "size", "own")]
    for g in gens:
        u = usage[g.id]
        rows.append(
            (
                "*" if g.id == current else "",
                str(g.id),
                g.created,
                "rolled-back" if g.id in rolled_back else g.status,
                str(g.package_count),
                human(u.size),
                human(u.own),
            )
        )
    print(aligned(rows[0], rows[1:]))
    return 0
