"""Run the builder's stages in order: a Site in, its SiteModel out, or every problem."""

from __future__ import annotations

from pyherd import model as m
from pyherd.build.disk import check_clashes
from pyherd.build.naming import name_modules
from pyherd.build.operations import module_spec
from pyherd.build.placing import place_modules
from pyherd.build.relations import conflicts, rc_files
from pyherd.build.scope import Scope
from pyherd.errors import ConfigError, unique
from pyherd.installed import Installed
from pyherd.site import Site


def build_site(site: Site, installed: Installed | None = None) -> m.SiteModel:
    """The site's modules, rc files and shared files; ConfigError lists every problem.
    `installed` reads the prefixes of `extensions: from_prefix` modules."""
    scope = Scope.of(site, installed)
    names = name_modules(scope)
    placed = place_modules(scope, names)
    relations = conflicts(scope, names)
    specs = tuple(
        module_spec(scope, names, one, relations.per_module.get(one.named.full_name, []))
        for one in placed
    )
    rcs = rc_files(scope, names)
    check_clashes(scope, specs, rcs, relations.shared)
    if scope.problems:
        raise ConfigError(unique(scope.problems))
    return m.SiteModel(
        modules=specs,
        rcs=rcs,
        shared=relations.shared,
        subdir=scope.scheme.subdir,
        installed=tuple(scope.recorded.items()),
    )
