"""Wheelhouse benchmark: index, avail_wheels and pip/uv installs on 60,000 wheels.

A generated wheelhouse the size of the Alliance's: 3,200 projects, 60,000 wheels
(2,000 compiled projects x 3 versions x cp310/cp311/cp312 x generic, x86-64-v3,
x86-64-v4; 1,200 pure projects x 5 versions). Every wheel is a real zip pip can
install. Measured, as whole processes, in one run (medians):
  full index (no previous index)            target <= 15 s
  incremental index after adding 10 wheels  target <= 1 s
  avail_wheels NAME                         target <= 60 ms
  avail_wheels --all                        target <= 0.5 s, peak RSS <= 80 MB
  the Alliance's avail_wheels on the same house, where installed: pyherd >= 4x faster
  for one name, >= 8x for --all
  pip install of one package: via the index vs via find-links (target >= 2x), and
  with the site's pip.conf (index + [install] find-links); uv the same two ways.
BENCH_WHEELS scales the wheelhouse down for a quick look (e.g. 6000).
"""

from __future__ import annotations

import base64
import hashlib
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
sys.path[:0] = [str(ROOT / "bench")]

from measure import measured  # noqa: E402

TOTAL = int(os.environ.get("BENCH_WHEELS", "60000"))
PYTHONS = ("cp310", "cp311", "cp312")
ARCHS = ("generic", "x86-64-v3", "x86-64-v4")
BIN = Path(sys.executable).parent
RUNS, QUICK_RUNS = 3, 15


def _digest(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def write_wheel(directory: Path, name: str, version: str, tag: str) -> None:
    info = f"{name}-{version}.dist-info"
    files = {
        f"{name}/__init__.py": f"__version__ = {version!r}\n".encode(),
        f"{info}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
        "Requires-Python: >=3.8\n".encode(),
        f"{info}/WHEEL": f"Wheel-Version: 1.0\nGenerator: bench\nRoot-Is-Purelib: "
        f"{'true' if tag.endswith('any') else 'false'}\nTag: {tag}\n".encode(),
    }
    record = "".join(f"{p},{_digest(d)},{len(d)}\n" for p, d in files.items())
    files[f"{info}/RECORD"] = (record + f"{info}/RECORD,,\n").encode()
    with zipfile.ZipFile(directory / f"{name}-{version}-{tag}.whl", "w") as zf:
        for path, data in files.items():
            zf.writestr(path, data)


def generate(root: Path, total: int) -> tuple[int, int]:
    """The wheelhouse under root; (projects, wheels)."""
    for arch in ARCHS:
        (root / arch).mkdir(parents=True)
    compiled = round(total * 0.9) // (3 * len(PYTHONS) * len(ARCHS))
    pure = (total - compiled * 27) // 5
    count = 0
    for p in range(compiled):
        for v in range(3):
            for py in PYTHONS:
                for arch in ARCHS:
                    write_wheel(root / arch, f"cext{p:04d}", f"1.{v}.0+site",
                                f"{py}-{py}-linux_x86_64")  # fmt: skip
                    count += 1
    for p in range(pure):
        for v in range(5):
            write_wheel(root / "generic", f"pure{p:04d}", f"2.{v}+site", "py3-none-any")
            count += 1
    return compiled + pure, count


def site(work: Path, root: Path) -> None:
    (work / "sites").mkdir(parents=True, exist_ok=True)
    (work / "sites/b.yaml").write_text(
        "module_tool: lmod\n"
        f"wheelhouse:\n  root: {root}\n  archs: [{', '.join(ARCHS)}]\n"
        "  default_arch: x86-64-v3\n  arch_variable: RSNT_ARCH\n  local_tag: site\n"
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
        projects, count = generate(root, TOTAL)
        print(f"wheelhouse: {count} wheels, {projects} projects, {len(PYTHONS)} Pythons, "
              f"{len(ARCHS)} archs (generated in {time.perf_counter() - start:.0f} s)")  # fmt: skip
        site(work, root)
        index = [*pyherd, "wheels", "index", "--site", "b", "--templates", str(ROOT / "templates")]
        full = []
        for _ in range(RUNS):
            for derived in (".index", "simple", "pip"):
                shutil.rmtree(root / derived, ignore_errors=True)
            full.append(measured(index, cwd=work, env=env)[0])
        print(f"full index: {med(full):.2f} s (target <= 15 s)")
        incremental = []
        for run in range(RUNS):
            for i in range(10):
                write_wheel(
                    root / "x86-64-v3", f"fresh{run}x{i}", "0.1+site", "cp311-cp311-linux_x86_64"
                )
            incremental.append(measured(index, cwd=work, env=env)[0])
        print(f"incremental index, 10 new wheels: {med(incremental):.3f} s (target <= 1 s)")

        avail = [str(BIN / "avail_wheels")]
        user = {**env, "PYHERD_WHEELHOUSE": str(root), "RSNT_ARCH": "x86-64-v3",
                "PYHERD_PYTHON_VERSION": "3.11"}  # fmt: skip
        user.pop("VIRTUAL_ENV", None)
        one = [measured([*avail, "cext0042"], env=user)[0] for _ in range(QUICK_RUNS)]
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
    theirs = [measured([python, script, "cext0042"], env=env)[0] for _ in range(RUNS)]
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
                   "cext0042"]  # fmt: skip
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
                   *args, "cext0042"]  # fmt: skip
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
         "import importlib.metadata as m; print(m.version('cext0042'))"],
        capture_output=True, text=True,
    )  # fmt: skip
    if done.stdout.strip() != "1.2.0+site":
        raise SystemExit(f"installed {done.stdout.strip()!r}, not the newest cext0042")


if __name__ == "__main__":
    main()
