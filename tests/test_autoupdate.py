"""Cron autoupdate with real py-rattler on local channels the tests build and change.

Every failure test ends the same way: `current` still names the old generation, and
a user's `module load conda/1` under Lmod still runs its python with the old numpy.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import threading
import time
from pathlib import Path

import pytest

from condachannel import Channel
from condaproject import TEMPLATES, Project
from conftest import PYHERD
from pyherd.lock import TreeLock

AUTO = "      autoupdate: true"


@pytest.fixture
def channel(tmp_path: Path) -> Channel:
    """A fresh channel per test: the tests publish into it."""
    chan = Channel(tmp_path / "channel")
    chan.add_base()
    chan.add_python_module("numpy", "1.26.4")
    chan.add("bigdata", "1.0")
    chan.index()
    return chan


def project(tmp: Path, channel: Channel, *, conda: str = "", extra: str = AUTO, **kw: str):
    p = Project(tmp / "proj", channel, extra=extra, conda_extra=conda, **kw)
    installed = p.install()
    assert installed.returncode == 0, installed.stderr
    return p


def snapshot(root: Path) -> dict[str, tuple[int, int, int]]:
    """Every path under root with its size, mode and mtime: any write shows."""
    out = {}
    for path in [root, *root.rglob("*")]:
        st = path.lstat()
        out[str(path.relative_to(root))] = (st.st_size, st.st_mode, st.st_mtime_ns)
    return out


def users_see(p: Project, lmod) -> tuple[str, str]:
    """What a user gets from `module load conda/1`: python's path and numpy's version."""
    out = p.dir / "modulefiles"
    if not out.is_dir():
        rendered = p.run("render", "--out", str(out))
        assert rendered.returncode == 0, rendered.stderr
    script = (
        "module load conda/1 && conda activate && command -v python && "
        "python -c 'import numpy; print(numpy.__version__)'"
    )
    result = lmod.run(script, [out / "s"])
    lines = result.stdout.split()
    assert len(lines) == 2, result.stdout + result.stderr
    return lines[0], lines[1]


def assert_untouched(p: Project, lmod, gid: int = 1, numpy: str = "1.26.4") -> None:
    assert p.current() == f"generations/{gid}"
    python, version = users_see(p, lmod)
    assert python == str(p.tree / f"generations/{gid}/bin/python")
    assert version == numpy


def publish_numpy(channel: Channel, version: str = "2.0.1", init: str | None = None) -> None:
    if init is None:
        channel.add_python_module("numpy", version, depends=("libnew",))
    else:
        channel.add(
            "numpy", version, ("python",), {"lib/python/site-packages/numpy/__init__.py": init}
        )
    channel.add("libnew", "0.1")
    channel.index()


def test_update_builds_checks_publishes_and_reports_the_diff(tmp_path, channel, lmod):
    p = project(tmp_path, channel)
    publish_numpy(channel)
    channel.add("bigdata", "1.0", build="1", build_number=1)  # same version, new build
    channel.index()
    result = p.autoupdate()
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith(
        "main: updated: generation 1 -> 2 (1 upgraded, 1 rebuilt, 1 added) in "
    )
    assert lines[1:4] == [
        "  base: upgraded numpy 1.26.4 0 -> 2.0.1 0",
        "  base: rebuilt bigdata 1.0 0 -> 1.0 1",
        "  base: added libnew 0.1 0",
    ]
    assert_untouched(p, lmod, gid=2, numpy="2.0.1")
    record = json.loads((p.tree / "generations/2/.pyherd/generation.json").read_text())
    assert record["status"] == "ready"
    assert (p.tree / "generations/1").is_dir()  # kept: keep is 3

    # Nothing new in the channel: nothing is written anywhere under the root.
    before = snapshot(p.root)
    again = p.autoupdate()
    assert again.returncode == 0
    assert again.stdout.startswith("main: up to date: generation 2 (")
    assert len(again.stdout.splitlines()) == 1 and again.stderr == ""
    quiet = p.autoupdate("--quiet")
    assert (quiet.returncode, quiet.stdout, quiet.stderr) == (0, "", "")
    assert snapshot(p.root) == before


def test_json_report_and_dry_run_write_nothing(tmp_path, channel):
    p = project(tmp_path, channel)
    publish_numpy(channel)
    before = snapshot(p.root)
    dry = p.autoupdate("--dry-run", "--json")
    assert dry.returncode == 0, dry.stderr
    report = json.loads(dry.stdout)
    tree = report["trees"][0]
    assert (report["site"], report["exit"], report["dry_run"]) == ("s", 0, True)
    assert (tree["status"], tree["previous"], tree["summary"]) == (
        "would-update",
        1,
        "1 upgraded, 1 added",
    )
    assert {"env": "base", "name": "numpy", "kind": "upgraded", "old": "1.26.4 0",
            "new": "2.0.1 0"} in tree["changes"]  # fmt: skip
    assert snapshot(p.root) == before


def test_keep_collects_old_generations(tmp_path, channel):
    p = project(tmp_path, channel, keep="2", min_age_days="0")
    for version in ("2.0.1", "2.0.2"):
        publish_numpy(channel, version)
        assert p.autoupdate().returncode == 0
    assert p.generation_ids() == ["2", "3"]
    assert p.current() == "generations/3"


def test_generations_superseded_recently_outlive_keep(tmp_path, channel):
    """Jobs that loaded the module last night still run from last night's generation."""
    p = project(tmp_path, channel, keep="1")  # min_age_days: 8
    for version in ("2.0.1", "2.0.2"):
        publish_numpy(channel, version)
        assert p.autoupdate().returncode == 0
    assert p.generation_ids() == ["1", "2", "3"] and p.current() == "generations/3"
    dry = p.run("gc", "main", "--dry-run")
    assert "main: would remove nothing" in dry.stdout
    assert re.search(r"kept generation 1: current until 0\.\d h ago \(min_age_days 8\)", dry.stdout)
    assert p.run("gc", "main", "--min-age-days", "0").returncode == 0
    assert p.generation_ids() == ["3"]


def test_pins_are_never_upgraded(tmp_path, channel):
    p = project(tmp_path, channel, conda="  autoupdate:\n    pins: [numpy]")
    publish_numpy(channel)
    channel.add("bigdata", "1.1")
    channel.index()
    result = p.autoupdate()
    assert result.returncode == 0, result.stderr
    assert "  base: upgraded bigdata 1.0 0 -> 1.1 0" in result.stdout
    assert "numpy 1.26.4 0 ->" not in result.stdout
    assert "  pinned: base: numpy ==1.26.4 0" in result.stdout
    numpy = (p.tree / "current/lib/python/site-packages/numpy/__init__.py").read_text()
    assert "1.26.4" in numpy


def test_unsatisfiable_pin_fails_and_users_keep_the_old_tree(tmp_path, channel, lmod):
    p = project(tmp_path, channel, conda="  autoupdate:\n    pins: [numpy]")
    publish_numpy(channel)
    p.write(channel.url, extra=AUTO, conda_extra="  autoupdate:\n    pins: [numpy]",
            packages='["python=3.11", "numpy>=2", bigdata]')  # fmt: skip
    result = p.autoupdate()
    assert result.returncode == 1
    assert "main: FAILED: tree main env base: solving failed" in result.stderr
    assert "current is still generation 1; users are not affected" in result.stderr
    assert p.generation_ids() == ["1"]
    assert_untouched(p, lmod)


def test_unreachable_channel_fails_and_users_keep_the_old_tree(tmp_path, channel, lmod):
    p = project(tmp_path, channel)
    channel.path.rename(channel.path.with_name("moved"))  # a mirror that went away
    try:
        result = p.autoupdate("--quiet")
    finally:
        channel.path.with_name("moved").rename(channel.path)
    assert result.returncode == 1
    assert f"solving failed (channels: {channel.url})" in result.stderr
    assert p.generation_ids() == ["1"]
    assert_untouched(p, lmod)


def test_corrupt_package_is_refused_before_it_is_unpacked(tmp_path, channel, lmod):
    p = project(tmp_path, channel)
    publish_numpy(channel)
    archive = channel.path / "noarch" / "numpy-2.0.1-0.tar.bz2"
    archive.write_bytes(archive.read_bytes()[:-40] + b"\0" * 40)  # corrupt after indexing
    for _ in range(2):  # and the next run finds nothing half-built
        result = p.autoupdate()
        assert result.returncode == 1
        assert "verifying packages failed" in result.stderr
        assert "numpy-2.0.1-0.tar.bz2: sha256 mismatch" in result.stderr
        assert p.generation_ids() == ["1"]
    assert not (p.root / ".pkgs" / "numpy-2.0.1-0").exists()
    assert_untouched(p, lmod)


def test_failed_health_check_is_kept_not_retried_and_superseded(tmp_path, channel, lmod):
    p = project(tmp_path, channel)
    publish_numpy(channel, init="raise ImportError('broken build')\n")
    result = p.autoupdate()
    assert result.returncode == 1
    headline = "main: FAILED: health check failed in main:base: 'python -c \"import numpy\"'"
    assert headline in result.stderr
    log = p.tree / "generations/2/.pyherd/checks.log"
    assert f"  log: {log}" in result.stderr and "broken build" in log.read_text()
    assert_untouched(p, lmod)
    # the same solution again: not rebuilt every night, still reported
    again = p.autoupdate()
    assert again.returncode == 1
    assert "failed its health checks in generation 2; it is not retried" in again.stderr
    assert p.generation_ids() == ["1", "2"]
    # a fixed build supersedes it
    publish_numpy(channel, "2.0.2")
    fixed = p.autoupdate()
    assert fixed.returncode == 0, fixed.stderr
    assert "generation 1 -> 3" in fixed.stdout
    assert_untouched(p, lmod, gid=3, numpy="2.0.2")


@pytest.mark.parametrize(
    "point", ["worker-solved", "worker-installed-base", "built", "checked", "before-swap"]
)
def test_killed_update_leaves_current_and_the_next_run_finishes(tmp_path, channel, lmod, point):
    p = project(tmp_path, channel)
    publish_numpy(channel)
    killed = p.autoupdate(env={"PYHERD_KILL_AT": point})
    assert killed.returncode in (-9, 1), killed.stderr  # 1: the worker died, pyherd reported it
    if killed.returncode == 1:
        assert "the py-rattler worker died" in killed.stderr
    assert_untouched(p, lmod)
    rerun = p.autoupdate()
    assert rerun.returncode == 0, rerun.stderr
    assert_untouched(p, lmod, gid=int(p.current().split("/")[1]), numpy="2.0.1")
    statuses = {
        g: json.loads((p.tree / "generations" / g / ".pyherd/generation.json").read_text())[
            "status"
        ]
        for g in p.generation_ids()
    }
    assert set(statuses.values()) == {"ready"}, statuses  # nothing half-built remains
    if point == "before-swap":  # built and checked already: published, not rebuilt
        assert p.current() == "generations/2"
        assert "was built and checked by an earlier, killed run" in rerun.stdout


@pytest.fixture
def small_disk(tmp_path: Path):
    """A 3 MiB tmpfs (root is needed to mount it; CI runs as root)."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    mount = tmp_path / "disk"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mount)], check=True)
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_full_disk_fails_cleanly(tmp_path, channel, lmod, small_disk):
    p = Project(tmp_path / "proj", channel, extra=AUTO)
    p.root = small_disk / "root"
    p.tree = p.root / "main"
    p.write(channel.url, extra=AUTO)
    assert p.install().returncode == 0
    free = os.statvfs(small_disk).f_bavail
    channel.add(
        "huge", "1.0", files={f"share/huge/{i}": os.urandom(600_000).hex() for i in range(4)}
    )
    channel.add_python_module("numpy", "2.0.1", depends=("huge",))
    channel.index()
    result = p.autoupdate()
    assert result.returncode == 1
    assert "No space left on device" in result.stderr
    assert "current is still generation 1" in result.stderr
    assert p.generation_ids() == ["1"]
    assert os.statvfs(small_disk).f_bavail >= free - 8  # what the failed run wrote is gone
    assert_untouched(p, lmod)


def test_two_runs_at_once_one_exits_75(tmp_path, channel):
    p = project(tmp_path, channel, checks='["sleep 3"]')
    publish_numpy(channel)
    env = {**os.environ, "PYTHONPATH": str(Path(TEMPLATES).parent / "tools")}
    args = ["autoupdate", "--site", "s", "--templates", TEMPLATES]
    first = subprocess.Popen(
        [*PYHERD, *args], cwd=p.dir, env=env, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while not (p.tree / "generations/2/.pyherd").is_dir() and time.monotonic() < deadline:
        time.sleep(0.05)
    second = p.autoupdate()
    _, err = first.communicate(timeout=120)
    assert first.returncode == 0, err
    assert second.returncode == 75
    assert f"holds the lock (pid {first.pid}, started " in second.stderr
    assert "autoupdate --site s" in second.stderr
    # the lock of a process that died never blocks
    with TreeLock(p.tree / ".lock"):
        held = p.autoupdate()
        quiet = p.autoupdate("--quiet")  # cron: an overlap mails nobody; the exit says it
    assert held.returncode == 75 and f"pid {os.getpid()}" in held.stderr
    assert (quiet.returncode, quiet.stdout, quiet.stderr) == (75, "", "")
    assert p.autoupdate().returncode == 0


def test_change_count_over_the_limit_is_held_for_a_human(tmp_path, channel):
    p = project(tmp_path, channel, conda="  autoupdate:\n    max_changes: 1")
    publish_numpy(channel)
    held = p.autoupdate()
    assert held.returncode == 1
    assert "main: HELD: 2 packages would change, more than max_changes 1" in held.stderr
    assert "  base: upgraded numpy 1.26.4 0 -> 2.0.1 0" in held.stderr
    assert p.generation_ids() == ["1"]
    applied = p.autoupdate("--max-changes", "2")
    assert applied.returncode == 0, applied.stderr
    assert p.current() == "generations/2"


def test_rolled_back_solution_is_not_republished(tmp_path, channel):
    p = project(tmp_path, channel)
    publish_numpy(channel)
    assert p.autoupdate().returncode == 0
    published = snapshot(p.tree / "generations/2")
    assert p.run("rollback", "main").returncode == 0
    assert snapshot(p.tree / "generations/2") == published  # the note lives beside it
    again = p.autoupdate()
    assert again.returncode == 1
    assert "main: HELD: generation 2 has exactly this solution and was rolled back" in (
        again.stderr
    )
    assert p.current() == "generations/1"
    listing = p.run("generations", "main").stdout.splitlines()
    row = listing[2].split()  # not current: id, created, status, ...
    assert (row[0], row[2]) == ("2", "rolled-back")
    assert p.run("rollback", "main", "--to", "2").returncode == 0
    # rolling forward is no rollback: generation 1 is not marked as turned away from
    statuses = {r.split()[1 if r.startswith("*") else 0]: r for r in
                p.run("generations", "main").stdout.splitlines()[1:]}  # fmt: skip
    assert "rolled-back" not in statuses["1"] and "rolled-back" not in statuses["2"]
    assert p.autoupdate().stdout.startswith("main: up to date: generation 2")


def test_frozen_env_is_carried_over_unchanged(tmp_path, channel):
    frozen = (
        "      autoupdate: true\n      envs:\n        py2: {packages: [python=2.7], frozen: true}"
    )
    p = Project(tmp_path / "proj", channel)
    text = (p.dir / "sites/s.yaml").read_text()
    frozen_site = text.replace('      envs:\n        py2:\n          packages: ["python=2.7"]\n',
                               frozen + "\n")  # fmt: skip
    (p.dir / "sites/s.yaml").write_text(frozen_site)
    assert p.install().returncode == 0
    channel.add("python", "2.7.19", files={"bin/python": "#!/bin/sh\n"})
    channel.index()
    assert p.autoupdate().stdout.startswith("main: up to date")
    (p.dir / "sites/s.yaml").write_text(frozen_site.replace(", frozen: true", ""))
    thawed = p.autoupdate("--dry-run")
    assert "  py2: upgraded python 2.7.18 0 -> 2.7.19 0" in thawed.stdout


def test_new_env_is_installed_and_its_module_rendered(tmp_path, channel, lmod):
    p = project(tmp_path, channel)
    out = p.dir / "modulefiles"
    assert p.run("render", "--out", str(out)).returncode == 0
    site = (p.dir / "sites/s.yaml").read_text()
    site = site.replace(
        "        py2:\n", "        tools:\n          packages: [bigdata]\n        py2:\n"
    )
    site += (
        "  tools:\n    kind: conda-env\n    module: tools/{version}\n    tree_module: conda\n"
        "    env_name: tools\n    versions: ['1']\n"
    )
    (p.dir / "sites/s.yaml").write_text(site)
    result = p.autoupdate("--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "  tools: added bigdata 1.0 0" in result.stdout
    assert f"modulefiles re-rendered: {out / 's/tools/1.lua'}" in result.stdout
    shown = lmod.run("module load tools/1 && echo $CONDA_PREFIX", [out / "s"])
    # the module pins the generation `current` names at load (generation 2 here)
    generation = (p.tree / "current").resolve()
    assert generation.name == "2"
    assert shown.stdout.strip() == str(generation / "envs/tools"), shown.stderr


def test_not_installed_and_bad_config(tmp_path, channel):
    p = Project(tmp_path / "proj", channel, extra=AUTO)
    missing = p.autoupdate()
    assert missing.returncode == 1
    assert "has no current generation; install it first: pyherd install main --site s" in (
        missing.stderr
    )
    p.write(channel.url, extra="")
    assert "no tree is marked `autoupdate: true`" in p.autoupdate().stderr
    p.write(channel.url, extra=AUTO, conda_extra='  autoupdate:\n    schedule: "0 25 * * *"')
    bad = p.autoupdate()
    assert bad.returncode == 2
    assert "sites/s.yaml:6: conda.autoupdate.schedule: hour: 25 is outside 0-23" in bad.stderr
    p.write(channel.url, extra=AUTO + "\n      method: installer\n      installer: {url: /x.sh, "
            "sha256: " + "0" * 64 + "}")  # fmt: skip
    installer = p.autoupdate()
    assert installer.returncode == 2
    assert "autoupdate needs method rattler" in installer.stderr


LONG_LIVED = """
module load conda/1 || exit 3
touch {d}/loaded
# a job running python from the loaded generation until told to go on (/proc shows a
# running program's environment; an idle shell's own exports it does not)
python -c "
import os, time
while not os.path.exists('{d}/go'):
    time.sleep(0.05)
"
echo "python=$(command -v python)"
python -c 'print("python-ok")'
echo "conda_exe=$CONDA_EXE"
conda --version >/dev/null && echo conda-ok
module unload conda/1
"""


@pytest.mark.parametrize("tool", ["lmod", "environment-modules"])
def test_a_long_lived_shell_keeps_one_working_generation_across_autoupdate_and_gc(
    tmp_path, channel, lmod, modulecmd, tool
):
    p = project(tmp_path, channel, keep="1", min_age_days="0", tool=tool)
    out = p.dir / "modulefiles"
    assert p.run("render", "--out", str(out)).returncode == 0
    runner = lmod if tool == "lmod" else modulecmd
    first = p.tree / "generations/1"
    results = []
    shell = threading.Thread(
        target=lambda: results.append(runner.run(LONG_LIVED.format(d=tmp_path), [out / "s"]))
    )
    shell.start()
    try:
        deadline = time.monotonic() + 60
        while not (tmp_path / "loaded").exists():
            assert time.monotonic() < deadline and shell.is_alive(), results
            time.sleep(0.05)
        publish_numpy(channel)
        assert p.autoupdate().returncode == 0
        assert p.current() == "generations/2"
        # keep 1 and no minimum age: only the shell that still uses generation 1 keeps it
        gc = p.run("gc", "main")
        assert gc.returncode == 0, gc.stderr
        assert re.search(r"kept generation 1: in use by pid \d+", gc.stdout), gc.stdout
        assert first.is_dir()
    finally:
        (tmp_path / "go").touch()
        shell.join(timeout=120)
    ran = results[0]
    assert ran.returncode == 0, ran.stderr
    assert f"python={first}/bin/python" in ran.stdout
    assert "python-ok" in ran.stdout  # the channel's python is a stand-in for the real one
    assert f"conda_exe={first}/bin/conda" in ran.stdout
    assert "conda-ok" in ran.stdout
    # the shell is gone: nothing uses generation 1 any more
    assert p.run("gc", "main").returncode == 0
    assert p.generation_ids() == ["2"]
