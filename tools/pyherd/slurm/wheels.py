"""`pyherd wheels build --slurm`: the wheels the wheelhouse lacks, built as one Slurm job
array for the build arch (its partition and node constraint), one task per (package,
Python), and a publish job that runs once every task is done (afterany).

What to build is decided as `wheels build --dry-run` decides it: each requirement, and
what the wheels already published need, resolved against the sources and the house;
only what would be built becomes a task. Each task runs the same build as `wheels
build` does on one machine (pyherd.wheelhouse.builder: its dependencies too, the local
tag, the test install and import), narrowed to its package and Python, and publishes
into its own staging area under <root>/.build/slurm/<submission>/<task>/. The publish
job hard-links what each task built into the wheelhouse (never replacing a file; two
tasks that built the same pure wheel keep the first), reports what failed with its log,
and indexes once.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from pyherd.errors import JobFailed, Locked, PyherdError, printable
from pyherd.layout import join
from pyherd.progress import Progress
from pyherd.project import Loaded, Paths
from pyherd.slurm import batch, jobs
from pyherd.slurm.jobs import PUBLISHED, Task
from pyherd.wheelhouse.plan import BuildPlan, Wanted, plan_build

PYTHON = re.compile(r"[0-9]+\.[0-9]+")
RESULTS = ("built", "skipped", "failed", "not needed")
Row = tuple[str, str, str, str, str]  # package, python, job, result, log


def submit(paths: Paths, item: Loaded, arch: str | None, *, dry_run: bool) -> tuple[list[str], int]:
    """Submit a task per wheel to build, and the publish job; the lines to print, and
    how many wheels cannot be built (no source for them)."""
    from pyherd.wheelhouse.builder import Builder
    from pyherd.wheelhouse.catalog import normalize

    slurm = batch.settings(item)
    plan = plan_build(item.site, item.model, paths.sites, arch)
    resolver = Builder(plan, plan.layout.build / "dry-run", dry_run=True, progress=Progress())
    outcomes = resolver.run(1)
    wanted = {w.project: w for w in resolver.order}
    busy = batch.in_flight(slurm, item.site.name, "wheels")
    lines: list[str] = []
    todo: list[tuple[Wanted, str]] = []
    failed = 0
    for out in outcomes:
        name = f"{normalize(out.project)}-{out.python}"
        if out.result == "failed":
            failed += 1
            lines.append(f"{name}: cannot be built: {out.detail}")
        elif out.result == "would build" and name in busy:
            lines.append(f"{name}: skipped, already submitted: {busy[name]}")
        elif out.result == "would build":
            todo.append((wanted[normalize(out.project)], out.python))
    held = sum(out.result in ("skipped", "not needed") for out in outcomes)
    lines.append(f"{held} already built or not needed for the build arch {plan.build_arch}")
    if not todo:
        return [*lines, "nothing to submit"], failed
    tasks = [
        Task(plan.build_arch, i, f"{w.project}-{python}", plan.build_arch,
             {"project": w.project, "python": python, "requirement": str(w.requirement),
              "for": "" if not w.is_dependency else w.file})
        for i, (w, python) in enumerate(todo)
    ]  # fmt: skip
    if dry_run:
        return lines + batch.dry_run(paths, item, "wheels", tasks), failed
    where, record = batch.submit(paths, item, "wheels", tasks)
    return lines + batch.submitted_lines(item, where, record, tasks), failed


def run_task(paths: Paths, item: Loaded, key: str, where: Path) -> int:
    """One array task: build its package for its Python (and what that needs) into the
    task's staging area, and record each outcome in the submission's task file."""
    from pyherd.wheelhouse.builder import build_staged
    from pyherd.wheelhouse.catalog import normalize

    task = batch.task_of(item, where, key, "wheels")
    base: dict[str, Any] = {"name": task.name, "started": time.time()}
    jobs.set_task_state(where, key, state="running", **base)
    try:
        plan = _task_plan(paths, item, task)
        outcomes = build_staged(plan, stage_of(plan, where, key), where / "logs" / key)
    except PyherdError as exc:
        jobs.set_task_state(where, key, state="failed", reason=printable(str(exc)), **base)
        raise
    logs = where / "logs" / key
    recorded = [
        {"project": o.project, "python": o.python, "result": o.result, "version": o.version,
         "detail": printable(o.detail), "seconds": round(o.seconds, 1),
         "log": str(logs / f"{normalize(o.project)}-{o.python}.log")}
        for o in outcomes
    ]  # fmt: skip
    bad = [o for o in outcomes if o.result == "failed"]
    state = "failed" if bad else "built"
    if bad:
        base["reason"] = f"{bad[0].project} {bad[0].python}: {printable(bad[0].detail)}"
    jobs.set_task_state(where, key, state=state, outcomes=recorded, **base)
    for o in outcomes:
        print(f"{o.project} {o.python}: {o.result}: {o.detail}")
    return 1 if bad else 0


def _task_plan(paths: Paths, item: Loaded, task: Task) -> BuildPlan:
    """The site's build plan narrowed to the task's package and Python; the requirement
    comes from the site's list where it is there, else (a dependency) from the record,
    checked to name the task's own project."""
    from packaging.requirements import InvalidRequirement, Requirement

    from pyherd.wheelhouse.catalog import normalize

    detail = task.detail or {}
    project, python = detail.get("project", ""), detail.get("python", "")
    plan = plan_build(item.site, item.model, paths.sites, task.arch)
    interpreter = next((p for p in plan.pythons if p.short == python), None)
    if interpreter is None or not PYTHON.fullmatch(python):
        raise JobFailed(f"task {task.key}: Python {python!r} is not one the site builds for")
    wanted = next((w for w in plan.wanted if w.project == project), None)
    if wanted is None:
        try:
            requirement = Requirement(detail.get("requirement", ""))
        except InvalidRequirement as exc:
            raise JobFailed(f"task {task.key}: {exc}") from None
        if normalize(requirement.name) != project or requirement.url:
            raise JobFailed(f"task {task.key}: {requirement} is not a requirement of {project}")
        needed_by = printable(detail.get("for", "")) or "a wheel of this site"
        wanted = Wanted(requirement, needed_by, 0)
    return replace(plan, wanted=(wanted,), pythons=(interpreter,))


def stage_of(plan: BuildPlan, where: Path, key: str) -> Path:
    """A task's staging area: under the wheelhouse's .build, so publishing is a hard link."""
    return plan.layout.build / "slurm" / join(where.resolve().name, key)


def publish(paths: Paths, item: Loaded, where: Path) -> list[Row]:
    """Link what each task built into the wheelhouse, then index; a row per wheel."""
    from pyherd.wheelhouse.jobs import index_site

    batch.check_submission(item, where, "wheels")
    tasks, arrays, _ = jobs.read_tasks(where)
    rows: list[Row] = []
    results: dict[str, dict[str, str]] = {}
    claimed: dict[str, str] = {}  # arch/file -> the task whose wheel was published
    plan_ = None
    for task in tasks:
        if plan_ is None:
            plan_ = plan_build(item.site, item.model, paths.sites, task.arch)
        job = f"{arrays.get(task.group, '?')}_{task.index}"
        own = _task_rows(plan_, where, task, job, claimed)
        rows += own
        results[task.name] = {"job": job, "result": _summary(own), "log": own[0][4]}
    if any(row[3].startswith("published") for row in rows):
        try:
            done = index_site(paths, item, dry_run=False)
        except (Locked, PyherdError) as exc:
            rows.append(("(index)", "", "", f"failed: {printable(str(exc))}", ""))
        else:
            rows.append(("(index)", "", "", f"indexed: {done.wheels} wheels", ""))
    if plan_ is not None:
        shutil.rmtree(plan_.layout.build / "slurm" / where.resolve().name, ignore_errors=True)
    failed = sum(row[3].startswith("failed") for row in rows)
    jobs.write_json(
        where / PUBLISHED, {"published": time.time(), "results": results, "failed": failed}
    )
    return rows


def _task_rows(
    plan: BuildPlan, where: Path, task: Task, job: str, claimed: dict[str, str]
) -> list[Row]:
    detail = task.detail or {}
    log = batch.log_of(where, task)
    head = (detail.get("project", task.name), detail.get("python", ""), job)
    state = jobs.task_state(where, task.key)
    if state is None:
        return [(*head, "failed: the task never ran (cancelled, or lost with its node)", log)]
    outcomes = [o for o in state.get("outcomes") or [] if _valid(o)]
    if not outcomes:
        return [(*head, f"failed: {printable(str(state.get('reason', state['state'])))}", log)]
    rows = []
    stage = stage_of(plan, where, task.key) / "wheels"
    for o in outcomes:
        if o["result"] == "built":
            result = _link(plan, stage, o["detail"], task.key, claimed)
        else:
            result = f"{o['result']}: {printable(o['detail'])}" if o["detail"] else o["result"]
        own_log = printable(o["log"]) if o["result"] == "failed" else log
        rows.append((o["project"], o["python"], job, result, own_log))
    return rows


def _valid(outcome: object) -> bool:
    """A task's outcome as run_task writes it; anything else is left out."""
    if not isinstance(outcome, dict):
        return False
    fields = ("project", "python", "result", "detail", "log")
    if not all(isinstance(outcome.get(f), str) for f in fields):
        return False
    return outcome["result"] in RESULTS and PYTHON.fullmatch(outcome["python"]) is not None


def _link(plan: BuildPlan, stage: Path, detail: str, key: str, claimed: dict[str, str]) -> str:
    """Publish one staged wheel (detail: arch/file) into the wheelhouse."""
    from pyherd.wheelhouse.builder import differs, link_wheel, same_wheel
    from pyherd.wheelhouse.catalog import BadWheelName, from_filename

    arch, _, name = detail.partition("/")
    try:
        if arch not in plan.config.archs or "/" in name or name.startswith("."):
            raise BadWheelName(detail)
        from_filename(name, arch)
    except BadWheelName:
        return f"failed: {printable(detail)!r} is not a wheel of one of the wheelhouse's archs"
    staged = stage / arch / name
    try:
        if not stat.S_ISREG(os.lstat(staged).st_mode):
            return f"failed: {staged} is not a regular file"
        if link_wheel(staged, plan.layout.arch(arch)):
            claimed[detail] = key
            return f"published: {detail}"
        target = plan.layout.arch(arch) / name
        if detail in claimed:
            return f"skipped: task {claimed[detail]} built {name} too; its wheel was kept"
        if same_wheel(staged, target):
            return f"skipped: already published: {detail}"
        return f"failed: {differs(target)}"
    except OSError as exc:
        return f"failed: {exc.filename or staged}: {exc.strerror}"


def _summary(rows: list[Row]) -> str:
    """A task's result in a line: its own wheel's, and how its dependencies went."""
    first, rest = rows[0][3], rows[1:]
    if not rest:
        return first
    failed = sum(row[3].startswith("failed") for row in rest)
    what = "dependency" if len(rest) == 1 else "dependencies"
    return f"{first}; {len(rest)} {what}" + (f", {failed} failed" if failed else "")
