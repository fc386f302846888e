"""What the index writes: PEP 503 pages, the compact index's files and the find-links view.

Planned as text by path under the wheelhouse root (pyherd.wheelhouse.layout), for
the index run to compare and write change-only.
"""

from __future__ import annotations

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
        for arch in config.archs:
            page = wl.page(arch, project)
            search = config.search[arch]
            if any(row.arch in search for row in project_rows):
                planned[page] = project_page(project_rows, search)
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
    planned[wl.CONFIG] = json.dumps(config.as_json(), indent=1) + "\n"
    for arch in config.archs:
        search = set(config.search[arch])
        listed = [(p, d) for p, d in names if scan.archs[p] & search]
        planned[wl.root_page(arch)] = root_page(listed)
    return planned, doomed


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
    """Symlinks under find-links/<arch>/ (each arch but generic): every wheel a node of that
    arch installs, the best build of each file name (the arch's own, then the next arch
    it also runs, generic last), so that pip's --no-index, which cannot order two
    directories holding the same file name, has no choice to get wrong.
    touched=None: all of them (and stale links go)."""
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
            planned[wl.link(arch, file)] = wl.link_target(row.arch, file)
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


def project_page(rows: list[Row], search: tuple[str, ...]) -> str:
    """A project's PEP 503 page: the wheels of each directory in `search` order (the arch's
    own first, generic's last)."""
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
            href = f"{wl.page_href(arch, row.file)}#sha256={row.sha256}"
            links.append(f'<a href="{html.escape(href)}"{requires}>{html.escape(row.file)}</a><br>')
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
