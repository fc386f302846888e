"""Layouts own every path: a name that would climb out of its root is refused, exit 2,
and nothing is written anywhere."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import TEMPLATES, make_sites, run_pyherd
from pyherd.conda.layout import TreeLayout
from pyherd.layout import SiteLayout, UnsafePath, join
from pyherd.wheelhouse import layout as wl

RENDER = ["render", "--templates", str(TEMPLATES), "--out", "out"]


def files_under(top: Path) -> list[str]:
    return sorted(str(p.relative_to(top)) for p in top.rglob("*"))


@pytest.mark.parametrize(
    "parts", [("..",), ("a", "../b"), ("/etc/profile.d/x.sh",), ("a//b",), ("a\nb",), ("",)]
)
def test_a_component_that_leaves_the_root_is_refused(parts):
    with pytest.raises(UnsafePath):
        join(*parts)
    with pytest.raises(UnsafePath):
        SiteLayout("s").in_tree(*parts)
    with pytest.raises(UnsafePath):
        TreeLayout(Path("/r"), "/".join(parts))
    with pytest.raises(UnsafePath):
        wl.page("generic", "/".join(parts))


def test_quotes_and_shell_words_are_just_characters_of_a_name():
    assert join("a'b", '"$(touch x)"') == 'a\'b/"$(touch x)"'


def test_a_module_name_with_dotdot_is_refused_and_nothing_is_written(tmp_path):
    make_sites(
        tmp_path,
        s='module_tool: lmod\nmodules:\n  x:\n    module: "../../escape/{version}"\n'
        '    versions: ["1"]\n',
    )
    result = run_pyherd(*RENDER, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert result.stderr.splitlines() == [
        "sites/s.yaml:4: modules.x.module: '../../escape/{version}' is not a module name template",
        "pyherd render: bad input; nothing was written",
    ]
    assert files_under(tmp_path) == ["sites", "sites/s.yaml"]


def test_a_site_file_named_dotdot_is_refused(tmp_path):
    make_sites(tmp_path, "triton")
    (tmp_path / "sites/triton.yaml").rename(tmp_path / "sites/...yaml")
    result = run_pyherd(*RENDER, cwd=tmp_path)
    assert result.returncode == 2
    assert not (tmp_path / "out").exists()


def test_a_manifest_line_outside_the_tree_is_refused_not_deleted(tmp_path):
    make_sites(tmp_path, "triton")
    assert run_pyherd(*RENDER, cwd=tmp_path).returncode == 0
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me\n")
    manifest = tmp_path / "out/etc/triton/manifest.txt"
    manifest.write_text(manifest.read_text() + "../victim.txt\n")
    before = manifest.read_text()
    for args in (RENDER, [*RENDER, "--check"]):
        result = run_pyherd(*args, cwd=tmp_path)
        assert result.returncode == 2, result.stderr
        assert "'../victim.txt'" in result.stderr
    assert victim.read_text() == "keep me\n"
    assert manifest.read_text() == before


def test_a_tree_named_dotdot_is_never_installed(tmp_path):
    root = tmp_path / "root"
    make_sites(
        tmp_path,
        s=f"module_tool: lmod\nconda:\n  root: {root}\n  trees:\n    '..': {{}}\nmodules: {{}}\n",
    )
    result = run_pyherd("install", "..", "--site", "s", "--dry-run", cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert not root.exists()
