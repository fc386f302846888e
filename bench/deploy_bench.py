"""Deploy benchmark: a 3,000-modulefile site to 3 loopback hosts over real OpenSSH.

Private sshd processes on 127.0.0.2-4 (tests/sshhosts.py; needs root), each with its
own remote root. Measured as whole `pyherd deploy` processes, medians of one run:
  first deploy to empty hosts, 3 hosts at a time and one at a time (the ratio)
  no-op redeploy (nothing changed: nothing uploaded)   target <= 1 s for all three
  one changed modulefile
  no-op redeploy to 20 loopback hosts at the default parallelism   target <= 3 s
"""

from __future__ import annotations

import os
import shutil
import statistics
import sys
import tempfile
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "tools/pyherd/templates"
sys.path[:0] = [str(ROOT / "bench"), str(ROOT / "tests")]

from measure import measured  # noqa: E402
from sshhosts import free_port, keygen, make_hosts  # noqa: E402

ADDRESSES = ["127.0.0.2", "127.0.0.3", "127.0.0.4"]
KEYS, VERSIONS = 300, 10  # 3,000 modulefiles
RUNS = int(os.environ.get("BENCH_RUNS", "3"))


def site(port: int, key: Path, common: Path, parallel: int, touched: int = 0) -> str:
    head = textwrap.dedent(f"""\
        module_tool: lmod
        deploy:
          user: root
          port: {port}
          identity_file: {key}
          groups:
            login: [{", ".join(ADDRESSES)}]
          modulepath: {common}/modules
          parallel: {parallel}
        modules:
        """)
    body = []
    for k in range(KEYS):
        body += [
            f"  pkg{k:03d}:",
            "    kind: bundle",
            f'    prefix: "/opt/software/pkg{k:03d}/{{version}}"',
            f'    whatis: "Description: synthetic package {k}{" (edited)" * (k < touched)}"',
            "    versions:",
        ]
        body += [f"      - 1.{v}.0" for v in range(VERSIONS)]
    return head + "\n".join(body) + "\n"


def main() -> None:
    if os.geteuid() != 0 or not shutil.which("unshare"):
        print("deploy benchmark: needs root (sshd and a mount namespace per host); skipped")
        return
    med = statistics.median
    env = {**os.environ, "PYTHONPATH": str(ROOT / "tools")}
    with tempfile.TemporaryDirectory(prefix="pyherd-deploy-bench-") as tmp:
        base = Path(tmp)
        port = free_port(ADDRESSES)
        key = keygen(base / "client")
        common = base / "common"
        common.mkdir()
        hosts = make_hosts(base, ADDRESSES, port, key)
        project = base / "project"
        (project / "sites/b").mkdir(parents=True)
        (project / "sites/b/known_hosts").write_text(
            "".join(h.known_hosts_line(port) for h in hosts)
        )
        deploy = [sys.executable, "-m", "pyherd", "deploy", "--site", "b",
                  "--templates", str(TEMPLATES)]  # fmt: skip
        try:
            for host in hosts:
                host.start(common, port)

            def first(parallel: int) -> float:
                for host in hosts:
                    for child in host.root.iterdir():
                        shutil.rmtree(child) if child.is_dir() and not child.is_symlink() else (
                            child.unlink()
                        )
                (project / "sites/b.yaml").write_text(site(port, key, common, parallel))
                seconds, _ = measured(deploy, cwd=project, env=env)
                return seconds

            parallel = [first(3) for _ in range(RUNS)]
            serial = [first(1) for _ in range(RUNS)]
            count = sum(1 for p in (hosts[0].root / "modules").rglob("*") if p.is_file())
            print(f"tree: {count} files per host, {len(hosts)} hosts")
            print(f"first deploy, 3 hosts at a time: {med(parallel):.2f} s")
            print(f"first deploy, one host at a time: {med(serial):.2f} s")
            print(f"parallel speedup: {med(serial) / med(parallel):.1f}x")
            (project / "sites/b.yaml").write_text(site(port, key, common, 3))
            noop = [measured(deploy, cwd=project, env=env)[0] for _ in range(RUNS + 2)]
            print(f"no-op redeploy, all three hosts: {med(noop):.2f} s (target <= 1 s)")
            one = []
            for run in range(RUNS):
                (project / "sites/b.yaml").write_text(site(port, key, common, 3, touched=run + 1))
                one.append(measured(deploy, cwd=project, env=env)[0])
            print(f"redeploy with changed modulefiles ({VERSIONS} per run): {med(one):.2f} s")
        finally:
            for host in hosts:
                host.stop()
        print(f"no-op redeploy, 20 hosts: {twenty_hosts(base, key, env):.2f} s (target <= 3 s)")


def twenty_hosts(base: Path, key: Path, env: dict[str, str]) -> float:
    """The median no-op redeploy of the same site to 20 loopback hosts, at the default
    parallelism (deploy.parallel)."""
    addresses = [f"127.0.0.{i}" for i in range(2, 22)]
    port = free_port(addresses)
    work = base / "twenty"
    common = work / "common"
    common.mkdir(parents=True)
    hosts = make_hosts(work, addresses, port, key)
    project = work / "project"
    (project / "sites/b").mkdir(parents=True)
    (project / "sites/b/known_hosts").write_text("".join(h.known_hosts_line(port) for h in hosts))
    text = site(port, key, common, 3).replace(", ".join(ADDRESSES), ", ".join(addresses))
    (project / "sites/b.yaml").write_text(text.replace("  parallel: 3\n", ""))
    deploy = [sys.executable, "-m", "pyherd", "deploy", "--site", "b",
              "--templates", str(TEMPLATES)]  # fmt: skip
    try:
        for host in hosts:
            host.start(common, port)
        measured(deploy, cwd=project, env=env)  # the first deploy
        return statistics.median(measured(deploy, cwd=project, env=env)[0] for _ in range(RUNS))
    finally:
        for host in hosts:
            host.stop()


if __name__ == "__main__":
    main()
