"""Naming schemes: what a module is called, where its file goes, what else it says.

A scheme answers, for one module: its full-name template, the subdirectory of the
tree that is the modulepath entry (`Core/` in a hierarchy), what it requires of a
module (a category), and the operations it adds (EasyBuild's EBROOT<NAME> and
EBVERSION<NAME>; a hierarchy of compilers and MPIs would add the MODULEPATH entries
a module opens here).
"""

from __future__ import annotations

import posixpath
import re
from typing import TYPE_CHECKING

from pyherd import model as m

if TYPE_CHECKING:
    from pyherd.build.placing import Placed
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


class NamingScheme:
    name = ""
    summary = ""
    template = "{name}/{version}"  # the default full-name template
    subdir = ""  # under the tree root: the directory users put on MODULEPATH
    levels = False  # whether modules live in Compiler and MPI levels (compiler:, mpi:)

    def full_name_template(self, module: ModuleDef) -> str:
        if module.module:
            return module.module
        if not module.versions:
            return self.template.replace("/{version}", "")
        return self.template

    def problem(self, module: ModuleDef) -> str | None:
        """What the scheme needs that this module lacks."""
        return None

    def path(self, name: str, level: str = "") -> str:
        """A module's (or a shared file's) path under the tree root, without extension;
        `level` is its hierarchy level's directory (the scheme's own when empty)."""
        top = level or self.subdir
        return posixpath.join(top, name) if top else name

    def ops(self, placed: Placed) -> list[m.Op]:
        return []


class Flat(NamingScheme):
    name = "flat"
    summary = "flat name/version"


class Categorized(NamingScheme):
    """EasyBuild's categorized names: lang/Python/3.8.6-GCCcore-10.2.0, with EBROOT*."""

    name = "categorized"
    summary = "categorized category/Name/version-toolchain (EasyBuild)"
    template = "{category}/{name}/{version}"

    def problem(self, module: ModuleDef) -> str | None:
        if not module.category and not module.module:
            return f"naming {self.name} needs a category (lang, tools, ...)"
        return None

    def ops(self, placed: Placed) -> list[m.Op]:
        if placed.prefix is None:
            return []
        eb = _easybuild_name(placed.named.module.key)
        release = placed.named.version.version if placed.named.version else ""
        return [m.SetEnv(f"EBROOT{eb}", placed.prefix), m.SetEnv(f"EBVERSION{eb}", (release,))]


class Hierarchy(NamingScheme):
    """EasyBuild's HierarchicalMNS: Core/, then a level per compiler and per MPI that the
    compiler's or MPI's module puts on MODULEPATH."""

    name = "hierarchy"
    summary = (
        "hierarchy Core/name/version, Compiler/<compiler>/<version>/..., "
        "MPI/<compiler>/<version>/<mpi>/<version>/... (hierarchy.compilers, hierarchy.mpis)"
    )
    subdir = "Core"
    levels = True


def _easybuild_name(name: str) -> str:
    return re.sub(r"[^A-Z0-9]", "", name.upper().replace("-", "MIN").replace("+", "PLUS"))


SCHEMES: dict[str, NamingScheme] = {s.name: s for s in (Flat(), Categorized(), Hierarchy())}
