"""Conda trees as generations, with real py-rattler on local channels built here."""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from condachannel import Channel
from condaproject import TEMPLATES, Project, site_yaml
from conftest import PYHERD, ROOT, process_state, run_pyherd
from pyherd.lock import TreeLock


@pytest.fixture(scope="module")
def channel(tmp_path_factory: pytest.TempPathFactory) -> Channel:
    chan = Channel(tmp_path_factory.mktemp("channel") / "chan")
    chan.add_base()
    chan.add_python_module("numpy", "1.26.4")
    chan.add("bigdata", "1.0", files={f"share/bigdata/{i}.dat": "x" * 4096 for i in range(8)})
    chan.index()
    return chan


def test_install_publishes_a_checked_sealed_generation(tmp_path: Path, channel: Channel):
    p = Project(tmp_path, channel)
    result = p.install()
    assert result.returncode == 0, result.stderr
    assert "generation 1 is current" in result.stdout
    assert p.current() == "generations/1"
    current = p.tree / "current"
    # prefix replacement made the tree's python point into its own generation
    assert (
        str(p.tree / "generations/1/lib/python/site-packages")
        in (current / "bin/python").read_text()
    )
    record = json.loads((current / ".pyherd/generation.json").read_text())
    assert record["status"] == "ready"
    names = {pkg["name"] for pkg in record["packages"]["base"]}
    assert {"python", "numpy", "conda", "mamba", "bigdata"} <= names
    assert [pkg["version"] for pkg in record["packages"]["py2"]] == ["2.7.18"]
    explicit = (current / ".pyherd/base.explicit.txt").read_text().splitlines()
    assert explicit[0] == "@EXPLICIT" and any("numpy-1.26.4-0.tar.bz2#" in x for x in explicit)
    condarc = (current / ".condarc").read_text()
    assert f'  - "{channel.url}"' in condarc and "auto_activate_base: false" in condarc
    assert '  - "${HOME}/.conda/envs"' in condarc
    # nothing in the published tree is writable by group or others; all of it is readable
    for path in [current.resolve(), *current.resolve().rglob("*")]:
        mode = path.lstat().st_mode
        if not stat.S_ISLNK(mode):
            assert not mode & 0o022, path
            assert mode & 0o004, path
    listing = p.run("generations", "main")
    assert listing.returncode == 0
    assert listing.stdout.splitlines()[1].split()[:4] == ["*", "1", record["created"], "ready"]


@pytest.mark.parametrize("umask", [0o000, 0o002])
def test_a_loose_umask_publishes_nothing_writable_and_checks_change_nothing(
    tmp_path: Path, channel: Channel, umask: int
):
    p = Project(tmp_path, channel)
    old = os.umask(umask)
    try:
        first = p.install()
        second = p.install()  # the root and tree made under that umask are not refused
    finally:
        os.umask(old)
    assert first.returncode == 0, first.stderr
    assert second.returncode == 0, second.stderr
    for path in [p.root, *p.root.rglob("*")]:
        mode = path.lstat().st_mode
        if not stat.S_ISLNK(mode):
            assert not mode & 0o022, f"{path} is {stat.S_IMODE(mode):o}"
    generation = p.tree / "generations/2"
    # the checks imported numpy and ran conda: they wrote no bytecode; no cache tags remain
    assert not list(generation.rglob("__pycache__"))
    assert not list(generation.rglob("CACHEDIR.TAG"))
    log = generation / ".pyherd/checks.log"
    assert "import numpy" in log.read_text() and stat.S_IMODE(log.stat().st_mode) == 0o644


def test_second_generation_hard_links_the_first(tmp_path: Path, channel: Channel):
    p = Project(tmp_path, channel)
    assert p.install().returncode == 0
    assert p.install().returncode == 0
    assert p.current() == "generations/2"
    one = p.tree / "generations/1/share/bigdata/0.dat"
    two = p.tree / "generations/2/share/bigdata/0.dat"
    assert one.stat().st_ino == two.stat().st_ino  # one copy on disk, shared via the cache
    lines = p.run("generations", "main").stdout.splitlines()[1:]
    assert [re.match(r"^\*?\s*(\d+)\s", line).group(1) for line in lines] == ["1", "2"]
    units = {"B": 1, "KiB": 1024, "MiB": 1 << 20}
    size, own = (float(n) * units[u] for n, u in re.findall(r"([\d.]+) (B|KiB|MiB)", lines[1]))
    assert own < size  # the shared files count in size, not in what generation 2 alone holds
    # a file with the prefix baked in is a copy per generation, as it must be
    py1, py2 = (p.tree / f"generations/{i}/bin/python" for i in (1, 2))
    assert py1.stat().st_ino != py2.stat().st_ino


@pytest.fixture(scope="module")
def conda_channel(tmp_path_factory: pytest.TempPathFactory) -> Channel:
    """The same packages in conda's newer `.conda` format (a zip of zstd tars)."""
    chan = Channel(tmp_path_factory.mktemp("condafmt") / "chan", fmt="conda")
    chan.add_base()
    chan.add_python_module("numpy", "1.26.4")
    chan.add("bigdata", "1.0", files={f"share/bigdata/{i}.dat": "x" * 4096 for i in range(8)})
    chan.index()
    return chan


def test_conda_format_packages_install_share_the_cache_and_are_verified(
    tmp_path: Path, conda_channel: Channel
):
    p = Project(tmp_path, conda_channel)
    for _ in range(2):
        result = p.install()
        assert result.returncode == 0, result.stderr
    current = p.tree / "current"
    explicit = (current / ".pyherd/base.explicit.txt").read_text()
    assert "numpy-1.26.4-0.conda#" in explicit
    # the checks imported numpy from it; prefix replacement ran on the python wrapper
    assert "import numpy" in (current / ".pyherd/checks.log").read_text()
    assert str(p.tree / "generations/2/") in (current / "bin/python").read_text()
    one, two = (p.tree / f"generations/{i}/share/bigdata/0.dat" for i in (1, 2))
    assert one.stat().st_ino == two.stat().st_ino
    # a .conda file replaced after indexing is refused before it is unpacked
    chan = Channel(conda_channel.path.parent / f"copy-{tmp_path.name}", fmt="conda")
    chan.add_base()
    chan.add_python_module("numpy", "2.0.1")
    chan.add("bigdata", "1.0", files={"share/bigdata/0.dat": "x"})
    chan.index()
    archive = chan.path / "noarch" / "numpy-2.0.1-0.conda"
    archive.write_bytes(archive.read_bytes()[:-40] + b"\0" * 40)
    p.write(chan.url)
    result = p.install()
    assert result.returncode == 1
    assert "numpy-2.0.1-0.conda: sha256 mismatch" in result.stderr
    assert p.current() == "generations/2" and p.generation_ids() == ["1", "2"]
    assert not (p.root / ".pkgs" / "numpy-2.0.1-0").exists()


def _workers(marker: str) -> list[int]:
    """Live py-rattler workers started under `marker` (in their environment)."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            cmdline = (proc / "cmdline").read_bytes()
            environ = (proc / "environ").read_bytes()
        except OSError:
            continue
        if b"pyherd.conda.worker" in cmdline and marker.encode() in environ:
            found.append(int(proc.name))
    return found


@pytest.mark.parametrize("case", ["installed", "bad input", "pyherd killed mid-solve"])
def test_no_worker_outlives_pyherd(tmp_path: Path, channel: Channel, case: str):
    """The worker starts with the command, before the site is read; it goes with pyherd
    however pyherd ends, even while it is busy (stopped here, at its solve's end)."""
    marker = f"w{os.getpid()}-{tmp_path.name}"
    p = Project(tmp_path, channel)
    if case == "bad input":
        result = p.run("install", "nosuchtree", env={"PYHERD_TEST_WORKER": marker})
        assert result.returncode == 2 and "no tree 'nosuchtree'" in result.stderr
    elif case == "installed":
        assert p.install(env={"PYHERD_TEST_WORKER": marker}).returncode == 0
    else:
        env = {**os.environ, "PYTHONPATH": str(ROOT / "tools"), "PYHERD_TEST_WORKER": marker}
        env["PYHERD_STOP_AT"] = "worker-solved"
        args = ["install", "main", "--site", "s", "--templates", TEMPLATES]
        proc = subprocess.Popen([*PYHERD, *args], cwd=p.dir, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        deadline = time.monotonic() + 60
        while not [pid for pid in _workers(marker) if process_state(pid) == "T"]:
            assert time.monotonic() < deadline and proc.poll() is None, "no worker stopped"
            time.sleep(0.02)
        proc.kill()
        proc.wait()
    deadline = time.monotonic() + 10
    while _workers(marker) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _workers(marker) == []
    assert p.current() in (None, "generations/1")


def test_rollback_and_gc_never_touch_current(tmp_path: Path, channel: Channel):
    p = Project(tmp_path, channel, keep="5")
    for _ in range(3):
        assert p.install().returncode == 0
    back = p.run("rollback", "main")
    assert back.returncode == 0, back.stderr
    assert p.current() == "generations/2" and "was 3" in back.stdout
    assert p.run("rollback", "main", "--to", "1").returncode == 0
    assert p.current() == "generations/1"
    dry = p.run("gc", "main", "--keep", "1", "--min-age-days", "0", "--dry-run")
    assert "would remove 2" in dry.stdout and p.generation_ids() == ["1", "2", "3"]
    gc = p.run("gc", "main", "--keep", "1", "--min-age-days", "0")
    assert gc.returncode == 0, gc.stderr
    assert p.generation_ids() == ["1", "3"]  # the newest, and the current one
    assert p.current() == "generations/1"
    missing = p.run("rollback", "main", "--to", "2")
    assert missing.returncode == 1 and "no generation 2" in missing.stderr


def test_failed_health_check_leaves_current_untouched(tmp_path: Path, channel: Channel):
    p = Project(tmp_path, channel)
    assert p.install().returncode == 0
    p.write(channel.url, checks="['python -c \"import numpy\"', 'python -c \"import scipy\"']")
    result = p.install()
    assert result.returncode == 1
    assert "health check failed in main:base" in result.stderr and "scipy" in result.stderr
    assert p.current() == "generations/1"
    record = json.loads((p.tree / "generations/2/.pyherd/generation.json").read_text())
    assert record["status"] == "failed"
    assert "No module named 'scipy'" in (p.tree / "generations/2/.pyherd/checks.log").read_text()
    # the next run cleans the failed one up once it is beyond keep
    assert p.run("gc", "main", "--keep", "1").returncode == 0
    assert p.generation_ids() == ["1"]


def test_missing_channel_fails_cleanly(tmp_path: Path, channel: Channel):
    p = Project(tmp_path, channel)
    p.write((tmp_path / "no-such-channel").as_uri())
    result = p.install()
    assert result.returncode == 1
    assert "solving failed" in result.stderr and "no-such-channel" in result.stderr
    assert p.current() is None and p.generation_ids() == []


def test_bad_spec_is_bad_input_with_its_line(tmp_path: Path, channel: Channel):
    p = Project(tmp_path, channel, packages='["python=3.11", "numpy >=>1"]')
    result = p.install()
    assert result.returncode == 2, result.stderr
    line = next(i for i, t in enumerate(site_yaml(p.root, "x").splitlines(), 1) if "packages" in t)
    assert f"sites/s.yaml:{line}: conda.trees.main.packages[1]: not a valid package spec" in (
        result.stderr
    )
    assert p.current() is None and p.generation_ids() == []
    assert not p.tree.exists()  # bad input: no lock file, no generations/ left behind


@pytest.mark.parametrize(
    "point", ["worker-solved", "worker-installed-base", "built", "checked", "before-swap"]
)
def test_killed_install_leaves_current_and_rerun_succeeds(
    tmp_path: Path, channel: Channel, point: str
):
    p = Project(tmp_path, channel)
    assert p.install().returncode == 0
    killed = p.install(env={"PYHERD_KILL_AT": point})
    assert killed.returncode != 0
    assert p.current() == "generations/1"
    assert (p.tree / "current/bin/python").is_file()
    rerun = p.install()
    assert rerun.returncode == 0, rerun.stderr
    assert p.current() == "generations/3" or p.current() == "generations/2"
    record = json.loads((p.tree / "current/.pyherd/generation.json").read_text())
    assert record["status"] == "ready"
    statuses = p.run("generations", "main").stdout
    assert "incomplete" not in statuses and "building" not in statuses


def test_a_killed_install_leaves_no_health_check_running(tmp_path: Path, channel: Channel):
    marker = f"31.{os.getpid()}"  # a sleep nobody else runs
    p = Project(tmp_path, channel, checks=f"['sleep {marker} & sleep {marker}']")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "tools")}
    args = ["install", "main", "--site", "s", "--templates", TEMPLATES]
    proc = subprocess.Popen([*PYHERD, *args], cwd=p.dir, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip

    def sleepers() -> list[str]:
        found = subprocess.run(["pgrep", "-f", f"sleep {marker}"], capture_output=True, text=True)
        return found.stdout.split()

    deadline = time.monotonic() + 60
    while len(sleepers()) < 2:
        assert time.monotonic() < deadline and proc.poll() is None, "the check never started"
        time.sleep(0.05)
    proc.kill()
    proc.wait()
    deadline = time.monotonic() + 10
    while sleepers() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert sleepers() == [], "the health check outlived pyherd"
    assert p.current() is None


def test_second_run_gets_75_naming_the_holder(tmp_path: Path, channel: Channel):
    p = Project(tmp_path, channel)
    assert p.install().returncode == 0
    with TreeLock(p.tree / ".lock"):
        result = p.install()
    assert result.returncode == 75
    assert f"pid {os.getpid()}" in result.stderr
    assert p.install().returncode == 0  # the lock went with its holder


@pytest.mark.parametrize("command", [("gc", "main", "--keep", "1"), ("rollback", "main")])
def test_a_lock_planted_as_a_link_is_refused_and_its_target_untouched(
    tmp_path: Path, channel: Channel, command: tuple[str, ...]
):
    p = Project(tmp_path, channel)
    for _ in range(2):
        assert p.install().returncode == 0
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    (p.tree / ".lock").unlink()
    (p.tree / ".lock").symlink_to(victim)
    result = p.run(*command)
    assert result.returncode == 1, result.stderr
    assert f"{p.tree / '.lock'}: is a symbolic link; pyherd takes no lock through one" in (
        result.stderr
    )
    assert victim.read_text() == "precious\n"
    assert p.current() == "generations/2" and p.generation_ids() == ["1", "2"]


def test_a_group_writable_package_cache_is_refused(tmp_path: Path, channel: Channel):
    p = Project(tmp_path, channel)
    assert p.install().returncode == 0
    (p.root / ".pkgs").chmod(0o775)
    refused = p.install()
    assert refused.returncode == 1
    assert f"{p.root / '.pkgs'} is writable by group or others (mode 775)" in refused.stderr
    assert p.generation_ids() == ["1"]


def test_world_writable_root_is_refused(tmp_path: Path, channel: Channel):
    p = Project(tmp_path, channel)
    p.root.mkdir()
    p.root.chmod(0o777)
    refused = p.install()
    assert refused.returncode == 1 and "world-writable" in refused.stderr
    assert not p.tree.exists()
    assert p.install("--allow-world-writable").returncode == 0


def test_dry_run_solves_and_writes_nothing(tmp_path: Path, channel: Channel):
    p = Project(tmp_path, channel)
    result = p.install("--dry-run")
    assert result.returncode == 0, result.stderr
    assert (
        "numpy 1.26.4 0" in result.stdout and "env py2: python=2.7 -> 1 packages" in result.stdout
    )
    assert not p.root.exists()


def _installer_script(tmp: Path, marker: Path) -> Path:
    """A self-extracting installer honouring the vendor's -b -p PREFIX interface."""
    payload = tmp / "payload"
    (payload / "bin").mkdir(parents=True)
    (payload / "etc/profile.d").mkdir(parents=True)
    (payload / "conda-meta").mkdir()
    (payload / "bin/python").write_text('#!/bin/sh\nexec python3 "$@"\n')
    (payload / "etc/profile.d/conda.sh").write_text('conda() { echo vendor-conda "$@"; }\n')
    meta = {"name": "python", "version": "3.12.1", "build": "0", "url": "https://x/python.conda"}
    (payload / "conda-meta/python-3.12.1-0.json").write_text(json.dumps(meta))
    import subprocess
    import tarfile

    tar = tmp / "payload.tar"
    with tarfile.open(tar, "w") as t:
        t.add(payload, arcname=".")
    script = tmp / "Miniforge3-test-Linux-x86_64.sh"
    head = f"""#!/bin/bash
set -e
BATCH=0; PREFIX=""
while getopts "bp:u" opt; do case $opt in b) BATCH=1;; p) PREFIX=$OPTARG;; u) ;; esac; done
[ "$BATCH" = 1 ] || {{ echo "interactive mode is not supported here" >&2; exit 2; }}
[ -e "$PREFIX" ] && {{ echo "ERROR: File or directory already exists: $PREFIX" >&2; exit 1; }}
touch {marker}
mkdir -p "$PREFIX"
tail -n +__LINES__ "$0" | tar -x -C "$PREFIX"
echo "installation finished."
exit 0
"""
    lines = head.count("\n") + 1
    script.write_bytes(head.replace("__LINES__", str(lines)).encode() + tar.read_bytes())
    subprocess.run(["bash", "-n", str(script)], check=False)
    return script


def test_installer_method_checks_sha256_before_running(tmp_path: Path, channel: Channel):
    marker = tmp_path / "installer-ran"
    script = _installer_script(tmp_path, marker)
    good = hashlib.sha256(script.read_bytes()).hexdigest()
    p = Project(tmp_path, channel)
    for sha, expect in (("0" * 64, 1), (good, 0)):
        extra = (
            f"      method: installer\n      installer: {{url: {script.as_uri()}, sha256: {sha}}}"
        )
        p.write(channel.url, extra=extra, checks='["python -c pass"]')
        result = p.install()
        assert result.returncode == expect, result.stderr
        if expect:
            assert "sha256 mismatch" in result.stderr and "refused" in result.stderr
            assert not marker.exists() and p.current() is None
    assert marker.exists() and p.current() == "generations/1"
    current = p.tree / "current"
    assert "vendor-conda" in (current / "etc/profile.d/conda.sh").read_text()
    assert (current / "envs/py2/bin/python").is_file()  # named envs still come from rattler
    assert (current / ".pyherd/installer.log").read_text().strip() == "installation finished."


def test_installer_without_sha256_is_bad_input(tmp_path: Path, channel: Channel):
    p = Project(tmp_path, channel)
    p.write(channel.url, extra="      method: installer\n      installer: {url: /x.sh}")
    result = p.install()
    assert result.returncode == 2
    assert "conda.trees.main.installer: missing required key 'sha256'" in result.stderr


def _activation_script() -> str:
    return """
tool='^(_ModuleTable|__LMOD|LMOD_|__MODULES_|_LMFILES_|LOADEDMODULES|_=)'
snapshot() { declare -F | sort; env | grep -v -E "$tool" | sort; }
before=$(snapshot)
module load conda/1
type -t conda
conda activate py2 && echo "activated $CONDA_DEFAULT_ENV $(command -v python)"
conda deactivate
source activate py2 && echo "sourced $CONDA_PREFIX"
conda deactivate
module unload conda/1
after=$(snapshot)
diff <(echo "$before") <(echo "$after") && echo CLEAN
"""


@pytest.mark.parametrize("tool", ["lmod", "environment-modules"])
def test_module_gives_conda_activate_and_unload_leaves_nothing(
    tmp_path: Path, channel: Channel, tool: str, lmod, modulecmd
):
    p = Project(tmp_path, channel, tool=tool)
    assert p.install().returncode == 0
    out = tmp_path / "modulefiles"
    rendered = run_pyherd(
        "render", "--site", "s", "--templates", TEMPLATES, "--out", str(out), cwd=tmp_path
    )
    assert rendered.returncode == 0, rendered.stderr
    runner = lmod if tool == "lmod" else modulecmd
    result = runner.run(_activation_script(), [out / "s"])
    env_bin = p.tree / "generations/1/envs/py2/bin/python"
    assert result.stdout.splitlines()[0] == "function", result.stderr
    assert f"activated py2 {env_bin}" in result.stdout
    assert f"sourced {p.tree / 'generations/1/envs/py2'}" in result.stdout
    assert result.stdout.rstrip().endswith("CLEAN"), result.stdout + result.stderr


def test_environment_file_errors_name_the_file_and_line(tmp_path: Path, channel: Channel):
    p = Project(tmp_path, channel)
    envs = tmp_path / "sites/s/envs"
    envs.mkdir(parents=True)
    (envs / "a.yml").write_text(
        "name: a\ndependencies:\n  - python=3.11\n  - pip:\n    - requests\n"
    )
    p.write(channel.url, extra="        a: envs/a.yml")
    result = p.install()
    assert result.returncode == 2
    assert "sites/s/envs/a.yml:4: dependencies[1]: pip dependencies are not installed" in (
        result.stderr
    )
    (envs / "a.yml").write_text("name: a\ndependencies:\n  - python=3.11\n  - numpy\n")
    assert p.install().returncode == 0
    assert (p.tree / "current/envs/a/lib/python/site-packages/numpy/__init__.py").is_file()


def test_progress_shows_on_a_terminal_only(tmp_path: Path, channel: Channel):
    import pty
    import subprocess

    p = Project(tmp_path, channel)
    quiet = p.install()
    assert quiet.returncode == 0 and quiet.stderr == ""  # cron: no TTY, no progress
    leader, follower = pty.openpty()
    env = {**os.environ, "PYTHONPATH": str(ROOT / "tools")}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pyherd",
            "install",
            "main",
            "--site",
            "s",
            "--templates",
            TEMPLATES,
        ],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=follower,
        timeout=300,
    )
    os.close(follower)
    shown = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        shown += chunk
    os.close(leader)
    assert proc.returncode == 0
    assert b"running health checks" in shown and b"current -> generation 2" in shown
