"""What a deploy copies: the site's trees, their manifests, what changed, and the upload archive.

A tree is one remote path pyherd owns (the modulepath, the config directory, the
project copy) with the files it holds. Its manifest lists each file's sha256 in
`sha256sum` format, so `sha256sum -c` on the host checks a release by hand.
"""

from __future__ import annotations

import hashlib
import io
import posixpath
import tarfile
import time
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from pyherd.deploy.layout import ReleaseStore
from pyherd.deploy.settings import DeploySettings
from pyherd.layout import SiteLayout

PRIVATE_KEY = b"PRIVATE KEY-----"  # PEM and OpenSSH private keys: never copied to a host


@dataclass(frozen=True)
class Tree:
    label: str  # modulefiles, configs, project
    remote: str  # the path on the host: a symlink to the current release
    files: dict[str, bytes] = field(hash=False, compare=False)

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
    site_name: str, settings: DeploySettings, rendered: dict[str, str], sources: list[Path]
) -> list[Tree]:
    """The trees of one site: its modulefiles, its configs, and (with project_dir) the
    site files and templates pyherd on the host reads for --run."""
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
        project: dict[str, bytes] = {}
        for top in sources:
            for path in sorted(top.rglob("*")):
                if not path.is_file() or "__pycache__" in path.parts:
                    continue
                data = path.read_bytes()
                if PRIVATE_KEY in data:  # the deploy's own key stays on this machine
                    continue
                project[f"{top.name}/{path.relative_to(top).as_posix()}"] = data
        trees.append(Tree("project", settings.project_dir, project))
    return trees


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
    remove = sorted(rel for rel in remote if rel not in local)
    return Change(tree, upload, remove)


def archive(changes: list[Change]) -> bytes:
    """One gzipped tar for the host: per changed tree <i>/files/..., <i>/manifest, and
    <i>/gone (files to drop from the copied release before the new ones go in)."""
    buffer = io.BytesIO()
    now = time.time()
    with tarfile.open(fileobj=buffer, mode="w:gz", compresslevel=6) as tar:

        def add(name: str, data: bytes) -> None:
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.mtime = len(data), 0o644, now
            tar.addfile(info, io.BytesIO(data))

        for i, change in enumerate(changes):
            for rel in change.upload:
                add(f"{i}/files/{rel}", change.tree.files[rel])
            add(f"{i}/manifest", change.tree.manifest_text().encode())
            gone = "".join(f"{rel}\n" for rel in [*change.upload, *change.remove])
            add(f"{i}/gone", gone.encode())
            dirs = {posixpath.dirname(rel) for rel in change.remove} - {""}
            add(f"{i}/dirs", "".join(f"{d}\n" for d in sorted(dirs)).encode())
    return buffer.getvalue()
