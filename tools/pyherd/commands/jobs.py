"""Show what `pyherd install --slurm` and `pyherd wheels build --slurm` submitted: each
task's state, and its log.

A task's state comes from the file it writes itself (running, built, failed), since
many sites run Slurm without accounting; while it is still queued, from squeue; once
the publish job ran, from what it published. A failure names its log. Writes nothing.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from pyherd import options
from pyherd.errors import printable
from pyherd.project import Paths, load_one
from pyherd.slurm import jobs
from pyherd.slurm.batch import settings
from pyherd.table import aligned


def add_arguments(parser: argparse.ArgumentParser) -> None:
    options.site(parser, "the site whose submissions to show")
    parser.add_argument(
        "--all", action="store_true", help="every submission (default: the latest one)"
    )


def run(args: argparse.Namespace, paths: Paths) -> int:
    item = load_one(paths, args.site)
    slurm = settings(item)
    found = jobs.submissions(slurm.state_dir, item.site.name)
    if not found:
        print(f"{item.site.name}: nothing submitted (slurm.state_dir {slurm.state_dir})")
        return 0
    rows: list[tuple[str, ...]] = []
    for submission in found if args.all else found[-1:]:
        rows.extend(_rows(submission))
    print(aligned(("submission", "task", "job", "state", "log"), rows))
    return 0


def _rows(submission: Path) -> list[tuple[str, ...]]:
    tasks, arrays, publish = jobs.read_tasks(submission)
    record = jobs.read_json(submission / jobs.PUBLISHED) or {}
    published = record.get("results", {})
    queue = jobs.submission_queue(arrays, publish)
    rows = []
    for task in tasks:
        job = arrays.get(task.group, "")
        name = f"{job}_{task.index}" if job else "-"
        log = str(submission / "logs" / f"{task.key}.log")
        done = published.get(task.name) if isinstance(published, dict) else None
        state = jobs.task_state(submission, task.key)
        if isinstance(done, dict) and isinstance(done.get("result"), str):
            shown = done["result"]
        elif state is not None:
            shown = state["state"]
            if state["state"] == "failed":
                shown += f": {state.get('reason', '')}"
            elif state["state"] == "built":
                shown += f": {_built(state)}, waiting for the publish job"
        else:
            shown = jobs.task_queued(queue, arrays, task) or "not run (cancelled or lost)"
        rows.append((submission.name, task.name, name, printable(str(shown)), log))
    if publish:
        failed = record.get("failed")
        state = queue.get(publish, "not run (cancelled or lost)")
        if record:
            state = "done"
            if isinstance(failed, int) and failed:
                state += f", {failed} not published"
        rows.append((submission.name, "(publish)", publish, state,
                     str(submission / "logs" / "publish.log")))  # fmt: skip
    return rows


def _built(state: dict) -> str:
    """What a task that is done built: a tree's generation, or a count of wheels."""
    if "generation" in state:
        return f"generation {state['generation']}"
    outcomes = state.get("outcomes")
    count = sum(isinstance(o, dict) and o.get("result") == "built" for o in outcomes or [])
    return f"{count} wheel(s)"
