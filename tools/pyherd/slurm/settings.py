"""The site's `slurm:` keys: where jobs go per architecture, and where their states live."""

from __future__ import annotations

import re
from dataclasses import dataclass

from pyherd import names
from pyherd.schema import MapOf, Record, Str, sitekey

WORD = Str(grammar=names.WORD)
# written into #SBATCH lines and Slurm file patterns: no blanks, quotes or %
STATE_DIR = names.Grammar(
    re.compile(r"(?:/(?!\.\.?(?:/|$))[A-Za-z0-9._+-]+)+"),
    "an absolute path of letters, digits and ._+- (no '.', '..', blanks or %)",
)


@dataclass(frozen=True, kw_only=True)
class SlurmArch:
    """Where the builds for one architecture run."""

    partition: str | None = sitekey(WORD, "the partition (default: slurm.partition)")
    constraint: str | None = sitekey(
        WORD, "the node feature the job asks for (sbatch --constraint): x86-64-v3"
    )


@dataclass(frozen=True, kw_only=True)
class SlurmSettings:
    state_dir: str = sitekey(
        Str(grammar=STATE_DIR),
        "where job scripts, task states and logs are kept: a directory every node sees",
        required=True,
    )
    partition: str | None = sitekey(WORD, "the partition jobs go to (default: Slurm's)")
    archs: dict[str, SlurmArch] = sitekey(
        MapOf(Record(SlurmArch), names.ARCH),
        "per architecture: the partition and node constraint of its builds",
        factory=dict,
    )

    def placement(self, arch: str | None) -> tuple[str | None, str | None]:
        """(partition, constraint) for a build of `arch` (None: the default)."""
        own = self.archs.get(arch) if arch else None
        return (own.partition if own and own.partition else self.partition,
                own.constraint if own else None)  # fmt: skip
