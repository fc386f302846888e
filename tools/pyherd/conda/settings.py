"""The `conda:` part of a site file: trees, their envs, the users' settings and autoupdate.

Each key is declared once, on the field that holds it (see pyherd.schema.key). The
flavour table says what each `flavour` means: its default channels, base packages
and whether mamba comes along.
"""

from __future__ import annotations

from dataclasses import dataclass

from pyherd import names, schedule
from pyherd.schema import LINE, Bool, Int, ListOf, MapOf, Record, Str, from_key, sitekey

# flavour: (default channels, default base specs, mamba by default)
FLAVOURS: dict[str, tuple[tuple[str, ...], tuple[str, ...], bool]] = {
    "miniforge": (("conda-forge",), ("python",), True),
    "miniconda": (("defaults",), ("python",), False),
    "anaconda": (("defaults",), ("anaconda",), False),
}
METHODS = ("rattler", "installer")
CHECKS = ListOf(LINE, scalar_ok=True)
SPECS = ListOf(LINE)


@dataclass(frozen=True, kw_only=True)
class CondaEnvDef:
    """A named env of a tree: specs inline or from an environment file."""

    name: str = from_key()
    packages: tuple[str, ...] | None = sitekey(
        SPECS, "conda match specs: python=3.11, numpy >=1.26"
    )
    environment: str | None = sitekey(
        LINE, "an environment.yml under sites/<site>/ (instead of packages): envs/x.yml"
    )
    channels: tuple[str, ...] | None = sitekey(
        ListOf(LINE), "channels for this env (default: the tree's)"
    )
    checks: tuple[str, ...] = sitekey(
        CHECKS, "commands that must succeed with this env's bin first on PATH", default=()
    )
    frozen: bool = sitekey(
        Bool(),
        "autoupdate carries this env into each new generation unchanged (a release env, "
        "never modified once published); `pyherd install` still solves it afresh",
        default=False,
    )


@dataclass(frozen=True, kw_only=True)
class InstallerDef:
    url: str = sitekey(LINE, "https://, file:// or a local path of the .sh", required=True)
    sha256: str = sitekey(
        Str(grammar=names.SHA256),
        "the installer's sha256; a mismatch refuses the install",
        required=True,
    )


@dataclass(frozen=True, kw_only=True)
class TreeDef:
    """A conda tree pyherd installs as generations under `<root>/<name>/`."""

    name: str = from_key()
    flavour: str = sitekey(
        Str(choices=tuple(FLAVOURS)),
        "what the tree is: miniforge (conda-forge, conda + mamba), miniconda (defaults, "
        "conda), anaconda (defaults, the anaconda metapackage); sets the default channels "
        "and base packages",
        default="miniforge",
    )
    method: str = sitekey(
        Str(choices=METHODS),
        "rattler: solve and install with py-rattler; installer: run the vendor's .sh",
        default="rattler",
    )
    channels: tuple[str, ...] | None = sitekey(
        ListOf(LINE), "channels to install from (default: conda.channels, else the flavour's)"
    )
    packages: tuple[str, ...] | None = sitekey(SPECS, "base env specs (default: the flavour's)")
    environment: str | None = sitekey(
        LINE, "an environment.yml under sites/<site>/ for the base env"
    )
    mamba: bool | None = sitekey(Bool(), "also install mamba (default: true for miniforge)")
    envs: dict[str, CondaEnvDef] = sitekey(
        MapOf(
            Record(CondaEnvDef, shorthand="environment", description="a named env inside a tree"),
            names.ENV,
        ),
        "named envs inside the tree (an environment file, or a mapping)",
        factory=dict,
    )
    checks: tuple[str, ...] = sitekey(
        CHECKS,
        "commands that must succeed inside the tree before it is "
        'published: python -c "import numpy"',
        default=(),
    )
    keep: int = sitekey(
        Int(minimum=1), "generations to keep (the current one always stays)", default=3
    )
    min_age_days: int = sitekey(
        Int(minimum=0),
        "a generation that stopped being current fewer days ago is never collected: shells "
        "and jobs that loaded the module while it was current still run from it (make it "
        "longer than the site's longest job)",
        default=8,
    )
    autoupdate: bool = sitekey(
        Bool(),
        "`pyherd autoupdate` (cron) re-solves this tree and publishes a new generation when "
        "the solution changed and the checks pass (method rattler only)",
        default=False,
    )
    installer: InstallerDef | None = sitekey(
        Record(InstallerDef), "method installer: the vendor's installer, run with -b -p PREFIX"
    )
    arch: str | None = sitekey(
        Str(grammar=names.ARCH),
        "the architecture whose nodes build it under `pyherd install --slurm` (slurm.archs "
        "names their partition and constraint)",
    )


def _schedule_problem(text: str) -> str | None:
    try:
        schedule.parse(text)
    except schedule.ScheduleError as exc:
        return str(exc)
    return None


@dataclass(frozen=True, kw_only=True)
class AutoupdateSettings:
    """conda.autoupdate: the cron schedule, pins and the change limit."""

    schedule: str = sitekey(
        Str(validator=_schedule_problem),
        "when cron / the systemd timer runs it: 5 cron fields or @daily, @weekly, ...",
        default="17 3 * * *",
    )
    pins: tuple[str, ...] = sitekey(
        ListOf(Str(grammar=names.PACKAGE)),
        "packages never upgraded automatically: held at the version and build installed",
        default=(),
    )
    max_changes: int | None = sitekey(
        Int(minimum=1), "hold an update that changes more packages than this for a human (exit 1)"
    )
    log: str | None = sitekey(
        Str(grammar=names.ABSOLUTE_PATH),
        "the file each run appends its report to (default: <root>/.autoupdate.log)",
    )
    mailto: str | None = sitekey(LINE, "MAILTO for the crontab: who gets cron's mail")


@dataclass(frozen=True, kw_only=True)
class CondaSettings:
    root: str = sitekey(LINE, "where trees live: <root>/<tree>/current", required=True)
    channels: tuple[str, ...] = sitekey(
        ListOf(LINE),
        "users' default channels (names or URLs, file:// mirrors too), in order",
        default=(),
    )
    channel_priority: str = sitekey(
        Str(choices=("strict", "flexible", "disabled")),
        "channel priority for users and for pyherd's solves",
        default="strict",
    )
    envs_dirs: tuple[str, ...] = sitekey(
        ListOf(Str()),
        "where users' envs go (default ${HOME}/.conda/envs: the tree is read-only)",
        default=(),
    )
    pkgs_dirs: tuple[str, ...] = sitekey(
        ListOf(Str()),
        "where users' package cache goes (default ${HOME}/.conda/pkgs)",
        default=(),
    )
    autoupdate: AutoupdateSettings = sitekey(
        Record(AutoupdateSettings),
        "how `pyherd autoupdate` (cron) keeps the trees marked autoupdate current",
        factory=AutoupdateSettings,
    )
    trees: dict[str, TreeDef] = sitekey(
        MapOf(
            Record(TreeDef, description="a conda tree installed as immutable generations"),
            names.TREE,
        ),
        "the trees pyherd installs under root, by name (the conda modules' "
        "`tree`); when given, every conda module's tree must be listed",
        factory=dict,
    )
