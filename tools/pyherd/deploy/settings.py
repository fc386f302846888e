"""The `deploy:` part of a site file: the hosts by group, how to reach them, where things go.

Each key is declared once, on the field that holds it (see pyherd.schema.key).
"""

from __future__ import annotations

from dataclasses import dataclass

from pyherd import names
from pyherd.schema import ABSOLUTE, LINE, Int, ListOf, MapOf, Str, sitekey


@dataclass(frozen=True, kw_only=True)
class DeploySettings:
    groups: dict[str, tuple[str, ...]] = sitekey(
        MapOf(ListOf(Str(grammar=names.HOST)), names.GROUP),
        "hosts by group (login, build, ...); `deploy` goes to all of them unless told "
        "--group or --hosts",
        required=True,
    )
    user: str | None = sitekey(
        Str(grammar=names.USER), "the SSH user (default: the user running pyherd)"
    )
    port: int = sitekey(Int(minimum=1), "the SSH port", default=22)
    identity_file: str | None = sitekey(
        LINE, "private key (relative: to sites/<site>/); default: the SSH agent's keys"
    )
    known_hosts: str = sitekey(
        LINE,
        "the site's known_hosts, the only host keys trusted (relative: to sites/<site>/)",
        default="known_hosts",
    )
    modulepath: str = sitekey(
        ABSOLUTE,
        "remote path of the site's modulefiles, as users' MODULEPATH names it; pyherd keeps "
        "it a symlink to its current release",
        required=True,
    )
    config_dir: str | None = sitekey(
        ABSOLUTE, "remote path of the site's configs (lmodrc.lua, pip and conda configs)"
    )
    project_dir: str | None = sitekey(
        ABSOLUTE, "remote copy of sites/ and templates/, where --run runs pyherd"
    )
    parallel: int = sitekey(Int(minimum=1), "hosts deployed at once", default=8)
    connect_timeout: int = sitekey(Int(minimum=1), "seconds to wait for a host", default=10)
    lmod_cache_dir: str | None = sitekey(
        ABSOLUTE, "Lmod's system spider cache directory, refreshed after a change"
    )
    cache_update: str = sitekey(
        LINE,
        "the command that refreshes it (given -d DIR -t DIR/timestamp MODULEPATH); "
        "skipped on a host without it",
        default="update_lmod_system_cache_files",
    )
    pyherd: str = sitekey(LINE, "the pyherd command on the hosts, for --run", default="pyherd")
    run_group: str = sitekey(
        Str(grammar=names.GROUP), "the group --run runs on (default: build)", default="build"
    )
