"""`extensions: from_prefix`: a module lists what its prefix has installed, read from the
site-packages metadata at render time and recorded beside the tree, so a render where the
prefix is not (CI) gives the same files."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conftest import make_sites, render_sites, run_pyherd
from wheelfactory import make_wheel

SITE = """\
module_tool: lmod
modules:
  python:
    kind: python
    prefix: "{prefix}"
    versions:
      - version: {version}
        extensions: from_prefix
"""
VERSION = ".".join(map(str, sys.version_info[:3]))


@pytest.fixture(scope="module")
def venv(tmp_path_factory):
    """A real venv with pip, and two wheels installed offline by that pip."""
    root = tmp_path_factory.mktemp("prefix")
    prefix = root / "python"
    subprocess.run([sys.executable, "-m", "venv", str(prefix)], check=True)
    wheels = [make_wheel(root / "wheels", "pyherd-demo", "1.2.3"),
              make_wheel(root / "wheels", "Tiny_Lib", "0.4+computecanada")]  # fmt: skip
    pip = [str(prefix / "bin/python"), "-m", "pip", "--disable-pip-version-check"]
    subprocess.run([*pip, "install", "-q", "--no-index", *map(str, wheels)], check=True)
    listed = subprocess.run([*pip, "list", "--format=json"], capture_output=True, text=True)
    return prefix, {p["name"]: p["version"] for p in json.loads(listed.stdout)}


def test_the_module_lists_what_the_prefix_holds(tmp_path, venv, lmod):
    prefix, pip_list = venv
    make_sites(tmp_path, s=SITE.format(prefix=prefix, version=VERSION))
    out = render_sites(tmp_path, "s")
    text = (out / f"s/python/{VERSION}.lua").read_text()
    listed = text.split('extensions("', 1)[1].split('")', 1)[0].split(", ")
    assert dict(item.rsplit("/", 1) for item in listed) == pip_list  # what pip itself says
    assert {"pip", "pyherd-demo", "Tiny_Lib"} <= set(pip_list)
    spider = lmod.run("module spider pyherd-demo/1.2.3", [out / "s"]).stderr
    assert f"python/{VERSION}" in spider


def test_a_render_without_the_prefix_uses_the_record(tmp_path, venv):
    prefix, _ = venv
    make_sites(tmp_path, s=SITE.format(prefix=prefix, version=VERSION))
    out = render_sites(tmp_path, "s")
    record = (out / "etc/s/extensions.tsv").read_text()
    assert f"python/{VERSION}\tpyherd-demo\t1.2.3\n" in record
    moved = prefix.with_name("elsewhere")
    prefix.rename(moved)
    try:
        check = run_pyherd("render", "--out", "out", "--check", cwd=tmp_path)
        assert check.returncode == 0, check.stderr  # the same files, from the record
    finally:
        moved.rename(prefix)


def test_without_prefix_or_record_the_render_is_refused(tmp_path):
    make_sites(tmp_path, s=SITE.format(prefix="/nonexistent/python", version=VERSION))
    result = run_pyherd("render", "--out", "out", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.splitlines()[0] == (
        "sites/s.yaml:8: modules.python.versions[0].extensions: from_prefix: "
        "/nonexistent/python is not here and etc/s/extensions.tsv has no record of "
        f"python/{VERSION}: render once where the prefix exists, and commit the result"
    )
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    "line",
    [
        "python/{v}\tnumpy\t1.0$(touch /tmp/pyherd-canary)",
        "python/{v}\tnum'py\t1.0",
        "../python/{v}\tnumpy\t1.0",
        "python/{v}\tnumpy",
    ],
)
def test_a_hostile_record_is_refused_with_its_line(tmp_path, line):
    make_sites(tmp_path, s=SITE.format(prefix="/nonexistent/python", version=VERSION))
    record = tmp_path / "out/etc/s/extensions.tsv"
    record.parent.mkdir(parents=True)
    record.write_text("# header\n" + line.format(v=VERSION) + "\n")
    before = record.read_bytes()
    result = run_pyherd("render", "--out", "out", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.splitlines()[0] == (
        "sites/s.yaml:8: modules.python.versions[0].extensions: etc/s/extensions.tsv:2: "
        "not a module, package and version"
    )
    assert record.read_bytes() == before
    assert sorted(p.name for p in (tmp_path / "out").rglob("*")) == ["etc", "extensions.tsv", "s"]


def test_a_record_that_is_a_symlink_is_not_read(tmp_path):
    make_sites(tmp_path, s=SITE.format(prefix="/nonexistent/python", version=VERSION))
    elsewhere = tmp_path / "planted.tsv"
    elsewhere.write_text(f"python/{VERSION}\tnumpy\t1.0\n")
    record = tmp_path / "out/etc/s/extensions.tsv"
    record.parent.mkdir(parents=True)
    record.symlink_to(elsewhere)
    result = run_pyherd("render", "--out", "out", cwd=tmp_path)
    assert result.returncode == 2
    assert "has no record of" in result.stderr.splitlines()[0]


def test_hostile_metadata_in_the_prefix_is_refused(tmp_path):
    site_packages = tmp_path / "p/lib/python3.11/site-packages"
    info = site_packages / "evil-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: evil$(touch x)\nVersion: 1.0\n")
    make_sites(tmp_path, s=SITE.format(prefix=tmp_path / "p", version=VERSION))
    result = run_pyherd("render", "--out", "out", cwd=tmp_path)
    assert result.returncode == 2
    assert "'evil$(touch x)' '1.0' is not a package name and version" in result.stderr
    assert not (tmp_path / "out").exists()
    assert not (tmp_path / "x").exists()


def test_from_prefix_needs_an_absolute_prefix(tmp_path):
    make_sites(tmp_path, s=SITE.format(prefix="relative/python", version=VERSION))
    result = run_pyherd("validate", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.splitlines()[0].endswith(
        "from_prefix needs an absolute prefix, not 'relative/python'"
    )
