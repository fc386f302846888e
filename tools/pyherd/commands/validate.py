"""Load and check site files: schema, references, names, defaults, and the site's
templates (each file is rendered in memory, so a broken override fails here). Writes
nothing.

Every problem is reported as FILE:LINE: KEY.PATH: WHAT, and the exit code is 2.
"""

from __future__ import annotations

import argparse

from pyherd import options
from pyherd.project import Paths, load_sites, rendered


def add_arguments(parser: argparse.ArgumentParser) -> None:
    options.site_filter(parser)


def run(args: argparse.Namespace, paths: Paths) -> int:
    for item in load_sites(paths, args.site):
        rendered(paths, item)
        print(f"{item.site.file}: ok ({len(item.model.modules)} modules)")
    return 0
