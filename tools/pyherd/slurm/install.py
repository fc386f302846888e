"""`pyherd install --slurm`: the site's trees built as Slurm job arrays, one array per
architecture (its partition and node constraint), and a publish job that runs once every
task is done (afterany) and makes current what was built.

The tasks run the same install as `pyherd install TREE` does on one machine, stopped
before the swap (the generation is ready beside `current`); the publish job swaps each
under the tree's lock. A tree already in flight (queued, running, or built and not yet
published) is skipped when the site is submitted again.
"""

from __future__ import annotations

import time
from pathlib import Path

from pyherd.errors import PyherdError, printable
from pyherd.project import Loaded, Paths
from pyherd.slurm import batch, jobs
from pyherd.slurm.jobs import PUBLISHED, Task

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


def run_task(paths: Paths, item: Loaded, key: str, where: Path) -> int:
    """One array task: build and check the tree's next generation, not yet current, and
    say so in the submission's task file."""
    from pyherd.conda.engine import session
    from pyherd.conda.install import install
    from pyherd.render import render_condarc

    task = batch.task_of(item, where, key, "install")
    tree = task.name
    plan_ = item.tree(tree)  # a tree the site declares
    started = time.time()
    base = {"tree": tree, "started": started}
    jobs.set_task_state(where, key, state="running", **base)
    try:
        with session():
            condarc = render_condarc(item.site, plan_, paths.templates)
            done = install(plan_, condarc, publish=False)
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
    from pyherd.conda.install import publish_staged

    batch.check_submission(item, where)
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
            try:
                previous, _ = publish_staged(item.tree(task.name), state["generation"])
            except PyherdError as exc:
                outcome = f"failed: {printable(str(exc))}"
            else:
                was = f" (was {previous})" if previous is not None else ""
                outcome = f"published: generation {state['generation']} is current{was}"
        rows.append((task.name, job, outcome, log))
        result[task.name] = {"job": job, "result": outcome, "log": log}
    jobs.write_json(where / PUBLISHED, {"published": time.time(), "results": result})
    return rows
