"""Autoupdate one tree: re-solve, compare with `current`, and publish only what changed.

With the tree's lock held: remove what a killed run left, solve the tree's specs
again (pins held at their installed version and build, frozen envs carried over
exactly), and compare with the current generation. Nothing changed: nothing is
written. Otherwise the new generation is built from exactly that solution, checked
and swapped in by `install.publish_new`; a failure anywhere leaves `current` alone.
A generation already built from the same solution decides instead: failed its
checks (not retried), rolled back by an admin (held), or ready but never swapped
in because its run was killed (published as is).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pyherd.conda import diff
from pyherd.conda.engine import run_worker
from pyherd.conda.generations import Generation, TreeDir
from pyherd.conda.install import (
    check_root,
    clean_incomplete,
    collect,
    publish_new,
    solve_request,
    worker_failure,
)
from pyherd.conda.layout import records
from pyherd.conda.plan import TreePlan
from pyherd.errors import JobFailed, Locked
from pyherd.lock import TreeLock
from pyherd.progress import Progress

# status -> exit code; the run exits with the worst (1 beats 75 beats 0)
EXIT = {
    "unchanged": 0,
    "updated": 0,
    "would-update": 0,
    "locked": 75,
    "held": 1,
    "failed": 1,
    "not-installed": 1,
}


@dataclass(frozen=True)
class Policy:
    pins: tuple[str, ...] = ()
    max_changes: int | None = None
    dry_run: bool = False
    allow_world_writable: bool = False


@dataclass
class TreeReport:
    tree: str
    status: str = "failed"
    previous: int | None = None  # current when the run started
    generation: int | None = None  # the new current, or the generation that failed
    packages: int = 0
    changes: list[diff.Change] = field(default_factory=list)
    pins: list[str] = field(default_factory=list)
    seconds: float = 0.0
    error: str | None = None
    logs: list[str] = field(default_factory=list)
    collected: list[int] = field(default_factory=list)
    cleaned: list[int] = field(default_factory=list)
    reused: bool = False  # published a generation an earlier (killed) run had built

    @property
    def exit_code(self) -> int:
        return EXIT[self.status]

    def as_json(self) -> dict[str, Any]:
        return {
            "tree": self.tree,
            "status": self.status,
            "previous": self.previous,
            "generation": self.generation,
            "packages": self.packages,
            "changes": [c.as_json() for c in self.changes],
            "summary": diff.summary(self.changes),
            "pins": self.pins,
            "seconds": round(self.seconds, 3),
            "error": self.error,
            "logs": self.logs,
            "collected": self.collected,
            "cleaned": self.cleaned,
            "reused": self.reused,
        }


def update_tree(
    plan: TreePlan, condarc: Callable[[], str], policy: Policy, progress: Progress
) -> TreeReport:
    """Update one tree and say what happened; only a bad site file (ConfigError) escapes."""
    started = time.monotonic()
    report = TreeReport(plan.tree)
    try:
        _update(plan, condarc, policy, progress, report)
    except Locked as exc:
        report.status, report.error = "locked", str(exc)
    except JobFailed as exc:
        report.status, report.error = "failed", str(exc)
    except OSError as exc:  # the lock file or a generation's directory on a failing disk
        report.status, report.error = "failed", f"tree {plan.tree}: {exc}"
    report.seconds = time.monotonic() - started
    return report


def _update(
    plan: TreePlan,
    condarc: Callable[[], str],
    policy: Policy,
    progress: Progress,
    report: TreeReport,
) -> None:
    check_root(plan, policy.allow_world_writable)
    tree = TreeDir(plan.layout)
    current_id = tree.current_id()
    if current_id is None:
        report.status = "not-installed"
        report.error = (
            f"{tree.path} has no current generation; install it first: "
            f"pyherd install {plan.tree} --site {plan.site}"
        )
        return
    with TreeLock(tree.lock_file, announce=False) as lock:
        report.cleaned = clean_incomplete(tree)
        current_id = tree.current_id() or current_id
        report.previous = report.generation = current_id
        current = tree.generation(current_id)
        old = {env: diff.from_record(p) for env, p in (current.record or {})["packages"].items()}
        report.packages = sum(len(p) for p in old.values())
        extra = _requests(plan, old, policy.pins, report)
        progress.step(f"{plan.tree}: solving against {', '.join(plan.base.channels)}")
        result = run_worker(
            {
                **solve_request(plan, tree.layout.generation(0), plan.all_envs(), False, extra),
                "solve_only": True,
            }
        )
        if not result["ok"]:
            raise worker_failure(plan, result)
        new = {env: diff.from_solution(rows) for env, rows in result["solved"].items()}
        report.changes = diff.diff_tree(old, new, result["order"])
        if not report.changes:
            report.status = "unchanged"
            return
        earlier = _same_solution(tree, plan, new, current_id)
        if earlier is not None and earlier.status == "failed":
            report.status, report.generation = "failed", earlier.id
            report.logs = [str(records(earlier.path, "checks.log"))]
            report.error = (
                f"this exact update failed its health checks in generation {earlier.id}; it is "
                "not retried until the channels, the site's specs or its checks change"
            )
            return
        back = tree.rolled_back().get(earlier.id) if earlier is not None else None
        if earlier is not None and back:
            report.status, report.generation = "held", earlier.id
            report.error = (
                f"generation {earlier.id} has exactly this solution and was rolled back "
                f"({back.get('at', '?')}); it is not published again. Pin what broke "
                f"(conda.autoupdate.pins), or publish it anyway: pyherd rollback {plan.tree} "
                f"--site {plan.site} --to {earlier.id}"
            )
            return
        if policy.max_changes is not None and len(report.changes) > policy.max_changes:
            report.status = "held"
            report.error = (
                f"{len(report.changes)} packages would change, more than max_changes "
                f"{policy.max_changes}: held for a human. Review: pyherd autoupdate --site "
                f"{plan.site} --tree {plan.tree} --dry-run; apply: add --max-changes "
                f"{len(report.changes)}"
            )
            return
        if policy.dry_run:
            report.status = "would-update"
            return
        lock.announce()
        if earlier is not None:  # built and checked by a run killed before its swap
            tree.swap(earlier.id)
            report.status, report.generation, report.reused = "updated", earlier.id, True
            report.collected = collect(tree, plan.keep, plan.min_age_days)
            return
        for env, rows in result["solved"].items():
            extra.setdefault(env, {})["expect"] = [row[:3] for row in rows]
        attempt = tree.next_id()
        try:
            gid, record, collected = publish_new(plan, condarc(), tree, progress, extra)
        except JobFailed:
            failed = tree.generation(attempt)
            if failed.status == "failed":
                report.generation = attempt
                report.logs = [str(records(failed.path, "checks.log"))]
            raise
        report.status, report.generation, report.collected = "updated", gid, collected
        report.packages = sum(len(p) for p in record["packages"].values())


def _requests(
    plan: TreePlan,
    old: dict[str, dict[str, tuple[str, str]]],
    pins: tuple[str, ...],
    report: TreeReport,
) -> dict[str, dict[str, Any]]:
    """Per-env additions to the solve: exact specs for frozen envs, pins as constraints."""
    extra: dict[str, dict[str, Any]] = {}
    for env in plan.all_envs():
        installed = old.get(env.name)
        if installed is None:  # a new env: solved as declared
            continue
        request: dict[str, Any] = {"current": {n: v for n, (v, _b) in installed.items()}}
        if env.frozen:
            request["specs"] = [f"{n} =={v} {b}" for n, (v, b) in sorted(installed.items())]
        else:
            held = [f"{n} =={installed[n][0]} {installed[n][1]}" for n in pins if n in installed]
            if held:
                request["constraints"] = held
                report.pins += [f"{env.name}: {spec}" for spec in held]
        extra[env.name] = request
    return extra


def _same_solution(
    tree: TreeDir, plan: TreePlan, new: dict[str, dict[str, tuple[str, str]]], current: int
) -> Generation | None:
    """The newest other generation built from exactly this solution with today's checks."""
    checks = {env.name: list(env.checks) for env in plan.all_envs()}
    for gen in reversed(tree.list()):
        record = gen.record or {}
        if gen.id == current or gen.status not in ("ready", "failed"):
            continue
        if record.get("checks") != checks:
            continue
        packages = {env: diff.from_record(p) for env, p in record.get("packages", {}).items()}
        if packages == new:
            return gen
    return None
