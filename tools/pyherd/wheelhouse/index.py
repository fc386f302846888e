"""Index a wheelhouse: PEP 503 pages per architecture and the compact `avail_wheels` index.

Layout under the root:
  <arch>/*.whl                        the wheels (generic, x86-64-v3, ...)
  simple/<arch>/index.html            PEP 503 root page for nodes of <arch>
  simple/<arch>/<project>/index.html  its wheels from <arch>, then generic, with
                                      #sha256= and data-requires-python
  .index/config.json, names.tsv, p/<project>.tsv, state.tsv, stamp
Every new wheel is read and checked (a zip, METADATA naming the same project and
version as the file name) before anything is written; one bad wheel fails the
run and the previous index stays. Each file is replaced by rename, project pages
before the root pages that list them, `stamp` last. Wheels seen before (same
size and mtime) are not read again, and only pages whose wheels changed are
rewritten, so adding a few wheels to a large wheelhouse is quick.
"""

from __future__ import annotations

import contextlib
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
STATE = "state.tsv"  # config as JSON, then "<arch>/<file>\t<size>\t<mtime_ns>" per wheel


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
    known = _load_state(root, config)  # None: no usable state, index everything
    scan = _scan(root, config)
    files, problems = scan.files, scan.problems
    fresh = [key for key, stat in files.items() if known is None or known.get(key) != stat]
    gone = [] if known is None else [key for key in known if key not in files]
    touched = None if known is None else {_project(key) for key in (*fresh, *gone)}
    result = Result(wheels=len(files))
    old_rows: list[Row] = []
    kept: list[Row] = []
    if touched:
        old_rows = _shard_rows(root, touched)
        fresh_keys = set(fresh)
        lost = {key for p in touched for key in scan.keys.get(p, ()) if key not in fresh_keys}
        kept = [row for row in old_rows if f"{row.arch}/{row.file}" in lost]
        lost.difference_update(f"{row.arch}/{row.file}" for row in kept)
        fresh += sorted(lost)  # a shard that lost rows: read those wheels again
    rows = kept
    jobs = [(str(root / key), key.split("/", 1)[0]) for key in fresh]
    for ok, text in _read_all(jobs):
        if ok:
            rows.append(Row.from_line(text))
            result.read += 1
        else:
            problems.append(text)
    if problems:
        raise JobFailed(
            f"{root}: {len(problems)} wheel(s) cannot be indexed; the index is unchanged:\n  "
            + "\n  ".join(problems)
        )
    if touched is not None and not touched and (root / INDEX / "stamp").is_file():
        return result
    planned, doomed = _plan(root, config, rows, touched, scan)
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
            if rel.startswith(f"{SIMPLE}/"):
                with contextlib.suppress(OSError):  # the project's directory, once empty
                    (root / rel).parent.rmdir()
    os.sync()  # every page on disk before the state that says they are there
    state = json.dumps(config.as_json(), sort_keys=True) + "\n"
    state += "".join(f"{key}\t{stat}\n" for key, stat in files.items())
    atomic_write(root / INDEX / STATE, state.encode())
    atomic_write(root / INDEX / "stamp", b"")
    return result


@dataclass
class _Scan:
    files: dict[str, str] = field(default_factory=dict)  # "<arch>/<file>": "<size>\t<mtime_ns>"
    keys: dict[str, list[str]] = field(default_factory=dict)  # project: its files' keys
    archs: dict[str, set[str]] = field(default_factory=dict)  # project: archs holding it
    problems: list[str] = field(default_factory=list)


def _scan(root: Path, config: Config) -> _Scan:
    """Every wheel under the arch directories, with its size and mtime, by project."""
    scan = _Scan()
    files = scan.files  # the loop below runs once per wheel: keep it lean
    for arch in config.archs:
        directory = root / arch
        try:
            entries = list(os.scandir(directory))
        except FileNotFoundError:
            continue
        except OSError as exc:
            scan.problems.append(f"{directory}: cannot list it: {exc.strerror or exc}")
            continue
        by_first: dict[str, list[str]] = {}  # a file name's first field: those files' keys
        for entry in entries:
            name = entry.name
            if not name.endswith(".whl"):
                continue
            try:
                st = entry.stat()
            except OSError as exc:
                scan.problems.append(f"{entry.path}: {exc.strerror or exc}")
                continue
            key = f"{arch}/{name}"
            files[key] = f"{st.st_size}\t{st.st_mtime_ns}"
            first = name[: name.find("-")]
            group = by_first.get(first)
            if group is None:
                group = by_first[first] = []
            group.append(key)
        for first, keys in by_first.items():
            project = normalize(first)  # Foo_Bar and foo.bar are one project
            scan.keys.setdefault(project, []).extend(keys)
            scan.archs.setdefault(project, set()).add(arch)
    return scan


def _project(key: str) -> str:
    """The normalized project of "<arch>/<wheel file name>"."""
    return normalize(key.split("/", 1)[1].split("-", 1)[0])


def _shard_rows(root: Path, projects: set[str]) -> list[Row]:
    """The rows the index holds for these projects (none for a missing or damaged shard)."""
    rows: list[Row] = []
    for project in projects:
        try:
            text = (root / INDEX / "p" / f"{project}.tsv").read_text()
            rows += [Row.from_line(line) for line in text.splitlines()]
        except (OSError, ValueError, TypeError):
            continue
    return rows


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
    root: Path,
    config: Config,
    rows: list[Row],
    touched: set[str] | None,
    scan: _Scan,
) -> tuple[dict[str, str], list[str]]:
    """Files to write (relative to root) and files to remove.

    rows are the touched projects' (touched=None: every project's); the listings of
    all projects come from the scanned file names and the previous names.tsv.
    """
    by_project: dict[str, list[Row]] = {}
    for row in rows:
        by_project.setdefault(normalize(row.name), []).append(row)
    planned: dict[str, str] = {}
    doomed: list[str] = []
    shown: dict[str, str] = {}
    wanted = set(by_project) if touched is None else touched
    for project in sorted(wanted):
        shard = f"{INDEX}/p/{project}.tsv"
        project_rows = by_project.get(project)
        if not project_rows:
            doomed.append(shard)
            doomed += [f"{SIMPLE}/{arch}/{project}/index.html" for arch in config.archs]
            continue
        project_rows = newest_first(project_rows)  # readers need no sorting
        shown[project] = project_rows[0].name
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
        if (root / INDEX / "state.json").exists():  # the state's earlier form
            doomed.append(f"{INDEX}/state.json")
    before = {} if touched is None else _names(root)
    names = sorted(
        (p, shown.get(p) or before.get(p) or scan.keys[p][0].split("/")[1].split("-")[0])
        for p in scan.archs
    )
    planned[f"{INDEX}/names.tsv"] = "".join(f"{n}\t{d}\n" for n, d in names)
    planned[f"{INDEX}/config.json"] = json.dumps(config.as_json(), indent=1) + "\n"
    for arch in config.archs:
        search = set(search_order(arch))
        listed = [(p, d) for p, d in names if scan.archs[p] & search]
        planned[f"{SIMPLE}/{arch}/index.html"] = _root_page(listed)
    return planned, doomed


def _names(root: Path) -> dict[str, str]:
    """names.tsv: normalized project -> the name as published."""
    try:
        text = (root / INDEX / "names.tsv").read_text()
    except OSError:
        return {}
    return dict(line.split("\t", 1) for line in text.splitlines() if "\t" in line)


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


def _load_state(root: Path, config: Config) -> dict[str, str] | None:
    """The wheels the last run indexed ({key: "size\\tmtime"}); None if absent, damaged
    or written for another configuration."""
    try:
        header, _, body = (root / INDEX / STATE).read_text().partition("\n")
        if json.loads(header) != config.as_json():
            return None
        return dict(line.split("\t", 1) for line in body.splitlines())
    except (OSError, ValueError):
        return None
