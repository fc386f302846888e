"""Lint rendered trees with the real tools: syntax, then load + unload each module.

Each site's tree is checked by its own module tool's plug-in: its syntax check, and
a load and unload of every module by the tool itself (Lmod keeps one module per
short name, so a tree laid out for Environment Modules, iceberg's apps/python/*,
cannot be judged by Lmod's load semantics).

Each module is loaded and unloaded in its own subshell of a tool shell that serves a
batch of modules, with a shell per core; its snapshots before the load and after the
unload are compared alone. In a large tree each batch loads from its own view of the
tree (in a hierarchy, through the tool's cache), and the syntax check runs beside. A
module that needs an external module pyherd does not render is loaded against the
external's tree when it is here, else listed as not checked; a hierarchy's module is
loaded after its compiler (and MPI).
"""

from __future__ import annotations

import contextlib
import os
import shlex
import subprocess
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from pyherd.errors import ConfigError
from pyherd.layout import SiteLayout
from pyherd.model import DependsOn, ModuleSpec, SiteModel
from pyherd.moduletools import tool
from pyherd.moduletools.runner import Runner
from pyherd.progress import Progress
from pyherd.project import Loaded, Paths, load_sites
from pyherd.site import Site

# Bookkeeping the tools keep for themselves; everything else must be restored on unload.
_TOOL_VARS = ("__LMOD", "_ModuleTable", "LMOD_", "__MODULES_", "MODULES_", "_LMFILES_")
_TOOL_NAMES = {"LOADEDMODULES", "MODULEPATH", "MODULESHOME", "_", "SHLVL", "PWD", "OLDPWD"}

_SNAP = 'snap() { env -0 > "$1.env"; alias -p > "$1.alias"; declare -F > "$1.func"; }\n'
# one module, in a subshell of the batch's shell: what it loads is gone when it ends; its
# "before" is the batch shell's, taken once, unless it loads its compiler (and MPI) first
_ONE = """(
{first}
module load {name} || {{ echo "LOAD FAILED" >&2; exit 10; }}
module unload {name} || {{ echo "UNLOAD FAILED" >&2; exit 11; }}
snap {dir}/after
) 2> {dir}/stderr; echo $? > {dir}/status
"""
BATCH = 20  # modules per tool shell at most; batches run on every core
FAST_FROM = 100  # modules: from here a view per batch (a hierarchy: the tool cache) pays off


@dataclass(frozen=True)
class Finding:
    module: str
    message: str

    def __str__(self) -> str:
        return f"{self.module}: {self.message}"


def _env(path: Path) -> dict[str, str]:
    out = {}
    for item in path.read_bytes().split(b"\0"):
        if b"=" in item:
            key, _, value = item.decode("utf-8", "replace").partition("=")
            if not key.startswith(_TOOL_VARS) and key not in _TOOL_NAMES and value != "":
                out[key] = value
    return out


@dataclass
class Linted:
    """One site's lint: what failed, and the loads it could not check."""

    findings: list[Finding]
    unchecked: list[Finding]


def lint_sites(
    paths: Paths, names: list[str] | None, external_paths: tuple[Path, ...] = ()
) -> Iterator[tuple[Loaded, Linted]]:
    """Each named site (all when None) with its lint, one site at a time; `external_paths`
    hold the modules the sites' externals name."""
    for item in load_sites(paths, names):
        with tempfile.TemporaryDirectory(prefix="pyherd-lint-") as work:
            yield item, lint_site(item.site, item.model, paths.out, Path(work), external_paths)


def lint_site(
    site: Site,
    model: SiteModel,
    out_root: Path,
    workdir: Path,
    external_paths: tuple[Path, ...] = (),
) -> Linted:
    layout = SiteLayout(site.name)
    modulepath = (out_root / layout.modulepath(model.subdir)).resolve()
    plugin = tool(site.module_tool)
    env = plugin.tool_env(layout, out_root)
    findings: list[Finding] = []
    # the syntax check walks the tree in one process: beside the loads, on a core of its own
    checking = ThreadPoolExecutor(max_workers=1, thread_name_prefix="syntax")
    syntax_run = checking.submit(plugin.check_syntax, modulepath, env)
    checking.shutdown(wait=False)
    runner = plugin.runner()
    assert runner is not None
    reachable, away = _external_paths(site, external_paths)
    unchecked: list[Finding] = []
    loadable: list[ModuleSpec] = []
    for spec in model.modules:
        missing = [name for name in externals_needed(model, site, spec) if name in away]
        if missing:
            unchecked.append(Finding(spec.full_name, _unchecked(site, missing)))
        else:
            loadable.append(spec)
    paths = [modulepath, *reachable]
    views = None
    if len(loadable) >= FAST_FROM and any(spec.after or spec.level for spec in loadable):
        env = {**env, **plugin.fast_loads(paths, env, workdir)}
    elif len(loadable) >= FAST_FROM:
        views = _Views(model, modulepath, workdir / "views")
    loads = load_unload_all(runner, loadable, paths, env, workdir, site.name, views)
    syntax = syntax_run.result()
    if syntax.returncode != 0 or "No errors found" not in syntax.stdout + syntax.stderr:
        text = (syntax.stdout + syntax.stderr).strip()
        findings.append(Finding(str(modulepath), f"check_module_tree_syntax: {text}"))
    return Linted(findings + loads, unchecked)


class _Views:
    """A batch's own modulepath: links to the directories of its modules and of the
    site's modules they load, and the tree's top-level rc files. A load in it reads a few
    directories instead of the whole tree: in a 1,000-module tree a load took 30 ms
    against 46 ms with Lmod's spider cache. Only for a tree without a hierarchy, whose
    modules find their level from where their file is."""

    def __init__(self, model: SiteModel, modulepath: Path, where: Path):
        self.model = model
        self.modulepath = modulepath
        self.where = where
        entries = sorted(os.listdir(modulepath)) if modulepath.is_dir() else []
        self.hidden = [name for name in entries if name.startswith(".")]
        self.by_top: dict[str, list[str]] = {}
        for name in entries:
            self.by_top.setdefault(name.removesuffix(".lua"), []).append(name)

    def make(self, number: int, specs: list[ModuleSpec]) -> Path:
        view = self.where / str(number)
        view.mkdir(parents=True)
        tops: set[str] = set()
        for spec in specs:
            for one in _closure(self.model, spec):
                tops.add(one.full_name.split("/")[0])
        for name in self.hidden + [e for top in sorted(tops) for e in self.by_top.get(top, [])]:
            if not (view / name).exists():
                (view / name).symlink_to(self.modulepath / name)
        return view


def load_unload_all(
    runner: Runner,
    specs: list[ModuleSpec],
    modulepath: list[Path],
    env: dict[str, str],
    workdir: Path,
    label: str = "",
    views: _Views | None = None,
) -> list[Finding]:
    """Load and unload every module, many per tool shell and a shell per core, with
    progress at a terminal; the findings in the modules' order. With `views`, each batch
    loads from its own view in place of the first modulepath entry."""
    if not specs:
        return []
    workers = max(1, min(os.cpu_count() or 1, len(specs)))
    size = max(1, min(BATCH, -(-len(specs) // (workers * 2))))
    batches = [list(range(i, min(i + size, len(specs)))) for i in range(0, len(specs), size)]
    progress = Progress()
    done = 0

    def run_batch(batch: list[int]) -> list[Finding]:
        shared = workdir / f"batch-{batch[0]}"
        script = _SNAP + f"snap {shlex.quote(str(shared))}\n"
        script += "".join(_one(specs[i], workdir / str(i)) for i in batch)
        for i in batch:
            (workdir / str(i)).mkdir(parents=True, exist_ok=True)
        path = modulepath
        if views is not None:
            path = [views.make(batch[0], [specs[i] for i in batch]), *modulepath[1:]]
        # a batch that does not finish in time: its modules with no status are findings
        with contextlib.suppress(subprocess.TimeoutExpired):
            runner.run(script, path, env, timeout=60 + 10 * len(batch))
        return [
            finding
            for i in batch
            for finding in _judge(
                f"{specs[i].full_name} ({runner.kind})",
                workdir / str(i),
                workdir / str(i) / "before" if specs[i].after else shared,
            )
        ]

    findings: list[Finding] = []
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="lint") as pool:
        for batch, found in zip(batches, pool.map(run_batch, batches), strict=True):
            findings += found
            done += len(batch)
            progress.step(f"lint {label}: {done}/{len(specs)} modules loaded and unloaded")
    return findings


def _external_paths(site: Site, given: tuple[Path, ...]) -> tuple[list[Path], set[str]]:
    """The external trees found here (those given, then the site's that exist), and the
    externals that none of them can stand for."""
    found = [path.resolve() for path in given]
    away: set[str] = set()
    for name, external in site.externals.items():
        path = Path(external.modulepath) if external.modulepath else None
        if path is not None and path.is_dir():
            if path.resolve() not in found:
                found.append(path.resolve())
        elif not given:
            away.add(name)
    return found, away


def externals_needed(model: SiteModel, site: Site, spec: ModuleSpec) -> list[str]:
    """The externals a module loads, itself or through the site's modules it loads."""
    out: list[str] = []
    for one in _closure(model, spec):
        for op in one.ops:
            if not isinstance(op, DependsOn):
                continue
            owner = next((e for e in site.externals.values() if e.accepts(op.module)), None)
            if owner is not None and owner.name not in out:
                out.append(owner.name)
    return out


def _closure(model: SiteModel, spec: ModuleSpec) -> list[ModuleSpec]:
    """The module and the site's modules it loads, theirs included."""
    found: dict[str, ModuleSpec] = {}
    todo = [spec]
    while todo:
        one = todo.pop()
        if one.full_name in found:
            continue
        found[one.full_name] = one
        for op in one.ops:
            if isinstance(op, DependsOn):
                with contextlib.suppress(ConfigError):  # an external, or not the site's
                    todo.append(model.find(op.module))
    return list(found.values())


def _unchecked(site: Site, missing: list[str]) -> str:
    where = "; ".join(
        f"{name} (externals.{name}.modulepath "
        + (
            f"{site.externals[name].modulepath} is not here)"
            if site.externals[name].modulepath
            else "is not set)"
        )
        for name in missing
    )
    return f"not loaded: it needs {where}; give that tree with --modulepath DIR"


def _one(spec: ModuleSpec, snap: Path) -> str:
    """One module's load and unload; a hierarchy's compiler (and MPI) are loaded first."""
    first = " ".join(shlex.quote(n) for n in spec.after)
    where = shlex.quote(str(snap))
    prelude = (
        f'module load {first} || {{ echo "LOAD FAILED: {first}" >&2; exit 10; }}\n'
        f"snap {where}/before"
    )
    return _ONE.format(dir=where, name=shlex.quote(spec.full_name), first=prelude if first else "")


def _judge(label: str, snap: Path, before_at: Path) -> list[Finding]:
    """What one module's snapshots say: a failed load or unload, an error the tool
    reported, or what its unload left behind (against the snapshot `before_at`)."""
    status = snap / "status"
    stderr = (snap / "stderr").read_text(errors="replace") if (snap / "stderr").is_file() else ""
    code = status.read_text().strip() if status.is_file() else ""
    if not code:
        return [Finding(label, f"load/unload gave no answer in time: {stderr.strip()[-800:]}")]
    if code != "0":
        return [Finding(label, f"load/unload failed: {stderr.strip()[-800:]}")]
    if "error" in stderr.lower():
        return [Finding(label, f"the tool reported an error: {stderr.strip()[-800:]}")]
    findings = []
    before, after = _env(before_at.with_name(before_at.name + ".env")), _env(snap / "after.env")
    for key in sorted(set(before) | set(after)):
        if before.get(key) != after.get(key):
            findings.append(
                Finding(
                    label, f"unload left {key} changed: {before.get(key)!r} -> {after.get(key)!r}"
                )
            )
    for kind in ("alias", "func"):
        extra = set((snap / f"after.{kind}").read_text().splitlines()) - set(
            before_at.with_name(f"{before_at.name}.{kind}").read_text().splitlines()
        )
        findings.extend(Finding(label, f"unload left {line}") for line in sorted(extra))
    return findings
