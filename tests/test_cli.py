"""The command line: help on every subcommand, show, exit codes."""

from __future__ import annotations

import pytest

from conftest import run_pyherd

SUBCOMMANDS = ["validate", "render", "lint", "show", "schema", "autoupdate", "cron", "wheels"]


@pytest.mark.parametrize("command", SUBCOMMANDS)
def test_every_subcommand_explains_itself(command):
    result = run_pyherd(command, "--help")
    assert result.returncode == 0
    assert f"usage: pyherd {command}" in result.stdout
    assert len(result.stdout.splitlines()) > 5


def test_top_level_help_lists_exit_codes():
    result = run_pyherd("--help")
    assert "75 another run holds the lock" in result.stdout


def test_bad_arguments_exit_2():
    assert run_pyherd("render", "--no-such-flag").returncode == 2
    assert run_pyherd("show").returncode == 2


def test_unknown_site_is_bad_input():
    result = run_pyherd("validate", "--site", "tritn")
    assert result.returncode == 2
    assert "no site 'tritn' (did you mean 'triton'?)" in result.stderr


def test_validate_all_sites():
    result = run_pyherd("validate")
    assert result.returncode == 0
    assert "sites/iceberg.yaml: ok (6 modules)" in result.stdout


def test_show_prints_the_resolved_model_of_the_default_module():
    result = run_pyherd("show", "--site", "iqhpc", "python")
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "module:  python/3.11.5"
    assert "default: yes" in lines
    assert any(line.split()[:2] == ["setenv", "name='PIP_REQUIRE_VIRTUALENV'"] for line in lines)


def test_show_resolves_an_iceberg_env_module_to_the_conda_tree():
    result = run_pyherd("show", "--site", "iceberg", "apps/python/anaconda2-2.3.0")
    assert "prefix:  /usr/local/packages6/conda/current/envs/anaconda2-2.3.0" in result.stdout
    assert "module='apps/python/conda'" in result.stdout


def test_show_unknown_module_suggests():
    result = run_pyherd("show", "--site", "iqhpc", "python/3.11.6")
    assert result.returncode == 2
    assert "did you mean 'python/3.11.5'?" in result.stderr


def test_schema_describes_every_key():
    result = run_pyherd("schema")
    for key in (
        "module_tool:",
        "python_policy:",
        "pip_require_virtualenv:",
        "shared_file:",
        "extends:",
    ):
        assert key in result.stdout
