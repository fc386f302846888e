"""Where a pyherd checkout keeps things, and loading its sites in one go."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pyherd.build import build_site, unique
from pyherd.conda.plan import TreePlan, plan_tree
from pyherd.errors import ConfigError, Problem
from pyherd.model import SiteModel
from pyherd.schema import suggest
from pyherd.site import Site, load_site, site_names


@dataclass(frozen=True)
class Paths:
    sites: Path
    templates: Path
    out: Path


@dataclass(frozen=True)
class Loaded:
    site: Site
    model: SiteModel
    trees: tuple[TreePlan, ...] = ()


def load_sites(paths: Paths, names: list[str] | None) -> list[Loaded]:
    """Load and build the named sites (all when None); every problem in one ConfigError."""
    available = site_names(paths.sites)
    if not available and not names:
        raise ConfigError(f"{paths.sites}: no site files (*.yaml)")
    wanted = names or available
    problems: list[Problem] = []
    loaded: list[Loaded] = []
    for name in wanted:
        if name not in available:
            hint = suggest(name, available)
            problems.append(Problem(str(paths.sites), None, "", f"no site {name!r}{hint}"))
            continue
        try:
            site = load_site(paths.sites, name)
            loaded.append(Loaded(site, build_site(site), plan_trees(site)))
        except ConfigError as exc:
            problems.extend(exc.problems)
    if problems:
        raise ConfigError(unique(problems))
    return loaded


def plan_trees(site: Site) -> tuple[TreePlan, ...]:
    """Every tree's plan (reading its environment files); all problems in one ConfigError."""
    if site.conda is None:
        return ()
    plans: list[TreePlan] = []
    problems: list[Problem] = []
    for tree in site.conda.trees:
        try:
            plans.append(plan_tree(site, tree))
        except ConfigError as exc:
            problems.extend(exc.problems)
    if problems:
        raise ConfigError(problems)
    return tuple(plans)


def rendered(paths: Paths, item: Loaded) -> dict[str, str]:
    from pyherd.render import render_site  # jinja2 is imported only by commands that render

    return render_site(item.site, item.model, paths.templates, item.trees)
