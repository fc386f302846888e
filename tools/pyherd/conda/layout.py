"""Where a conda tree's files are: `<root>/<tree>/` and what the trees of one root share.

  <root>/.pkgs/                        package cache (unchanged packages hard-link)
  <root>/.downloads/                   vendor installers
  <root>/.autoupdate.log               the default autoupdate log
  <root>/<tree>/current                -> generations/<id>: what users load
  <root>/<tree>/generations/<id>/      a conda prefix; .pyherd/ holds its records
  <root>/<tree>/.lock                  one run at a time
Paths are joined by pyherd.layout.join, so a tree name cannot leave the root.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pyherd import model as m
from pyherd.layout import join, under

CURRENT = "current"
GENERATIONS = "generations"
RECORDS = ".pyherd"  # inside a generation


@dataclass(frozen=True)
class TreeLayout:
    root: Path
    tree: str

    def __post_init__(self) -> None:
        join(self.tree)

    @property
    def dir(self) -> Path:
        return under(self.root, self.tree)

    @property
    def generations(self) -> Path:
        return self.dir / GENERATIONS

    def generation(self, gid: int) -> Path:
        return self.generations / str(gid)

    @property
    def current(self) -> Path:
        return self.dir / CURRENT

    @staticmethod
    def current_target(gid: int) -> str:
        """What `current` holds: a relative link, valid wherever the tree is mounted."""
        return f"{GENERATIONS}/{gid}"

    def current_temp(self, pid: int) -> Path:
        return self.dir / f".{CURRENT}.{pid}"

    def trash(self, gid: int) -> Path:
        """Where a generation goes while it is deleted (gone from listings at once)."""
        return self.generations / f".removing-{gid}"

    trash_pattern = ".removing-*"  # what a killed removal left, under generations/

    @property
    def lock(self) -> Path:
        return self.dir / ".lock"

    @property
    def rolled_back(self) -> Path:
        """Generations a human rolled back from (JSON: id -> {at, to}): kept beside the
        generations, so nothing inside a published one changes after it is published."""
        return self.dir / ".rolled-back.json"

    @property
    def superseded(self) -> Path:
        """When each generation stopped being current (JSON: id -> epoch seconds)."""
        return self.dir / ".superseded.json"

    def installer_log(self, pid: int) -> Path:
        return self.dir / f".installer-{pid}.log"

    @property
    def pkgs(self) -> Path:
        """One package cache per root: unchanged packages are hard-linked, not copied."""
        return self.root / ".pkgs"

    @property
    def downloads(self) -> Path:
        return self.root / ".downloads"


def autoupdate_log(root: Path) -> Path:
    """Where autoupdate appends its reports unless conda.autoupdate.log says otherwise."""
    return root / ".autoupdate.log"


def records(generation: Path, *name: str) -> Path:
    """A file of the generation's own records: .pyherd/generation.json, checks.log, ..."""
    return generation / RECORDS / join(*name) if name else generation / RECORDS


def current_value(root: m.Value, tree: m.Value) -> m.Value:
    """`<root>/<tree>/current` as a modulefile value (root may read the environment)."""
    return m.normalize([*root, "/", *tree, f"/{CURRENT}"])
