"""Read a conda `environment.yml` (name, channels, dependencies) with file:line errors."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pyherd.errors import ConfigError, Problem
from pyherd.yamlload import format_path, load_yaml


@dataclass(frozen=True)
class EnvFile:
    path: str
    channels: tuple[str, ...] | None
    specs: tuple[str, ...]
    lines: tuple[int | None, ...]  # the line of each spec, for solver errors


def read_env_file(path: Path, display: str) -> EnvFile:
    if not path.is_file():
        raise ConfigError(Problem(display, None, "", "environment file not found"))
    located = load_yaml(path, display)
    data = located.data
    problems: list[Problem] = []

    def fail(key: tuple, message: str) -> None:
        file, line = located.where(key)
        problems.append(Problem(file or display, line, format_path(key), message))

    if not isinstance(data, dict):
        raise ConfigError(Problem(display, 1, "", "an environment file must be a mapping"))
    for key in data:
        if key not in ("name", "channels", "dependencies", "prefix", "variables"):
            fail((key,), "unknown key (environment files have name, channels, dependencies)")
    if "prefix" in data or "variables" in data:
        fail(("prefix" if "prefix" in data else "variables",), "not supported: pyherd places envs")
    channels = data.get("channels")
    if channels is not None and (
        not isinstance(channels, list) or not all(isinstance(c, str) for c in channels)
    ):
        fail(("channels",), "expected a list of channel names or URLs")
        channels = None
    deps = data.get("dependencies")
    specs: list[str] = []
    lines: list[int | None] = []
    if not isinstance(deps, list) or not deps:
        fail(("dependencies",), "expected a non-empty list of package specs")
        deps = []
    for i, dep in enumerate(deps):
        if isinstance(dep, dict) and "pip" in dep:
            fail(
                ("dependencies", i),
                "pip dependencies are not installed by pyherd (use the site wheelhouse)",
            )
        elif isinstance(dep, str) and dep.strip():
            specs.append(dep.strip())
            lines.append(located.where(("dependencies", i))[1])
        else:
            fail(("dependencies", i), "expected a package spec such as numpy=1.26")
    if problems:
        raise ConfigError(problems)
    return EnvFile(
        display, tuple(channels) if channels is not None else None, tuple(specs), tuple(lines)
    )
