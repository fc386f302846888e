"""Shared by the tree commands: load one site and plan one of its trees."""

from __future__ import annotations

import argparse

from pyherd.conda.plan import TreePlan
from pyherd.errors import ConfigError
from pyherd.project import Paths, load_sites
from pyherd.render import render_condarc


def add_tree_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("tree", help="the tree's name under conda.trees")
    parser.add_argument("--site", required=True, help="the site whose tree it is")


def load_tree(args: argparse.Namespace, paths: Paths) -> tuple[TreePlan, str]:
    """The tree's plan and its rendered .condarc."""
    item = load_sites(paths, [args.site])[0]
    for plan in item.trees:
        if plan.tree == args.tree:
            return plan, render_condarc(item.site, plan, paths.templates)
    trees = ", ".join(p.tree for p in item.trees) or "none"
    raise ConfigError(f"{item.site.file}: no tree {args.tree!r} in conda.trees (trees: {trees})")
