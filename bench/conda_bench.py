"""Conda tree benchmark: generation 1 vs generation 2 of the same spec.

A generated local channel of about 600 packages (noarch); the spec `app` solves to
30 of them, whose payload (12 files of 256 KiB each, part random) makes about 80 MiB,
the order of a small real Python stack. Each run installs into a fresh root twice
(`pyherd install` as a child process) and measures wall time, the disk each
install added to the root (hard links counted once), and peak RSS (pyherd and its
py-rattler worker). Prints medians and ratios from one run. Targets: generation 2
adds <= 5 % of generation 1's disk and takes <= 50 % of its time.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "tools"), str(ROOT / "tests"), str(ROOT / "bench")]

from condachannel import Channel  # noqa: E402
from measure import measured  # noqa: E402

RUNS = int(os.environ.get("BENCH_RUNS", "5"))
PACKAGES, SOLVED, FILES, FILE_SIZE = 600, 30, 12, 256 * 1024


def make_channel(path: Path) -> Channel:
    chan = Channel(path)
    chan.add_base(python=("3.11.7",))
    for i in range(PACKAGES // 2):
        for version in ("1.0", "1.1"):  # 2 versions each: about 600 package files
            solved = i < SOLVED - 4 and version == "1.1"
            size = FILE_SIZE if solved else 64
            files = {
                f"share/lib{i}/f{j}.dat": f"{i}-{j}-" + os.urandom(size // 8).hex() * 4
                for j in range(FILES if solved else 1)
            }
            chan.add(f"lib{i}", version, files=files)
    deps = tuple(f"lib{i}" for i in range(SOLVED - 4))  # + app, python, conda, mamba
    chan.add("app", "1.0", ("python", *deps))
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
    cmd += ["--templates", str(ROOT / "templates")]
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


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="pyherd-conda-bench-") as tmp:
        base = Path(tmp)
        t = time.perf_counter()
        chan = make_channel(base / "chan")
        print(
            f"channel: {len(list((base / 'chan/noarch').glob('*.tar.bz2')))} packages, "
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
        print(f"runs: {RUNS}; solve: {SOLVED} packages")
        print(f"generation 1: {med(first_t):.2f} s, {med(first_d) / 2**20:.1f} MiB added")
        print(f"generation 2: {med(second_t):.2f} s, {med(second_d) / 2**20:.2f} MiB added")
        print(f"time ratio gen2/gen1: {med(second_t) / med(first_t):.0%} (target <= 50%)")
        print(f"disk ratio gen2/gen1: {med(second_d) / med(first_d):.1%} (target <= 5%)")
        print(f"peak RSS (largest process): {max(rss) / 1024:.0f} MB")


if __name__ == "__main__":
    main()
    sys.stdout.flush()
    os._exit(0)
