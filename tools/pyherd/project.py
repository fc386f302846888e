"""A pyherd project (sites/, templates/, the output root): loading its sites in one go.

The services every command starts from: load and build the named sites (every
problem of every site in one ConfigError), a site's rendered files, one of its trees.
"""

from __future__ import annotations

from dataclasses import dataclass

from pyherd.build.stages import build_site
from pyherd.conda.plan import TreePlan, plan_tree
from pyherd.errors import ConfigError, Problem, suggest, unique
from pyherd.installed import RECORD, Installed
from pyherd.layout import SiteLayout
from pyherd.model import SiteModel
from pyherd.options import Paths
from pyherd.site import Site
from pyherd.sitefiles import load_site, site_names


@dataclass(frozen=True)
class Loaded:
    site: Site
    model: SiteModel
    trees: tuple[TreePlan, ...] = ()

    def tree(self, name: str) -> TreePlan:
        """One of the site's trees; ConfigError naming the trees there are."""
        for plan in self.trees:
            if plan.tree == name:
                return plan
        trees = ", ".join(p.tree for p in self.trees) or "none"
        hint = suggest(name, [p.tree for p in self.trees])
        raise ConfigError(
            f"{self.site.file}: no tree {name!r} in conda.trees (trees: {trees}){hint}"
        )


def load_sites(paths: Paths, names: list[str] | None) -> list[Loaded]:
    """Load and build the named sites (all when None); every problem in one ConfigError."""
    available = site_names(paths.sites)
    if not available and not names:
        where = "no site files (*.yaml)" if paths.sites.is_dir() else "no such directory"
        raise ConfigError(
            f"{paths.sites}: {where}; pyherd finds a project by its sites/ directory, from "
            "the current directory up (or give --project DIR or --sites DIR)"
        )
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
            model = build_site(site, installed_here(paths, name))
            loaded.append(Loaded(site, model, plan_trees(site)))
        except ConfigError as exc:
            problems.extend(exc.problems)
    if problems:
        raise ConfigError(unique(problems))
    return loaded


def installed_here(paths: Paths, site: str) -> Installed:
    """Prefixes as this host has them, and the record the last render committed."""
    rel = SiteLayout(site).config(RECORD)
    return Installed(paths.out / rel, rel)


def load_one(paths: Paths, name: str) -> Loaded:
    return load_sites(paths, [name])[0]


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
    """The site's files, by path under the output root."""
    from pyherd.render import render_site  # jinja2 is imported only by commands that render

    return render_site(item.site, item.model, paths.templates, item.trees)


def tree_and_condarc(paths: Paths, site: str, tree: str) -> tuple[TreePlan, str]:
    """One tree's plan and its rendered .condarc (the tree commands start here)."""
    from pyherd.render import render_condarc

    item = load_one(paths, site)
    plan = item.tree(tree)
    return plan, render_condarc(item.site, plan, paths.templates)
