"""Install a tree as a new generation: build beside `current`, check, then swap.

Order of work, and what each failure leaves:
  solve (worker; nothing written) → install into generations/<id> → .condarc →
  records → seal permissions → health checks → status "ready" → swap `current` →
  collect beyond `keep`.
Until the swap, `current` and every published generation are untouched; a run that
dies part-way leaves an incomplete generation that the next run removes.
"""

from __future__ import annotations

import os
import platform
import shutil
import stat
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyherd
from pyherd.conda import checks, generations, vendor
from pyherd.conda.engine import run_worker
from pyherd.conda.generations import Generation, TreeDir
from pyherd.conda.inuse import in_use
from pyherd.conda.layout import records
from pyherd.conda.plan import EnvPlan, TreePlan
from pyherd.errors import ConfigError, JobFailed
from pyherd.faults import checkpoint
from pyherd.lock import TreeLock
from pyherd.progress import Progress


@dataclass
class Installed:
    """What `install` did: the new current generation and what it cleaned away."""

    tree: str
    generation: int
    previous: int | None
    packages: int
    seconds: float
    collected: list[int] = field(default_factory=list)
    cleaned: list[int] = field(default_factory=list)


def _platform() -> str:
    machine = platform.machine()
    return {"x86_64": "linux-64", "aarch64": "linux-aarch64", "ppc64le": "linux-ppc64le"}.get(
        machine, "linux-64"
    )


def check_root(plan: TreePlan, allow_world_writable: bool) -> None:
    """Refuse a root that anyone may write into, and a tree whose own directories (the
    tree, generations/, .pkgs, .downloads) are links, belong to someone else, or are
    writable by group or others: a package or installer could be swapped in between
    its sha256 check and its use."""
    try:
        mode = os.stat(plan.root).st_mode
    except FileNotFoundError:
        mode = 0
    if mode & stat.S_IWOTH and not allow_world_writable:
        raise JobFailed(
            f"{plan.root} is world-writable (mode {stat.S_IMODE(mode):o}): anyone could "
            "replace what users run; fix its mode or pass --allow-world-writable"
        )
    layout = plan.layout
    for path in (layout.dir, layout.generations, layout.pkgs, layout.downloads):
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            continue
        if stat.S_ISLNK(st.st_mode):
            raise JobFailed(f"{path} is a symbolic link; pyherd installs through none")
        if st.st_uid != os.geteuid():
            raise JobFailed(
                f"{path} belongs to uid {st.st_uid}, not to this user ({os.geteuid()}): "
                "only the tree's owner may write into it"
            )
        if st.st_mode & (stat.S_IWGRP | stat.S_IWOTH) and not (
            allow_world_writable and path == layout.dir
        ):
            raise JobFailed(
                f"{path} is writable by group or others (mode {stat.S_IMODE(st.st_mode):o}): "
                f"anyone in them could swap what users run; chmod go-w {path}"
            )


def solve_request(
    plan: TreePlan,
    prefix: Path,
    envs: tuple[EnvPlan, ...],
    progress: bool,
    extra: dict[str, dict[str, Any]] | None = None,
) -> dict:
    """The worker's build request; `extra` adds per-env keys (specs, constraints, expect)."""
    return {
        "op": "build",
        "cache_dir": str(plan.layout.pkgs),
        "channel_priority": plan.channel_priority,
        "platform": _platform(),
        "show_progress": progress,
        "envs": [
            {
                "name": env.name,
                "prefix": str(env.prefix_in(prefix)),
                "channels": list(env.channels),
                "specs": list(env.specs),
                **(extra or {}).get(env.name, {}),
            }
            for env in envs
        ],
    }


def worker_failure(plan: TreePlan, result: dict[str, Any]) -> Exception:
    """Map a worker failure to ConfigError (a bad spec: exit 2) or JobFailed (exit 1)."""
    env = next((e for e in plan.all_envs() if e.name == result.get("env")), None)
    index = result.get("spec_index")
    if (
        result.get("stage") == "spec"
        and env is not None
        and index is not None
        and index < len(env.where)
    ):
        where = env.where[index]
        return ConfigError(where.problem(f"not a valid package spec: {result['error']}"))
    what = {
        "solve": "solving",
        "install": "installing",
        "spec": "reading specs",
        "verify": "verifying packages",
    }.get(result.get("stage", ""), "the py-rattler worker")
    label = f" env {env.name}" if env is not None else ""
    channels = (
        f" (channels: {', '.join(env.channels)})" if env and result["stage"] == "solve" else ""
    )
    return JobFailed(f"tree {plan.tree}{label}: {what} failed{channels}: {result['error']}")


def install(
    plan: TreePlan,
    condarc: str,
    *,
    allow_world_writable: bool = False,
    progress: Progress | None = None,
    publish: bool = True,
) -> Installed:
    """Build, check and (unless `publish` is False: a Slurm task, whose publish job swaps)
    make current the tree's next generation."""
    progress = progress or Progress()
    started = time.monotonic()
    check_root(plan, allow_world_writable)
    tree = TreeDir(plan.layout)
    created = _first_missing(tree.generations_dir)
    tree.generations_dir.mkdir(parents=True, exist_ok=True)
    try:
        with TreeLock(tree.lock_file):
            cleaned = clean_incomplete(tree)
            previous = tree.current_id()
            gid, record, collected = publish_new(plan, condarc, tree, progress, publish=publish)
    except ConfigError:  # bad input (a spec the solver cannot read): leave nothing behind
        if created is not None:
            shutil.rmtree(created, ignore_errors=True)
        raise
    return Installed(
        plan.tree,
        gid,
        previous,
        sum(len(p) for p in record["packages"].values()),
        time.monotonic() - started,
        collected,
        cleaned,
    )


def publish_staged(plan: TreePlan, gid: int) -> tuple[int | None, list[int]]:
    """Make a ready generation a Slurm task built current (the publish job): the previous
    current id, and what was collected. JobFailed when it is not ready, or is older than
    what is current (a later install won)."""
    tree = TreeDir(plan.layout)
    with TreeLock(tree.lock_file):
        found = next((gen for gen in tree.list() if gen.id == gid), None)
        if found is None or found.status != "ready":
            state = found.status if found else "gone"
            raise JobFailed(f"tree {plan.tree}: generation {gid} is {state}, not ready")
        previous = tree.current_id()
        if previous is not None and previous > gid:
            raise JobFailed(f"tree {plan.tree}: generation {previous} is current, newer than {gid}")
        tree.swap(gid)
        return previous, collect(tree, plan.keep, plan.min_age_days)


def _first_missing(path: Path) -> Path | None:
    """The outermost directory of `path` that does not exist yet (what a mkdir -p makes)."""
    missing = None
    while not path.exists():
        missing, path = path, path.parent
    return missing


def publish_new(
    plan: TreePlan,
    condarc: str,
    tree: TreeDir,
    progress: Progress,
    extra: dict[str, dict[str, Any]] | None = None,
    *,
    publish: bool = True,
) -> tuple[int, dict[str, Any], list[int]]:
    """Build, check and publish the next generation (lock held); its id, record, collected.

    Any failure before the swap leaves `current` as it was: a build that fails is
    removed at once, one that fails its checks is kept as "failed" for its log.
    """
    gid = tree.next_id()
    prefix = tree.layout.generation(gid)
    progress.step(f"{plan.tree}: building generation {gid} in {prefix}")
    try:
        try:
            _build(plan, prefix, progress, extra)
            checkpoint("built")
            record = _record(plan, gid, prefix, "building")
            (prefix / ".condarc").write_text(condarc)  # conda reads it there: the base prefix
        except BaseException:
            vendor.remove_tree(prefix)  # never half-built on disk when we can help it
            raise
        progress.step(f"{plan.tree}: running health checks")
        log = records(prefix, "checks.log")
        try:
            for env in plan.all_envs():
                checks.run_checks(env.prefix_in(prefix), env.checks, f"{plan.tree}:{env.name}", log)
        except JobFailed as exc:
            record.update(status="failed", reason=str(exc))
            generations.seal(prefix)
            generations.write_record(prefix, record)
            raise
        checkpoint("checked")
        # sealed after its checks (which write no bytecode): nothing in a published
        # generation changes, and nothing in it is writable by group or others
        generations.seal(prefix)
        record["status"] = "ready"
        generations.write_record(prefix, record)
    except OSError as exc:  # a full disk, a lost mount: the generation is not published
        raise JobFailed(f"tree {plan.tree}: generation {gid} not published: {exc}") from exc
    if not publish:  # ready beside current: a publish job makes it current
        progress.step(f"{plan.tree}: generation {gid} is ready, not yet current")
        return gid, record, []
    checkpoint("before-swap")
    tree.swap(gid)
    checkpoint("swapped")
    progress.step(f"{plan.tree}: current -> generation {gid}")
    return gid, record, collect(tree, plan.keep, plan.min_age_days)


def _build(
    plan: TreePlan, prefix: Path, progress: Progress, extra: dict[str, dict[str, Any]] | None
) -> None:
    envs = plan.all_envs()
    if plan.method == "installer":
        assert plan.installer is not None
        progress.step(f"{plan.tree}: fetching and verifying {plan.installer.url}")
        script = vendor.fetch(plan.installer, plan.layout.downloads)
        log = plan.layout.installer_log(os.getpid())
        progress.step(f"{plan.tree}: running {script.name} -b -p {prefix}")
        try:
            vendor.run_installer(script, prefix, log)
        finally:
            if prefix.is_dir():
                records(prefix).mkdir(exist_ok=True)
                if log.exists():
                    os.replace(log, records(prefix, "installer.log"))
        envs = plan.envs
    if not envs:
        return
    progress.step(f"{plan.tree}: solving and installing {', '.join(e.name for e in envs)}")
    result = run_worker(
        solve_request(plan, prefix, envs, progress.enabled, extra), quiet=not progress.enabled
    )
    if not result["ok"]:
        raise worker_failure(plan, result)


def _record(plan: TreePlan, gid: int, prefix: Path, status: str) -> dict[str, Any]:
    packages: dict[str, Any] = {}
    for env in plan.all_envs():
        found = generations.installed_packages(env.prefix_in(prefix))
        packages[env.name] = found
        records(prefix).mkdir(exist_ok=True)
        records(prefix, f"{env.name}.explicit.txt").write_text(generations.explicit_lines(found))
    return {
        "id": gid,
        "site": plan.site,
        "tree": plan.tree,
        "status": status,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "method": plan.method,
        "flavour": plan.flavour,
        "pyherd": pyherd.__version__,
        "installer": {"url": plan.installer.url, "sha256": plan.installer.sha256}
        if plan.installer
        else None,
        "specs": {env.name: list(env.specs) for env in plan.all_envs()},
        "checks": {env.name: list(env.checks) for env in plan.all_envs()},
        "channels": {env.name: list(env.channels) for env in plan.all_envs()},
        "packages": packages,
    }


def clean_incomplete(tree: TreeDir) -> list[int]:
    """Remove generations a killed run left half-built (call with the lock held)."""
    tree.sweep_trash()
    current = tree.current_id()
    removed = []
    for gen in tree.list():
        if gen.status in ("incomplete", "building") and gen.id != current:
            tree.remove(gen)
            removed.append(gen.id)
    return removed


def collectable(tree: TreeDir, keep: int, min_age_days: float = 0) -> list[Generation]:
    """All but the newest `keep` ready generations, failed ones too; never current, nor
    one that stopped being current less than `min_age_days` ago, nor one a running
    process uses (see `held`)."""
    candidates = beyond_keep(tree, keep)
    reasons = held(tree, candidates, min_age_days)
    return [g for g in candidates if g.id not in reasons]


def beyond_keep(tree: TreeDir, keep: int) -> list[Generation]:
    """The generations `keep` alone would collect: all but the newest `keep` ready ones
    and the current one (none still building)."""
    gens = tree.list()
    keep_ids = {g.id for g in [g for g in gens if g.ready][-keep:]} | {tree.current_id()}
    return [g for g in gens if g.id not in keep_ids and g.status != "building"]


def held(tree: TreeDir, gens: list[Generation], min_age_days: float) -> dict[int, str]:
    """Why each of `gens` that gc must leave alone stays: young, or in use."""
    reasons: dict[int, str] = {}
    now = time.time()
    for gid, when in tree.superseded().items():
        hours = (now - when) / 3600
        if hours < min_age_days * 24 and any(g.id == gid for g in gens):
            reasons[gid] = f"current until {hours:.1f} h ago (min_age_days {min_age_days:g})"
    users = in_use([g.path for g in gens if g.id not in reasons])
    for gen in gens:
        if gen.path in users:
            reasons[gen.id] = f"in use by pid {users[gen.path]}"
    return reasons


def collect(tree: TreeDir, keep: int, min_age_days: float = 0) -> list[int]:
    """Remove what `collectable` names (call with the lock held)."""
    doomed = collectable(tree, keep, min_age_days)
    for gen in doomed:
        tree.remove(gen)
    return [g.id for g in doomed]


def pick(tree: TreeDir, gid: int) -> Generation:
    gen = tree.generation(gid)
    if not gen.path.is_dir():
        raise JobFailed(f"{tree.path}: no generation {gid}")
    return gen


def preview(plan: TreePlan, condarc: str, allow_world_writable: bool) -> list[str]:
    """What `install --dry-run` says: the generation, each env's solution, checks, .condarc."""
    check_root(plan, allow_world_writable)
    tree = TreeDir(plan.layout)
    lines = [
        f"would install tree {plan.tree} ({plan.flavour}, {plan.method}) as generation "
        f"{tree.next_id()} in {tree.generations_dir}"
    ]
    if plan.installer:
        lines.append(f"  installer: {plan.installer.url} (sha256 {plan.installer.sha256})")
    envs = plan.envs if plan.method == "installer" else plan.all_envs()
    result = run_worker(
        {**solve_request(plan, tree.layout.generation(0), envs, False), "solve_only": True}
    )
    if not result["ok"]:
        raise worker_failure(plan, result)
    for env in envs:
        solved = result["solved"][env.name]
        lines.append(f"  env {env.name}: {' '.join(env.specs)} -> {len(solved)} packages")
        lines += [f"    {name} {version} {build}" for name, version, build, _ in solved]
    for env in plan.all_envs():
        lines += [f"  check ({env.name}): {check}" for check in env.checks]
    lines.append("  .condarc:")
    lines += [f"    {line}" for line in condarc.splitlines()]
    lines.append(f"then point {tree.current_link} at it and keep {plan.keep} generations")
    return lines
