"""A site's wheelhouse settings checked and turned into the index's Config."""

from __future__ import annotations

from pathlib import Path

from pyherd.errors import ConfigError, Problem
from pyherd.site import Site
from pyherd.wheelhouse.index import SIMPLE, Config


def plan_wheelhouse(site: Site) -> tuple[Path, Config]:
    """The root and index config; ConfigError (exit 2) names each bad key."""
    w = site.wheelhouse
    if w is None:
        raise ConfigError(site.problem(("wheelhouse",), "the site declares no wheelhouse"))
    problems: list[Problem] = []
    if "generic" not in w.archs:
        problems.append(
            site.problem(("wheelhouse", "archs"), "must include generic (pure-Python wheels)")
        )
    if SIMPLE in w.archs:
        problems.append(site.problem(("wheelhouse", "archs"), f"{SIMPLE!r} holds the index"))
    if len(set(w.archs)) != len(w.archs):
        problems.append(site.problem(("wheelhouse", "archs"), "lists an arch twice"))
    if w.default_arch not in w.archs:
        problems.append(
            site.problem(("wheelhouse", "default_arch"), f"{w.default_arch!r} is not one of archs")
        )
    if "${" in w.root or "{" in w.root:
        problems.append(site.problem(("wheelhouse", "root"), "must be a literal absolute path"))
    if problems:
        raise ConfigError(problems)
    archs = ("generic", *(a for a in w.archs if a != "generic"))
    return Path(w.root), Config(archs, w.arch_variable, w.default_arch)
