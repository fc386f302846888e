"""Shared fixtures: the real module tools and helpers to render sites into temp dirs."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pyherd import moduletool

ROOT = Path(__file__).resolve().parent.parent
MODULEFILES = ROOT / "modulefiles"
PYHERD = [sys.executable, "-m", "pyherd"]


@pytest.fixture(scope="session")
def lmod() -> moduletool.ModuleTool:
    tool = moduletool.lmod(required=False)
    if tool is None:
        pytest.fail("Lmod is not installed: run `make test`, which installs it")
    return tool


@pytest.fixture(scope="session")
def modulecmd() -> moduletool.ModuleTool:
    tool = moduletool.modulecmd(required=False)
    if tool is None:
        pytest.fail("modulecmd.tcl not found: run `make test`, which unpacks it")
    return tool


def lmod_env(site: str, root: Path = MODULEFILES) -> dict[str, str]:
    rc = root / "etc" / site / "lmodrc.lua"
    return {"LMOD_RC": str(rc)} if rc.is_file() else {}


def run_pyherd(*args: str, cwd: Path = ROOT, env: dict[str, str] | None = None):
    full_env = {**os.environ, **(env or {})}
    full_env["PYTHONPATH"] = str(ROOT / "tools")
    return subprocess.run(
        [*PYHERD, *args], cwd=cwd, capture_output=True, text=True, env=full_env, timeout=600
    )


def make_sites(tmp_path: Path, *copy: str, **files: str) -> Path:
    """A sites/ dir in tmp_path with some real site files copied and extra ones written."""
    sites = tmp_path / "sites"
    sites.mkdir(exist_ok=True)
    for name in copy:
        shutil.copy(ROOT / "sites" / f"{name}.yaml", sites / f"{name}.yaml")
    for name, text in files.items():
        (sites / f"{name.replace('_', '-')}.yaml").write_text(text)
    return sites


def render_sites(tmp_path: Path, *names: str) -> Path:
    """Render sites from tmp_path/sites into tmp_path/out with the real templates."""
    out = tmp_path / "out"
    args = ["render", "--sites", "sites", "--templates", str(ROOT / "templates"), "--out", "out"]
    for name in names:
        args += ["--site", name]
    result = run_pyherd(*args, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    return out
