"""The site wheelhouse: `pyherd wheels index` (building wheels comes next).

index: read every wheel under <root>/<arch>/ that is new since the last run
(checking it is a readable wheel whose METADATA agrees with its file name),
then write the PEP 503 pages pip and uv read (<root>/simple/<arch>/, each arch
with generic behind it, with sha256 and requires-python) and the compact index
`avail_wheels` reads (<root>/.index/). One bad wheel fails the run (exit 1) and
the previous index stays; each file is replaced by rename, never half-written.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from pyherd.project import Paths, load_sites
from pyherd.wheelhouse.index import index
from pyherd.wheelhouse.plan import plan_wheelhouse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    idx = actions.add_parser("index", help="index the wheelhouse for pip, uv and avail_wheels")
    idx.add_argument("--site", required=True, help="the site whose wheelhouse to index")
    idx.add_argument("--dry-run", action="store_true", help="list what would be written")
    # also accepted after the action; SUPPRESS keeps the value given before it
    idx.add_argument("--sites", type=Path, default=argparse.SUPPRESS, help="site files")


def run(args: argparse.Namespace, paths: Paths) -> int:
    item = load_sites(paths, [args.site])[0]
    root, config = plan_wheelhouse(item.site)
    result = index(root, config, dry_run=args.dry_run)
    if args.dry_run:
        for rel in result.written:
            print(f"would write {root / rel}")
        for rel in result.removed:
            print(f"would remove {root / rel}")
    print(
        f"{item.site.name}: {result.wheels} wheels, {result.read} read; "
        f"{len(result.written)} index files written, {len(result.removed)} removed"
        + (" (dry run)" if args.dry_run else "")
    )
    return 0
