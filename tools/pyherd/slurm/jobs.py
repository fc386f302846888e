"""Submissions to Slurm: the job scripts pyherd renders, what sbatch answered, and the
state each task writes (many sites run without Slurm accounting, so the files are the
record; squeue only says what is still queued or running).

A submission is a directory under <slurm.state_dir>/<site>/: submission.json (its kind,
the tasks and their job ids), the scripts, tasks/<key>.json (each task's state, written
by the task itself), logs/ (Slurm's output of each task), and published.json once the
publish job ran. Every name in it comes from the site's grammars; nothing read back from it is
trusted beyond its grammar.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pyherd.errors import JobFailed
from pyherd.layout import under
from pyherd.names import TREE, WORD
from pyherd.writer import atomic_write

SUBMISSION = "submission.json"
PUBLISHED = "published.json"
JOB_ID = re.compile(r"[0-9]+")
TASK_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+-]*-[0-9]+")
STATES = ("running", "built", "failed", "published")
_TASK_FIELDS = ("group", "index", "name", "arch")


@dataclass(frozen=True)
class Task:
    group: str  # the array it is in: one per arch ("default" for none)
    index: int  # in its array
    name: str  # what it builds: a tree, or a wheel's project-python (numpy-3.11)
    arch: str | None
    detail: dict[str, str] | None = field(default=None, compare=False, hash=False)

    @property
    def key(self) -> str:
        """Its name in the submission's files: default-0, x86-64-v3-1."""
        return f"{self.group}-{self.index}"


def site_dir(state_dir: str, site: str) -> Path:
    return under(Path(state_dir), site)


def new_submission(state_dir: str, site: str) -> Path:
    stamp = time.strftime("%Y%m%dT%H%M%S")
    path = site_dir(state_dir, site) / f"{stamp}-{os.getpid()}"
    (path / "tasks").mkdir(parents=True)
    (path / "logs").mkdir()
    return path


def write_json(path: Path, data: dict[str, Any]) -> None:
    atomic_write(path, (json.dumps(data, indent=1, sort_keys=True) + "\n").encode())


def read_json(path: Path) -> dict[str, Any] | None:
    """A state file's mapping, or None when absent, a link, or not one."""
    try:
        if path.is_symlink():
            return None
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def task_state(submission: Path, key: str) -> dict[str, Any] | None:
    """What the task wrote of itself: running, built (with its generation) or failed."""
    if not TASK_KEY.fullmatch(key):
        return None
    state = read_json(submission / "tasks" / f"{key}.json")
    if state is None or state.get("state") not in STATES:
        return None
    return state


def set_task_state(submission: Path, key: str, **state: Any) -> None:
    if not TASK_KEY.fullmatch(key):
        raise JobFailed(f"{key!r} is not a task of a submission")
    write_json(submission / "tasks" / f"{key}.json", state)


def kind(submission: Path) -> str:
    """What the submission builds: install (conda trees) or wheels."""
    found = (read_json(submission / SUBMISSION) or {}).get("kind")
    return found if found in ("install", "wheels") else "install"


def read_tasks(submission: Path) -> tuple[list[Task], dict[str, str], str]:
    """The tasks a submission holds, each array's job id, and the publish job's id;
    entries that do not match their grammars are left out."""
    data = read_json(submission / SUBMISSION) or {}
    tasks = []
    for item in data.get("tasks", []):
        if not isinstance(item, dict):
            continue
        group, index, name = item.get("group"), item.get("index"), item.get("name")
        arch = item.get("arch")
        if (isinstance(group, str) and isinstance(index, int) and isinstance(name, str)
                and TASK_KEY.fullmatch(f"{group}-{index}") and TREE.accepts(name)
                and (arch is None or (isinstance(arch, str) and WORD.accepts(arch)))):  # fmt: skip
            detail = {k: v for k, v in item.items() if k not in _TASK_FIELDS
                      and isinstance(k, str) and isinstance(v, str)}  # fmt: skip
            tasks.append(Task(group, index, name, arch, detail))
    arrays = {
        str(group): str(job)
        for group, job in (data.get("arrays") or {}).items()
        if isinstance(job, str) and JOB_ID.fullmatch(job)
    }
    publish = data.get("publish", "")
    return tasks, arrays, publish if isinstance(publish, str) and JOB_ID.fullmatch(publish) else ""


def submissions(state_dir: str, site: str) -> list[Path]:
    """The site's submissions, oldest first."""
    top = site_dir(state_dir, site)
    if not top.is_dir():
        return []
    return sorted(p for p in top.iterdir() if p.is_dir() and not p.is_symlink()
                  and (p / SUBMISSION).is_file())  # fmt: skip


def sbatch(script: Path, *extra: str) -> str:
    """Submit `script`; its job id. JobFailed with sbatch's own words."""
    command = shutil.which("sbatch")
    if command is None:
        raise JobFailed("sbatch not found: --slurm needs Slurm's client commands on PATH")
    ran = subprocess.run(
        [command, "--parsable", *extra, str(script)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    job = ran.stdout.strip().split(";")[0]
    if ran.returncode != 0 or not JOB_ID.fullmatch(job):
        raise JobFailed(f"sbatch {script.name}: {ran.stderr.strip() or ran.stdout.strip()}")
    return job


def scancel(jobs: list[str]) -> None:
    command = shutil.which("scancel")
    if command and jobs:
        subprocess.run([command, *jobs], capture_output=True, timeout=60, check=False)


def queued(jobs: list[str]) -> dict[str, str]:
    """squeue's state of each job (array tasks as JOB_INDEX) still known to it."""
    command = shutil.which("squeue")
    if command is None or not jobs:
        return {}
    ran = subprocess.run(
        [command, "-h", "-r", "-o", "%i %T", "-j", ",".join(jobs)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    out: dict[str, str] = {}
    for line in ran.stdout.splitlines():
        parts = line.split()
        if len(parts) == 2:
            out[parts[0]] = parts[1].lower()
    return out


def submission_queue(arrays: dict[str, str], publish: str) -> dict[str, str]:
    """squeue's state of a submission's arrays, their tasks and its publish job."""
    return queued([*arrays.values(), *([publish] if publish else [])])


def task_queued(queue: dict[str, str], arrays: dict[str, str], task: Task) -> str | None:
    """The task's state in squeue (a pending array may be listed whole), or None."""
    job = arrays.get(task.group, "")
    return (queue.get(f"{job}_{task.index}") or queue.get(job)) if job else None
