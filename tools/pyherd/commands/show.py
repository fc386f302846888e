"""Print the resolved model of one module: name, file, prefix and every operation.

MODULE is a full name (python/3.11.5), a short name (python, meaning its default)
or a site module key.
"""

from __future__ import annotations

import argparse

from pyherd import options
from pyherd.layout import SiteLayout
from pyherd.model import display
from pyherd.moduletools import language
from pyherd.project import Paths, load_one


def add_arguments(parser: argparse.ArgumentParser) -> None:
    options.site(parser)
    parser.add_argument("module", help="full name, short name or site key")


def run(args: argparse.Namespace, paths: Paths) -> int:
    item = load_one(paths, args.site)
    spec = item.model.find(args.module)
    extension = language(item.site.syntax).extension
    print(f"module:  {spec.full_name}")
    print(f"key:     {spec.key} ({spec.kind})")
    print(f"file:    {SiteLayout(item.site.name).module_file(spec.path, extension)}")
    print(f"prefix:  {display(spec.prefix) if spec.prefix else '-'}")
    print(f"default: {'yes' if spec.full_name in item.model.defaults.values() else 'no'}")
    print("operations:")
    for op in spec.ops:
        shown = " ".join(
            f"{k}={display(v)!r}" if isinstance(v, str) else f"{k}={display(v)}"
            for k, v in vars(op).items()
        )
        print(f"  {op.kind:<18} {shown}")
    return 0
