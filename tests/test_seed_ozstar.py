"""Seed 001 (Swinburne OzSTAR / NT) under real Lmod."""

from __future__ import annotations

from conftest import MODULEFILES

TREE = MODULEFILES / "ozstar"


def test_spider_python_lists_full_and_bare_versions(lmod):
    result = lmod.run("module spider python", [TREE])
    for version in ("python/3.10.4", "python/3.10.4-bare", "python/3.11.3", "python/3.11.3-bare"):
        assert version in result.stderr


def test_spider_on_one_version_shows_its_included_packages(lmod):
    full = lmod.run("module spider python/3.10.4", [TREE]).stderr
    assert "numpy/1.22.3" in full and "virtualenv/20.14.1" in full
    bare = lmod.run("module spider python/3.10.4-bare", [TREE]).stderr
    assert "pip/22.0.4" in bare and "numpy" not in bare


def test_python_scientific_loads_its_python_and_provides_scipy(lmod):
    result = lmod.run("ml load python-scientific/3.10.4-foss-2022a && module -t list", [TREE])
    assert result.stderr.split() == ["python/3.10.4", "python-scientific/3.10.4-foss-2022a"]
    spider = lmod.run("ml spider python-scientific/3.10.4-foss-2022a", [TREE]).stderr
    assert "scipy/1.8.1" in spider and "ipython/8.5.0" in spider


def test_pip_refuses_outside_a_venv_by_default(lmod):
    result = lmod.run("module load python; echo $PIP_REQUIRE_VIRTUALENV", [TREE])
    assert result.stdout.strip() == "true"


def test_conda_module_is_mamba_with_conda_forge_and_home_dirs(lmod):
    script = "module load conda && echo $CONDA_CHANNELS && echo $CONDA_ENVS_DIRS $CONDA_PKGS_DIRS"
    result = lmod.run(script, [TREE], {"HOME": "/home/alice"})
    channels, dirs = result.stdout.strip().splitlines()
    assert channels == "conda-forge"
    assert dirs.split() == ["/home/alice/.conda/envs", "/home/alice/.conda/pkgs"]
    path = lmod.run("module load conda && echo $PATH", [TREE]).stdout
    assert path.startswith("/apps/conda/mambaforge-23.3.1/current/bin:")


def test_bare_versions_describe_themselves_as_minimal(lmod):
    """Per-version whatis: the seed says the -bare versions are a minimal installation."""
    for version, word in (("3.10.4-bare", "minimal"), ("3.10.4", "commonly used")):
        result = lmod.run(f"module whatis python/{version}", [TREE])
        assert word in result.stderr, result.stderr
        other = "commonly used" if word == "minimal" else "minimal"
        assert other not in result.stderr
