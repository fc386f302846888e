"""The vendor's .sh installer: fetch it, refuse it unless its sha256 matches, run it.

The download goes to `<root>/.downloads/` under a temporary name and is renamed
only once its checksum matches; nothing runs before that.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import urllib.parse
from pathlib import Path
from typing import BinaryIO

from pyherd.conda.settings import InstallerDef
from pyherd.errors import JobFailed

CHUNK = 1 << 20


def _open(url: str) -> BinaryIO:
    parsed = urllib.parse.urlparse(url)
    if parsed.scheme in ("", "file"):
        path = urllib.parse.unquote(parsed.path) if parsed.scheme else url
        return open(path, "rb")
    if parsed.scheme in ("http", "https"):
        from urllib.request import urlopen  # http.client and friends: only when downloading

        return urlopen(url, timeout=60)
    raise JobFailed(f"{url}: unsupported URL scheme {parsed.scheme!r}")


def fetch(installer: InstallerDef, downloads: Path) -> Path:
    """The verified installer file (downloaded once, reused while it still matches)."""
    name = os.path.basename(urllib.parse.urlparse(installer.url).path) or "installer.sh"
    target = downloads / f"{installer.sha256[:16]}-{name}"
    if target.is_file() and sha256_of(target) == installer.sha256:
        return target
    downloads.mkdir(parents=True, exist_ok=True)
    part = target.with_name(f".{target.name}.{os.getpid()}.part")
    digest = hashlib.sha256()
    try:
        with _open(installer.url) as src, open(part, "wb") as dst:
            while chunk := src.read(CHUNK):
                digest.update(chunk)
                dst.write(chunk)
    except OSError as exc:
        part.unlink(missing_ok=True)
        raise JobFailed(f"{installer.url}: download failed: {exc}") from None
    if digest.hexdigest() != installer.sha256:
        part.unlink(missing_ok=True)
        raise JobFailed(
            f"{installer.url}: sha256 mismatch: the site file expects {installer.sha256}, the "
            f"download is {digest.hexdigest()}; refused before running anything"
        )
    os.chmod(part, 0o644)
    os.replace(part, target)
    return target


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def run_installer(script: Path, prefix: Path, log: Path) -> None:
    """`bash INSTALLER -b -p PREFIX` (batch mode, no prompts, no shell init edits)."""
    with open(log, "ab") as out:
        proc = subprocess.run(
            ["bash", str(script), "-b", "-p", str(prefix)],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            check=False,
            env={**os.environ, "PYTHONNOUSERSITE": "1"},
        )
    if proc.returncode != 0:
        raise JobFailed(f"{script.name} -b -p {prefix} exited {proc.returncode}; see {log}")


def remove_tree(path: Path) -> None:
    if path.exists():
        shutil.rmtree(path, ignore_errors=True)
