"""Print every key a site file may hold, its type and what it means."""

from __future__ import annotations

import argparse

from pyherd.project import Paths
from pyherd.schema import describe
from pyherd.site import SITE


def add_arguments(parser: argparse.ArgumentParser) -> None:
    del parser


def run(args: argparse.Namespace, paths: Paths) -> int:
    print("\n".join(describe(SITE)))
    return 0
