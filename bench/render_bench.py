"""Render benchmark: a synthetic Lua site of 10,000 modules.

Prints medians of: a full render into an empty directory, a no-op re-render (which
must write 0 files), and plainly writing the same bytes; the ratio of full render to
plain write; and the peak RSS of the render process. Targets on a 2-core machine:
full <= 3 s, no-op <= 0.5 s, peak RSS <= 250 MB.
"""

from __future__ import annotations

import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "tools/pyherd/templates"
KEYS, VERSIONS = 1000, 10  # 10,000 modules
RUNS = int(os.environ.get("BENCH_RUNS", "5"))


def synthetic_site() -> str:
    lines = [
        "description: synthetic benchmark site",
        "module_tool: lmod",
        "vars:",
        "  software: /opt/software",
        "python_policy:",
        "  pip_require_virtualenv: true",
        "modules:",
    ]
    for k in range(KEYS):
        kind = "python" if k % 10 == 0 else "bundle"
        lines += [
            f"  pkg{k:04d}:",
            f"    kind: {kind}",
            f"    family: fam{k % 50}" if kind == "python" else "    requires: [pkg0000]",
            '    prefix: "{software}/pkg' + f"{k:04d}" + '/{version}"',
            f"    default: 1.{VERSIONS - 1}.0",
            f'    whatis: "Description: synthetic package {k}"',
            "    env:",
            "      prepend:",
            '        PYTHONPATH: "{prefix}/lib/python3.11/site-packages"',
            "      set:",
            f'        PKG{k:04d}_HOME: "{{prefix}}"',
            "    extensions: {alpha: 1.0.0, beta: 2.0.1}",
            "    versions:",
        ]
        lines += [f"      - 1.{v}.0" for v in range(VERSIONS)]
    return "\n".join(lines) + "\n"


def timed(cmd: list[str], cwd: Path) -> tuple[float, str, int]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=True)
    elapsed = time.perf_counter() - start
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return elapsed, proc.stdout, max(rss, before)


def plain_write(files: dict[str, bytes], dest: Path) -> float:
    start = time.perf_counter()
    for rel, data in files.items():
        path = dest / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return time.perf_counter() - start


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="pyherd-bench-"))
    try:
        (work / "sites").mkdir()
        (work / "sites" / "synth.yaml").write_text(synthetic_site())
        cmd = [
            sys.executable,
            "-m",
            "pyherd",
            "render",
            "--site",
            "synth",
            "--templates",
            str(TEMPLATES),
        ]
        full, noop, plain, peak = [], [], [], 0
        for i in range(RUNS):
            out = work / f"out{i}"
            t, _, rss = timed([*cmd, "--out", str(out)], work)
            full.append(t)
            peak = max(peak, rss)
            t, stdout, rss = timed([*cmd, "--out", str(out)], work)
            if not re.search(r"0 created, 0 updated, 0 removed", stdout):
                print(f"no-op render wrote files: {stdout}", file=sys.stderr)
                return 1
            noop.append(t)
            files = {
                str(p.relative_to(out)): p.read_bytes()
                for p in out.rglob("*")
                if p.is_file() and p.name != ".render-state.json"
            }
            plain.append(plain_write(files, work / f"plain{i}"))
            shutil.rmtree(out)
            shutil.rmtree(work / f"plain{i}")
        modules = sum(
            1 for rel in files if rel.endswith(".lua") and "/." not in rel and "etc/" not in rel
        )
        mb = sum(len(d) for d in files.values()) / 1e6
        print(
            f"synthetic site: {modules} Lua modules, {len(files)} files, {mb:.1f} MB; {RUNS} runs"
        )
        print(f"full render     median {statistics.median(full):.2f} s   (target <= 3 s)")
        no_op = statistics.median(noop)
        print(f"no-op render    median {no_op:.2f} s   (target <= 0.5 s, 0 files written)")
        print(f"plain write     median {statistics.median(plain):.2f} s   (same bytes, open+write)")
        ratio = statistics.median(full) / statistics.median(plain)
        print(f"full / plain    {ratio:.2f}x   (target <= 1.2x, measured in this run)")
        print(f"peak RSS        {peak / 1024:.0f} MB   (target <= 250 MB)")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
