"""Render sites into modulefiles/<site>/ (and modulefiles/etc/<site>/).

Writes are atomic and change-only: an unchanged file keeps its mtime. Files pyherd
wrote earlier and no longer declares are removed; files it never wrote are never
touched. With --check, nothing is written and the exit code is 1 when any file
is stale, hand-edited, missing or no longer declared.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pyherd import state
from pyherd.errors import JobFailed
from pyherd.project import Paths, load_sites, rendered
from pyherd.render import Layout
from pyherd.site import site_names
from pyherd.writer import Plan, diff, plan_write, read_manifest, write_files


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--site", action="append", help="a site name (repeatable; default: all)")
    parser.add_argument("--out", type=Path, help="output root (default: modulefiles)")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true", help="exit 1 if the tree on disk is stale")
    mode.add_argument("--diff", action="store_true", help="print what would change; write nothing")
    mode.add_argument(
        "--dry-run", action="store_true", help="list what would change; write nothing"
    )


def run(args: argparse.Namespace, paths: Paths) -> int:
    writing = not (args.check or args.diff or args.dry_run)
    # Only a real write records or uses the render state; --check always compares content.
    inputs = state.inputs_fingerprint(paths.sites, paths.templates, paths.out) if writing else ""
    if writing and _all_current(paths, args.site, inputs):
        return 0
    sites = load_sites(paths, args.site)  # every site validated before anything is written
    outputs = [(item, rendered(paths, item)) for item in sites]
    stale: list[str] = []
    for item, files in outputs:
        layout = Layout(item.site.name)
        plan = plan_write(paths.out, files, layout.manifest)
        manifest_stale = sorted(read_manifest(paths.out, layout.manifest)) != sorted(files)
        if args.check:
            for rel in plan.changes + plan.foreign:
                what = "missing" if rel in plan.create else "stale or hand-edited"
                what = "no longer declared" if rel in plan.remove else what
                stale.append(f"{paths.out / rel}: {what}")
            if manifest_stale and not plan.changes:
                stale.append(f"{paths.out / layout.manifest}: stale")
        elif args.diff:
            sys.stdout.write(diff(paths.out, files, plan))
        elif args.dry_run:
            for label, rels in (
                ("create", plan.create),
                ("update", plan.update),
                ("remove", plan.remove),
            ):
                for rel in rels:
                    print(f"would {label} {paths.out / rel}")
            print(
                f"{item.site.name}: {len(plan.changes)} to change, {len(plan.unchanged)} unchanged"
            )
        else:
            done = write_site(paths, item.site.name, files, inputs)
            print(
                f"{item.site.name}: {len(done.create)} created, {len(done.update)} updated, "
                f"{len(done.remove)} removed, {len(done.unchanged)} unchanged"
            )
    if stale:
        print("\n".join(stale), file=sys.stderr)
        raise JobFailed(f"{len(stale)} file(s) differ from sites/ + templates/; run `make render`")
    if args.check:
        print(f"up to date: {', '.join(item.site.name for item, _ in outputs)}")
    return 0


def write_site(paths: Paths, site: str, files: dict[str, str], inputs: str) -> Plan:
    """Write one site's rendered files (change-only) and record the render state."""
    layout = Layout(site)
    done = write_files(paths.out, files, layout.manifest)
    state.record(paths.out, layout.config_dir, inputs, [*files, layout.manifest])
    return done


def _all_current(paths: Paths, names: list[str] | None, inputs: str) -> bool:
    """Print the no-op summaries and say so when every site's last render still stands."""
    names = names or site_names(paths.sites)
    counts = [state.is_current(paths.out, Layout(name).config_dir, inputs) for name in names]
    if not names or any(count is None for count in counts):
        return False
    for name, count in zip(names, counts, strict=True):
        print(f"{name}: 0 created, 0 updated, 0 removed, {count - 1} unchanged")
    return True
