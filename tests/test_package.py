"""pyherd as an admin installs it: the wheel, in a fresh venv outside the repository,
starting a site repository with `pyherd init` and working in it from any directory."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

from conftest import ROOT, TEMPLATES
from wheelbuild import BUILD_WHEELS


def _clean_env(home: Path) -> dict[str, str]:
    """No PYTHONPATH, no venv, no checkout on the path: what an admin's shell has."""
    keep = ("PATH", "LANG", "LC_ALL", "PYHERD_MODULECMD_TCL")
    env = {k: v for k, v in os.environ.items() if k in keep}
    return {**env, "HOME": str(home)}


def test_the_installed_wheel_starts_a_site_repository_that_renders_and_loads(tmp_path: Path, lmod):
    env = _clean_env(tmp_path)
    dist = tmp_path / "dist"
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-index",
         "--find-links", str(BUILD_WHEELS), "-w", str(dist), str(ROOT)],
        capture_output=True, text=True, env=env, timeout=600,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr
    (wheel,) = dist.glob("pyherd-*.whl")
    shipped = {f"pyherd/{p.relative_to(ROOT / 'tools/pyherd')}" for p in (TEMPLATES).rglob("*.j2")}
    assert shipped and shipped <= set(zipfile.ZipFile(wheel).namelist())

    # a fresh venv; pyherd's dependencies come from the test venv's site-packages, whose
    # own .pth files (the editable checkout) are not read from there: no network needed
    admin = tmp_path / "admin-venv"
    venv.create(admin, with_pip=False)
    installed = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(admin / "bin/python"), "install", "-q",
         "--no-deps", "--no-index", str(wheel)],
        capture_output=True, text=True, env=env, timeout=600,
    )  # fmt: skip
    assert installed.returncode == 0, installed.stderr
    purelib = Path(
        subprocess.run(
            [str(admin / "bin/python"), "-c",
             "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True, text=True, check=True,
        ).stdout.strip()
    )  # fmt: skip
    (purelib / "zz-test-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    where = subprocess.run(
        [str(admin / "bin/python"), "-c", "import pyherd; print(pyherd.__file__)"],
        capture_output=True, text=True, env=env, cwd=tmp_path,
    )  # fmt: skip
    assert where.stdout.startswith(str(admin)), where  # the wheel's, not the checkout's

    pyherd = str(admin / "bin/pyherd")

    def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
        return subprocess.run([pyherd, *args], capture_output=True, text=True, env=env, cwd=cwd)

    started = run("init", "site-repo", "--tool", "lmod", "--site", "hpc", cwd=tmp_path)
    assert started.returncode == 0, started.stderr
    repo = tmp_path / "site-repo"

    checked = run("validate", cwd=repo / "sites")  # found from a subdirectory, as git does
    assert checked.returncode == 0, checked.stderr
    assert "hpc.yaml: ok" in checked.stdout
    rendered = run("render", cwd=repo / "sites")
    assert rendered.returncode == 0, rendered.stderr
    tree = repo / "modulefiles/hpc"
    assert (tree / "python/3.11.9.lua").is_file()  # under the project, not the subdirectory
    assert not (repo / "sites/modulefiles").exists()
    assert run("render", "--check", cwd=repo).returncode == 0
    linted = run("lint", "--site", "hpc", cwd=repo)
    assert linted.returncode == 0, linted.stdout + linted.stderr
    loaded = lmod.run(
        "module load python && module -t list && echo $PIP_REQUIRE_VIRTUALENV", [tree]
    )
    assert loaded.returncode == 0, loaded.stderr
    assert "python/3.11.9" in loaded.stderr and loaded.stdout.split()[-1] == "true"

    elsewhere = run("validate", cwd=tmp_path)
    assert elsewhere.returncode == 2
    assert "pyherd finds a project by its sites/ directory" in elsewhere.stderr
    named = run("validate", "--project", str(repo), cwd=tmp_path)
    assert named.returncode == 0, named.stderr
