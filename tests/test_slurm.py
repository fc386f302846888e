"""`pyherd install --slurm` and `pyherd jobs` against a real one-node Slurm cluster.

Each tree is a task of a job array (one array per architecture, with that
architecture's constraint); a publish job runs once every task is done (afterany) and
makes current what was built; a failed or cancelled task publishes nothing and says so.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from condachannel import Channel
from conftest import TEMPLATES, run_pyherd
from slurmcluster import (  # the `cluster` fixture is in conftest
    SlurmCluster,
    jobs_of,
    only_submission,
)

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0 or not shutil.which("slurmctld"),
    reason="the test cluster needs root and Debian's slurmctld, slurmd and munge",
)


@pytest.fixture(scope="module")
def channel(tmp_path_factory) -> Channel:
    chan = Channel(tmp_path_factory.mktemp("channel") / "chan")
    chan.add_base()
    chan.add_python_module("numpy", "1.26.4")
    chan.index()
    return chan


def site(tmp_path: Path, channel: Channel, broken: bool = False, arch: str = "x86-64-v3") -> str:
    numpy = "numpy=9.9" if broken else "numpy"
    return f"""\
module_tool: lmod
slurm:
  state_dir: {tmp_path}/jobs
  partition: build
  archs:
    x86-64-v3: {{constraint: {arch}}}
conda:
  root: {tmp_path}/root
  channels: ["{channel.url}"]
  trees:
    plain:
      packages: ["python=3.11", numpy]
      checks: ['python -c "import numpy"']
    tuned:
      arch: x86-64-v3
      packages: ["python=3.11", {numpy}]
      checks: ['python -c "import numpy"']
modules:
  conda:
    kind: conda
    tree: plain
    versions: ["1"]
"""


def pyherd(tmp_path: Path, cluster: SlurmCluster, *args: str):
    return run_pyherd(*args, "--site", "s", "--templates", str(TEMPLATES), cwd=tmp_path,
                      env={"SLURM_CONF": str(cluster.conf)})  # fmt: skip


def submission(tmp_path: Path) -> Path:
    return only_submission(tmp_path / "jobs/s")


def setup(tmp_path: Path, channel: Channel, **kw) -> None:
    (tmp_path / "sites").mkdir()
    (tmp_path / "sites/s.yaml").write_text(site(tmp_path, channel, **kw))


def current(tmp_path: Path, tree: str) -> str | None:
    link = tmp_path / "root" / tree / "current"
    return os.readlink(link) if link.is_symlink() else None


def test_every_tree_is_built_as_a_task_and_published_once_all_are_done(tmp_path, cluster, channel):
    setup(tmp_path, channel)
    done = pyherd(tmp_path, cluster, "install", "--slurm")
    assert done.returncode == 0, done.stderr
    where = submission(tmp_path)
    assert "tuned: job" in done.stdout and "(arch x86-64-v3)" in done.stdout
    script = (where / "install-x86-64-v3.sh").read_text()
    assert "#SBATCH --constraint=x86-64-v3" in script  # the arch's nodes
    assert "#SBATCH --constraint" not in (where / "install-default.sh").read_text()
    cluster.wait(jobs_of(where))
    assert current(tmp_path, "plain") == "generations/1"
    assert current(tmp_path, "tuned") == "generations/1"
    shown = pyherd(tmp_path, cluster, "jobs")
    assert shown.returncode == 0, shown.stderr
    lines = {line.split()[1]: line for line in shown.stdout.splitlines()[1:]}
    assert "published: generation 1 is current" in lines["plain"]
    assert "published: generation 1 is current" in lines["tuned"]
    assert "done" in lines["(publish)"] and "not published" not in lines["(publish)"]


def test_a_failed_task_is_reported_with_its_log_and_the_others_publish(tmp_path, cluster, channel):
    setup(tmp_path, channel, broken=True)
    assert pyherd(tmp_path, cluster, "install", "--slurm").returncode == 0
    where = submission(tmp_path)
    cluster.wait(jobs_of(where))
    assert current(tmp_path, "plain") == "generations/1"
    assert current(tmp_path, "tuned") is None  # nothing published for it
    shown = pyherd(tmp_path, cluster, "jobs").stdout
    tuned = next(line for line in shown.splitlines() if " tuned " in line)
    assert "failed: tree tuned env base: solving failed" in tuned
    log = Path(tuned.split()[-1])
    assert log.is_file() and "solving failed" in log.read_text()
    publish_log = (where / "logs/publish.log").read_text()
    assert "1 of 2 trees not published" in publish_log
    assert "done, 1 not published" in next(x for x in shown.splitlines() if "(publish)" in x)


def test_resubmitting_skips_a_tree_in_flight_and_a_cancel_publishes_nothing(
    tmp_path, cluster, channel
):
    setup(tmp_path, channel)
    subprocess.run(["scontrol", "update", f"NodeName={cluster.host}", "State=DRAIN",
                    "Reason=test"], check=True, env=cluster.env)  # fmt: skip
    try:
        first = pyherd(tmp_path, cluster, "install", "--slurm")
        assert first.returncode == 0, first.stderr
        again = pyherd(tmp_path, cluster, "install", "--slurm")
        assert again.returncode == 0, again.stderr
        assert "plain: skipped, already submitted: pending" in again.stdout
        assert "nothing to submit" in again.stdout
        where = submission(tmp_path)
        subprocess.run(["scancel", *jobs_of(where)], check=True, env=cluster.env)
        cluster.wait(jobs_of(where))
    finally:
        subprocess.run(["scontrol", "update", f"NodeName={cluster.host}", "State=RESUME"],
                       check=True, env=cluster.env)  # fmt: skip
    assert not (tmp_path / "root").exists() or current(tmp_path, "plain") is None
    shown = pyherd(tmp_path, cluster, "jobs").stdout
    assert "not run (cancelled or lost)" in shown


def test_dry_run_shows_the_job_scripts_and_submits_nothing(tmp_path, cluster, channel):
    setup(tmp_path, channel)
    done = pyherd(tmp_path, cluster, "install", "--slurm", "--dry-run")
    assert done.returncode == 0, done.stderr
    assert "--- install-x86-64-v3.sh" in done.stdout and "--- publish.sh" in done.stdout
    assert "#SBATCH --constraint=x86-64-v3" in done.stdout
    assert not (tmp_path / "jobs").exists()


@pytest.mark.parametrize(
    ("state_dir", "message"),
    [
        ("relative/jobs", "is not an absolute path of letters"),
        ("/srv/my jobs", "is not an absolute path of letters"),
        ("/srv/jobs/%a", "is not an absolute path of letters"),
        ("/srv/../etc", "is not an absolute path of letters"),
        ("'/srv/$(touch x)'", "is not an absolute path of letters"),
    ],
)
def test_a_hostile_state_dir_is_refused(tmp_path, channel, state_dir, message):
    (tmp_path / "sites").mkdir()
    text = site(tmp_path, channel).replace(f"state_dir: {tmp_path}/jobs", f"state_dir: {state_dir}")
    (tmp_path / "sites/s.yaml").write_text(text)
    done = run_pyherd("validate", cwd=tmp_path)
    assert done.returncode == 2
    assert "sites/s.yaml:3: slurm.state_dir: " in done.stderr and message in done.stderr


def test_the_node_side_options_accept_only_this_sites_submissions(tmp_path, cluster, channel):
    setup(tmp_path, channel)
    victim = tmp_path / "victim"
    (victim / "tasks").mkdir(parents=True)
    (victim / "submission.json").write_text('{"tasks": [{"group": "default", "index": 0, '
                                            '"tree": "plain", "arch": null}]}')  # fmt: skip
    before = sorted(p.name for p in victim.rglob("*"))
    for args in (("--slurm-publish", str(victim)),
                 ("plain", "--slurm-task", "default-0", "--slurm-dir", str(victim))):  # fmt: skip
        done = pyherd(tmp_path, cluster, "install", *args)
        assert done.returncode == 2, done.stderr
        assert "not a submission of site s" in done.stderr
    assert sorted(p.name for p in victim.rglob("*")) == before
    assert not (tmp_path / "root").exists()


def test_without_slurm_keys_the_slurm_commands_say_what_is_missing(tmp_path, channel):
    (tmp_path / "sites").mkdir()
    text = site(tmp_path, channel)
    text = text[: text.index("slurm:")] + text[text.index("conda:") :]
    (tmp_path / "sites/s.yaml").write_text(text)
    for command in (("install", "--slurm"), ("jobs",)):
        done = run_pyherd(*command, "--site", "s", cwd=tmp_path)
        assert done.returncode == 2
        assert (
            done.stderr.splitlines()[0]
            == "sites/s.yaml: slurm: missing: name at least its state_dir"
        )


def test_a_constraint_no_node_offers_is_refused_and_nothing_stays_queued(
    tmp_path, cluster, channel
):
    setup(tmp_path, channel, arch="no-such-feature")
    done = pyherd(tmp_path, cluster, "install", "--slurm")
    assert done.returncode == 1
    assert "sbatch install-x86-64-v3.sh:" in done.stderr  # Slurm's own words follow
    queue = subprocess.run(["squeue", "-h", "-o", "%i %T"], capture_output=True, text=True,
                           env=cluster.env).stdout  # fmt: skip
    assert queue.strip() == ""  # the array already submitted was cancelled
    assert current(tmp_path, "plain") is None  # and no publish job was left to run


@pytest.mark.parametrize(
    ("old", "new", "where"),
    [
        ("partition: build", "partition: 'build $(touch x)'", "slurm.partition"),
        (
            "{constraint: x86-64-v3}",
            '{constraint: "v3\\n#SBATCH --uid=0"}',
            "slurm.archs.x86-64-v3.constraint",
        ),
        ("      arch: x86-64-v3", "      arch: ../x86-64-v3", "conda.trees.tuned.arch"),
        ("    x86-64-v3: {", "    'x86 64': {", "slurm.archs"),
    ],
)
def test_hostile_placements_are_refused_before_anything_is_written(
    tmp_path, channel, old, new, where
):
    (tmp_path / "sites").mkdir()
    text = site(tmp_path, channel)
    assert old in text
    (tmp_path / "sites/s.yaml").write_text(text.replace(old, new))
    done = run_pyherd("install", "--slurm", "--site", "s", cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert f": {where}" in done.stderr.splitlines()[0]
    assert not (tmp_path / "jobs").exists() and not (tmp_path / "root").exists()


def test_without_slurm_the_same_plan_runs_here_and_a_failure_keeps_to_its_tree(tmp_path, channel):
    """`pyherd install --site S` (no tree): the tasks --slurm submits, built here in turn,
    then the same publish step; the broken tree is reported and the other published."""
    setup(tmp_path, channel, broken=True)
    done = run_pyherd("install", "--site", "s", "--templates", str(TEMPLATES), cwd=tmp_path)
    assert done.returncode == 1
    rows = {line.split()[0]: line for line in done.stdout.splitlines()[1:]}
    assert "published: generation 1 is current" in rows["plain"]
    assert "failed: tree tuned env base: solving failed" in rows["tuned"]
    assert "1 of 2 trees not published" in done.stderr
    assert current(tmp_path, "plain") == "generations/1"
    assert current(tmp_path, "tuned") is None
    assert not (tmp_path / "jobs").exists()  # nothing of Slurm's
