"""`pyherd wheels build`: real pip builds real sdists for every Python on this machine."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from packaging.version import Version

from conftest import run_pyherd
from sdistfactory import make_sdist
from wheelbuild import build_site, machine_pythons, setuptools_wheel
from wheelfactory import make_wheel

PYTHONS = machine_pythons()
PIP = [sys.executable, "-m", "pip", "--disable-pip-version-check"]
CLEAN = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")} | {
    "PIP_CONFIG_FILE": os.devnull
}


def project(tmp: Path, requirements: str, pythons=None, **site) -> Path:
    """tmp/sites/w.yaml, tmp/sites/w/wheels.txt, tmp/src with setuptools; wheelhouse tmp/wh."""
    src = tmp / "src"
    src.mkdir(exist_ok=True)
    shutil.copy(setuptools_wheel(), src)
    (tmp / "sites/w").mkdir(parents=True, exist_ok=True)
    (tmp / "sites/w/wheels.txt").write_text(requirements)
    paths = [str(p) for _, p in (pythons or PYTHONS[-1:])]
    (tmp / "sites/w.yaml").write_text(build_site(tmp / "wh", src, paths, **site))
    return tmp


def build(tmp: Path, *args: str):
    return run_pyherd("wheels", "build", "--site", "w", *args, cwd=tmp)


def table(stdout: str) -> dict[tuple[str, str], list[str]]:
    """(package, python) -> [version, result, detail...] from the summary table."""
    rows = {}
    for line in stdout.splitlines()[1:]:
        cells = line.split()
        if len(cells) >= 4 and cells[2][0].isdigit():
            rows[(cells[0], cells[2])] = [cells[1], *cells[3:]]
    return rows


def wheels(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.glob("*/*.whl"))


def snapshot(root: Path) -> dict[str, tuple[int, int]]:
    return {
        str(p.relative_to(root)): (p.stat().st_ino, p.stat().st_mtime_ns)
        for p in root.rglob("*")
        if p.is_file() and ".build" not in p.parts
    }


def installed(python: Path, wheelhouse: Path, tmp: Path, code: str, *names: str) -> str:
    """Install `names` with --no-index from the wheelhouse into a fresh venv of `python`."""
    venv = tmp / f"venv-{python.parent.parent.name}"
    subprocess.run([str(python), "-m", "venv", "--without-pip", str(venv)], check=True)
    links = [a for d in ("x86-64-v3", "generic") for a in ("--find-links", str(wheelhouse / d))]
    subprocess.run(
        [*PIP, "--python", str(venv / "bin/python"), "install", "-q", "--no-index", *links, *names],
        check=True,
        env=CLEAN,
    )
    done = subprocess.run(
        [str(venv / "bin/python"), "-I", "-c", code], capture_output=True, text=True, cwd=tmp
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@pytest.fixture(scope="module")
def every_python(tmp_path_factory: pytest.TempPathFactory):
    """A pure and a C-extension package built for every Python here, two at a time."""
    tmp = tmp_path_factory.mktemp("every")
    make_sdist(tmp / "src", "purepkg", "1.0")
    make_sdist(tmp / "src", "purepkg", "1.1")
    make_sdist(tmp / "src", "fastpkg", "2.1", c_extension=True)
    make_sdist(tmp / "src", "fastpkg", "3.0a1", c_extension=True)  # a pre-release: not chosen
    project(tmp, "purepkg<1.1\nfastpkg\n", pythons=PYTHONS)
    result = build(tmp, "--jobs", "2")
    return tmp, result


def test_builds_for_every_python_with_local_tag_and_placement(every_python):
    tmp, result = every_python
    assert result.returncode == 0, result.stdout + result.stderr
    root = tmp / "wh"
    expected = ["generic/purepkg-1.0+site-py3-none-any.whl"] + [
        f"x86-64-v3/fastpkg-2.1+site-cp{s.replace('.', '')}-cp{s.replace('.', '')}-linux_x86_64.whl"
        for s, _ in PYTHONS
    ]
    assert wheels(root) == sorted(expected)
    rows = table(result.stdout)
    first = PYTHONS[0][0]
    assert rows[("purepkg", first)][:2] == ["1.0+site", "built"]
    for short, _ in PYTHONS[1:]:  # the pure wheel built for the first Python serves the rest
        assert rows[("purepkg", short)][:3] == ["1.0+site", "skipped", "already"]
    for short, _ in PYTHONS:
        assert rows[("fastpkg", short)][:2] == ["2.1+site", "built"]
    # the index ran after the build: pip's pages list the new wheels
    page = (root / "simple/x86-64-v3/fastpkg/index.html").read_text()
    assert page.count(".whl#sha256=") == len(PYTHONS)
    assert (root / "pip/x86-64-v3.conf").is_file()


@pytest.mark.parametrize("short", [s for s, _ in PYTHONS])
def test_each_python_installs_and_runs_its_wheels(every_python, short, tmp_path):
    tmp, _ = every_python
    python = dict(PYTHONS)[short]
    code = (
        "import importlib.metadata as m, fastpkg, purepkg; "
        "print(fastpkg.answer(), m.version('fastpkg'), m.version('purepkg'))"
    )
    out = installed(python, tmp / "wh", tmp_path, code, "fastpkg", "purepkg")
    assert out == "42 2.1+site 1.0+site"


def test_rebuild_with_nothing_new_builds_nothing(every_python):
    tmp, _ = every_python
    before = snapshot(tmp / "wh")
    again = build(tmp, "--jobs", "2")
    assert again.returncode == 0, again.stderr
    results = {cells[1] for cells in table(again.stdout).values()}
    assert results == {"skipped"}
    assert f"w: {2 * len(PYTHONS)} skipped" in again.stdout
    assert snapshot(tmp / "wh") == before  # not one file rewritten, index included
    assert not list((tmp / "wh/.build").glob("run-*"))


def test_a_new_version_in_the_sources_is_built_and_indexed(every_python):
    tmp, _ = every_python
    make_sdist(tmp / "src", "purepkg", "1.0.5")
    again = build(tmp)
    assert again.returncode == 0, again.stderr
    assert table(again.stdout)[("purepkg", PYTHONS[0][0])][:2] == ["1.0.5+site", "built"]
    assert "generic/purepkg-1.0.5+site-py3-none-any.whl" in wheels(tmp / "wh")
    shard = (tmp / "wh/.index/p/purepkg.tsv").read_text()
    assert shard.startswith("purepkg\t1.0.5\tsite\t")


def test_one_failure_does_not_stop_the_others(tmp_path):
    make_sdist(tmp_path / "src", "badc", "0.1", c_extension=True, compiles=False)
    make_sdist(tmp_path / "src", "purepkg", "1.0")
    make_sdist(tmp_path / "src", "noimport", "0.2", imports=False)
    make_sdist(tmp_path / "src", "needs", "0.3", depends=("purepkg",))
    project(tmp_path, "badc\nneeds\nnoimport\nmissing>=1\npurepkg\n")
    result = build(tmp_path, "--jobs", "2")
    assert result.returncode == 1
    rows = table(result.stdout)
    short = PYTHONS[-1][0]
    assert rows[("badc", short)][1] == "failed"
    assert "error: unknown type name" in result.stdout  # the compiler's own line
    assert rows[("noimport", short)][1] == "failed"
    assert "ImportError: this package is broken on purpose" in result.stdout
    assert rows[("missing", short)][:3] == ["-", "failed", "no"]
    # `needs` depends on purepkg, built later in the same run: its test install waits for it
    assert rows[("needs", short)][1] == "built"
    assert rows[("purepkg", short)][1] == "built"
    assert wheels(tmp_path / "wh") == [
        "generic/needs-0.3+site-py3-none-any.whl",
        "generic/purepkg-1.0+site-py3-none-any.whl",
    ]
    assert "2 built, 3 failed" in result.stdout or "3 failed, 2 built" in result.stdout
    assert "3 of 5 builds failed; the others are published" in result.stderr
    log = tmp_path / f"wh/.build/logs/badc-{short}.log"
    assert "retrun" in log.read_text()
    names = (tmp_path / "wh/.index/names.tsv").read_text()
    assert names == "needs\tneeds\npurepkg\tpurepkg\n"


def test_a_different_file_of_the_same_name_is_never_replaced(tmp_path):
    """A wheel of the same name that appears while the build runs is kept; the build fails."""
    from pyherd.progress import Progress
    from pyherd.project import Paths, load_sites
    from pyherd.wheelhouse.builder import Builder
    from pyherd.wheelhouse.plan import plan_build

    make_sdist(tmp_path / "src", "purepkg", "1.0")
    project(tmp_path, "purepkg\n")
    paths = Paths(tmp_path / "sites", tmp_path / "templates", tmp_path / "out")
    item = load_sites(paths, ["w"])[0]
    plan = plan_build(item.site, item.model, paths.sites)
    work = tmp_path / "wh/.build/run-test"
    work.mkdir(parents=True)
    builder = Builder(plan, work, dry_run=False, progress=Progress(enabled=False))
    intruder = tmp_path / "wh/generic/purepkg-1.0+site-py3-none-any.whl"
    intruder.parent.mkdir(parents=True)
    intruder.write_bytes(b"someone else's wheel")
    [outcome] = builder.run(jobs=1)
    assert outcome.result == "failed"
    assert "already published and differs" in outcome.detail
    assert intruder.read_bytes() == b"someone else's wheel"


def test_only_binary_takes_the_sources_wheel_and_tags_it(tmp_path):
    """pip itself, as the Alliance ships it: `pip install --no-index --upgrade pip` offline."""
    embedded = Path(__import__("virtualenv").__file__).parent / "seed/wheels/embed"
    newest = max(embedded.glob("pip-*.whl"), key=lambda p: Version(p.name.split("-")[1]))
    project(tmp_path, "pip\n", extra="packages:\n  pip: {only_binary: true}\n")
    shutil.copy(newest, tmp_path / "src")
    result = build(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    version = newest.name.split("-")[1]
    assert wheels(tmp_path / "wh") == [f"generic/pip-{version}+site-py3-none-any.whl"]
    venv = tmp_path / "venv"
    subprocess.run(
        [sys.executable, "-m", "virtualenv", "-q", "--no-download", "--pip", "bundle", str(venv)],
        check=True,
    )
    env = CLEAN | {"PIP_CONFIG_FILE": str(tmp_path / "wh/pip/x86-64-v3.conf")}
    upgrade = subprocess.run(
        [str(venv / "bin/pip"), "install", "--no-index", "--upgrade", "pip"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert upgrade.returncode == 0, upgrade.stdout + upgrade.stderr
    assert "Successfully installed pip-" in upgrade.stdout
    shown = subprocess.run(
        [str(venv / "bin/python"), "-c", "import importlib.metadata as m; print(m.version('pip'))"],
        capture_output=True,
        text=True,
    )
    assert shown.stdout == f"{version}+site\n"


def test_dry_run_resolves_and_writes_nothing(tmp_path):
    make_sdist(tmp_path / "src", "purepkg", "1.0")
    make_sdist(tmp_path / "src", "purepkg", "2.0")
    project(tmp_path, "purepkg<2\n")
    result = build(tmp_path, "--dry-run")
    assert result.returncode == 0, result.stderr
    assert table(result.stdout)[("purepkg", PYTHONS[-1][0])] == [
        "1.0+site", "would", "build", "from", "purepkg-1.0.tar.gz", "0.0"
    ]  # fmt: skip
    assert not (tmp_path / "wh").exists()


def test_python_by_module_uses_the_modules_prefix(tmp_path):
    short, python = PYTHONS[-1]
    prefix = python.parent.parent
    if not (prefix / "bin/python3").exists():
        pytest.skip(f"{python} is not <prefix>/bin/python3")
    make_sdist(tmp_path / "src", "fastpkg", "2.1", c_extension=True)
    project(tmp_path, "fastpkg\n")
    site = (tmp_path / "sites/w.yaml").read_text()
    site = site.replace(f"    - {python}", "    - {module: mypython/" + short + "}")
    site += f"  mypython:\n    kind: python\n    versions: ['{short}']\n    prefix: {prefix}\n"
    (tmp_path / "sites/w.yaml").write_text(site)
    result = build(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    tag = "cp" + short.replace(".", "")
    assert wheels(tmp_path / "wh") == [f"x86-64-v3/fastpkg-2.1+site-{tag}-{tag}-linux_x86_64.whl"]


@pytest.mark.parametrize(
    ("change", "where", "message"),
    [
        (("pythons:\n    - ", "pythons:\n    - /nonexistent/python3\n    - "),
         "w.yaml:11: wheelhouse.pythons[0]", "/nonexistent/python3: cannot run it"),
        (("local_tag: site", "local_tag: site\n  requirements: nope.txt"),
         "wheelhouse.requirements", "cannot read"),
        (("sources: [", "sources: [/nonexistent, "),
         "wheelhouse.sources[0]", "no such directory"),
        (("build_arch: x86-64-v3", "build_arch: x86-64-v9"),
         "wheelhouse.build_arch", "'x86-64-v9' is not one of archs"),
    ],
)  # fmt: skip
def test_bad_config_is_exit_2_and_located(tmp_path, change, where, message):
    project(tmp_path, "purepkg\n")
    site = tmp_path / "sites/w.yaml"
    site.write_text(site.read_text().replace(*change, 1))
    result = build(tmp_path)
    assert result.returncode == 2, result.stdout + result.stderr
    assert where in result.stderr and message in result.stderr
    assert not (tmp_path / "wh").exists()


def test_bad_requirement_line_is_exit_2_with_file_and_line(tmp_path):
    project(tmp_path, "purepkg\n\n--index-url https://example.org\nnumpy>>1\n")
    result = build(tmp_path)
    assert result.returncode == 2
    assert "wheels.txt:3: '--index-url https://example.org': pip options" in result.stderr
    assert "wheels.txt:4: 'numpy>>1'" in result.stderr
    assert not (tmp_path / "wh").exists()


def test_local_tag_rewrites_name_metadata_and_record(tmp_path):
    from pyherd.wheelhouse.retag import add_local_tag, tagged_version
    from wheelfactory import make_wheel

    assert tagged_version("1.0", "site") == "1.0+site"
    assert tagged_version("2.0+cpu", "site") == "2.0+cpu.site"
    assert tagged_version("2.0+cpu.site", "site") == "2.0+cpu.site"
    plain = make_wheel(tmp_path / "in", "my-pkg", "1.0", "cp311-cp311-linux_x86_64")
    out = tmp_path / "out"
    out.mkdir()
    tagged = add_local_tag(plain, "site", out)
    assert tagged.name == "my_pkg-1.0+site-cp311-cp311-linux_x86_64.whl"
    with zipfile.ZipFile(tagged) as zf:
        names = zf.namelist()
        assert "my_pkg-1.0+site.dist-info/METADATA" in names
        assert not any(n.startswith("my_pkg-1.0.dist-info") for n in names)
        assert "Version: 1.0+site\n" in zf.read("my_pkg-1.0+site.dist-info/METADATA").decode()
        record = list(csv.reader(io.StringIO(zf.read("my_pkg-1.0+site.dist-info/RECORD").decode())))
        listed = {row[0] for row in record}
        assert listed == set(names)
        for path, digest, size in record:
            if digest:
                data = zf.read(path)
                expected = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
                assert digest == "sha256=" + expected.decode() and int(size) == len(data)


def test_a_build_closes_over_dependencies_and_skips_what_the_house_has(tmp_path):
    """`top` needs `mid`, which needs `leaf`; neither is listed. Without any `leaf`
    nothing is published (none of them would install); once a `leaf` wheel `mid`
    accepts is in the wheelhouse (built elsewhere, no sdist in the sources), it is used,
    not rebuilt. A dependency whose marker is false for the Python is not built."""
    src = tmp_path / "src"
    make_sdist(src, "top", "1.0", depends=("mid>=2", "never; python_version < '3'"))
    make_sdist(src, "mid", "2.1", depends=("leaf",))
    make_sdist(src, "mid", "1.0")
    make_sdist(src, "other", "0.5", depends=("leaf>=9",))
    project(tmp_path, "top\n")
    short = PYTHONS[-1][0]
    first = build(tmp_path)
    assert first.returncode == 1, first.stdout + first.stderr
    rows = table(first.stdout)
    assert [rows[(p, short)][1] for p in ("top", "mid", "leaf")] == ["failed"] * 3
    assert rows[("mid", short)][0] == "2.1+site"  # the newest that >=2 allows
    assert ("never", short) not in rows and wheels(tmp_path / "wh") == []
    make_wheel(tmp_path / "wh/generic", "leaf", "3.0")  # built elsewhere
    second = build(tmp_path)
    assert second.returncode == 0, second.stdout + second.stderr
    rows = table(second.stdout)
    assert [rows[(p, short)][1] for p in ("top", "mid", "leaf")] == ["built", "built", "skipped"]
    assert "needed by mid, already here: leaf-3.0-py3-none-any.whl" in second.stdout
    done = installed(PYTHONS[-1][1], tmp_path / "wh", tmp_path,
                     "import top, mid, leaf; print(mid.__version__)", "top")  # fmt: skip
    assert done.strip() == "2.1"
    third = build(tmp_path)
    assert [table(third.stdout)[(p, short)][1] for p in ("top", "mid", "leaf")] == ["skipped"] * 3
    # a dependency the house has, but not in a version it accepts, is built (here: cannot be)
    (tmp_path / "sites/w/wheels.txt").write_text("other\n")
    fourth = build(tmp_path)
    assert table(fourth.stdout)[("leaf", short)][1] == "failed"
    assert "no sdist of leaf>=9" in fourth.stdout


def test_hostile_requires_dist_lines_are_only_names(tmp_path):
    """A wheel in the house names what it needs; lines that are not requirements (a path,
    a quote, a command) are ignored, never run or joined into a path; a real one is
    looked for like any other."""
    house = tmp_path / "wh/generic"
    wheel = make_wheel(house, "host", "1.0+site")
    canary = tmp_path / "canary"
    with zipfile.ZipFile(wheel) as zf:
        entries = {n: zf.read(n) for n in zf.namelist()}
    meta = "host-1.0+site.dist-info/METADATA"
    entries[meta] += "".join(f"Requires-Dist: {line}\n" for line in (
        "../../escape", 'x"y', f"$(touch {canary})", "okdep>=1", "tab\tdep",
    )).encode()  # fmt: skip
    with zipfile.ZipFile(wheel, "w") as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    make_sdist(tmp_path / "src", "top", "1.0", depends=("host",))
    project(tmp_path, "top\n")
    result = build(tmp_path)
    rows = table(result.stdout)
    short = PYTHONS[-1][0]
    assert rows[("host", short)][1] == "skipped"  # found here, as a dependency of top
    assert rows[("okdep", short)][1] == "failed" and "no sdist of okdep>=1" in result.stdout
    assert {p for p, _ in rows} == {"top", "host", "okdep"}
    assert not canary.exists() and not (tmp_path.parent / "escape").exists()
