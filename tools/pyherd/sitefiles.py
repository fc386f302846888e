"""Load `sites/<site>.yaml`: follow `extends:`, validate every key, and freeze the Site."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from pyherd import schema
from pyherd.errors import ConfigError, Problem, suggest
from pyherd.moduletools import tool
from pyherd.names import SITE as SITE_NAME
from pyherd.site import SITE, Site
from pyherd.yamlload import KeyPath, Located, load_yaml

RESERVED = {"etc": "the output root's etc/ holds every site's configs"}


def site_names(sites_dir: Path) -> list[str]:
    """Every site's name (its file's stem); a stem that is no site name is bad input."""
    names = sorted(p.stem for p in sites_dir.glob("*.yaml"))
    problems = [p for p in (_name_problem(sites_dir, n) for n in names) if p is not None]
    if problems:
        raise ConfigError(problems)
    return names


def _name_problem(sites_dir: Path, name: str) -> Problem | None:
    """Why `name` cannot be a site: it names the tree, the etc/ dir, units and cron lines."""
    if not SITE_NAME.accepts(name):
        why = f"{name!r} is not a site name (letters, digits, '.', '_', '+', '-'; no leading '.')"
    elif name in RESERVED:
        why = f"{name!r} is reserved: {RESERVED[name]}"
    else:
        return None
    return Problem(_display(sites_dir / f"{name}.yaml"), None, "", why)


def extends_chain(sites_dir: Path, name: str) -> list[str]:
    """The site and every site it extends, nearest first (the files a load reads)."""
    chain = [name]
    while True:
        data = load_yaml(sites_dir / f"{chain[-1]}.yaml").data
        parent = data.get("extends") if isinstance(data, dict) else None
        if not isinstance(parent, str) or parent in chain:
            return chain
        chain.append(parent)


def load_site(sites_dir: Path, name: str) -> Site:
    """Load, merge and validate one site; raise ConfigError listing every problem."""
    if problem := _name_problem(sites_dir, name):
        raise ConfigError(problem)
    located = _load_chain(sites_dir, name, ())
    site, problems = schema.validate(SITE, located)
    if problems:
        raise ConfigError(problems)
    module_tool = tool(site.module_tool)
    syntax = site.syntax or module_tool.languages[0]
    site = replace(
        site,
        name=name,
        file=_display(sites_dir / f"{name}.yaml"),
        origin=f"{sites_dir.resolve().name}/{name}.yaml",
        syntax=syntax,
        source_dir=sites_dir / name if (sites_dir / name).is_dir() else None,
        located=located,
    )
    if syntax not in module_tool.languages:
        reads = " and ".join(module_tool.languages)
        raise ConfigError(
            site.problem(
                ("syntax",), f"{module_tool.title} reads {reads} modulefiles, not {syntax}"
            )
        )
    return site


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
    if not isinstance(parent_name, str) or not SITE_NAME.accepts(parent_name):
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
