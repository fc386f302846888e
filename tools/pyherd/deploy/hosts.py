"""SSH connections to a site's hosts, trusting only the host keys in the site's known_hosts.

Fabric on its own accepts any host key (paramiko's AutoAddPolicy) and reads the
user's ~/.ssh/config. Here the site file is the only configuration: its
known_hosts is loaded into the client and a host whose key is not there is
refused, unless --accept-new-host-keys, which records it. A changed key is
always refused. Keys come from the identity file or the agent; never a password.
"""

from __future__ import annotations

import getpass
import threading
from pathlib import Path

import paramiko
from fabric import Config, Connection

from pyherd.deploy.settings import DeploySettings
from pyherd.errors import JobFailed


class HostError(JobFailed):
    """This host cannot be deployed to; the message says why, in an admin's words."""


class _Policy(paramiko.MissingHostKeyPolicy):
    """Unknown key: refuse, or (accept_new) append it to the site's known_hosts."""

    def __init__(self, known_hosts: Path, accept_new: bool, lock: threading.Lock):
        self.known_hosts, self.accept_new, self.lock = known_hosts, accept_new, lock
        self.recorded = False

    def missing_host_key(self, client: paramiko.SSHClient, hostname: str, key: paramiko.PKey):
        if not self.accept_new:
            raise HostError(
                f"host key unknown: {hostname} is not in {self.known_hosts} (it offers "
                f"{key.get_name()} {key.fingerprint}); check that fingerprint with the host's "
                "admin, then rerun with --accept-new-host-keys to record it"
            )
        line = f"{hostname} {key.get_name()} {key.get_base64()}\n"
        with self.lock:
            self.known_hosts.parent.mkdir(parents=True, exist_ok=True)
            with self.known_hosts.open("a") as fh:
                fh.write(line)
        client.get_host_keys().add(hostname, key.get_name(), key)
        self.recorded = True


def connect(
    host: str,
    settings: DeploySettings,
    known_hosts: Path,
    identity: Path | None,
    *,
    accept_new: bool = False,
    lock: threading.Lock | None = None,
) -> tuple[Connection, bool]:
    """An open connection, and whether a new host key was recorded; HostError if refused."""
    kwargs: dict[str, object] = {
        "look_for_keys": False,
        "allow_agent": identity is None,
        "banner_timeout": settings.connect_timeout,
        "auth_timeout": settings.connect_timeout,
    }
    if identity is not None:
        kwargs["key_filename"] = str(identity)
    conn = Connection(
        host,
        user=settings.user or getpass.getuser(),
        port=settings.port,
        config=Config(ssh_config=paramiko.SSHConfig()),  # the site file, not ~/.ssh/config
        connect_timeout=settings.connect_timeout,
        connect_kwargs=kwargs,
    )
    keys = conn.client.get_host_keys()
    if known_hosts.is_file():
        try:
            keys.load(str(known_hosts))
        except (OSError, paramiko.SSHException, ValueError) as exc:
            raise HostError(f"{known_hosts}: cannot read it: {exc}") from None
    policy = _Policy(known_hosts, accept_new, lock or threading.Lock())
    conn.client.set_missing_host_key_policy(policy)
    try:
        conn.open()
    except paramiko.BadHostKeyException as exc:
        raise HostError(
            f"host key CHANGED: {host} offers {exc.key.get_name()} {exc.key.fingerprint}, "
            f"{known_hosts} has {exc.expected_key.fingerprint}; refusing (a reinstalled host, "
            "or someone in between): once the new key is confirmed, delete the old line"
        ) from None
    except paramiko.AuthenticationException as exc:
        raise HostError(f"authentication failed as {conn.user}: {exc}") from None
    except TimeoutError:
        raise HostError(f"no answer within {settings.connect_timeout} s") from None
    except (OSError, paramiko.SSHException, EOFError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
        raise HostError(f"cannot connect to port {settings.port}: {reason}") from None
    return conn, policy.recorded
