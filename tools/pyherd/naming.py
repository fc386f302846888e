"""Naming schemes: a module's full name and the subdirectory its file lives in."""

from __future__ import annotations

from dataclasses import dataclass

from pyherd.site import ModuleDef, VersionDef


def version_string(module: ModuleDef, version: VersionDef) -> str:
    """The module version users type: 3.8.6-GCCcore-10.2.0, 3.10.4-bare."""
    parts = [version.version]
    toolchain = version.toolchain or module.toolchain
    if toolchain:
        parts.append(toolchain)
    if version.suffix:
        parts.append(version.suffix)
    return "-".join(parts)


@dataclass(frozen=True)
class NamingScheme:
    """Answers 'what is this module called and where does its file go'."""

    name: str
    template: str  # default full-name template
    subdir: str = ""  # directory under the tree root that is the modulepath entry
    easybuild_vars: bool = False  # export EBROOT<NAME> / EBVERSION<NAME> like EasyBuild
    needs_category: bool = False

    def full_name_template(self, module: ModuleDef) -> str:
        if module.module:
            return module.module
        if not module.versions:
            return self.template.replace("/{version}", "")
        return self.template


SCHEMES = {
    "flat": NamingScheme("flat", "{name}/{version}"),
    "categorized": NamingScheme(
        "categorized", "{category}/{name}/{version}", easybuild_vars=True, needs_category=True
    ),
    "hierarchy": NamingScheme("hierarchy", "{name}/{version}", subdir="Core"),
}
