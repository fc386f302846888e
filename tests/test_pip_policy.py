"""Per-site pip policy, checked with the real pip behind a real module load."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest

from conftest import base_python, fake_prefix, lmod_env, make_sites, render_sites

REFUSAL = "Could not find an activated virtualenv (required)."
PIP_ISOLATION = {"PIP_CONFIG_FILE": "/dev/null", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}


def probe_wheel(where: Path) -> Path:
    wheel = where / "pyherdprobe-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        zf.writestr("pyherdprobe.py", "ANSWER = 42\n")
        info = "pyherdprobe-1.0.dist-info"
        zf.writestr(f"{info}/METADATA", "Metadata-Version: 2.1\nName: pyherdprobe\nVersion: 1.0\n")
        zf.writestr(
            f"{info}/WHEEL",
            "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
        )
        zf.writestr(f"{info}/RECORD", "")
    return wheel


@pytest.fixture
def iqhpc_like(tmp_path):
    """iqhpc and alliance, with their python prefixes pointing at a real interpreter."""
    if os.system(f"{base_python()} -m pip --version >/dev/null 2>&1") != 0:
        pytest.skip(f"{base_python()} has no pip")
    root = fake_prefix(tmp_path / "easybuild", "3.11.5")
    override = f"vars:\n  easybuild: {root}\n"
    make_sites(
        tmp_path,
        "iqhpc",
        "alliance",
        test_iqhpc=f"extends: iqhpc\n{override}",
        test_alliance=f"extends: alliance\n{override}",
    )
    out = render_sites(tmp_path, "test-iqhpc", "test-alliance")
    return out, probe_wheel(tmp_path)


def test_pip_install_outside_a_venv_fails_with_pips_own_message(lmod, iqhpc_like):
    out, wheel = iqhpc_like
    result = lmod.run(
        f"module load python/3.11.5 && pip install --no-index {wheel}",
        [out / "test-iqhpc"],
        {**lmod_env("test-iqhpc", out), **PIP_ISOLATION},
    )
    assert result.returncode != 0
    assert REFUSAL in result.stderr


def test_pip_require_virtualenv_false_still_installs(lmod, iqhpc_like, tmp_path):
    out, wheel = iqhpc_like
    target = tmp_path / "target"
    result = lmod.run(
        f"module load python/3.11.5 && PIP_REQUIRE_VIRTUALENV=false "
        f"pip install --no-index --target {target} {wheel}",
        [out / "test-iqhpc"],
        {**lmod_env("test-iqhpc", out), **PIP_ISOLATION},
    )
    assert result.returncode == 0, result.stderr
    assert (target / "pyherdprobe.py").is_file()


def test_pip_installs_inside_a_venv_made_from_the_module_python(lmod, iqhpc_like, tmp_path):
    out, wheel = iqhpc_like
    venv = tmp_path / "venv"
    result = lmod.run(
        f"module load python/3.11.5 && python -m venv {venv} && source {venv}/bin/activate && "
        f"pip install --no-index {wheel} && "
        "python -c 'import pyherdprobe; print(pyherdprobe.ANSWER)'",
        [out / "test-iqhpc"],
        {**lmod_env("test-iqhpc", out), **PIP_ISOLATION},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("42")


def test_alliance_pip_installs_outside_a_venv(lmod, iqhpc_like, tmp_path):
    out, wheel = iqhpc_like
    target = tmp_path / "target"
    result = lmod.run(
        f"module load python/3.11.5 && pip install --no-index --target {target} {wheel}",
        [out / "test-alliance"],
        {**lmod_env("test-alliance", out), **PIP_ISOLATION},
    )
    assert result.returncode == 0, result.stderr
    assert (target / "pyherdprobe.py").is_file()


def test_a_site_that_chooses_pythonnousersite_hides_user_site(lmod, tmp_path):
    root = fake_prefix(tmp_path / "spack", "3.11.7")
    make_sites(
        tmp_path,
        "triton",
        strict=f"extends: triton\nvars:\n  spack: {root}\npython_policy:\n  no_user_site: true\n",
        loose=f"extends: triton\nvars:\n  spack: {root}\n",
    )
    out = render_sites(tmp_path, "strict", "loose")
    probe = "module load python/3.11.7 && python -c 'import site; print(site.ENABLE_USER_SITE)'"
    assert lmod.run(probe, [out / "strict"]).stdout.strip() == "False"
    assert lmod.run(probe, [out / "loose"]).stdout.strip() == "True"
