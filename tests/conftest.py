"""Shared fixtures: the real module tools and helpers to render sites into temp dirs."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pyherd import moduletools
from pyherd.moduletools.runner import Runner

ROOT = Path(__file__).resolve().parent.parent
MODULEFILES = ROOT / "modulefiles"
PYHERD = [sys.executable, "-m", "pyherd"]
TEMPLATES = ROOT / "tools/pyherd/templates"  # the templates pyherd ships
# a stand-in for ULHPC's EasyBuild tree, holding the modules sites/ulhpc.yaml names as externals
EASYBUILD = ROOT / "tests/externals/easybuild"


@pytest.fixture(scope="session")
def lmod() -> Runner:
    tool = moduletools.tool("lmod").runner(required=False)
    if tool is None:
        pytest.fail("Lmod is not installed: run `make test`, which installs it")
    return tool


@pytest.fixture(scope="session")
def modulecmd() -> Runner:
    tool = moduletools.tool("environment-modules").runner(required=False)
    if tool is None:
        pytest.fail("modulecmd.tcl not found: run `make test`, which unpacks it")
    return tool


@pytest.fixture(scope="session")
def cluster(tmp_path_factory: pytest.TempPathFactory):
    """A one-node Slurm cluster (tests/slurmcluster.py), shared by the Slurm tests."""
    from slurmcluster import SlurmCluster

    c = SlurmCluster(tmp_path_factory.mktemp("slurm"))
    try:
        c.start()
        yield c
    finally:
        c.stop()


def lmod_env(site: str, root: Path = MODULEFILES) -> dict[str, str]:
    """What the site's profile.d snippet gives Lmod: its rc file and its admin file."""
    env = {}
    for name, var in (("lmodrc.lua", "LMOD_RC"), ("admin.list", "LMOD_ADMIN_FILE")):
        path = root / "etc" / site / name
        if path.is_file():
            env[var] = str(path)
    return env


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
        extras = ROOT / "sites" / name  # environment files, template overrides
        if extras.is_dir():
            shutil.copytree(extras, sites / name, dirs_exist_ok=True)
    for name, text in files.items():
        (sites / f"{name.replace('_', '-')}.yaml").write_text(text)
    return sites


def override_footer(sites: Path, site: str, footer: str) -> None:
    """A site template that extends the project's Lua module template and fills `footer`."""
    override = sites / site / "templates" / "lmod"
    override.mkdir(parents=True)
    (override / "module.lua.j2").write_text(
        '{% extends "base/lmod/module.lua.j2" %}\n'
        f"{{% block footer %}}\n{footer}{{% endblock %}}\n"
    )


def lint_tmp(tmp_path: Path, site: str, *extra: str):
    """`pyherd lint` over a tree rendered into tmp_path/out."""
    return run_pyherd(
        "lint",
        "--site",
        site,
        "--out",
        "out",
        "--templates",
        str(TEMPLATES),
        *extra,
        cwd=tmp_path,
    )


def render_sites(tmp_path: Path, *names: str) -> Path:
    """Render sites from tmp_path/sites into tmp_path/out with the real templates."""
    out = tmp_path / "out"
    args = ["render", "--sites", "sites", "--templates", str(TEMPLATES), "--out", "out"]
    for name in names:
        args += ["--site", name]
    result = run_pyherd(*args, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    return out


def base_python() -> Path:
    """The interpreter behind the test venv: a real install, not a virtualenv."""
    return Path(os.path.realpath(getattr(sys, "_base_executable", sys.executable)))


def fake_prefix(root: Path, version: str) -> Path:
    """A python install prefix whose bin/python is the real base interpreter."""
    bindir = root / "python" / version / "bin"
    bindir.mkdir(parents=True)
    (bindir / "python").symlink_to(base_python())
    (bindir / "python3").symlink_to(base_python())
    pip = bindir / "pip"
    pip.write_text('#!/bin/sh\nexec "$(dirname "$0")/python" -m pip "$@"\n')
    pip.chmod(0o755)
    return root


def process_state(pid: int) -> str:
    """A process's state letter from /proc (T: stopped), or "" once it is gone."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return ""
