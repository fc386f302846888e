"""The Site model: load `sites/<site>.yaml` (with `extends:`), validate, freeze."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pyherd import schema
from pyherd.errors import ConfigError, Problem
from pyherd.schema import suggest
from pyherd.yamlload import KeyPath, Located, format_path, load_yaml


@dataclass(frozen=True)
class EnvBlock:
    set: dict[str, str] = field(default_factory=dict)
    unset: tuple[str, ...] = ()
    prepend: dict[str, tuple[str, ...]] = field(default_factory=dict)
    append: dict[str, tuple[str, ...]] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)
    functions: dict[str, str] = field(default_factory=dict)
    source: tuple[str, ...] = ()


@dataclass(frozen=True)
class VersionDef:
    version: str
    index: int  # position in the site file's list, for error locations
    suffix: str | None = None
    toolchain: str | None = None
    aliases: tuple[str, ...] = ()
    prefix: str | None = None
    python: str | None = None
    extensions: dict[str, str] = field(default_factory=dict)
    env: EnvBlock | None = None
    hidden: bool = False
    deprecated: str | None = None
    message: str | None = None
    tree: str | None = None
    env_name: str | None = None


@dataclass(frozen=True)
class ModuleDef:
    key: str
    kind: str
    versions: tuple[VersionDef, ...]
    module: str | None = None
    category: str | None = None
    toolchain: str | None = None
    default: str | None = None
    family: str | None = None
    requires: tuple[str, ...] = ()
    properties: dict[str, str] = field(default_factory=dict)
    prefix: str | None = None
    python: str | None = None
    tree: str | None = None
    tree_module: str | None = None
    env_name: str | None = None
    extensions: dict[str, str] = field(default_factory=dict)
    env: EnvBlock | None = None
    whatis: tuple[str, ...] = ()
    help: str | None = None
    message: str | None = None
    deprecated: str | None = None
    hidden: bool = False


@dataclass(frozen=True)
class PythonPolicy:
    pip_require_virtualenv: bool | None = None
    no_user_site: bool | None = None


@dataclass(frozen=True)
class CondaEnvDef:
    """A named env of a tree: specs inline or from an environment file."""

    name: str
    packages: tuple[str, ...] | None = None
    environment: str | None = None
    channels: tuple[str, ...] | None = None
    checks: tuple[str, ...] = ()
    frozen: bool = False


@dataclass(frozen=True)
class InstallerDef:
    url: str
    sha256: str


@dataclass(frozen=True)
class TreeDef:
    """A conda tree pyherd installs as generations under `<root>/<name>/`."""

    name: str
    flavour: str = "miniforge"
    method: str = "rattler"
    channels: tuple[str, ...] | None = None
    packages: tuple[str, ...] | None = None
    environment: str | None = None
    mamba: bool | None = None
    envs: dict[str, CondaEnvDef] = field(default_factory=dict)
    checks: tuple[str, ...] = ()
    keep: int = 3
    installer: InstallerDef | None = None
    autoupdate: bool = False


@dataclass(frozen=True)
class AutoupdateSettings:
    """conda.autoupdate: the cron schedule, pins and the change limit."""

    schedule: str
    pins: tuple[str, ...] = ()
    max_changes: int | None = None
    log: str | None = None
    mailto: str | None = None


@dataclass(frozen=True)
class WheelPython:
    """An interpreter `wheels build` builds for: a path, or a python module of the site."""

    path: str | None = None
    module: str | None = None


@dataclass(frozen=True)
class WheelPackage:
    env: dict[str, str] = field(default_factory=dict)
    extra_requirements: tuple[str, ...] = ()
    only_binary: bool = False
    imports: tuple[str, ...] | None = None


@dataclass(frozen=True)
class WheelhouseSettings:
    root: str
    archs: tuple[str, ...] = ("generic",)
    default_arch: str = "generic"
    arch_variable: str = "PYHERD_WHEEL_ARCH"
    local_tag: str | None = None
    extra_index_urls: tuple[str, ...] = ()
    build_arch: str | None = None
    pythons: tuple[WheelPython, ...] = ()
    requirements: str = "wheels.txt"
    constraints: str | None = None
    sources: tuple[str, ...] = ("pypi",)
    build_requirements: tuple[str, ...] = ("setuptools",)
    packages: dict[str, WheelPackage] = field(default_factory=dict)


@dataclass(frozen=True)
class DeploySettings:
    groups: dict[str, tuple[str, ...]]
    modulepath: str
    user: str | None = None
    port: int = 22
    identity_file: str | None = None
    known_hosts: str = "known_hosts"
    config_dir: str | None = None
    project_dir: str | None = None
    parallel: int = 8
    connect_timeout: int = 10
    lmod_cache_dir: str | None = None
    cache_update: str = "update_lmod_system_cache_files"
    pyherd: str = "pyherd"
    run_group: str = "build"


@dataclass(frozen=True)
class CondaSettings:
    root: str
    channels: tuple[str, ...] = ()
    envs_dirs: tuple[str, ...] = ()
    pkgs_dirs: tuple[str, ...] = ()
    channel_priority: str = "strict"
    trees: dict[str, TreeDef] = field(default_factory=dict)
    autoupdate: AutoupdateSettings | None = None


@dataclass(frozen=True)
class PropertyValue:
    short: str
    long: str
    color: str
    doc: str


@dataclass(frozen=True)
class ConflictSet:
    name: str
    modules: tuple[str, ...]
    shared_file: str | None = None


@dataclass(frozen=True)
class Site:
    name: str
    file: str
    module_tool: str
    syntax: str
    naming: str
    description: str = ""
    vars: dict[str, str] = field(default_factory=dict)
    python_policy: PythonPolicy = PythonPolicy()
    conda: CondaSettings | None = None
    wheelhouse: WheelhouseSettings | None = None
    deploy: DeploySettings | None = None
    properties: dict[str, dict[str, PropertyValue]] = field(default_factory=dict)
    conflicts: dict[str, ConflictSet] = field(default_factory=dict)
    modules: dict[str, ModuleDef] = field(default_factory=dict)
    source_dir: Path | None = None  # sites/<site>/ for extras (templates, envs)
    located: Located = field(default_factory=lambda: Located({}), compare=False, repr=False)

    def problem(self, path: KeyPath, message: str) -> Problem:
        file, line = self.located.where(path)
        return Problem(file or self.file, line, format_path(path), message)


def site_names(sites_dir: Path) -> list[str]:
    return sorted(p.stem for p in sites_dir.glob("*.yaml"))


def _merge(parent: Located, child: Located) -> Located:
    """Child over parent: mappings merge key by key; anything else replaces."""

    def merge(a: Any, b: Any, path: KeyPath) -> Any:
        if isinstance(a, dict) and isinstance(b, dict):
            out = dict(a)
            for key, value in b.items():
                out[key] = merge(a[key], value, (*path, key)) if key in a else value
            return out
        replaced.append(path)
        return b

    replaced: list[KeyPath] = []
    data = merge(parent.data, child.data, ())
    lines = dict(parent.lines)
    raw = dict(parent.raw)
    for path in replaced:
        for table in (lines, raw):
            for key in [k for k in table if k[: len(path)] == path]:
                del table[key]
    lines.update(child.lines)
    raw.update(child.raw)
    return Located(data, lines, raw)


def _load_chain(sites_dir: Path, name: str, seen: tuple[str, ...]) -> Located:
    path = sites_dir / f"{name}.yaml"
    display = _display(path)
    if not path.is_file():
        raise ConfigError(Problem(display, None, "", f"no site file for {name!r}"))
    located = load_yaml(path, display)
    if not isinstance(located.data, dict):
        raise ConfigError(Problem(display, 1, "", "a site file must be a mapping"))
    parent_name = located.data.get("extends")
    if parent_name is None:
        return located
    if not isinstance(parent_name, str):
        file, line = located.where(("extends",))
        raise ConfigError(Problem(file, line, "extends", "expected a site name"))
    if parent_name in (*seen, name):
        file, line = located.where(("extends",))
        chain = " -> ".join((*seen, name, parent_name))
        raise ConfigError(Problem(file, line, "extends", f"circular extends: {chain}"))
    if not (sites_dir / f"{parent_name}.yaml").is_file():
        file, line = located.where(("extends",))
        hint = suggest(parent_name, site_names(sites_dir))
        raise ConfigError(Problem(file, line, "extends", f"no site {parent_name!r}{hint}"))
    parent = _load_chain(sites_dir, parent_name, (*seen, name))
    merged = _merge(parent, located)
    merged.data.pop("extends", None)
    return merged


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def load_site(sites_dir: Path, name: str) -> Site:
    """Load, merge and validate one site; raise ConfigError listing every problem."""
    located = _load_chain(sites_dir, name, ())
    data, problems = schema.validate(schema.SITE, located)
    if problems:
        raise ConfigError(problems)
    return _freeze(name, _display(sites_dir / f"{name}.yaml"), data, located, sites_dir / name)


def _env(block: dict[str, Any] | None) -> EnvBlock | None:
    if not block:
        return None
    return EnvBlock(
        set=dict(block["set"]),
        unset=tuple(block["unset"]),
        prepend={k: tuple(v) for k, v in block["prepend"].items()},
        append={k: tuple(v) for k, v in block["append"].items()},
        aliases=dict(block["aliases"]),
        functions=dict(block["functions"]),
        source=tuple(block["source"]),
    )


def _tuple(value: list[str] | None) -> tuple[str, ...] | None:
    return None if value is None else tuple(value)


def _conda(conda: dict[str, Any]) -> CondaSettings:
    auto = conda["autoupdate"]
    trees = {}
    for name, t in conda["trees"].items():
        envs = {
            env: CondaEnvDef(
                env,
                _tuple(e["packages"]),
                e["environment"],
                _tuple(e["channels"]),
                tuple(e["checks"] or ()),
                bool(e["frozen"]),
            )
            for env, e in t["envs"].items()
        }
        inst = t["installer"]
        trees[name] = TreeDef(
            name=name,
            flavour=t["flavour"],
            method=t["method"],
            channels=_tuple(t["channels"]),
            packages=_tuple(t["packages"]),
            environment=t["environment"],
            mamba=t["mamba"],
            envs=envs,
            checks=tuple(t["checks"]),
            keep=t["keep"],
            installer=InstallerDef(inst["url"], inst["sha256"]) if inst else None,
            autoupdate=t["autoupdate"],
        )
    return CondaSettings(
        conda["root"],
        tuple(conda["channels"]),
        tuple(conda["envs_dirs"]),
        tuple(conda["pkgs_dirs"]),
        conda["channel_priority"],
        trees,
        AutoupdateSettings(
            auto["schedule"], tuple(auto["pins"]), auto["max_changes"], auto["log"], auto["mailto"]
        ),
    )


def _freeze(name: str, file: str, data: dict[str, Any], located: Located, extras: Path) -> Site:
    modules = {}
    for key, m in data["modules"].items():
        versions = tuple(
            VersionDef(
                version=v["version"],
                index=i,
                suffix=v["suffix"],
                toolchain=v["toolchain"],
                aliases=tuple(v["aliases"]),
                prefix=v["prefix"],
                python=v["python"],
                extensions=dict(v["extensions"]),
                env=_env(v["env"]),
                hidden=v["hidden"],
                deprecated=v["deprecated"],
                message=v["message"],
                tree=v["tree"],
                env_name=v["env_name"],
            )
            for i, v in enumerate(m["versions"] or [])
        )
        modules[key] = ModuleDef(
            key=key,
            kind=m["kind"],
            versions=versions,
            module=m["module"],
            category=m["category"],
            toolchain=m["toolchain"],
            default=m["default"],
            family=m["family"],
            requires=tuple(m["requires"]),
            properties=dict(m["properties"]),
            prefix=m["prefix"],
            python=m["python"],
            tree=m["tree"],
            tree_module=m["tree_module"],
            env_name=m["env_name"],
            extensions=dict(m["extensions"]),
            env=_env(m["env"]),
            whatis=tuple(m["whatis"]),
            help=m["help"],
            message=m["message"],
            deprecated=m["deprecated"],
            hidden=m["hidden"],
        )
    policy = data["python_policy"] or {}
    conda = data["conda"]
    lmod = data["lmod"] or {"properties": {}}
    syntax = data["syntax"] or ("lua" if data["module_tool"] == "lmod" else "tcl")
    return Site(
        name=name,
        file=file,
        module_tool=data["module_tool"],
        syntax=syntax,
        naming=data["naming"],
        description=data["description"] or "",
        vars=dict(data["vars"]),
        python_policy=PythonPolicy(
            policy.get("pip_require_virtualenv"), policy.get("no_user_site")
        ),
        conda=_conda(conda) if conda else None,
        wheelhouse=_wheelhouse(wheels) if (wheels := data["wheelhouse"]) else None,
        deploy=_deploy(deploy) if (deploy := data["deploy"]) else None,
        properties={
            prop: {
                value: PropertyValue(p["short"], p["long"] or p["short"], p["color"], p["doc"])
                for value, p in values.items()
            }
            for prop, values in lmod["properties"].items()
        },
        conflicts={
            cname: ConflictSet(cname, tuple(c["modules"]), c["shared_file"])
            for cname, c in data["conflicts"].items()
        },
        modules=modules,
        source_dir=extras if extras.is_dir() else None,
        located=located,
    )


def _wheelhouse(w: dict[str, Any]) -> WheelhouseSettings:
    return WheelhouseSettings(
        root=w["root"],
        archs=tuple(w["archs"]),
        default_arch=w["default_arch"],
        arch_variable=w["arch_variable"],
        local_tag=w["local_tag"],
        extra_index_urls=tuple(w["extra_index_urls"]),
        build_arch=w["build_arch"],
        pythons=tuple(WheelPython(p["path"], p["module"]) for p in w["pythons"] if p),
        requirements=w["requirements"],
        constraints=w["constraints"],
        sources=tuple(w["sources"]),
        build_requirements=tuple(w["build_requirements"]),
        packages={
            name: WheelPackage(
                env=dict(p["env"]),
                extra_requirements=tuple(p["extra_requirements"]),
                only_binary=p["only_binary"],
                imports=tuple(p["imports"]) if p["imports"] is not None else None,
            )
            for name, p in w["packages"].items()
            if p
        },
    )


def _deploy(d: dict[str, Any]) -> DeploySettings:
    return DeploySettings(
        groups={name: tuple(hosts) for name, hosts in d["groups"].items()},
        modulepath=d["modulepath"],
        user=d["user"],
        port=d["port"],
        identity_file=d["identity_file"],
        known_hosts=d["known_hosts"],
        config_dir=d["config_dir"],
        project_dir=d["project_dir"],
        parallel=d["parallel"],
        connect_timeout=d["connect_timeout"],
        lmod_cache_dir=d["lmod_cache_dir"],
        cache_update=d["cache_update"],
        pyherd=d["pyherd"],
        run_group=d["run_group"],
    )
