"""Stage 4, operations: each placed module's typed operations, in the order they load.

Relations first (family, conflicts, the kind's own dependencies, `requires`,
properties), then the kind's environment, the naming scheme's, the site's `env`
blocks (module, then version), extensions, whatis, help and load messages.
"""

from __future__ import annotations

from collections.abc import Mapping

from pyherd import model as m
from pyherd.build.kinds import KINDS
from pyherd.build.naming import Named, Names
from pyherd.build.placing import Placed
from pyherd.build.scope import Scope
from pyherd.errors import suggest
from pyherd.site import FROM_PREFIX, EnvBlock, Site
from pyherd.yamlload import KeyPath


def python_policy(placed: Placed, site: Site) -> list[m.Op]:
    """The pip and user-site policy of one module that provides a python: its own
    python_policy, else the site's when the site names its kind."""
    policy = site.python_policy
    own = placed.named.module.python_policy
    applies = placed.named.module.kind in policy.kinds

    def chosen(name: str) -> bool:
        mine = getattr(own, name) if own is not None else None
        return bool(mine) if mine is not None else applies and bool(getattr(policy, name))

    ops: list[m.Op] = []
    if chosen("pip_require_virtualenv"):
        ops.append(m.SetEnv("PIP_REQUIRE_VIRTUALENV", ("true",)))
    if chosen("no_user_site"):
        ops.append(m.SetEnv("PYTHONNOUSERSITE", ("1",)))
    return ops


def prefix_env(placed: Placed, site: Site) -> list[m.Op]:
    """The site's library and build variables for this module's prefix, where they exist."""
    if placed.prefix is None or placed.named.module.kind not in site.prefix_env.kinds:
        return []
    ops: list[m.Op] = []
    for name, subdirs in site.prefix_env.paths.items():
        for sub in reversed(subdirs):  # the first listed ends up first
            value = m.normalize([*placed.prefix, f"/{sub}" if sub else ""])
            ops.append(m.PrependPathIfDir(name, value))
    return ops


def module_spec(scope: Scope, names: Names, placed: Placed, conflicts: list[m.Op]) -> m.ModuleSpec:
    named = placed.named
    module, version = named.module, named.version
    kind = KINDS[module.kind]
    ops: list[m.Op] = []
    path = scope.scheme.path(named.full_name, named.level)
    ops.extend(_family(scope, names, placed))
    ops.extend(_opens(scope, named, path))
    ops.extend(conflicts)
    ops.extend(kind.relations(placed, scope))
    ops.extend(_requires(scope, names, placed))
    ops.extend(_properties(scope, placed))
    ops.extend(kind.environment(placed, scope))
    ops.extend(prefix_env(placed, scope.site))
    ops.extend(python_policy(placed, scope.site))
    ops.extend(scope.scheme.ops(placed))
    for block, where in ((module.env, named.base), (version and version.env, named.origin)):
        if block:
            ops.extend(env_ops(scope, block, placed.context, (*where, "env")))
    _contradictions(scope, placed, ops)
    extensions = _extensions(scope, placed)
    if extensions:
        ops.append(m.Extensions(extensions))
    whatis = version.whatis if version and version.whatis is not None else module.whatis
    ops.extend(m.Whatis(line) for line in whatis)
    text = version.help if version and version.help is not None else module.help
    if text:
        ops.append(m.Help(text))
    for holder in (module, version):
        if holder and holder.message:
            ops.append(m.LoadMessage(holder.message))
    ops.extend(_deprecation(scope, named))
    if "source_sh" in scope.lacks:  # the hooks pyherd adds for convenience (conda's) go
        ops = [op for op in ops if not (isinstance(op, m.SourceScript) and op.optional)]
    ops = [m.PinLink(pin) for pin in m.pins(ops)] + ops  # resolved before any use
    for check in (scope.language.value_problem, scope.tool.value_problem):
        for problem in dict.fromkeys(filter(None, map(check, ops))):
            scope.fail(named.base, problem)
    if scope.lacks:  # an operation the site's tool cannot do (Lmod can do them all)
        for feature in dict.fromkeys(op.feature for op in ops if op.feature in scope.lacks):
            scope.fail(named.base, scope.refusal(feature))
    return m.ModuleSpec(
        key=module.key,
        full_name=named.full_name,
        kind=module.kind,
        version=named.vstring,
        path=path,
        origin=named.origin,
        prefix=placed.prefix,
        ops=tuple(ops),
        deprecated=named.deprecated,
        forbidden_from=named.forbidden_from,
        level=named.level,
        after=named.after,
    )


def _extensions(scope: Scope, placed: Placed) -> tuple[tuple[str, str], ...]:
    """The packages spider lists: the site's, or what the prefix holds (from_prefix), with
    the other level's explicit entries over them."""
    named = placed.named
    levels = [named.module.extensions, named.version.extensions if named.version else {}]
    listed: dict[str, str] = {}
    if FROM_PREFIX in levels:
        own = named.version is not None and named.version.extensions == FROM_PREFIX
        where = (*(named.origin if own else named.base), "extensions")
        prefix = m.literal(placed.prefix) if placed.prefix is not None else None
        if prefix is None:
            scope.fail(where, "from_prefix needs a prefix that does not read the environment")
            return ()
        packages, problem = scope.installed.packages(named.full_name, prefix)
        if problem:
            scope.fail(where, problem)
            return ()
        listed.update(packages)
        scope.recorded[named.full_name] = packages
    for level in levels:
        if isinstance(level, dict):
            listed.update(level)
    return tuple(sorted(listed.items(), key=lambda kv: kv[0].lower()))


def _deprecation(scope: Scope, named: Named) -> list[m.Op]:
    """A deprecated module's notice and end date, in the tool's own way of giving them."""
    text, date = named.deprecated, named.forbidden_from
    if date:
        own = named.version is not None and named.version.forbidden_from is not None
        where = (*(named.origin if own else named.base), "forbidden_from")
        if not text:
            scope.fail(where, "forbidden_from needs deprecated: the notice users get before")
            return []
        if "forbid" in scope.lacks:
            scope.fail(where, scope.refusal("forbid"))
            return []
    return scope.tool.deprecation(named.full_name, text, date) if text else []


def _family(scope: Scope, names: Names, placed: Placed) -> list[m.Op]:
    """The module's family (a hierarchy's compilers and MPIs are in `compiler` and `mpi`
    unless they say otherwise); where the release the site runs has none (Environment
    Modules before 5.1), a conflict with the family's other modules, so one loads at a time."""
    named = placed.named
    family = _family_of(scope, named.module.key)
    if not family:
        return []
    if "family" not in scope.lacks:
        return [m.Family(family)]
    others: list[str] = []
    for key in scope.site.modules:
        if key != named.module.key and _family_of(scope, key) == family:
            others.extend(dict.fromkeys(one.short for one in names.by_key.get(key, ())))
    others.extend(e.name for e in scope.site.externals.values() if e.family == family)
    return [m.Conflict(tuple(dict.fromkeys(others)))] if others else []


def _family_of(scope: Scope, key: str) -> str | None:
    own = scope.site.modules[key].family
    if own or not scope.scheme.levels:
        return own
    levels = scope.site.hierarchy
    return "compiler" if key in levels.compilers else "mpi" if key in levels.mpis else None


def _opens(scope: Scope, named: Named, path: str) -> list[m.Op]:
    """The level a hierarchy's compiler or MPI puts on MODULEPATH: Compiler/GCC/12.3.0,
    MPI/GCC/12.3.0/OpenMPI/4.1.5 (beside Core, found from the module's own file)."""
    levels = scope.site.hierarchy
    if not scope.scheme.levels:
        return []
    depth = path.count("/") + 1
    if named.module.key in levels.compilers:
        return [m.UseLevel(depth, f"Compiler/{named.full_name}")]
    if named.module.key in levels.mpis and named.after:
        return [m.UseLevel(depth, f"MPI/{named.after[0]}/{named.full_name}")]
    return []


def _requires(scope: Scope, names: Names, placed: Placed) -> list[m.Op]:
    named = placed.named
    ops: list[m.Op] = []
    for i, req in enumerate(named.module.requires):
        path = (*named.base, "requires", i)
        name = m.literal(scope.expand(req, placed.context, path))
        target = names.resolve(scope, name) if name is not None else None
        if name is None:
            scope.fail(path, "a module reference cannot read the environment")
        elif target is None:
            known = [
                *names.loadable,
                *(n for e in scope.site.externals.values() for n in e.names()),
            ]
            scope.fail(
                path,
                f"unknown module {name!r}{suggest(name, known)}; declare a module pyherd "
                "does not render under externals",
            )
        elif scope.tool.loads_one_per_short_name and m.short_name(target) == named.short:
            scope.fail(
                path,
                f"{target!r} has the same name as this module; "
                f"{scope.tool.title} would swap one for the other instead of loading both",
            )
        else:
            ops.append(m.DependsOn(target))
    return ops


def _properties(scope: Scope, placed: Placed) -> list[m.Op]:
    named = placed.named
    declared = scope.site.properties
    ops: list[m.Op] = []
    for prop, value in named.module.properties.items():
        path = (*named.base, "properties", prop)
        if "properties" in scope.lacks:
            scope.fail(path, scope.refusal("properties"))
        elif value not in declared.get(prop, {}):
            pairs = [f"{p}={v}" for p, vs in declared.items() for v in vs]
            hint = suggest(f"{prop}={value}", pairs)
            scope.fail(path, f"property {prop}={value} is not declared in lmod.properties{hint}")
        else:
            ops.append(m.Property(prop, value))
    return ops


def _contradictions(scope: Scope, placed: Placed, ops: list[m.Op]) -> None:
    """A variable one module both sets and unsets, or sets to two values, is a located
    error: the generated file would do both, and which one wins is the tool's affair."""
    named = placed.named
    said: dict[str, set[m.Value | None]] = {}
    for op in ops:
        if isinstance(op, m.SetEnv):
            said.setdefault(op.name, set()).add(op.value)
        elif isinstance(op, m.UnsetEnv):
            said.setdefault(op.name, set()).add(None)
    for name, values in said.items():
        if len(values) < 2:
            continue
        where = named.base
        for block, origin in (
            (named.module.env, named.base),
            (named.version and named.version.env, named.origin),
        ):
            if block and name in block.unset:
                where = (*origin, "env", "unset", block.unset.index(name))
            elif block and name in block.set:
                where = (*origin, "env", "set", name)
        shown = " and ".join(
            sorted("unset" if v is None else f"set to {m.display(v)!r}" for v in values)
        )
        scope.fail(
            where,
            f"{name} is {shown} by this module; say it once (a module's own python_policy "
            "overrides the site's)",
        )


def env_ops(
    scope: Scope, block: EnvBlock, context: Mapping[str, m.Value], path: KeyPath
) -> list[m.Op]:
    """The operations of one `env` block, in the order of its keys."""

    def expand(text: str, where: KeyPath) -> m.Value:
        return scope.expand(text, context, (*path, *where))

    ops: list[m.Op] = []
    for name, value in block.set.items():
        ops.append(m.SetEnv(name, expand(value, ("set", name))))
    ops.extend(m.UnsetEnv(name) for name in block.unset)
    for op_type, table, label in (
        (m.PrependPath, block.prepend, "prepend"),
        (m.AppendPath, block.append, "append"),
    ):
        for name, values in table.items():
            # Lmod and modulecmd both put the last prepended entry first; keep the site
            # file's order by prepending in reverse.
            ordered = reversed(values) if op_type is m.PrependPath else values
            ops.extend(op_type(name, expand(value, (label, name))) for value in ordered)
    for name, value in block.aliases.items():
        for rule in scope.tool.alias_rules:
            if rule.matches(value):
                scope.fail((*path, "aliases", name), rule.message)
        ops.append(m.Alias(name, expand(value, ("aliases", name))))
    ops.extend(m.ShellFunction(name, body) for name, body in block.functions.items())
    for i, script in enumerate(block.source):
        ops.append(m.SourceScript("bash", expand(script, ("source", i))))
    return ops
