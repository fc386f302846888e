"""Where a deploy keeps a target's releases on a host, beside the path users name.

For a target T (the path users' MODULEPATH names):
  T                           symlink -> .T.pyherd/releases/<id>
  .T.pyherd/releases/<id>/    the files (unchanged ones hard-linked between releases)
  .T.pyherd/manifests/<id>    what pyherd put in that release (sha256sum format)
  .T.pyherd/incoming/         uploads
  .T.pyherd/lock              flock while swapping
  .T.pyherd/refresh-pending   a cache refresh is owed (the last one failed)
  .T.pyherd/identity          a random token: hosts that read the same one share the files
  .T.pyherd-link              the new link, renamed over T
Every path here is a POSIX path on the host; scripts.py quotes each one.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass


@dataclass(frozen=True)
class ReleaseStore:
    target: str  # absolute, as the site file says it

    @property
    def parent(self) -> str:
        return posixpath.dirname(self.target.rstrip("/")) or "/"

    @property
    def name(self) -> str:
        return posixpath.basename(self.target.rstrip("/"))

    @property
    def dir(self) -> str:
        return posixpath.join(self.parent, f".{self.name}.pyherd")

    @property
    def releases(self) -> str:
        return posixpath.join(self.dir, "releases")

    @property
    def manifests(self) -> str:
        return posixpath.join(self.dir, "manifests")

    @property
    def incoming(self) -> str:
        return posixpath.join(self.dir, "incoming")

    @property
    def lock(self) -> str:
        return posixpath.join(self.dir, "lock")

    @property
    def identity(self) -> str:
        """A random token made by the first deploy: two hosts reading the same one share
        the filesystem, and the tree is deployed once, through one of them."""
        return posixpath.join(self.dir, "identity")

    @property
    def refresh_pending(self) -> str:
        """Present while a swapped-in change still owes Lmod's cache a refresh."""
        return posixpath.join(self.dir, "refresh-pending")

    @property
    def link_temp(self) -> str:
        return posixpath.join(self.parent, f".{self.name}.pyherd-link")

    @property
    def link_prefix(self) -> str:
        """What the link holds before the release id: relative, valid wherever T is mounted."""
        return f".{self.name}.pyherd/releases/"
