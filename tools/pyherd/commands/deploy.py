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
  host succeeded, 1 otherwise (the hosts that failed are named with the reason, the
  others are done).

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
import shlex
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from pyherd.errors import ConfigError, JobFailed, Problem
from pyherd.project import Paths, load_sites, rendered
from pyherd.site import DeploySettings, Site
from pyherd.table import aligned

if TYPE_CHECKING:
    from pyherd.deploy.run import HostResult

RESULT_COLUMNS = ("host", "changed", "result", "seconds", "detail")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--site", required=True, help="the site to deploy")
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
        "--dry-run",
        action="store_true",
        help="say what each host would get (hosts are read, nothing is written anywhere)",
    )


def run(args: argparse.Namespace, paths: Paths) -> int:
    from pyherd.deploy.run import RUNNABLE, Target, deploy_trees, run_remote
    from pyherd.deploy.trees import local_trees

    item = load_sites(paths, [args.site])[0]
    site = item.site
    settings = _settings(site)
    words = _run_words(args.remote, settings, site, RUNNABLE) if args.remote is not None else None
    hosts = _hosts(settings, site, args.group, args.hosts, words is not None)
    folder = paths.sites / site.name
    identity = _local_path(folder, settings.identity_file) if settings.identity_file else None
    if identity is not None and not identity.is_file():
        raise ConfigError(site.problem(("deploy", "identity_file"), f"{identity}: no such file"))
    target = Target(
        site=site.name,
        settings=settings,
        hosts=tuple(hosts),
        known_hosts=_local_path(folder, settings.known_hosts),
        identity=identity,
        accept_new=args.accept_new_host_keys,
        dry_run=args.dry_run,
    )
    if words is not None:
        if args.dry_run:
            for host in hosts:
                print(f"{host}: would run in {settings.project_dir}: pyherd {shlex.join(words)} "
                      f"--site {site.name}")  # fmt: skip
            return 0
        results = run_remote(target, words)
    else:
        files = rendered(paths, item)
        trees = local_trees(site.name, settings, files, [paths.sites, paths.templates])
        results = deploy_trees(target, trees)
    print(_table(results, words is not None))
    for result in results:
        for note in result.notes:
            print(f"{result.host}: {note}", file=sys.stderr)
    failed = [r for r in results if not r.ok]
    if failed:
        raise JobFailed(
            f"{len(failed)} of {len(results)} host(s) failed: "
            + "; ".join(f"{r.host}: {r.detail}" for r in failed)
        )
    return 0


def _settings(site: Site) -> DeploySettings:
    if site.deploy is None:
        raise ConfigError(
            Problem(site.file, None, "deploy", "missing: name the hosts and paths to deploy to")
        )
    return site.deploy


def _hosts(
    settings: DeploySettings, site: Site, group: str | None, chosen: list[str] | None, run: bool
) -> list[str]:
    groups = settings.groups
    if chosen:
        known = {h for hosts in groups.values() for h in hosts}
        unknown = [h for h in chosen if h not in known]
        if unknown:
            raise ConfigError(
                site.problem(("deploy", "groups"), f"not a host of this site: {', '.join(unknown)}")
            )
        return list(dict.fromkeys(chosen))
    name = group or (settings.run_group if run else None)
    if name is not None:
        if name not in groups:
            raise ConfigError(
                site.problem(
                    ("deploy", "groups"), f"no group {name!r} (groups: {', '.join(groups)})"
                )
            )
        return list(groups[name])
    return list(dict.fromkeys(h for hosts in groups.values() for h in hosts))


def _run_words(
    text: str, settings: DeploySettings, site: Site, allowed: tuple[str, ...]
) -> list[str]:
    try:
        words = shlex.split(text)
    except ValueError as exc:
        raise ConfigError(f"--run {text!r}: {exc}") from None
    if not words or words[0] not in allowed:
        raise ConfigError(f"--run {text!r}: runs pyherd's own commands: {', '.join(allowed)}")
    if "--site" in words or any(w.startswith("--site=") for w in words):
        raise ConfigError(f"--run {text!r}: leave out --site; the deploy adds --site {site.name}")
    if not settings.project_dir:
        raise ConfigError(
            site.problem(
                ("deploy",),
                "--run needs deploy.project_dir: the copy of sites/ and templates/ pyherd on "
                "the host reads",
            )
        )
    return words


def _local_path(folder: Path, text: str) -> Path:
    path = Path(text).expanduser()
    return path if path.is_absolute() else folder / path


def _table(rows: list[HostResult], run: bool) -> str:
    header = ["host", "result", "seconds", "detail"] if run else list(RESULT_COLUMNS)
    table = [
        [r.host, r.result, f"{r.seconds:.1f}", r.detail]
        if run
        else [r.host, str(r.changed), r.result, f"{r.seconds:.1f}", r.detail]
        for r in rows
    ]
    return aligned(header, table, rule=True)
