"""Seed 004 (ULHPC Iris / Aion): EasyBuild categorized names under real Lmod."""

from __future__ import annotations

from conftest import EASYBUILD, MODULEFILES

TREE = MODULEFILES / "ulhpc"
PATHS = [TREE, EASYBUILD]  # EasyBuild's GCCcore is the site's, not pyherd's (externals)


def test_avail_lang_python_lists_both_pythons(lmod):
    result = lmod.run("module -t avail lang/Python", [TREE])
    assert result.stderr.split() == [
        f"{TREE}:",
        "lang/Python/2.7.18-GCCcore-10.2.0",
        "lang/Python/3.8.6-GCCcore-10.2.0",
    ]


def test_load_python_sets_easybuild_variables_and_its_gcccore(lmod):
    script = (
        "module load lang/Python/3.8.6-GCCcore-10.2.0 && module -t list && echo $EBVERSIONPYTHON"
    )
    result = lmod.run(script, PATHS)
    assert result.stderr.split() == ["compiler/GCCcore/10.2.0", "lang/Python/3.8.6-GCCcore-10.2.0"]
    assert result.stdout.strip() == "3.8.6"


def test_scipy_bundle_shows_which_python_came_with_it(lmod):
    result = lmod.run("module load lang/SciPy-bundle && module -t list", PATHS)
    assert "lang/Python/3.8.6-GCCcore-10.2.0" in result.stderr.split()
    assert "lang/SciPy-bundle/2020.11-foss-2020b" in result.stderr.split()


def test_switching_to_python_2_replaces_python_3(lmod):
    script = (
        "module load lang/Python/3.8.6-GCCcore-10.2.0; "
        "module load lang/Python/2.7.18-GCCcore-10.2.0 2>/dev/null; module -t list"
    )
    listed = lmod.run(script, PATHS).stderr.split()
    assert "lang/Python/2.7.18-GCCcore-10.2.0" in listed
    assert "lang/Python/3.8.6-GCCcore-10.2.0" not in listed


def test_spider_scipy_bundle_lists_numpy(lmod):
    result = lmod.run("module spider lang/SciPy-bundle/2020.11-foss-2020b", [TREE])
    assert "numpy/1.19.4" in result.stderr
