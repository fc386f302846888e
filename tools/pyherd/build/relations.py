"""Stage 3, relations: conflict sets (a line per member, or one shared hidden file), and
each module directory's default, version aliases and hidden versions."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field

from pyherd import model as m
from pyherd.build.naming import Named, Names
from pyherd.build.scope import Scope
from pyherd.errors import suggest
from pyherd.moduletools import LANGUAGES


@dataclass(frozen=True)
class Conflicts:
    per_module: dict[str, list[m.Op]]  # full name -> its conflict operations
    shared: tuple[m.SharedConflict, ...]


def conflicts(scope: Scope, names: Names) -> Conflicts:
    site = scope.site
    per_module: dict[str, list[m.Op]] = {}
    shared: list[m.SharedConflict] = []
    for cname, cset in site.conflicts.items():
        base = ("conflicts", cname)
        members: list[Named] = []
        outside: list[str] = []  # externals in the set: others conflict with them by name
        for i, key in enumerate(cset.modules):
            if key in site.externals:
                outside.append(key)
            elif key not in site.modules:
                hint = suggest(key, [*site.modules, *site.externals])
                scope.fail((*base, "modules", i), f"unknown module {key!r}{hint}")
            members.extend(names.by_key.get(key, ()))
        if cset.shared_file:
            if not scope.language.spells(m.IncludeShared):
                able = " or ".join(
                    lang.name for lang in LANGUAGES.values() if lang.spells(m.IncludeShared)
                )
                scope.fail((*base, "shared_file"), f"shared_file needs syntax {able}")
                continue
            file = scope.scheme.path(cset.shared_file)
            listed = (*(one.full_name for one in members), *outside)
            shared.append(m.SharedConflict(file, listed))
            for one in members:
                here = posixpath.dirname(scope.scheme.path(one.full_name, one.level))
                per_module.setdefault(one.full_name, []).append(
                    m.IncludeShared(posixpath.relpath(file, here))
                )
            continue
        for one in members:
            others = _conflict_names(names, [o for o in members if o.module.key != one.module.key])
            others = (*others, *outside)
            if others:
                per_module.setdefault(one.full_name, []).append(m.Conflict(others))
    return Conflicts(per_module, tuple(shared))


def _conflict_names(names: Names, others: list[Named]) -> tuple[str, ...]:
    """Short names where a short name belongs to one module key only, else full names."""
    out: list[str] = []
    for one in others:
        name = one.short if len(names.owners[one.short]) == 1 else one.full_name
        if name not in out:
            out.append(name)
    return tuple(out)


@dataclass
class _Rc:
    """One module directory's rc while it is collected."""

    default: str | None = None
    default_key: str = ""  # the module whose `default` picked it
    aliases: list[tuple[str, str]] = field(default_factory=list)
    hidden: list[str] = field(default_factory=list)
    forbidden: list[tuple[str, str, str]] = field(default_factory=list)


def rc_files(scope: Scope, names: Names) -> tuple[m.ModuleRc, ...]:
    site = scope.site
    by_dir: dict[tuple[str, str], _Rc] = {}  # (hierarchy level, short name) -> its rc
    for key, named in names.by_key.items():
        module = site.modules[key]
        for one in named:
            if one.short == one.full_name:
                if scope.tool.forbids_in_rc and one.forbidden_from:
                    scope.fail(
                        (*one.base, "forbidden_from"),
                        f"{scope.tool.title} forbids a module from its directory's rc file: "
                        "give the module versions",
                    )
                continue
            rc = by_dir.setdefault((one.level, one.short), _Rc())
            if one.vstring and module.default == one.vstring:
                _set_default(scope, rc, one)
            version = one.version
            for alias in version.aliases if version else ():
                taken = {a for _, a in rc.aliases}
                if alias in taken or alias in names.leaves[one.short]:
                    scope.fail(
                        (*one.origin, "aliases"), f"duplicate module name '{one.short}/{alias}'"
                    )
                else:
                    rc.aliases.append((one.full_name, alias))
            if scope.tool.forbids_in_rc and one.forbidden_from and one.deprecated:
                notice = f"{one.full_name} is deprecated: {one.deprecated}"
                rc.forbidden.append((one.full_name, one.forbidden_from, notice))
            if module.hidden or (version and version.hidden):
                if "hidden" in scope.lacks:
                    scope.fail(one.origin, scope.refusal("hidden"))
                rc.hidden.append(one.full_name)
        if module.default and not any(module.default == one.vstring for one in named):
            choices = ", ".join(one.vstring for one in named)
            scope.fail(
                ("modules", key, "default"),
                f"{module.default!r} is not one of the versions: {choices}",
            )
    return tuple(
        m.ModuleRc(
            scope.scheme.path(short, level),
            rc.default,
            tuple(rc.aliases),
            tuple(rc.hidden),
            tuple(rc.forbidden),
            level,
        )
        for (level, short), rc in sorted(by_dir.items())
        if rc.default or rc.aliases or rc.hidden or rc.forbidden
    )


def _set_default(scope: Scope, rc: _Rc, one: Named) -> None:
    if rc.default is not None:
        first = scope.site.problem(("modules", rc.default_key, "default"), "")
        scope.fail(
            ("modules", one.module.key, "default"),
            f"conflicting defaults for {one.short!r}: modules.{rc.default_key}.default "
            f"(line {first.line}) already picks {rc.default!r}",
        )
        return
    rc.default, rc.default_key = one.full_name, one.module.key
