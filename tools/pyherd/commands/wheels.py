"""The site wheelhouse: `pyherd wheels build` and `pyherd wheels index`.

build: for each requirement in sites/<site>/wheels.txt and each Python of the
site, build the wheel the wheelhouse lacks (isolated build venv, `pip wheel
--no-deps`, the local tag, a test install and import), publish it (pure wheels
to generic/, compiled ones to the build arch), then index. What is already built
is skipped without building; one package failing does not stop the others, and
the summary table names it (exit 1).

index: read every wheel under <root>/<arch>/ that is new since the last run
(checking it is a readable wheel whose METADATA agrees with its file name),
then write the PEP 503 pages pip and uv read (<root>/simple/<arch>/, each arch
with generic behind it, with sha256 and requires-python), the compact index
`avail_wheels` reads (<root>/.index/) and the pip configuration of each arch
the python modules name (<root>/pip/<arch>.conf). One bad wheel fails the run
(exit 1) and the previous index stays; each file is replaced by rename.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pyherd.errors import JobFailed
from pyherd.progress import Progress
from pyherd.project import Loaded, Paths, load_sites
from pyherd.table import aligned
from pyherd.wheelhouse.index import index, publish_configs
from pyherd.wheelhouse.plan import plan_wheelhouse

RESULT_ORDER = ("failed", "built", "would build", "skipped", "not needed")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    build = actions.add_parser(
        "build",
        help="build the site's wheels for each of its Pythons, then index",
        description=__doc__.split("\n\n")[1],
    )
    build.add_argument("--site", required=True, help="the site whose wheels to build")
    build.add_argument(
        "--jobs", type=_positive, default=1, help="packages built at once (default 1)"
    )
    build.add_argument(
        "--arch", help="put compiled wheels in this arch's directory (default: build_arch)"
    )
    build.add_argument(
        "--dry-run",
        action="store_true",
        help="resolve each requirement and say what would be built or skipped; write nothing",
    )
    _common(build)
    idx = actions.add_parser(
        "index",
        help="index the wheelhouse for pip, uv and avail_wheels",
        description=__doc__.split("\n\n")[2],
    )
    idx.add_argument("--site", required=True, help="the site whose wheelhouse to index")
    idx.add_argument("--dry-run", action="store_true", help="list what would be written")
    _common(idx)


def _common(action: argparse.ArgumentParser) -> None:
    """pyherd's --sites and --templates, also accepted after the action (SUPPRESS keeps a
    value given before it)."""
    action.add_argument("--sites", type=Path, default=argparse.SUPPRESS, help="site files")
    action.add_argument("--templates", type=Path, default=argparse.SUPPRESS, help="templates")


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def run(args: argparse.Namespace, paths: Paths) -> int:
    item = load_sites(paths, [args.site])[0]
    if args.action == "build":
        return _build(args, paths, item)
    return _index(item, paths, dry_run=args.dry_run)


def _build(args: argparse.Namespace, paths: Paths, item: Loaded) -> int:
    from pyherd.wheelhouse.builder import WORK, build
    from pyherd.wheelhouse.plan import plan_build

    plan = plan_build(item.site, item.model, paths.sites, args.arch)
    outcomes = build(plan, jobs=args.jobs, dry_run=args.dry_run, progress=Progress())
    rows = [
        (o.project, o.version or "-", o.python, o.result, o.detail, f"{o.seconds:.1f}")
        for o in outcomes
    ]
    _table(("package", "version", "python", "result", "file or reason", "seconds"), rows)
    counts = {r: sum(o.result == r for o in outcomes) for r in RESULT_ORDER}
    failed = counts["failed"]
    summary = ", ".join(f"{n} {r}" for r, n in counts.items() if n)
    print(f"{item.site.name}: {summary or 'nothing to build'}")
    if failed and not args.dry_run:
        print(f"logs: {plan.root / WORK / 'logs'}/<package>-<python>.log", file=sys.stderr)
    if not args.dry_run:  # also when nothing was built: wheels may have been added by hand
        _index(item, paths, dry_run=False, quiet=not counts["built"])
    if failed:
        raise JobFailed(f"{failed} of {len(outcomes)} builds failed; the others are published")
    return 0


def _index(item: Loaded, paths: Paths, *, dry_run: bool, quiet: bool = False) -> int:
    from pyherd.render import render_pip_confs  # jinja2: only once the index is done

    root, config = plan_wheelhouse(item.site)
    result = index(root, config, dry_run=dry_run)
    confs = publish_configs(
        root, config, render_pip_confs(item.site, paths.templates), dry_run=dry_run
    )
    result.written += confs
    if dry_run:
        for rel in result.written:
            print(f"would write {root / rel}")
        for rel in result.removed:
            print(f"would remove {root / rel}")
    if not quiet or result.written or result.removed:
        print(
            f"{item.site.name}: {result.wheels} wheels, {result.read} read; "
            f"{len(result.written)} index files written, {len(result.removed)} removed, "
            f"{result.links} find-links updated" + (" (dry run)" if dry_run else "")
        )
    return 0


def _table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    print(aligned(header, rows))
