"""`pyherd init`: a site repository that validates, renders and lints as it starts, and
that never writes over or through what is already there."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from conftest import run_pyherd


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


@pytest.mark.parametrize("tool", ["lmod", "environment-modules"])
def test_a_new_repository_validates_renders_and_lints(tmp_path: Path, tool: str, lmod, modulecmd):
    repo = tmp_path / "repo"
    started = run_pyherd("init", str(repo), "--tool", tool, "--site", "hpc", cwd=tmp_path)
    assert started.returncode == 0, started.stderr
    assert f"module_tool: {tool}\n" in (repo / "sites/hpc.yaml").read_text()
    for command in (("validate",), ("render",), ("render", "--check"), ("lint",)):
        done = run_pyherd(*command, cwd=repo)
        assert done.returncode == 0, (command, done.stdout, done.stderr)
    # what CI and pre-commit run is what was just run here
    workflow = yaml.safe_load((repo / ".github/workflows/pyherd.yml").read_text())
    steps = [s.get("run", "") for s in workflow["jobs"]["check"]["steps"]]
    checks = ["pyherd validate", "pyherd render --check", "pyherd lint"]
    assert steps[-4:-1] == checks
    assert steps[-1] == (
        'pyherd review "origin/${{ github.base_ref }}" HEAD --format markdown'
        ' >> "$GITHUB_STEP_SUMMARY"'
    )
    assert any(f"install -y -q {tool}" in step for step in steps)
    gitlab = yaml.safe_load((repo / ".gitlab-ci.yml").read_text())
    assert gitlab["pyherd"]["script"][:3] == checks
    assert "pyherd review FETCH_HEAD HEAD" in gitlab["pyherd"]["script"][3]
    hooks = yaml.safe_load((repo / ".pre-commit-config.yaml").read_text())["repos"][0]["hooks"]
    assert [h["entry"] for h in hooks] == checks
    assert "modulefiles/etc/*/.render-state.json" in (repo / ".gitignore").read_text()


def test_a_non_empty_directory_is_refused_and_force_never_overwrites(tmp_path: Path):
    repo = tmp_path / "repo"
    (repo / "sites").mkdir(parents=True)
    (repo / "README.md").write_text("ours\n")
    refused = run_pyherd("init", str(repo), "--tool", "lmod", cwd=tmp_path)
    assert refused.returncode == 2
    assert "is not empty (README.md, sites); init starts a new repository" in refused.stderr
    assert _tree(repo) == {"README.md": b"ours\n"}
    dry = run_pyherd("init", str(repo), "--tool", "lmod", "--force", "--dry-run", cwd=tmp_path)
    assert dry.returncode == 0 and f"would write {repo}/sites/cluster.yaml" in dry.stdout
    assert _tree(repo) == {"README.md": b"ours\n"}
    forced = run_pyherd("init", str(repo), "--tool", "lmod", "--force", cwd=tmp_path)
    assert forced.returncode == 0, forced.stderr
    assert f"kept {repo}/README.md (it exists)" in forced.stdout
    assert (repo / "README.md").read_text() == "ours\n" and (repo / "sites/cluster.yaml").is_file()


@pytest.mark.parametrize(
    "name", ["..", "../up", "a/b", "a\nb", "a'b", 'a"b', "a$(touch canary)", "-x", ""]
)
def test_a_hostile_site_name_is_refused_with_nothing_written(tmp_path: Path, name: str):
    done = run_pyherd("init", "repo", "--tool", "lmod", f"--site={name}", cwd=tmp_path)
    assert done.returncode == 2
    assert "--site: " in done.stderr and "is not a site name" in done.stderr
    assert sorted(os.listdir(tmp_path)) == []


def test_a_link_inside_the_directory_is_refused_not_followed(tmp_path: Path):
    repo, outside = tmp_path / "repo", tmp_path / "outside"
    repo.mkdir()
    outside.mkdir()
    (repo / ".github").symlink_to(outside)
    done = run_pyherd("init", str(repo), "--tool", "lmod", "--force", cwd=tmp_path)
    assert done.returncode == 2 and "is a symbolic link" in done.stderr
    assert sorted(os.listdir(repo)) == [".github"] and list(outside.iterdir()) == []
