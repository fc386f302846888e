"""Keep a site's conda trees current: the job cron (or a systemd timer) runs.

For each tree marked `autoupdate: true` (or each --tree): re-solve its specs
against its channels. The same solution as the current generation: nothing is
written, one line says so (none with --quiet). Otherwise the next generation is
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
import time
from collections.abc import Callable
from pathlib import Path

from pyherd.conda.autoupdate import Policy, TreeReport, update_tree
from pyherd.conda.diff import summary
from pyherd.conda.plan import TreePlan
from pyherd.errors import ConfigError
from pyherd.progress import Progress
from pyherd.project import Loaded, Paths, load_sites
from pyherd.schema import suggest


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--site", required=True, help="the site whose trees to update")
    parser.add_argument(
        "--tree",
        action="append",
        help="only this tree (repeatable; default: every tree marked autoupdate: true)",
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="solve and report the changes; build nothing"
    )
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
    parser.add_argument(
        "--out", type=Path, help="re-render modulefiles here after an update (default: modulefiles)"
    )
    parser.add_argument(
        "--no-render", action="store_true", help="do not re-render modulefiles after an update"
    )


def run(args: argparse.Namespace, paths: Paths) -> int:
    started_at = time.strftime("%Y-%m-%d %H:%M:%S %z")
    started = time.monotonic()
    item = load_sites(paths, [args.site])[0]
    plans = select(item, args.tree)
    settings = item.site.conda.autoupdate if item.site.conda else None
    if args.max_changes is not None and args.max_changes < 1:
        raise ConfigError(f"--max-changes: must be at least 1, got {args.max_changes}")
    policy = Policy(
        pins=settings.pins if settings else (),
        max_changes=args.max_changes
        if args.max_changes is not None
        else (settings.max_changes if settings else None),
        dry_run=args.dry_run,
        allow_world_writable=args.allow_world_writable,
    )
    progress = Progress()
    reports = [update_tree(plan, _condarc(item, plan, paths), policy, progress) for plan in plans]
    rerendered = []
    if any(r.status == "updated" for r in reports) and not args.no_render:
        rerendered = _rerender(paths, item)
    code = max((r.exit_code for r in reports), key=lambda c: (c == 1, c))
    if args.json:
        document = {
            "site": item.site.name,
            "started": started_at,
            "seconds": round(time.monotonic() - started, 3),
            "dry_run": args.dry_run,
            "exit": code,
            "trees": [r.as_json() for r in reports],
            "modulefiles": rerendered,
        }
        print(json.dumps(document, indent=2))
    else:
        for report in reports:
            out = sys.stdout if report.exit_code == 0 else sys.stderr
            if report.status != "unchanged" or not args.quiet:
                print("\n".join(lines(report)), file=out)
        if rerendered:
            print(f"modulefiles re-rendered: {', '.join(rerendered)}")
    log = args.log or (Path(settings.log) if settings and settings.log else None)
    if log is not None and not args.dry_run:
        _append_log(log, item.site.name, started_at, reports, rerendered)
    return code


def select(item: Loaded, names: list[str] | None) -> list[TreePlan]:
    """The trees to update: the named ones, else every tree marked autoupdate."""
    by_name = {plan.tree: plan for plan in item.trees}
    if names:
        unknown = [n for n in names if n not in by_name]
        if unknown:
            hint = suggest(unknown[0], by_name)
            raise ConfigError(
                f"{item.site.file}: no tree {unknown[0]!r} in conda.trees "
                f"(trees: {', '.join(by_name) or 'none'}){hint}"
            )
        return [by_name[n] for n in dict.fromkeys(names)]
    marked = [plan for plan in item.trees if plan.autoupdate]
    if not marked:
        raise ConfigError(
            f"{item.site.file}: no tree is marked `autoupdate: true` "
            f"(trees: {', '.join(by_name) or 'none'}); mark one or name it with --tree"
        )
    return marked


def lines(report: TreeReport) -> list[str]:
    """The human report for one tree: a headline, then one line per change."""
    r = report
    took = f"in {r.seconds:.1f} s"
    if r.status == "unchanged":
        return [f"{r.tree}: up to date: generation {r.previous} ({r.packages} packages) {took}"]
    head = {
        "updated": f"{r.tree}: updated: generation {r.previous} -> {r.generation} "
        f"({summary(r.changes)}) {took}",
        "would-update": f"{r.tree}: would update generation {r.previous} "
        f"({summary(r.changes)}); dry run, nothing built",
        "held": f"{r.tree}: HELD: {r.error}",
        "failed": f"{r.tree}: FAILED: {r.error}",
        "locked": f"{r.tree}: skipped: {r.error}",
        "not-installed": f"{r.tree}: FAILED: {r.error}",
    }[r.status]
    out = [head]
    if r.reused:
        out.append(f"  generation {r.generation} was built and checked by an earlier, killed run")
    out += [f"  {change.line()}" for change in r.changes]
    out += [f"  pinned: {pin}" for pin in r.pins]
    if r.status == "failed" and r.previous is not None:
        out.append(f"  current is still generation {r.previous}; users are not affected")
    out += [f"  log: {log}" for log in r.logs]
    if r.cleaned:
        out.append(f"  removed incomplete generations {', '.join(map(str, r.cleaned))}")
    if r.collected:
        out.append(f"  collected generations {', '.join(map(str, r.collected))}")
    return out


def _condarc(item: Loaded, plan: TreePlan, paths: Paths) -> Callable[[], str]:
    def render() -> str:
        from pyherd.render import render_condarc  # jinja2: only when building

        return render_condarc(item.site, plan, paths.templates)

    return render


def _rerender(paths: Paths, item: Loaded) -> list[str]:
    """Re-render the site's modulefiles where they were rendered before; what changed."""
    from pyherd import state
    from pyherd.commands.render import write_site
    from pyherd.project import rendered
    from pyherd.render import Layout

    out = paths.out
    if not (out / Layout(item.site.name).manifest).is_file():
        return []
    inputs = state.inputs_fingerprint(paths.sites, paths.templates, out)
    done = write_site(paths, item.site.name, rendered(paths, item), inputs)
    return [str(out / rel) for rel in done.changes]


def _append_log(
    log: Path, site: str, started: str, reports: list[TreeReport], rerendered: list[str]
) -> None:
    text = [f"{started} pyherd autoupdate --site {site}"]
    for report in reports:
        text += lines(report)
    text += [f"modulefiles re-rendered: {', '.join(rerendered)}"] if rerendered else []
    try:
        with log.open("a", encoding="utf-8") as fh:
            fh.write("\n".join(text) + "\n")
    except OSError as exc:
        print(f"pyherd autoupdate: could not append to the log {log}: {exc}", file=sys.stderr)
