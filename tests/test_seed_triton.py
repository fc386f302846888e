"""Seed 000 (Aalto Triton) under real Lmod."""

from __future__ import annotations

from conftest import MODULEFILES, lmod_env

TREE = MODULEFILES / "triton"


def test_module_load_anaconda_gives_the_default_anaconda(lmod):
    result = lmod.run("module load anaconda && module -t list && echo $PATH", [TREE])
    assert result.stderr.split() == ["anaconda/2024-01"]
    assert result.stdout.startswith("/share/apps/anaconda-ci/anaconda-2024-01/current/bin:")


def test_anaconda2_replaces_anaconda_through_the_python_family(lmod):
    result = lmod.run("module load anaconda; module load anaconda2; module -t list", [TREE])
    assert (
        'Lmod is automatically replacing "anaconda/2024-01" with "anaconda2/latest"'
        in result.stderr
    )
    assert result.stderr.split()[-1] == "anaconda2/latest"


def test_legacy_anaconda3_still_loads_and_says_to_use_anaconda(lmod):
    result = lmod.run("module load anaconda3 && module -t list", [TREE], env=lmod_env("triton"))
    assert result.returncode == 0
    said = " ".join(result.stderr.split())  # Lmod wraps the notice to the terminal width
    assert "anaconda3/latest: deprecated: Python 3 is now the `anaconda` module" in said
    assert "Use: module load anaconda" in said
    assert result.stderr.split()[-1] == "anaconda3/latest"


def test_miniconda_loads_the_default_and_conda_envs_stay_in_home(lmod):
    result = lmod.run("module load miniconda && echo ${CONDA_ENVS_DIRS-unset}", [TREE])
    assert result.stdout.strip() == "unset"  # conda's default: ~/.conda/envs, as the seed says


def test_pip_install_user_is_allowed(lmod):
    script = "module load anaconda; echo ${PIP_REQUIRE_VIRTUALENV-unset} ${PYTHONNOUSERSITE-unset}"
    assert lmod.run(script, [TREE]).stdout.split() == ["unset", "unset"]


def test_py_virtualenv_brings_its_python(lmod):
    result = lmod.run("module load py-virtualenv && module -t list && echo $PYTHONPATH", [TREE])
    assert result.stderr.split() == ["python/3.11.7", "py-virtualenv/20.24.5"]
    assert result.stdout.strip().endswith("py-virtualenv/20.24.5/lib/python3.11/site-packages")


def test_py_virtualenv_after_anaconda_swaps_anaconda_for_cpython(lmod):
    script = "module load anaconda; module load py-virtualenv; module -t list"
    result = lmod.run(script, [TREE])
    assert result.stderr.split()[-2:] == ["python/3.11.7", "py-virtualenv/20.24.5"]
    assert "anaconda/2024-01" not in result.stderr.split()[-2:]
