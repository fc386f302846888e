"""Where a wheelhouse's files are, relative to its root:

  <arch>/*.whl                          the wheels (generic, x86-64-v3, ...)
  simple/<arch>/index.html              PEP 503 root page for nodes of <arch>
  simple/<arch>/<project>/index.html    a project's wheels: <arch>'s, then those of the
                                        archs it also runs, generic's last
  find-links/<arch>/<wheel>             the best build's <arch>/<wheel>, hard-linked (or a
                                        symlink where that is refused): what --no-index sees
  pip/<arch>.conf                       the pip configuration the python modules name
  .index/                               what avail_wheels reads: config.json, names.tsv,
                                        p/<project>.tsv, all.tsv, state.tsv, stamp
  .build/                               wheels build: lock, logs/, run-*/
Relative spellings are what the index plans with; `path()` puts one under the root.
Components are checked by pyherd.layout.join (arch and project names cannot climb out).
"""

from __future__ import annotations

from pathlib import Path

from pyherd.layout import join

SIMPLE = "simple"
LINKS = "find-links"
PIP = "pip"
INDEX = ".index"
BUILD = ".build"
RESERVED = (SIMPLE, PIP, LINKS)  # cannot be arch names


def simple(arch: str) -> str:
    return join(SIMPLE, arch)


def page(arch: str, project: str) -> str:
    return join(SIMPLE, arch, project, "index.html")


def root_page(arch: str) -> str:
    return join(SIMPLE, arch, "index.html")


def shard(project: str) -> str:
    """The compact index's rows of one project."""
    return join(INDEX, "p", f"{project}.tsv")


SHARDS = f"{INDEX}/p"
NAMES = f"{INDEX}/names.tsv"  # normalized project -> the name as published
ALL = f"{INDEX}/all.tsv"  # every shard's rows in one file, "<project>\t<row>": a full listing
CONFIG = f"{INDEX}/config.json"
STATE = f"{INDEX}/state.tsv"  # config as JSON, then "<arch>/<file>\t<size>\t<mtime_ns>\t<ino>"
OLD_STATE = f"{INDEX}/state.json"  # the state's earlier form, removed by a full run
STAMP = f"{INDEX}/stamp"  # written last: the index is complete as of its mtime


def tree(rel: str) -> str | None:
    """The tree a planned file belongs to (simple/<arch>, find-links/<arch>, .index/p), which
    the index may build whole (pyherd.wheelhouse.staging); None for the top-level files."""
    top, _, rest = rel.partition("/")
    if top in (SIMPLE, LINKS) and "/" in rest:
        return f"{top}/{rest.partition('/')[0]}"
    if rel.startswith(f"{SHARDS}/"):
        return SHARDS
    return None


def link(arch: str, wheel: str) -> str:
    return join(LINKS, arch, wheel)


def link_target(arch: str, wheel: str) -> str:
    """A find-links symlink's target, relative to its directory (where no hard link can be)."""
    return f"../../{join(arch, wheel)}"


def page_href(arch: str, wheel: str) -> str:
    """A project page's link to a wheel, relative to the page."""
    return f"../../../{join(arch, wheel)}"


def pip_conf(arch: str) -> str:
    return join(PIP, f"{arch}.conf")


class WheelhouseLayout:
    """Paths under one wheelhouse root (a plain class: avail_wheels imports it every call)."""

    __slots__ = ("root",)

    def __init__(self, root: Path):
        self.root = root

    def __repr__(self) -> str:
        return f"WheelhouseLayout({str(self.root)!r})"

    def path(self, rel: str) -> Path:
        return self.root / join(rel)

    def arch(self, arch: str) -> Path:
        return self.root / join(arch)

    def links(self, arch: str) -> Path:
        return self.root / join(LINKS, arch)

    def index_url(self, arch: str) -> str:
        return (self.root / join(SIMPLE, arch)).as_uri() + "/"

    def find_links_url(self, arch: str) -> str:
        """What `pip install --no-index` searches on a node of `arch`."""
        return (self.arch("generic") if arch == "generic" else self.links(arch)).as_uri()

    @property
    def build(self) -> Path:
        """wheels build's own: its lock, each run's work dir, the last run's logs."""
        return self.root / BUILD

    @property
    def build_lock(self) -> Path:
        return self.build / "lock"

    @property
    def build_logs(self) -> Path:
        return self.build / "logs"
