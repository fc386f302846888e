"""The rendered output on disk (modulefiles/ by default): write, check, diff or preview it.

Writes are atomic and change-only (pyherd.writer); after a write the render state
records what shaped it, so an unchanged project renders as a no-op without
rendering. `render --check` compares content and never writes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pyherd import state
from pyherd.layout import SiteLayout
from pyherd.project import Loaded, Paths, load_sites, rendered
from pyherd.sitefiles import site_names
from pyherd.writer import Plan, diff, plan_write, read_manifest, write_files


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
        unchanged = _all_current(paths, names, inputs)
        if unchanged is not None:
            return Result(unchanged=unchanged)
    outputs = [(item, rendered(paths, item)) for item in load_sites(paths, names)]
    result = Result()
    for item, files in outputs:
        layout = SiteLayout(item.site.name)
        if writing:
            result.sites.append(
                SiteResult(item.site.name, write_site(paths, layout, files, inputs))
            )
            continue
        plan = plan_write(paths.out, files, layout.manifest)
        one = SiteResult(item.site.name, plan)
        if mode == "check":
            one.stale = _stale(paths, layout, files, plan)
        elif mode == "diff":
            one.diff = diff(paths.out, files, plan)
        result.sites.append(one)
    return result


def write_site(paths: Paths, layout: SiteLayout, files: dict[str, str], inputs: str) -> Plan:
    """Write one site's rendered files (change-only) and record the render state."""
    done = write_files(paths.out, files, layout.manifest)
    state.record(paths.out, layout, inputs, [*files, layout.manifest])
    return done


def rerender(paths: Paths, item: Loaded) -> list[str]:
    """Re-render a site where it was rendered before (autoupdate); the files that changed."""
    layout = SiteLayout(item.site.name)
    if not (paths.out / layout.manifest).is_file():
        return []
    inputs = state.inputs_fingerprint(paths.sites, paths.templates, paths.out)
    done = write_site(paths, layout, rendered(paths, item), inputs)
    return [str(paths.out / rel) for rel in done.changes]


def _stale(paths: Paths, layout: SiteLayout, files: dict[str, str], plan: Plan) -> list[str]:
    out = []
    for rel in plan.changes + plan.foreign:
        what = "missing" if rel in plan.create else "stale or hand-edited"
        what = "no longer declared" if rel in plan.remove else what
        out.append(f"{paths.out / rel}: {what}")
    manifest_stale = sorted(read_manifest(paths.out, layout.manifest)) != sorted(files)
    if manifest_stale and not plan.changes:
        out.append(f"{paths.out / layout.manifest}: stale")
    return out


def _all_current(paths: Paths, names: list[str] | None, inputs: str) -> dict[str, int] | None:
    """Each site's file count when every site's last render still stands, else None."""
    names = names or site_names(paths.sites)
    counts = {name: state.is_current(paths.out, SiteLayout(name), inputs) for name in names}
    if not names or any(count is None for count in counts.values()):
        return None
    return {name: count for name, count in counts.items() if count is not None}
