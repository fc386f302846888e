"""Options every command spells the same way, declared once.

`--site` has two meanings: the one site a command works on (`site`), or a filter
over every site (`site_filter`). `project` is the parent parser of every command:
where the project, its site files and templates are; `paths` finds the project
(from the current directory up, as git does) and gives the `Paths` of it and --out.
"""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Paths:
    """Where the project is: its site files, its templates and the output root, and the
    project directory itself (what a cron job runs in)."""

    sites: Path
    templates: Path
    out: Path
    project: Path = Path(".")


SHIPPED_TEMPLATES = Path(__file__).resolve().parent / "templates"


def project() -> argparse.ArgumentParser:
    """The parent parser of every command: --project, --sites and --templates."""
    parent = argparse.ArgumentParser(add_help=False)
    project_args(parent)
    return parent


def project_args(parser: argparse.ArgumentParser, *, again: bool = False) -> None:
    """--project, --sites and --templates; `again`: on a sub-action, keeping a value given
    before it."""
    default = argparse.SUPPRESS if again else None
    parser.add_argument(
        "--project",
        type=Path,
        default=default,
        help="the project directory, which holds sites/ (default: the nearest one holding "
        "sites/, from here up, as git finds its repository)",
    )
    parser.add_argument(
        "--sites",
        type=Path,
        default=default,
        help="site files (default: <project>/sites)",
    )
    parser.add_argument(
        "--templates",
        type=Path,
        default=default,
        help="templates (default: <project>/templates if there is one, else pyherd's own)",
    )


def find_project(start: Path) -> Path | None:
    """The nearest directory, from `start` up, that holds sites/."""
    for directory in (start, *start.parents):
        if (directory / "sites").is_dir():
            return directory
    return None


def paths(args: argparse.Namespace, cwd: Path) -> Paths:
    """The project's paths: what the options name (relative to `cwd`, as typed), else the
    project's own, spelled relative to `cwd` so messages stay short."""
    named = getattr(args, "project", None)
    project = named if named is not None else (find_project(cwd) or cwd)

    def inside(name: str) -> Path:
        if named is None and project == cwd:
            return Path(name)
        if named is not None and named.is_absolute():
            return named / name  # as the admin spelled it
        return Path(os.path.relpath(cwd / project / name, cwd))

    templates = getattr(args, "templates", None)
    if templates is None:
        templates = inside("templates") if (cwd / project / "templates").is_dir() else None
    return Paths(
        sites=getattr(args, "sites", None) or inside("sites"),
        templates=templates or SHIPPED_TEMPLATES,
        out=getattr(args, "out", None) or inside("modulefiles"),
        project=Path(os.path.relpath(cwd / project, cwd)),
    )


def site(parser: argparse.ArgumentParser, help: str = "the site name") -> None:
    parser.add_argument("--site", required=True, help=help)


def site_filter(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--site", action="append", help="a site name (repeatable; default: all)")


def tree(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("tree", help="the tree's name under conda.trees")
    site(parser, "the site whose tree it is")


def dry_run(parser: argparse._ActionsContainer, help: str) -> None:
    parser.add_argument("--dry-run", action="store_true", help=help)


def out(parser: argparse.ArgumentParser, help: str = "output root (default: modulefiles)") -> None:
    parser.add_argument("--out", type=Path, help=help)
