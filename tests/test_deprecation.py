"""Deprecation through the tools' own mechanisms: Lmod's admin file (nag messages), and
Environment Modules' reportWarning and module-forbid --after. Printed once, silenced by
`module -q` (Lmod) or `module -s` (Modules), and loading fails from a date when a site
sets one."""

from __future__ import annotations

import datetime
import subprocess

import pytest

from conftest import lmod_env, make_sites, render_sites, run_pyherd

SITE = """\
module_tool: {tool}
modules:
  anaconda:
    family: python
    versions: ['2024-01']
  anaconda3:
    family: python
    deprecated: "use anaconda; it's $(touch {canary}) `touch {canary}`"
    versions: [latest]
  python:
    versions:
      - version: '3.1'
        deprecated: python/3.1 is long gone
        {date}
      - 3.10.4
"""


def day(offset: int) -> str:
    return (datetime.date.today() + datetime.timedelta(days=offset)).isoformat()


def render(tmp_path, tool: str, date: str = ""):
    text = SITE.format(
        tool=tool, canary=tmp_path / "canary", date=f"forbidden_from: '{date}'" if date else ""
    )
    make_sites(tmp_path, s=text)
    return render_sites(tmp_path, "s")


def test_lmod_nags_once_per_command_and_not_under_q(tmp_path, lmod):
    out = render(tmp_path, "lmod")
    tree, env = out / "s", lmod_env("s", out)
    assert "LMOD_ADMIN_FILE" in env
    loud = lmod.run("module load anaconda3", [tree], env=env).stderr
    assert loud.count("anaconda3/latest:\n") == 1
    assert "deprecated: use anaconda; it's $(touch" in loud
    # the case: the family swap message comes once, the notice once, after it
    swap = lmod.run("module load anaconda; module load anaconda3", [tree], env=env).stderr
    assert swap.count("deprecated: use anaconda") == 1
    assert swap.index("automatically replacing") < swap.index("deprecated: use anaconda")
    quiet = lmod.run("module -q load anaconda3 && module -t list", [tree], env=env).stderr
    assert "deprecated" not in quiet
    assert quiet.split() == ["anaconda3/latest"]
    assert not (tmp_path / "canary").exists()


def test_lmod_matches_the_deprecated_name_only(tmp_path, lmod):
    out = render(tmp_path, "lmod")
    result = lmod.run("module load python/3.10.4", [out / "s"], env=lmod_env("s", out))
    assert result.returncode == 0, result.stderr
    assert "long gone" not in result.stderr  # python/3.1 is not a prefix of python/3.10.4
    gone = lmod.run("module load python/3.1", [out / "s"], env=lmod_env("s", out)).stderr
    assert "deprecated: python/3.1 is long gone" in gone


@pytest.mark.parametrize("tool", ["lmod", "environment-modules"])
def test_from_the_date_loading_fails(tmp_path, tool, lmod, modulecmd):
    out = render(tmp_path, tool, day(-1))
    runner = lmod if tool == "lmod" else modulecmd
    result = runner.run(
        "module load python/3.1 && echo LOADED; module -t list 2>&1",
        [out / "s"],
        lmod_env("s", out),
    )
    assert "LOADED" not in result.stdout
    assert "python/3.1" not in result.stdout  # not half-loaded
    assert "python/3.1 is long gone" in result.stderr


@pytest.mark.parametrize("tool", ["lmod", "environment-modules"])
def test_before_the_date_it_loads_and_says_when_it_stops(tmp_path, tool, lmod, modulecmd):
    out = render(tmp_path, tool, day(400))
    runner = lmod if tool == "lmod" else modulecmd
    result = runner.run("module load python/3.1 && echo LOADED", [out / "s"], lmod_env("s", out))
    assert result.stdout.split() == ["LOADED"]
    assert "python/3.1 is long gone" in result.stderr
    if tool == "lmod":
        assert f"(it cannot be loaded from {day(400)})" in result.stderr


def test_modules_warns_once_and_s_silences_it(tmp_path, modulecmd):
    tree = render(tmp_path, "environment-modules") / "s"
    loud = modulecmd.run("module load anaconda3 && echo LOADED", [tree])
    assert loud.stdout.split() == ["LOADED"]
    assert loud.stderr.count("WARNING: anaconda3/latest is deprecated: use anaconda") == 1
    silent = modulecmd.run("module -s load anaconda3 && echo LOADED", [tree])
    assert silent.stdout.split() == ["LOADED"]
    assert "deprecated" not in silent.stderr
    assert not (tmp_path / "canary").exists()


def test_modules_warns_in_the_days_before_the_date(tmp_path, modulecmd):
    tree = render(tmp_path, "environment-modules", day(3)) / "s"
    result = modulecmd.run("module load python/3.1 && echo LOADED", [tree])
    assert result.stdout.split() == ["LOADED"]
    assert f"Access to module will be denied starting '{day(3)}'" in result.stderr


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "versions: ['1']\n    forbidden_from: '2027-06-30'",
            "modules.x.forbidden_from: forbidden_from needs deprecated: the notice users get "
            "before",
        ),
        (
            "versions: ['1']\n    deprecated: old\n    forbidden_from: '2027-13-01'",
            "modules.x.forbidden_from: '2027-13-01' is not a date (YYYY-MM-DD)",
        ),
        (
            "versions: ['1']\n    deprecated: old\n    forbidden_from: '2027-06-30$(touch /tmp/c)'",
            "modules.x.forbidden_from: '2027-06-30$(touch /tmp/c)' is not a date (YYYY-MM-DD)",
        ),
        (
            "versions: ['1']\n    deprecated: old\n    forbidden_from: 2027-06-30T10:00:00",
            "modules.x.forbidden_from: expected a date (YYYY-MM-DD), got datetime",
        ),
        (
            "versions: ['1']\n    deprecated: \"old\\nnews\"",
            "modules.x.deprecated: must be one line (Lmod and Environment Modules cannot export "
            "newlines)",
        ),
    ],
)
def test_bad_dates_and_notices_are_refused(tmp_path, text, message):
    make_sites(tmp_path, s=f"module_tool: lmod\nmodules:\n  x:\n    {text}\n")
    result = run_pyherd("render", "--out", "out", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.splitlines()[0].split(": ", 1)[1] == message
    assert not (tmp_path / "out").exists()


def test_modules_before_4_6_cannot_forbid(tmp_path):
    text = "module_tool: environment-modules\nmodule_tool_version: '4.5'\nmodules:\n  x:\n"
    text += "    versions: ['1']\n    deprecated: old\n    forbidden_from: 2027-06-30\n"
    make_sites(tmp_path, s=text)
    result = run_pyherd("validate", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.splitlines()[0] == (
        "sites/s.yaml:7: modules.x.forbidden_from: a date from which loading fails needs "
        "Environment Modules 4.6 or newer (module_tool_version is 4.5; Modules 4.6.0 NEWS: "
        "add the module-forbid command)"
    )


@pytest.mark.parametrize("config_dir", ["/etc/pyherd/s", "/srv/it's $(touch canary)"])
def test_the_profile_snippet_points_lmod_at_the_admin_file_unless_the_site_has_one(
    tmp_path, config_dir
):
    text = (
        "module_tool: lmod\ndeploy:\n  groups: {login: [login1]}\n  modulepath: /m\n"
        f'  config_dir: "{config_dir}"\nmodules:\n  x: {{versions: ["1"], deprecated: old}}\n'
    )
    make_sites(tmp_path, s=text)
    out = render_sites(tmp_path, "s")
    snippet = out / "etc/s/profile.d/lmod-rc.sh"
    assert "LMOD_RC" not in snippet.read_text()  # no properties: LMOD_RC is left alone
    show = f'. "{snippet}"; printf "%s" "$LMOD_ADMIN_FILE"'
    for before, after in ((None, f"{config_dir}/admin.list"), ("/etc/lmod/own.list", None)):
        env = {"PATH": "/usr/bin:/bin", **({"LMOD_ADMIN_FILE": before} if before else {})}
        ran = subprocess.run(
            ["sh", "-c", show], capture_output=True, text=True, cwd=tmp_path, env=env
        )
        assert ran.returncode == 0, ran.stderr
        assert ran.stdout == (after or before)
    assert not (tmp_path / "canary").exists()
