"""Render state: recognise, without rendering, a render whose inputs and outputs are unchanged.

After a write, pyherd records a fingerprint of everything that shapes the output
(site files, templates, its own code) and the size, mtime and inode of every file it
wrote. A later render with the same fingerprint whose files all still match is a
no-op. Anything else (an edit, a deleted file, a new pyherd) falls through to the
full render, which compares content. The state file is local, never committed.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pyherd
from pyherd.layout import SiteLayout
from pyherd.writer import atomic_write


def fingerprint(*roots: Path, extra: str = "") -> str:
    """A hash over every file under `roots` (names and contents) and `extra`."""
    digest = hashlib.sha256(extra.encode())
    for root in roots:
        if not root.exists():
            digest.update(f"missing:{root}".encode())
            continue
        for path in sorted(
            p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts
        ):
            digest.update(str(path.relative_to(root)).encode() + b"\0")
            digest.update(path.read_bytes())
    return digest.hexdigest()


def inputs_fingerprint(sites: Path, templates: Path, out: Path) -> str:
    code = Path(pyherd.__file__).parent
    return fingerprint(sites, templates, code, extra=f"{pyherd.__version__}\0{out.resolve()}")


def _stat(path: Path) -> list[int] | None:
    try:
        st = os.lstat(path)
    except OSError:
        return None
    return [st.st_size, st.st_mtime_ns, st.st_ino]


def is_current(out: Path, layout: SiteLayout, inputs: str) -> int | None:
    """The number of files if the recorded render still stands, else None."""
    try:
        state = json.loads((out / layout.render_state).read_text())
    except (OSError, ValueError):
        return None
    if state.get("inputs") != inputs:
        return None
    files: dict[str, list[int]] = state.get("files", {})
    for rel, recorded in files.items():
        if _stat(out / rel) != recorded:
            return None
    return len(files)


def record(out: Path, layout: SiteLayout, inputs: str, rels: list[str]) -> None:
    files = {rel: _stat(out / rel) for rel in rels}
    data = json.dumps({"inputs": inputs, "files": files}, sort_keys=True).encode()
    atomic_write(out / layout.render_state, data)
