"""The autoupdate job for one site: which trees, under which policy, and what it reports.

Picks the trees (named, else every tree marked `autoupdate: true`), updates each
(pyherd.conda.autoupdate), re-renders the site's modulefiles where they were rendered
before when a tree changed (a new env's module appears once its env exists), and
words the report: a line per tree and per change, as JSON for monitoring, and
appended to the log file.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pyherd import modulefiles
from pyherd.conda.autoupdate import Policy, TreeReport, update_tree
from pyherd.conda.diff import summary
from pyherd.conda.plan import TreePlan
from pyherd.errors import ConfigError, suggest
from pyherd.progress import Progress
from pyherd.project import Loaded, Paths


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


@dataclass
class SiteReport:
    site: str
    started: str
    dry_run: bool
    seconds: float = 0.0
    trees: list[TreeReport] = field(default_factory=list)
    rerendered: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        """The worst tree's: 1 beats 75 beats 0."""
        return max((r.exit_code for r in self.trees), key=lambda c: (c == 1, c))

    def as_json(self) -> dict[str, Any]:
        return {
            "site": self.site,
            "started": self.started,
            "seconds": round(self.seconds, 3),
            "dry_run": self.dry_run,
            "exit": self.exit_code,
            "trees": [r.as_json() for r in self.trees],
            "modulefiles": self.rerendered,
        }


def autoupdate(
    paths: Paths,
    item: Loaded,
    trees: list[str] | None,
    policy: Policy,
    *,
    rerender: bool = True,
) -> SiteReport:
    report = SiteReport(item.site.name, time.strftime("%Y-%m-%d %H:%M:%S %z"), policy.dry_run)
    started = time.monotonic()
    progress = Progress()
    for plan in select(item, trees):
        report.trees.append(update_tree(plan, _condarc(item, plan, paths), policy, progress))
    if rerender and any(r.status == "updated" for r in report.trees):
        report.rerendered = modulefiles.rerender(paths, item)
    report.seconds = time.monotonic() - started
    return report


def policy_for(item: Loaded, max_changes: int | None, **flags: bool) -> Policy:
    """The site's pins and change limit, with --max-changes over the site's."""
    settings = item.site.conda.autoupdate if item.site.conda else None
    if max_changes is not None and max_changes < 1:
        raise ConfigError(f"--max-changes: must be at least 1, got {max_changes}")
    if max_changes is None and settings is not None:
        max_changes = settings.max_changes
    return Policy(pins=settings.pins if settings else (), max_changes=max_changes, **flags)


def log_file(item: Loaded, given: Path | None) -> Path | None:
    settings = item.site.conda.autoupdate if item.site.conda else None
    return given or (Path(settings.log) if settings and settings.log else None)


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


def append_log(log: Path, report: SiteReport) -> None:
    """The report, appended to the site's log (a failing log never fails the run)."""
    text = [f"{report.started} pyherd autoupdate --site {report.site}"]
    for tree in report.trees:
        text += lines(tree)
    if report.rerendered:
        text += [f"modulefiles re-rendered: {', '.join(report.rerendered)}"]
    try:
        with log.open("a", encoding="utf-8") as fh:
            fh.write("\n".join(text) + "\n")
    except OSError as exc:
        print(f"pyherd autoupdate: could not append to the log {log}: {exc}", file=sys.stderr)


def _condarc(item: Loaded, plan: TreePlan, paths: Paths) -> Callable[[], str]:
    def render() -> str:
        from pyherd.render import render_condarc  # jinja2: only when building

        return render_condarc(item.site, plan, paths.templates)

    return render
