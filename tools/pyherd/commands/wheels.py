"""The site wheelhouse: `pyherd wheels build` and `pyherd wheels index`.

build: for each requirement in sites/<site>/wheels.txt and each Python of the
site, build the wheel the wheelhouse lacks (isolated build venv, `pip wheel
--no-deps`, the local tag, a test install and import), publish it (pure wheels
to generic/, compiled ones to the build arch), then index. The run closes over
dependencies: what a wheel needs (Requires-Dist) is built too, unless the
wheelhouse already holds a version it accepts. What is already built is skipped
without building; one package failing does not stop the others, and the summary
table names it (exit 1). With --slurm, each (package, Python) to build is a task of a
Slurm job array, and a job after them publishes and indexes what was built.

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

from pyherd import options
from pyherd.errors import ConfigError, JobFailed
from pyherd.project import Loaded, Paths, load_one
from pyherd.table import aligned
from pyherd.wheelhouse.jobs import RESULTS, build_wheels, index_site


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    build = actions.add_parser(
        "build",
        help="build the site's wheels for each of its Pythons, then index",
        description=__doc__.split("\n\n")[1],
    )
    options.site(build, "the site whose wheels to build")
    build.add_argument(
        "--jobs", type=_positive, default=1, help="packages built at once (default 1)"
    )
    build.add_argument(
        "--arch", help="put compiled wheels in this arch's directory (default: build_arch)"
    )
    options.dry_run(
        build,
        "resolve each requirement and say what would be built or skipped; write nothing "
        "(with --slurm: also the job scripts)",
    )
    build.add_argument(
        "--slurm",
        action="store_true",
        help="build on the cluster instead: a job array task per (package, Python) the "
        "wheelhouse lacks, on the build arch's partition and constraint (slurm.archs), then "
        "a job that publishes and indexes what was built once every task is done; follow "
        "it with `pyherd jobs`",
    )
    # what the job scripts run on the nodes: a task, and the publish job
    build.add_argument("--slurm-task", metavar="KEY", help=argparse.SUPPRESS)
    build.add_argument("--slurm-dir", type=Path, help=argparse.SUPPRESS)
    build.add_argument("--slurm-publish", type=Path, metavar="DIR", help=argparse.SUPPRESS)
    options.project_args(build, again=True)  # accepted after the action too
    idx = actions.add_parser(
        "index",
        help="index the wheelhouse for pip, uv and avail_wheels",
        description=__doc__.split("\n\n")[2],
    )
    options.site(idx, "the site whose wheelhouse to index")
    options.dry_run(idx, "list what would be written")
    options.project_args(idx, again=True)


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def run(args: argparse.Namespace, paths: Paths) -> int:
    item = load_one(paths, args.site)
    if args.action == "build":
        return _build(args, paths, item)
    _index(paths, item, dry_run=args.dry_run)
    return 0


def _slurm(args: argparse.Namespace, paths: Paths, item: Loaded) -> int:
    from pyherd.slurm import wheels as cluster

    if args.slurm_publish:
        rows = cluster.publish(paths, item, args.slurm_publish)
        print(aligned(("package", "python", "job", "result", "log"), rows))
        wheels = [row for row in rows if row[0] != "(index)"]
        failed = [row for row in rows if row[3].startswith("failed")]
        if failed:
            raise JobFailed(f"{len(failed)} of {len(wheels)} not published or indexed; "
                            "see their logs")  # fmt: skip
        return 0
    if args.slurm_task:
        if args.slurm_dir is None:
            raise ConfigError("--slurm-task needs --slurm-dir")
        return cluster.run_task(paths, item, args.slurm_task, args.slurm_dir)
    lines, failed = cluster.submit(paths, item, args.arch, dry_run=args.dry_run)
    print("\n".join(lines))
    if failed:
        raise JobFailed(
            f"{failed} wheels cannot be built (no source); the others are submitted"
            if not args.dry_run
            else f"{failed} wheels cannot be built (no source)"
        )
    return 0


def _build(args: argparse.Namespace, paths: Paths, item: Loaded) -> int:
    if args.slurm or args.slurm_task or args.slurm_publish:
        return _slurm(args, paths, item)
    plan, outcomes = build_wheels(paths, item, jobs=args.jobs, arch=args.arch, dry_run=args.dry_run)
    rows = [
        (o.project, o.version or "-", o.python, o.result, o.detail, f"{o.seconds:.1f}")
        for o in outcomes
    ]
    header = ("package", "version", "python", "result", "file or reason", "seconds")
    print(aligned(header, rows))
    counts = {r: sum(o.result == r for o in outcomes) for r in RESULTS}
    failed = counts["failed"]
    summary = ", ".join(f"{n} {r}" for r, n in counts.items() if n)
    print(f"{item.site.name}: {summary or 'nothing to build'}")
    if failed and not args.dry_run:
        print(f"logs: {plan.layout.build_logs}/<package>-<python>.log", file=sys.stderr)
    if not args.dry_run:  # also when nothing was built: wheels may have been added by hand
        _index(paths, item, dry_run=False, quiet=not counts["built"])
    if failed:
        raise JobFailed(f"{failed} of {len(outcomes)} builds failed; the others are published")
    return 0


def _index(paths: Paths, item: Loaded, *, dry_run: bool, quiet: bool = False) -> None:
    result = index_site(paths, item, dry_run=dry_run)
    if dry_run:
        for rel in result.written:
            print(f"would write {result.root / rel}")
        for rel in result.removed:
            print(f"would remove {result.root / rel}")
    if not quiet or result.written or result.removed:
        print(
            f"{item.site.name}: {result.wheels} wheels, {result.read} read; "
            f"{len(result.written)} index files written, {len(result.removed)} removed, "
            f"{result.links} find-links updated" + (" (dry run)" if dry_run else "")
        )
