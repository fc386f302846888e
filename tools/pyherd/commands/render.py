"""Render sites into modulefiles/<site>/ (and modulefiles/etc/<site>/).

Writes are atomic and change-only: an unchanged file keeps its mtime. Files pyherd
wrote earlier and no longer declares are removed; files it never wrote are never
touched, and nothing is written or read through a symbolic link. With --check,
nothing is written and the exit code is 1 when any file is stale, hand-edited,
missing or no longer declared, when a tree holds a file pyherd did not write or a
temp file an interrupted render left, or (every site checked) when a tree's site
file is gone. A render or check holds the output root's lock: a second exits 75.
"""

from __future__ import annotations

import argparse
import sys

from pyherd import modulefiles, options
from pyherd.errors import JobFailed, printable
from pyherd.project import Paths


def add_arguments(parser: argparse.ArgumentParser) -> None:
    options.site_filter(parser)
    options.out(parser)
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true", help="exit 1 if the tree on disk is stale")
    mode.add_argument("--diff", action="store_true", help="print what would change; write nothing")
    options.dry_run(mode, "list what would change; write nothing")


def run(args: argparse.Namespace, paths: Paths) -> int:
    mode = (
        "check" if args.check else "diff" if args.diff else "dry-run" if args.dry_run else "write"
    )
    result = modulefiles.render(paths, args.site, mode)
    for name, count in result.unchanged.items():
        print(f"{name}: 0 created, 0 updated, 0 removed, {count - 1} unchanged")
    stale: list[str] = []
    for one in result.sites:
        plan = one.plan
        if mode == "check":
            stale += one.stale
        elif mode == "diff":
            sys.stdout.write(one.diff)
        elif mode == "dry-run":
            for label, rels in (("create", plan.create), ("update", plan.update),
                                ("remove", plan.remove)):  # fmt: skip
                for rel in rels:
                    print(f"would {label} {paths.out / rel}")
            print(f"{one.site}: {len(plan.changes)} to change, {len(plan.unchanged)} unchanged")
        else:
            print(
                f"{one.site}: {len(plan.create)} created, {len(plan.update)} updated, "
                f"{len(plan.remove)} removed, {len(plan.unchanged)} unchanged"
            )
    if stale:
        print(printable("\n".join(stale), keep="\n"), file=sys.stderr)
        raise JobFailed(
            f"{len(stale)} file(s) differ from the site files and templates; run `pyherd render`"
        )
    if mode == "check":
        print(f"up to date: {', '.join(one.site for one in result.sites)}")
    return 0
