"""The `wheelhouse:` part of a site file: where wheels live, for which arches, how to build.

Each key is declared once, on the field that holds it (see pyherd.schema.key).
"""

from __future__ import annotations

from dataclasses import dataclass

from pyherd import names
from pyherd.schema import LINE, Bool, ListOf, MapOf, Record, Str, sitekey


def _source_problem(text: str) -> str | None:
    if text == "pypi" or text.startswith(("https://", "http://", "file://", "/")):
        return None
    return f"{text!r} is not pypi, an index URL or an absolute directory"


@dataclass(frozen=True, kw_only=True)
class WheelPython:
    """An interpreter `wheels build` builds for: a path, or a python module of the site."""

    path: str | None = sitekey(
        Str(grammar=names.ABSOLUTE_PATH),
        "the interpreter: /usr/bin/python3.11",
    )
    module: str | None = sitekey(
        Str(grammar=names.MODULE_NAME),
        "a python module of this site whose prefix holds bin/python3: python/3.11.5",
    )


@dataclass(frozen=True, kw_only=True)
class WheelPackage:
    env: dict[str, str] = sitekey(
        MapOf(Str(), names.ENV_VAR),
        "environment for the build: CFLAGS, NPY_BLAS_ORDER, ...",
        factory=dict,
    )
    extra_requirements: tuple[str, ...] = sitekey(
        ListOf(LINE), "installed into this package's own build venv first", default=()
    )
    only_binary: bool = sitekey(
        Bool(), "take the source's published wheel instead of building (retagged)", default=False
    )
    imports: tuple[str, ...] | None = sitekey(
        ListOf(Str(grammar=names.PYTHON_MODULE)),
        "modules the test install imports (default: the wheel's top-level ones; [] for none)",
    )


@dataclass(frozen=True, kw_only=True)
class WheelhouseSettings:
    root: str = sitekey(
        Str(grammar=names.ABSOLUTE_PATH),
        "the wheelhouse: <root>/<arch>/*.whl, indexed under <root>/simple and <root>/.index",
        required=True,
    )
    archs: tuple[str, ...] = sitekey(
        ListOf(Str(grammar=names.ARCH)),
        "wheel directories: generic (pure and portable wheels) and CPU-specific ones "
        "(x86-64-v3, x86-64-v4); a node of an arch installs from it, then generic",
        default=("generic",),
    )
    also_runs: dict[str, tuple[str, ...]] = sitekey(
        MapOf(ListOf(Str(grammar=names.ARCH)), names.ARCH),
        "per arch, the other arch directories its nodes also install from, best first, "
        "before generic (x86-64-v4: [x86-64-v3]); an arch not listed here gets the "
        "x86-64 levels and avx512 > avx2 > avx > sse3 below it that archs names",
        factory=dict,
    )
    default_arch: str = sitekey(
        Str(grammar=names.ARCH), "the arch when the arch variable is unset", default="generic"
    )
    arch_variable: str = sitekey(
        Str(grammar=names.ENV_VAR),
        "the variable naming a node's arch (the Alliance's is RSNT_ARCH)",
        default="PYHERD_WHEEL_ARCH",
    )
    local_tag: str | None = sitekey(
        Str(grammar=names.LOCAL_TAG),
        "the local version tag site wheels carry: 1.26.4+computecanada",
    )
    extra_index_urls: tuple[str, ...] = sitekey(
        ListOf(Str(grammar=names.INDEX_URL)),
        "indexes pip also searches after the wheelhouse (https://pypi.org/simple lets "
        "users install what the wheelhouse lacks; default: none, fully local)",
        default=(),
    )
    build_arch: str | None = sitekey(
        Str(grammar=names.ARCH),
        "where `wheels build` puts compiled wheels (default: default_arch; --arch overrides)",
    )
    pythons: tuple[WheelPython, ...] = sitekey(
        ListOf(
            Record(
                WheelPython, shorthand="path", description="an interpreter by path, or by module"
            )
        ),
        "the Pythons `wheels build` builds for, one build venv each",
        default=(),
    )
    requirements: str = sitekey(
        Str(),
        "the requirement list, relative to sites/<site>/ (one requirement per line)",
        default="wheels.txt",
    )
    constraints: str | None = sitekey(
        Str(),
        "a pip constraints file, relative to sites/<site>/, for build venvs and versions",
    )
    sources: tuple[str, ...] = sitekey(
        ListOf(Str(validator=_source_problem)),
        "where sdists come from, searched in order: pypi, a simple index URL, "
        "or an absolute directory of sdists and wheels (offline builds)",
        default=("pypi",),
    )
    build_requirements: tuple[str, ...] = sitekey(
        ListOf(LINE),
        "installed into every build venv from the sources (builds run without isolation)",
        default=("setuptools",),
    )
    packages: dict[str, WheelPackage] = sitekey(
        MapOf(Record(WheelPackage), names.PROJECT),
        "per-package build settings",
        factory=dict,
    )
