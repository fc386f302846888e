"""What wheel-build tests share: the machine's Pythons, the offline build requirements, a site.

`make test` downloads the setuptools wheel build venvs install (into
.cache/build-wheels); the tests build offline from it and from sdists they write.
"""

from __future__ import annotations

import functools
import glob
import subprocess
import textwrap
from pathlib import Path

from conftest import ROOT

BUILD_WHEELS = ROOT / ".cache" / "build-wheels"
PROBE = (
    "import sys, sysconfig, os, venv, ensurepip; "
    "h = os.path.join(sysconfig.get_paths()['include'], 'Python.h'); "
    "print('%d.%d' % sys.version_info[:2], os.path.exists(h))"
)


@functools.cache
def machine_pythons() -> tuple[tuple[str, Path], ...]:
    """(X.Y, interpreter) for every CPython >= 3.9 here that makes venvs and has its headers."""
    found: dict[str, Path] = {}
    candidates = sorted(glob.glob(str(Path.home() / ".pyenv/versions/3.*/bin/python3")))
    candidates += sorted(glob.glob("/usr/bin/python3.[0-9]*"))
    for candidate in candidates:
        if candidate.endswith("-config"):
            continue
        try:
            done = subprocess.run(
                [candidate, "-c", PROBE], capture_output=True, text=True, timeout=30
            )
        except OSError:
            continue
        if done.returncode != 0:
            continue
        short, headers = done.stdout.split()
        major, minor = (int(x) for x in short.split("."))
        if headers == "True" and (major, minor) >= (3, 9) and short not in found:
            found[short] = Path(candidate)
    return tuple(sorted(found.items(), key=lambda kv: tuple(map(int, kv[0].split(".")))))


def setuptools_wheel() -> Path:
    wheels = sorted(BUILD_WHEELS.glob("setuptools-*.whl"))
    assert wheels, f"no setuptools wheel in {BUILD_WHEELS}: `make test` downloads it"
    return wheels[-1]


def build_site(
    root: Path,
    sources: Path,
    pythons: list[str],
    *,
    extra: str = "",
    modules: str = "",
) -> str:
    """A site file with a wheelhouse that builds offline from `sources` for `pythons`.

    `extra` adds lines under wheelhouse: (two-space indented keys); `modules` adds modules.
    """
    head = [
        "module_tool: lmod",
        "wheelhouse:",
        f"  root: {root}",
        "  archs: [generic, x86-64-v3]",
        "  build_arch: x86-64-v3",
        "  default_arch: x86-64-v3",
        "  arch_variable: RSNT_ARCH",
        "  local_tag: site",
        f"  sources: [{sources}]",
        "  pythons:",
        *(f"    - {p}" for p in pythons),
        *(f"  {line}" for line in textwrap.dedent(extra).splitlines()),
        "modules:",
        "  python:",
        "    kind: python",
        '    versions: ["3.11.5"]',
        "    prefix: /opt/python/{version}",
    ]
    return "\n".join(head) + "\n" + modules
