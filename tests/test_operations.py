"""Shell functions, sourced scripts, aliases and unset under the real tools: loaded, then undone."""

from __future__ import annotations

import pytest

from conftest import make_sites, render_sites

SITE = """
modules:
  tool:
    prefix: {prefix}
    env:
      set: {{TOOL_HOME: "{{prefix}}"}}
      unset: [TOOL_CONFLICTING]
      prepend: {{PATH: ["{{prefix}}/bin", "{{prefix}}/sbin"]}}
      aliases: {{tl: "echo tool-alias"}}
      functions: {{toolfn: "echo tool-function $1"}}
      source: ["{{prefix}}/etc/profile.d/tool.sh"]
    versions: ["1.0"]
"""

PROBE = """
export TOOL_CONFLICTING=old
before_path="$PATH"
module load tool
echo "home=$TOOL_HOME conflicting=${TOOL_CONFLICTING-unset}"
echo "path=${PATH%%:$before_path}"
toolfn hello
eval tl
echo "sourced=$TOOL_SOURCED"
sourcedfn
module unload tool
type toolfn >/dev/null 2>&1 && echo "toolfn left" || echo "toolfn gone"
type sourcedfn >/dev/null 2>&1 && echo "sourcedfn left" || echo "sourcedfn gone"
echo "after=${TOOL_HOME-unset} ${TOOL_SOURCED-unset} ${BASH_ALIASES[tl]-unaliased}"
[ "$PATH" = "$before_path" ] && echo "path restored"
"""


@pytest.mark.parametrize("tool_name", ["lmod", "environment-modules"])
def test_every_operation_applies_on_load_and_is_undone_on_unload(tmp_path, request, tool_name):
    tool = request.getfixturevalue("lmod" if tool_name == "lmod" else "modulecmd")
    prefix = tmp_path / "opt" / "tool"
    (prefix / "etc/profile.d").mkdir(parents=True)
    (prefix / "etc/profile.d/tool.sh").write_text(
        "export TOOL_SOURCED=yes\nsourcedfn() { echo sourced-function; }\n"
    )
    make_sites(tmp_path, ops=f"module_tool: {tool_name}\n" + SITE.format(prefix=prefix))
    tree = render_sites(tmp_path, "ops") / "ops"
    result = tool.run("shopt -s expand_aliases\n" + PROBE, [tree])
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        f"home={prefix} conflicting=unset",
        f"path={prefix}/bin:{prefix}/sbin",
        "tool-function hello",
        "tool-alias",
        "sourced=yes",
        "sourced-function",
        "toolfn gone",
        "sourcedfn gone",
        "after=unset unset unaliased",
        "path restored",
    ]


def test_a_render_leaves_no_staging_or_temp_files(tmp_path):
    sites = make_sites(tmp_path, "triton")
    out = render_sites(tmp_path)
    (sites / "triton.yaml").write_text(
        (sites / "triton.yaml").read_text().replace("default: 2024-01", "default: 2023-03")
    )
    render_sites(tmp_path)
    leftovers = [p for p in out.rglob("*") if "pyherd-staging" in p.name or "pyherd-tmp" in p.name]
    assert leftovers == []
    hidden = sorted(p.name for p in out.iterdir())
    assert hidden == ["etc", "triton"]
