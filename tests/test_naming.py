"""Naming schemes and hidden versions, under the real tools."""

from __future__ import annotations

from conftest import make_sites, render_sites

TOOL = """
modules:
  tool:
    prefix: /opt/tool/{version}
    default: "2.0"
    versions: ["1.0", {version: "1.5", hidden: true}, "2.0"]
"""


def test_hierarchy_scheme_writes_core_and_loads_from_it(tmp_path, lmod):
    make_sites(tmp_path, h=f"module_tool: lmod\nnaming: hierarchy\n{TOOL}")
    out = render_sites(tmp_path, "h")
    assert (out / "h/Core/tool/2.0.lua").is_file()
    result = lmod.run("module load tool && module -t list", [out / "h/Core"])
    assert result.stderr.split() == ["tool/2.0"]


def test_hidden_version_is_not_in_lmod_avail_but_loads(tmp_path, lmod):
    make_sites(tmp_path, h=f"module_tool: lmod\n{TOOL}")
    tree = render_sites(tmp_path, "h") / "h"
    assert "tool/1.5" not in lmod.run("module -t avail tool", [tree]).stderr.split()
    assert lmod.run("module load tool/1.5 && module -t list", [tree]).stderr.split() == ["tool/1.5"]


def test_hidden_version_is_not_in_modulecmd_avail_but_loads(tmp_path, modulecmd):
    make_sites(tmp_path, t=f"module_tool: environment-modules\n{TOOL}")
    tree = render_sites(tmp_path, "t") / "t"
    avail = modulecmd.run("module avail -t tool", [tree]).stderr
    assert "tool/1.5" not in avail and "tool/2.0(default)" in avail
    assert "tool/1.5" in modulecmd.run("module load tool/1.5; module list -t", [tree]).stderr


def test_categorized_scheme_names_modules_like_easybuild(tmp_path, lmod):
    make_sites(
        tmp_path,
        eb="module_tool: lmod\nnaming: categorized\nmodules:\n  Python:\n    category: lang\n"
        "    kind: python\n    prefix: /opt/{version}\n"
        "    versions: [{version: 3.11.5, toolchain: GCCcore-13.2.0}]\n",
    )
    tree = render_sites(tmp_path, "eb") / "eb"
    script = "module load lang/Python && module -t list && echo $EBROOTPYTHON"
    result = lmod.run(script, [tree])
    assert result.stderr.split() == ["lang/Python/3.11.5-GCCcore-13.2.0"]
    assert result.stdout.strip() == "/opt/3.11.5-GCCcore-13.2.0"
