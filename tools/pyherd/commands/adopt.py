"""Take over a hand-written module tree, module by module. Put the hand-written
modulefiles where pyherd renders the site (<out>/<site>/), then run this: for each
file pyherd would write where a hand-written one is, the real module tool loads both
(in clean shells, as the admin running this). A module that changes the environment,
aliases and loaded modules the same way, or a defaults file that makes `module load`
give the same module, is adopted: the site's manifest lists it, and the next render
rewrites it in pyherd's spelling. The rest is listed with what differs, to resolve
in the site file (or by removing the hand-written file). Nothing in the tree is
written; a link in it is refused.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from pyherd import options
from pyherd.adopt import effects
from pyherd.errors import printable
from pyherd.layout import SiteLayout, unlinked
from pyherd.moduletools import language
from pyherd.moduletools import tool as module_tool
from pyherd.project import Paths, load_one, rendered
from pyherd.writer import own, read_manifest


def add_arguments(parser: argparse.ArgumentParser) -> None:
    options.site(parser, "the site whose tree holds the hand-written modulefiles")
    options.out(parser)
    options.dry_run(parser, "say what would be adopted; write nothing")


def run(args: argparse.Namespace, paths: Paths) -> int:
    from pyherd.modulefiles import render_lock

    item = load_one(paths, args.site)
    site, model = item.site, item.model
    layout = SiteLayout(site.name)
    files = rendered(paths, item)
    owned = set(read_manifest(paths.out, layout))
    tool = module_tool(site.module_tool)
    lang = language(site.syntax)
    extension = lang.extension
    by_file = {layout.module_file(spec.path, extension): spec.full_name for spec in model.modules}
    rc_names: dict[str, list[str]] = {}  # rc file: the names whose `module load` it decides
    for rc in model.rcs:
        rel = layout.in_tree(rc.directory, lang.rc_file(rc)[0])
        short = model.short(rc)
        rc_names[rel] = [short, *(f"{short}/{alias}" for _, alias in rc.aliases)]
    mine = [
        rel
        for rel in sorted(files)
        if rel.startswith(f"{layout.tree}/") and rel not in owned
        and unlinked(paths.out, rel).is_file()
    ]  # fmt: skip
    runner = tool.runner()
    assert runner is not None
    loads = sorted({by_file[r] for r in mine if r in by_file} |
                   {n for r in mine for n in rc_names.get(r, ())})  # fmt: skip
    tree = paths.out / layout.tree
    with tempfile.TemporaryDirectory(prefix="pyherd-adopt-") as tmp:
        for rel, text in files.items():
            if rel.startswith(f"{layout.tree}/"):
                target = Path(tmp) / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(text)
        theirs = effects(runner, _modulepath(tree.resolve(), model.subdir), loads, {})
        ours = effects(runner, _modulepath(Path(tmp) / layout.tree, model.subdir), loads, {})
    adopted, differing = [], []
    for rel in mine:
        if rel in by_file:
            names = [by_file[rel]]
        elif rel in rc_names:
            names = rc_names[rel]
        else:
            names = []
        if names:
            why = [d for n in names for d in theirs[n].differences(ours[n])]
        else:
            same = (paths.out / rel).read_bytes() == files[rel].encode()
            why = [] if same else ["its text differs"]
        (differing if why else adopted).append((rel, why))
    for rel, _ in adopted:
        print(f"{paths.out / rel}: the same under {tool.title}: "
              f"{'would be ' if args.dry_run else ''}adopted")  # fmt: skip
    for rel, why in differing:
        print(f"{paths.out / rel}: differs: {printable('; '.join(why))}")
    if adopted and not args.dry_run:
        with render_lock(paths.out):
            own(paths.out, layout, [rel for rel, _ in adopted])
    print(f"{site.name}: {len(adopted)} adopted, {len(differing)} differ"
          f"{' (dry run)' if args.dry_run else ''}; {len(owned)} already pyherd's"
          + ("; resolve the differences, then `pyherd render`" if differing else ""))  # fmt: skip
    return 0


def _modulepath(tree: Path, subdir: str) -> Path:
    """What MODULEPATH names for a site's tree (its naming scheme's directory in it)."""
    return tree / subdir if subdir else tree
