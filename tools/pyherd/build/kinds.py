"""The kinds of module, one object each: where its prefix is, and what it does on load.

A kind answers three questions for the stages: is a version of it valid (a python's
is a PEP 440 version), where is its prefix (placing), and which operations it adds
(relations before the site's requires, environment before the site's `env`). A new
kind is one class here and one entry in KINDS.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from pyherd import model as m
from pyherd.conda.layout import current_value
from pyherd.errors import suggest
from pyherd.names import python_version_problem
from pyherd.wheelhouse import layout as wl

if TYPE_CHECKING:
    from pyherd.build.naming import Named
    from pyherd.build.placing import Placed
    from pyherd.build.scope import Scope
    from pyherd.site import ModuleDef, Site, VersionDef


@dataclass(frozen=True)
class Placement:
    """Where a module is, and the placeholders that adds ({tree}, {env_name}, ...)."""

    prefix: m.Value | None = None
    context: dict[str, m.Value] = field(default_factory=dict)


class Kind:
    name: ClassVar[str]
    summary: ClassVar[str]  # for `pyherd schema`
    places_first: ClassVar[bool] = False  # others' prefixes are made from this kind's

    def version_problem(self, version: VersionDef) -> str | None:
        return None

    def python_of(self, module: ModuleDef, version: VersionDef | None) -> str | None:
        """The Python version this module runs on ({python} in its values)."""
        return (version.python if version else None) or module.python

    def place(self, named: Named, scope: Scope, first: Mapping[str, list[Placed]]) -> Placement:
        """The prefix; `first` holds the modules placed before (kinds that place first)."""
        return Placement(self._own_prefix(named, scope))

    def relations(self, placed: Placed, scope: Scope) -> list[m.Op]:
        return []

    def environment(self, placed: Placed, scope: Scope) -> list[m.Op]:
        return []

    @staticmethod
    def _own_prefix(named: Named, scope: Scope) -> m.Value | None:
        own = named.version.prefix if named.version else None
        raw = own or named.module.prefix
        if not raw:
            return None
        where = (*named.origin, "prefix") if own else (*named.base, "prefix")
        return scope.expand(raw, named.context, where)


def pinned(named: Named, link: m.Value) -> m.Pinned:
    """`link` (a tree's `current`) resolved when this module loads, in its own variable."""
    var = "PYHERD_PIN_" + re.sub(r"[^A-Z0-9]+", "_", named.full_name.upper()).strip("_")
    return m.Pinned(var, tuple(p for p in link if isinstance(p, str | m.EnvRef)))


def _bin(prefix: m.Value | None) -> list[m.Op]:
    return [m.PrependPath("PATH", m.normalize([*prefix, "/bin"]))] if prefix is not None else []


class Python(Kind):
    name = "python"
    summary = "a CPython install"

    def version_problem(self, version: VersionDef) -> str | None:
        return python_version_problem(version.version)

    def python_of(self, module: ModuleDef, version: VersionDef | None) -> str | None:
        return version.version if version else super().python_of(module, version)

    def place(self, named: Named, scope: Scope, first: Mapping[str, list[Placed]]) -> Placement:
        prefix = self._own_prefix(named, scope)
        if prefix is None:
            scope.fail(named.base, "kind python needs a prefix")
        return Placement(prefix)

    def environment(self, placed: Placed, scope: Scope) -> list[m.Op]:
        ops = _bin(placed.prefix)
        if placed.prefix is not None:
            ops.append(m.PrependPath("MANPATH", m.normalize([*placed.prefix, "/share/man"])))
        if scope.site.wheelhouse is not None:
            ops += _wheelhouse(placed, scope.site)
        return ops


def _wheelhouse(placed: Placed, site: Site) -> list[m.Op]:
    """pip reads the site's pip.conf for the node's arch and uv the same index (by its
    variables, which leave a user's own uv.toml in force); avail_wheels finds it all."""
    w = site.wheelhouse
    assert w is not None
    root = Path(w.root)
    arch = m.EnvRef(w.arch_variable, w.default_arch)
    # the node's arch is read when the module loads: <root>/pip/<arch>.conf, simple/<arch>/
    index = m.normalize([(root / wl.SIMPLE).as_uri() + "/", arch, "/"])
    ops: list[m.Op] = [
        m.SetEnv("PIP_CONFIG_FILE", m.normalize([f"{root}/{wl.PIP}/", arch, ".conf"])),
        m.SetEnv("PYHERD_WHEELHOUSE", (str(root),)),
    ]
    # uv: the wheelhouse first, then the site's other indexes (the first of them replacing
    # uv's default, PyPI); none: the wheelhouse alone, as pip.conf says
    extra = w.extra_index_urls
    if extra:
        uv_index = m.join([index, *((u,) for u in extra[1:])], " ")
        ops += [m.SetEnv("UV_INDEX", uv_index), m.SetEnv("UV_DEFAULT_INDEX", (extra[0],))]
    else:
        ops.append(m.SetEnv("UV_DEFAULT_INDEX", index))
    release = placed.named.version.version if placed.named.version else ""
    if re.match(r"^\d+\.\d+", release):
        short = ".".join(release.split(".")[:2])
        ops.append(m.SetEnv("PYHERD_PYTHON_VERSION", (short,)))
    return ops


class Conda(Kind):
    name = "conda"
    summary = "a conda tree"
    places_first = True

    def place(self, named: Named, scope: Scope, first: Mapping[str, list[Placed]]) -> Placement:
        conda = scope.site.conda
        if not conda:
            scope.fail(named.base, "kind conda needs the site's conda.root")
            return Placement()
        default = "{name}-{version}" if named.version else "{name}"
        template = (named.version.tree if named.version else None) or named.module.tree or default
        tree = scope.expand(template, named.context, (*named.base, "tree"))
        declared = conda.trees
        name = m.literal(tree)
        if declared and name not in declared:
            hint = suggest(name or "", declared)
            scope.fail(
                (*named.base, "tree"),
                f"tree {name!r} is not in conda.trees (declared: {', '.join(declared)}){hint}",
            )
        link = current_value(named.context["root"], tree)
        return Placement((pinned(named, link),), {"tree": tree})

    def environment(self, placed: Placed, scope: Scope) -> list[m.Op]:
        ops = _bin(placed.prefix)
        if placed.prefix is not None:
            # conda's own shell hook defines `conda` (activate, deactivate) and CONDA_EXE;
            # Lmod source_sh / Tcl source-sh record what it changed and undo it on unload.
            hook = m.normalize([*placed.prefix, "/etc/profile.d/conda.sh"])
            ops.append(m.SourceScript("bash", hook, optional=True))
        conda = scope.site.conda
        if conda:
            for var, values, sep in (
                ("CONDA_ENVS_DIRS", conda.envs_dirs, ":"),
                ("CONDA_PKGS_DIRS", conda.pkgs_dirs, ":"),
                ("CONDA_CHANNELS", conda.channels, ","),
            ):
                if values:
                    parts = [scope.expand(v, scope.vars, ("conda",)) for v in values]
                    ops.append(m.SetEnv(var, m.join(parts, sep)))
        return ops


class CondaEnv(Kind):
    name = "conda-env"
    summary = "an env inside a tree"

    def place(self, named: Named, scope: Scope, first: Mapping[str, list[Placed]]) -> Placement:
        path = (*named.base, "tree_module")
        key = named.module.tree_module
        if not key:
            scope.fail(named.base, "kind conda-env needs tree_module (the conda module's key)")
            return Placement()
        target = scope.site.modules.get(key)
        if target is not None and target.kind != Conda.name:
            scope.fail(path, f"{key!r} is kind {target.kind}, not conda")
            return Placement()
        trees = first.get(key)
        if target is None or not trees:
            scope.fail(path, f"unknown module {key!r}{suggest(key, scope.site.modules)}")
            return Placement()
        tree = _default(trees)
        template = (named.version.env_name if named.version else None) or named.module.env_name
        env = scope.expand(template or "{version}", named.context, (*named.base, "env_name"))
        context = {"env_name": env, "tree_module": (tree.named.full_name,)}
        conda = scope.site.conda
        declared = conda.trees.get(m.literal(tree.context.get("tree", ())) or "") if conda else None
        env_literal = m.literal(env) or ""
        if declared and env_literal not in declared.envs:
            known = ", ".join(declared.envs) or "none"
            scope.fail(
                (*named.base, "env_name"),
                f"env {env_literal!r} is not in conda.trees.{declared.name}.envs (declared: "
                f"{known}){suggest(env_literal, declared.envs)}",
            )
        prefix = None
        if tree.prefix is not None:  # the tree's generation, pinned by this module too
            repinned = [pinned(named, p.link) if isinstance(p, m.Pinned) else p
                        for p in tree.prefix]  # fmt: skip
            prefix = m.normalize([*repinned, "/envs/", *env])
        return Placement(prefix, context)

    def relations(self, placed: Placed, scope: Scope) -> list[m.Op]:
        module = placed.context.get("tree_module")
        return [m.DependsOn(m.literal(module) or "")] if module is not None else []

    def environment(self, placed: Placed, scope: Scope) -> list[m.Op]:
        ops = _bin(placed.prefix)
        if placed.prefix is not None:
            ops.append(m.SetEnv("CONDA_PREFIX", placed.prefix))
            ops.append(m.SetEnv("CONDA_DEFAULT_ENV", placed.context["env_name"]))
        return ops


class Bundle(Kind):
    name = "bundle"
    summary = "packages on top of a python"


class Generic(Kind):
    name = "generic"
    summary = "anything else"


def _default(placed: list[Placed]) -> Placed:
    """The module's default version, else its last."""
    default = placed[0].named.module.default
    return next((p for p in placed if p.named.vstring == default), placed[-1])


KINDS: dict[str, Kind] = {k.name: k for k in (Python(), Conda(), CondaEnv(), Bundle(), Generic())}
