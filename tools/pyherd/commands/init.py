"""Start a site repository: sites/<site>.yaml (a starter that validates, renders and
loads as it is, with comments), .gitignore, a pre-commit configuration, CI workflows
for GitHub Actions and GitLab CI that run validate, `render --check` and lint with
the module tool installed, and a README. Then edit the site file and run
`pyherd render` there.

DIR must be empty or absent; --force writes into a non-empty one, beside what is
there: an existing file is never overwritten, only reported.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from pyherd import names, options
from pyherd.errors import ConfigError, Problem
from pyherd.layout import unlinked
from pyherd.options import Paths
from pyherd.writer import atomic_write

TOOLS = ("lmod", "environment-modules")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "dir", nargs="?", type=Path, default=Path("."), help="the new repository (default: .)"
    )
    parser.add_argument(
        "--tool", choices=TOOLS, required=True, help="the module tool the cluster runs"
    )
    parser.add_argument(
        "--site", default="cluster", help="the site's name: sites/<site>.yaml (default: cluster)"
    )
    parser.add_argument(
        "--force", action="store_true", help="write into a non-empty DIR (never over a file)"
    )
    options.dry_run(parser, "list what would be written; write nothing")


def run(args: argparse.Namespace, paths: Paths) -> int:
    del paths  # a new repository: not the one pyherd may be running in
    from pyherd.starter import starter_files  # jinja2: only for this command

    target: Path = args.dir
    if not names.SITE.accepts(args.site):
        raise ConfigError(Problem("--site", None, "", f"{args.site!r} is not {names.SITE.what}"))
    if target.exists() and not target.is_dir():
        raise ConfigError(Problem(str(target), None, "", "is not a directory"))
    present = sorted(p.name for p in target.iterdir()) if target.is_dir() else []
    if present and not args.force:
        shown = ", ".join(present[:5]) + (", ..." if len(present) > 5 else "")
        raise ConfigError(
            Problem(
                str(target), None, "",
                f"is not empty ({shown}); init starts a new repository "
                "(--force writes beside what is there, never over a file)",
            )
        )  # fmt: skip
    files = starter_files(options.SHIPPED_TEMPLATES, args.site, args.tool)
    # a link inside DIR is refused before anything is written, never followed
    where = {rel: unlinked(target, rel) for rel in files}
    for rel, text in files.items():
        path = where[rel]
        if path.exists() or path.is_symlink():
            print(f"kept {path} (it exists)")
        elif args.dry_run:
            print(f"would write {path}")
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(path, text.encode())
            print(f"wrote {path}")
    if not args.dry_run:
        print(f"next: edit {target / 'sites' / (args.site + '.yaml')}, then run "
              f"`pyherd render` in {target}")  # fmt: skip
    return 0
