"""What a deploy command means: the site's deploy settings, which hosts, which keys to
trust, and, for --run, which pyherd command. Every mistake is bad input (exit 2) and
no host is contacted."""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from pathlib import Path

from pyherd.deploy.settings import DeploySettings
from pyherd.errors import ConfigError, Problem
from pyherd.layout import under
from pyherd.site import Site

# the pyherd commands --run may run on a build host
RUNNABLE = ("install", "autoupdate", "wheels", "generations", "rollback", "gc")


@dataclass(frozen=True)
class Target:
    """A resolved deploy: where to, as whom, trusting which keys."""

    site: str
    settings: DeploySettings
    hosts: tuple[str, ...]
    known_hosts: Path
    identity: Path | None
    accept_new: bool = False
    dry_run: bool = False
    verify: bool = False  # also compare each live file with its manifest; repair drift


def resolve(
    site: Site,
    sites_dir: Path,
    *,
    group: str | None = None,
    hosts: list[str] | None = None,
    run: str | None = None,
    accept_new: bool = False,
    dry_run: bool = False,
) -> tuple[Target, list[str] | None]:
    """The target, and the words of the --run command (None: deploy the trees)."""
    settings = _settings(site)
    words = _run_words(run, settings, site) if run is not None else None
    chosen = _hosts(settings, site, group, hosts, words is not None)
    folder = under(sites_dir, site.name)
    identity = _local_path(folder, settings.identity_file) if settings.identity_file else None
    if identity is not None and not identity.is_file():
        raise ConfigError(site.problem(("deploy", "identity_file"), f"{identity}: no such file"))
    target = Target(
        site=site.name,
        settings=settings,
        hosts=tuple(chosen),
        known_hosts=_local_path(folder, settings.known_hosts),
        identity=identity,
        accept_new=accept_new,
        dry_run=dry_run,
    )
    return target, words


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


def _run_words(text: str, settings: DeploySettings, site: Site) -> list[str]:
    try:
        words = shlex.split(text)
    except ValueError as exc:
        raise ConfigError(f"--run {text!r}: {exc}") from None
    if not words or words[0] not in RUNNABLE:
        raise ConfigError(f"--run {text!r}: runs pyherd's own commands: {', '.join(RUNNABLE)}")
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
