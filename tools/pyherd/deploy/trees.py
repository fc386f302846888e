"""What a deploy copies: the site's trees, their manifests, what changed, and the upload archive.

A tree is one remote path pyherd owns (the modulepath, the config directory, the
project copy) with the files it holds. Its manifest lists each file's sha256 in
`sha256sum` format, so `sha256sum -c` on the host checks a release by hand.
"""

from __future__ import annotations

import hashlib
import io
import os
import posixpath
import stat
import tarfile
import time
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from pyherd.deploy.layout import ReleaseStore
from pyherd.deploy.settings import DeploySettings
from pyherd.layout import SiteLayout, UnsafePath, join

PRIVATE_KEY = b"PRIVATE KEY-----"  # PEM and OpenSSH private keys: never copied to a host


@dataclass(frozen=True)
class Tree:
    label: str  # modulefiles, configs, project
    remote: str  # the path on the host: a symlink to the current release
    files: dict[str, bytes] = field(hash=False, compare=False)
    private: frozenset[str] = frozenset()  # files others may not read here: 0600 there too

    @cached_property
    def manifest(self) -> dict[str, str]:
        return {rel: hashlib.sha256(data).hexdigest() for rel, data in self.files.items()}

    def manifest_text(self) -> str:
        return "".join(f"{digest}  {rel}\n" for rel, digest in sorted(self.manifest.items()))

    @property
    def store(self) -> ReleaseStore:
        """Beside the target: releases/, manifests/, incoming/ and the lock."""
        return ReleaseStore(self.remote)


def local_trees(
    site_name: str,
    settings: DeploySettings,
    rendered: dict[str, str],
    project: dict[str, Path],
) -> list[Tree]:
    """The trees of one site: its modulefiles, its configs, and (with project_dir) the
    files pyherd on the host reads for --run: `project` maps where each goes in the copy
    to a local file or directory (the site's own site files and directory, templates)."""
    layout = SiteLayout(site_name)
    parts: dict[str, dict[str, bytes]] = {"tree": {}, "config": {}}
    for rel, text in rendered.items():
        where = layout.local(rel)
        if where is not None:
            parts[where[0]][where[1]] = text.encode()
    modules, configs = parts["tree"], parts["config"]
    trees = [Tree("modulefiles", settings.modulepath, modules)]
    if settings.config_dir:
        trees.append(Tree("configs", settings.config_dir, configs))
    if settings.project_dir:
        files: dict[str, bytes] = {}
        private: set[str] = set()
        for rel, path in project_files(project):
            data = path.read_bytes()
            if PRIVATE_KEY in data:  # the deploy's own key stays on this machine
                continue
            files[rel] = data
            if not path.stat().st_mode & stat.S_IROTH:
                private.add(rel)
        trees.append(Tree("project", settings.project_dir, files, frozenset(private)))
    return trees


def project_files(project: dict[str, Path]) -> list[tuple[str, Path]]:
    """Every regular file of `project` (where it goes -> a local file or directory);
    a symbolic link is never followed or copied, whatever it points at."""
    out = []
    for rel, top in project.items():
        if top.is_symlink() or not top.exists():
            continue
        if top.is_file():
            out.append((rel, top))
            continue
        for directory, subdirs, names in os.walk(top):
            here = Path(directory)
            subdirs[:] = sorted(
                d for d in subdirs if d != "__pycache__" and not (here / d).is_symlink()
            )
            for name in sorted(names):
                path = here / name
                if not path.is_symlink() and path.is_file():
                    out.append((f"{rel}/{path.relative_to(top).as_posix()}", path))
    return out


def parse_manifest(text: str) -> dict[str, str]:
    out = {}
    for line in text.splitlines():
        digest, sep, rel = line.partition("  ")
        if sep and len(digest) == 64:
            out[rel] = digest
    return out


@dataclass
class Change:
    tree: Tree
    upload: list[str]  # new or changed files
    remove: list[str]  # files an earlier deploy put there that are no longer declared

    @property
    def count(self) -> int:
        return len(self.upload) + len(self.remove)


def diff(tree: Tree, remote: dict[str, str]) -> Change:
    """What turns the host's release (its manifest) into this tree."""
    local = tree.manifest
    upload = sorted(rel for rel, digest in local.items() if remote.get(rel) != digest)
    # a line of the host's manifest that would leave the release is never a removal
    remove = sorted(rel for rel in remote if rel not in local and _inside(rel))
    return Change(tree, upload, remove)


def _inside(rel: str) -> bool:
    try:
        join(rel)
    except UnsafePath:
        return False
    return True


def archive(changes: list[Change]) -> bytes:
    """One gzipped tar for the host: per changed tree <i>/files/..., <i>/manifest, and
    <i>/gone (files to drop from the copied release before the new ones go in)."""
    buffer = io.BytesIO()
    now = time.time()
    with tarfile.open(fileobj=buffer, mode="w:gz", compresslevel=6) as tar:

        def add(name: str, data: bytes, mode: int = 0o644) -> None:
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.mtime = len(data), mode, now
            tar.addfile(info, io.BytesIO(data))

        for i, change in enumerate(changes):
            for rel in change.upload:
                mode = 0o600 if rel in change.tree.private else 0o644
                add(f"{i}/files/{rel}", change.tree.files[rel], mode)
            add(f"{i}/manifest", change.tree.manifest_text().encode())
            gone = "".join(f"{rel}\n" for rel in [*change.upload, *change.remove])
            add(f"{i}/gone", gone.encode())
            dirs = {posixpath.dirname(rel) for rel in change.remove} - {""}
            add(f"{i}/dirs", "".join(f"{d}\n" for d in sorted(dirs)).encode())
    return buffer.getvalue()
