"""Stage 1, naming: every version of every module gets its full name and placeholders.

Also computed once here: who owns each short name and leaf, and every name users can
load, mapped to the name a dependency on it should use.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType

from packaging.version import InvalidVersion, Version

from pyherd import model as m
from pyherd.build.kinds import KINDS
from pyherd.build.schemes import version_string
from pyherd.build.scope import Scope
from pyherd.errors import suggest
from pyherd.names import MODULE_NAME
from pyherd.site import ModuleDef, VersionDef
from pyherd.yamlload import KeyPath


@dataclass(frozen=True)
class Named:
    """One version of one module (or a module without versions), named."""

    module: ModuleDef
    version: VersionDef | None
    full_name: str
    vstring: str  # the version users type: 3.8.6-GCCcore-10.2.0 ("" without versions)
    origin: KeyPath  # modules.<key>[.versions.<i>]
    context: Mapping[str, m.Value]  # the placeholders its values may use
    level: str = ""  # naming hierarchy: Compiler/GCC/12.3.0 ("" for the scheme's own)
    after: tuple[str, ...] = ()  # the compiler (and MPI) that make its level visible

    @property
    def short(self) -> str:
        return m.short_name(self.full_name)

    @property
    def deprecated(self) -> str | None:
        """The deprecation notice: the version's own, else the module's."""
        return (self.version.deprecated if self.version else None) or self.module.deprecated

    @property
    def forbidden_from(self) -> str | None:
        """The date loading fails from: the version's own, else the module's."""
        own = self.version.forbidden_from if self.version else None
        return own or self.module.forbidden_from

    @property
    def base(self) -> KeyPath:
        """The module's own key path: modules.<key>."""
        return self.origin[:2]


@dataclass(frozen=True)
class Names:
    all: tuple[Named, ...]
    by_key: Mapping[str, tuple[Named, ...]]
    owners: Mapping[str, frozenset[str]]  # short name -> the module keys that use it
    leaves: Mapping[str, frozenset[str]]  # short name -> its versions
    loadable: Mapping[str, str]  # a name users can load -> the name a dependency uses

    def resolve(self, scope: Scope, wanted: str) -> str | None:
        """The name a dependency on `wanted` uses: a rendered module's, or an external's
        as written; None when the site has no such module."""
        if wanted in self.loadable:
            return self.loadable[wanted]
        if any(ext.accepts(wanted) for ext in scope.site.externals.values()):
            return wanted
        return None


def name_modules(scope: Scope) -> Names:
    site = scope.site
    base_context = dict(scope.vars)
    if site.conda:
        base_context["root"] = scope.expand(site.conda.root, scope.vars, ("conda", "root"))
    seen: dict[str, KeyPath] = {}
    named: list[Named] = []
    for key, module in site.modules.items():
        path = ("modules", key)
        if problem := scope.scheme.problem(module):
            scope.fail(path, problem)
        if module.default and not module.versions:
            scope.fail((*path, "default"), "a module without versions cannot have a default")
        template = scope.scheme.full_name_template(module)
        if module.versions and "{version}" not in template:
            scope.fail((*path, "module"), "a module with versions needs {version} in its name")
        versions: list[VersionDef | None] = list(module.versions) or [None]
        for version in versions:
            origin = (*path, "versions", version.index) if version else path
            one = _name(scope, module, version, template, origin, base_context)
            if one is None:
                continue
            if one.full_name in seen:
                first = site.problem(seen[one.full_name], "")
                where = f"line {first.line}" if first.line else first.path
                scope.fail(origin, f"duplicate module name {one.full_name!r} (first at {where})")
                continue
            seen[one.full_name] = origin
            named.append(one)
    _check_externals(scope, seen)
    named = _levels(scope, named)
    by_key: dict[str, list[Named]] = {}
    for one in named:
        by_key.setdefault(one.module.key, []).append(one)
    owners: dict[str, set[str]] = {}
    leaves: dict[str, set[str]] = {}
    for one in named:
        owners.setdefault(one.short, set()).add(one.module.key)
        leaves.setdefault(one.short, set()).add(m.leaf(one.full_name))
    return Names(
        all=tuple(named),
        by_key={k: tuple(v) for k, v in by_key.items()},
        owners={k: frozenset(v) for k, v in owners.items()},
        leaves={k: frozenset(v) for k, v in leaves.items()},
        loadable=_loadable(named),
    )


def _name(
    scope: Scope,
    module: ModuleDef,
    version: VersionDef | None,
    template: str,
    origin: KeyPath,
    base_context: dict[str, m.Value],
) -> Named | None:
    kind = KINDS[module.kind]
    if version and (problem := kind.version_problem(version)):
        scope.fail(origin, problem)
        return None
    python = kind.python_of(module, version)
    vstring = version_string(module, version) if version else ""
    context = dict(base_context)
    context.update(
        name=(module.key,),
        version=(vstring,),
        release=((version.version if version else ""),),
        category=((module.category or ""),),
        toolchain=(((version.toolchain if version else None) or module.toolchain or ""),),
    )
    if python:
        context["python"] = (python,)
        context["python_series"] = (".".join(python.split(".")[:2]),)
    name_value = scope.expand(template, context, (*origin[:2], "module"))
    full_name = m.literal(name_value)
    if full_name is None or not MODULE_NAME.accepts(full_name) or "{" in full_name:
        scope.fail((*origin[:2], "module"), f"{full_name or template!r} is not a module name")
        return None
    aliases = [f"{m.short_name(full_name)}/{a}" for a in (version.aliases if version else ())]
    for name in (full_name, *aliases):
        for rule in scope.tool.name_rules:
            if rule.matches(name):
                scope.fail(origin, f"{name!r}: {rule.message}")
                return None
    return Named(module, version, full_name, vstring, origin, MappingProxyType(context))


def _levels(scope: Scope, named: list[Named]) -> list[Named]:
    """Each module's hierarchy level, from the compiler or MPI it is built with."""
    site = scope.site
    declared = site.hierarchy
    if (declared.compilers or declared.mpis) and not scope.scheme.levels:
        scope.fail(("hierarchy",), "hierarchy needs naming: hierarchy")
    for part, keys in (("compilers", declared.compilers), ("mpis", declared.mpis)):
        for i, key in enumerate(keys):
            if key not in site.modules:
                hint = suggest(key, site.modules)
                scope.fail(("hierarchy", part, i), f"unknown module {key!r}{hint}")
    by_name = {one.full_name: one for one in named}
    out: list[Named] = []
    for one in named:
        compiler, cwhere = _built_with(one, "compiler")
        mpi, mwhere = _built_with(one, "mpi")
        if not (compiler or mpi):
            if one.module.key in declared.mpis and scope.scheme.levels:
                scope.fail(one.base, "an MPI of hierarchy.mpis needs the compiler it is built with")
            out.append(one)
            continue
        where = cwhere if compiler else mwhere
        if not scope.scheme.levels:
            scope.fail(where, f"{where[-1]} needs naming: hierarchy")
        elif compiler and mpi:
            scope.fail(
                where, "give compiler or mpi, not both: an MPI's level is under its compiler's"
            )
        elif one.module.key in declared.compilers:
            scope.fail(where, "a compiler of hierarchy.compilers lives in Core")
        elif compiler:
            if _opener(scope, by_name, compiler, declared.compilers, where, "compilers"):
                one = replace(one, level=f"Compiler/{compiler}", after=(compiler,))
        elif (opener := _opener(scope, by_name, mpi, declared.mpis, where, "mpis")) is not None:
            built = opener.version.compiler if opener.version else None
            built = built or opener.module.compiler
            if built:
                one = replace(one, level=f"MPI/{built}/{mpi}", after=(built, mpi))
        out.append(one)
    return out


def _built_with(one: Named, what: str) -> tuple[str | None, KeyPath]:
    own = getattr(one.version, what) if one.version else None
    if own:
        return own, (*one.origin, what)
    return getattr(one.module, what), (*one.base, what)


def _opener(
    scope: Scope,
    by_name: Mapping[str, Named],
    name: str,
    keys: tuple[str, ...],
    where: KeyPath,
    part: str,
) -> Named | None:
    """The module that opens the level `name` names, if it is one of hierarchy.<part>."""
    opener = by_name.get(name)
    if opener is None or opener.module.key not in keys:
        choices = [one.full_name for one in by_name.values() if one.module.key in keys]
        hint = suggest(name, choices)
        scope.fail(where, f"{name!r} is not a version of hierarchy.{part}{hint}")
        return None
    return opener


def _check_externals(scope: Scope, seen: Mapping[str, KeyPath]) -> None:
    """An external is a module pyherd does not render: one it renders is not external."""
    for name, external in scope.site.externals.items():
        for i, full in enumerate(external.names()):
            if full in seen:
                first = scope.site.problem(seen[full], "")
                where = ("externals", name, *(("versions", i - 1) if i else ()))
                scope.fail(
                    where,
                    f"pyherd renders {full!r} itself (line {first.line}); an external is a "
                    "module it does not render: drop one of the two",
                )


def _loadable(named: list[Named]) -> dict[str, str]:
    """Loadable name -> the name a dependency should use.

    A short name stays itself (any loaded version satisfies it). An alias or a leading
    part of a dotted version ("extended default": python/3.12 loads python/3.12.4, the
    highest match) resolves to the full name, because Lmod only unloads a dependency it
    can match by name.
    """
    out: dict[str, str] = {}
    ranked: dict[str, tuple[Version | str, str]] = {}
    for one in named:
        short = one.short
        out[one.full_name] = one.full_name
        out[short] = short
        for alias in one.version.aliases if one.version else ():
            out[f"{short}/{alias}"] = one.full_name
        leaf = m.leaf(one.full_name)
        pieces = leaf.split(".")
        for i in range(1, len(pieces)):
            name = f"{short}/{'.'.join(pieces[:i])}"
            rank = _rank(leaf)
            if name not in ranked or _newer(rank, ranked[name][0]):
                ranked[name] = (rank, one.full_name)
    for name, (_, full) in ranked.items():
        out.setdefault(name, full)
    return out


def _rank(version: str) -> Version | str:
    try:
        return Version(version)
    except InvalidVersion:
        return version


def _newer(a: Version | str, b: Version | str) -> bool:
    if isinstance(a, Version) and isinstance(b, Version):
        return a > b
    return str(a) > str(b)
