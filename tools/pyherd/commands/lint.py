"""Check rendered trees with the real tools.

Runs Lmod's check_module_tree_syntax over each site's tree, then loads and
unloads every module in a clean environment under Lmod (and, for Environment
Modules sites, under modulecmd.tcl), reporting any module that fails or leaves
the environment, an alias or a shell function changed after unload.
"""

from __future__ import annotations

import argparse
import sys

from pyherd import options
from pyherd.errors import JobFailed
from pyherd.lint import lint_sites
from pyherd.project import Paths


def add_arguments(parser: argparse.ArgumentParser) -> None:
    options.site_filter(parser)
    options.out(parser, "output root holding the trees (default: modulefiles)")


def run(args: argparse.Namespace, paths: Paths) -> int:
    problems = 0
    for item, findings in lint_sites(paths, args.site):
        for finding in findings:
            print(f"{item.site.name}: {finding}", file=sys.stderr)
        problems += len(findings)
        if not findings:
            print(f"{item.site.name}: {len(item.model.modules)} modules load and unload cleanly")
    if problems:
        raise JobFailed(f"{problems} lint finding(s)")
    return 0
