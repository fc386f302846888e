"""Where a site's rendered files go under the output root, and the rule every layout keeps.

Layouts hand out every path pyherd reads, writes, links or deletes: this site layout
(the tree users `module use`, and what goes beside it under etc/<site>/), a conda
tree's (pyherd.conda.layout), a wheelhouse's (pyherd.wheelhouse.layout) and a
deploy target's (pyherd.deploy.layout). Each joins paths from components checked
lexically, without looking at the disk: none may be empty, `.` or `..`, or hold a
NUL or a newline, so a name from a site file cannot leave the layout's root.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

from pyherd.errors import ConfigError


class UnsafePath(ConfigError):
    """A path component that would leave its root (bad input: nothing is written)."""


# an empty, '.' or '..' component, a leading or trailing '/', a NUL or a newline
_UNSAFE = re.compile(r"(?:^|/)\.{0,2}(?:/|$)|[\0\n]")


_DOTS = ("", ".", "..")


def join(*parts: str) -> str:
    """The relative path of `parts` ('a/b' is two components); UnsafePath for a bad one."""
    for part in parts:
        if "/" not in part and part not in _DOTS and "\0" not in part and "\n" not in part:
            continue  # one plain component: the common case, checked without the regex
        if _UNSAFE.search(part):
            raise UnsafePath(
                f"{'/'.join(parts)!r}: a path component may not be empty, '.' or '..', "
                "or hold a NUL or a newline (pyherd writes only inside its root)"
            )
    return "/".join(parts)


def under(root: Path, *parts: str) -> Path:
    """`root` joined with `parts`, which may not leave it."""
    return root / join(*parts)


def linked(path: Path) -> UnsafePath:
    """The refusal of a link found where pyherd reads or writes."""
    return UnsafePath(
        f"{path}: is a symbolic link; pyherd neither writes nor reads through links in "
        "what it owns (remove the link, then run again)"
    )


def unlinked(root: Path, rel: str, dirs: set[str] | None = None) -> Path:
    """`root/rel` once no existing component of `rel` is a symbolic link (`root` itself
    may be one: the admin chose it). A link inside a tree is refused, never followed:
    a committed `modulefiles/<site>/x -> /etc` cannot turn a write into one outside.
    `dirs` caches directories already found clean (a render checks 20,000 paths)."""
    path = under(root, rel)
    prefix = ""
    for part in rel.split("/"):
        prefix = f"{prefix}/{part}" if prefix else part
        if dirs is not None and prefix in dirs:
            continue
        try:
            mode = os.lstat(root / prefix).st_mode
        except (FileNotFoundError, NotADirectoryError):
            break
        if stat.S_ISLNK(mode):
            raise linked(root / prefix)
        if dirs is not None and stat.S_ISDIR(mode):
            dirs.add(prefix)
    return path


MANIFEST = "manifest.txt"
RENDER_STATE = ".render-state.json"


class SiteLayout:
    """A site's files, relative to the output root (`modulefiles/` by default):
    `<site>/` the tree users `module use`, `etc/<site>/` its configs and manifest."""

    __slots__ = ("site",)

    def __init__(self, site: str):
        join(site)  # one component: a site named '..' cannot put its tree beside the root
        self.site = site

    def __repr__(self) -> str:
        return f"SiteLayout({self.site!r})"

    @property
    def tree(self) -> str:
        return self.site

    def in_tree(self, *parts: str) -> str:
        return join(self.site, *parts)

    def modulepath(self, subdir: str) -> str:
        """The directory users `module use` (the naming scheme's subdirectory, if any)."""
        return self.in_tree(subdir) if subdir else self.site

    def module_file(self, path: str, extension: str) -> str:
        return join(self.site, path + extension)

    @property
    def config_dir(self) -> str:
        return join("etc", self.site)

    def config(self, *parts: str) -> str:
        return join("etc", self.site, *parts)

    @property
    def manifest(self) -> str:
        """What pyherd wrote for this site: it removes only these."""
        return self.config(MANIFEST)

    @property
    def render_state(self) -> str:
        """The last render's fingerprint (local, never committed)."""
        return self.config(RENDER_STATE)

    def condarc(self, tree: str) -> str:
        """A tree's .condarc, committed for review."""
        return self.config("conda", f"{tree}.condarc")

    def local(self, rel: str) -> tuple[str, str] | None:
        """('tree' | 'config', path inside it) for a path of this layout, else None."""
        for label, top in (("tree", self.tree), ("config", self.config_dir)):
            if rel.startswith(f"{top}/"):
                return label, rel[len(top) + 1 :]
        return None
