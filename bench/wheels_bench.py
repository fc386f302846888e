"""Wheelhouse benchmark: index, avail_wheels and pip/uv installs on 62,949 wheels.

A generated wheelhouse shaped like the Alliance's (issue 15): 10,000 projects, 62,949
wheels in generic, x86-64-v3 and x86-64-v4, cp310-cp312, every version with the local
tag +computecanada, names spelled bio_cdf00131 in file names and bio-cdf00131 in
METADATA (project_wheels says which project has what). Every wheel is a real zip pip
can install. Measured, as whole processes, in one run (medians):
  full index (no previous index)            target <= 15 s, beside the floor: reading
                                            every wheel once, as the index does
  no-op index                               target <= 0.5 s
  incremental index after adding 10 wheels  target <= 1 s
  avail_wheels NAME                         target <= 60 ms
  avail_wheels --all                        target <= 0.5 s, peak RSS <= 80 MB
  the Alliance's avail_wheels on the same house, where installed: pyherd >= 4x faster
  for one name, >= 8x for --all
  pip install of one package: via the index vs via find-links (target >= 2x), and
  with the site's pip.conf (index + [install] find-links); uv the same two ways.
BENCH_PROJECTS scales the wheelhouse down for a quick look (e.g. 1000).
"""

from __future__ import annotations

import base64
import hashlib
import multiprocessing
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "tools/pyherd/templates"
sys.path[:0] = [str(ROOT / "bench")]

from measure import measured  # noqa: E402

PROJECTS = int(os.environ.get("BENCH_PROJECTS", "10000"))
WHEELS = PROJECTS * 62949 // 10000  # the issue's house: 62,949 wheels of 10,000 projects
LOCAL = "computecanada"
QUERY, NEWEST = "quant_ops00038", "1.3.0+computecanada"  # x86-64-v3 and -v4, 4 versions
PYTHONS = ("cp310", "cp311", "cp312")
ARCHS = ("generic", "x86-64-v3", "x86-64-v4")
BIN = Path(sys.executable).parent
RUNS, QUICK_RUNS = 3, 15
# what no index can beat: one process reading every wheel as the index does (its METADATA
# checked, its sha256 taken), on every CPU
FLOOR = [sys.executable, "-c", "import os, sys\n"
         "from pyherd.wheelhouse.wheelfile import read_all\n"
         "root, archs = sys.argv[1], sys.argv[2:]\n"
         "jobs = [(f'{root}/{a}/{n}', a) for a in archs for n in os.listdir(f'{root}/{a}')]\n"
         "assert all(ok for ok, _ in read_all(jobs)) and len(jobs) > 1000\n"]  # fmt: skip


def _digest(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def write_wheel(directory: Path, name: str, version: str, tag: str, meta_name: str = "") -> None:
    """A real wheel pip can install; METADATA spells the name `meta_name` (default: name)."""
    info = f"{name}-{version}.dist-info"
    files = {
        f"{name}/__init__.py": f"__version__ = {version!r}\n".encode(),
        f"{info}/METADATA": f"Metadata-Version: 2.1\nName: {meta_name or name}\n"
        f"Version: {version}\nRequires-Python: >=3.8\n".encode(),
        f"{info}/WHEEL": f"Wheel-Version: 1.0\nGenerator: bench\nRoot-Is-Purelib: "
        f"{'true' if tag.endswith('any') else 'false'}\nTag: {tag}\n".encode(),
    }
    record = "".join(f"{p},{_digest(d)},{len(d)}\n" for p, d in files.items())
    files[f"{info}/RECORD"] = (record + f"{info}/RECORD,,\n").encode()
    with zipfile.ZipFile(directory / f"{name}-{version}-{tag}.whl", "w") as zf:
        for path, data in files.items():
            zf.writestr(path, data)


FAMILIES = ("bio_cdf", "astro_fit", "geo_grid", "quant_ops", "ml_kit")


def project_name(i: int) -> str:
    """The file-name spelling; METADATA spells it with '-' (bio_cdf00131, bio-cdf00131)."""
    return f"{FAMILIES[i % len(FAMILIES)]}{i:05d}"


def project_wheels(i: int, extra: bool) -> list[tuple[str, str, str]]:
    """(arch, version, tag) of project i's wheels. Of every ten projects: six pure (generic,
    1-4 versions, `extra` adds one), one compiled portable (generic), one compiled for
    x86-64-v3 only, two for both x86-64-v3 and x86-64-v4; compiled ones have 1-4 versions
    for each of cp310-cp312."""
    kind, versions = i % 10, 1 + (i // 10) % 4
    if kind < 6:
        count = versions + extra
        return [("generic", f"2.{v}+{LOCAL}", "py3-none-any") for v in range(count)]
    archs = {6: ("generic",), 7: ("x86-64-v3",)}.get(kind, ("x86-64-v3", "x86-64-v4"))
    return [
        (arch, f"1.{v}.0+{LOCAL}", f"{py}-{py}-linux_x86_64")
        for v in range(versions)
        for py in PYTHONS
        for arch in archs
    ]


def _write_projects(args: tuple[str, int, int, int]) -> int:
    root, start, stop, extras = args
    count = 0
    for i in range(start, stop):
        name = project_name(i)
        for arch, version, tag in project_wheels(i, i % 10 < 6 and i // 10 * 6 + i % 10 < extras):
            write_wheel(Path(root) / arch, name, version, tag, name.replace("_", "-"))
            count += 1
    return count


def generate(root: Path, projects: int, wheels: int) -> int:
    """The wheelhouse under root, shaped like the Alliance's (issue 15): `projects`
    projects, as close to `wheels` wheels as the shape allows; the number written."""
    for arch in ARCHS:
        (root / arch).mkdir(parents=True)
    base = sum(len(project_wheels(i, False)) for i in range(projects))
    extras = max(0, wheels - base)  # the first `extras` pure projects get one more version
    step = max(1, projects // 40)
    jobs = [(str(root), s, min(s + step, projects), extras) for s in range(0, projects, step)]
    with multiprocessing.Pool() as pool:
        return sum(pool.map(_write_projects, jobs))


def site(work: Path, root: Path) -> None:
    (work / "sites").mkdir(parents=True, exist_ok=True)
    (work / "sites/b.yaml").write_text(
        "module_tool: lmod\n"
        f"wheelhouse:\n  root: {root}\n  archs: [{', '.join(ARCHS)}]\n"
        f"  default_arch: x86-64-v3\n  arch_variable: RSNT_ARCH\n  local_tag: {LOCAL}\n"
        "modules:\n  python:\n    kind: python\n    versions: ['3.11.5']\n"
        "    prefix: /opt/python/{version}\n"
    )


def main() -> None:
    med = statistics.median
    env = {**os.environ, "PYTHONPATH": str(ROOT / "tools")}
    pyherd = [sys.executable, "-m", "pyherd"]
    with tempfile.TemporaryDirectory(prefix="pyherd-wheels-bench-") as tmp:
        work = Path(tmp)
        root = work / "wh"
        start = time.perf_counter()
        count = generate(root, PROJECTS, WHEELS)
        print(f"wheelhouse: {count} wheels, {PROJECTS} projects, {len(PYTHONS)} Pythons, "
              f"{len(ARCHS)} archs (generated in {time.perf_counter() - start:.0f} s)")  # fmt: skip
        site(work, root)
        index = [*pyherd, "wheels", "index", "--site", "b", "--templates", str(TEMPLATES)]
        trash = work / "trash"  # replaced trees wait here: deleting 150,000 entries just
        trash.mkdir()  # before a run would time the file system's cleanup, not the index
        full = []
        for run in range(RUNS):
            for derived in (".index", "simple", "pip", "find-links"):
                if (root / derived).exists():
                    (root / derived).rename(trash / f"{derived}-{run}")
            os.sync()
            full.append(measured(index, cwd=work, env=env)[0])
        floor = [measured([*FLOOR, str(root), *ARCHS], env=env)[0] for _ in range(RUNS)]
        print(f"full index: {med(full):.2f} s (target <= 15 s); the floor, reading every "
              f"wheel once on {os.cpu_count()} CPUs: {med(floor):.2f} s "
              f"({med(full) / med(floor):.1f}x)")  # fmt: skip
        noop = [measured(index, cwd=work, env=env)[0] for _ in range(RUNS)]
        print(f"no-op index: {med(noop):.3f} s (target <= 0.5 s)")
        incremental = []
        for run in range(RUNS):
            for i in range(10):
                fresh, tag = f"fresh{run}x{i}", "cp311-cp311-linux_x86_64"
                write_wheel(root / "x86-64-v3", fresh, f"0.1+{LOCAL}", tag)
            incremental.append(measured(index, cwd=work, env=env)[0])
        print(f"incremental index, 10 new wheels: {med(incremental):.3f} s (target <= 1 s)")
        shutil.rmtree(trash)

        avail = [str(BIN / "avail_wheels")]
        user = {**env, "PYHERD_WHEELHOUSE": str(root), "RSNT_ARCH": "x86-64-v3",
                "PYHERD_PYTHON_VERSION": "3.11"}  # fmt: skip
        user.pop("VIRTUAL_ENV", None)
        one = [measured([*avail, QUERY], env=user)[0] for _ in range(QUICK_RUNS)]
        print(f"avail_wheels NAME: {med(one) * 1000:.0f} ms (target <= 60 ms)")
        listing = [measured([*avail], env=user) for _ in range(RUNS)]
        print(f"avail_wheels (default listing): {med(w for w, _ in listing):.3f} s")
        every = [measured([*avail, "--all"], env=user) for _ in range(RUNS)]
        print(f"avail_wheels --all: {med(w for w, _ in every):.3f} s (target <= 0.5 s), "
              f"peak RSS {max(r for _, r in every) / 1024:.0f} MB (target <= 80 MB)")  # fmt: skip
        peer(work, root, user, med(one), med(w for w, _ in every))
        installs(work, root)


def peer(work: Path, root: Path, user: dict[str, str], one: float, every: float) -> None:
    """The Alliance's avail_wheels on the same house, where it is installed (it is not on
    PyPI): PYHERD_PEER_AVAIL_WHEELS (its avail_wheels.py) and PYHERD_PEER_PYTHON (a Python
    with tabulate, packaging==21.3, pyparsing and pip). Its node is the same: a pip.conf
    whose [wheel] find-links lists x86-64-v3 then generic, Python 3.11."""
    script = os.environ.get("PYHERD_PEER_AVAIL_WHEELS")
    python = os.environ.get("PYHERD_PEER_PYTHON")
    if not (script and python):
        print("the Alliance's avail_wheels: not installed here (PYHERD_PEER_AVAIL_WHEELS)")
        return
    conf = work / "peer-v3.conf"
    conf.write_text(f"[wheel]\nfind-links = {root / 'x86-64-v3'} {root / 'generic'}\n")
    for version in ("3.10.14", "3.11.5", "3.12.1"):
        (work / "peer-pythons" / version).mkdir(parents=True, exist_ok=True)
    env = {**user, "WHEELHOUSE": str(root), "PIP_CONFIG_FILE": str(conf),
           "EBVERSIONPYTHON": "3.11", "PYTHON_DIRS": str(work / "peer-pythons"),
           "PYTHONPATH": str(Path(script).parent)}  # fmt: skip
    theirs = [measured([python, script, QUERY], env=env)[0] for _ in range(RUNS)]
    all_theirs = [measured([python, script, "--all"], env=env)[0] for _ in range(RUNS)]
    med = statistics.median
    print(f"the Alliance's avail_wheels NAME: {med(theirs):.3f} s, {med(theirs) / one:.1f}x "
          f"pyherd's time (target >= 4x); --all: {med(all_theirs):.3f} s, "
          f"{med(all_theirs) / every:.1f}x (target >= 8x)")  # fmt: skip


def installs(work: Path, root: Path) -> None:
    """pip and uv installing one package into a fresh venv, three ways each."""
    med = statistics.median
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "UV_"))}
    clean.pop("VIRTUAL_ENV", None)
    conf = root / "pip/x86-64-v3.conf"
    simple = (root / "simple/x86-64-v3").as_uri() + "/"
    links = [a for d in ("x86-64-v3", "generic") for a in ("--find-links", str(root / d))]
    ways = {
        "pip, index": (["--index-url", simple], {"PIP_CONFIG_FILE": os.devnull}),
        "pip, find-links": (["--no-index", *links], {"PIP_CONFIG_FILE": os.devnull}),
        "pip, site pip.conf": ([], {"PIP_CONFIG_FILE": str(conf)}),
        "pip, site pip.conf --no-index": (["--no-index"], {"PIP_CONFIG_FILE": str(conf)}),
    }
    times: dict[str, float] = {}
    for label, (args, extra) in ways.items():
        walls = []
        for run in range(RUNS):
            # each a fresh venv as users make it, with the pip `virtualenv --no-download` seeds
            venv = work / f"venv-{len(times)}-{run}"
            subprocess.run([sys.executable, "-m", "virtualenv", "-q", "--no-download", str(venv)],
                           check=True)  # fmt: skip
            cmd = [str(venv / "bin/pip"), "--disable-pip-version-check", "install", "-q", *args,
                   QUERY]  # fmt: skip
            walls.append(measured(cmd, env={**clean, **extra})[0])
            check_installed(venv)
        times[label] = med(walls)
    uv = str(BIN / "uv")
    for label, args in {
        "uv, index": ["--index-url", simple],
        "uv, find-links": ["--no-index", *links],
    }.items():
        walls = []
        for run in range(RUNS):
            venv = work / f"uvenv-{len(times)}-{run}"
            subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
            cmd = [uv, "pip", "install", "-q", "--no-cache", "--python", str(venv / "bin/python"),
                   *args, QUERY]  # fmt: skip
            walls.append(measured(cmd, env=clean)[0])
            check_installed(venv)
        times[label] = med(walls)
    seeded = subprocess.run([str(work / "venv-0-0/bin/pip"), "--version"], capture_output=True,
                            text=True)  # fmt: skip
    print(f"pip: {seeded.stdout.split(' from ')[0]}, as virtualenv --no-download seeds it")
    for label, wall in times.items():
        print(f"install one package, {label}: {wall:.2f} s")
    ratio = times["pip, find-links"] / times["pip, index"]
    print(f"pip: find-links / index = {ratio:.1f}x (target >= 2x)")
    uv_ratio = times["uv, find-links"] / times["uv, index"]
    print(f"uv: find-links / index = {uv_ratio:.1f}x")


def check_installed(venv: Path) -> None:
    done = subprocess.run(
        [str(venv / "bin/python"), "-c",
         f"import importlib.metadata as m; print(m.version({QUERY!r}))"],
        capture_output=True, text=True,
    )  # fmt: skip
    if done.stdout.strip() != NEWEST:
        raise SystemExit(f"installed {done.stdout.strip()!r}, not the newest {QUERY}")


if __name__ == "__main__":
    main()
