"""Real, installable wheels written with zipfile: METADATA, WHEEL, RECORD and one module.

For tests of the index and `avail_wheels`, where what matters is the files a
wheelhouse holds; building from source is tested with pip itself.
"""

from __future__ import annotations

import base64
import hashlib
import zipfile
from pathlib import Path


def _digest(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def make_wheel(
    directory: Path,
    name: str,
    version: str,
    tag: str = "py3-none-any",
    *,
    requires_python: str | None = None,
    meta_name: str | None = None,
    meta_version: str | None = None,
    marker: str = "",
) -> Path:
    """`directory/<name>-<version>-<tag>.whl`; its module `<name>` has __version__ (+ marker)."""
    directory.mkdir(parents=True, exist_ok=True)
    dist = name.replace("-", "_")
    info = f"{dist}-{version}.dist-info"
    metadata = (
        f"Metadata-Version: 2.1\nName: {meta_name or name}\nVersion: {meta_version or version}\n"
    )
    if requires_python:
        metadata += f"Requires-Python: {requires_python}\n"
    pure = "true" if tag.endswith("-none-any") else "false"
    files = {
        f"{dist}/__init__.py": f"__version__ = {version!r}\nMARKER = {marker!r}\n",
        f"{info}/METADATA": metadata,
        f"{info}/WHEEL": f"Wheel-Version: 1.0\nGenerator: pyherd-tests\nRoot-Is-Purelib: {pure}\n"
        f"Tag: {tag}\n",
    }
    record = "".join(f"{path},{_digest(text.encode())},{len(text.encode())}\n"
                     for path, text in files.items())  # fmt: skip
    files[f"{info}/RECORD"] = record + f"{info}/RECORD,,\n"
    path = directory / f"{dist}-{version}-{tag}.whl"
    with zipfile.ZipFile(path, "w") as zf:
        for arcname, text in files.items():
            zf.writestr(arcname, text)
    return path
