"""The site file schema: every key, its type and its description, and the validator."""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from packaging.version import InvalidVersion, Version

from pyherd import schedule
from pyherd.errors import Problem
from pyherd.yamlload import KeyPath, Located, format_path

NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]*$")
MODULE_NAME_RE = re.compile(r"^[A-Za-z0-9.{][A-Za-z0-9._+{}-]*(/[A-Za-z0-9.{][A-Za-z0-9._+{}-]*)*$")
ENV_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class Type:
    """A schema node: validates a value and returns it normalized."""

    description = ""

    def check(self, value: Any, path: KeyPath, ctx: _Context) -> Any:
        raise NotImplementedError

    def describe(self) -> str:
        raise NotImplementedError


@dataclass
class _Context:
    located: Located
    problems: list[Problem] = field(default_factory=list)

    def fail(self, path: KeyPath, message: str) -> None:
        file, line = self.located.where(path)
        self.problems.append(Problem(file, line, format_path(path), message))

    def raw(self, path: KeyPath) -> str | None:
        return self.located.raw.get(path)


def _type_name(value: Any) -> str:
    return {
        bool: "a boolean",
        int: "a number",
        float: "a number",
        str: "a string",
        list: "a list",
        dict: "a mapping",
        type(None): "empty",
    }.get(type(value), type(value).__name__)


@dataclass
class Str(Type):
    choices: tuple[str, ...] = ()
    pattern: re.Pattern[str] | None = None
    pattern_help: str = ""
    allow_newline: bool = True
    validator: Callable[[str], str | None] | None = None  # returns the problem, if any

    def check(self, value: Any, path: KeyPath, ctx: _Context) -> Any:
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            ctx.fail(path, f"expected a string, got {_type_name(value)}")
            return None
        text = value if isinstance(value, str) else ctx.raw(path) or str(value)
        if "\0" in text:
            ctx.fail(path, "NUL characters are not allowed")
            return None
        if not self.allow_newline and ("\n" in text or "\r" in text):
            ctx.fail(path, "must be one line (Lmod and Environment Modules cannot export newlines)")
            return None
        if self.choices and text not in self.choices:
            hint = suggest(text, self.choices)
            ctx.fail(path, f"{text!r} is not one of {', '.join(self.choices)}{hint}")
            return None
        if self.pattern and not self.pattern.match(text):
            ctx.fail(path, f"{text!r} is not {self.pattern_help or 'valid'}")
            return None
        problem = self.validator(text) if self.validator else None
        if problem:
            ctx.fail(path, problem)
            return None
        return text

    def describe(self) -> str:
        return "one of " + " | ".join(self.choices) if self.choices else "string"


@dataclass
class ModuleVersion(Str):
    """A module version token; with `pep440`, also a Python version (3.11.5)."""

    pep440: bool = False

    def check(self, value: Any, path: KeyPath, ctx: _Context) -> Any:
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            ctx.fail(path, f"expected a version string, got {_type_name(value)}")
            return None
        text = ctx.raw(path) if not isinstance(value, str) else value
        text = str(text if text is not None else value)
        if not NAME_RE.match(text):
            ctx.fail(path, f"{text!r} is not a version")
            return None
        if self.pep440:
            try:
                parsed = Version(text)
            except InvalidVersion:
                ctx.fail(path, f"{text!r} is not a version")
                return None
            if str(parsed) != text or parsed.local:
                ctx.fail(path, f"{text!r} is not a plain version (write it as {str(parsed)!r})")
                return None
        return text

    def describe(self) -> str:
        return "version (PEP 440)" if self.pep440 else "version"


@dataclass
class Bool(Type):
    nullable: bool = False

    def check(self, value: Any, path: KeyPath, ctx: _Context) -> Any:
        if value is None and self.nullable:
            return None
        if not isinstance(value, bool):
            ctx.fail(path, f"expected true or false, got {_type_name(value)}")
            return None
        return value

    def describe(self) -> str:
        return "true | false" + (" | null" if self.nullable else "")


@dataclass
class Int(Type):
    minimum: int = 0

    def check(self, value: Any, path: KeyPath, ctx: _Context) -> Any:
        if isinstance(value, bool) or not isinstance(value, int):
            ctx.fail(path, f"expected a whole number, got {_type_name(value)}")
            return None
        if value < self.minimum:
            ctx.fail(path, f"must be at least {self.minimum}")
            return None
        return value

    def describe(self) -> str:
        return f"whole number >= {self.minimum}"


@dataclass
class ListOf(Type):
    item: Type
    scalar_ok: bool = False

    def check(self, value: Any, path: KeyPath, ctx: _Context) -> Any:
        if self.scalar_ok and isinstance(value, str):
            return [self.item.check(value, path, ctx)]
        if not isinstance(value, list):
            ctx.fail(path, f"expected a list, got {_type_name(value)}")
            return []
        return [self.item.check(v, (*path, i), ctx) for i, v in enumerate(value)]

    def describe(self) -> str:
        return f"list of {self.item.describe()}"


@dataclass
class MapOf(Type):
    value: Type
    key_pattern: re.Pattern[str] = NAME_RE
    key_help: str = "a valid name"

    def check(self, value: Any, path: KeyPath, ctx: _Context) -> Any:
        if value is None:
            return {}
        if not isinstance(value, dict):
            ctx.fail(path, f"expected a mapping, got {_type_name(value)}")
            return {}
        out = {}
        for key, item in value.items():
            if not self.key_pattern.match(key):
                ctx.fail((*path, key), f"{key!r} is not {self.key_help}")
                continue
            out[key] = self.value.check(item, (*path, key), ctx)
        return out

    def describe(self) -> str:
        return f"mapping of name to {self.value.describe()}"


@dataclass
class Field:
    type: Type
    description: str
    required: bool = False
    default: Any = None


@dataclass
class Record(Type):
    fields: dict[str, Field]
    shorthand: str | None = None  # a scalar stands for {shorthand: scalar}
    description: str = ""

    def check(self, value: Any, path: KeyPath, ctx: _Context) -> Any:
        if self.shorthand and not isinstance(value, dict | list) and value is not None:
            # The scalar's raw text is recorded at `path`; the field reads it there.
            return self._fields({self.shorthand: value}, path, ctx, shorthand_path=path)
        if value is None:
            value = {}
        if not isinstance(value, dict):
            ctx.fail(path, f"expected a mapping, got {_type_name(value)}")
            return None
        return self._fields(value, path, ctx)

    def _fields(
        self, value: dict[str, Any], path: KeyPath, ctx: _Context, shorthand_path: KeyPath = ()
    ) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key in value:
            if key not in self.fields:
                hint = suggest(key, self.fields)
                ctx.fail((*path, key), f"unknown key{hint}")
        for name, spec in self.fields.items():
            if name in value:
                sub = shorthand_path if shorthand_path else (*path, name)
                out[name] = spec.type.check(value[name], sub, ctx)
            elif spec.required:
                ctx.fail(path, f"missing required key {name!r}")
                out[name] = None
            else:
                out[name] = spec.default() if callable(spec.default) else spec.default
        return out

    def defaults(self) -> dict[str, Any]:
        """The record as an absent key gives it: every field at its default."""
        return {
            n: f.default() if callable(f.default) else f.default for n, f in self.fields.items()
        }

    def describe(self) -> str:
        return "mapping" + (f" (or a {self.shorthand} alone)" if self.shorthand else "")


def suggest(word: str, choices: Any) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def validate(schema: Type, located: Located) -> tuple[Any, list[Problem]]:
    """Check `located.data` against `schema`; return normalized data and problems."""
    ctx = _Context(located)
    data = schema.check(located.data, (), ctx)
    return data, ctx.problems


# --- the site schema -------------------------------------------------------

TEXT = Str()
LINE = Str(allow_newline=False)
ENV_VALUE = Str(allow_newline=False)
ENV_NAME = Str(pattern=ENV_NAME_RE, pattern_help="an environment variable name")
MODULE_REF = Str(pattern=MODULE_NAME_RE, pattern_help="a module name")
PATH_VALUE = ListOf(ENV_VALUE, scalar_ok=True)

ENV_BLOCK = Record(
    {
        "set": Field(
            MapOf(ENV_VALUE, ENV_NAME_RE, "an environment variable name"),
            "variables set on load and unset on unload",
            default=dict,
        ),
        "unset": Field(ListOf(ENV_NAME), "variables removed on load", default=list),
        "prepend": Field(
            MapOf(PATH_VALUE, ENV_NAME_RE, "an environment variable name"),
            "path-like variables to prepend to (one value or a list, first wins)",
            default=dict,
        ),
        "append": Field(
            MapOf(PATH_VALUE, ENV_NAME_RE, "an environment variable name"),
            "path-like variables to append to",
            default=dict,
        ),
        "aliases": Field(MapOf(ENV_VALUE), "shell aliases", default=dict),
        "functions": Field(MapOf(TEXT), "shell functions (bash body)", default=dict),
        "source": Field(
            ListOf(LINE),
            "bash scripts whose changes the module applies (Lmod source_sh)",
            default=list,
        ),
    },
    description="typed environment operations; values may use {placeholders} and ${VAR}",
)

EXTENSIONS = MapOf(ModuleVersion(), key_pattern=NAME_RE, key_help="a package name")

VERSION_FIELDS: dict[str, Field] = {
    "version": Field(ModuleVersion(), "the version (for kind python: a PEP 440 version)", True),
    "suffix": Field(Str(pattern=NAME_RE, pattern_help="a suffix"), "variant suffix: 3.10.4-bare"),
    "toolchain": Field(
        Str(pattern=NAME_RE, pattern_help="a toolchain"), "toolchain suffix: GCCcore-10.2.0"
    ),
    "aliases": Field(ListOf(ModuleVersion()), "extra version names: 3.11 → 3.11.5", default=list),
    "prefix": Field(LINE, "install prefix of this version (overrides the module's)"),
    "python": Field(ModuleVersion(pep440=True), "the Python version this version runs on"),
    "extensions": Field(EXTENSIONS, "packages included, listed by module spider", default=dict),
    "env": Field(ENV_BLOCK, "environment operations added for this version"),
    "hidden": Field(Bool(), "hide this version from avail", default=False),
    "deprecated": Field(LINE, "deprecation notice printed on load"),
    "message": Field(TEXT, "message printed on load"),
    "tree": Field(Str(pattern=MODULE_NAME_RE, pattern_help="a tree name"), "conda tree name"),
    "env_name": Field(Str(pattern=NAME_RE, pattern_help="an env name"), "conda env name"),
}

MODULE = Record(
    {
        "kind": Field(
            Str(choices=("python", "conda", "conda-env", "bundle", "generic")),
            "python: a CPython install; conda: a conda tree; conda-env: an env inside a tree; "
            "bundle: packages on top of a python; generic: anything else",
            default="generic",
        ),
        "module": Field(
            Str(pattern=MODULE_NAME_RE, pattern_help="a module name template"),
            "full module name template, overriding the naming scheme: "
            "apps/python/anaconda3-{version}",
        ),
        "category": Field(
            Str(pattern=NAME_RE, pattern_help="a category"), "category (lang, tools)"
        ),
        "toolchain": Field(
            Str(pattern=NAME_RE, pattern_help="a toolchain"), "toolchain suffix for every version"
        ),
        "versions": Field(
            ListOf(Record(VERSION_FIELDS, shorthand="version")),
            "the versions; a string or a mapping with `version`",
        ),
        "default": Field(ModuleVersion(), "the default version (module version string)"),
        "family": Field(Str(pattern=NAME_RE, pattern_help="a family name"), "Lmod family"),
        "requires": Field(
            ListOf(MODULE_REF), "modules loaded with this one (depends_on)", default=list
        ),
        "properties": Field(
            MapOf(Str(pattern=NAME_RE)), "Lmod properties: {type_: math}", default=dict
        ),
        "prefix": Field(LINE, "install prefix template: {vars}/python/{version}"),
        "python": Field(ModuleVersion(pep440=True), "the Python version this module runs on"),
        "tree": Field(
            Str(pattern=MODULE_NAME_RE, pattern_help="a tree name"),
            "kind conda: the tree name under conda.root (default: {name}-{version})",
        ),
        "tree_module": Field(
            Str(pattern=MODULE_NAME_RE, pattern_help="a module key"),
            "kind conda-env: the key of the conda module whose tree holds the env",
        ),
        "env_name": Field(LINE, "kind conda-env: the env name (default: {version})"),
        "extensions": Field(EXTENSIONS, "packages included in every version", default=dict),
        "env": Field(ENV_BLOCK, "environment operations for every version"),
        "whatis": Field(ListOf(LINE, scalar_ok=True), "whatis lines", default=list),
        "help": Field(TEXT, "help text"),
        "message": Field(TEXT, "message printed on load"),
        "deprecated": Field(LINE, "deprecation notice printed on load"),
        "hidden": Field(Bool(), "hide from avail (still loadable)", default=False),
    },
    description="a module and its versions",
)

SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
CHECKS = ListOf(LINE, scalar_ok=True)
SPECS = ListOf(LINE)

CONDA_ENV = Record(
    {
        "packages": Field(SPECS, "conda match specs: python=3.11, numpy >=1.26"),
        "environment": Field(
            LINE, "an environment.yml under sites/<site>/ (instead of packages): envs/x.yml"
        ),
        "channels": Field(ListOf(LINE), "channels for this env (default: the tree's)"),
        "checks": Field(CHECKS, "commands that must succeed with this env's bin first on PATH"),
        "frozen": Field(
            Bool(),
            "autoupdate carries this env into each new generation unchanged (a release env, "
            "never modified once published); `pyherd install` still solves it afresh",
            default=False,
        ),
    },
    shorthand="environment",
    description="a named env inside a tree",
)

TREE = Record(
    {
        "flavour": Field(
            Str(choices=("miniforge", "miniconda", "anaconda")),
            "what the tree is: miniforge (conda-forge, conda + mamba), miniconda (defaults, "
            "conda), anaconda (defaults, the anaconda metapackage); sets the default channels "
            "and base packages",
            default="miniforge",
        ),
        "method": Field(
            Str(choices=("rattler", "installer")),
            "rattler: solve and install with py-rattler; installer: run the vendor's .sh",
            default="rattler",
        ),
        "channels": Field(
            ListOf(LINE), "channels to install from (default: conda.channels, else the flavour's)"
        ),
        "packages": Field(SPECS, "base env specs (default: the flavour's)"),
        "environment": Field(LINE, "an environment.yml under sites/<site>/ for the base env"),
        "mamba": Field(Bool(), "also install mamba (default: true for miniforge)", default=None),
        "envs": Field(
            MapOf(CONDA_ENV, NAME_RE, "an env name"),
            "named envs inside the tree (an environment file, or a mapping)",
            default=dict,
        ),
        "checks": Field(
            CHECKS,
            "commands that must succeed inside the tree before it is "
            'published: python -c "import numpy"',
            default=list,
        ),
        "keep": Field(
            Int(minimum=1), "generations to keep (the current one always stays)", default=3
        ),
        "autoupdate": Field(
            Bool(),
            "`pyherd autoupdate` (cron) re-solves this tree and publishes a new generation when "
            "the solution changed and the checks pass (method rattler only)",
            default=False,
        ),
        "installer": Field(
            Record(
                {
                    "url": Field(LINE, "https://, file:// or a local path of the .sh", True),
                    "sha256": Field(
                        Str(pattern=SHA256_RE, pattern_help="a sha256 (64 lowercase hex digits)"),
                        "the installer's sha256; a mismatch refuses the install",
                        True,
                    ),
                }
            ),
            "method installer: the vendor's installer, run with -b -p PREFIX",
        ),
    },
    description="a conda tree installed as immutable generations",
)


def _schedule_problem(text: str) -> str | None:
    try:
        schedule.parse(text)
    except schedule.ScheduleError as exc:
        return str(exc)
    return None


AUTOUPDATE = Record(
    {
        "schedule": Field(
            Str(allow_newline=False, validator=_schedule_problem),
            "when cron / the systemd timer runs it: 5 cron fields or @daily, @weekly, ...",
            default="17 3 * * *",
        ),
        "pins": Field(
            ListOf(Str(pattern=NAME_RE, pattern_help="a package name")),
            "packages never upgraded automatically: held at the version and build installed",
            default=list,
        ),
        "max_changes": Field(
            Int(minimum=1),
            "hold an update that changes more packages than this for a human (exit 1)",
        ),
        "log": Field(
            Str(allow_newline=False, pattern=re.compile(r"^/"), pattern_help="an absolute path"),
            "the file each run appends its report to (default: <root>/.autoupdate.log)",
        ),
        "mailto": Field(LINE, "MAILTO for the crontab: who gets cron's mail"),
    }
)


def _source_problem(text: str) -> str | None:
    if text == "pypi" or text.startswith(("https://", "http://", "file://", "/")):
        return None
    return f"{text!r} is not pypi, an index URL or an absolute directory"


WHEEL_PYTHON = Record(
    {
        "path": Field(
            Str(allow_newline=False, pattern=re.compile(r"^/"), pattern_help="an absolute path"),
            "the interpreter: /usr/bin/python3.11",
        ),
        "module": Field(
            MODULE_REF, "a python module of this site whose prefix holds bin/python3: python/3.11.5"
        ),
    },
    shorthand="path",
    description="an interpreter by path, or by module",
)

WHEEL_PACKAGE = Record(
    {
        "env": Field(
            MapOf(ENV_VALUE, ENV_NAME_RE, "an environment variable name"),
            "environment for the build: CFLAGS, NPY_BLAS_ORDER, ...",
            default=dict,
        ),
        "extra_requirements": Field(
            ListOf(LINE), "installed into this package's own build venv first", default=list
        ),
        "only_binary": Field(
            Bool(),
            "take the source's published wheel instead of building (retagged)",
            default=False,
        ),
        "imports": Field(
            ListOf(Str(pattern=re.compile(r"^[A-Za-z_][A-Za-z0-9_.]*$"), pattern_help="a module")),
            "modules the test install imports (default: the wheel's top-level ones; [] for none)",
        ),
    }
)

WHEELHOUSE = Record(
    {
        "root": Field(
            Str(allow_newline=False, pattern=re.compile(r"^/"), pattern_help="an absolute path"),
            "the wheelhouse: <root>/<arch>/*.whl, indexed under <root>/simple and <root>/.index",
            True,
        ),
        "archs": Field(
            ListOf(Str(pattern=NAME_RE, pattern_help="an architecture name")),
            "wheel directories: generic (pure and portable wheels) and CPU-specific ones "
            "(x86-64-v3, x86-64-v4); a node of an arch installs from it, then generic",
            default=lambda: ["generic"],
        ),
        "default_arch": Field(
            Str(pattern=NAME_RE), "the arch when the arch variable is unset", default="generic"
        ),
        "arch_variable": Field(
            Str(pattern=ENV_NAME_RE, pattern_help="an environment variable name"),
            "the variable naming a node's arch (the Alliance's is RSNT_ARCH)",
            default="PYHERD_WHEEL_ARCH",
        ),
        "local_tag": Field(
            Str(pattern=re.compile(r"^[a-z0-9]+$"), pattern_help="lowercase letters and digits"),
            "the local version tag site wheels carry: 1.26.4+computecanada",
        ),
        "extra_index_urls": Field(
            ListOf(
                Str(
                    allow_newline=False,
                    pattern=re.compile(r"^(https?|file)://"),
                    pattern_help="an http(s) or file URL",
                )
            ),
            "indexes pip also searches after the wheelhouse (https://pypi.org/simple lets "
            "users install what the wheelhouse lacks; default: none, fully local)",
            default=list,
        ),
        "build_arch": Field(
            Str(pattern=NAME_RE, pattern_help="an architecture name"),
            "where `wheels build` puts compiled wheels (default: default_arch; --arch overrides)",
        ),
        "pythons": Field(
            ListOf(WHEEL_PYTHON),
            "the Pythons `wheels build` builds for, one build venv each",
            default=list,
        ),
        "requirements": Field(
            Str(allow_newline=False),
            "the requirement list, relative to sites/<site>/ (one requirement per line)",
            default="wheels.txt",
        ),
        "constraints": Field(
            Str(allow_newline=False),
            "a pip constraints file, relative to sites/<site>/, for build venvs and versions",
        ),
        "sources": Field(
            ListOf(Str(allow_newline=False, validator=_source_problem)),
            "where sdists come from, searched in order: pypi, a simple index URL, "
            "or an absolute directory of sdists and wheels (offline builds)",
            default=lambda: ["pypi"],
        ),
        "build_requirements": Field(
            ListOf(LINE),
            "installed into every build venv from the sources (builds run without isolation)",
            default=lambda: ["setuptools"],
        ),
        "packages": Field(
            MapOf(WHEEL_PACKAGE, NAME_RE, "a project name"),
            "per-package build settings",
            default=dict,
        ),
    }
)

HOST_RE = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$")
ABS_PATH = Str(
    allow_newline=False, pattern=re.compile(r"^/[^\0]*$"), pattern_help="an absolute path"
)

DEPLOY = Record(
    {
        "groups": Field(
            MapOf(
                ListOf(Str(pattern=HOST_RE, pattern_help="a host name or IPv4 address")),
                NAME_RE,
                "a group name",
            ),
            "hosts by group (login, build, ...); `deploy` goes to all of them unless told "
            "--group or --hosts",
            True,
        ),
        "user": Field(
            Str(pattern=re.compile(r"^[a-z_][a-z0-9_.-]*$"), pattern_help="a user name"),
            "the SSH user (default: the user running pyherd)",
        ),
        "port": Field(Int(minimum=1), "the SSH port", default=22),
        "identity_file": Field(
            LINE, "private key (relative: to sites/<site>/); default: the SSH agent's keys"
        ),
        "known_hosts": Field(
            LINE,
            "the site's known_hosts, the only host keys trusted (relative: to sites/<site>/)",
            default="known_hosts",
        ),
        "modulepath": Field(
            ABS_PATH,
            "remote path of the site's modulefiles, as users' MODULEPATH names it; pyherd keeps "
            "it a symlink to its current release",
            True,
        ),
        "config_dir": Field(
            ABS_PATH, "remote path of the site's configs (lmodrc.lua, pip and conda configs)"
        ),
        "project_dir": Field(
            ABS_PATH, "remote copy of sites/ and templates/, where --run runs pyherd"
        ),
        "parallel": Field(Int(minimum=1), "hosts deployed at once", default=8),
        "connect_timeout": Field(Int(minimum=1), "seconds to wait for a host", default=10),
        "lmod_cache_dir": Field(
            ABS_PATH, "Lmod's system spider cache directory, refreshed after a change"
        ),
        "cache_update": Field(
            LINE,
            "the command that refreshes it (given -d DIR -t DIR/timestamp MODULEPATH); "
            "skipped on a host without it",
            default="update_lmod_system_cache_files",
        ),
        "pyherd": Field(LINE, "the pyherd command on the hosts, for --run", default="pyherd"),
        "run_group": Field(
            Str(pattern=NAME_RE), "the group --run runs on (default: build)", default="build"
        ),
    }
)

PROPERTY_VALUE = Record(
    {
        "short": Field(LINE, "the short tag avail shows: (t)", required=True),
        "long": Field(LINE, "the long tag (default: short)"),
        "color": Field(Str(pattern=NAME_RE), "the colour avail uses", default="blue"),
        "doc": Field(LINE, "the legend avail prints", required=True),
    }
)

SITE = Record(
    {
        "extends": Field(
            Str(pattern=NAME_RE, pattern_help="a site name"),
            "another site in the same directory this one starts from (mappings merge, lists and "
            "scalars replace)",
        ),
        "description": Field(LINE, "one line naming the site"),
        "module_tool": Field(
            Str(choices=("lmod", "environment-modules")), "the module tool of the site", True
        ),
        "syntax": Field(
            Str(choices=("lua", "tcl")),
            "modulefile language (default: lua for lmod, tcl for environment-modules)",
        ),
        "naming": Field(
            Str(choices=("flat", "categorized", "hierarchy")),
            "naming scheme: flat name/version; categorized category/Name/version-toolchain "
            "(EasyBuild); hierarchy Core/name/version",
            default="flat",
        ),
        "vars": Field(
            MapOf(LINE), "names usable as {placeholders} in prefixes and values", default=dict
        ),
        "python_policy": Field(
            Record(
                {
                    "pip_require_virtualenv": Field(
                        Bool(nullable=True),
                        "true: pip refuses to install outside a venv (PIP_REQUIRE_VIRTUALENV)",
                    ),
                    "no_user_site": Field(
                        Bool(nullable=True),
                        "true: ignore ~/.local site-packages (PYTHONNOUSERSITE)",
                    ),
                }
            ),
            "set on every module that provides a python (kinds python, conda, conda-env)",
        ),
        "conda": Field(
            Record(
                {
                    "root": Field(LINE, "where trees live: <root>/<tree>/current", True),
                    "channels": Field(
                        ListOf(LINE),
                        "users' default channels (names or URLs, file:// mirrors too), in order",
                        default=list,
                    ),
                    "channel_priority": Field(
                        Str(choices=("strict", "flexible", "disabled")),
                        "channel priority for users and for pyherd's solves",
                        default="strict",
                    ),
                    "envs_dirs": Field(
                        ListOf(ENV_VALUE),
                        "where users' envs go (default ${HOME}/.conda/envs: the tree is read-only)",
                        default=list,
                    ),
                    "pkgs_dirs": Field(
                        ListOf(ENV_VALUE),
                        "where users' package cache goes (default ${HOME}/.conda/pkgs)",
                        default=list,
                    ),
                    "autoupdate": Field(
                        AUTOUPDATE,
                        "how `pyherd autoupdate` (cron) keeps the trees marked autoupdate current",
                        default=AUTOUPDATE.defaults,
                    ),
                    "trees": Field(
                        MapOf(TREE, MODULE_NAME_RE, "a tree name"),
                        "the trees pyherd installs under root, by name (the conda modules' "
                        "`tree`); when given, every conda module's tree must be listed",
                        default=dict,
                    ),
                }
            ),
            "conda settings: trees to install, and what the conda modules and .condarc give users",
        ),
        "wheelhouse": Field(WHEELHOUSE, "the site's precompiled wheels for pip and avail_wheels"),
        "deploy": Field(DEPLOY, "the hosts `pyherd deploy` copies the site to, over SSH"),
        "lmod": Field(
            Record(
                {
                    "properties": Field(
                        MapOf(MapOf(PROPERTY_VALUE)),
                        "property names and values for the site lmodrc.lua",
                        default=dict,
                    )
                }
            ),
            "Lmod settings",
        ),
        "conflicts": Field(
            MapOf(
                Record(
                    {
                        "modules": Field(
                            ListOf(Str(pattern=MODULE_NAME_RE)), "module keys in the set", True
                        ),
                        "shared_file": Field(
                            Str(pattern=MODULE_NAME_RE, pattern_help="a relative file path"),
                            "Tcl only: a hidden file holding the conflict line that members "
                            "source (apps/python/.conda-environments.tcl)",
                        ),
                    }
                )
            ),
            "sets of modules that cannot be loaded together",
            default=dict,
        ),
        "modules": Field(
            MapOf(MODULE, MODULE_NAME_RE, "a module name"), "the modules, by name", True
        ),
    },
    description="a site",
)


def describe(schema: Type = SITE, indent: int = 0) -> list[str]:
    """The schema as indented reference lines (for `pyherd schema`)."""
    lines: list[str] = []
    target = schema
    while isinstance(target, ListOf | MapOf):
        target = target.item if isinstance(target, ListOf) else target.value
    if isinstance(target, Record):
        for name, spec in target.fields.items():
            req = " (required)" if spec.required else ""
            lines.append(f"{'  ' * indent}{name}: {spec.type.describe()}{req}")
            lines.append(f"{'  ' * indent}    {spec.description}")
            lines.extend(describe(spec.type, indent + 1))
    return lines
