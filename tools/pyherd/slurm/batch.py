"""What every Slurm build of pyherd shares: tasks submitted as one job array per group
(an architecture: its partition and node constraint) and a publish job after them
(afterany); the job scripts, rendered from templates/slurm/; the check that skips what
an earlier submission still holds; and the check that a path handed to a node-side
command is one of the site's own submissions.

What a task builds and how it is published belong to the callers: pyherd.slurm.install
(conda trees) and pyherd.slurm.wheels (the wheelhouse).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from pyherd.errors import ConfigError, JobFailed, Problem
from pyherd.project import Loaded, Paths
from pyherd.slurm import jobs
from pyherd.slurm.jobs import PUBLISHED, SUBMISSION, Task
from pyherd.slurm.settings import SlurmSettings

# what the array's tasks do, by kind: (the pyherd command they run, what the script says)
KINDS = {
    "install": ("install", "Builds conda trees"),
    "wheels": ("wheels build", "Builds wheels"),
}


def settings(item: Loaded) -> SlurmSettings:
    if item.site.slurm is None:
        raise ConfigError(
            Problem(item.site.file, None, "slurm", "missing: name at least its state_dir")
        )
    return item.site.slurm


def in_flight(slurm: SlurmSettings, site: str, kind: str) -> dict[str, str]:
    """Tasks an earlier submission of this kind still holds: name -> what it is doing
    (queued, running, or built and waiting for its publish job)."""
    busy: dict[str, str] = {}
    for submission in jobs.submissions(slurm.state_dir, site):
        if (submission / PUBLISHED).is_file() or jobs.kind(submission) != kind:
            continue
        tasks, arrays, publish = jobs.read_tasks(submission)
        queue = jobs.submission_queue(arrays, publish)
        publishing = bool(publish) and publish in queue
        for task in tasks:
            state = jobs.task_state(submission, task.key)
            job = arrays.get(task.group, "")
            queued = jobs.task_queued(queue, arrays, task)
            if state and state["state"] == "running" and queued:
                busy[task.name] = f"running (job {job}_{task.index})"
            elif state and state["state"] == "built" and publishing:
                busy[task.name] = f"built, waiting for publish job {publish}"
            elif state is None and queued:
                busy[task.name] = f"{queued} (job {job}_{task.index})"
    return busy


def scripts(
    paths: Paths, item: Loaded, kind: str, tasks: list[Task], where: Path
) -> dict[str, str]:
    """The job scripts by file name: <kind>-<group>.sh per array, and publish.sh."""
    from pyherd.render import site_environment  # jinja2: only when scripts are written

    slurm = settings(item)
    env = site_environment(item.site, paths.templates)
    command, what = KINDS[kind]
    common = {
        "site": item.site,
        "kind": kind,
        "command": command,
        "dir": str(where),
        "project": str(paths.project.resolve()),
        "sites": str(paths.sites.resolve()),
        "templates": str(paths.templates.resolve()),
        "python": sys.executable,
    }
    out: dict[str, str] = {}
    for group in dict.fromkeys(task.group for task in tasks):
        members = [task for task in tasks if task.group == group]
        partition, constraint = slurm.placement(members[0].arch)
        out[f"{kind}-{group}.sh"] = env.get_template("slurm/array.sh.j2").render(
            tasks=members, group=group, partition=partition, constraint=constraint,
            what=what, **common,
        )  # fmt: skip
    out["publish.sh"] = env.get_template("slurm/publish.sh.j2").render(
        partition=slurm.partition, **common
    )
    return out


def dry_run(paths: Paths, item: Loaded, kind: str, tasks: list[Task]) -> list[str]:
    """The scripts a submission would write, and the commands it would run."""
    where = jobs.site_dir(settings(item).state_dir, item.site.name) / "<submission>"
    lines: list[str] = []
    for name, text in scripts(paths, item, kind, tasks, where).items():
        lines += [f"--- {name}", text.rstrip("\n")]
    lines.append(f"would run: sbatch --parsable {kind}-<group>.sh for each array, then "
                 "sbatch --parsable --dependency=afterany:<arrays> publish.sh")  # fmt: skip
    return lines


def submit(paths: Paths, item: Loaded, kind: str, tasks: list[Task]) -> tuple[Path, dict[str, Any]]:
    """Write the submission and sbatch its arrays, then the publish job after them; the
    submission's directory and record. Nothing half-submitted stays queued."""
    slurm = settings(item)
    where = jobs.new_submission(slurm.state_dir, item.site.name)
    for name, text in scripts(paths, item, kind, tasks, where).items():
        (where / name).write_text(text)
        (where / name).chmod(0o755)
    record: dict[str, Any] = {
        "site": item.site.name,
        "kind": kind,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "tasks": [_task_record(t) for t in tasks],
        "arrays": {},
        "publish": "",
    }
    jobs.write_json(where / SUBMISSION, record)
    submitted: list[str] = []
    try:
        for group in dict.fromkeys(task.group for task in tasks):
            job = jobs.sbatch(where / f"{kind}-{group}.sh")
            submitted.append(job)
            record["arrays"][group] = job
            jobs.write_json(where / SUBMISSION, record)
        after = "afterany:" + ":".join(submitted)
        record["publish"] = jobs.sbatch(where / "publish.sh", f"--dependency={after}")
        jobs.write_json(where / SUBMISSION, record)
    except JobFailed:
        jobs.scancel(submitted)
        raise
    return where, record


def _task_record(task: Task) -> dict[str, Any]:
    own = {"group": task.group, "index": task.index, "name": task.name, "arch": task.arch}
    return {**own, **(task.detail or {})}


def submitted_lines(
    item: Loaded, where: Path, record: dict[str, Any], tasks: list[Task]
) -> list[str]:
    lines = [
        f"{task.name}: job {record['arrays'][task.group]}_{task.index}"
        + (f" (arch {task.arch})" if task.arch else "")
        for task in tasks
    ]
    lines.append(f"publish: job {record['publish']} (after the builds); state in {where}")
    lines.append(f"follow it with: pyherd jobs --site {item.site.name}")
    return lines


def task_of(item: Loaded, where: Path, key: str, kind: str) -> Task:
    """The task `key` of the submission `where`, which must be this site's, of this kind."""
    check_submission(item, where, kind)
    tasks, _, _ = jobs.read_tasks(where)
    found = next((task for task in tasks if task.key == key), None)
    if found is None:
        raise ConfigError(f"{where}: no task {key!r}")
    return found


def check_submission(item: Loaded, where: Path, kind: str) -> None:
    """`where` is one of this site's submissions of this kind (never a path a task was
    handed)."""
    slurm = settings(item)
    top = jobs.site_dir(slurm.state_dir, item.site.name).resolve()
    if where.resolve().parent != top or not (where / SUBMISSION).is_file():
        raise ConfigError(f"{where}: not a submission of site {item.site.name} (under {top})")
    if jobs.kind(where) != kind:
        raise ConfigError(f"{where}: not a submission of `pyherd {KINDS[kind][0]}`")


def log_of(where: Path, task: Task) -> str:
    """Slurm's output of the task."""
    return str(where / "logs" / f"{task.key}.log")
