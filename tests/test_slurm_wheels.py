"""`pyherd wheels build --slurm` against a real one-node Slurm cluster and real pip builds.

Each (package, Python) the wheelhouse lacks is a task of one job array on the build
arch's constraint; each task builds into its own staging area; a publish job (afterany)
links what was built into the wheelhouse, reports what failed with its log, and indexes.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import run_pyherd
from sdistfactory import make_sdist
from slurmcluster import SlurmCluster, jobs_of, only_submission
from wheelbuild import build_site, machine_pythons, setuptools_wheel

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0 or not shutil.which("slurmctld"),
    reason="the test cluster needs root and Debian's slurmctld, slurmd and munge",
)

PYTHONS = machine_pythons()[-2:]  # two where the machine has them: a task per Python
SHORT = PYTHONS[-1][0]
SLURM = """\
slurm:
  state_dir: {tmp}/jobs
  partition: build
  archs:
    x86-64-v3: {{constraint: {constraint}}}
"""


def setup(tmp: Path, requirements: str, constraint: str = "x86-64-v3") -> None:
    src = tmp / "src"
    src.mkdir(exist_ok=True)
    shutil.copy(setuptools_wheel(), src)
    (tmp / "sites/w").mkdir(parents=True)
    (tmp / "sites/w/wheels.txt").write_text(requirements)
    text = build_site(tmp / "wh", src, [str(p) for _, p in PYTHONS])
    (tmp / "sites/w.yaml").write_text(SLURM.format(tmp=tmp, constraint=constraint) + text)


def pyherd(tmp: Path, cluster: SlurmCluster | None, *args: str):
    env = {"SLURM_CONF": str(cluster.conf)} if cluster else None
    return run_pyherd(*args, "--site", "w", cwd=tmp, env=env)


def submission(tmp: Path) -> Path:
    return only_submission(tmp / "jobs/w")


def wheels(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.glob("*/*.whl"))


def shown(tmp: Path, cluster: SlurmCluster) -> dict[str, str]:
    """`pyherd jobs`: each task's line by its name."""
    done = pyherd(tmp, cluster, "jobs")
    assert done.returncode == 0, done.stderr
    return {line.split()[1]: line for line in done.stdout.splitlines()[1:]}


def test_a_task_per_package_and_python_then_one_publish_and_index(tmp_path, cluster):
    make_sdist(tmp_path / "src", "purepkg", "1.0")
    make_sdist(tmp_path / "src", "fastpkg", "2.1", c_extension=True)
    setup(tmp_path, "purepkg\nfastpkg\n")
    done = pyherd(tmp_path, cluster, "wheels", "build", "--slurm")
    assert done.returncode == 0, done.stderr
    where = submission(tmp_path)
    names = [f"{p}-{s}" for p in ("purepkg", "fastpkg") for s, _ in PYTHONS]
    for name in names:
        assert f"{name}: job " in done.stdout and "(arch x86-64-v3)" in done.stdout
    script = (where / "wheels-x86-64-v3.sh").read_text()
    assert "#SBATCH --constraint=x86-64-v3" in script
    assert f"#SBATCH --array=0-{len(names) - 1}" in script
    cluster.wait(jobs_of(where))
    tags = [s.replace(".", "") for s, _ in PYTHONS]
    assert wheels(tmp_path / "wh") == sorted(
        ["generic/purepkg-1.0+site-py3-none-any.whl"]
        + [f"x86-64-v3/fastpkg-2.1+site-cp{t}-cp{t}-linux_x86_64.whl" for t in tags]
    )
    # indexed once, after the builds: pip's pages list each Python's wheel
    page = (tmp_path / "wh/simple/x86-64-v3/fastpkg/index.html").read_text()
    assert page.count(".whl#sha256=") == len(PYTHONS)
    assert (tmp_path / "wh/.index/p/purepkg.tsv").read_text().startswith("purepkg\t1.0\tsite\t")
    lines = shown(tmp_path, cluster)
    for short, _ in PYTHONS:
        assert "published: x86-64-v3/fastpkg-2.1+site-" in lines[f"fastpkg-{short}"]
    # each Python built the pure wheel on its own node; the first one published is kept
    pure = [lines[f"purepkg-{s}"] for s, _ in PYTHONS]
    assert sum("published: generic/purepkg-1.0+site-py3-none-any.whl" in x for x in pure) == 1
    if len(PYTHONS) > 1:
        assert sum("built purepkg-1.0+site-py3-none-any.whl too; its wheel was kept" in x
                   for x in pure) == 1  # fmt: skip
    assert not (tmp_path / "wh/.build/slurm").exists() or not any(
        (tmp_path / "wh/.build/slurm").iterdir()
    )  # every staging area removed
    # submitted again: everything is built, nothing is submitted
    again = pyherd(tmp_path, cluster, "wheels", "build", "--slurm")
    assert again.returncode == 0, again.stderr
    assert "nothing to submit" in again.stdout
    assert len(list((tmp_path / "jobs/w").iterdir())) == 1


def test_a_failed_build_is_reported_with_its_log_and_the_others_publish(tmp_path, cluster):
    make_sdist(tmp_path / "src", "badc", "0.1", c_extension=True, compiles=False)
    make_sdist(tmp_path / "src", "needs", "0.3", depends=("leaf",))
    make_sdist(tmp_path / "src", "leaf", "1.0")
    setup(tmp_path, "badc\nneeds\n")
    done = pyherd(tmp_path, cluster, "wheels", "build", "--slurm")
    assert done.returncode == 0, done.stderr
    where = submission(tmp_path)
    cluster.wait(jobs_of(where))
    # `needs` closed over its dependency inside its task: both are published
    assert wheels(tmp_path / "wh") == [
        "generic/leaf-1.0+site-py3-none-any.whl",
        "generic/needs-0.3+site-py3-none-any.whl",
    ]
    short = PYTHONS[-1][0]
    lines = shown(tmp_path, cluster)
    bad = lines[f"badc-{short}"]
    assert "failed: pip wheel badc-0.1.tar.gz" in bad
    log = Path(bad.split()[-1])
    assert log.is_file() and "retrun" in log.read_text()  # the compiler's own words
    publish_log = (where / "logs/publish.log").read_text()
    assert f"{len(PYTHONS)} of " in publish_log and "not published" in publish_log
    assert "leaf" in publish_log and "published: generic/leaf-1.0+site" in publish_log
    names = (tmp_path / "wh/.index/names.tsv").read_text()
    assert names == "leaf\tleaf\nneeds\tneeds\n"


def test_a_resubmit_skips_what_is_queued_and_a_cancel_leaves_the_house_alone(tmp_path, cluster):
    make_sdist(tmp_path / "src", "purepkg", "1.0")
    setup(tmp_path, "purepkg\n")
    drain = ["scontrol", "update", f"NodeName={cluster.host}"]
    subprocess.run([*drain, "State=DRAIN", "Reason=test"], check=True, env=cluster.env)
    try:
        first = pyherd(tmp_path, cluster, "wheels", "build", "--slurm")
        assert first.returncode == 0, first.stderr
        again = pyherd(tmp_path, cluster, "wheels", "build", "--slurm")
        assert again.returncode == 0, again.stderr
        short = PYTHONS[-1][0]
        assert f"purepkg-{short}: skipped, already submitted: pending" in again.stdout
        assert "nothing to submit" in again.stdout
        where = submission(tmp_path)
        subprocess.run(["scancel", *jobs_of(where)], check=True, env=cluster.env)
        cluster.wait(jobs_of(where))
    finally:
        subprocess.run([*drain, "State=RESUME"], check=True, env=cluster.env)
    assert wheels(tmp_path / "wh") == []
    assert not (tmp_path / "wh/.index").exists() and not (tmp_path / "wh/simple").exists()
    assert "not run (cancelled or lost)" in shown(tmp_path, cluster)[f"purepkg-{short}"]


def test_dry_run_shows_the_scripts_and_writes_nothing(tmp_path, cluster):
    make_sdist(tmp_path / "src", "purepkg", "1.0")
    setup(tmp_path, "purepkg\n")
    done = pyherd(tmp_path, cluster, "wheels", "build", "--slurm", "--dry-run")
    assert done.returncode == 0, done.stderr
    assert "--- wheels-x86-64-v3.sh" in done.stdout and "--- publish.sh" in done.stdout
    assert "#SBATCH --constraint=x86-64-v3" in done.stdout
    assert "-m pyherd wheels build --site w" in done.stdout
    assert not (tmp_path / "jobs").exists()
    assert not (tmp_path / "wh").exists() or wheels(tmp_path / "wh") == []


def test_a_requirement_no_source_has_is_reported_and_the_rest_submitted(tmp_path, cluster):
    make_sdist(tmp_path / "src", "purepkg", "1.0")
    setup(tmp_path, "purepkg\nmissing>=1\n")
    done = pyherd(tmp_path, cluster, "wheels", "build", "--slurm")
    assert done.returncode == 1
    assert f"missing-{PYTHONS[-1][0]}: cannot be built: no sdist of missing>=1" in done.stdout
    assert "wheels cannot be built (no source); the others are submitted" in done.stderr
    where = submission(tmp_path)
    cluster.wait(jobs_of(where))
    assert wheels(tmp_path / "wh") == ["generic/purepkg-1.0+site-py3-none-any.whl"]


def fake_submission(tmp: Path, outcome: dict, **task) -> Path:
    """A submission as if tasks had run, with what a tampered state file could say."""
    where = tmp / "jobs/w/20260101T000000-1"
    (where / "tasks").mkdir(parents=True)
    (where / "logs").mkdir()
    record = {"kind": "wheels", "site": "w", "arrays": {}, "publish": "",
              "tasks": [{"group": "x86-64-v3", "index": 0, "name": f"purepkg-{SHORT}",
                         "arch": "x86-64-v3", "project": "purepkg", "python": SHORT,
                         "requirement": "purepkg", **task}]}  # fmt: skip
    (where / "submission.json").write_text(json.dumps(record))
    state = {"state": "built", "outcomes": [outcome]}
    (where / "tasks/x86-64-v3-0.json").write_text(json.dumps(state))
    return where


@pytest.mark.parametrize(
    "detail",
    ["generic/../../../etc/x-1.0-py3-none-any.whl", "../x-1.0-py3-none-any.whl",
     "generic/$(touch pwned).whl", "nowhere/x-1.0-py3-none-any.whl",
     "generic/x-1.0-py3-none-any.whl\n#"],
)  # fmt: skip
def test_a_tampered_task_state_publishes_nothing_outside_the_house(tmp_path, detail):
    make_sdist(tmp_path / "src", "purepkg", "1.0")
    setup(tmp_path, "purepkg\n")
    outcome = {"project": "purepkg", "python": "3.11", "result": "built", "detail": detail,
               "log": "/x"}  # fmt: skip
    where = fake_submission(tmp_path, outcome)
    (tmp_path / "etc").mkdir()
    done = pyherd(tmp_path, None, "wheels", "build", "--slurm-publish", str(where))
    assert done.returncode == 1, done.stderr
    assert "is not a wheel of one of the wheelhouse's archs" in done.stdout
    assert list((tmp_path / "etc").iterdir()) == [] and not (tmp_path / "pwned").exists()
    assert not (tmp_path / "wh").exists() or wheels(tmp_path / "wh") == []


def test_a_staged_symlink_is_never_published(tmp_path):
    make_sdist(tmp_path / "src", "purepkg", "1.0")
    setup(tmp_path, "purepkg\n")
    name = "purepkg-1.0+site-py3-none-any.whl"
    outcome = {"project": "purepkg", "python": "3.11", "result": "built",
               "detail": f"generic/{name}", "log": "/x"}  # fmt: skip
    where = fake_submission(tmp_path, outcome)
    stage = tmp_path / f"wh/.build/slurm/{where.name}/x86-64-v3-0/wheels/generic"
    stage.mkdir(parents=True)
    (tmp_path / "secret").write_text("root's")
    (stage / name).symlink_to(tmp_path / "secret")
    done = pyherd(tmp_path, None, "wheels", "build", "--slurm-publish", str(where))
    assert done.returncode == 1
    assert "is not a regular file" in done.stdout
    assert not (tmp_path / "wh/generic").exists() or wheels(tmp_path / "wh") == []


@pytest.mark.parametrize(
    ("key", "task", "message"),
    [
        ("x86-64-v3-0", {"requirement": "otherpkg>=1", "project": "ghost"},
         "otherpkg>=1 is not a requirement of ghost"),
        ("x86-64-v3-0", {"python": "3.11; rm -rf /"}, "is not one the site builds for"),
        ("x86-64-v3-7", {}, "no task 'x86-64-v3-7'"),
        ("../../x-0", {}, "no task"),
    ],
)  # fmt: skip
def test_a_tampered_task_record_builds_nothing(tmp_path, key, task, message):
    make_sdist(tmp_path / "src", "otherpkg", "1.0")
    setup(tmp_path, "purepkg\n")
    outcome = {"project": "purepkg", "python": "3.11", "result": "built", "detail": "", "log": ""}
    where = fake_submission(tmp_path, outcome, **task)
    where.joinpath("tasks/x86-64-v3-0.json").unlink()
    done = pyherd(tmp_path, None, "wheels", "build", "--slurm-task", key, "--slurm-dir",
                  str(where))  # fmt: skip
    assert done.returncode in (1, 2), done.stderr
    assert message in done.stderr
    assert not (tmp_path / "wh").exists() or wheels(tmp_path / "wh") == []


def test_the_node_side_options_accept_only_this_sites_submissions(tmp_path):
    setup(tmp_path, "purepkg\n")
    victim = tmp_path / "victim"
    (victim / "tasks").mkdir(parents=True)
    (victim / "submission.json").write_text('{"kind": "wheels", "tasks": []}')
    for args in (("--slurm-publish", str(victim)),
                 ("--slurm-task", "x86-64-v3-0", "--slurm-dir", str(victim))):  # fmt: skip
        done = pyherd(tmp_path, None, "wheels", "build", *args)
        assert done.returncode == 2, done.stderr
        assert "not a submission of site w" in done.stderr
    assert sorted(p.name for p in victim.rglob("*")) == ["submission.json", "tasks"]


def test_a_wheels_submission_is_not_taken_for_a_tree_install(tmp_path):
    make_sdist(tmp_path / "src", "purepkg", "1.0")
    setup(tmp_path, "purepkg\n")
    outcome = {"project": "purepkg", "python": SHORT, "result": "built", "detail": "", "log": ""}
    where = fake_submission(tmp_path, outcome)
    done = pyherd(tmp_path, None, "install", "--slurm-publish", str(where))
    assert done.returncode == 2, done.stderr
    assert "not a submission of `pyherd install`" in done.stderr


def rezip(source: Path, target: Path, *, change: str = "", mode: int | None = None) -> None:
    """`source` zipped again with other timestamps (as a second build of the same sdist
    is), one member's text changed, or the module's mode changed."""
    import zipfile

    target.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for info in old.infolist():
            data = old.read(info)
            again = zipfile.ZipInfo(info.filename, date_time=(2030, 1, 2, 3, 4, 6))
            again.external_attr = info.external_attr
            if mode is not None and info.filename.endswith(".py"):
                again.external_attr = mode << 16
            if change and info.filename.endswith("__init__.py"):
                data += change.encode()
            new.writestr(again, data)


@pytest.mark.parametrize(
    ("change", "mode", "result"),
    [
        ("", None, "skipped: already published: generic/"),
        ("# another build\n", None, "failed: "),
        ("", 0o755, "failed: "),
    ],
)
def test_a_wheel_already_published_is_kept_and_a_rebuild_is_judged_by_its_contents(
    tmp_path, change, mode, result
):
    """Another submission (another arch) built the same pure wheel: the same files are
    the same wheel, whatever the zip's timestamps; different files are never published."""
    from wheelfactory import make_wheel

    setup(tmp_path, "purepkg\n")
    published = make_wheel(tmp_path / "wh/generic", "purepkg", "1.0+site")
    before = published.read_bytes()
    name = published.name
    outcome = {"project": "purepkg", "python": SHORT, "result": "built",
               "detail": f"generic/{name}", "log": "/x"}  # fmt: skip
    where = fake_submission(tmp_path, outcome)
    staged = tmp_path / f"wh/.build/slurm/{where.name}/x86-64-v3-0/wheels/generic/{name}"
    rezip(published, staged, change=change, mode=mode)
    assert staged.read_bytes() != before
    done = pyherd(tmp_path, None, "wheels", "build", "--slurm-publish", str(where))
    assert result in done.stdout
    assert done.returncode == (0 if result.startswith("skipped") else 1), done.stderr
    if result.startswith("failed"):
        assert "is already published and differs from this build" in done.stdout
    assert published.read_bytes() == before  # never replaced
