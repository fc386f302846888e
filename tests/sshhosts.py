"""Private OpenSSH servers on loopback addresses, one per test host (see FACTS.md).

Each sshd runs in its own mount namespace where the shared path `common` is
bind-mounted from that host's own directory: one site file (one modulepath for
every host, as on a cluster) and still a separate remote root per host, which
the test reads at `hosts/<address>/`. Stopped by PID.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

SSHD = shutil.which("sshd") or "/usr/sbin/sshd"


@dataclass
class SshHost:
    address: str
    root: Path  # what the host sees at `common`
    config: Path
    host_key: Path
    process: subprocess.Popen | None = None

    def known_hosts_line(self, port: int) -> str:
        kind, key = self.host_key.with_suffix(".pub").read_text().split()[:2]
        return f"[{self.address}]:{port} {kind} {key}\n"

    def start(self, common: Path, port: int) -> None:
        (self.root).mkdir(parents=True, exist_ok=True)
        script = f"mount --bind {self.root} {common} && exec {SSHD} -D -e -f {self.config}"
        log = (self.config.parent / "sshd.log").open("ab")
        self.process = subprocess.Popen(
            ["unshare", "--mount", "--propagation", "private", "sh", "-c", script],
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"sshd on {self.address} exited: {self.log()}")
            try:
                socket.create_connection((self.address, port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"sshd on {self.address} did not listen: {self.log()}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.kill(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.process = None

    def log(self) -> str:
        return (self.config.parent / "sshd.log").read_text(errors="replace")[-2000:]


def free_port(addresses: list[str]) -> int:
    """A port free on every address."""
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind((addresses[0], 0))
            port = probe.getsockname()[1]
        try:
            for address in addresses[1:]:
                with socket.socket() as other:
                    other.bind((address, port))
            return port
        except OSError:
            continue
    raise RuntimeError("no port free on every loopback address")


def keygen(path: Path) -> Path:
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "pyherd-test", "-f", str(path)],
        check=True,
    )
    return path


def make_hosts(base: Path, addresses: list[str], port: int, client_key: Path) -> list[SshHost]:
    """Configured (not started) hosts under base/hosts/<address>/ and base/sshd/<address>/."""
    os.makedirs("/run/sshd", mode=0o755, exist_ok=True)
    hosts = []
    for address in addresses:
        conf_dir = base / "sshd" / address
        conf_dir.mkdir(parents=True)
        host_key = keygen(conf_dir / "host_ed25519")
        authorized = conf_dir / "authorized_keys"
        shutil.copy(client_key.with_suffix(".pub"), authorized)
        config = conf_dir / "sshd_config"
        config.write_text(
            f"Port {port}\nListenAddress {address}\nHostKey {host_key}\n"
            f"PidFile {conf_dir / 'sshd.pid'}\nAuthorizedKeysFile {authorized}\n"
            "PasswordAuthentication no\nKbdInteractiveAuthentication no\n"
            "PermitRootLogin prohibit-password\nUsePAM no\nStrictModes no\n"
            "Subsystem sftp internal-sftp\nLogLevel ERROR\nMaxStartups 100\n"
        )
        subprocess.run([SSHD, "-t", "-f", str(config)], check=True)
        hosts.append(SshHost(address, base / "hosts" / address, config, host_key))
    return hosts
