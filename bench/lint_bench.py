"""Lint benchmark: a synthetic Lmod site of 1,000 modules, loaded and unloaded by real Lmod.

Prints, measured in one run: `pyherd lint` over the whole site (median of BENCH_RUNS,
default 3), its throughput against the target (1,000 modules in <= 30 s), and the old
way for comparison: one bash and one tool set-up per module, one module at a time, on
a sample of 100 modules (projected to the whole site).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

from pyherd import lint  # noqa: E402
from pyherd.moduletools import tool  # noqa: E402
from pyherd.project import Paths, load_one  # noqa: E402

TEMPLATES = ROOT / "tools/pyherd/templates"
KEYS = int(os.environ.get("BENCH_LINT_KEYS", "250"))  # x 4 versions
RUNS = int(os.environ.get("BENCH_RUNS", "3"))
SAMPLE = 100


def site() -> str:
    lines = ["module_tool: lmod", "python_policy: {pip_require_virtualenv: true}", "modules:"]
    for k in range(KEYS):
        kind = "python" if k % 10 == 0 else "generic"
        lines += [
            f"  pkg{k:04d}:",
            f"    kind: {kind}",
            f'    prefix: "/opt/software/pkg{k:04d}/{{version}}"',
            f'    whatis: "Description: synthetic package {k}"',
            "    env:",
            f'      set: {{PKG{k:04d}_HOME: "{{prefix}}"}}',
            '      prepend: {PYTHONPATH: "{prefix}/lib/python3.11/site-packages"}',
            "    versions: [3.10.1, 3.11.2, 3.12.3, 3.13.4]",
        ]
    return "\n".join(lines) + "\n"


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="pyherd-lint-bench-") as tmp:
        work = Path(tmp)
        (work / "sites").mkdir()
        (work / "sites/synth.yaml").write_text(site())
        render = [sys.executable, "-m", "pyherd", "render", "--templates", str(TEMPLATES)]
        subprocess.run([*render, "--out", "out"], cwd=work, check=True, capture_output=True)
        lint_cmd = [sys.executable, "-m", "pyherd", "lint", "--out", "out",
                    "--templates", str(TEMPLATES)]  # fmt: skip
        runs = []
        for _ in range(RUNS):
            start = time.perf_counter()
            done = subprocess.run(lint_cmd, cwd=work, capture_output=True, text=True)
            runs.append(time.perf_counter() - start)
            if done.returncode != 0:
                print(done.stderr, file=sys.stderr)
                return 1
        modules = KEYS * 4
        now = statistics.median(runs)
        print(f"synthetic site: {modules} Lmod modules; {os.cpu_count()} CPUs; {RUNS} runs")
        print(
            f"pyherd lint          median {now:6.1f} s  {modules / now:6.1f} modules/s   "
            f"(target: 1,000 modules <= 30 s, {1000 / 30:.1f}/s)"
        )
        old = old_way(work)
        print(
            f"one shell a module   {old * 1000:6.1f} ms/module on {SAMPLE} modules, "
            f"projected {old * modules:6.1f} s   ({old * modules / now:.1f}x the batched lint)"
        )
    return 0


def old_way(work: Path) -> float:
    """Seconds per module the old way: a bash, a tool set-up and one load/unload each,
    one after the other (lint's own probe with one module per shell and one shell)."""
    paths = Paths(sites=work / "sites", templates=TEMPLATES, out=work / "out")
    item = load_one(paths, "synth")
    runner = tool("lmod").runner()
    assert runner is not None
    sample = list(item.model.modules[:SAMPLE])
    modulepath = [work / "out/synth"]
    with tempfile.TemporaryDirectory() as snaps, mock.patch.object(lint, "BATCH", 1), \
            mock.patch.object(lint.os, "cpu_count", lambda: 1):  # fmt: skip
        start = time.perf_counter()
        findings = lint.load_unload_all(runner, sample, modulepath, {}, Path(snaps))
        elapsed = time.perf_counter() - start
    if findings:
        raise SystemExit(f"the sample has findings: {findings[:3]}")
    return elapsed / len(sample)


if __name__ == "__main__":
    sys.exit(main())
