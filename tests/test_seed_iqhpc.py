"""Seed 002 (IQ HPC Platform, Alliance software) under real Lmod."""

from __future__ import annotations

import re

from conftest import MODULEFILES, lmod_env

TREE = MODULEFILES / "iqhpc"


def avail_lines(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_avail_python_shows_versions_properties_and_series_defaults(lmod):
    result = lmod.run("module avail python", [TREE], lmod_env("iqhpc"))
    text = avail_lines(result.stderr)
    for entry in (
        "ipython-kernel/3.10 ",
        "ipython-kernel/3.11 (D)",
        "ipython-kernel/3.12 ",
        "python-build-bundle/2023b ",
        "python-build-bundle/2024a (D)",
        "python/3.10.13 (t,3.10)",
        "python/3.11.5 (t,D:3.11)",
        "python/3.12.4 (t)",
    ):
        assert entry in text, f"{entry!r} missing from:\n{result.stderr}"
    assert "t: Tools for development / Outils de développement" in text


def test_avail_scipy_stack_shows_math_property_and_default(lmod):
    text = avail_lines(lmod.run("module avail scipy-stack", [TREE], lmod_env("iqhpc")).stderr)
    assert "scipy-stack/2023b (math)" in text
    assert "scipy-stack/2024a (math)" in text
    assert "scipy-stack/2024b (math,D)" in text


def test_series_default_loads_the_patch_release(lmod):
    result = lmod.run("module load python/3.11 && module -t list", [TREE], lmod_env("iqhpc"))
    assert result.stderr.split() == ["python/3.11.5"]


def test_job_script_from_the_seed_loads_python_and_scipy_stack(lmod):
    script = (
        "module purge; module load python/3.11.5; module load scipy-stack/2024b; module -t list"
    )
    result = lmod.run(script, [TREE], lmod_env("iqhpc"))
    assert result.returncode == 0
    assert result.stderr.split() == ["python/3.11.5", "scipy-stack/2024b"]


def test_scipy_stack_keeps_the_python_already_loaded(lmod):
    script = "module load python/3.10.13 scipy-stack && module -t list && echo $PATH"
    result = lmod.run(script, [TREE], lmod_env("iqhpc"))
    assert result.stderr.split() == ["python/3.10.13", "scipy-stack/2024b"]
    assert "/python/3.10.13/bin" in result.stdout


def test_loading_a_second_python_swaps_the_first(lmod):
    script = "module load python/3.10 && module load python/3.12.4 2>/dev/null; module -t list"
    result = lmod.run(script, [TREE], lmod_env("iqhpc"))
    assert result.stderr.split() == ["python/3.12.4"]


def test_spider_lists_the_packages_scipy_stack_includes(lmod):
    result = lmod.run("module spider scipy-stack/2024b", [TREE], lmod_env("iqhpc"))
    for pkg in ("numpy/2.1.1", "scipy/1.14.1", "pandas/2.2.2", "matplotlib/3.9.2"):
        assert pkg in result.stderr


def test_spider_finds_the_module_that_provides_numpy(lmod):
    result = lmod.run("module spider numpy/2.1.1", [TREE], lmod_env("iqhpc"))
    assert "scipy-stack/2024b" in result.stderr
    assert "scipy-stack/2024a" not in result.stderr


def test_python_requires_a_virtualenv_for_pip_here(lmod):
    script = "module load python/3.11.5; echo $PIP_REQUIRE_VIRTUALENV"
    result = lmod.run(script, [TREE], lmod_env("iqhpc"))
    assert result.stdout.strip() == "true"


def test_alliance_site_lets_pip_install_outside_a_virtualenv(lmod):
    script = "module load python/3.11.5; echo ${PIP_REQUIRE_VIRTUALENV-unset}"
    result = lmod.run(script, [MODULEFILES / "alliance"], lmod_env("alliance"))
    assert result.stdout.strip() == "unset"


def test_ipython_kernel_follows_the_python_series(lmod):
    script = "module load ipython-kernel/3.10 && module -t list"
    result = lmod.run(script, [TREE], lmod_env("iqhpc"))
    assert result.stderr.split() == ["python/3.10.13", "ipython-kernel/3.10"]


def test_unload_restores_the_environment(lmod):
    script = (
        'before="$PATH"; module load python/3.11.5 scipy-stack ipython-kernel; '
        'module unload ipython-kernel scipy-stack python; [ "$PATH" = "$before" ] && echo same; '
        "echo ${PIP_REQUIRE_VIRTUALENV-unset}"
    )
    result = lmod.run(script, [TREE], lmod_env("iqhpc"))
    assert result.stdout.split() == ["same", "unset"]
