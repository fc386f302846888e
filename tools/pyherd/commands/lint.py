"""Check rendered trees with the real tools.

Runs Lmod's check_module_tree_syntax over each site's tree, then loads and
unloads every module in a clean environment under Lmod (and, for Environment
Modules sites, under modulecmd.tcl), reporting any module that fails or leaves
the environment, an alias or a shell function changed after unload.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from pyherd.errors import JobFailed
from pyherd.lint import lint_site
from pyherd.project import Paths, load_sites


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--site", action="append", help="a site name (repeatable; default: all)")
    parser.add_argument(
        "--out", type=Path, help="output root holding the trees (default: modulefiles)"
    )


def run(args: argparse.Namespace, paths: Paths) -> int:
    problems = 0
    for item in load_sites(paths, args.site):
        with tempfile.TemporaryDirectory(prefix="pyherd-lint-") as work:
            findings = lint_site(item.site, item.model, paths.out, Path(work))
        for finding in findings:
            print(f"{item.site.name}: {finding}", file=sys.stderr)
        problems += len(findings)
        if not findings:
            print(f"{item.site.name}: {len(item.model.modules)} modules load and unload cleanly")
    if problems:
        raise JobFailed(f"{problems} lint finding(s)")
    return 0
