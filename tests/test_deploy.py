"""pyherd deploy against real OpenSSH servers on 127.0.0.2-4, each with its own remote root."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from conftest import PYHERD, ROOT, TEMPLATES, run_pyherd
from sshhosts import SshHost, free_port, keygen, make_hosts

ADDRESSES = ["127.0.0.2", "127.0.0.3", "127.0.0.4"]
CACHE_UPDATE = "/usr/share/lmod/lmod/libexec/update_lmod_system_cache_files"
PYHERD_BIN = Path(sys.executable).parent / "pyherd"

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0 or not shutil.which("unshare"),
    reason="the test hosts need root (sshd, a mount namespace per host)",
)


class Cluster:
    """Three hosts, a project dir with sites/t.yaml, and helpers to deploy and look."""

    def __init__(self, base: Path):
        self.base = base
        self.port = free_port(ADDRESSES)
        self.key = keygen(base / "client_ed25519")
        self.common = base / "common"  # the path every host sees its own root at
        self.common.mkdir()
        self.hosts = make_hosts(base, ADDRESSES, self.port, self.key)
        self.project = base / "project"
        (self.project / "sites/t").mkdir(parents=True)
        shutil.copytree(TEMPLATES, self.project / "templates")
        self.known_hosts = self.project / "sites/t/known_hosts"
        self.known_hosts.write_text("".join(h.known_hosts_line(self.port) for h in self.hosts))
        self.write_site()

    def write_site(self, versions: str = '["3.11.5", "3.12.1"]', extra: str = "") -> None:
        (self.project / "sites/t.yaml").write_text(
            textwrap.dedent(f"""\
            module_tool: lmod
            deploy:
              user: root
              port: {self.port}
              identity_file: {self.key}
              groups:
                login: [127.0.0.2, 127.0.0.3]
                build: [127.0.0.4]
              modulepath: {self.common}/modules
              config_dir: {self.common}/etc
              lmod_cache_dir: {self.common}/cache
              cache_update: {CACHE_UPDATE}
              parallel: 2
            """)
            + textwrap.indent(extra, "  ")
            + textwrap.dedent(f"""\
            lmod:
              properties:
                state:
                  testing: {{short: (T), doc: being tested}}
            modules:
              python:
                kind: python
                versions: {versions}
                prefix: /opt/python/{{version}}
            """)
        )

    def deploy(self, *args: str, env: dict[str, str] | None = None):
        return run_pyherd("deploy", "--site", "t", *args, cwd=self.project, env=env)

    def host(self, address: str) -> SshHost:
        return next(h for h in self.hosts if h.address == address)

    def tree(self, address: str, name: str = "modules") -> Path:
        return self.host(address).root / name

    def files(self, address: str, name: str = "modules") -> dict[str, str]:
        top = self.tree(address, name)
        return {
            str(p.relative_to(top)): p.read_text() for p in sorted(top.rglob("*")) if p.is_file()
        }

    def snapshot(self) -> dict[str, tuple[int, str]]:
        """Every path under every host's root: (mtime, link target or '')."""
        out = {}
        for host in self.hosts:
            for p in sorted(host.root.rglob("*")):
                st = p.lstat()
                out[str(p)] = (st.st_mtime_ns, os.readlink(p) if p.is_symlink() else "")
        return out


@pytest.fixture
def cluster(tmp_path: Path):
    c = Cluster(tmp_path)
    for host in c.hosts:
        host.start(c.common, c.port)
    yield c
    for host in c.hosts:
        host.stop()


def rows(stdout: str) -> dict[str, list[str]]:
    """The result table by host: [changed, result, seconds, detail...]."""
    return {
        line.split()[0]: line.split()[1:]
        for line in stdout.splitlines()
        if line.startswith("127.0.0.") and not line.split()[0].endswith(":")  # not an item
    }


def test_first_deploy_then_a_rerun_uploads_nothing(cluster: Cluster, lmod):
    first = cluster.deploy()
    assert first.returncode == 0, first.stdout + first.stderr
    table = rows(first.stdout)
    assert sorted(table) == ADDRESSES
    # two modulefiles, lmodrc.lua and the profile.d snippet that appends it to LMOD_RC
    assert all(r[0] == "4" and r[1] == "deployed" for r in table.values()), first.stdout
    for address in ADDRESSES:
        modules = cluster.tree(address)
        assert modules.is_symlink()
        assert sorted(cluster.files(address)) == ["python/3.11.5.lua", "python/3.12.1.lua"]
        assert "testing" in cluster.files(address, "etc")["lmodrc.lua"]
        assert (
            f"{cluster.common}/etc/lmodrc.lua"
            in cluster.files(address, "etc")["profile.d/lmod-rc.sh"]
        )
        # Lmod on that host's tree, and the spider cache the deploy refreshed
        avail = lmod.run("module -t avail python", [modules])
        assert avail.stderr.split()[1:] == ["python/3.11.5", "python/3.12.1"]
        assert "3.12.1.lua" in (cluster.host(address).root / "cache/spiderT.lua").read_text()
    before = cluster.snapshot()
    again = cluster.deploy()
    assert again.returncode == 0, again.stderr
    assert {h: r[:2] for h, r in rows(again.stdout).items()} == {
        h: ["0", "unchanged"] for h in ADDRESSES
    }
    assert cluster.snapshot() == before  # no upload, no new release, nothing touched


def test_one_changed_template_uploads_one_file(cluster: Cluster):
    assert cluster.deploy().returncode == 0
    link = os.readlink(cluster.tree("127.0.0.2"))
    inode = (cluster.tree("127.0.0.2") / "python/3.11.5.lua").stat().st_ino
    template = cluster.project / "templates/lmod/lmodrc.lua.j2"
    template.write_text(template.read_text() + "-- reviewed in PR 42\n")
    changed = cluster.deploy()
    assert changed.returncode == 0, changed.stderr
    for address, row in rows(changed.stdout).items():
        assert row[:2] == ["1", "deployed"], changed.stdout
        assert "configs: 1 up, 0 removed" in " ".join(row)
        assert "PR 42" in cluster.files(address, "etc")["lmodrc.lua"]
    # the modulefiles were not touched: same release, same file
    assert os.readlink(cluster.tree("127.0.0.2")) == link
    assert (cluster.tree("127.0.0.2") / "python/3.11.5.lua").stat().st_ino == inode


def test_a_removed_module_disappears_and_files_pyherd_never_put_there_stay(cluster: Cluster):
    assert cluster.deploy().returncode == 0
    mine = cluster.tree("127.0.0.3") / "local/1.0.lua"  # an admin's own module, by hand
    mine.parent.mkdir()
    mine.write_text("-- hand-made\n")
    cluster.write_site(versions='["3.11.5"]')
    removed = cluster.deploy("--group", "login")
    assert removed.returncode == 0, removed.stderr
    assert sorted(rows(removed.stdout)) == ["127.0.0.2", "127.0.0.3"]
    assert "modulefiles: 0 up, 1 removed" in removed.stdout
    assert sorted(cluster.files("127.0.0.3")) == ["local/1.0.lua", "python/3.11.5.lua"]
    assert cluster.files("127.0.0.3")["local/1.0.lua"] == "-- hand-made\n"
    assert "python/3.12.1.lua" in cluster.files("127.0.0.4")  # not in the login group


def test_a_reader_during_a_deploy_sees_the_old_tree_or_the_new_one(cluster: Cluster):
    assert cluster.deploy("--hosts", "127.0.0.2").returncode == 0
    python = cluster.tree("127.0.0.2") / "python"
    old, new = ["3.11.5.lua", "3.12.1.lua"], ["3.11.5.lua", "3.13.0.lua"]
    seen: set[tuple[str, ...]] = set()
    done = threading.Event()

    def read() -> None:
        while not done.is_set():
            seen.add(tuple(sorted(os.listdir(python))))

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for versions in ('["3.11.5", "3.13.0"]', '["3.11.5", "3.12.1"]') * 2:
            cluster.write_site(versions=versions)
            assert cluster.deploy("--hosts", "127.0.0.2").returncode == 0
    finally:
        done.set()
        reader.join()
    assert seen == {tuple(old), tuple(new)}


def test_one_host_down_the_others_are_done(cluster: Cluster):
    cluster.host("127.0.0.3").stop()
    result = cluster.deploy()
    assert result.returncode == 1
    table = rows(result.stdout)
    assert table["127.0.0.2"][1] == table["127.0.0.4"][1] == "deployed"
    assert table["127.0.0.3"][:2] == ["0", "failed"]
    assert "127.0.0.3: cannot connect" in result.stderr
    assert "1 of 3 host(s) failed" in result.stderr
    assert not any(cluster.host("127.0.0.3").root.iterdir())


def test_unknown_and_changed_host_keys_are_refused(cluster: Cluster):
    lines = cluster.known_hosts.read_text().splitlines(keepends=True)
    stranger = keygen(cluster.base / "stranger")
    kind, key = stranger.with_suffix(".pub").read_text().split()[:2]
    lines[0] = f"[127.0.0.2]:{cluster.port} {kind} {key}\n"  # .2 now offers another key
    cluster.known_hosts.write_text("".join(lines[:2]))  # .4 unknown
    result = cluster.deploy()
    assert result.returncode == 1
    table = rows(result.stdout)
    assert table["127.0.0.3"][1] == "deployed"
    assert table["127.0.0.2"][1] == table["127.0.0.4"][1] == "failed"
    assert "127.0.0.2: host key CHANGED" in result.stderr
    assert "127.0.0.4: host key unknown: [127.0.0.4]:" in result.stderr
    assert "--accept-new-host-keys" in result.stderr
    for address in ("127.0.0.2", "127.0.0.4"):
        assert not any(cluster.host(address).root.iterdir())
    # accepting new keys records .4, and never overrides a changed one
    accepted = cluster.deploy("--accept-new-host-keys")
    assert accepted.returncode == 1
    table = rows(accepted.stdout)
    assert table["127.0.0.4"][1] == "deployed" and table["127.0.0.2"][1] == "failed"
    assert f"[127.0.0.4]:{cluster.port} ssh-ed25519" in cluster.known_hosts.read_text()
    assert "new host key recorded" in accepted.stderr


def test_accept_new_host_keys_records_them_and_later_runs_trust_them(cluster: Cluster):
    cluster.known_hosts.unlink()
    refused = cluster.deploy()
    assert refused.returncode == 1 and "3 of 3 host(s) failed" in refused.stderr
    accepted = cluster.deploy("--accept-new-host-keys")
    assert accepted.returncode == 0, accepted.stderr
    recorded = cluster.known_hosts.read_text().splitlines()
    assert sorted(line.split()[0] for line in recorded) == [
        f"[{a}]:{cluster.port}" for a in ADDRESSES
    ]
    again = cluster.deploy()
    assert again.returncode == 0 and "unchanged" in again.stdout


def test_an_upload_killed_midway_leaves_the_old_tree_and_a_rerun_completes(cluster: Cluster):
    assert cluster.deploy().returncode == 0
    old = cluster.files("127.0.0.2")
    link = os.readlink(cluster.tree("127.0.0.2"))
    cluster.write_site(versions='["3.11.5", "3.12.1", "3.13.0"]')
    killed = cluster.deploy(env={"PYHERD_KILL_AT": "deploy-upload"})
    assert killed.returncode == -9
    for address in ADDRESSES:
        assert cluster.files(address) == old
    assert os.readlink(cluster.tree("127.0.0.2")) == link
    rerun = cluster.deploy()
    assert rerun.returncode == 0, rerun.stderr
    assert "python/3.13.0.lua" in cluster.files("127.0.0.2")
    assert all(r[:2] == ["1", "deployed"] for r in rows(rerun.stdout).values()), rerun.stdout


def test_dry_run_touches_nothing(cluster: Cluster):
    dry = cluster.deploy("--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert all(r[:2] == ["4", "would"] for r in rows(dry.stdout).values()), dry.stdout
    assert "127.0.0.2: >f+++++++++ modulefiles/python/3.11.5.lua" in dry.stdout.splitlines()
    assert all(not any(h.root.iterdir()) for h in cluster.hosts)
    assert cluster.deploy().returncode == 0
    cluster.write_site(versions='["3.11.5"]')
    before = cluster.snapshot()
    dry = cluster.deploy("--dry-run")
    assert "modulefiles: 0 up, 1 removed" in dry.stdout
    assert "127.0.0.3: *deleting   modulefiles/python/3.12.1.lua" in dry.stdout.splitlines()
    assert cluster.snapshot() == before


def test_run_streams_each_hosts_output_and_exit(cluster: Cluster):
    extra = f"project_dir: {cluster.common}/project\npyherd: {PYHERD_BIN}\n"
    cluster.write_site(extra=extra)
    wheelhouse = f"wheelhouse:\n  root: {cluster.common}/wh\n"
    site = cluster.project / "sites/t.yaml"
    site.write_text(site.read_text().replace("lmod:\n", wheelhouse + "lmod:\n"))
    shutil.copy(cluster.key, cluster.project / "sites/t/deploy_ed25519")  # a key kept there
    assert cluster.deploy().returncode == 0  # the project copy goes with the trees
    assert (cluster.tree("127.0.0.4", "project") / "sites/t.yaml").is_file()
    assert not (cluster.tree("127.0.0.4", "project") / "sites/t/deploy_ed25519").exists()
    ok = cluster.deploy("--run", "wheels index")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "127.0.0.4 | t: 0 wheels, 0 read;" in ok.stdout
    assert rows(ok.stdout) == {"127.0.0.4": ["ok", rows(ok.stdout)["127.0.0.4"][1], "exit", "0"]}
    assert (cluster.host("127.0.0.4").root / "wh/pip/generic.conf").is_file()
    bad = cluster.deploy("--run", "install nosuchtree", "--hosts", "127.0.0.2", "127.0.0.4")
    assert bad.returncode == 1
    for address in ("127.0.0.2", "127.0.0.4"):
        assert f"{address} | sites/t.yaml: no tree 'nosuchtree'" in bad.stdout
        assert rows(bad.stdout)[address][0] == "failed"
        assert rows(bad.stdout)[address][-2:] == ["exit", "2"]


def test_run_needs_the_same_pyherd_on_the_host(cluster: Cluster):
    cluster.write_site(extra=f"project_dir: {cluster.common}/project\npyherd: /bin/false\n")
    result = cluster.deploy("--run", "autoupdate")
    assert result.returncode == 1
    assert "127.0.0.4: needs pyherd" in result.stderr and "pip install pyherd==" in result.stderr


@pytest.mark.parametrize(
    ("args", "extra", "message"),
    [
        (["--hosts", "10.9.9.9"], "", "not a host of this site: 10.9.9.9"),
        (["--group", "gpu"], "", "no group 'gpu' (groups: login, build)"),
        (["--run", "rm -rf /"], "", "runs pyherd's own commands"),
        (["--run", "autoupdate"], "", "--run needs deploy.project_dir"),
        ([], "project_dir: rel/project\n", "deploy.project_dir: 'rel/project' is not an absolute"),
    ],
)
def test_bad_input_is_exit_2_and_contacts_no_host(cluster: Cluster, args, extra, message):
    if extra:
        cluster.write_site(extra=extra)
    result = cluster.deploy(*args)
    assert result.returncode == 2, result.stdout + result.stderr
    assert message in result.stderr
    assert all(not any(h.root.iterdir()) for h in cluster.hosts)


def test_a_host_name_that_would_reach_a_shell_is_refused(tmp_path: Path):
    (tmp_path / "sites").mkdir()
    (tmp_path / "sites/t.yaml").write_text(
        "module_tool: lmod\ndeploy:\n  groups:\n    login: ['a;touch /tmp/x']\n"
        "  modulepath: /srv/modules\nmodules: {}\n"
    )
    result = run_pyherd("deploy", "--site", "t", cwd=tmp_path)
    assert result.returncode == 2
    assert "sites/t.yaml:4: deploy.groups.login[0]: 'a;touch /tmp/x' is not a host name" in (
        result.stderr
    )


# --- hostile paths, planted links, races (the deploy runs as root on the hosts) ----------

CANARY = Path("/tmp/pyherd-deploy-canary")


def set_modulepath(cluster: Cluster, path: str) -> None:
    site = cluster.project / "sites/t.yaml"
    text = site.read_text()
    old = next(line for line in text.splitlines() if line.strip().startswith("modulepath:"))
    site.write_text(text.replace(old, f"  modulepath: {json.dumps(path)}"))


def test_a_hostile_modulepath_is_quoted_on_the_host_and_never_runs(cluster: Cluster):
    CANARY.unlink(missing_ok=True)
    weird = f"m$(touch {CANARY}) `touch {CANARY}` \"q\" 'x'"
    set_modulepath(cluster, f"{cluster.common}/{weird}/modules")
    first = cluster.deploy("--hosts", "127.0.0.2")
    assert first.returncode == 0, first.stdout + first.stderr
    tree = cluster.host("127.0.0.2").root / weird / "modules"
    assert sorted(p.name for p in (tree / "python").iterdir()) == ["3.11.5.lua", "3.12.1.lua"]
    # the lock held by another deploy: the refusal names the path, and nothing runs
    lock = cluster.host("127.0.0.2").root / weird / ".modules.pyherd/lock"
    cluster.write_site(versions='["3.11.5"]')
    set_modulepath(cluster, f"{cluster.common}/{weird}/modules")
    with lock.open("a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        busy = cluster.deploy("--hosts", "127.0.0.2")
    assert busy.returncode == 75, busy.stdout + busy.stderr
    assert f"another deploy is swapping {cluster.common}/{weird}/modules" in busy.stderr
    assert rows(busy.stdout)["127.0.0.2"][1] == "locked"
    assert not CANARY.exists()
    assert (tree / "python/3.12.1.lua").exists()  # nothing changed while locked
    assert cluster.deploy("--hosts", "127.0.0.2").returncode == 0
    assert sorted(p.name for p in (tree / "python").iterdir()) == ["3.11.5.lua"]
    assert not CANARY.exists()


def plant(cluster: Cluster, where: str, victim: Path) -> Path:
    """Replace a path of host .2's release store with a link to `victim`."""
    store = cluster.host("127.0.0.2").root / ".modules.pyherd"
    path = store / where
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)
    path.symlink_to(victim)
    return path


@pytest.mark.parametrize("where", ["lock", "releases", "incoming", "manifests"])
def test_a_link_planted_in_the_release_store_is_refused_and_its_target_untouched(
    cluster: Cluster, tmp_path: Path, where: str
):
    assert cluster.deploy("--hosts", "127.0.0.2").returncode == 0
    victim = tmp_path / "victim"
    (victim / "keep").mkdir(parents=True)
    (victim / "a").write_text("A\n")
    (victim / "keep/b").write_text("B\n")
    victim_file = tmp_path / "victim.txt"
    victim_file.write_text("precious\n")
    link = plant(cluster, where, victim_file if where == "lock" else victim)
    cluster.write_site(versions='["3.11.5", "3.13.1"]')
    result = cluster.deploy("--hosts", "127.0.0.2")
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"{cluster.common}/.modules.pyherd/{where} is a symbolic link" in result.stderr
    assert rows(result.stdout)["127.0.0.2"][:2] == ["2", "failed"]  # still pending: 2 files
    assert link.is_symlink()
    assert victim_file.read_text() == "precious\n"
    assert sorted(str(p.relative_to(victim)) for p in victim.rglob("*")) == ["a", "keep", "keep/b"]
    assert "python/3.13.1.lua" not in cluster.files("127.0.0.2")


def test_a_directory_link_inside_the_live_release_is_never_written_through(
    cluster: Cluster, tmp_path: Path
):
    assert cluster.deploy("--hosts", "127.0.0.2").returncode == 0
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "3.12.1.lua").write_text("not pyherd's\n")
    live = cluster.tree("127.0.0.2").resolve()
    shutil.rmtree(live / "python")
    (live / "python").symlink_to(victim)  # a planted link where pyherd's directory was
    cluster.write_site(versions='["3.11.5"]')  # would remove python/3.12.1.lua
    result = cluster.deploy("--hosts", "127.0.0.2")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "python is a link to a directory; pyherd writes through none" in result.stderr
    assert (victim / "3.12.1.lua").read_text() == "not pyherd's\n"


def test_a_deploy_that_read_an_older_release_exits_75_and_a_rerun_converges(cluster: Cluster):
    """Deploy B reads the host, then stalls; deploy A swaps in 3.13.1; B must not build on
    A's tree with its own manifest (3.13.1 would stay live and undeclared forever)."""
    assert cluster.deploy("--hosts", "127.0.0.2").returncode == 0
    cluster.write_site(versions='["3.11.5"]')  # B drops 3.12.1
    env = {**os.environ, "PYTHONPATH": str(ROOT / "tools"), "PYHERD_STOP_AT": "deploy-upload"}
    b = subprocess.Popen(
        [*PYHERD, "deploy", "--site", "t", "--hosts", "127.0.0.2"],
        cwd=cluster.project, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while Path(f"/proc/{b.pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "T":
            assert time.monotonic() < deadline and b.poll() is None, b.communicate()
            time.sleep(0.05)
        cluster.write_site(versions='["3.11.5", "3.12.1", "3.13.1"]')  # A adds 3.13.1
        a = cluster.deploy("--hosts", "127.0.0.2")
        assert a.returncode == 0, a.stdout + a.stderr
    finally:
        b.send_signal(signal.SIGCONT)
    out, err = b.communicate(timeout=120)
    assert b.returncode == 75, out + err
    assert "changed since this deploy read it; deploy again" in err
    assert "python/3.13.1.lua" in cluster.files("127.0.0.2")  # A's release stands
    cluster.write_site(versions='["3.11.5"]')  # B again: recomputed from what is live
    again = cluster.deploy("--hosts", "127.0.0.2")
    assert again.returncode == 0, again.stdout + again.stderr
    live = cluster.files("127.0.0.2")
    assert sorted(live) == ["python/3.11.5.lua"]
    store = cluster.host("127.0.0.2").root / ".modules.pyherd"
    release = os.readlink(cluster.tree("127.0.0.2")).rsplit("/", 1)[1]
    manifest = (store / "manifests" / release).read_text().splitlines()
    assert [line.split("  ", 1)[1] for line in manifest] == sorted(live)


def test_only_the_deployed_sites_own_files_are_copied_and_never_through_a_link(
    cluster: Cluster, tmp_path: Path
):
    cluster.write_site(extra=f"project_dir: {cluster.common}/project\n")
    secret = tmp_path / "outside/secret.txt"
    secret.parent.mkdir()
    secret.write_text("s3cret\n")
    secret.chmod(0o600)
    sites = cluster.project / "sites"
    (sites / "t/linked.txt").symlink_to(secret)
    (sites / "t/linkdir").symlink_to(secret.parent)
    (sites / "t/private.txt").write_text("admins only\n")
    (sites / "t/private.txt").chmod(0o600)
    (sites / "other.yaml").write_text("module_tool: lmod\nmodules: {}\n")
    (sites / "other").mkdir()
    (sites / "other/notes.txt").write_text("another site's\n")
    result = cluster.deploy("--hosts", "127.0.0.4")
    assert result.returncode == 0, result.stdout + result.stderr
    copy = cluster.tree("127.0.0.4", "project")
    files = sorted(str(p.relative_to(copy)) for p in copy.rglob("*") if p.is_file())
    assert "sites/t.yaml" in files and "sites/t/private.txt" in files
    assert not [f for f in files if "other" in f or "linked" in f or "linkdir" in f], files
    assert all(not p.is_symlink() for p in copy.rglob("*"))
    assert (copy / "sites/t/private.txt").stat().st_mode & 0o777 == 0o600
    assert (copy / "sites/t.yaml").stat().st_mode & 0o777 == 0o644
    assert "s3cret" not in "".join(p.read_text() for p in copy.rglob("*") if p.is_file())


def test_a_failed_cache_refresh_is_retried_by_the_next_deploy(cluster: Cluster, lmod):
    failing = cluster.base / "failing-update"
    failing.write_text("#!/bin/sh\necho 'spider: disk full' >&2\nexit 1\n")
    failing.chmod(0o755)
    site = cluster.project / "sites/t.yaml"
    site.write_text(site.read_text().replace(CACHE_UPDATE, str(failing)))
    first = cluster.deploy("--hosts", "127.0.0.2")
    assert first.returncode == 1, first.stdout + first.stderr
    assert "the cache refresh failed (the next deploy retries it): spider: disk full" in (
        first.stderr
    )
    site.write_text(site.read_text().replace(str(failing), CACHE_UPDATE))
    again = cluster.deploy("--hosts", "127.0.0.2")  # nothing to upload, a refresh owed
    assert again.returncode == 0, again.stdout + again.stderr
    assert rows(again.stdout)["127.0.0.2"][:2] == ["0", "unchanged"]
    assert "cache refreshed (retried: the last refresh had failed)" in again.stdout
    root = cluster.host("127.0.0.2").root
    assert "3.12.1.lua" in (root / "cache/spiderT.lua").read_text()
    third = cluster.deploy("--hosts", "127.0.0.2")
    assert "retried" not in third.stdout and third.returncode == 0
    # the deployed lmodrc.lua points Lmod at that cache
    lmodrc = (root / "etc/lmodrc.lua").read_text()
    assert f'dir = "{cluster.common}/cache"' in lmodrc
    assert f'timestamp = "{cluster.common}/cache/timestamp"' in lmodrc


def test_hosts_that_share_a_filesystem_are_deployed_once(cluster: Cluster):
    """127.0.0.3 mounts the very files 127.0.0.2 does: one release per change, and the
    release kept for going back is the real previous one."""
    shared = cluster.host("127.0.0.3")
    shared.stop()
    shared.root = cluster.host("127.0.0.2").root
    shared.start(cluster.common, cluster.port)
    first = cluster.deploy("--group", "login")
    if first.returncode == 75:  # both read the fresh host before either made its token:
        # the second swap found the release changed, or the first one still swapping
        assert (
            "changed since this deploy read it" in first.stderr
            or "another deploy is swapping" in first.stderr
        ), first.stderr
        first = cluster.deploy("--group", "login")
    assert first.returncode == 0, first.stdout + first.stderr
    releases = cluster.host("127.0.0.2").root / ".modules.pyherd/releases"
    before = sorted(p.name for p in releases.iterdir())
    cluster.write_site(versions='["3.11.5", "3.13.1"]')
    second = cluster.deploy("--group", "login")
    assert second.returncode == 0, second.stdout + second.stderr
    table = rows(second.stdout)
    assert sorted(r[1] for r in table.values()) == ["deployed", "shared"], second.stdout
    after = sorted(p.name for p in releases.iterdir())
    assert len(after) == 2 and after[0] == before[-1]  # the previous release, and the new one
    assert sorted(cluster.files("127.0.0.2")) == ["python/3.11.5.lua", "python/3.13.1.lua"]


def test_verify_finds_files_edited_on_a_host_and_repairs_them(cluster: Cluster):
    assert cluster.deploy("--hosts", "127.0.0.2").returncode == 0
    live = cluster.tree("127.0.0.2")
    rendered = (live / "python/3.11.5.lua").read_text()
    edited = live.resolve() / "python/3.11.5.lua"
    edited.unlink()  # break the hard link first, as an editor's save does
    edited.write_text("-- hand-edited on the host\n")
    (live.resolve() / "python/3.12.1.lua").unlink()
    plain = cluster.deploy("--hosts", "127.0.0.2")
    assert rows(plain.stdout)["127.0.0.2"][:2] == ["0", "unchanged"]  # manifests agree
    dry = cluster.deploy("--hosts", "127.0.0.2", "--verify", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "127.0.0.2: >fc........ modulefiles/python/3.11.5.lua" in dry.stdout.splitlines()
    assert "127.0.0.2: >fc........ modulefiles/python/3.12.1.lua" in dry.stdout.splitlines()
    repaired = cluster.deploy("--hosts", "127.0.0.2", "--verify")
    assert repaired.returncode == 0, repaired.stdout + repaired.stderr
    assert "2 drifted on the host" in repaired.stdout
    assert (live / "python/3.11.5.lua").read_text() == rendered
    assert (live / "python/3.12.1.lua").is_file()
    again = cluster.deploy("--hosts", "127.0.0.2", "--verify")
    assert rows(again.stdout)["127.0.0.2"][:2] == ["0", "unchanged"], again.stdout


def test_rollback_returns_to_the_kept_release_and_a_deploy_comes_forward(cluster: Cluster):
    assert cluster.deploy("--hosts", "127.0.0.2").returncode == 0
    cluster.write_site(versions='["3.11.5"]')
    assert cluster.deploy("--hosts", "127.0.0.2").returncode == 0
    assert sorted(cluster.files("127.0.0.2")) == ["python/3.11.5.lua"]
    dry = cluster.deploy("--hosts", "127.0.0.2", "--rollback", "--dry-run")
    assert rows(dry.stdout)["127.0.0.2"][1:3] == ["would", "roll"]
    assert sorted(cluster.files("127.0.0.2")) == ["python/3.11.5.lua"]
    back = cluster.deploy("--hosts", "127.0.0.2", "--rollback")
    assert back.returncode == 0, back.stdout + back.stderr
    assert "modulefiles: r000002-" in back.stdout and "-> r000001-" in back.stdout
    assert sorted(cluster.files("127.0.0.2")) == ["python/3.11.5.lua", "python/3.12.1.lua"]
    root = cluster.host("127.0.0.2").root
    assert "3.12.1.lua" in (root / "cache/spiderT.lua").read_text()  # the cache follows
    forward = cluster.deploy("--hosts", "127.0.0.2")
    assert forward.returncode == 0, forward.stderr
    assert sorted(cluster.files("127.0.0.2")) == ["python/3.11.5.lua"]
    bad = cluster.deploy("--rollback", "--verify")
    assert bad.returncode == 2 and "--rollback goes back one release" in bad.stderr


def test_verify_hosts_checks_each_hosts_prefixes_over_ssh(cluster: Cluster):
    """`pyherd verify --hosts`: the same checks as on this machine, on each host, over the
    deploy connections; a prefix holding a quote and $(...) is only ever a quoted word."""
    running = ".".join(map(str, sys.version_info[:3]))
    cluster.write_site(versions=f'["{running}", "3.12.1"]')
    site = cluster.project / "sites/t.yaml"
    apps = f"{cluster.common}/apps"
    site.write_text(
        site.read_text().replace("/opt/python/", f"{apps}/python/")
        + f'  odd:\n    versions: ["1"]\n    prefix: "{apps}/it\'s $(touch canary)/{{version}}"\n'
    )
    good = cluster.tree("127.0.0.2", f"apps/python/{running}/bin")
    good.mkdir(parents=True)
    (good / "python3").symlink_to(Path(sys.executable).resolve())
    cluster.tree("127.0.0.2", "apps/it's $(touch canary)/1").mkdir(parents=True)
    done = run_pyherd("verify", "--site", "t", "--hosts", cwd=cluster.project)  # all hosts
    assert done.returncode == 1, done.stderr
    table = {tuple(line.split()[:2]): line for line in done.stdout.splitlines()[1:]}
    assert table[("127.0.0.2", f"python/{running}")].endswith(f"ok (python {running})")
    assert table[("127.0.0.2", "python/3.12.1")].endswith("missing")
    assert table[("127.0.0.2", "odd/1")].endswith("ok")
    for host in ("127.0.0.3", "127.0.0.4"):
        assert table[(host, f"python/{running}")].endswith("missing")
        assert table[(host, "odd/1")].endswith("missing")
    assert "7 of 9 prefixes are missing or do not run" in done.stderr
    for host in cluster.hosts:
        assert not (host.root / "canary").exists()
    assert not (cluster.project / "canary").exists()


def test_verify_hosts_names_a_host_it_cannot_reach(cluster: Cluster):
    cluster.host("127.0.0.3").stop()
    done = run_pyherd("verify", "--site", "t", "--group", "login", cwd=cluster.project)
    assert done.returncode == 1
    assert "hosts not checked: 127.0.0.3" in done.stderr
    assert any(
        line.startswith("127.0.0.3") and "not reached" in line for line in done.stdout.splitlines()
    )
