"""`pyherd review`: what a change does to users, read from two git revisions, and its
`module load NAME` claims held to what the real Lmod loads."""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import EASYBUILD, MODULEFILES, ROOT, TEMPLATES, lmod_env, make_sites, run_pyherd
from pyherd.options import Paths
from pyherd.project import load_sites, rendered
from pyherd.review import facts


def _git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args],
        cwd=repo, capture_output=True, text=True, check=True,
    )  # fmt: skip


def _claims(sites: Path, out: Path, names: list[str] | None = None) -> list[tuple]:
    """(site, tree, lmodrc env, {name: full name}) review claims for each Lmod site."""
    paths = Paths(sites, TEMPLATES, out, sites.parent)
    found = []
    for item in load_sites(paths, names):
        if item.site.module_tool != "lmod":
            continue
        tree = (
            out / item.site.name / item.model.subdir if item.model.subdir else out / item.site.name
        )
        loads = facts(item, rendered(paths, item)).loads
        found.append((item.site.name, tree, lmod_env(item.site.name, out), loads))
    return found


def _lmod_loads(lmod, tree: Path, env: dict[str, str], names: list[str]) -> dict[str, list[str]]:
    script = "\n".join(
        f"( module load {shlex.quote(n)} >/dev/null 2>&1 && "
        f"echo {shlex.quote(n)}=$(module -t list 2>&1 | tr '\\n' ' ') )"
        for n in names
    )
    ran = lmod.run(script, [tree, EASYBUILD], env=env)  # ulhpc's externals
    return {n: v.split() for n, v in (line.split("=", 1) for line in ran.stdout.splitlines())}


def test_module_load_claims_agree_with_lmod_on_every_seed_module(lmod):
    checked = 0
    for site, tree, env, loads in _claims(ROOT / "sites", MODULEFILES):
        got = _lmod_loads(lmod, tree, env, sorted(loads))
        for name, full in loads.items():
            assert full in got.get(name, []), (site, name, full, got.get(name))
            checked += 1
    assert checked >= 20


def test_without_a_default_the_claim_is_lmods_highest_version(tmp_path: Path, lmod):
    make_sites(tmp_path, t="""\
module_tool: lmod
modules:
  tool:
    versions: ["3.9.0", "3.10.0", "2023b", "3.11.3-foss-2023a", "3.11.3", "3.12.0rc1"]
  series:
    versions: ["3.11.3", "3.11.3-1", "3.11.3-foss", "3.11.3p2", "3.11.3a1", "3.11.03"]
  other:
    versions:
      - version: "1.0"
      - version: "2.0"
        hidden: true
  third:
    versions: ["1.0a1", "1.0", "1.0.post1", "1.0-p2", "1.0.0.1", "1.0dev3"]
""")  # fmt: skip
    assert run_pyherd("render", "--out", "out", cwd=tmp_path).returncode == 0
    ((_, tree, env, loads),) = _claims(tmp_path / "sites", tmp_path / "out")
    assert loads["other"] == "other/1.0"  # a hidden version is not the default
    got = _lmod_loads(lmod, tree, env, sorted(loads))
    assert {name: got[name][-1] for name in loads} == loads


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A site repository with one commit: `pyherd init`'s starter, rendered."""
    root = tmp_path / "repo"
    assert run_pyherd("init", str(root), "--tool", "lmod", "--site", "hpc").returncode == 0
    assert run_pyherd("render", cwd=root).returncode == 0
    _git(root, "init", "-q", ".")
    _git(root, "add", "-A")
    _git(root, "commit", "-qm", "start")
    return root


def _edit(repo: Path, *pairs: tuple[str, str]) -> None:
    site = repo / "sites/hpc.yaml"
    text = site.read_text()
    for old, new in pairs:
        assert old in text, old
        text = text.replace(old, new)
    site.write_text(text)


def review(repo: Path, *args: str) -> subprocess.CompletedProcess:
    return run_pyherd("review", *args, cwd=repo)


def test_each_change_users_notice_is_named(repo: Path):
    _edit(
        repo,
        ('"3.12.7"]', '"3.12.7", "3.13.1"]'),
        ('default: "3.11.9"', 'default: "3.12.7"'),
        ("pip_require_virtualenv: true", "pip_require_virtualenv: false"),
        ('    whatis: "Python, the programming language"\n',
         '    whatis: "Python, the programming language"\n    family: python\n'),
    )  # fmt: skip
    done = review(repo)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "pyherd review HEAD..working tree",
        "site hpc:",
        "  + module python/3.13.1",
        "  module load python: python/3.11.9 -> python/3.12.7",
        "  python/3.11.9: PIP_REQUIRE_VIRTUALENV: true -> unset",
        "  python/3.11.9: family: unset -> python",
        "  python/3.12.7: PIP_REQUIRE_VIRTUALENV: true -> unset",
        "  python/3.12.7: family: unset -> python",
    ]
    # committed, then the removal and an alias: between two revisions
    assert run_pyherd("render", cwd=repo).returncode == 0
    _git(repo, "commit", "-qam", "3.13")
    _edit(repo, ('["3.11.9", "3.12.7", "3.13.1"]', '["3.12.7", "3.13.1"]'),
          ('default: "3.12.7"', 'default: "3.13.1"'))  # fmt: skip
    assert run_pyherd("render", cwd=repo).returncode == 0
    _git(repo, "commit", "-qam", "drop 3.11")
    between = review(repo, "HEAD~2", "HEAD")
    assert between.returncode == 0, between.stderr
    assert "  - module python/3.11.9" in between.stdout
    assert "  module load python: python/3.11.9 -> python/3.13.1" in between.stdout
    assert "  + module python/3.13.1" in between.stdout
    assert (
        review(repo, "HEAD", "HEAD").stdout
        == "pyherd review HEAD..HEAD: nothing changes for users\n"
    )


def test_markdown_and_json_say_the_same(repo: Path):
    _edit(
        repo,
        ("pip_require_virtualenv: true", "pip_require_virtualenv: false"),
        ('    whatis: "Python, the programming language"\n',
         '    whatis: "Python, the programming language"\n'
         '    env:\n      set:\n        GREETING: "hi`rm -rf ~`there"\n'),
    )  # fmt: skip
    md = review(repo, "--format", "markdown")
    assert md.returncode == 0, md.stderr
    assert "- `python/3.11.9`: PIP_REQUIRE_VIRTUALENV: `true` → `unset`" in md.stdout
    # a backtick in a value cannot close the code span and run into the comment
    assert "- `python/3.11.9`: GREETING: `unset` → `hi'rm -rf ~'there`" in md.stdout
    data = json.loads(review(repo, "--format", "json").stdout)
    assert data["sites"][0]["module_changes"][1] == {
        "module": "python/3.11.9", "what": "PIP_REQUIRE_VIRTUALENV",
        "before": "true", "after": "unset",
    }  # fmt: skip


def test_config_files_and_the_autoupdate_schedule(tmp_path: Path):
    root = tmp_path / "repo"
    root.mkdir()
    make_sites(root, "iceberg")
    assert run_pyherd("render", cwd=root).returncode == 0
    _git(root, "init", "-q", ".")
    _git(root, "add", "-A")
    _git(root, "commit", "-qm", "iceberg")
    site = root / "sites/iceberg.yaml"
    text = site.read_text()
    site.write_text(
        text.replace('schedule: "17 3 * * *"', 'schedule: "0 4 * * *"').replace(
            "    - file:///usr/local/packages6/conda/conda-bld/\n", ""
        )
    )
    done = review(root)
    assert done.returncode == 0, done.stderr
    assert "  autoupdate schedule:\n    -17 3 * * *\n    +0 4 * * *" in done.stdout
    condarc = next(line for line in done.stdout.splitlines() if line.endswith(".condarc:"))
    assert f'{condarc}\n    -  - "file:///usr/local/packages6/conda/conda-bld/"' in done.stdout
    assert "  apps/python/conda: CONDA_CHANNELS: defaults,file:" in done.stdout


def test_bad_input_is_exit_2_naming_the_revision(repo: Path, tmp_path: Path):
    _edit(repo, ("modules:", "colour: blue\nmodules:"))
    _git(repo, "commit", "-qam", "bad")
    bad = review(repo, "HEAD", "HEAD")
    assert bad.returncode == 2
    assert "HEAD:sites/hpc.yaml:" in bad.stderr and "colour: unknown key" in bad.stderr
    for rev in ("--upload-pack=touch canary", "no-such-rev", "HEAD;rm"):
        refused = review(repo, rev)
        assert refused.returncode == 2, rev
    assert not (repo / "canary").exists()
    # a revision whose sites/ holds a link out of the tree: refused, never followed
    (repo / "sites/escape").symlink_to("/etc")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "link")
    linked = review(repo, "HEAD", "HEAD")
    assert linked.returncode == 2 and "refused" in linked.stderr
    elsewhere = tmp_path / "not-a-repo"
    shutil.copytree(repo / "sites", elsewhere / "sites", symlinks=True)
    outside = run_pyherd("review", cwd=elsewhere)
    assert outside.returncode == 2 and "not in a git repository" in outside.stderr


BASE_SITE = """\
module_tool: lmod
wheelhouse:
  root: /opt/wheels
  archs: [generic, x86-64-v3]
modules:
  python:
    kind: python
    prefix: /opt/python/{version}
    versions:
      - version: 3.11.5
        aliases: ["3.11"]
      - 3.12.1
  tool:
    versions: ["1.0", "2.0"]
  other:
    versions: ["1.0"]
"""
HEAD_SITE = (
    BASE_SITE.replace(
        '        aliases: ["3.11"]\n', "      - version: 3.11.7\n        aliases: ['3.11']\n"
    )
    .replace('    versions: ["1.0", "2.0"]\n', "    versions:\n      - version: '1.0'\n"
             "        hidden: true\n      - version: '2.0'\n        deprecated: use other\n")
    .replace("archs: [generic, x86-64-v3]", "archs: [generic, x86-64-v3, x86-64-v4]")
    + "conflicts:\n  tools:\n    modules: [tool, other]\n"
)  # fmt: skip


def test_aliases_hidden_messages_conflicts_and_pip_conf(tmp_path: Path, lmod):
    root = tmp_path / "repo"
    root.mkdir()
    make_sites(root, s=BASE_SITE)
    assert run_pyherd("render", cwd=root).returncode == 0
    _git(root, "init", "-q", ".")
    _git(root, "add", "-A")
    _git(root, "commit", "-qm", "base")
    (root / "sites/s.yaml").write_text(HEAD_SITE)
    done = review(root)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    for expected in (
        "  + module python/3.11.7",
        "  module load python/3.11: python/3.11.5 -> python/3.11.7",
        "  tool/1.0: hidden: false -> true",
        "  tool/2.0: deprecated: unset -> use other",
        "  tool/1.0: conflicts with: unset -> other",
        "  other/1.0: conflicts with: unset -> tool",
        "  etc/s/pip/x86-64-v4.conf:",
    ):
        assert expected in lines, (expected, done.stdout)
    assert not any(line.startswith("  module load tool:") for line in lines)
    # every claim about the changed site agrees with Lmod on the rendered head
    assert run_pyherd("render", cwd=root).returncode == 0
    ((_, tree, env, loads),) = _claims(root / "sites", root / "modulefiles")
    got = _lmod_loads(lmod, tree, env, sorted(loads))
    assert {name: got[name][-1] for name in loads} == loads


def test_a_changed_lua_comment_line_is_shown_not_taken_for_a_diff_header():
    from pyherd.review import SiteFacts, compare

    def one(text: str) -> SiteFacts:
        return SiteFacts("lmod", {}, {}, frozenset(), {"etc/s/lmodrc.lua": text}, "")

    changes = compare("s", one("-- old\nx = 1\n"), one("-- new\nx = 1\n"))
    assert changes.configs == [("etc/s/lmodrc.lua", ["--- old", "+-- new"])]
