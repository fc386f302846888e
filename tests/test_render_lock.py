"""Renders never interleave, and nothing a render leaves or a hand adds goes unnoticed.

The output root is flocked for every write and check: a second render exits 75 and
names the holder. Temp files of a killed render are reported by --check and swept by
the next render (a link among them is removed, not followed). --check also reports
files nobody declared and trees whose site file is gone.
"""

from __future__ import annotations

import fcntl
import os
import subprocess
from pathlib import Path

from conftest import PYHERD, ROOT, TEMPLATES, run_pyherd

RENDER = ("render", "--templates", str(TEMPLATES), "--out", "out")
CHECK = (*RENDER, "--check")
SITE = "module_tool: lmod\nmodules:\n  x: {versions: ['1', '2']}\n  y: {versions: ['1']}\n"


def project(tmp_path: Path, **sites: str) -> Path:
    (tmp_path / "sites").mkdir()
    for name, text in sites.items():
        (tmp_path / "sites" / f"{name}.yaml").write_text(text)
    result = run_pyherd(*RENDER, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    return tmp_path


def test_a_render_while_another_holds_the_lock_exits_75_naming_it(tmp_path):
    top = project(tmp_path, s=SITE)
    (top / "sites/s.yaml").write_text(SITE.replace("'2'", "'3'"))
    before = sorted(p.name for p in (top / "out/s/x").iterdir())
    fd = os.open(top / "out", os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        for args in (RENDER, CHECK):
            result = run_pyherd(*args, cwd=top)
            assert result.returncode == 75, result.stderr
            assert f"another pyherd run holds the lock (pid {os.getpid()}," in result.stderr
    finally:
        os.close(fd)
    assert sorted(p.name for p in (top / "out/s/x").iterdir()) == before
    assert run_pyherd(*RENDER, cwd=top).returncode == 0
    assert sorted(p.name for p in (top / "out/s/x").iterdir()) == ["1.lua", "3.lua"]


def test_what_a_killed_render_left_is_reported_then_swept_without_following_links(tmp_path, lmod):
    top = project(tmp_path, s=SITE)
    victim = tmp_path / "victim.txt"
    victim.write_text("keep\n")
    left = [
        top / "out/s/x/.1.lua.pyherd-tmp-4242",
        top / "out/s/y/.1.lua.pyherd-tmp-abc123",
        top / "out/etc/s/.manifest.txt.pyherd-tmp-k3j4",
    ]
    for path in left:
        path.write_text("half a file")
    link = top / "out/s/x/.2.lua.pyherd-tmp-77"
    link.symlink_to(victim)
    staging = top / "out/.s.pyherd-staging-4242"
    (staging / "x").mkdir(parents=True)
    check = run_pyherd(*CHECK, cwd=top)
    assert check.returncode == 1
    for path in [*left, link]:
        assert f"{path.relative_to(top)}: left by an interrupted render" in check.stderr
    assert f"{staging.relative_to(top)}: left by an interrupted render" in check.stderr
    avail = lmod.run("module -t avail 2>&1", [top / "out/s"])
    assert ".pyherd-tmp" not in avail.stdout  # Lmod skips dot files, but the house is clean
    assert run_pyherd(*RENDER, cwd=top).returncode == 0
    assert not any(os.path.lexists(p) for p in [*left, link, staging])
    assert victim.read_text() == "keep\n"
    assert run_pyherd(*CHECK, cwd=top).returncode == 0


def test_check_reports_stray_files_and_trees_of_deleted_sites(tmp_path, lmod):
    top = project(tmp_path, s=SITE, gone=SITE)
    stray = top / "out/s/x/9.lua"
    stray.write_text('whatis("added by hand")\n')
    assert "x/9" in lmod.run("module -t avail 2>&1", [top / "out/s"]).stdout
    (top / "sites/gone.yaml").unlink()
    check = run_pyherd(*CHECK, cwd=top)
    assert check.returncode == 1
    assert check.stderr.splitlines()[:3] == [
        "out/s/x/9.lua: not written by pyherd (module avail lists it; remove it)",
        "out/gone: no site file sites/gone.yaml (remove it)",
        "out/etc/gone: no site file sites/gone.yaml (remove it)",
    ]
    # one site named: only its own tree is checked
    named = run_pyherd(*CHECK, "--site", "s", cwd=top)
    assert named.returncode == 1 and "gone" not in named.stderr
    stray.unlink()
    assert run_pyherd(*CHECK, "--site", "s", cwd=top).returncode == 0


def big_site(round_: int, modules: int = 150, versions: int = 10) -> str:
    lines = ["module_tool: lmod", "modules:"]
    for i in range(modules):
        lines.append(f"  m{i:03d}:")
        lines.append(f"    versions: [{', '.join(repr(str(v)) for v in range(versions))}]")
        lines.append(f"    whatis: ['round {round_}']")
    return "\n".join(lines) + "\n"


def tree_state(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def test_two_renders_racing_never_leave_a_partial_tree(tmp_path):
    """Two renders of a 1,500-module site at once, 20 rounds: an exit 0 leaves the
    complete tree of its round; any other exit is 75 (or 1) with the tree untouched."""
    (tmp_path / "sites").mkdir()
    site = tmp_path / "sites/big.yaml"
    env = {**os.environ, "PYTHONPATH": str(ROOT / "tools")}
    out = tmp_path / "out"
    published: dict[str, bytes] = {}
    codes: list[int] = []
    for round_ in range(20):
        site.write_text(big_site(round_))
        runs = [
            subprocess.Popen(
                [*PYHERD, *RENDER], cwd=tmp_path, env=env, stderr=subprocess.PIPE, text=True
            )
            for _ in range(2)
        ]
        results = [(run.wait(timeout=300), run.stderr.read()) for run in runs]
        for run in runs:
            run.stderr.close()
        codes += [code for code, _ in results]
        assert {code for code, _ in results} <= {0, 1, 75}, results
        assert all("Traceback" not in err for _, err in results), results
        state = tree_state(out) if out.exists() else {}
        if any(code == 0 for code, _ in results):
            modules = [k for k in state if k.startswith("big/") and k.endswith(".lua")]
            assert len(modules) == 1500, (round_, len(modules))
            assert all(f"round {round_}".encode() in state[k] for k in modules), round_
            assert not [k for k in state if ".pyherd-" in k], round_
            published = state
        else:
            assert state == published, round_
    print("exit codes:", {c: codes.count(c) for c in set(codes)})
    assert codes.count(0) >= 20  # at least one render published each round
