"""The rendered output on disk (modulefiles/ by default): write, check, diff or preview it.

Writes are atomic and change-only (pyherd.writer); after a write the render state
records what shaped it, so an unchanged project renders as a no-op without
rendering. `render --check` compares content and never writes; it also reports
what an interrupted render left, files nobody declared, and trees of sites whose
file is gone. Every write or check holds the render lock: the output root itself
is flocked, so cron's re-render and an admin's `make render` never interleave
(the second exits 75).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pyherd import state
from pyherd.layout import SiteLayout
from pyherd.lock import TreeLock
from pyherd.project import Loaded, Paths, load_sites, rendered
from pyherd.sitefiles import site_names
from pyherd.writer import (
    Plan,
    diff,
    leftovers,
    plan_write,
    read_manifest,
    strays,
    write_files,
)


@dataclass
class SiteResult:
    site: str
    plan: Plan
    stale: list[str] = field(default_factory=list)  # check: each differing file, and why
    diff: str = ""  # diff: what a write would change


@dataclass
class Result:
    sites: list[SiteResult] = field(default_factory=list)
    unchanged: dict[str, int] = field(default_factory=dict)  # the no-op shortcut: files


def render(paths: Paths, names: list[str] | None, mode: str) -> Result:
    """Render the named sites (all when None) in `mode`: write, check, diff or dry-run.

    Every site is loaded, built and rendered before the first write."""
    writing = mode == "write"
    # Only a real write records or uses the render state; --check always compares content.
    inputs = state.inputs_fingerprint(paths.sites, paths.templates, paths.out) if writing else ""
    if writing:
        with render_lock(paths.out):
            unchanged = _all_current(paths, names, inputs)
        if unchanged is not None:
            return Result(unchanged=unchanged)
    outputs = [(item, rendered(paths, item)) for item in load_sites(paths, names)]
    if writing:
        paths.out.mkdir(parents=True, exist_ok=True)
    result = Result()
    with render_lock(paths.out):
        for item, files in outputs:
            layout = SiteLayout(item.site.name)
            if writing:
                done = write_site(paths, layout, files, inputs)
                result.sites.append(SiteResult(item.site.name, done))
                continue
            plan = plan_write(paths.out, files, layout)
            one = SiteResult(item.site.name, plan)
            if mode == "check":
                one.stale = _stale(paths, layout, files, plan)
            elif mode == "diff":
                one.diff = diff(paths.out, files, plan)
            result.sites.append(one)
        if mode == "check" and not names and result.sites:
            result.sites[0].stale += _orphans(paths, [one.site for one in result.sites])
    return result


@contextlib.contextmanager
def render_lock(out: Path) -> Iterator[None]:
    """Hold the output root's flock (exit 75 when another render has it); no-op when the
    root does not exist yet (nothing there to protect)."""
    if not out.is_dir():
        yield
        return
    with TreeLock(out):
        yield


def write_site(paths: Paths, layout: SiteLayout, files: dict[str, str], inputs: str) -> Plan:
    """Write one site's rendered files (change-only) and record the render state."""
    done = write_files(paths.out, files, layout)
    state.record(paths.out, layout, inputs, [*files, layout.manifest])
    return done


def rerender(paths: Paths, item: Loaded) -> list[str]:
    """Re-render a site where it was rendered before (autoupdate); the files that changed."""
    layout = SiteLayout(item.site.name)
    if not (paths.out / layout.manifest).is_file():
        return []
    inputs = state.inputs_fingerprint(paths.sites, paths.templates, paths.out)
    files = rendered(paths, item)
    with render_lock(paths.out):
        done = write_site(paths, layout, files, inputs)
    return [str(paths.out / rel) for rel in done.changes]


def _stale(paths: Paths, layout: SiteLayout, files: dict[str, str], plan: Plan) -> list[str]:
    out = []
    for rel in plan.changes + plan.foreign:
        what = "missing" if rel in plan.create else "stale or hand-edited"
        what = "no longer declared" if rel in plan.remove else what
        out.append(f"{paths.out / rel}: {what}")
    manifest_stale = sorted(read_manifest(paths.out, layout)) != sorted(files)
    if manifest_stale and not plan.changes:
        out.append(f"{paths.out / layout.manifest}: stale")
    for path in leftovers(paths.out, layout):
        out.append(f"{path}: left by an interrupted render (the next render removes it)")
    for path in strays(paths.out, layout, files):
        out.append(f"{path}: not written by pyherd (module avail lists it; remove it)")
    return out


def _orphans(paths: Paths, sites: list[str]) -> list[str]:
    """Trees and config dirs under the output root whose site file is gone."""
    out = []
    for top in (paths.out, paths.out / "etc"):
        if not top.is_dir():
            continue
        for entry in sorted(top.iterdir()):
            if entry.name.startswith(".") or entry.name in sites or entry == paths.out / "etc":
                continue
            out.append(f"{entry}: no site file sites/{entry.name}.yaml (remove it)")
    return out


def _all_current(paths: Paths, names: list[str] | None, inputs: str) -> dict[str, int] | None:
    """Each site's file count when every site's last render still stands, else None."""
    names = names or site_names(paths.sites)
    counts = {name: state.is_current(paths.out, SiteLayout(name), inputs) for name in names}
    if not names or any(count is None for count in counts.values()):
        return None
    if any(leftovers(paths.out, SiteLayout(name)) for name in names):
        return None  # the full render sweeps what an interrupted one left
    return {name: count for name, count in counts.items() if count is not None}
