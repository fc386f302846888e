"""Names are matched whole against their grammar: a valid name followed by a newline (which
modulecmd.tcl would hand to the user's shell as a command) is bad input, exit 2."""

from __future__ import annotations

import pytest

from conftest import TEMPLATES, make_sites, run_pyherd

RENDER = ["render", "--templates", str(TEMPLATES), "--out", "out"]


@pytest.mark.parametrize(
    ("fragment", "message"),
    [
        ('  tool:\n    env: {set: {"NAME\\n": x}}\n', "is not an environment variable name"),
        ('  tool:\n    env: {aliases: {"ll\\n": ls}}\n', "is not a valid name"),
        ('  tool:\n    env: {functions: {"fn\\n": "echo"}}\n', "is not a valid name"),
        ('  tool:\n    versions: ["1.0\\n"]\n', "is not a version"),
        ('  "tool\\n":\n    versions: ["1.0"]\n', "is not a module name"),
    ],
)
def test_a_name_with_a_trailing_newline_is_refused(tmp_path, fragment, message):
    """Names are matched whole: a valid name followed by a newline is not a valid name."""
    make_sites(tmp_path, s="module_tool: environment-modules\nmodules:\n" + fragment)
    result = run_pyherd(*RENDER, cwd=tmp_path)
    assert result.returncode == 2
    assert message in result.stderr
    assert not (tmp_path / "out").exists()


def test_an_arch_with_a_trailing_newline_is_refused(tmp_path):
    make_sites(
        tmp_path,
        s='module_tool: lmod\nwheelhouse:\n  root: /w\n  default_arch: "generic\\n"\nmodules: {}\n',
    )
    result = run_pyherd("validate", cwd=tmp_path)
    assert result.returncode == 2
    assert "default_arch: 'generic\\n' is not an architecture name" in result.stderr
