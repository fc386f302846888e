"""Say what a change does to users: for each site, the modules added and removed,
what `module load NAME` gives before and after (defaults, per-series aliases),
environment changes by variable (PIP_REQUIRE_VIRTUALENV: true -> unset), families,
conflicts and load messages, hidden versions, and the files beside the tree
(.condarc, pip.conf, lmodrc.lua) and the autoupdate schedule.

BASE and HEAD are git revisions of the project's repository (default: HEAD, and the
working tree). Plain text by default; --format markdown for a pull-request comment,
json for tools. Writes nothing.
"""

from __future__ import annotations

import argparse
import io
import json
import subprocess
import tarfile
import tempfile
from pathlib import Path

from pyherd import options
from pyherd.errors import ConfigError, Problem
from pyherd.options import SHIPPED_TEMPLATES, Paths
from pyherd.project import Loaded, load_sites, rendered
from pyherd.sitefiles import site_names


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("base", nargs="?", default="HEAD", help="the revision before (HEAD)")
    parser.add_argument("head", nargs="?", help="the revision after (default: the working tree)")
    parser.add_argument("--format", choices=("text", "markdown", "json"), default="text")
    options.site_filter(parser)


def run(args: argparse.Namespace, paths: Paths) -> int:
    from pyherd.review import compare, facts, markdown, text

    top, prefix = _repository(paths.project)
    with tempfile.TemporaryDirectory(prefix="pyherd-review-") as tmp:
        before = _side(top, prefix, args.base, Path(tmp) / "base", paths)
        after = _side(top, prefix, args.head, Path(tmp) / "head", paths)
        names = sorted(set(before[1]) | set(after[1]))
        if args.site:
            names = [n for n in names if n in args.site]
        loaded = [
            _load(side, names, rev or "working tree")
            for side, rev in ((before, args.base), (after, args.head))
        ]
        changes = []
        for name in names:
            facts_of = []
            for side, items in zip((before, after), loaded, strict=True):
                item = items.get(name)
                facts_of.append(None if item is None else facts(item, _rendered(side[0], item)))
            changes.append(compare(name, *facts_of))
    head = args.head or "working tree"
    if args.format == "json":
        body = {"base": args.base, "head": head, "sites": [c.as_json() for c in changes]}
        print(json.dumps(body, indent=1))
    elif args.format == "markdown":
        print(markdown(changes, args.base, head), end="")
    else:
        print(text(changes, args.base, head), end="")
    return 0


def _repository(project: Path) -> tuple[Path, str]:
    """The git repository holding the project, and the project's path inside it."""
    try:
        found = subprocess.run(
            ["git", "-C", str(project), "rev-parse", "--show-toplevel", "--show-prefix"],
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
    except OSError as exc:
        raise ConfigError(f"git: cannot run it: {exc.strerror}") from None
    if found.returncode != 0:
        raise ConfigError(f"{project}: not in a git repository ({found.stderr.strip()})")
    top, prefix = [*found.stdout.splitlines(), ""][:2]
    return Path(top), prefix


def _side(
    top: Path, prefix: str, rev: str | None, dest: Path, paths: Paths
) -> tuple[Paths, list[str]]:
    """The project's Paths at `rev` (None: as it is on disk) and its site names."""
    if rev is None:
        return paths, site_names(paths.sites) if paths.sites.is_dir() else []
    if rev.startswith("-"):
        raise ConfigError(Problem("BASE/HEAD", None, "", f"{rev!r} is not a revision"))
    wanted = [f"{prefix}sites", f"{prefix}templates"]
    listed = subprocess.run(
        ["git", "-C", str(top), "ls-tree", "--name-only", f"{rev}^{{tree}}", "--", *wanted],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    if listed.returncode != 0:
        raise ConfigError(Problem(rev, None, "", f"not a revision here: {listed.stderr.strip()}"))
    present = listed.stdout.splitlines()
    dest.mkdir(parents=True)
    if present:
        archive = subprocess.run(
            ["git", "-C", str(top), "archive", "--format=tar", rev, "--", *present],
            capture_output=True, timeout=600,
        )  # fmt: skip
        if archive.returncode != 0:
            raise ConfigError(Problem(rev, None, "", archive.stderr.decode(errors="replace")))
        with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
            try:  # the "data" filter: no absolute path, no '..', no link leaving the tree
                tar.extractall(dest, filter="data")
            except tarfile.FilterError as exc:
                raise ConfigError(Problem(rev, None, "", f"refused: {exc}")) from None
    base = dest / prefix
    templates = base / "templates"
    side = Paths(
        sites=base / "sites",
        templates=templates if templates.is_dir() else SHIPPED_TEMPLATES,
        out=base / "modulefiles",
        project=base,
    )
    return side, site_names(side.sites) if side.sites.is_dir() else []


def _rendered(paths: Paths, item: Loaded) -> dict[str, str]:
    """The site's files, with a revision's temporary directory spelled as the project (a
    template naming its site file names it the same on both sides)."""
    files = rendered(paths, item)
    if not paths.project.is_absolute():  # the working tree: as it is
        return files
    root = f"{paths.project}/"
    return {rel: text.replace(root, "") for rel, text in files.items()}


def _load(side: tuple[Paths, list[str]], names: list[str], rev: str) -> dict:
    """The named sites present on this side, loaded; a problem names the revision."""
    paths, present = side
    wanted = [n for n in names if n in present]
    if not wanted:
        return {}
    try:
        return {item.site.name: item for item in load_sites(paths, wanted)}
    except ConfigError as exc:
        root = f"{paths.project}/"
        where = f"{rev}:" if rev != "working tree" else ""
        raise ConfigError(
            [p._replace(file=p.file.replace(root, where)) for p in exc.problems]
        ) from None
