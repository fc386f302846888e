"""A one-node Slurm cluster on 127.0.0.1, as private processes (see FACTS.md).

munged with its own key and socket, slurmctld and slurmd with their own config, state,
spool, pid and log files under one directory, on free ports. The node offers the
features `x86-64-v3` and `generic`. Clients find it through SLURM_CONF. Every daemon
is stopped by the PID in its pid file.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

MUNGED = "/usr/sbin/munged"
SLURMCTLD = "/usr/sbin/slurmctld"
SLURMD = "/usr/sbin/slurmd"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SlurmCluster:
    def __init__(self, base: Path):
        self.base = base
        base.mkdir(parents=True, exist_ok=True)
        base.chmod(0o700)
        self.conf = base / "slurm.conf"
        self.env = {**os.environ, "SLURM_CONF": str(self.conf)}
        self.host = socket.gethostname().split(".")[0]

    def start(self) -> None:
        base = self.base
        key = base / "munge.key"
        key.write_bytes(os.urandom(1024))
        key.chmod(0o400)
        subprocess.run(
            [MUNGED, "-f", f"--socket={base}/munge.sock", f"--key-file={key}",
             f"--log-file={base}/munged.log", f"--pid-file={base}/munged.pid",
             f"--seed-file={base}/munged.seed"],
            check=True,
        )  # fmt: skip
        for sub in ("state", "spool"):
            (base / sub).mkdir()
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2**21  # half
        cpus = os.cpu_count() or 1
        self.conf.write_text(
            "\n".join([
                "ClusterName=pyherdtest",
                f"SlurmctldHost={self.host}(127.0.0.1)",
                "SlurmUser=root", "SlurmdUser=root",
                f"SlurmctldPort={_free_port()}", f"SlurmdPort={_free_port()}",
                "AuthType=auth/munge", f"AuthInfo=socket={base}/munge.sock",
                "CredType=cred/munge",
                f"StateSaveLocation={base}/state", f"SlurmdSpoolDir={base}/spool",
                f"SlurmctldPidFile={base}/slurmctld.pid", f"SlurmdPidFile={base}/slurmd.pid",
                f"SlurmctldLogFile={base}/slurmctld.log", f"SlurmdLogFile={base}/slurmd.log",
                "ProctrackType=proctrack/linuxproc", "TaskPlugin=task/none",
                "SelectType=select/cons_tres", "SelectTypeParameters=CR_Core",
                "AccountingStorageType=accounting_storage/none", "JobCompType=jobcomp/none",
                "MpiDefault=none", "ReturnToService=2", "SchedulerType=sched/backfill",
                "MinJobAge=600",
                f"NodeName={self.host} NodeAddr=127.0.0.1 CPUs={cpus} RealMemory={memory} "
                "Feature=x86-64-v3,generic",
                f"PartitionName=build Nodes={self.host} Default=YES State=UP MaxTime=INFINITE",
            ]) + "\n"
        )  # fmt: skip
        subprocess.run([SLURMCTLD, "-f", str(self.conf)], check=True, env=self.env)
        subprocess.run([SLURMD, "-f", str(self.conf)], check=True, env=self.env)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            ran = subprocess.run(["sinfo", "-h", "-o", "%t"], capture_output=True, text=True,
                                 env=self.env)  # fmt: skip
            if ran.stdout.strip() == "idle":
                return
            time.sleep(0.2)
        raise RuntimeError(f"the node did not come up: {self.log('slurmctld')}")

    def wait(self, jobs: list[str], timeout: float = 300) -> None:
        """Until squeue knows none of `jobs` any more."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            ran = subprocess.run(["squeue", "-h", "-j", ",".join(jobs), "-o", "%i"],
                                 capture_output=True, text=True, env=self.env)  # fmt: skip
            if not ran.stdout.strip():
                return
            time.sleep(0.3)
        raise TimeoutError(f"jobs {jobs} still queued: {self.log('slurmctld')}")

    def log(self, name: str) -> str:
        path = self.base / f"{name}.log"
        return path.read_text(errors="replace")[-2000:] if path.exists() else ""

    def stop(self) -> None:
        for name in ("slurmd", "slurmctld", "munged"):
            pid_file = self.base / f"{name}.pid"
            try:
                pid = int(pid_file.read_text().split()[0])
            except (OSError, ValueError, IndexError):
                continue
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                continue
            for _ in range(100):
                try:
                    os.kill(pid, 0)
                except ProcessLookupError:
                    break
                time.sleep(0.05)
            else:
                os.kill(pid, signal.SIGKILL)


def only_submission(site_dir: Path) -> Path:
    """The one submission under <slurm.state_dir>/<site>/."""
    (found,) = sorted(site_dir.iterdir())
    return found


def jobs_of(where: Path) -> list[str]:
    """A submission's array jobs and its publish job, as sbatch answered."""
    record = json.loads((where / "submission.json").read_text())
    return [*record["arrays"].values(), record["publish"]]
