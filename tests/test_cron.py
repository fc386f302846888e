"""`pyherd cron`: the crontab line runs as cron runs it; systemd accepts the unit pair."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from condachannel import Channel
from condaproject import Project
from pyherd import schedule
from pyherd.conda import diff


@pytest.fixture(scope="module")
def channel(tmp_path_factory: pytest.TempPathFactory) -> Channel:
    chan = Channel(tmp_path_factory.mktemp("cronchannel") / "chan")
    chan.add_base()
    chan.add_python_module("numpy", "1.26.4")
    chan.add("bigdata", "1.0")
    chan.index()
    return chan


def parts(output: str) -> dict[str, str]:
    """`pyherd cron` output split at its `# ==> NAME <==` headers."""
    found = re.split(r"^# ==> (\S+) <==\n", output, flags=re.M)
    return dict(zip(found[1::2], found[2::2], strict=True))


def test_crontab_line_runs_under_crons_environment(tmp_path: Path, channel: Channel):
    conda = (
        '  autoupdate:\n    schedule: "*/20 1-2 * * mon-fri"\n    mailto: hpc@example.org\n'
        f"    log: {tmp_path}/auto.log"
    )
    p = Project(tmp_path / "proj dir", channel, extra="      autoupdate: true", conda_extra=conda)
    assert p.install().returncode == 0
    result = p.run("cron")
    assert result.returncode == 0, result.stderr
    crontab = parts(result.stdout)["crontab"]
    assert "MAILTO=hpc@example.org\n" in crontab
    line = crontab.strip().splitlines()[-1]
    assert line.startswith("*/20 1-2 * * mon-fri cd '")
    command = line.split(" ", 5)[5]
    # cron: /bin/sh -c, a minimal environment, the owner's home as cwd
    ran = subprocess.run(
        ["/bin/sh", "-c", command],
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "SHELL": "/bin/sh"},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (ran.returncode, ran.stdout, ran.stderr) == (0, "", "")  # nothing new: no mail
    log = (tmp_path / "auto.log").read_text().splitlines()
    assert log[0].endswith("pyherd autoupdate --site s")
    assert log[1].startswith("main: up to date: generation 1 (")


def test_systemd_units_verify_and_fire_when_cron_would(tmp_path: Path, channel: Channel):
    conda = '  autoupdate:\n    schedule: "*/20 1-2 * * mon-fri"'
    p = Project(tmp_path / "proj%dir", channel, extra="      autoupdate: true", conda_extra=conda)
    units = tmp_path / "units"
    units.mkdir()
    for part in ("service", "timer"):
        result = p.run("cron", "--only", part)
        assert result.returncode == 0, result.stderr
        (units / f"pyherd-autoupdate-s.{part}").write_text(result.stdout)
    service = (units / "pyherd-autoupdate-s.service").read_text()
    assert "WorkingDirectory=" + str(p.dir).replace("%", "%%") in service
    assert "SuccessExitStatus=75" in service
    verify = subprocess.run(
        ["systemd-analyze", "verify", *map(str, sorted(units.iterdir()))],
        capture_output=True,
        text=True,
    )
    assert verify.returncode == 0, verify.stderr
    timer = (units / "pyherd-autoupdate-s.timer").read_text()
    calendar = re.search(r"^OnCalendar=(.*)$", timer, re.M).group(1)
    shown = subprocess.run(
        ["systemd-analyze", "calendar", "--iterations=12", calendar],
        capture_output=True,
        text=True,
        env={"TZ": "UTC", "PATH": "/usr/bin:/bin"},
    )
    assert shown.returncode == 0, shown.stderr
    fires = re.findall(
        r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d{4}-\d\d-\d\d (\d\d):(\d\d):00", shown.stdout
    )
    assert len(fires) == 12
    for day, hour, minute in fires:
        assert day not in ("Sat", "Sun") and hour in ("01", "02") and minute in ("00", "20", "40")


def test_cron_needs_a_tree_marked_for_autoupdate(tmp_path: Path, channel: Channel):
    p = Project(tmp_path / "proj", channel)
    result = p.run("cron")
    assert result.returncode == 2
    assert "no tree is marked `autoupdate: true`" in result.stderr


@pytest.mark.parametrize(
    ("text", "calendar"),
    [
        ("17 3 * * *", "*-*-* 03:17:00"),
        ("@weekly", "Sun *-*-* 00:00:00"),
        ("0 0 * * 7", "Sun *-*-* 00:00:00"),
        ("30 4 1,15 jan-mar *", "*-1,2,3-1,15 04:30:00"),
    ],
)
def test_schedule_to_calendar(text: str, calendar: str):
    assert schedule.parse(text).on_calendar() == calendar


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1 2 3", "has 3 fields; cron needs 5"),
        ("0 0 1 * 1", "restricts both day of month and day of week"),
        ("@reboot", "unknown shortcut '@reboot'"),
        ("*/0 * * * *", "the step must be a whole number >= 1"),
        ("0 0 * * 5-2", "the range runs backwards"),
    ],
)
def test_schedule_errors(text: str, message: str):
    with pytest.raises(schedule.ScheduleError, match=re.escape(message)):
        schedule.parse(text)


def test_diff_kinds_in_report_order():
    old = {"a": ("1.0", "0"), "b": ("2.0", "0"), "c": ("1.0", "0"), "gone": ("1", "0")}
    new = {"a": ("1.1", "0"), "b": ("1.9", "0"), "c": ("1.0", "1"), "new": ("1", "0")}
    changes = diff.diff_env("base", old, new, {"a": 1, "b": -1})
    assert [c.line() for c in changes] == [
        "base: upgraded a 1.0 0 -> 1.1 0",
        "base: downgraded b 2.0 0 -> 1.9 0",
        "base: rebuilt c 1.0 0 -> 1.0 1",
        "base: added new 1 0",
        "base: removed gone 1 0",
    ]
    assert diff.summary(changes) == "1 upgraded, 1 downgraded, 1 rebuilt, 1 added, 1 removed"
