"""A site's wheelhouse jobs: build what its requirement list lacks, and index it all.

Index writes the PEP 503 pages, the compact index and the find-links view
(pyherd.wheelhouse.index), then the pip configuration of each arch, rendered from
the site's templates.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pyherd.lock import TreeLock
from pyherd.progress import Progress
from pyherd.project import Loaded, Paths
from pyherd.wheelhouse.index import IndexResult, index, publish_configs
from pyherd.wheelhouse.plan import BuildPlan, plan_build, plan_wheelhouse

if TYPE_CHECKING:
    from pyherd.wheelhouse.builder import BuildOutcome

RESULTS = ("failed", "built", "would build", "skipped", "not needed")  # in the summary's order


def build_wheels(
    paths: Paths, item: Loaded, *, jobs: int, arch: str | None, dry_run: bool
) -> tuple[BuildPlan, list[BuildOutcome]]:
    """Each (requirement, Python)'s outcome; the plan says where the logs are."""
    from pyherd.wheelhouse.builder import build  # pip, urllib: not for an index run

    plan = plan_build(item.site, item.model, paths.sites, arch)
    return plan, build(plan, jobs=jobs, dry_run=dry_run, progress=Progress())


def index_site(paths: Paths, item: Loaded, *, dry_run: bool) -> IndexResult:
    from pyherd.render import render_pip_confs  # jinja2: only once the index is done

    layout, config = plan_wheelhouse(item.site)
    if dry_run:
        result = index(layout, config, dry_run=True)
        confs = render_pip_confs(item.site, paths.templates)
        result.written += publish_configs(layout, config, confs, dry_run=True)
        return result
    layout.root.mkdir(parents=True, exist_ok=True)
    with TreeLock(layout.root, announce=False):  # one index run at a time; nothing written
        result = index(layout, config)
        confs = render_pip_confs(item.site, paths.templates)
        result.written += publish_configs(layout, config, confs)
    return result
