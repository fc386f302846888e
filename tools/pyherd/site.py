"""The Site model: every key of a site file, declared once, where its value lands.

A field made with `sitekey(TYPE, "description")` is a site key: the validator checks it,
`pyherd schema` describes it, and the loaded Site holds it. Modules, their versions
and `env` blocks are declared here; `conda:`, `wheelhouse:` and `deploy:` belong to
those rooms, and `lmod:` to the Lmod plug-in. Loading (extends, files, lines) is
pyherd.sitefiles.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pyherd import names
from pyherd.build.kinds import KINDS
from pyherd.build.schemes import SCHEMES
from pyherd.conda.settings import CondaSettings
from pyherd.deploy.settings import DeploySettings
from pyherd.errors import Problem
from pyherd.moduletools import LANGUAGES, TOOLS
from pyherd.moduletools.lmod import LmodSettings, PropertyValue
from pyherd.schema import (
    LINE,
    TEXT,
    Bool,
    Context,
    Date,
    ListOf,
    MapOf,
    ModuleVersion,
    Record,
    Str,
    from_key,
    from_position,
    sitekey,
)
from pyherd.slurm.settings import SlurmSettings
from pyherd.wheelhouse.settings import WheelhouseSettings
from pyherd.yamlload import KeyPath, Located, format_path

ENV_VALUE = Str()
ENV_NAME = Str(grammar=names.ENV_VAR)
PATH_VALUE = ListOf(ENV_VALUE, scalar_ok=True)
MODULE_REF = Str(grammar=names.MODULE_NAME)
FROM_PREFIX = "from_prefix"


class Extensions(MapOf):
    """A mapping of package to version, or `from_prefix`: what the prefix has installed."""

    def check(self, value: Any, path: KeyPath, ctx: Context) -> Any:
        return FROM_PREFIX if value == FROM_PREFIX else super().check(value, path, ctx)

    def describe(self) -> str:
        return f"{super().describe()}, or {FROM_PREFIX}"


EXTENSIONS = Extensions(ModuleVersion(), names.PACKAGE)


@dataclass(frozen=True, kw_only=True)
class EnvBlock:
    """Typed environment operations; values may use {placeholders} and ${VAR}."""

    set: dict[str, str] = sitekey(
        MapOf(ENV_VALUE, names.ENV_VAR), "variables set on load and unset on unload", factory=dict
    )
    unset: tuple[str, ...] = sitekey(ListOf(ENV_NAME), "variables removed on load", default=())
    prepend: dict[str, tuple[str, ...]] = sitekey(
        MapOf(PATH_VALUE, names.ENV_VAR),
        "path-like variables to prepend to (one value or a list, first wins)",
        factory=dict,
    )
    append: dict[str, tuple[str, ...]] = sitekey(
        MapOf(PATH_VALUE, names.ENV_VAR), "path-like variables to append to", factory=dict
    )
    aliases: dict[str, str] = sitekey(MapOf(ENV_VALUE), "shell aliases", factory=dict)
    functions: dict[str, str] = sitekey(MapOf(TEXT), "shell functions (bash body)", factory=dict)
    source: tuple[str, ...] = sitekey(
        ListOf(LINE), "bash scripts whose changes the module applies (Lmod source_sh)", default=()
    )


ENV = Record(EnvBlock)


@dataclass(frozen=True, kw_only=True)
class VersionDef:
    index: int = from_position()  # where in the site file's list, for error locations
    version: str = sitekey(
        ModuleVersion(), "the version (for kind python: a PEP 440 version)", required=True
    )
    suffix: str | None = sitekey(Str(grammar=names.SUFFIX), "variant suffix: 3.10.4-bare")
    toolchain: str | None = sitekey(
        Str(grammar=names.TOOLCHAIN), "toolchain suffix: GCCcore-10.2.0"
    )
    aliases: tuple[str, ...] = sitekey(
        ListOf(ModuleVersion()), "extra version names: 3.11 → 3.11.5", default=()
    )
    prefix: str | None = sitekey(LINE, "install prefix of this version (overrides the module's)")
    python: str | None = sitekey(
        ModuleVersion(pep440=True), "the Python version this version runs on"
    )
    extensions: dict[str, str] | str = sitekey(
        EXTENSIONS,
        "packages included, listed by module spider; from_prefix: those installed in the "
        "prefix, read at render time",
        factory=dict,
    )
    env: EnvBlock | None = sitekey(ENV, "environment operations added for this version")
    whatis: tuple[str, ...] | None = sitekey(
        ListOf(LINE, scalar_ok=True), "whatis lines of this version (instead of the module's)"
    )
    help: str | None = sitekey(TEXT, "help text of this version (instead of the module's)")
    hidden: bool = sitekey(Bool(), "hide this version from avail", default=False)
    deprecated: str | None = sitekey(LINE, "deprecation notice (instead of the module's)")
    forbidden_from: str | None = sitekey(
        Date(), "the date (YYYY-MM-DD) from which loading fails (instead of the module's)"
    )
    message: str | None = sitekey(TEXT, "message printed on load")
    tree: str | None = sitekey(Str(grammar=names.TREE), "conda tree name")
    env_name: str | None = sitekey(Str(grammar=names.ENV), "conda env name")
    compiler: str | None = sitekey(
        Str(grammar=names.EXTERNAL), "naming hierarchy: the compiler this version is built with"
    )
    mpi: str | None = sitekey(
        Str(grammar=names.EXTERNAL), "naming hierarchy: the MPI this version is built with"
    )


@dataclass(frozen=True, kw_only=True)
class ModulePolicy:
    """One module's own pip and user-site policy; what it leaves unset, the site decides."""

    pip_require_virtualenv: bool | None = sitekey(
        Bool(nullable=True), "true or false: PIP_REQUIRE_VIRTUALENV set, or not, by this module"
    )
    no_user_site: bool | None = sitekey(
        Bool(nullable=True), "true or false: PYTHONNOUSERSITE set, or not, by this module"
    )


@dataclass(frozen=True, kw_only=True)
class ModuleDef:
    key: str = from_key()
    kind: str = sitekey(
        Str(choices=KINDS.keys()),
        "; ".join(f"{kind.name}: {kind.summary}" for kind in KINDS.values()),
        default="generic",
    )
    module: str | None = sitekey(
        Str(grammar=names.MODULE_TEMPLATE),
        "full module name template, overriding the naming scheme: apps/python/anaconda3-{version}",
    )
    category: str | None = sitekey(Str(grammar=names.CATEGORY), "category (lang, tools)")
    toolchain: str | None = sitekey(
        Str(grammar=names.TOOLCHAIN), "toolchain suffix for every version"
    )
    versions: tuple[VersionDef, ...] = sitekey(
        ListOf(Record(VersionDef, shorthand="version")),
        "the versions; a string or a mapping with `version`",
        default=(),
    )
    default: str | None = sitekey(ModuleVersion(), "the default version (module version string)")
    family: str | None = sitekey(Str(grammar=names.FAMILY), "Lmod family")
    requires: tuple[str, ...] = sitekey(
        ListOf(MODULE_REF), "modules loaded with this one (depends_on)", default=()
    )
    properties: dict[str, str] = sitekey(
        MapOf(Str(grammar=names.WORD)), "Lmod properties: {type_: math}", factory=dict
    )
    prefix: str | None = sitekey(LINE, "install prefix template: {vars}/python/{version}")
    python: str | None = sitekey(
        ModuleVersion(pep440=True), "the Python version this module runs on"
    )
    tree: str | None = sitekey(
        Str(grammar=names.TREE),
        "kind conda: the tree name under conda.root (default: {name}-{version})",
    )
    tree_module: str | None = sitekey(
        Str(grammar=names.MODULE_KEY),
        "kind conda-env: the key of the conda module whose tree holds the env",
    )
    env_name: str | None = sitekey(LINE, "kind conda-env: the env name (default: {version})")
    extensions: dict[str, str] | str = sitekey(
        EXTENSIONS, "packages included in every version (or from_prefix)", factory=dict
    )
    env: EnvBlock | None = sitekey(ENV, "environment operations for every version")
    whatis: tuple[str, ...] = sitekey(ListOf(LINE, scalar_ok=True), "whatis lines", default=())
    help: str | None = sitekey(TEXT, "help text")
    message: str | None = sitekey(TEXT, "message printed on load")
    deprecated: str | None = sitekey(
        LINE,
        "deprecation notice, given once per command by the tool's own mechanism (Lmod's "
        "admin file, Modules' reportWarning) and silenced by module -q / -s",
    )
    forbidden_from: str | None = sitekey(
        Date(),
        "the date (YYYY-MM-DD) from which loading fails, with the deprecation notice "
        "(Modules: module-forbid --after, which warns in the days before)",
    )
    hidden: bool = sitekey(Bool(), "hide from avail (still loadable)", default=False)
    compiler: str | None = sitekey(
        Str(grammar=names.EXTERNAL),
        "naming hierarchy: the compiler (name/version, one of hierarchy.compilers) every "
        "version is built with; the module lives in the Compiler level it opens",
    )
    mpi: str | None = sitekey(
        Str(grammar=names.EXTERNAL),
        "naming hierarchy: the MPI (name/version, one of hierarchy.mpis) every version is "
        "built with; the module lives in the MPI level it opens",
    )
    python_policy: ModulePolicy | None = sitekey(
        Record(ModulePolicy),
        "this module's own pip and user-site policy, over the site's, whatever its kind",
    )


@dataclass(frozen=True, kw_only=True)
class PythonPolicy:
    pip_require_virtualenv: bool | None = sitekey(
        Bool(nullable=True),
        "true: pip refuses to install outside a venv (PIP_REQUIRE_VIRTUALENV)",
    )
    no_user_site: bool | None = sitekey(
        Bool(nullable=True), "true: ignore ~/.local site-packages (PYTHONNOUSERSITE)"
    )
    kinds: tuple[str, ...] = sitekey(
        ListOf(Str(choices=KINDS.keys())),
        "the module kinds it is set on (default: python; pip does not count a conda env "
        "as a virtualenv, so conda and conda-env modules get it only when listed here)",
        default=("python",),
    )


@dataclass(frozen=True, kw_only=True)
class HierarchySettings:
    """The levels of naming: hierarchy, as EasyBuild's HierarchicalMNS lays them out:
    Core/, Compiler/<compiler>/<version>/ and MPI/<compiler>/<version>/<mpi>/<version>/."""

    compilers: tuple[str, ...] = sitekey(
        ListOf(Str(grammar=names.MODULE_KEY)),
        "module keys whose versions open a Compiler level (GCC)",
        default=(),
    )
    mpis: tuple[str, ...] = sitekey(
        ListOf(Str(grammar=names.MODULE_KEY)),
        "module keys whose versions open an MPI level (OpenMPI)",
        default=(),
    )


def _one_path_entry(text: str) -> str | None:
    return "a MODULEPATH entry cannot hold ':'" if ":" in text else None


@dataclass(frozen=True, kw_only=True)
class ExternalDef:
    """A module the site has that pyherd does not render (EasyBuild's, Spack's)."""

    name: str = from_key()  # the name users type without a version: compiler/GCCcore
    versions: tuple[str, ...] = sitekey(
        ListOf(ModuleVersion()), "the versions the site has (none listed: any version)", default=()
    )
    family: str | None = sitekey(
        Str(grammar=names.FAMILY),
        "the family it declares: where the site's tool release has no family, pyherd's "
        "modules of that family conflict with it instead",
    )
    modulepath: str | None = sitekey(
        Str(grammar=names.ABSOLUTE_PATH, validator=_one_path_entry),
        "the MODULEPATH directory that holds it: lint loads against it where it exists",
    )

    def names(self) -> tuple[str, ...]:
        """The names a dependency may use: the short name, and each version's full name."""
        return (self.name, *(f"{self.name}/{v}" for v in self.versions))

    def accepts(self, wanted: str) -> bool:
        """Whether `wanted` (a short or full name) is this module at a version it has."""
        if wanted == self.name:
            return True
        short, _, version = wanted.rpartition("/")
        return short == self.name and (not self.versions or version in self.versions)


def _easybuild_paths() -> dict[str, tuple[str, ...]]:
    return {
        "CMAKE_PREFIX_PATH": ("",),
        "PKG_CONFIG_PATH": ("lib/pkgconfig", "lib64/pkgconfig", "share/pkgconfig"),
        "LIBRARY_PATH": ("lib", "lib64"),
    }


@dataclass(frozen=True, kw_only=True)
class PrefixEnv:
    """The variables that find a prefix's libraries and build files, as EasyBuild and
    Spack set them: each directory that exists when the module loads is prepended."""

    kinds: tuple[str, ...] = sitekey(
        ListOf(Str(choices=KINDS.keys())), "the module kinds they are set on", default=("python",)
    )
    paths: dict[str, tuple[str, ...]] = sitekey(
        MapOf(ListOf(Str(grammar=names.SUBDIR), scalar_ok=True), names.ENV_VAR),
        "variable -> directories under the prefix ('' is the prefix itself), first wins "
        "(default: CMAKE_PREFIX_PATH, PKG_CONFIG_PATH and LIBRARY_PATH as EasyBuild sets them)",
        factory=_easybuild_paths,
    )


@dataclass(frozen=True, kw_only=True)
class ConflictSet:
    name: str = from_key()
    modules: tuple[str, ...] = sitekey(
        ListOf(Str(grammar=names.MODULE_KEY)),
        "module keys in the set, or the names of externals",
        required=True,
    )
    shared_file: str | None = sitekey(
        Str(grammar=names.RELATIVE_FILE),
        "Tcl only: a hidden file holding the conflict line that members "
        "source (apps/python/.conda-environments.tcl)",
    )


def _default_languages() -> str:
    return ", ".join(f"{tool.languages[0]} for {tool.name}" for tool in TOOLS.values())


@dataclass(frozen=True, kw_only=True)
class Site:
    name: str = ""  # the site file's name without .yaml
    file: str = ""  # the site file, as messages name it: sites/ozstar.yaml
    origin: str = ""  # as rendered files name it, wherever pyherd runs: sites/ozstar.yaml
    source_dir: Path | None = None  # sites/<site>/ for extras (templates, envs)
    located: Located = field(default_factory=lambda: Located({}), compare=False, repr=False)

    extends: str | None = sitekey(
        Str(grammar=names.SITE),
        "another site in the same directory this one starts from (mappings merge, lists and "
        "scalars replace)",
    )
    description: str = sitekey(LINE, "one line naming the site", default="")
    module_tool: str = sitekey(
        Str(choices=TOOLS.keys()), "the module tool of the site", required=True
    )
    module_tool_version: str | None = sitekey(
        ModuleVersion(),
        "the oldest release of module_tool the site's hosts run (4.5, 8.6.19): pyherd writes "
        "what it reads and refuses what it cannot do (default: the newest)",
    )
    syntax: str = sitekey(
        Str(choices=LANGUAGES.keys()), f"modulefile language (default: {_default_languages()})"
    )
    naming: str = sitekey(
        Str(choices=SCHEMES.keys()),
        "naming scheme: " + "; ".join(scheme.summary for scheme in SCHEMES.values()),
        default="flat",
    )
    hierarchy: HierarchySettings = sitekey(
        Record(HierarchySettings),
        "naming hierarchy: the modules that open the Compiler and MPI levels",
        factory=HierarchySettings,
    )
    vars: dict[str, str] = sitekey(
        MapOf(LINE), "names usable as {placeholders} in prefixes and values", factory=dict
    )
    python_policy: PythonPolicy = sitekey(
        Record(PythonPolicy),
        "pip and user-site policy, set on the modules of python_policy.kinds",
        factory=PythonPolicy,
    )
    prefix_env: PrefixEnv = sitekey(
        Record(PrefixEnv),
        "library and build variables for the prefixes of prefix_env.kinds (set "
        "prefix_env.paths to {} for none)",
        factory=PrefixEnv,
    )
    conda: CondaSettings | None = sitekey(
        Record(CondaSettings),
        "conda settings: trees to install, and what the conda modules and .condarc give users",
    )
    wheelhouse: WheelhouseSettings | None = sitekey(
        Record(WheelhouseSettings), "the site's precompiled wheels for pip and avail_wheels"
    )
    deploy: DeploySettings | None = sitekey(
        Record(DeploySettings), "the hosts `pyherd deploy` copies the site to, over SSH"
    )
    slurm: SlurmSettings | None = sitekey(
        Record(SlurmSettings),
        "Slurm as the build engine: `pyherd install --slurm` runs tree builds as job arrays",
    )
    lmod: LmodSettings = sitekey(Record(LmodSettings), "Lmod settings", factory=LmodSettings)
    externals: dict[str, ExternalDef] = sitekey(
        MapOf(Record(ExternalDef), names.EXTERNAL),
        "modules the site has that pyherd does not render, by the name users type without a "
        "version (compiler/GCCcore): requires and conflicts may name them",
        factory=dict,
    )
    conflicts: dict[str, ConflictSet] = sitekey(
        MapOf(Record(ConflictSet)), "sets of modules that cannot be loaded together", factory=dict
    )
    modules: dict[str, ModuleDef] = sitekey(
        MapOf(Record(ModuleDef, description="a module and its versions"), names.MODULE_KEY),
        "the modules, by name",
        required=True,
        factory=dict,
    )

    @property
    def properties(self) -> dict[str, dict[str, PropertyValue]]:
        """Lmod property tags the site declares (lmod.properties)."""
        return self.lmod.properties

    def problem(self, path: KeyPath, message: str) -> Problem:
        file, line = self.located.where(path)
        return Problem(file or self.file, line, format_path(path), message)


SITE = Record(Site, description="a site")
