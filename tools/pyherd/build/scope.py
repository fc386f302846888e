"""What every build stage reads (the site, its tool, language and scheme) and where
problems go: each stage reports through `fail`, and the build raises them all at once."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from pyherd import model as m
from pyherd.build.schemes import SCHEMES, NamingScheme
from pyherd.errors import Problem
from pyherd.installed import Installed, Packages
from pyherd.moduletools import Language, ModuleTool, language, refusal, tool
from pyherd.moduletools.base import FEATURES, needs_release
from pyherd.site import Site
from pyherd.yamlload import KeyPath


@dataclass
class Scope:
    site: Site
    tool: ModuleTool
    language: Language
    scheme: NamingScheme
    problems: list[Problem] = field(default_factory=list)
    vars: dict[str, m.Value] = field(default_factory=dict)  # the site's vars, expanded
    lacks: frozenset[str] = frozenset()  # the features (moduletools.base) its tool lacks
    installed: Installed = field(default_factory=Installed)  # what prefixes hold
    recorded: dict[str, Packages] = field(default_factory=dict)  # from_prefix reads, to commit

    @classmethod
    def of(cls, site: Site, installed: Installed | None = None) -> Scope:
        scope = cls(site, tool(site.module_tool), language(site.syntax), SCHEMES[site.naming])
        scope.installed = installed or Installed()
        declared = site.module_tool_version
        if declared and (problem := scope.tool.too_old(declared)):
            scope.fail(("module_tool_version",), problem)
        scope.lacks = (frozenset(FEATURES) - scope.tool.features) | scope.tool.missing_at(declared)
        for key, var in site.vars.items():
            scope.vars[key] = scope.expand(var, {}, ("vars", key))
        return scope

    def refusal(self, feature: str) -> str:
        """What a site is told when its tool, or the release it declares, lacks `feature`."""
        declared = self.site.module_tool_version
        if feature in self.tool.features and declared:
            return needs_release(feature, self.tool, declared)
        return refusal(feature)

    def fail(self, path: KeyPath, message: str) -> None:
        self.problems.append(self.site.problem(path, message))

    def expand(self, text: str, context: Mapping[str, m.Value], path: KeyPath) -> m.Value:
        """`text` with its placeholders filled; an unknown one is a problem at `path`."""
        try:
            return m.expand(text, context)
        except m.PlaceholderError as exc:
            self.fail(path, str(exc))
            return (text,)
