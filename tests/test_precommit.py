"""pyherd's pre-commit hooks (.pre-commit-hooks.yaml), run by the real pre-commit on a
site repository: pre-commit installs pyherd from this repository at HEAD itself."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, run_pyherd

HOOKS = ("pyherd-validate", "pyherd-render-check", "pyherd-lint")


def _git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args],
        cwd=repo, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return done.stdout.strip()


def test_the_hooks_pass_a_good_change_and_name_a_stale_tree_and_a_bad_file(tmp_path: Path, lmod):
    pre_commit = Path(sys.executable).parent / "pre-commit"
    if not pre_commit.exists() or shutil.which("git") is None:
        pytest.fail("pre-commit and git are installed by `make test`")
    head = _git(ROOT, "rev-parse", "HEAD")
    repo = tmp_path / "repo"
    assert run_pyherd("init", str(repo), "--tool", "lmod", "--site", "hpc").returncode == 0
    assert run_pyherd("render", cwd=repo).returncode == 0
    hooks = "".join(f"      - id: {h}\n" for h in HOOKS)
    (repo / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {ROOT}\n    rev: {head}\n    hooks:\n{hooks}"
    )
    _git(repo, "init", "-q", ".")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.update(PRE_COMMIT_HOME=str(tmp_path / "cache"), HOME=str(tmp_path))

    def hooks_run() -> subprocess.CompletedProcess:
        _git(repo, "add", "-A")
        return subprocess.run(
            [str(pre_commit), "run", "--all-files", "--color", "never"],
            cwd=repo, capture_output=True, text=True, env=env, timeout=900,
        )  # fmt: skip

    site = repo / "sites/hpc.yaml"
    # a good change: a new version, rendered and committed with its tree
    site.write_text(site.read_text().replace('"3.12.7"]', '"3.12.7", "3.13.1"]'))
    assert run_pyherd("render", cwd=repo).returncode == 0
    good = hooks_run()
    assert good.returncode == 0, good.stdout + good.stderr
    assert good.stdout.count("Passed") == 3

    # the site file changed, the tree was not rendered again
    site.write_text(site.read_text().replace(', "3.13.1"]', ', "3.13.2"]'))
    stale = hooks_run()
    assert stale.returncode == 1
    assert "modulefiles/hpc/python/3.13.2.lua: missing" in stale.stdout
    assert "run `pyherd render`" in stale.stdout  # advice that holds in a site repository
    assert "pyherd validate....." in stale.stdout and "Passed" in stale.stdout

    # a key the schema does not know: validate names file, line and key
    site.write_text(site.read_text() + "colour: blue\n")
    bad = hooks_run()
    assert bad.returncode == 1
    line = len(site.read_text().splitlines())
    assert f"sites/hpc.yaml:{line}: colour: unknown key" in bad.stdout
