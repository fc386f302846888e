"""Options every command spells the same way, declared once.

`--site` has two meanings: the one site a command works on (`site`), or a filter
over every site (`site_filter`). `project` is the parent parser of every command:
where the site files and templates are; `Paths` holds what it and --out name.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Paths:
    """Where the project is: its site files, its templates and the output root."""

    sites: Path
    templates: Path
    out: Path


def project() -> argparse.ArgumentParser:
    """The parent parser of every command: --sites and --templates."""
    parent = argparse.ArgumentParser(add_help=False)
    project_args(parent)
    return parent


def project_args(parser: argparse.ArgumentParser, *, again: bool = False) -> None:
    """--sites and --templates; `again`: on a sub-action, keeping a value given before it."""
    parser.add_argument(
        "--sites",
        type=Path,
        default=argparse.SUPPRESS if again else Path("sites"),
        help="site files" if again else "site files (default: sites)",
    )
    parser.add_argument(
        "--templates",
        type=Path,
        default=argparse.SUPPRESS if again else None,
        help="templates"
        if again
        else "templates (default: ./templates, else the ones shipped beside pyherd)",
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
