"""`pyherd lint`: the real tools check syntax and load + unload every module."""

from __future__ import annotations

from conftest import EASYBUILD, lint_tmp, make_sites, override_footer, render_sites, run_pyherd


def test_every_committed_tree_lints_clean():
    result = run_pyherd("lint", "--modulepath", str(EASYBUILD))
    assert result.returncode == 0, result.stderr
    assert "not checked" not in result.stdout + result.stderr
    for site in ("triton", "ozstar", "iqhpc", "iceberg", "ulhpc", "alliance"):
        assert f"{site}: " in result.stdout and "load and unload cleanly" in result.stdout


def test_lint_reports_a_module_that_leaves_the_environment_changed(tmp_path):
    sites = make_sites(tmp_path, "triton")
    # Only on load: the unload cannot undo it, which is exactly what lint must catch.
    override_footer(
        sites,
        "triton",
        '{% if module.key == "miniconda" %}\n'
        'if mode() == "load" then setenv("LEAKY", "1") end\n'
        "{% endif %}\n",
    )
    render_sites(tmp_path, "triton")
    result = lint_tmp(tmp_path, "triton")
    assert result.returncode == 1
    assert "miniconda/24.1.2 (lmod): unload left LEAKY changed: None -> '1'" in result.stderr
    assert "anaconda/2024-01" not in result.stderr


def test_lint_reports_a_syntax_error(tmp_path):
    make_sites(tmp_path, "ulhpc")
    out = render_sites(tmp_path, "ulhpc")
    broken = out / "ulhpc/lang/Python/3.8.6-GCCcore-10.2.0.lua"
    broken.write_text(broken.read_text() + 'setenvv("X", "1")\n')
    result = lint_tmp(tmp_path, "ulhpc")
    assert result.returncode == 1
    assert "check_module_tree_syntax" in result.stderr
    assert "lang/Python/3.8.6-GCCcore-10.2.0" in result.stderr
