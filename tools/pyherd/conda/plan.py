"""What installing one tree means: paths, channels, specs per env, checks, .condarc.

Pure: reads the site (and its environment files) and decides; writes nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from pyherd import model as m
from pyherd.conda.envfile import read_env_file
from pyherd.conda.layout import TreeLayout
from pyherd.conda.settings import FLAVOURS, CondaEnvDef, InstallerDef, TreeDef
from pyherd.errors import ConfigError, Problem, suggest
from pyherd.layout import UnsafePath, under

if TYPE_CHECKING:
    from pyherd.site import Site

DEFAULTS = ("https://repo.anaconda.com/pkgs/main", "https://repo.anaconda.com/pkgs/r")
_SPEC_NAME = re.compile(r"^\s*(?:[^:\s]+::)?([A-Za-z0-9_.\-]+)")


@dataclass(frozen=True)
class Where:
    """Where a spec was written, to point solver errors at a file and line."""

    file: str
    line: int | None
    path: str

    def problem(self, message: str) -> Problem:
        return Problem(self.file, self.line, self.path, message)


@dataclass(frozen=True)
class EnvPlan:
    name: str  # "base" or the env's name
    subdir: str  # "" for base, "envs/<name>" for a named env
    channels: tuple[str, ...]  # as the solver takes them (defaults expanded, paths as file://)
    specs: tuple[str, ...]
    where: tuple[Where, ...]  # one per spec
    checks: tuple[str, ...]
    frozen: bool = False  # autoupdate carries it over unchanged

    def prefix_in(self, generation: Path) -> Path:
        return generation / self.subdir if self.subdir else generation


@dataclass(frozen=True)
class TreePlan:
    site: str
    tree: str
    flavour: str
    method: str
    root: Path
    base: EnvPlan
    envs: tuple[EnvPlan, ...]
    keep: int
    min_age_days: int
    installer: InstallerDef | None
    channel_priority: str
    user_channels: tuple[str, ...]
    envs_dirs: tuple[str, ...]
    pkgs_dirs: tuple[str, ...]
    site_file: str
    autoupdate: bool = False

    @property
    def layout(self) -> TreeLayout:
        return TreeLayout(self.root, self.tree)

    def all_envs(self) -> tuple[EnvPlan, ...]:
        return (self.base, *self.envs)


def spec_name(spec: str) -> str:
    match = _SPEC_NAME.match(spec)
    return match.group(1).lower() if match else spec


def solver_channel(channel: str) -> tuple[str, ...]:
    if channel == "defaults":
        return DEFAULTS
    if channel.startswith("/"):
        return (PurePosixPath(channel).as_uri(),)
    return (channel,)


def literal_root(site: Site) -> Path:
    """conda.root with {vars} filled; ${VAR} is refused (a root is the same for everyone)."""
    assert site.conda is not None
    context: dict[str, m.Value] = {}
    try:
        for key, var in site.vars.items():
            context[key] = m.expand(var, context)
        value = m.expand(site.conda.root, context)
    except m.PlaceholderError as exc:
        raise ConfigError(site.problem(("conda", "root"), str(exc))) from None
    text = m.literal(value)
    if text is None or not text.startswith("/"):
        raise ConfigError(
            site.problem(("conda", "root"), "must be an absolute path without ${VARIABLES}")
        )
    return Path(text)


def plan_tree(site: Site, tree: str) -> TreePlan:
    """The plan for `tree` of `site`; ConfigError (exit 2) names every bad key."""
    if site.conda is None or not site.conda.trees:
        raise ConfigError(site.problem(("conda",), "the site declares no conda.trees"))
    trees = site.conda.trees
    if tree not in trees:
        hint = suggest(tree, trees)
        raise ConfigError(
            site.problem(("conda", "trees"), f"no tree {tree!r} (trees: {', '.join(trees)}){hint}")
        )
    t = trees[tree]
    base_path = ("conda", "trees", tree)
    problems: list[Problem] = []
    if t.method == "installer" and t.installer is None:
        problems.append(
            site.problem(
                (*base_path, "method"), "method installer needs `installer` (url and sha256)"
            )
        )
    if t.method == "installer" and t.autoupdate:
        problems.append(
            site.problem(
                (*base_path, "autoupdate"),
                "an installer tree is a fixed vendor release; autoupdate needs method rattler",
            )
        )
    if t.method == "rattler" and t.installer is not None:
        problems.append(site.problem((*base_path, "installer"), "only for method: installer"))
    default_channels, default_specs, default_mamba = FLAVOURS[t.flavour]
    tree_channels = t.channels or site.conda.channels or default_channels
    base = _env(site, t, None, base_path, tree_channels, default_specs, problems)
    envs = tuple(
        _env(site, t, e, (*base_path, "envs", e.name), tree_channels, (), problems)
        for e in t.envs.values()
    )
    for env_name in t.envs:
        if env_name in ("base", "root"):
            problems.append(
                site.problem(
                    (*base_path, "envs", env_name),
                    f"{env_name!r} is the tree itself (its base env)",
                )
            )
    installer = t.installer
    if installer and "://" not in installer.url and not installer.url.startswith("/"):
        try:
            local = under(site.source_dir or Path(site.file).parent / site.name, installer.url)
            installer = replace(installer, url=str(local.resolve()))
        except UnsafePath as exc:
            problems.append(site.problem((*base_path, "installer", "url"), str(exc)))
    if problems:
        raise ConfigError(problems)
    specs = list(base.specs)
    where = list(base.where)
    names = {spec_name(s) for s in specs}
    extra = ["conda"] + (["mamba"] if (t.mamba if t.mamba is not None else default_mamba) else [])
    if t.method == "rattler":
        for name in extra:
            if name not in names:  # users need the CLI: conda (and mamba) come with every tree
                specs.append(name)
                where.append(
                    Where(site.file, site.problem(base_path, "").line, ".".join(base_path))
                )
    base = EnvPlan(base.name, base.subdir, base.channels, tuple(specs), tuple(where), base.checks)
    home = "${HOME}/.conda"
    return TreePlan(
        site=site.name,
        tree=tree,
        flavour=t.flavour,
        method=t.method,
        root=literal_root(site),
        base=base,
        envs=envs,
        keep=t.keep,
        min_age_days=t.min_age_days,
        installer=installer,
        channel_priority=site.conda.channel_priority,
        user_channels=site.conda.channels or tuple(tree_channels),
        envs_dirs=site.conda.envs_dirs or (f"{home}/envs",),
        pkgs_dirs=site.conda.pkgs_dirs or (f"{home}/pkgs",),
        site_file=site.origin,
        autoupdate=t.autoupdate,
    )


def _env(
    site: Site,
    tree: TreeDef,
    env: CondaEnvDef | None,
    path: tuple[str, ...],
    tree_channels: tuple[str, ...],
    default_specs: tuple[str, ...],
    problems: list[Problem],
) -> EnvPlan:
    source = env if env is not None else tree
    packages, environment = source.packages, source.environment
    channels: tuple[str, ...] | None = env.channels if env is not None else None
    checks = env.checks if env is not None else tree.checks
    dotted = ".".join(path)
    if packages is not None and environment is not None:
        problems.append(
            site.problem((*path, "environment"), "give packages or environment, not both")
        )
    specs: tuple[str, ...] = ()
    where: tuple[Where, ...] = ()
    if environment is not None:
        if site.source_dir is None:
            problems.append(
                site.problem(
                    (*path, "environment"), f"no directory sites/{site.name}/ for environment files"
                )
            )
        else:
            display = f"{Path(site.file).parent}/{site.name}/{environment}"
            try:
                parsed = read_env_file(under(site.source_dir, environment), display)
            except UnsafePath as exc:
                problems.append(site.problem((*path, "environment"), str(exc)))
            except ConfigError as exc:
                problems.extend(exc.problems)
            else:
                specs = parsed.specs
                where = tuple(
                    Where(display, line, f"dependencies[{i}]")
                    for i, line in enumerate(parsed.lines)
                )
                if channels is None:
                    channels = parsed.channels
    elif packages is not None:
        specs = packages
        where = tuple(
            Where(*site.located.where((*path, "packages", i)), f"{dotted}.packages[{i}]")
            for i in range(len(packages))
        )
    elif env is None:
        specs = default_specs
        where = tuple(Where(site.file, site.problem(path, "").line, dotted) for _ in specs)
    else:
        problems.append(site.problem(path, "an env needs packages or an environment file"))
    if env is not None and not specs and environment is None and packages is not None:
        problems.append(site.problem((*path, "packages"), "an env needs at least one package"))
    solver = tuple(url for c in (channels or tree_channels) for url in solver_channel(c))
    name = env.name if env is not None else "base"
    subdir = f"envs/{env.name}" if env is not None else ""
    return EnvPlan(name, subdir, solver, specs, where, checks, env is not None and env.frozen)
