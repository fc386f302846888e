"""A site's wheelhouse settings checked and turned into the index's Config and a BuildPlan.

Everything `wheels build` needs is settled here, before any work: the
interpreters (by path, or by a python module's prefix) answer for their
version, the requirement list and constraints parse, the sources exist. Each
problem is a located ConfigError (exit 2) and nothing has been written.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pyherd.errors import ConfigError, Problem
from pyherd.layout import UnsafePath, under
from pyherd.model import SiteModel, literal
from pyherd.site import Site
from pyherd.wheelhouse.catalog import normalize
from pyherd.wheelhouse.index import Config
from pyherd.wheelhouse.layout import RESERVED, WheelhouseLayout
from pyherd.wheelhouse.settings import WheelPackage

if TYPE_CHECKING:  # packaging's parsers: imported by the build plan, not by every index run
    from packaging.requirements import Requirement
    from packaging.specifiers import SpecifierSet

PYPI = "https://pypi.org/simple"


def plan_wheelhouse(site: Site) -> tuple[WheelhouseLayout, Config]:
    """The wheelhouse's layout and index config; ConfigError (exit 2) names each bad key."""
    w = site.wheelhouse
    if w is None:
        raise ConfigError(site.problem(("wheelhouse",), "the site declares no wheelhouse"))
    problems: list[Problem] = []
    if "generic" not in w.archs:
        problems.append(
            site.problem(("wheelhouse", "archs"), "must include generic (pure-Python wheels)")
        )
    for reserved in RESERVED:
        if reserved in w.archs:
            problems.append(site.problem(("wheelhouse", "archs"), f"{reserved!r} is reserved"))
    if len(set(w.archs)) != len(w.archs):
        problems.append(site.problem(("wheelhouse", "archs"), "lists an arch twice"))
    if w.default_arch not in w.archs:
        problems.append(
            site.problem(("wheelhouse", "default_arch"), f"{w.default_arch!r} is not one of archs")
        )
    if w.build_arch is not None and w.build_arch not in w.archs:
        problems.append(
            site.problem(("wheelhouse", "build_arch"), f"{w.build_arch!r} is not one of archs")
        )
    if "${" in w.root or "{" in w.root:
        problems.append(site.problem(("wheelhouse", "root"), "must be a literal absolute path"))
    problems += _also_runs_problems(site)
    if problems:
        raise ConfigError(problems)
    archs = ("generic", *(a for a in w.archs if a != "generic"))
    search = {arch: search_order(arch, w.archs, w.also_runs) for arch in archs}
    config = Config(archs, w.arch_variable, w.default_arch, search, _module_pythons(site))
    return WheelhouseLayout(Path(w.root)), config


def _module_pythons(site: Site) -> tuple[str, ...]:
    """major.minor of every version of the site's python modules, oldest first."""
    found = {
        ".".join(v.version.split(".")[:2])
        for module in site.modules.values()
        if module.kind == "python"
        for v in module.versions
    }
    return tuple(sorted(found, key=lambda x: [int(p) if p.isdigit() else 0 for p in x.split(".")]))


# What a CPU of one level also runs: the x86-64 microarchitecture levels, and the
# instruction-set names the Alliance's wheelhouse used before them.
IMPLIED = {
    "x86-64-v4": ("x86-64-v3", "x86-64-v2"),
    "x86-64-v3": ("x86-64-v2",),
    "avx512": ("avx2", "avx", "sse3"),
    "avx2": ("avx", "sse3"),
    "avx": ("sse3",),
}


def search_order(
    arch: str, archs: tuple[str, ...], also_runs: dict[str, tuple[str, ...]]
) -> tuple[str, ...]:
    """The directories a node of `arch` installs from, best first, generic last."""
    if arch == "generic":
        return ("generic",)
    also = also_runs.get(arch)
    if also is None:
        also = tuple(a for a in IMPLIED.get(arch, ()) if a in archs)
    return (arch, *also, "generic")


def _also_runs_problems(site: Site) -> list[Problem]:
    w = site.wheelhouse
    assert w is not None
    problems = []
    for arch, also in w.also_runs.items():
        key = ("wheelhouse", "also_runs", arch)
        if arch not in w.archs or arch == "generic":
            what = "generic runs only itself" if arch == "generic" else "is not one of archs"
            problems.append(site.problem(key, f"{arch!r} {what}"))
        for i, other in enumerate(also):
            if other == "generic":
                problems.append(site.problem((*key, i), "generic comes last by itself"))
            elif other == arch or other not in w.archs:
                why = "is the arch itself" if other == arch else "is not one of archs"
                problems.append(site.problem((*key, i), f"{other!r} {why}"))
        if len(set(also)) != len(also):
            problems.append(site.problem(key, "lists an arch twice"))
    return problems


@dataclass(frozen=True)
class Interpreter:
    path: Path
    version: str  # full: 3.11.7
    origin: str  # what the site file says: /usr/bin/python3.11, module python/3.11.5

    @property
    def short(self) -> str:
        return ".".join(self.version.split(".")[:2])

    @property
    def major_minor(self) -> tuple[int, int]:
        major, minor = self.short.split(".")
        return int(major), int(minor)


@dataclass(frozen=True)
class Wanted:
    """One line of the requirement list, or a dependency a built wheel named (line 0,
    `file` saying which requirement needed it)."""

    requirement: Requirement
    file: str
    line: int

    @property
    def project(self) -> str:
        return normalize(self.requirement.name)

    @property
    def is_dependency(self) -> bool:
        return self.line == 0


@dataclass(frozen=True)
class BuildPlan:
    layout: WheelhouseLayout
    config: Config
    build_arch: str
    local_tag: str | None
    pythons: tuple[Interpreter, ...]
    wanted: tuple[Wanted, ...]
    constraints: Path | None
    pinned: dict[str, SpecifierSet]  # constraints by project
    sources: tuple[str, ...]  # index URLs and absolute directories, in order
    build_requirements: tuple[str, ...]
    packages: dict[str, WheelPackage]  # by normalized project name

    def package(self, project: str) -> WheelPackage:
        return self.packages.get(project, WheelPackage())


def plan_build(site: Site, model: SiteModel, sites_dir: Path, arch: str | None = None) -> BuildPlan:
    """Everything `wheels build` needs, checked; ConfigError lists every problem."""
    from packaging.specifiers import SpecifierSet

    layout, config = plan_wheelhouse(site)
    w = site.wheelhouse
    assert w is not None
    problems: list[Problem] = []
    build_arch = arch or w.build_arch or w.default_arch
    if build_arch not in config.archs:
        problems.append(Problem("--arch", None, "", f"{build_arch!r} is not one of {config.archs}"))
    if not w.pythons:
        problems.append(site.problem(("wheelhouse", "pythons"), "no Pythons to build for"))
    pythons = []
    for i, entry in enumerate(w.pythons):
        where = ("wheelhouse", "pythons", i)
        try:
            pythons.append(_interpreter(model, entry.path, entry.module))
        except ValueError as exc:
            problems.append(site.problem(where, str(exc)))
    seen: dict[str, str] = {}
    for python in pythons:
        if python.short in seen:
            problems.append(
                site.problem(
                    ("wheelhouse", "pythons"),
                    f"{python.origin} and {seen[python.short]} are both Python {python.short}",
                )
            )
        seen[python.short] = python.origin
    extras = under(sites_dir, site.name)
    wanted: list[Wanted] = []
    try:
        requirements = under(extras, w.requirements)
        wanted = _requirements(requirements, problems)
    except UnsafePath as exc:
        problems.append(site.problem(("wheelhouse", "requirements"), str(exc)))
    except OSError as exc:
        problems.append(
            site.problem(
                ("wheelhouse", "requirements"), f"cannot read {requirements}: {exc.strerror}"
            )
        )
    pinned: dict[str, SpecifierSet] = {}
    constraints = None
    if w.constraints:
        try:
            constraints = under(extras, w.constraints)
            for item in _requirements(constraints, problems):
                spec = pinned.get(item.project, SpecifierSet())
                pinned[item.project] = spec & item.requirement.specifier
        except UnsafePath as exc:
            problems.append(site.problem(("wheelhouse", "constraints"), str(exc)))
        except OSError as exc:
            problems.append(
                site.problem(
                    ("wheelhouse", "constraints"), f"cannot read {constraints}: {exc.strerror}"
                )
            )
    sources = []
    for i, source in enumerate(w.sources):
        if source.startswith("/") and not Path(source).is_dir():
            problems.append(site.problem(("wheelhouse", "sources", i), "no such directory"))
        sources.append(PYPI if source == "pypi" else source)
    packages = {normalize(name): p for name, p in w.packages.items()}
    if problems:
        raise ConfigError(problems)
    return BuildPlan(
        layout=layout,
        config=config,
        build_arch=build_arch,
        local_tag=w.local_tag,
        pythons=tuple(pythons),
        wanted=tuple(wanted),
        constraints=constraints,
        pinned=pinned,
        sources=tuple(sources),
        build_requirements=w.build_requirements,
        packages=packages,
    )


def _interpreter(model: SiteModel, path: str | None, module: str | None) -> Interpreter:
    if module is not None:
        spec = next((s for s in model.modules if s.full_name == module), None)
        if spec is None:
            raise ValueError(f"no module {module!r} in this site")
        prefix = literal(spec.prefix) if spec.prefix else None
        if not prefix:
            raise ValueError(f"module {module!r} has no literal prefix to find python3 in")
        found, origin = Path(prefix) / "bin" / "python3", f"module {module}"
    elif path is not None:
        found, origin = Path(path), path
    else:
        raise ValueError("give a path or a module")
    try:
        done = subprocess.run(
            [str(found), "-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])"],
            capture_output=True,
            text=True,
            timeout=60,
        )
    except OSError as exc:
        raise ValueError(f"{found}: cannot run it: {exc.strerror}") from None
    if done.returncode != 0:
        raise ValueError(f"{found}: exit {done.returncode}: {done.stderr.strip()[-200:]}")
    return Interpreter(found, done.stdout.strip(), origin)


def _requirements(path: Path, problems: list[Problem]) -> list[Wanted]:
    """One requirement per line; comments and blank lines skipped; options refused."""
    from packaging.requirements import InvalidRequirement, Requirement

    out = []
    for number, raw in enumerate(path.read_text().splitlines(), 1):
        text = raw.split(" #", 1)[0].strip()
        if not text or text.startswith("#"):
            continue
        if text.startswith("-"):
            problems.append(
                Problem(
                    str(path),
                    number,
                    "",
                    f"{text!r}: pip options are not taken here "
                    "(sources and constraints belong in the site file)",
                )
            )
            continue
        try:
            requirement = Requirement(text)
        except InvalidRequirement as exc:
            problems.append(Problem(str(path), number, "", f"{text!r}: {exc}"))
            continue
        if requirement.url:
            problems.append(
                Problem(
                    str(path),
                    number,
                    "",
                    f"{text!r}: URL requirements are not taken; put the sdist in a source dir",
                )
            )
            continue
        out.append(Wanted(requirement, str(path), number))
    return out
