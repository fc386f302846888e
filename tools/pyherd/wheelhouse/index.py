"""Index a wheelhouse: PEP 503 pages per architecture and the compact `avail_wheels` index.

Layout under the root:
  <arch>/*.whl                        the wheels (generic, x86-64-v3, ...)
  simple/<arch>/index.html            PEP 503 root page for nodes of <arch>
  simple/<arch>/<project>/index.html  its wheels from <arch>, then generic, with
                                      #sha256= and data-requires-python
  .index/config.json, names.tsv, p/<project>.tsv, state.json, stamp
Every new wheel is read and checked (a zip, METADATA naming the same project and
version as the file name) before anything is written; one bad wheel fails the
run and the previous index stays. Each file is replaced by rename, project pages
before the root pages that list them, `stamp` last. Wheels seen before (same
size and mtime) are not read again, and only pages whose wheels changed are
rewritten, so adding a few wheels to a large wheelhouse is quick.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from packaging.version import InvalidVersion, Version

from pyherd.errors import JobFailed
from pyherd.wheelhouse.catalog import (
    BadWheelName,
    Row,
    from_filename,
    newest_first,
    normalize,
    search_order,
)
from pyherd.writer import atomic_write, current_bytes

INDEX = ".index"
SIMPLE = "simple"
LINKS = "find-links"  # <root>/find-links/<arch>/: one symlink per wheel a node of <arch> sees
PIP = "pip"  # <root>/pip/<arch>.conf: the pip configuration the python modules name


@dataclass(frozen=True)
class Config:
    archs: tuple[str, ...]  # "generic" first, then the specific ones
    arch_variable: str
    default_arch: str

    def as_json(self) -> dict[str, Any]:
        return {
            "archs": list(self.archs),
            "arch_variable": self.arch_variable,
            "default_arch": self.default_arch,
        }


@dataclass
class Result:
    wheels: int = 0
    read: int = 0  # wheels read this run (new or changed)
    written: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    links: int = 0  # find-links symlinks made or changed


def index(root: Path, config: Config, *, dry_run: bool = False) -> Result:
    """Bring the index under `root` up to date; JobFailed (nothing written) on a bad wheel."""
    state = _load_state(root)
    full = state.get("config") != config.as_json()
    known: dict[str, list[Any]] = state.get("files", {}) if not full else {}
    files: dict[str, list[Any]] = {}
    problems: list[str] = []
    result = Result()
    to_read: list[tuple[str, str, str, int, int]] = []  # key, path, arch, size, mtime
    for arch in config.archs:
        directory = root / arch
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except FileNotFoundError:
            continue
        except OSError as exc:
            problems.append(f"{directory}: cannot list it: {exc.strerror or exc}")
            continue
        for entry in entries:
            if not entry.name.endswith(".whl"):
                continue
            key = f"{arch}/{entry.name}"
            try:
                st = entry.stat()
            except OSError as exc:
                problems.append(f"{entry.path}: {exc.strerror or exc}")
                continue
            old = known.get(key)
            if old is not None and old[0] == st.st_size and old[1] == st.st_mtime_ns:
                files[key] = old
                continue
            to_read.append((key, entry.path, arch, st.st_size, st.st_mtime_ns))
    for (key, _, _, size, mtime), (ok, text) in zip(
        to_read, _read_all([(path, arch) for _, path, arch, _, _ in to_read]), strict=True
    ):
        if not ok:
            problems.append(text)
            continue
        result.read += 1
        files[key] = [size, mtime, text]
    if problems:
        raise JobFailed(
            f"{root}: {len(problems)} wheel(s) cannot be indexed; the index is unchanged:\n  "
            + "\n  ".join(problems)
        )
    result.wheels = len(files)
    rows = [Row.from_line(entry[2]) for entry in files.values()]
    changed = set(files) ^ set(known) | {k for k in files if known.get(k) != files[k]}
    touched = None if full else {normalize(k.split("/", 1)[1].split("-", 1)[0]) for k in changed}
    if not full and not touched and (root / INDEX / "stamp").is_file():
        return result
    planned, doomed = _plan(root, config, rows, touched)
    old_rows = (
        []
        if touched is None
        else [
            Row.from_line(entry[2])
            for entry in known.values()
            if normalize(entry[2].split("\t", 1)[0]) in touched
        ]
    )
    links, unlinks = _links(root, config, rows, touched, old_rows)
    if dry_run:
        result.written, result.removed = sorted(planned), sorted(doomed)
        result.links = sum(_link_target(root / rel) != t for rel, t in links.items())
        return result
    for arch in {rel.split("/")[1] for rel in links}:
        (root / LINKS / arch).mkdir(parents=True, exist_ok=True)
    for rel, target in sorted(links.items()):  # before the pages: a page may list the file
        path = root / rel
        if _link_target(path) != target:
            temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            temp.unlink(missing_ok=True)
            os.symlink(target, temp)
            os.replace(temp, path)
            result.links += 1
    # pages and shards first, then what lists them, then state and stamp
    for rel in sorted(planned, key=_write_order):
        path = root / rel
        data = planned[rel].encode()
        if current_bytes(path) != data:
            atomic_write(path, data, sync=False)
            result.written.append(rel)
    for rel in [*doomed, *unlinks]:
        if (root / rel).is_symlink() or (root / rel).exists():
            (root / rel).unlink()
            result.removed.append(rel)
    os.sync()  # every page on disk before the state that says they are there
    state = {"config": config.as_json(), "files": files}
    atomic_write(root / INDEX / "state.json", json.dumps(state, separators=(",", ":")).encode())
    atomic_write(root / INDEX / "stamp", b"")
    return result


class BadWheel(Exception):
    pass


def publish_configs(
    root: Path, config: Config, files: dict[str, str], *, dry_run: bool = False
) -> list[str]:
    """Write the rendered pip configurations under <root>/pip/ (change-only, by rename).

    Every arch directory is made too (empty if need be): pip warns about a find-links
    directory that does not exist.
    """
    written = []
    if not dry_run:
        for arch in config.archs:
            (root / arch).mkdir(parents=True, exist_ok=True)
    for rel, text in sorted(files.items()):
        path = root / rel
        if current_bytes(path) != text.encode():
            written.append(rel)
            if not dry_run:
                path.parent.mkdir(parents=True, exist_ok=True)
                atomic_write(path, text.encode())
    return written


def _write_order(rel: str) -> tuple[bool, str]:
    """Project pages and shards before the root pages and names that list them."""
    listing = rel.count("/") < 3 and not rel.startswith(f"{INDEX}/p/")
    return (listing, rel)


def read_wheel(path: Path, arch: str) -> Row:
    """The wheel's row, after checking it is a readable zip whose METADATA matches its name."""
    try:
        named = from_filename(path.name, arch)
    except BadWheelName as exc:
        raise BadWheel(f"{path}: {exc}") from None
    try:
        with zipfile.ZipFile(path) as zf:
            metadata = next(
                (
                    n
                    for n in zf.namelist()
                    if n.count("/") == 1 and n.endswith(".dist-info/METADATA")
                ),
                None,
            )
            if metadata is None:
                raise BadWheel(f"{path}: no *.dist-info/METADATA inside: not a wheel")
            headers = _headers(zf.read(metadata).decode("utf-8", "replace"))
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise BadWheel(f"{path}: corrupt or unreadable: {exc}") from None
    meta_name, meta_version = headers.get("Name", ""), headers.get("Version", "")
    if normalize(meta_name) != normalize(named.name):
        raise BadWheel(
            f"{path}: METADATA names project {meta_name!r}, the file name {named.name!r}"
        )
    try:
        same = Version(meta_version) == Version(
            named.version + (f"+{named.localversion}" if named.localversion else "")
        )
    except InvalidVersion:
        same = False
    if not same:
        raise BadWheel(
            f"{path}: METADATA says version {meta_version!r}, the file name "
            f"{named.version}{'+' + named.localversion if named.localversion else ''!s}"
        )
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(1 << 20):
            digest.update(block)
    return named._replace(
        name=meta_name,
        requires_python=(headers.get("Requires-Python") or "").strip(),
        sha256=digest.hexdigest(),
    )


def _headers(text: str) -> dict[str, str]:
    """The first Name, Version and Requires-Python of a METADATA header block."""
    found: dict[str, str] = {}
    for line in text.splitlines():
        if not line:
            break  # the body (description) starts
        key, sep, value = line.partition(":")
        if sep and key in ("Name", "Version", "Requires-Python") and key not in found:
            found[key] = value.strip()
    return found


def _read_many(jobs: list[tuple[str, str]]) -> list[tuple[bool, str]]:
    """read_wheel over (path, arch) pairs: (True, row line) or (False, the problem)."""
    out = []
    for path, arch in jobs:
        try:
            out.append((True, read_wheel(Path(path), arch).line()))
        except BadWheel as exc:
            out.append((False, str(exc)))
    return out


def _read_all(jobs: list[tuple[str, str]]) -> list[tuple[bool, str]]:
    """The same, on every CPU when there are many (a full index of a big wheelhouse)."""
    workers = min(os.cpu_count() or 1, 8)
    if len(jobs) < 500 or workers < 2:
        return _read_many(jobs)
    from concurrent.futures import ProcessPoolExecutor

    size = 250
    chunks = [jobs[i : i + size] for i in range(0, len(jobs), size)]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return [item for chunk in pool.map(_read_many, chunks) for item in chunk]


def _plan(
    root: Path, config: Config, rows: list[Row], touched: set[str] | None
) -> tuple[dict[str, str], list[str]]:
    """Files to write (relative to root) and files to remove; touched=None: everything."""
    by_project: dict[str, list[Row]] = {}
    for row in rows:
        by_project.setdefault(normalize(row.name), []).append(row)
    planned: dict[str, str] = {}
    doomed: list[str] = []
    wanted = set(by_project) if touched is None else touched
    for project in sorted(wanted):
        shard = f"{INDEX}/p/{project}.tsv"
        project_rows = by_project.get(project)
        if not project_rows:
            doomed.append(shard)
            doomed += [f"{SIMPLE}/{arch}/{project}/index.html" for arch in config.archs]
            continue
        project_rows = newest_first(project_rows)  # readers need no sorting
        planned[shard] = "".join(row.line() + "\n" for row in project_rows)
        for arch in config.archs:
            page = f"{SIMPLE}/{arch}/{project}/index.html"
            search = search_order(arch)
            if any(row.arch in search for row in project_rows):
                planned[page] = _page(project_rows, search)
            else:
                doomed.append(page)
    if touched is None:  # a full run also drops pages of projects no longer there
        doomed += _stale_pages(root, config, set(by_project))
    names = sorted((project, rows_[0].name) for project, rows_ in by_project.items())
    planned[f"{INDEX}/names.tsv"] = "".join(f"{n}\t{d}\n" for n, d in names)
    planned[f"{INDEX}/config.json"] = json.dumps(config.as_json(), indent=1) + "\n"
    for arch in config.archs:
        search = set(search_order(arch))
        listed = [(p, d) for p, d in names if any(r.arch in search for r in by_project[p])]
        planned[f"{SIMPLE}/{arch}/index.html"] = _root_page(listed)
    return planned, doomed


def _links(
    root: Path, config: Config, rows: list[Row], touched: set[str] | None, old: list[Row]
) -> tuple[dict[str, str], list[str]]:
    """Symlinks under find-links/<arch>/ (each arch but generic): every wheel a node of that
    arch installs, its own build shadowing generic's of the same name, so that pip's
    --no-index, which cannot order two directories holding the same file name, has no
    choice to get wrong. touched=None: all of them (and stale links go)."""
    planned: dict[str, str] = {}
    for arch in config.archs:
        if arch == "generic":
            continue
        search = search_order(arch)
        chosen: dict[str, Row] = {}
        for row in rows:
            if row.arch not in search or (
                touched is not None and normalize(row.name) not in touched
            ):
                continue
            if row.file not in chosen or row.arch == arch:
                chosen[row.file] = row
        for file, row in chosen.items():
            planned[f"{LINKS}/{arch}/{file}"] = f"../../{row.arch}/{file}"
    if touched is None:
        existing = [
            f"{LINKS}/{arch}/{name}"
            for arch in config.archs
            if (root / LINKS / arch).is_dir()
            for name in os.listdir(root / LINKS / arch)
        ]
    else:
        existing = [
            f"{LINKS}/{arch}/{row.file}"
            for row in old
            for arch in config.archs
            if arch != "generic"
        ]
    return planned, sorted({rel for rel in existing if rel not in planned})


def _link_target(path: Path) -> str | None:
    try:
        return os.readlink(path)
    except OSError:
        return None


def _page(rows: list[Row], search: tuple[str, ...]) -> str:
    links = []
    seen: set[str] = set()
    for arch in search:
        for row in rows:
            if row.arch != arch or row.file in seen:
                continue
            seen.add(row.file)
            requires = (
                f' data-requires-python="{html.escape(row.requires_python)}"'
                if row.requires_python
                else ""
            )
            href = f"../../../{arch}/{row.file}#sha256={row.sha256}"
            links.append(f'<a href="{html.escape(href)}"{requires}>{html.escape(row.file)}</a><br>')
    body = "\n".join(links)
    return f"<!DOCTYPE html>\n<html><body>\n{body}\n</body></html>\n"


def _root_page(names: list[tuple[str, str]]) -> str:
    links = "\n".join(f'<a href="{p}/">{html.escape(d)}</a><br>' for p, d in names)
    return f"<!DOCTYPE html>\n<html><body>\n{links}\n</body></html>\n"


def _stale_pages(root: Path, config: Config, projects: set[str]) -> list[str]:
    doomed = []
    shards = root / INDEX / "p"
    if shards.is_dir():
        doomed += [
            f"{INDEX}/p/{p.name}"
            for p in shards.iterdir()
            if p.name[: -len(".tsv")] not in projects
        ]
    for arch in config.archs:
        pages = root / SIMPLE / arch
        if pages.is_dir():
            doomed += [
                f"{SIMPLE}/{arch}/{p.name}/index.html"
                for p in pages.iterdir()
                if p.is_dir() and p.name not in projects
            ]
    return doomed


def _load_state(root: Path) -> dict[str, Any]:
    try:
        return json.loads((root / INDEX / "state.json").read_text())
    except (OSError, ValueError):
        return {}
