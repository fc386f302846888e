"""Rollback and garbage collection of a tree's generations (each under the tree's lock).

Rollback points `current` back at an earlier ready generation with one rename and
marks the generation rolled back from, so autoupdate never republishes that exact
solution by itself (rolling forward to it clears the mark). gc keeps the newest N
ready generations and the current one, and removes the rest.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from pyherd.conda.generations import TreeDir
from pyherd.conda.install import beyond_keep, clean_incomplete, collect, held, pick
from pyherd.conda.plan import TreePlan
from pyherd.errors import ConfigError, JobFailed
from pyherd.lock import TreeLock


@dataclass(frozen=True)
class Rollback:
    previous: int | None
    target: int
    done: bool  # False: already current, or a dry run


def rollback(plan: TreePlan, to: int | None, *, dry_run: bool = False) -> Rollback:
    """Make generation `to` (default: the newest ready one older than current) current."""
    tree = TreeDir(plan.layout)
    if not tree.generations_dir.is_dir():
        raise JobFailed(f"{plan.tree}: not installed ({tree.generations_dir} does not exist)")
    with TreeLock(tree.lock_file):
        current = tree.current_id()
        if to is not None:
            target = pick(tree, to)
        else:
            older = [g for g in tree.list() if g.ready and (current is None or g.id < current)]
            if not older:
                raise JobFailed(f"{plan.tree}: no ready generation older than {current}")
            target = older[-1]
        if not target.ready:
            raise JobFailed(f"{plan.tree}: generation {target.id} is {target.status}, not ready")
        if target.id == current or dry_run:
            return Rollback(current, target.id, done=False)
        tree.swap(target.id)
        if current is not None and target.id < current:  # back, not forward: only then
            # is the generation left one a human turned away from
            _mark(tree, current, {"at": time.strftime("%Y-%m-%d %H:%M:%S %z"), "to": target.id})
        _mark(tree, target.id, None)
    return Rollback(current, target.id, done=True)


def _mark(tree: TreeDir, gid: int | None, rolled_back: dict[str, Any] | None) -> None:
    """Note that a generation was rolled back from, so autoupdate never republishes it by
    itself (None clears the note: rolling forward to it is a human's choice). The note
    lives beside the generations: a published one never changes."""
    if gid is not None:
        tree.mark_rolled_back(gid, rolled_back)


@dataclass
class Collected:
    keep: int
    installed: bool = True
    removed: list[int] = field(default_factory=list)  # or, in a dry run, what would go
    held: dict[int, str] = field(default_factory=dict)  # kept beyond `keep`, and why


def gc(
    plan: TreePlan, keep: int | None, *, min_age_days: float | None = None, dry_run: bool = False
) -> Collected:
    """Remove all but the newest `keep` (default: the tree's) ready generations; never
    current, nor one superseded less than `min_age_days` (default: the tree's) ago, nor
    one a running process uses."""
    keep = plan.keep if keep is None else keep
    min_age = plan.min_age_days if min_age_days is None else min_age_days
    if keep < 1:
        raise ConfigError("--keep must be at least 1")
    if min_age < 0:
        raise ConfigError("--min-age-days must be at least 0")
    tree = TreeDir(plan.layout)
    if not tree.generations_dir.is_dir():
        return Collected(keep, installed=False)
    with TreeLock(tree.lock_file):
        beyond = beyond_keep(tree, keep)
        reasons = held(tree, beyond, min_age)
        if dry_run:
            return Collected(keep, removed=[g.id for g in beyond if g.id not in reasons],
                             held=reasons)  # fmt: skip
        removed = clean_incomplete(tree) + collect(tree, keep, min_age)
    return Collected(keep, removed=sorted(removed), held=reasons)
