"""Deploy a site to its hosts over SSH, or run pyherd on its build hosts.

pyherd deploy --site S [--group G | --hosts H ...] [--dry-run]
  Renders the site, then for each host (deploy.parallel at a time) compares the
  manifest of what it holds with this render and uploads only what changed, as one
  archive into a staging directory beside the target. The new release is built
  there, then the target's link is swapped to it in one rename: a user running
  `module avail` meanwhile sees the old tree or the new one, never a mix. Files an
  earlier deploy put there and the site no longer declares are removed; files
  pyherd never put there are left alone. Lmod's spider cache is then refreshed
  (deploy.lmod_cache_dir). A table gives each host's result; exit 0 only when every
  host succeeded, 75 when the only failures were hosts another deploy was changing
  (its lock was held, or it swapped in a release after this run read the host: run
  again, and the diff is recomputed from what is live), 1 otherwise (the hosts that
  failed are named with the reason, the others are done). Every path is quoted on the
  host, and nothing under the release store (.T.pyherd/) is followed through a link.

pyherd deploy --site S --verify
  Also checks every live file against its release's manifest (sha256sum -c on the
  host) and uploads again what was edited or removed there.

pyherd deploy --site S --rollback
  Points each host's trees back at the release kept before the current one.

pyherd deploy --site S --run 'install TREE' | --run autoupdate | --run 'wheels build'
  Runs that pyherd command on the hosts of deploy.run_group (default: build), in
  deploy.project_dir, with --site S; each output line is prefixed with its host.
  The hosts need this same pyherd version.

Host keys are checked against the site's known_hosts (deploy.known_hosts): an
unknown or changed key refuses that host. --accept-new-host-keys records unknown
keys (a changed key is refused all the same).
"""

from __future__ import annotations

import argparse
import dataclasses
import shlex
import sys
from typing import TYPE_CHECKING

from pyherd import options
from pyherd.deploy.target import resolve
from pyherd.errors import ConfigError, JobFailed, Locked
from pyherd.project import Paths, load_one, rendered
from pyherd.sitefiles import extends_chain
from pyherd.table import aligned

if TYPE_CHECKING:
    from pyherd.deploy.run import HostResult

RESULT_COLUMNS = ("host", "changed", "result", "seconds", "detail")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    options.site(parser, "the site to deploy")
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--group", help="only the hosts of this deploy group")
    which.add_argument("--hosts", nargs="+", metavar="HOST", help="only these hosts")
    parser.add_argument(
        "--run",
        dest="remote",  # args.run is the command's entry point
        metavar="COMMAND",
        help="run `pyherd COMMAND --site S` on the build group instead of deploying "
        "('install TREE', autoupdate, 'wheels build')",
    )
    parser.add_argument(
        "--accept-new-host-keys",
        action="store_true",
        help="record the key of a host not yet in the site's known_hosts (never a changed one)",
    )
    parser.add_argument(
        "--rollback",
        action="store_true",
        help="point each host's trees back at the release kept before the current one "
        "(the next deploy brings them forward again)",
    )
    parser.add_argument(
        "--verify",
        action="store_true",
        help="also check every live file against its release's manifest (sha256) and "
        "upload again what was edited or removed on the host",
    )
    options.dry_run(
        parser, "say what each host would get (hosts are read, nothing is written anywhere)"
    )


def run(args: argparse.Namespace, paths: Paths) -> int:
    if args.rollback and (args.remote or args.verify):
        raise ConfigError("--rollback goes back one release; it takes no --run or --verify")
    item = load_one(paths, args.site)
    target, words = resolve(
        item.site,
        paths.sites,
        group=args.group,
        hosts=args.hosts,
        run=args.remote,
        accept_new=args.accept_new_host_keys,
        dry_run=args.dry_run,
    )
    target = dataclasses.replace(target, verify=args.verify)
    from pyherd.deploy.run import (  # fabric: only when deploying
        deploy_trees,
        rollback_trees,
        run_remote,
    )
    from pyherd.deploy.trees import local_trees

    if words is not None:
        if args.dry_run:
            for host in target.hosts:
                print(f"{host}: would run in {target.settings.project_dir}: pyherd "
                      f"{shlex.join(words)} --site {target.site}")  # fmt: skip
            return 0
        results = run_remote(target, words)
    else:
        files = rendered(paths, item)
        chain = extends_chain(paths.sites, target.site)
        project = {f"sites/{name}.yaml": paths.sites / f"{name}.yaml" for name in chain}
        project[f"sites/{target.site}"] = paths.sites / target.site
        project["templates"] = paths.templates
        trees = local_trees(target.site, target.settings, files, project)
        results = (rollback_trees if args.rollback else deploy_trees)(target, trees)
    print(_table(results, words is not None))
    for result in results:  # --dry-run: what each host would get, file by file
        for item in result.items:
            print(f"{result.host}: {item}")
    for result in results:
        for note in result.notes:
            print(f"{result.host}: {note}", file=sys.stderr)
    failed = [r for r in results if not r.ok]
    if failed and all(r.result == "locked" for r in failed):
        raise Locked(
            f"{len(failed)} of {len(results)} host(s) were being deployed by another run: "
            + "; ".join(f"{r.host}: {r.detail}" for r in failed)
        )
    if failed:
        raise JobFailed(
            f"{len(failed)} of {len(results)} host(s) failed: "
            + "; ".join(f"{r.host}: {r.detail}" for r in failed)
        )
    return 0


def _table(rows: list[HostResult], run: bool) -> str:
    header = ["host", "result", "seconds", "detail"] if run else list(RESULT_COLUMNS)
    table = [
        [r.host, r.result, f"{r.seconds:.1f}", r.detail]
        if run
        else [r.host, str(r.changed), r.result, f"{r.seconds:.1f}", r.detail]
        for r in rows
    ]
    return aligned(header, table, rule=True)
