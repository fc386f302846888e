"""A site's wheelhouse jobs: build what its requirement list lacks, and index it all.

Index writes the PEP 503 pages, the compact index and the find-links view
(pyherd.wheelhouse.index), then the pip configuration of each arch, rendered from
the site's templates.
"""

from __future__ import annotations

from pyherd.progress import Progress
from pyherd.project import Loaded, Paths
from pyherd.wheelhouse.builder import BuildOutcome, build
from pyherd.wheelhouse.index import IndexResult, index, publish_configs
from pyherd.wheelhouse.plan import BuildPlan, plan_build, plan_wheelhouse

RESULTS = ("failed", "built", "would build", "skipped", "not needed")  # in the summary's order


def build_wheels(
    paths: Paths, item: Loaded, *, jobs: int, arch: str | None, dry_run: bool
) -> tuple[BuildPlan, list[BuildOutcome]]:
    """Each (requirement, Python)'s outcome; the plan says where the logs are."""
    plan = plan_build(item.site, item.model, paths.sites, arch)
    return plan, build(plan, jobs=jobs, dry_run=dry_run, progress=Progress())


def index_site(paths: Paths, item: Loaded, *, dry_run: bool) -> IndexResult:
    from pyherd.render import render_pip_confs  # jinja2: only once the index is done

    layout, config = plan_wheelhouse(item.site)
    result = index(layout, config, dry_run=dry_run)
    confs = render_pip_confs(item.site, paths.templates)
    result.written += publish_configs(layout, config, confs, dry_run=dry_run)
    return result
