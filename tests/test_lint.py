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


def test_many_modules_per_tool_shell_find_each_seeded_finding_and_no_other(tmp_path):
    """Lint batches modules into a few tool shells on every core: each module is still
    judged alone (one seeded leak per 100 modules, found at exactly its module)."""
    lines = ["module_tool: lmod", "modules:"]
    lines += [
        f"  m{k:03d}: {{versions: ['1.0', '2.0'], prefix: /opt/m{k:03d}}}" for k in range(120)
    ]
    # in a batch of its own, away from what it loads: its batch's view must hold m000 too
    lines.append("  uses: {versions: ['1.0'], prefix: /opt/uses, requires: [m000/2.0]}")
    sites = make_sites(tmp_path, big="\n".join(lines) + "\n")
    seeded = ["m007/2.0", "m107/1.0", "m063/1.0"]
    override_footer(
        sites,
        "big",
        "{% if module.full_name in " + repr(seeded) + " %}\n"
        'if mode() == "load" then setenv("SEEDED", "{{ module.full_name }}") end\n'
        "{% endif %}\n",
    )
    render_sites(tmp_path, "big")
    result = lint_tmp(tmp_path, "big")
    assert result.returncode == 1
    found = [line for line in result.stderr.splitlines() if line.startswith("big: ")]
    assert found == [
        f"big: {name} (lmod): unload left SEEDED changed: None -> {name!r}"
        for name in sorted(seeded)
    ]
    assert "pyherd lint: 3 lint finding(s)" in result.stderr
