"""Check that each module's prefix is installed on this machine: the directory exists,
and for a python, conda or conda-env module its `bin/python3` runs (for a python
module, as the version the module says). A prefix that reads the user's environment
is reported as not checkable. Writes nothing; exit 1 when a prefix is missing or
does not run, so a deploy or cron job can stop on it.
"""

from __future__ import annotations

import argparse
import subprocess
from pathlib import Path

from pyherd import options
from pyherd.errors import JobFailed, printable
from pyherd.model import ModuleSpec, literal
from pyherd.project import Paths, load_one
from pyherd.table import aligned

RUNS = ("python", "conda", "conda-env")  # kinds whose prefix holds bin/python3
PROBE = "import sys; print('%d.%d.%d' % sys.version_info[:3])"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    options.site(parser, "the site whose prefixes to check")


def run(args: argparse.Namespace, paths: Paths) -> int:
    item = load_one(paths, args.site)
    rows = [check(spec) for spec in item.model.modules if spec.prefix is not None]
    print(aligned(("module", "prefix", "result"), rows))
    bad = [row for row in rows if not row[2].startswith(("ok", "not checkable"))]
    if bad:
        raise JobFailed(f"{len(bad)} of {len(rows)} prefixes are missing or do not run")
    return 0


def check(spec: ModuleSpec) -> tuple[str, str, str]:
    """(module, prefix, what was found)."""
    assert spec.prefix is not None
    prefix = literal(spec.prefix)
    if prefix is None:
        return spec.full_name, "(reads the environment)", "not checkable here"
    shown = printable(prefix)
    where = Path(prefix)
    if not where.is_dir():
        return spec.full_name, shown, "missing"
    if spec.kind not in RUNS:
        return spec.full_name, shown, "ok"
    python = where / "bin" / "python3"
    try:
        ran = subprocess.run(
            [str(python), "-c", PROBE], capture_output=True, text=True, timeout=60,
            env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"},
        )  # fmt: skip
    except OSError as exc:
        return spec.full_name, shown, f"bin/python3 does not run: {exc.strerror}"
    except subprocess.TimeoutExpired:
        return spec.full_name, shown, "bin/python3 does not run: no answer in 60 s"
    if ran.returncode != 0:
        why = printable(ran.stderr.strip().splitlines()[-1] if ran.stderr.strip() else "")
        return spec.full_name, shown, f"bin/python3 does not run: exit {ran.returncode} {why}"
    found = ran.stdout.strip()
    wanted = spec.version.partition("-")[0]  # 3.10.4-bare is a 3.10.4
    if spec.kind == "python" and found != wanted:
        return spec.full_name, shown, f"bin/python3 is {printable(found)}, not {wanted}"
    return spec.full_name, shown, f"ok (python {found})"
