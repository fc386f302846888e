"""Lint rendered trees with the real tools: syntax, then load + unload each module.

Each site's tree is checked by its own module tool's plug-in: its syntax check, and
a load and unload of every module by the tool itself (Lmod keeps one module per
short name, so a tree laid out for Environment Modules, iceberg's apps/python/*,
cannot be judged by Lmod's load semantics).
"""

from __future__ import annotations

import shlex
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from pyherd.layout import SiteLayout
from pyherd.model import SiteModel
from pyherd.moduletools import tool
from pyherd.moduletools.runner import Runner
from pyherd.project import Loaded, Paths, load_sites
from pyherd.site import Site

# Bookkeeping the tools keep for themselves; everything else must be restored on unload.
_TOOL_VARS = ("__LMOD", "_ModuleTable", "LMOD_", "__MODULES_", "MODULES_", "_LMFILES_")
_TOOL_NAMES = {"LOADEDMODULES", "MODULEPATH", "MODULESHOME", "_", "SHLVL", "PWD", "OLDPWD"}

_PROBE = """
snap() {{ env -0 > "$1.env"; alias -p > "$1.alias"; declare -F > "$1.func"; }}
snap {dir}/before
module load {name} || {{ echo "LOAD FAILED" >&2; exit 10; }}
snap {dir}/loaded
module unload {name} || {{ echo "UNLOAD FAILED" >&2; exit 11; }}
snap {dir}/after
"""


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


def lint_sites(paths: Paths, names: list[str] | None) -> Iterator[tuple[Loaded, list[Finding]]]:
    """Each named site (all when None) with its findings, one site at a time."""
    for item in load_sites(paths, names):
        with tempfile.TemporaryDirectory(prefix="pyherd-lint-") as work:
            yield item, lint_site(item.site, item.model, paths.out, Path(work))


def lint_site(site: Site, model: SiteModel, out_root: Path, workdir: Path) -> list[Finding]:
    layout = SiteLayout(site.name)
    modulepath = (out_root / layout.modulepath(model.subdir)).resolve()
    plugin = tool(site.module_tool)
    env = plugin.tool_env(layout, out_root)
    findings: list[Finding] = []
    syntax = plugin.check_syntax(modulepath, env)
    if syntax.returncode != 0 or "No errors found" not in syntax.stdout + syntax.stderr:
        text = (syntax.stdout + syntax.stderr).strip()
        findings.append(Finding(str(modulepath), f"check_module_tree_syntax: {text}"))
    runner = plugin.runner()
    assert runner is not None
    for spec in model.modules:
        findings.extend(_load_unload(runner, spec.full_name, modulepath, env, workdir))
    return findings


def _load_unload(
    runner: Runner, name: str, modulepath: Path, env: dict[str, str], workdir: Path
) -> list[Finding]:
    label = f"{name} ({runner.kind})"
    snap = workdir / name.replace("/", "_")
    snap.mkdir(parents=True, exist_ok=True)
    script = _PROBE.format(dir=shlex.quote(str(snap)), name=shlex.quote(name))
    result = runner.run(script, [modulepath], env)
    if result.returncode != 0:
        return [Finding(label, f"load/unload failed: {result.stderr.strip()[-800:]}")]
    if "error" in result.stderr.lower():
        return [Finding(label, f"the tool reported an error: {result.stderr.strip()[-800:]}")]
    findings = []
    before, after = _env(snap / "before.env"), _env(snap / "after.env")
    for key in sorted(set(before) | set(after)):
        if before.get(key) != after.get(key):
            findings.append(
                Finding(
                    label, f"unload left {key} changed: {before.get(key)!r} -> {after.get(key)!r}"
                )
            )
    for kind in ("alias", "func"):
        extra = set((snap / f"after.{kind}").read_text().splitlines()) - set(
            (snap / f"before.{kind}").read_text().splitlines()
        )
        findings.extend(Finding(label, f"unload left {line}") for line in sorted(extra))
    return findings
