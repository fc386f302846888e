"""Build the site's wheels and what they need: one (package, Python) at a time, each
failure kept to itself.

For each requirement and each Python: choose the sdist from the sources (by
file name), skip when the wheelhouse already holds that version for that Python
(in generic or the build arch: what a node of that arch installs), else build it
with `pip wheel --no-deps --no-build-isolation` in a build venv of that Python
(created once per run, with the site's build requirements, and once more for a
package with extra requirements), add the local tag, install it into a fresh
venv and import it, and only then publish it: pure wheels to generic/, compiled
ones to the build arch's directory, by hard link, which never replaces a file.
A different file of the same name already published is a failure, never an
overwrite. The requirements of one package run their Pythons in order, so a pure
wheel built for the first Python is simply found by the next.

The run closes over dependencies, as the Alliance's wheel builder does: each wheel
built or found names what it needs (Requires-Dist, markers evaluated for that Python
and the extras asked for); a dependency the requirement list does not name is built
too, unless the wheelhouse already holds a version it accepts. `only_binary` in
wheelhouse.packages chooses, per package, the source's published wheel over a build.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import threading
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path

from packaging.specifiers import SpecifierSet
from packaging.version import InvalidVersion, Version

from pyherd.layout import join
from pyherd.progress import Progress
from pyherd.wheelhouse.catalog import BadWheelName, Row, covers, from_filename, normalize
from pyherd.wheelhouse.plan import BuildPlan, Interpreter, Wanted
from pyherd.wheelhouse.retag import RetagError, add_local_tag, tagged_version
from pyherd.wheelhouse.sources import Candidate, SourceError, Sources, fetch
from pyherd.wheelhouse.steps import BuildFailed, run, top_level
from pyherd.wheelhouse.wheelfile import requires_dist, same_contents


@dataclass
class BuildOutcome:
    project: str
    python: str
    result: str = ""  # built | skipped | failed | would build | not needed
    version: str = ""
    detail: str = ""  # the published file, or why not
    seconds: float = 0.0
    wheel: str = ""  # the wheel built (published or not) or found: what it needs is built too


@dataclass
class _Deferred:
    """A built wheel whose test install failed; tried again once the run's others are out."""

    outcome: BuildOutcome
    python: Interpreter
    staged: Path
    arch: str
    imports: tuple[str, ...]
    log: Path


class Builder:
    def __init__(
        self,
        plan: BuildPlan,
        work: Path,
        *,
        dry_run: bool,
        progress: Progress,
        publish_to: Path | None = None,
        logs: Path | None = None,
    ):
        """publish_to: publish into <publish_to>/<arch>/ instead of the wheelhouse (a Slurm
        task's staging area); logs: where build logs go (default <work>/logs)."""
        self.plan = plan
        self.work = work
        self.publish_to = publish_to
        self.logs = logs or work / "logs"
        self.dry_run = dry_run
        self.progress = progress
        self.sources = Sources(plan.sources)
        self.search = tuple(dict.fromkeys((plan.build_arch, "generic")))
        self.rows: dict[str, list[Row]] = {}  # published wheels a node of build_arch sees
        for arch in self.search:
            if plan.layout.arch(arch).is_dir():
                for name in os.listdir(plan.layout.arch(arch)):
                    if name.endswith(".whl") and not name.startswith("."):
                        with contextlib.suppress(BadWheelName):  # the index reports those
                            self._add(from_filename(name, arch))
        self._lock = threading.Lock()
        self._venvs: dict[tuple[str, tuple[str, ...]], Path | BuildFailed] = {}
        self._venv_locks: dict[tuple[str, tuple[str, ...]], threading.Lock] = {}
        self._deferred: list[_Deferred] = []
        self.published = 0
        self.order: list[Wanted] = []  # what the run was asked for, then what that needed

    def run(self, jobs: int) -> list[BuildOutcome]:
        """Every (requirement, Python) outcome: the requirement list's in its order, then
        the dependencies it needed, in the order they were found."""
        order = self.order = list(self.plan.wanted)
        seen = {wanted.project for wanted in order}
        groups: dict[int, list[BuildOutcome]] = {}
        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            pending: dict[Future[list[BuildOutcome]], int] = {
                pool.submit(self._requirement, wanted): i for i, wanted in enumerate(order)
            }
            while pending:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    i = pending.pop(future)
                    groups[i] = future.result()
                    for need in self._needs(order[i], groups[i]):
                        if need.project not in seen:
                            seen.add(need.project)
                            order.append(need)
                            pending[pool.submit(self._requirement, need)] = len(order) - 1
        outcomes = [o for i in range(len(order)) for o in groups[i]]
        waiting, published = self._deferred, 0
        while waiting and self.published != published:  # a dependency may be out since:
            published = self.published  # retry until a round publishes nothing new
            for item in waiting:
                self._retry(item)
            waiting = [item for item in waiting if item.outcome.result == "failed"]
        return outcomes

    # -- one requirement ------------------------------------------------------------------

    def _requirement(self, wanted: Wanted) -> list[BuildOutcome]:
        outcomes = []
        for python in self.plan.pythons:
            outcome = BuildOutcome(wanted.requirement.name, python.short)
            start = time.monotonic()
            try:
                self._one(wanted, python, outcome)
            except (BuildFailed, SourceError, RetagError) as exc:
                outcome.result, outcome.detail = "failed", str(exc)
            except OSError as exc:
                outcome.result, outcome.detail = "failed", f"{exc.filename or ''}: {exc.strerror}"
            outcome.seconds = time.monotonic() - start
            if outcome.result in ("built", "failed"):
                self.progress.step(f"{outcome.project} {python.short}: {outcome.result}")
            outcomes.append(outcome)
        return outcomes

    def _needs(self, wanted: Wanted, outcomes: list[BuildOutcome]) -> list[Wanted]:
        """What the wheels built or found for `wanted` need, per Python they were for."""
        from packaging.requirements import InvalidRequirement, Requirement

        needs: list[Wanted] = []
        for out in outcomes:
            if not out.wheel:  # failed, not needed, or not built yet (a dry run)
                continue
            python = next(p for p in self.plan.pythons if p.short == out.python)
            env = _marker_env(python)
            for line in requires_dist(Path(out.wheel)):
                try:
                    req = Requirement(line)
                except InvalidRequirement:
                    continue
                extras = wanted.requirement.extras or {""}
                if req.marker is not None and not any(
                    req.marker.evaluate({**env, "extra": extra}) for extra in extras
                ):
                    continue
                req.marker = None  # settled for this Python
                needs.append(Wanted(req, f"needed by {wanted.requirement.name}", 0))
        return needs

    def _one(self, wanted: Wanted, python: Interpreter, out: BuildOutcome) -> None:
        req, project = wanted.requirement, wanted.project
        if req.marker is not None and not req.marker.evaluate(_marker_env(python)):
            out.result, out.detail = "not needed", f"{req.marker} is false for {python.short}"
            return
        settings = self.plan.package(project)
        specifier = req.specifier & self.plan.pinned.get(project, SpecifierSet())
        if wanted.is_dependency and (held := self._accepting(project, specifier, python)):
            out.version = held.version + (f"+{held.localversion}" if held.localversion else "")
            out.result, out.detail = "skipped", f"{wanted.file}, already here: {held.file}"
            out.wheel = str(self.plan.layout.arch(held.arch) / held.file)
            return
        kind = "wheel" if settings.only_binary else "sdist"
        cand = self.sources.choose(
            project, specifier, python.major_minor, wheel=settings.only_binary
        )
        if cand is None:
            raise BuildFailed(
                f"no {kind} of {req.name}{specifier} for Python {python.short} in the sources"
            )
        tag = self.plan.local_tag
        version = tagged_version(str(cand.version), tag) if tag else str(cand.version)
        out.version = version
        if found := self._published(project, version, python):
            out.result, out.detail = "skipped", f"already built: {found.arch}/{found.file}"
            out.wheel = str(self.plan.layout.arch(found.arch) / found.file)
            return
        if self.dry_run:
            out.result, out.detail = "would build", f"from {cand.filename}"
            return
        log = self.logs / join(f"{project}-{python.short}.log")
        log.parent.mkdir(parents=True, exist_ok=True)
        self.progress.step(f"{req.name} {python.short}: building {version} from {cand.filename}")
        built = self._build(cand, python, project, log)
        staged_dir = self.work / join("stage", f"{project}-{python.short}")
        staged_dir.mkdir(parents=True)
        if tag:
            staged = add_local_tag(built, tag, staged_dir)
        else:
            staged = Path(shutil.copy(built, staged_dir))
        row = from_filename(staged.name, "")
        arch = "generic" if row.abi == "none" and row.platform == "any" else self.plan.build_arch
        self._refuse_overwrite(staged, arch)
        out.wheel = str(staged)  # its dependencies are built even if its test waits for them
        imports = settings.imports if settings.imports is not None else top_level(staged)
        try:
            self._test(python, staged, imports, log)
        except BuildFailed as exc:
            out.result, out.detail = "failed", str(exc)  # unless the retry below passes
            with self._lock:
                self._deferred.append(_Deferred(out, python, staged, arch, imports, log))
            return
        self._publish(out, staged, arch)

    def _published(self, project: str, version: str, python: Interpreter) -> Row | None:
        """The wheel of this project and version a node of the build arch would install."""
        wanted = _version(version)
        with self._lock:
            for row in self.rows.get(project, ()):
                full = row.version + (f"+{row.localversion}" if row.localversion else "")
                if _version(full) == wanted and covers(row, python.major_minor):
                    return row
        return None

    def _accepting(self, project: str, specifier: SpecifierSet, python: Interpreter) -> Row | None:
        """A published wheel a node of the build arch installs that `specifier` accepts."""
        with self._lock:
            for row in self.rows.get(project, ()):
                version = _version(row.version)
                if (
                    version is not None
                    and specifier.contains(version, prereleases=True)
                    and covers(row, python.major_minor)
                ):
                    return row
        return None

    def _add(self, row: Row) -> None:
        self.rows.setdefault(normalize(row.name), []).append(row)

    # -- build, test, publish ------------------------------------------------------------

    def _build(self, cand: Candidate, python: Interpreter, project: str, log: Path) -> Path:
        source = fetch(cand, self.work / "downloads")
        if cand.is_wheel:
            return source
        settings = self.plan.package(project)
        venv = self._venv(python, settings.extra_requirements, log)
        out = self.work / join("built", f"{project}-{python.short}")
        out.mkdir(parents=True)
        run(
            [str(venv / "bin/python"), "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
             "--no-index", "--wheel-dir", str(out), str(source)],
            log, f"pip wheel {cand.filename}", settings.env,
        )  # fmt: skip
        wheels = sorted(out.glob("*.whl"))
        if len(wheels) != 1:
            raise BuildFailed(f"pip wheel {cand.filename} made {len(wheels)} wheels, not 1")
        row = from_filename(wheels[0].name, "")
        made = row.version + (f"+{row.localversion}" if row.localversion else "")
        if normalize(row.name) != project or _version(made) != cand.version:
            raise BuildFailed(
                f"{cand.filename} built {wheels[0].name}, not {project} {cand.version}"
            )
        return wheels[0]

    def _venv(self, python: Interpreter, extras: tuple[str, ...], log: Path) -> Path:
        """The run's build venv for this Python (and these extra requirements), made once."""
        key = (python.short, tuple(sorted(extras)))
        with self._lock:
            lock = self._venv_locks.setdefault(key, threading.Lock())
        with lock:
            made = self._venvs.get(key)
            if isinstance(made, Path):
                return made
            if isinstance(made, BuildFailed):
                raise BuildFailed(str(made))
            venv = self.work / "venvs" / f"{python.short}-{len(self._venvs)}"
            self.progress.step(f"build venv for Python {python.short}" + (
                f" with {', '.join(extras)}" if extras else ""))  # fmt: skip
            try:
                run([str(python.path), "-m", "venv", str(venv)], log, "python -m venv")
                run(
                    [str(venv / "bin/python"), "-m", "pip", "install", "--upgrade",
                     *self._pip_sources(), *self._constraints(),
                     *self.plan.build_requirements, *extras],
                    log, f"build venv for Python {python.short}: pip install",
                )  # fmt: skip
            except BuildFailed as exc:
                self._venvs[key] = exc
                raise
            self._venvs[key] = venv
            return venv

    def _test(self, python: Interpreter, wheel: Path, imports: tuple[str, ...], log: Path) -> None:
        """Install into a fresh venv of this Python (dependencies from the wheelhouse), import."""
        pip_venv = self._venv(python, (), log)
        target = Path(tempfile.mkdtemp(prefix="test-", dir=self.work))
        try:
            run([str(python.path), "-m", "venv", "--without-pip", str(target)], log, "test venv")
            staged = sorted((self.work / "stage").glob("*/"))
            links = [*staged, *(self.plan.layout.arch(a) for a in self.search)]
            find_links = [arg for d in links if d.is_dir() for arg in ("--find-links", str(d))]
            run(
                [str(pip_venv / "bin/python"), "-m", "pip", "--python", str(target / "bin/python"),
                 "install", "--no-index", *find_links, str(wheel)],
                log, f"test install of {wheel.name}",
            )  # fmt: skip
            if imports:
                run(
                    [str(target / "bin/python"), "-I", "-c", "import " + ", ".join(imports)],
                    log, f"import {', '.join(imports)}", cwd=target,
                )  # fmt: skip
        finally:
            shutil.rmtree(target, ignore_errors=True)

    def _retry(self, item: _Deferred) -> None:
        start = time.monotonic()
        try:
            self._test(item.python, item.staged, item.imports, item.log)
            self._publish(item.outcome, item.staged, item.arch)
        except (BuildFailed, OSError) as exc:
            item.outcome.result, item.outcome.detail = "failed", str(exc)
        item.outcome.seconds += time.monotonic() - start

    def _refuse_overwrite(self, staged: Path, arch: str) -> None:
        target = self.plan.layout.arch(arch) / staged.name
        if target.exists() and not same_wheel(staged, target):
            raise BuildFailed(differs(target))

    def _publish(self, out: BuildOutcome, staged: Path, arch: str) -> None:
        directory = self.publish_to / arch if self.publish_to else self.plan.layout.arch(arch)
        os.chmod(staged, 0o644)
        if not link_wheel(staged, directory):
            self._refuse_overwrite(staged, arch)
            out.result, out.detail = "skipped", f"already published: {arch}/{staged.name}"
            return
        with self._lock:
            self._add(from_filename(staged.name, arch))
            self.published += 1
        out.result, out.detail = "built", f"{arch}/{staged.name}"

    # -- pip arguments --------------------------------------------------------------------

    def _pip_sources(self) -> list[str]:
        args: list[str] = []
        urls = [s for s in self.plan.sources if not s.startswith("/")]
        for i, url in enumerate(urls):
            args += ["--index-url" if i == 0 else "--extra-index-url", url]
        if not urls:
            args.append("--no-index")
        for source in self.plan.sources:
            if source.startswith("/"):
                args += ["--find-links", source]
        for arch in self.search:
            if self.plan.layout.arch(arch).is_dir():
                args += ["--find-links", str(self.plan.layout.arch(arch))]
        return args

    def _constraints(self) -> list[str]:
        return ["--constraint", str(self.plan.constraints)] if self.plan.constraints else []


def link_wheel(staged: Path, directory: Path) -> bool:
    """Publish `staged` into `directory` by hard link: atomic, and never replacing a file.
    False when a file of its name is already there (the caller compares them)."""
    directory.mkdir(parents=True, exist_ok=True)
    try:
        os.link(staged, directory / staged.name, follow_symlinks=False)
    except FileExistsError:
        return False
    return True


def same_wheel(staged: Path, published: Path) -> bool:
    """The published file is this build: the same bytes, or the same files in its zip."""
    return published.read_bytes() == staged.read_bytes() or same_contents(staged, published)


def differs(target: Path) -> str:
    return (f"{target} is already published and differs from this build; "
            "pyherd never replaces a published wheel (remove it by hand to rebuild)")  # fmt: skip


def _marker_env(python: Interpreter) -> dict[str, str]:
    """Marker values for a build for `python` (the platform's are this host's)."""
    return {"python_version": python.short, "python_full_version": python.version, "extra": ""}


def _version(text: str) -> Version | None:
    try:
        return Version(text)
    except InvalidVersion:
        return None


def build(
    plan: BuildPlan, *, jobs: int = 1, dry_run: bool = False, progress: Progress | None = None
) -> list[BuildOutcome]:
    """Build what the requirement list lacks; outcomes per (requirement, Python).

    Under <root>/.build/lock (exit 75 when another build holds it). The run works
    in <root>/.build/run-*/ (same filesystem, so publishing is a hard link), which is
    removed at the end; the logs of the last run that built anything stay in
    <root>/.build/logs/. A dry run resolves versions and writes nothing.
    """
    from pyherd.lock import TreeLock

    progress = progress or Progress(enabled=False)
    base = plan.layout.build
    if dry_run:
        return Builder(plan, base / "dry-run", dry_run=True, progress=progress).run(jobs)
    base.mkdir(parents=True, exist_ok=True)
    with TreeLock(plan.layout.build_lock):
        for stale in base.glob("run-*"):  # left by a killed run
            shutil.rmtree(stale, ignore_errors=True)
        work = Path(tempfile.mkdtemp(prefix="run-", dir=base))
        try:
            outcomes = Builder(plan, work, dry_run=False, progress=progress).run(jobs)
            if (work / "logs").is_dir():
                shutil.rmtree(plan.layout.build_logs, ignore_errors=True)
                (work / "logs").rename(plan.layout.build_logs)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return outcomes


def build_staged(plan: BuildPlan, stage: Path, logs: Path) -> list[BuildOutcome]:
    """One Slurm task's build: as `build`, but what passes its test is published into
    <stage>/wheels/<arch>/ for the submission's publish job to link into the wheelhouse. No build
    lock: the tasks of a submission run side by side, each in its own staging area."""
    stage.mkdir(parents=True, exist_ok=True)
    logs.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="work-", dir=stage))
    try:
        builder = Builder(plan, work, dry_run=False, progress=Progress(),
                          publish_to=stage / "wheels", logs=logs)  # fmt: skip
        return builder.run(1)
    finally:
        shutil.rmtree(work, ignore_errors=True)
