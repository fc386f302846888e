"""Keep a site's conda trees current: the job cron (or a systemd timer) runs.

For each tree marked `autoupdate: true` (or each --tree): re-solve its specs
against its channels. The same solution as the current generation: nothing is
written, one line says so (none with --quiet, nor for a tree another run holds).
Otherwise the next generation is
built beside the current one from exactly that solution, health-checked, swapped
in, generations beyond `keep` are collected, and modulefiles rendered here before
are re-rendered. The report names each package added, removed, upgraded,
downgraded or rebuilt (old -> new), the generation ids and the time taken.

Pins (conda.autoupdate.pins) stay at their installed version and build; an update
that would change more than conda.autoupdate.max_changes packages is held for a
human (exit 1). A failure (solver, corrupt package, failed check, full disk, a
kill) leaves `current` on the working generation; the report says what failed and
where its log is. Exit 0 nothing failed; 1 a tree failed, was held or is not
installed; 2 bad input; 75 another run holds a tree's lock (cron: try later).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from pyherd import options
from pyherd.conda.engine import session
from pyherd.options import Paths


def add_arguments(parser: argparse.ArgumentParser) -> None:
    options.site(parser, "the site whose trees to update")
    parser.add_argument(
        "--tree",
        action="append",
        help="only this tree (repeatable; default: every tree marked autoupdate: true)",
    )
    options.dry_run(parser, "solve and report the changes; build nothing")
    parser.add_argument(
        "--quiet",
        action="store_true",
        help="print nothing when nothing changed (for cron mail); failures still go to stderr",
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument(
        "--log",
        type=Path,
        help="append the report to this file (default: conda.autoupdate.log, if set)",
    )
    parser.add_argument(
        "--max-changes",
        type=int,
        metavar="N",
        help="hold an update changing more than N packages (default: conda.autoupdate."
        "max_changes); give the held count to apply it",
    )
    parser.add_argument(
        "--allow-world-writable",
        action="store_true",
        help="update even if the root or tree directory is world-writable",
    )
    options.out(parser, "re-render modulefiles here after an update (default: modulefiles)")
    parser.add_argument(
        "--no-render", action="store_true", help="do not re-render modulefiles after an update"
    )


def run(args: argparse.Namespace, paths: Paths) -> int:
    # the worker loads py-rattler while this process imports the rest and reads the site;
    # the solve and the build of every tree then go to that one process
    with session():
        from pyherd.conda.nightly import append_log, autoupdate, lines, log_file, policy_for
        from pyherd.project import load_one

        item = load_one(paths, args.site)
        policy = policy_for(
            item,
            args.max_changes,
            dry_run=args.dry_run,
            allow_world_writable=args.allow_world_writable,
        )
        report = autoupdate(paths, item, args.tree, policy, rerender=not args.no_render)
    if args.json:
        print(json.dumps(report.as_json(), indent=2))
    else:
        for tree in report.trees:
            out = sys.stdout if tree.exit_code == 0 else sys.stderr
            # --quiet (cron): nothing when nothing changed or another run held the lock,
            # so an overlap mails nobody; exit 75 says it
            if tree.status not in ("unchanged", "locked") or not args.quiet:
                print("\n".join(lines(tree)), file=out)
        if report.rerendered:
            print(f"modulefiles re-rendered: {', '.join(report.rerendered)}")
    log = log_file(item, args.log)
    if log is not None and not args.dry_run:
        append_log(log, report)
    return report.exit_code
