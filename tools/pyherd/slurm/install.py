"""`pyherd install --slurm`: the site's trees built as Slurm job arrays, one array per
architecture (its partition and node constraint), and a publish job that runs once every
task is done (afterany) and makes current what was built.

The tasks run the same install as `pyherd install TREE` does on one machine, stopped
before the swap (the generation is ready beside `current`); the publish job swaps each
under the tree's lock. A tree already in flight (queued, running, or built and not yet
published) is skipped when the site is submitted again.

Without Slurm (`pyherd install --site S`, every tree), the same plan runs here: each
task's build in turn, then the same publish step for what was built.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

from pyherd.errors import PyherdError, printable
from pyherd.project import Loaded, Paths
from pyherd.slurm import batch, jobs
from pyherd.slurm.jobs import PUBLISHED, Task

if TYPE_CHECKING:
    from pyherd.conda.install import Installed

DEFAULT_GROUP = "default"


def plan(item: Loaded, trees: list[str]) -> list[Task]:
    """One task per tree, grouped into arrays by the tree's arch."""
    conda = item.site.conda
    declared = conda.trees if conda else {}
    groups: dict[str, list[str]] = {}
    for tree in trees:
        arch = declared[tree].arch
        groups.setdefault(arch or DEFAULT_GROUP, []).append(tree)
    return [
        Task(group, i, tree, None if group == DEFAULT_GROUP else group)
        for group, names in groups.items()
        for i, tree in enumerate(names)
    ]


def submit(paths: Paths, item: Loaded, trees: list[str], *, dry_run: bool) -> list[str]:
    """Submit the trees' arrays and the publish job; the lines to print."""
    busy = batch.in_flight(batch.settings(item), item.site.name, "install")
    lines = [f"{tree}: skipped, already submitted: {busy[tree]}" for tree in trees if tree in busy]
    todo = [tree for tree in trees if tree not in busy]
    if not todo:
        return [*lines, "nothing to submit"]
    tasks = plan(item, todo)
    if dry_run:
        return lines + batch.dry_run(paths, item, "install", tasks)
    where, record = batch.submit(paths, item, "install", tasks)
    return lines + batch.submitted_lines(item, where, record, tasks)


def build_tree(
    paths: Paths, item: Loaded, tree: str, allow_world_writable: bool = False
) -> Installed:
    """A task's work: build and check the tree's next generation, ready beside `current`
    (inside a conda engine session)."""
    from pyherd.conda.install import install
    from pyherd.render import render_condarc

    plan_ = item.tree(tree)  # a tree the site declares
    condarc = render_condarc(item.site, plan_, paths.templates)
    return install(plan_, condarc, publish=False, allow_world_writable=allow_world_writable)


def publish_tree(item: Loaded, tree: str, generation: int) -> str:
    """The publish step: make a ready generation current; what happened, in a line."""
    from pyherd.conda.install import publish_staged

    try:
        previous, _ = publish_staged(item.tree(tree), generation)
    except PyherdError as exc:
        return f"failed: {printable(str(exc))}"
    was = f" (was {previous})" if previous is not None else ""
    return f"published: generation {generation} is current{was}"


def run_here(
    paths: Paths, item: Loaded, trees: list[str], allow_world_writable: bool = False
) -> list[tuple[str, str]]:
    """The plan without Slurm: each task's build here in turn (one failing does not stop
    the others), then the publish step for each tree that was built; (tree, result)."""
    from pyherd.conda.engine import session

    built: dict[str, int] = {}
    failed: dict[str, str] = {}
    with session():
        for task in plan(item, trees):
            try:
                built[task.name] = build_tree(
                    paths, item, task.name, allow_world_writable
                ).generation
            except PyherdError as exc:
                failed[task.name] = f"failed: {printable(str(exc))}"
    return [
        (tree, failed[tree] if tree in failed else publish_tree(item, tree, built[tree]))
        for tree in trees
    ]


def run_task(paths: Paths, item: Loaded, key: str, where: Path) -> int:
    """One array task: build and check the tree's next generation, not yet current, and
    say so in the submission's task file."""
    from pyherd.conda.engine import session

    task = batch.task_of(item, where, key, "install")
    tree = task.name
    item.tree(tree)  # a tree the site declares
    started = time.time()
    base = {"tree": tree, "started": started}
    jobs.set_task_state(where, key, state="running", **base)
    try:
        with session():
            done = build_tree(paths, item, tree)
    except PyherdError as exc:
        jobs.set_task_state(where, key, state="failed", reason=printable(str(exc)), **base)
        raise
    jobs.set_task_state(
        where, key, state="built", generation=done.generation, seconds=done.seconds, **base
    )
    print(f"{tree}: generation {done.generation} is ready; the publish job makes it current")
    return 0


def publish(item: Loaded, where: Path) -> list[tuple[str, str, str, str]]:
    """Make current what each task built; (tree, task, result, log) per task."""
    batch.check_submission(item, where, "install")
    tasks, arrays, _ = jobs.read_tasks(where)
    rows: list[tuple[str, str, str, str]] = []
    result: dict[str, dict[str, str]] = {}
    for task in tasks:
        log = batch.log_of(where, task)
        state = jobs.task_state(where, task.key)
        job = f"{arrays.get(task.group, '?')}_{task.index}"
        if state is None:
            outcome = "failed: the task never ran (cancelled, or lost with its node)"
        elif state["state"] != "built" or not isinstance(state.get("generation"), int):
            outcome = f"failed: {printable(str(state.get('reason', state['state'])))}"
        else:
            outcome = publish_tree(item, task.name, state["generation"])
        rows.append((task.name, job, outcome, log))
        result[task.name] = {"job": job, "result": outcome, "log": log}
    failed = sum(not row[2].startswith("published") for row in rows)
    jobs.write_json(
        where / PUBLISHED, {"published": time.time(), "results": result, "failed": failed}
    )
    return rows
