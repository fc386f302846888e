"""Conda tree benchmark: generation 1 vs generation 2 of the same spec, per payload.

Each payload is a generated local channel of about 600 packages; the spec `app`
solves to 36 of them (app, python, conda, mamba and 32 libraries). Payloads:

- `tar.bz2`: 26 libraries of 12 files of 256 KiB (part random): about 80 MiB,
  in the older format, whose bzip2 makes generation 1 slow.
- `.conda, random`: 32 libraries of 12 files of 256 KiB of random bytes: 96 MiB of
  `.conda` files that zstd cannot shrink, so generation 1 is as fast as it gets and
  the fixed cost of an install weighs most.
- `.conda, typical`: 32 libraries shaped like a Python stack, each 3 files of
  1.5 MiB (half random, like a shared library) and 150 text files of 8 KiB: about
  96 MiB of `.conda` files that unpack to about 170 MiB in 4,900 files.

Each run installs into a fresh root twice (`pyherd install` as a child process) and
measures wall time, the disk each install added to the root (hard links counted
once), and peak RSS (pyherd and its py-rattler worker). Prints medians and ratios
from one run. Targets: generation 2 adds <= 5 % of generation 1's disk and takes
<= 30 % of its time (the fixed cost of an install: Python, imports, the worker).
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "tools/pyherd/templates"
sys.path[:0] = [str(ROOT / "tools"), str(ROOT / "tests"), str(ROOT / "bench")]

from condachannel import Channel  # noqa: E402
from measure import measured  # noqa: E402

RUNS = int(os.environ.get("BENCH_RUNS", "5"))
PACKAGES, SOLVED, FILES, FILE_SIZE = 600, 30, 12, 256 * 1024
Files = dict[str, str | bytes]


def hex_files(i: int) -> Files:
    """The tar.bz2 payload's library: 12 files of 256 KiB, a random quarter repeated."""
    return {
        f"share/lib{i}/f{j}.dat": f"{i}-{j}-" + os.urandom(FILE_SIZE // 8).hex() * 4
        for j in range(FILES)
    }


def random_files(i: int) -> Files:
    return {f"share/lib{i}/f{j}.dat": os.urandom(FILE_SIZE) for j in range(FILES)}


_WORDS = [os.urandom(4).hex() for _ in range(2000)]


def _text(size: int) -> str:
    words = random.choices(_WORDS, k=size // 9 + 1)
    return " ".join(words)[:size]


def stack_files(i: int) -> Files:
    """A library shaped like a Python package: a few large binaries, many small modules."""
    big = 1536 * 1024
    files: Files = {
        f"lib/lib{i}/_core{j}.so": os.urandom(big // 2) + _text(big // 2).encode() for j in range(3)
    }
    files.update({f"lib/python/site-packages/lib{i}/m{j}.py": _text(8192) for j in range(150)})
    return files


# name -> (package format, libraries solved, one library's files)
PAYLOADS: dict[str, tuple[str, int, Callable[[int], Files]]] = {
    "tar.bz2": ("tar.bz2", SOLVED - 4, hex_files),
    ".conda, random": ("conda", 32, random_files),
    ".conda, typical": ("conda", 32, stack_files),
}


def make_channel(path: Path, payload: str = "tar.bz2") -> Channel:
    fmt, solved, files_of = PAYLOADS[payload]
    chan = Channel(path, fmt)
    chan.add_base(python=("3.11.7",))
    for i in range(PACKAGES // 2):
        for version in ("1.0", "1.1"):  # 2 versions each: about 600 package files
            solved_here = i < solved and version == "1.1"
            files = files_of(i) if solved_here else {f"share/lib{i}/f0.dat": "x" * 64}
            chan.add(f"lib{i}", version, files=files)
    chan.add("app", "1.0", ("python", *(f"lib{i}" for i in range(solved))))
    chan.index()
    return chan


def disk(root: Path) -> int:
    seen: set[tuple[int, int]] = set()
    total = 0
    for dirpath, dirnames, filenames in os.walk(root):
        for name in (*dirnames, *filenames):
            st = os.lstat(os.path.join(dirpath, name))
            if (st.st_dev, st.st_ino) not in seen:
                seen.add((st.st_dev, st.st_ino))
                total += st.st_blocks * 512
    return total


def pyherd(work: Path, *args: str) -> tuple[float, int]:
    """Wall seconds and peak RSS (KiB, pyherd or its worker) of one `pyherd ARGS --site b`."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "tools")}
    cmd = [sys.executable, "-m", "pyherd", *args, "--site", "b"]
    cmd += ["--templates", str(TEMPLATES)]
    return measured(cmd, cwd=work, env=env)


def write_site(work: Path, chan: Channel) -> Path:
    """sites/b.yaml in `work`: tree `main` (spec `app`, autoupdate on); its root."""
    (work / "sites").mkdir(parents=True)
    root = work / "root"
    (work / "sites/b.yaml").write_text(
        "module_tool: lmod\n"
        f'conda:\n  root: {root}\n  channels: ["{chan.url}"]\n'
        '  trees:\n    main:\n      packages: [app]\n      checks: ["python -c pass"]\n'
        "      keep: 5\n      autoupdate: true\n"
        "modules:\n  conda:\n    kind: conda\n    tree: main\n"
    )
    return root


def channel_size(chan: Channel, payload: str) -> float:
    """MiB of the package files the spec solves to (the payload as downloaded)."""
    fmt, solved, _ = PAYLOADS[payload]
    names = {f"lib{i}-1.1-0" for i in range(solved)} | {"app-1.0-0", "python-3.11.7-0"}
    names |= {"conda-24.1.2-0", "mamba-1.5.6-0"}
    files = [p for p in (chan.path / "noarch").iterdir() if p.name.removesuffix("." + fmt) in names]
    return sum(p.stat().st_size for p in files) / 2**20


def bench(base: Path, payload: str) -> None:
    t = time.perf_counter()
    chan = make_channel(base / "chan", payload)
    print(
        f"\n{payload}: {channel_size(chan, payload):.0f} MiB of solved package files; channel "
        f"built and indexed in {time.perf_counter() - t:.1f} s"
    )
    first_t, second_t, first_d, second_d, rss = [], [], [], [], []
    for run in range(RUNS):
        work = base / f"run{run}"
        root = write_site(work, chan)
        w1, r1 = pyherd(work, "install", "main")
        d1 = disk(root)
        w2, r2 = pyherd(work, "install", "main")
        d2 = disk(root) - d1
        first_t.append(w1)
        second_t.append(w2)
        first_d.append(d1)
        second_d.append(d2)
        rss.extend([r1, r2])
    med = statistics.median
    print(f"  generation 1: {med(first_t):.2f} s, {med(first_d) / 2**20:.1f} MiB added")
    print(f"  generation 2: {med(second_t):.2f} s, {med(second_d) / 2**20:.2f} MiB added")
    print(f"  time ratio gen2/gen1: {med(second_t) / med(first_t):.0%} (target <= 30%)")
    print(f"  disk ratio gen2/gen1: {med(second_d) / med(first_d):.1%} (target <= 5%)")
    print(f"  peak RSS (largest process): {max(rss) / 1024:.0f} MB")


def main() -> None:
    wanted = sys.argv[1:] or list(PAYLOADS)
    print(f"runs: {RUNS} per payload")
    for payload in wanted:
        with tempfile.TemporaryDirectory(prefix="pyherd-conda-bench-") as tmp:
            bench(Path(tmp), payload)


if __name__ == "__main__":
    main()
    sys.stdout.flush()
    os._exit(0)
