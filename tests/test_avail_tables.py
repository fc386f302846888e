"""avail_wheels' tables against tabulate itself (the oracle for layout), its errors, and
the places where it differs from the Alliance's tool on purpose."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tabulate import tabulate, tabulate_formats

from pyherd.wheelhouse.avail import FORMATS
from pyherd.wheelhouse.tabular import alignments, simple
from test_wheelhouse import avail, house, wheels  # noqa: F401  (house is a fixture)
from wheelfactory import make_wheel

# what avail_wheels cells hold: names, versions, tags, arch names (never a space), and
# text tabulate would take for numbers, booleans or thousands
CELLS = st.one_of(
    st.sampled_from(["", "0.1", "2024.1", "12", "1,000", "True", "nan", "inf", "1e5", ".5",
                     "-3", "1.", "cp311", "py2,py3", "x86-64-v3", "generic", "1.26.4"]),
    st.from_regex(r"[A-Za-z0-9._+,-]{1,12}", fullmatch=True),
)  # fmt: skip
HEADERS = st.sampled_from(["name", "version", "localversion", "build", "python", "abi", "arch"])


@st.composite
def tables(draw: st.DrawFn) -> tuple[list[str], list[list[str]]]:
    width = draw(st.integers(1, 5))
    headers = [draw(HEADERS) for _ in range(width)]
    rows = draw(st.lists(st.lists(CELLS, min_size=width, max_size=width), max_size=6))
    return headers, rows


@settings(max_examples=400, deadline=None)
@given(tables())
def test_simple_is_tabulates_simple(table):
    headers, rows = table
    aligns = alignments(rows, len(headers))
    oracle = tabulate(rows, headers=headers, tablefmt="simple", disable_numparse=True,
                      colalign=aligns)  # fmt: skip
    assert simple(headers, rows) == oracle


def _reprinted(text: str) -> bool:
    """Whether tabulate, reading numbers, could print this cell other than as written
    (1.0 as 1, 1e5 as 100000, 1,000 as 1000)."""
    if alignments([[text]], 1) != ["decimal"]:
        return False
    try:
        return format(float(text), "g") != text
    except ValueError:
        return True


@settings(max_examples=400, deadline=None)
@given(tables())
def test_simple_is_what_the_alliance_tool_prints_unless_it_reprints_a_value(table):
    """The Alliance's tool calls tabulate with numbers parsed; where no value changes by
    that, the bytes are the same."""
    headers, rows = table
    if any(_reprinted(cell) for row in rows for cell in row):
        return
    assert simple(headers, rows) == tabulate(rows, headers=headers, tablefmt="simple")


def test_every_tabulate_format_is_offered_and_renders(house: Path):  # noqa: F811
    assert sorted(FORMATS) == sorted([*tabulate_formats, "csv"])
    assert wheels(house, "index").returncode == 0
    for fmt in FORMATS:
        shown = avail(house, "numpy", "h5netcdf", "--format", fmt, RSNT_ARCH="x86-64-v3")
        assert shown.returncode == 0, (fmt, shown.stderr)
        assert "numpy" in shown.stdout and "h5netcdf" in shown.stdout
    wiki = avail(house, "numpy", "--mediawiki")
    assert wiki.stdout.startswith('{| class="wikitable"')


def test_a_version_is_shown_as_written(house: Path):  # noqa: F811
    """tabulate would print version 1.0 as 1, and 2024.10 as 2024.1."""
    make_wheel(house / "wh/generic", "pytz", "2024.10+site", "py3-none-any")
    make_wheel(house / "wh/generic", "tiny", "1.0+site", "py3-none-any")
    assert wheels(house, "index").returncode == 0
    shown = avail(house, "pytz", "tiny", "--format", "github")
    versions = [line.split("|")[2].strip() for line in shown.stdout.splitlines()[2:]]
    assert versions == ["2024.10", "1.0"]
    assert [line.split()[:2] for line in avail(house, "tiny").stdout.splitlines()[2:]] == [
        ["tiny", "1.0"]
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("-v", "abc"), "argument -v/--version: Invalid version: 'abc'."),
        (("numpy", "-p", "3.13"),
         "argument -p/--python: invalid choice: '3.13' (choose from '3.10', '3.11', '3.12')"),
        (("numpy", "-a", "x86_64_v3"), "argument -a/--arch: invalid choice: 'x86_64_v3'"),
        (("numpy==",), "Invalid requirement: 'numpy=='."),
        (("numpy\x1b[31m",), "Invalid requirement: 'numpy\\x1b[31m'."),
    ],
)  # fmt: skip
def test_bad_arguments_exit_2_without_a_traceback(house: Path, args, message: str):  # noqa: F811
    assert wheels(house, "index").returncode == 0
    shown = avail(house, *args)
    assert shown.returncode == 2 and shown.stdout == ""
    assert message in shown.stderr and "Traceback" not in shown.stderr


def test_names_matched_twice_are_listed_once_and_pins_drop_the_local_tag(house: Path):  # noqa: F811
    assert wheels(house, "index").returncode == 0
    twice = avail(house, "num*", "*py", "-p", "3.11", RSNT_ARCH="x86-64-v3")
    assert [line.split()[0] for line in twice.stdout.splitlines()[2:]] == ["numpy", "numpy"]
    pinned = avail(house, "numpy==1.25.0+site", "-p", "3.11")
    assert [line.split()[:2] for line in pinned.stdout.splitlines()[2:]] == [["numpy", "1.25.0"]]
    version = avail(house, "-V")
    assert version.returncode == 0 and version.stdout.startswith("avail_wheels (pyherd ")


def test_a_bad_requirements_line_names_its_file(house: Path, tmp_path: Path):  # noqa: F811
    assert wheels(house, "index").returncode == 0
    reqs = tmp_path / "reqs.txt"
    reqs.write_text("numpy\n$(touch x)==1\n")
    shown = avail(house, "-r", str(reqs))
    assert shown.returncode == 2 and shown.stdout == ""
    assert f"{reqs}: Invalid requirement: '$(touch x)==1'." in shown.stderr
