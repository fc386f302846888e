"""Compute a site's modules: names, relations, defaults and environment operations.

Policy lives here, once: conflict sets, families, defaults, aliases, hidden
names and per-site environment. Templates only spell the result.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path

from packaging.version import InvalidVersion, Version

from pyherd import model as m
from pyherd.errors import ConfigError, Problem
from pyherd.naming import SCHEMES, NamingScheme, version_string
from pyherd.schema import MODULE_NAME_RE, suggest
from pyherd.site import EnvBlock, ModuleDef, Site, VersionDef

PYTHON_KINDS = ("python", "conda", "conda-env")


@dataclass
class _Instance:
    """One version of one module while it is being built."""

    module: ModuleDef
    version: VersionDef | None
    full_name: str
    vstring: str
    origin: tuple[str | int, ...]
    context: dict[str, m.Value] = field(default_factory=dict)
    prefix: m.Value | None = None


class _Builder:
    def __init__(self, site: Site):
        self.site = site
        self.scheme: NamingScheme = SCHEMES[site.naming]
        self.problems: list[Problem] = []
        self.vars: dict[str, m.Value] = {}
        self.instances: list[_Instance] = []
        self.by_key: dict[str, list[_Instance]] = {}

    def fail(self, path: tuple[str | int, ...], message: str) -> None:
        self.problems.append(self.site.problem(path, message))

    def expand(self, text: str, context: dict[str, m.Value], path: tuple) -> m.Value:
        try:
            return m.expand(text, context)
        except m.PlaceholderError as exc:
            self.fail(path, str(exc))
            return (text,)

    # -- names ----------------------------------------------------------------

    def name_all(self) -> None:
        for key, var in self.site.vars.items():
            self.vars[key] = self.expand(var, {}, ("vars", key))
        seen: dict[str, tuple] = {}
        for key, module in self.site.modules.items():
            base = ("modules", key)
            if self.scheme.needs_category and not module.category and not module.module:
                self.fail(base, f"naming {self.scheme.name} needs a category (lang, tools, ...)")
            if module.default and not module.versions:
                self.fail((*base, "default"), "a module without versions cannot have a default")
            template = self.scheme.full_name_template(module)
            if module.versions and "{version}" not in template:
                self.fail((*base, "module"), "a module with versions needs {version} in its name")
            versions: list[VersionDef | None] = list(module.versions) or [None]
            for version in versions:
                origin = (*base, "versions", version.index) if version else base
                inst = self._instance(module, version, template, origin)
                if inst is None:
                    continue
                if inst.full_name in seen:
                    first = self.site.problem(seen[inst.full_name], "")
                    where = f"line {first.line}" if first.line else first.path
                    self.fail(
                        origin, f"duplicate module name {inst.full_name!r} (first at {where})"
                    )
                    continue
                seen[inst.full_name] = origin
                self.instances.append(inst)
                self.by_key.setdefault(key, []).append(inst)

    def _instance(
        self, module: ModuleDef, version: VersionDef | None, template: str, origin: tuple
    ) -> _Instance | None:
        vstring = version_string(module, version) if version else ""
        if version and module.kind == "python":
            try:
                Version(version.version)
            except InvalidVersion:
                self.fail(origin, f"{version.version!r} is not a version")
                return None
        python = (version.python if version else None) or module.python
        if module.kind == "python" and version:
            python = version.version
        context = dict(self.vars)
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
        if self.site.conda:
            context["root"] = self.expand(self.site.conda.root, self.vars, ("conda", "root"))
        name_value = self.expand(template, context, (*origin[:2], "module"))
        full_name = m.literal(name_value)
        if full_name is None or not MODULE_NAME_RE.match(full_name) or "{" in full_name:
            self.fail((*origin[:2], "module"), f"{full_name or template!r} is not a module name")
            return None
        return _Instance(module, version, full_name, vstring, origin, context)

    def index(self) -> None:
        """Names users can load, and who owns each short name and leaf (computed once)."""
        self.owners: dict[str, set[str]] = {}
        self.leaves: dict[str, set[str]] = {}
        for inst in self.instances:
            sn = _short(inst.full_name)
            self.owners.setdefault(sn, set()).add(inst.module.key)
            self.leaves.setdefault(sn, set()).add(_leaf(inst.full_name))
        self.known = self._names()

    def _names(self) -> dict[str, str]:
        """Loadable name -> the name a dependency should use.

        A short name stays itself (any loaded version satisfies it). An alias or a
        leading part of a dotted version ("extended default": python/3.12 loads
        python/3.12.4, the highest match) resolves to the full name, because Lmod
        only unloads a dependency it can match by name.
        """
        out: dict[str, str] = {}
        ranked: dict[str, tuple[Version | str, str]] = {}
        for inst in self.instances:
            sn = _short(inst.full_name)
            out[inst.full_name] = inst.full_name
            out[sn] = sn
            for alias in inst.version.aliases if inst.version else ():
                out[f"{sn}/{alias}"] = inst.full_name
            pieces = _leaf(inst.full_name).split(".")
            for i in range(1, len(pieces)):
                name = f"{sn}/{'.'.join(pieces[:i])}"
                rank = _rank(_leaf(inst.full_name))
                if name not in ranked or _newer(rank, ranked[name][0]):
                    ranked[name] = (rank, inst.full_name)
        for name, (_, full) in ranked.items():
            out.setdefault(name, full)
        return out

    # -- prefixes ---------------------------------------------------------------

    def place_all(self) -> None:
        for inst in self.instances:
            if inst.module.kind == "conda":
                self._conda_prefix(inst)
        for inst in self.instances:
            if inst.module.kind == "conda-env":
                self._env_prefix(inst)
            elif inst.module.kind != "conda":
                own = inst.version.prefix if inst.version else None
                raw = own or inst.module.prefix
                where = (*inst.origin, "prefix") if own else (*inst.origin[:2], "prefix")
                if raw:
                    inst.prefix = self.expand(raw, inst.context, where)
                elif inst.module.kind == "python":
                    self.fail(inst.origin[:2], "kind python needs a prefix")
            if inst.prefix is not None:
                inst.context["prefix"] = inst.prefix

    def _conda_prefix(self, inst: _Instance) -> None:
        if not self.site.conda:
            self.fail(inst.origin[:2], "kind conda needs the site's conda.root")
            return
        default = "{name}-{version}" if inst.version else "{name}"
        tree_t = (inst.version.tree if inst.version else None) or inst.module.tree or default
        tree = self.expand(tree_t, inst.context, (*inst.origin[:2], "tree"))
        inst.context["tree"] = tree
        declared = self.site.conda.trees
        name = m.literal(tree)
        if declared and name not in declared:
            hint = suggest(name or "", declared)
            self.fail(
                (*inst.origin[:2], "tree"),
                f"tree {name!r} is not in conda.trees (declared: {', '.join(declared)}){hint}",
            )
        inst.prefix = m.normalize([*inst.context["root"], "/", *tree, "/current"])
        inst.context["prefix"] = inst.prefix

    def _env_prefix(self, inst: _Instance) -> None:
        path = (*inst.origin[:2], "tree_module")
        key = inst.module.tree_module
        if not key:
            self.fail(inst.origin[:2], "kind conda-env needs tree_module (the conda module's key)")
            return
        trees = self.by_key.get(key)
        target = self.site.modules.get(key)
        if target is None or not trees:
            self.fail(path, f"unknown module {key!r}{suggest(key, self.site.modules)}")
            return
        if target.kind != "conda":
            self.fail(path, f"{key!r} is kind {target.kind}, not conda")
            return
        tree = _default_instance(trees)
        env_t = (inst.version.env_name if inst.version else None) or inst.module.env_name
        env = self.expand(env_t or "{version}", inst.context, (*inst.origin[:2], "env_name"))
        inst.context["env_name"] = env
        inst.context["tree_module"] = (tree.full_name,)
        declared = self.site.conda.trees.get(m.literal(tree.context.get("tree", ())) or "")
        env_literal = m.literal(env) or ""
        if declared and env_literal not in declared.envs:
            known = ", ".join(declared.envs) or "none"
            self.fail(
                (*inst.origin[:2], "env_name"),
                f"env {env_literal!r} is not in conda.trees.{declared.name}.envs (declared: "
                f"{known}){suggest(env_literal, declared.envs)}",
            )
        if tree.prefix is not None:
            inst.prefix = m.normalize([*tree.prefix, "/envs/", *env])

    # -- operations -------------------------------------------------------------

    def spec(self, inst: _Instance, conflict_ops: list[m.Op]) -> m.ModuleSpec:
        module, version = inst.module, inst.version
        ops: list[m.Op] = []
        if module.family:
            ops.append(m.Family(module.family))
        ops.extend(conflict_ops)
        if module.kind == "conda-env" and "tree_module" in inst.context:
            ops.append(m.DependsOn(m.literal(inst.context["tree_module"]) or ""))
        known = self.known
        for i, req in enumerate(module.requires):
            path = (*inst.origin[:2], "requires", i)
            name = m.literal(self.expand(req, inst.context, path))
            if name is None:
                self.fail(path, "a module reference cannot read the environment")
            elif name not in known:
                self.fail(path, f"unknown module {name!r}{suggest(name, known)}")
            elif self.site.module_tool == "lmod" and _short(known[name]) == _short(inst.full_name):
                self.fail(
                    path,
                    f"{known[name]!r} has the same name as this module; Lmod would "
                    "swap one for the other instead of loading both",
                )
            else:
                ops.append(m.DependsOn(known[name]))
        for prop, value in module.properties.items():
            path = (*inst.origin[:2], "properties", prop)
            if self.site.module_tool != "lmod":
                self.fail(path, "properties need Lmod (module_tool: lmod)")
            elif value not in self.site.properties.get(prop, {}):
                declared = [f"{p}={v}" for p, vs in self.site.properties.items() for v in vs]
                hint = suggest(f"{prop}={value}", declared)
                self.fail(path, f"property {prop}={value} is not declared in lmod.properties{hint}")
            else:
                ops.append(m.Property(prop, value))
        ops.extend(self._kind_ops(inst))
        for block, where in ((module.env, inst.origin[:2]), (version and version.env, inst.origin)):
            if block:
                ops.extend(self._env_ops(block, inst.context, (*where, "env")))
        extensions = {**module.extensions, **(version.extensions if version else {})}
        if extensions:
            pkgs = tuple(sorted(extensions.items(), key=lambda kv: kv[0].lower()))
            if self.site.syntax == "lua":
                ops.append(m.Extensions(pkgs))
            else:
                ops.append(m.Whatis("Extensions: " + ", ".join(f"{n}-{v}" for n, v in pkgs)))
        ops.extend(m.Whatis(line) for line in module.whatis)
        if module.help:
            ops.append(m.Help(module.help))
        for holder in (module, version):
            if holder and holder.deprecated:
                ops.append(m.LoadMessage(f"{inst.full_name} is deprecated: {holder.deprecated}"))
            if holder and holder.message:
                ops.append(m.LoadMessage(holder.message))
        path = (
            posixpath.join(self.scheme.subdir, inst.full_name)
            if self.scheme.subdir
            else inst.full_name
        )
        return m.ModuleSpec(
            key=module.key,
            full_name=inst.full_name,
            kind=module.kind,
            version=inst.vstring,
            path=path,
            origin=inst.origin,
            prefix=inst.prefix,
            ops=tuple(ops),
        )

    def _kind_ops(self, inst: _Instance) -> list[m.Op]:
        ops: list[m.Op] = []
        prefix = inst.prefix
        kind = inst.module.kind
        if prefix is not None and kind in PYTHON_KINDS:
            ops.append(m.PrependPath("PATH", m.normalize([*prefix, "/bin"])))
        if prefix is not None and kind == "python":
            ops.append(m.PrependPath("MANPATH", m.normalize([*prefix, "/share/man"])))
        if kind == "conda-env" and prefix is not None:
            ops.append(m.SetEnv("CONDA_PREFIX", prefix))
            ops.append(m.SetEnv("CONDA_DEFAULT_ENV", inst.context["env_name"]))
        if kind == "conda" and prefix is not None:
            # conda's own shell hook defines `conda` (activate, deactivate) and CONDA_EXE;
            # Lmod source_sh / Tcl source-sh record what it changed and undo it on unload.
            hook = m.normalize([*prefix, "/etc/profile.d/conda.sh"])
            ops.append(m.SourceScript("bash", hook, optional=True))
        if kind == "conda" and self.site.conda:
            conda = self.site.conda
            for var, values, sep in (
                ("CONDA_ENVS_DIRS", conda.envs_dirs, ":"),
                ("CONDA_PKGS_DIRS", conda.pkgs_dirs, ":"),
                ("CONDA_CHANNELS", conda.channels, ","),
            ):
                if values:
                    parts = [self.expand(v, self.vars, ("conda",)) for v in values]
                    ops.append(m.SetEnv(var, m.join(parts, sep)))
        if kind in PYTHON_KINDS:
            policy = self.site.python_policy
            if policy.pip_require_virtualenv:
                ops.append(m.SetEnv("PIP_REQUIRE_VIRTUALENV", ("true",)))
            if policy.no_user_site:
                ops.append(m.SetEnv("PYTHONNOUSERSITE", ("1",)))
        if kind == "python" and self.site.wheelhouse is not None:
            ops += self._wheelhouse_ops(inst)
        if self.scheme.easybuild_vars and prefix is not None:
            eb = _easybuild_name(inst.module.key)
            ops.append(m.SetEnv(f"EBROOT{eb}", prefix))
            release = inst.version.version if inst.version else ""
            ops.append(m.SetEnv(f"EBVERSION{eb}", (release,)))
        return ops

    def _wheelhouse_ops(self, inst: _Instance) -> list[m.Op]:
        """pip reads the site's pip.conf for the node's arch and uv the same index (by its
        variables, which leave a user's own uv.toml in force); avail_wheels finds it all."""
        w = self.site.wheelhouse
        assert w is not None
        root = w.root.rstrip("/")
        arch = m.EnvRef(w.arch_variable, w.default_arch)
        index = m.normalize([Path(root, "simple").as_uri() + "/", arch, "/"])
        ops: list[m.Op] = [
            m.SetEnv("PIP_CONFIG_FILE", m.normalize([f"{root}/pip/", arch, ".conf"])),
            m.SetEnv("PYHERD_WHEELHOUSE", (root,)),
        ]
        # uv: the wheelhouse first, then the site's other indexes (the first of them replacing
        # uv's default, PyPI); none: the wheelhouse alone, as pip.conf says
        extra = w.extra_index_urls
        uv_index = m.join([index, *((u,) for u in extra[1:])], " ")
        if extra:
            ops += [m.SetEnv("UV_INDEX", uv_index), m.SetEnv("UV_DEFAULT_INDEX", (extra[0],))]
        else:
            ops.append(m.SetEnv("UV_DEFAULT_INDEX", index))
        release = inst.version.version if inst.version else ""
        if re.match(r"^\d+\.\d+", release):
            short = ".".join(release.split(".")[:2])
            ops.append(m.SetEnv("PYHERD_PYTHON_VERSION", (short,)))
        return ops

    def _env_ops(self, block: EnvBlock, context: dict[str, m.Value], path: tuple) -> list[m.Op]:
        ops: list[m.Op] = []
        for name, value in block.set.items():
            ops.append(m.SetEnv(name, self.expand(value, context, (*path, "set", name))))
        ops.extend(m.UnsetEnv(name) for name in block.unset)
        for op_type, table, label in (
            (m.PrependPath, block.prepend, "prepend"),
            (m.AppendPath, block.append, "append"),
        ):
            for name, values in table.items():
                # Lmod and modulecmd both put the last prepended entry first; keep
                # the site file's order by prepending in reverse.
                ordered = reversed(values) if op_type is m.PrependPath else values
                for value in ordered:
                    ops.append(op_type(name, self.expand(value, context, (*path, label, name))))
        for name, value in block.aliases.items():
            if self.site.module_tool == "lmod" and re.search(r";\s*$", value):
                self.fail((*path, "aliases", name), "Lmod drops a trailing ';' from aliases")
            ops.append(m.Alias(name, self.expand(value, context, (*path, "aliases", name))))
        ops.extend(m.ShellFunction(name, body) for name, body in block.functions.items())
        for i, script in enumerate(block.source):
            ops.append(m.SourceScript("bash", self.expand(script, context, (*path, "source", i))))
        return ops

    # -- relations ----------------------------------------------------------------

    def conflict_ops(self) -> tuple[dict[str, list[m.Op]], list[m.SharedConflict]]:
        per_name: dict[str, list[m.Op]] = {}
        shared: list[m.SharedConflict] = []
        for cname, cset in self.site.conflicts.items():
            base = ("conflicts", cname)
            members: list[_Instance] = []
            for i, key in enumerate(cset.modules):
                if key not in self.site.modules:
                    hint = suggest(key, self.site.modules)
                    self.fail((*base, "modules", i), f"unknown module {key!r}{hint}")
                members.extend(self.by_key.get(key, []))
            if cset.shared_file:
                if self.site.syntax != "tcl":
                    self.fail((*base, "shared_file"), "shared_file needs syntax tcl")
                    continue
                names = tuple(inst.full_name for inst in members)
                shared.append(m.SharedConflict(self._rooted(cset.shared_file), names))
                for inst in members:
                    here = posixpath.dirname(self._rooted(inst.full_name))
                    rel = posixpath.relpath(self._rooted(cset.shared_file), here)
                    per_name.setdefault(inst.full_name, []).append(m.IncludeShared(rel))
                continue
            for inst in members:
                others = self._conflict_names(
                    [o for o in members if o.module.key != inst.module.key]
                )
                if others:
                    per_name.setdefault(inst.full_name, []).append(m.Conflict(others))
        return per_name, shared

    def _conflict_names(self, others: list[_Instance]) -> tuple[str, ...]:
        """Short names where a short name belongs to one module key only, else full names."""
        out: list[str] = []
        for inst in others:
            sn = _short(inst.full_name)
            name = sn if len(self.owners[sn]) == 1 else inst.full_name
            if name not in out:
                out.append(name)
        return tuple(out)

    def _rooted(self, path: str) -> str:
        return posixpath.join(self.scheme.subdir, path) if self.scheme.subdir else path

    def rcs(self) -> list[m.ModuleRc]:
        by_dir: dict[str, dict] = {}
        for key, insts in self.by_key.items():
            module = self.site.modules[key]
            for inst in insts:
                sn = _short(inst.full_name)
                if sn == inst.full_name:
                    continue
                entry = by_dir.setdefault(sn, {"default": None, "aliases": [], "hidden": []})
                if inst.vstring and module.default == inst.vstring:
                    self._set_default(entry, sn, inst)
                version = inst.version
                for alias in version.aliases if version else ():
                    taken = {a for _, a in entry["aliases"]}
                    if alias in taken or alias in self.leaves[sn]:
                        self.fail(
                            (*inst.origin, "aliases"), f"duplicate module name '{sn}/{alias}'"
                        )
                    else:
                        entry["aliases"].append((inst.full_name, alias))
                if module.hidden or (version and version.hidden):
                    entry["hidden"].append(inst.full_name)
            if module.default and not any(module.default == i.vstring for i in insts):
                choices = ", ".join(i.vstring for i in insts)
                self.fail(
                    ("modules", key, "default"),
                    f"{module.default!r} is not one of the versions: {choices}",
                )
        return [
            m.ModuleRc(self._rooted(sn), e["default"], tuple(e["aliases"]), tuple(e["hidden"]))
            for sn, e in sorted(by_dir.items())
            if e["default"] or e["aliases"] or e["hidden"]
        ]

    def _set_default(self, entry: dict, sn: str, inst: _Instance) -> None:
        if entry["default"] is not None:
            first_key = entry["default_key"]
            first = self.site.problem(("modules", first_key, "default"), "")
            self.fail(
                ("modules", inst.module.key, "default"),
                f"conflicting defaults for {sn!r}: modules.{first_key}.default (line {first.line}) "
                f"already picks {entry['default']!r}",
            )
            return
        entry["default"] = inst.full_name
        entry["default_key"] = inst.module.key


def _short(full_name: str) -> str:
    return full_name.rsplit("/", 1)[0] if "/" in full_name else full_name


def _leaf(full_name: str) -> str:
    return full_name.rsplit("/", 1)[-1]


def _default_instance(insts: list[_Instance]) -> _Instance:
    default = insts[0].module.default
    for inst in insts:
        if inst.vstring == default:
            return inst
    return insts[-1]


def _rank(version: str) -> Version | str:
    try:
        return Version(version)
    except InvalidVersion:
        return version


def _newer(a: Version | str, b: Version | str) -> bool:
    if isinstance(a, Version) and isinstance(b, Version):
        return a > b
    return str(a) > str(b)


def _easybuild_name(name: str) -> str:
    return re.sub(r"[^A-Z0-9]", "", name.upper().replace("-", "MIN").replace("+", "PLUS"))


def build_site(site: Site) -> m.SiteModel:
    """The site's modules, rc files and shared files; ConfigError lists every problem."""
    builder = _Builder(site)
    builder.name_all()
    builder.index()
    builder.place_all()
    conflicts, shared = builder.conflict_ops()
    specs = [builder.spec(inst, conflicts.get(inst.full_name, [])) for inst in builder.instances]
    rcs = builder.rcs()
    if builder.problems:
        raise ConfigError(unique(builder.problems))
    return m.SiteModel(
        modules=tuple(specs),
        rcs=tuple(rcs),
        shared=tuple(shared),
        subdir=builder.scheme.subdir,
    )


def unique(problems: list[Problem]) -> list[Problem]:
    seen: set[str] = set()
    out = []
    for p in problems:
        if str(p) not in seen:
            seen.add(str(p))
            out.append(p)
    return out
