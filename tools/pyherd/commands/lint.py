"""Check rendered trees with the real tools.

Runs Lmod's check_module_tree_syntax over each site's tree, then loads and
unloads every module in a clean environment under Lmod (and, for Environment
Modules sites, under modulecmd.tcl), reporting any module that fails or leaves
the environment, an alias or a shell function changed after unload.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pyherd import options
from pyherd.errors import ConfigError, JobFailed
from pyherd.lint import lint_sites
from pyherd.project import Paths


def add_arguments(parser: argparse.ArgumentParser) -> None:
    options.site_filter(parser)
    options.out(parser, "output root holding the trees (default: modulefiles)")
    parser.add_argument(
        "--modulepath",
        action="append",
        type=Path,
        default=[],
        metavar="DIR",
        help="a tree holding modules the site declares under externals (EasyBuild's, "
        "Spack's); repeatable. Without one, a module that needs an external is loaded only "
        "when that external's modulepath exists here, and is otherwise listed as not checked",
    )


def run(args: argparse.Namespace, paths: Paths) -> int:
    for given in args.modulepath:
        if not given.is_dir():
            raise ConfigError(f"--modulepath {given}: not a directory")
    problems = 0
    for item, linted in lint_sites(paths, args.site, tuple(args.modulepath)):
        name = item.site.name
        for finding in linted.findings:
            print(f"{name}: {finding}", file=sys.stderr)
        for finding in linted.unchecked:
            print(f"{name}: {finding}", file=sys.stderr)
        problems += len(linted.findings)
        if not linted.findings:
            loaded = len(item.model.modules) - len(linted.unchecked)
            skipped = (
                f"; {len(linted.unchecked)} not checked (they need externals not found here)"
                if linted.unchecked
                else ""
            )
            print(f"{name}: {loaded} modules load and unload cleanly{skipped}")
    if problems:
        raise JobFailed(f"{problems} lint finding(s)")
    return 0
