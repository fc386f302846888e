"""Autoupdate benchmark: the nightly no-op, and an update of one package vs a fresh install.

The channel is conda_bench's (about 600 packages; the spec solves to 30 of them,
about 80 MiB). Each run installs a fresh root, times `pyherd autoupdate --quiet`
with nothing new (the cron job's usual night: whole process, wall and peak RSS),
then publishes a newer build of one solved package and times the autoupdate that
builds, checks and publishes the next generation. Prints medians and ratios from
one run. Targets: no-op <= 1.0 s and <= 150 MB; update <= 30 % of a fresh install.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from conda_bench import FILE_SIZE, RUNS, make_channel, pyherd, write_site

NOOPS = 5


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="pyherd-autoupdate-bench-") as tmp:
        base = Path(tmp)
        t = time.perf_counter()
        chan = make_channel(base / "chan")
        print(f"channel built and indexed in {time.perf_counter() - t:.1f} s")
        fresh, noop, noop_rss, update, update_rss = [], [], [], [], []
        for run in range(RUNS):
            work = base / f"run{run}"
            root = write_site(work, chan)
            wall, _ = pyherd(work, "install", "main")
            fresh.append(wall)
            for _ in range(NOOPS):
                wall, rss = pyherd(work, "autoupdate", "--quiet")
                noop.append(wall)
                noop_rss.append(rss)
            files = {
                f"share/lib{run}/f{j}.dat": os.urandom(FILE_SIZE // 2).hex() for j in range(12)
            }
            chan.add(f"lib{run}", f"1.2.{run}", files=files)  # one solved package, a new version
            chan.index()
            wall, rss = pyherd(work, "autoupdate", "--quiet")
            update.append(wall)
            update_rss.append(rss)
            if os.readlink(root / "main/current") != "generations/2":
                raise SystemExit("the update did not publish generation 2")
        med = statistics.median
        print(f"runs: {RUNS} (no-op: {NOOPS} per run)")
        print(f"fresh install (30 packages, ~80 MiB): {med(fresh):.2f} s")
        print(f"no-op autoupdate: {med(noop):.2f} s (target <= 1.0 s), "
              f"peak RSS {max(noop_rss) / 1024:.0f} MB (target <= 150 MB)")  # fmt: skip
        print(
            f"update of one package: {med(update):.2f} s, peak RSS {max(update_rss) / 1024:.0f} MB"
        )
        print(f"update / fresh install: {med(update) / med(fresh):.0%} (target <= 30%)")


if __name__ == "__main__":
    main()
    sys.stdout.flush()
    os._exit(0)
