"""Check that each module's prefix is installed: the directory exists, and for a python,
conda or conda-env module its `bin/python3` runs (for a python module, as the version
the module says). A prefix that reads the user's environment is reported as not
checkable. Writes nothing; exit 1 when a prefix is missing or does not run, so a
deploy or cron job can stop on it.

pyherd verify --site S
  Checks this machine.

pyherd verify --site S --hosts [HOST ...] | --group G
  Checks the site's deploy hosts (all of them when --hosts names none) over the same
  SSH connections as `pyherd deploy` (the site's known_hosts, its identity file), one
  shell script per host, every prefix quoted; a host that cannot be reached is a row
  of its own.
"""

from __future__ import annotations

import argparse
import shlex
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pyherd import options
from pyherd.errors import JobFailed, printable
from pyherd.model import ModuleSpec, literal
from pyherd.project import Paths, load_one
from pyherd.table import aligned

if TYPE_CHECKING:
    from fabric import Connection

    from pyherd.deploy.target import Target

RUNS = ("python", "conda", "conda-env")  # kinds whose prefix holds bin/python3
PROBE = "import sys; print('%d.%d.%d' % sys.version_info[:3])"
TIMEOUT = 60  # seconds a bin/python3 may take to answer


def add_arguments(parser: argparse.ArgumentParser) -> None:
    options.site(parser, "the site whose prefixes to check")
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--hosts",
        nargs="*",
        metavar="HOST",
        help="check these deploy hosts over SSH instead of this machine (none named: all)",
    )
    where.add_argument("--group", help="check the hosts of this deploy group over SSH")


@dataclass(frozen=True)
class Found:
    """What a prefix turned out to be, here or on a host."""

    exists: bool
    returncode: int | None = None  # of bin/python3 -c PROBE; None: not run
    output: str = ""  # its last line (the version, or why it failed)
    error: str = ""  # why it could not be started at all


def run(args: argparse.Namespace, paths: Paths) -> int:
    item = load_one(paths, args.site)
    specs = [spec for spec in item.model.modules if spec.prefix is not None]
    if args.hosts is None and args.group is None:
        rows = [judge(spec, probe_here(spec)) for spec in specs]
        print(aligned(("module", "prefix", "result"), rows))
        failed_hosts: list[str] = []
    else:
        from pyherd.deploy.target import resolve

        target, _ = resolve(item.site, paths.sites, group=args.group, hosts=args.hosts)
        rows, failed_hosts = _on_hosts(target, specs)
        print(aligned(("host", "module", "prefix", "result"), rows))
    bad = [row for row in rows if not row[-1].startswith(("ok", "not checkable", "not reached"))]
    if bad or failed_hosts:
        where = f"; hosts not checked: {', '.join(failed_hosts)}" if failed_hosts else ""
        raise JobFailed(f"{len(bad)} of {len(rows)} prefixes are missing or do not run{where}")
    return 0


def judge(spec: ModuleSpec, found: Found | None) -> tuple[str, str, str]:
    """(module, prefix, what was found); `found` None: the prefix reads the environment."""
    assert spec.prefix is not None
    prefix = literal(spec.prefix)
    if prefix is None or found is None:
        return spec.full_name, "(reads the environment)", "not checkable here"
    shown = printable(prefix)
    if not found.exists:
        return spec.full_name, shown, "missing"
    if spec.kind not in RUNS:
        return spec.full_name, shown, "ok"
    if found.error:
        return spec.full_name, shown, f"bin/python3 does not run: {printable(found.error)}"
    if found.returncode != 0:
        why = printable(found.output)
        return spec.full_name, shown, f"bin/python3 does not run: exit {found.returncode} {why}"
    wanted = spec.version.partition("-")[0]  # 3.10.4-bare is a 3.10.4
    if spec.kind == "python" and found.output != wanted:
        return spec.full_name, shown, f"bin/python3 is {printable(found.output)}, not {wanted}"
    return spec.full_name, shown, f"ok (python {found.output})"


def probe_here(spec: ModuleSpec) -> Found | None:
    assert spec.prefix is not None
    prefix = literal(spec.prefix)
    if prefix is None:
        return None
    where = Path(prefix)
    if not where.is_dir():
        return Found(False)
    if spec.kind not in RUNS:
        return Found(True)
    try:
        ran = subprocess.run(
            [str(where / "bin" / "python3"), "-c", PROBE], capture_output=True, text=True,
            timeout=TIMEOUT, env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"},
        )  # fmt: skip
    except OSError as exc:
        return Found(True, error=exc.strerror or str(exc))
    except subprocess.TimeoutExpired:
        return Found(True, error=f"no answer in {TIMEOUT} s")
    text = ran.stdout if ran.returncode == 0 else ran.stderr
    return Found(True, ran.returncode, _last_line(text))


def probe_script(specs: list[ModuleSpec]) -> str:
    """One /bin/sh script that probes every prefix on a host: a line `i<TAB>state<TAB>rc
    <TAB>last line` per module. Every prefix is a quoted word; nothing else varies."""
    lines = [
        "t=; command -v timeout >/dev/null 2>&1 && t='timeout " + str(TIMEOUT) + "'",
        'row() { printf \'%s\\t%s\\t%s\\t%s\\n\' "$1" "$2" "$3" "$(printf \'%s\' "$4" '
        "| tail -n 1 | tr '\\t\\r' '  ')\"; }",
    ]
    for i, spec in enumerate(specs):
        prefix = literal(spec.prefix) if spec.prefix is not None else None
        if prefix is None:
            continue
        p = shlex.quote(prefix)
        if spec.kind in RUNS:
            runs = (
                f"out=$(PATH=/usr/bin:/bin LANG=C.UTF-8 $t {p}/bin/python3 -c "
                f'{shlex.quote(PROBE)} 2>&1 </dev/null); row {i} ran $? "$out"'
            )
        else:
            runs = f"row {i} dir 0 ''"
        lines.append(f"if [ -d {p} ]; then {runs}; else row {i} missing 0 ''; fi")
    return "\n".join(lines) + "\n"


def parse_probe(text: str, specs: list[ModuleSpec]) -> dict[int, Found]:
    """The host's answers by module index; lines that are not answers are ignored."""
    found: dict[int, Found] = {}
    for line in text.splitlines():
        fields = line.split("\t")
        if len(fields) != 4 or not fields[0].isdigit() or int(fields[0]) >= len(specs):
            continue
        index, state, code, last = int(fields[0]), fields[1], fields[2], fields[3]
        if state == "missing":
            found[index] = Found(False)
        elif state == "dir":
            found[index] = Found(True)
        elif state == "ran" and code.isdigit():
            found[index] = Found(True, int(code), last.strip())
    return found


def _on_hosts(target: Target, specs: list[ModuleSpec]) -> tuple[list[tuple[str, ...]], list[str]]:
    from pyherd.deploy.run import HostResult, each_host

    answers: dict[str, dict[int, Found]] = {}
    script = probe_script(specs)

    def job(host: str, conn: Connection) -> HostResult:
        ran = conn.run(
            f"/bin/sh -c {shlex.quote(script)}", warn=True, hide=True, in_stream=False,
            timeout=TIMEOUT * (len(specs) + 1),
        )  # fmt: skip
        answers[host] = parse_probe(ran.stdout, specs)
        return HostResult(host, "checked")

    results = each_host(target, job)
    rows: list[tuple[str, ...]] = []
    failed: list[str] = []
    for result in results:
        if not result.ok:
            failed.append(result.host)
            rows.append((result.host, "-", "-", f"not reached: {printable(result.detail)}"))
            continue
        got = answers.get(result.host, {})
        for i, spec in enumerate(specs):
            checkable = spec.prefix is not None and literal(spec.prefix) is not None
            verdict = judge(spec, got.get(i) if checkable else None)
            if checkable and i not in got:
                verdict = (*verdict[:2], "no answer from the host")
            rows.append((result.host, *verdict))
    return rows, failed


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1].strip() if lines else ""
