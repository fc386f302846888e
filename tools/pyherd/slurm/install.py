"""`pyherd install --slurm`: the site's trees built as Slurm job arrays, one array per
architecture (its partition and node constraint), and a publish job that runs once every
task is done (afterany) and makes current what was built.

The tasks run the same install as `pyherd install TREE` does on one machine, stopped
before the swap (the generation is ready beside `current`); the publish job swaps each
under the tree's lock. A tree already in flight (queued, running, or built and not yet
published) is skipped when the site is submitted again.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from pyherd.errors import ConfigError, JobFailed, Problem, PyherdError, printable
from pyherd.project import Loaded, Paths
from pyherd.slurm import jobs
from pyherd.slurm.jobs import PUBLISHED, SUBMISSION, Task
from pyherd.slurm.settings import SlurmSettings

DEFAULT_GROUP = "default"


def settings(item: Loaded) -> SlurmSettings:
    if item.site.slurm is None:
        raise ConfigError(
            Problem(item.site.file, None, "slurm", "missing: name at least its state_dir")
        )
    return item.site.slurm


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


def in_flight(slurm: SlurmSettings, site: str) -> dict[str, str]:
    """Trees an earlier submission still holds: tree -> what it is doing."""
    busy: dict[str, str] = {}
    for submission in jobs.submissions(slurm.state_dir, site):
        if (submission / PUBLISHED).is_file():
            continue
        tasks, arrays, publish = jobs.read_tasks(submission)
        queue = jobs.submission_queue(arrays, publish)
        publishing = bool(publish) and publish in queue
        for task in tasks:
            state = jobs.task_state(submission, task.key)
            job = arrays.get(task.group, "")
            queued = jobs.task_queued(queue, arrays, task)
            if state and state["state"] == "running" and queued:
                busy[task.tree] = f"running (job {job}_{task.index})"
            elif state and state["state"] == "built" and publishing:
                busy[task.tree] = f"built, waiting for publish job {publish}"
            elif state is None and queued:
                busy[task.tree] = f"{queued} (job {job}_{task.index})"
    return busy


def scripts(paths: Paths, item: Loaded, tasks: list[Task], where: Path) -> dict[str, str]:
    """The job scripts by file name: install-<group>.sh per array, and publish.sh."""
    from pyherd.render import site_environment  # jinja2: only when scripts are written

    slurm = settings(item)
    env = site_environment(item.site, paths.templates)
    common = {
        "site": item.site,
        "dir": str(where),
        "project": str(paths.project.resolve()),
        "sites": str(paths.sites.resolve()),
        "templates": str(paths.templates.resolve()),
        "python": sys.executable,
    }
    out: dict[str, str] = {}
    groups = dict.fromkeys(task.group for task in tasks)
    for group in groups:
        members = [task for task in tasks if task.group == group]
        partition, constraint = slurm.placement(members[0].arch)
        out[f"install-{group}.sh"] = env.get_template("slurm/install.sh.j2").render(
            tasks=members, group=group, partition=partition, constraint=constraint, **common
        )
    out["publish.sh"] = env.get_template("slurm/publish.sh.j2").render(
        partition=slurm.partition, **common
    )
    return out


def submit(paths: Paths, item: Loaded, trees: list[str], *, dry_run: bool) -> list[str]:
    """Submit the trees' arrays and the publish job; the lines to print."""
    slurm = settings(item)
    busy = in_flight(slurm, item.site.name)
    lines = [f"{tree}: skipped, already submitted: {busy[tree]}" for tree in trees if tree in busy]
    todo = [tree for tree in trees if tree not in busy]
    if not todo:
        return [*lines, "nothing to submit"]
    tasks = plan(item, todo)
    if dry_run:
        where = jobs.site_dir(slurm.state_dir, item.site.name) / "<submission>"
        for name, text in scripts(paths, item, tasks, where).items():
            lines += [f"--- {name}", text.rstrip("\n")]
        lines.append("would run: sbatch --parsable install-<arch>.sh for each array, then "
                     "sbatch --parsable --dependency=afterany:<arrays> publish.sh")  # fmt: skip
        return lines
    where = jobs.new_submission(slurm.state_dir, item.site.name)
    for name, text in scripts(paths, item, tasks, where).items():
        (where / name).write_text(text)
        (where / name).chmod(0o755)
    record = {
        "site": item.site.name,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "tasks": [
            {"group": t.group, "index": t.index, "tree": t.tree, "arch": t.arch} for t in tasks
        ],
        "arrays": {},
        "publish": "",
    }
    jobs.write_json(where / SUBMISSION, record)
    submitted: list[str] = []
    try:
        for group in dict.fromkeys(task.group for task in tasks):
            job = jobs.sbatch(where / f"install-{group}.sh")
            submitted.append(job)
            record["arrays"][group] = job
            jobs.write_json(where / SUBMISSION, record)
        after = "afterany:" + ":".join(submitted)
        record["publish"] = jobs.sbatch(where / "publish.sh", f"--dependency={after}")
        jobs.write_json(where / SUBMISSION, record)
    except JobFailed:
        jobs.scancel(submitted)  # nothing half-submitted stays queued
        raise
    for task in tasks:
        lines.append(
            f"{task.tree}: job {record['arrays'][task.group]}_{task.index}"
            + (f" (arch {task.arch})" if task.arch else "")
        )
    lines.append(f"publish: job {record['publish']} (after the builds); state in {where}")
    lines.append(f"follow it with: pyherd jobs --site {item.site.name}")
    return lines


def run_task(paths: Paths, item: Loaded, tree: str, key: str, where: Path) -> int:
    """One array task: build and check the tree's next generation, not yet current, and
    say so in the submission's task file."""
    from pyherd.conda.engine import session
    from pyherd.conda.install import install
    from pyherd.render import render_condarc

    _check_submission(item, where)
    started = time.time()
    base = {"tree": tree, "started": started}
    jobs.set_task_state(where, key, state="running", **base)
    try:
        with session():
            plan_ = item.tree(tree)
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

    _check_submission(item, where)
    tasks, arrays, _ = jobs.read_tasks(where)
    rows: list[tuple[str, str, str, str]] = []
    result: dict[str, dict[str, str]] = {}
    for task in tasks:
        log = str(where / "logs" / f"{task.key}.log")
        state = jobs.task_state(where, task.key)
        job = f"{arrays.get(task.group, '?')}_{task.index}"
        if state is None:
            outcome = "failed: the task never ran (cancelled, or lost with its node)"
        elif state["state"] != "built" or not isinstance(state.get("generation"), int):
            outcome = f"failed: {printable(str(state.get('reason', state['state'])))}"
        else:
            try:
                previous, _ = publish_staged(item.tree(task.tree), state["generation"])
            except PyherdError as exc:
                outcome = f"failed: {printable(str(exc))}"
            else:
                was = f" (was {previous})" if previous is not None else ""
                outcome = f"published: generation {state['generation']} is current{was}"
        rows.append((task.tree, job, outcome, log))
        result[task.tree] = {"job": job, "result": outcome, "log": log}
    jobs.write_json(where / PUBLISHED, {"published": time.time(), "trees": result})
    return rows


def _check_submission(item: Loaded, where: Path) -> None:
    """`where` is one of this site's submissions (never a path a task was handed)."""
    slurm = settings(item)
    top = jobs.site_dir(slurm.state_dir, item.site.name).resolve()
    if where.resolve().parent != top or not (where / SUBMISSION).is_file():
        raise ConfigError(f"{where}: not a submission of site {item.site.name} (under {top})")
