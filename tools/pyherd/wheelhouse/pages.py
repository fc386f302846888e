"""What the index writes: PEP 503 pages, the compact index's files and the find-links view.

Planned as text by path under the wheelhouse root (pyherd.wheelhouse.layout), for
the index run to compare and write change-only.
"""

from __future__ import annotations

import contextlib
import html
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

from pyherd.wheelhouse import layout as wl
from pyherd.wheelhouse.catalog import Row, newest_first, normalize
from pyherd.wheelhouse.layout import WheelhouseLayout

if TYPE_CHECKING:
    from pyherd.wheelhouse.index import Config, Scan


def plan(
    layout: WheelhouseLayout,
    config: Config,
    rows: list[Row],
    touched: set[str] | None,
    scan: Scan,
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
        shard = wl.shard(project)
        project_rows = by_project.get(project)
        if not project_rows:
            doomed.append(shard)
            doomed += [wl.page(arch, project) for arch in config.archs]
            continue
        project_rows = newest_first(project_rows)  # readers need no sorting
        shown[project] = project_rows[0].name
        planned[shard] = "".join(row.line() + "\n" for row in project_rows)
        anchors = [(row.arch, row.file, anchor(row)) for row in project_rows]
        for arch in config.archs:
            page = wl.page(arch, project)
            search = config.search[arch]
            if any(row.arch in search for row in project_rows):
                planned[page] = project_page(anchors, search)
            else:
                doomed.append(page)
    if touched is None:  # a full run also drops pages of projects no longer there
        doomed += _stale_pages(layout, config, set(by_project))
        if layout.path(wl.OLD_STATE).exists():
            doomed.append(wl.OLD_STATE)
    before = {} if touched is None else _names(layout)
    names = sorted(
        (p, shown.get(p) or before.get(p) or scan.keys[p][0].split("/")[1].split("-")[0])
        for p in scan.archs
    )
    planned[wl.NAMES] = "".join(f"{n}\t{d}\n" for n, d in names)
    planned[wl.ALL] = every_row(layout, planned, touched, [p for p, _ in names])
    planned[wl.CONFIG] = json.dumps(config.as_json(), indent=1) + "\n"
    for arch in config.archs:
        search = set(config.search[arch])
        listed = [(p, d) for p, d in names if scan.archs[p] & search]
        planned[wl.root_page(arch)] = root_page(listed)
    return planned, doomed


def every_row(
    layout: WheelhouseLayout, planned: dict[str, str], touched: set[str] | None, projects: list[str]
) -> str:
    """all.tsv: the shards' lines, each after its project and a tab and without the two
    columns avail_wheels never shows (requires_python, sha256), in project order: what
    a full listing reads in one go. An incremental run keeps the previous file's lines
    of the projects it did not touch (or, without one, their shards)."""
    shards = {p: planned[wl.shard(p)] for p in projects if wl.shard(p) in planned}
    kept: dict[str, list[str]] = {}
    if touched is not None:
        try:
            previous = layout.path(wl.ALL).read_text()
        except OSError:
            previous = None
        if previous is not None:
            for line in previous.splitlines(True):
                project = line[: line.find("\t")]
                if project not in touched:
                    kept.setdefault(project, []).append(line)
        for project in projects:
            if project not in shards and project not in kept and project not in touched:
                with contextlib.suppress(OSError):
                    shards[project] = layout.path(wl.shard(project)).read_text()
    out = []
    for project in projects:
        if project in shards:
            out += [
                f"{project}\t{line.rsplit(chr(9), 2)[0]}\n" for line in shards[project].splitlines()
            ]
        else:
            out += kept.get(project, ())
    return "".join(out)


def _names(layout: WheelhouseLayout) -> dict[str, str]:
    """names.tsv: normalized project -> the name as published."""
    try:
        text = layout.path(wl.NAMES).read_text()
    except OSError:
        return {}
    return dict(line.split("\t", 1) for line in text.splitlines() if "\t" in line)


def plan_links(
    layout: WheelhouseLayout,
    config: Config,
    rows: list[Row],
    touched: set[str] | None,
    old: list[Row],
) -> tuple[dict[str, str], list[str]]:
    """Entries under find-links/<arch>/ (each arch but generic), each the wheel it links to
    ("<arch>/<file>"): every wheel a node of that arch installs, the best build of each
    file name (the arch's own, then the next arch it also runs, generic last), so that
    pip's --no-index, which cannot order two directories holding the same file name, has
    no choice to get wrong. touched=None: all of them (and stale entries go)."""
    planned: dict[str, str] = {}
    for arch in config.archs:
        if arch == "generic":
            continue
        rank = {a: i for i, a in enumerate(config.search[arch])}
        chosen: dict[str, Row] = {}
        for row in rows:
            if row.arch not in rank or (touched is not None and normalize(row.name) not in touched):
                continue
            best = chosen.get(row.file)
            if best is None or rank[row.arch] < rank[best.arch]:
                chosen[row.file] = row
        for file, row in chosen.items():
            planned[wl.link(arch, file)] = f"{row.arch}/{file}"
    if touched is None:
        existing = [
            wl.link(arch, name)
            for arch in config.archs
            if layout.links(arch).is_dir()
            for name in os.listdir(layout.links(arch))
        ]
    else:
        existing = [
            wl.link(arch, row.file) for row in old for arch in config.archs if arch != "generic"
        ]
    return planned, sorted({rel for rel in existing if rel not in planned})


def link_target(path: Path) -> str | None:
    try:
        return os.readlink(path)
    except OSError:
        return None


def anchor(row: Row) -> str:
    """A wheel's line on a project page, the same on every arch's page (pages sit at the
    same depth, so the relative link is too)."""
    requires = (
        f' data-requires-python="{html.escape(row.requires_python)}"' if row.requires_python else ""
    )
    href = f"{wl.page_href(row.arch, row.file)}#sha256={row.sha256}"
    return f'<a href="{html.escape(href)}"{requires}>{html.escape(row.file)}</a><br>'


def project_page(anchors: list[tuple[str, str, str]], search: tuple[str, ...]) -> str:
    """A project's PEP 503 page from its wheels' (arch, file, anchor): those of each
    directory in `search` order (the arch's own first, generic's last), of each file name
    the first found."""
    links = []
    seen: set[str] = set()
    for arch in search:
        for where, file, line in anchors:
            if where == arch and file not in seen:
                seen.add(file)
                links.append(line)
    body = "\n".join(links)
    return f"<!DOCTYPE html>\n<html><body>\n{body}\n</body></html>\n"


def root_page(names: list[tuple[str, str]]) -> str:
    links = "\n".join(f'<a href="{html.escape(p)}/">{html.escape(d)}</a><br>' for p, d in names)
    return f"<!DOCTYPE html>\n<html><body>\n{links}\n</body></html>\n"


def _stale_pages(layout: WheelhouseLayout, config: Config, projects: set[str]) -> list[str]:
    doomed = []
    shards = layout.path(wl.SHARDS)
    if shards.is_dir():
        doomed += [
            wl.shard(p.name[: -len(".tsv")])
            for p in shards.iterdir()
            if p.name.endswith(".tsv") and p.name[: -len(".tsv")] not in projects
        ]
    for arch in config.archs:
        pages = layout.path(wl.simple(arch))
        if pages.is_dir():
            doomed += [
                wl.page(arch, p.name)
                for p in pages.iterdir()
                if p.is_dir() and p.name not in projects
            ]
    return doomed
