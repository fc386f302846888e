"""Tiny conda packages and local channels for tests and benchmarks (tarfile + index_fs).

Packages come in either of conda's formats: `.tar.bz2` (one bzip2 tar) or `.conda`
(an uncompressed zip holding `metadata.json` and two zstd tars, `info-*` and `pkg-*`),
the format most channels publish today.

The `conda` package here stands in for conda's real shell hook: it ships
`etc/profile.d/conda.sh` defining the `conda` function the way conda's does
(`conda activate` evals `conda shell.posix activate ENV`), `bin/conda` answering
`shell.posix activate|deactivate`, and `bin/activate` for `source activate ENV`.
Paths carry conda's prefix placeholder, so py-rattler's prefix replacement is real.
"""

from __future__ import annotations

import hashlib
import io
import json
import sys
import tarfile
import zipfile
from pathlib import Path

import zstandard

from pyherd.conda.engine import index_channel

PLACEHOLDER = "/opt/anaconda1anaconda2anaconda3"

CONDA_SH = f"""\
export CONDA_EXE='{PLACEHOLDER}/bin/conda'
export _CE_M=''
export _CE_CONDA=''
export CONDA_PYTHON_EXE='{PLACEHOLDER}/bin/python'
__conda_exe() ( "$CONDA_EXE" $_CE_M $_CE_CONDA "$@" )
__conda_hashr() {{ hash -r; }}
__conda_activate() {{
    local ask_conda
    ask_conda="$(PS1="${{PS1:-}}" __conda_exe shell.posix "$@")" || return
    eval "$ask_conda"
    __conda_hashr
}}
conda() {{
    local cmd="${{1-__missing__}}"
    case "$cmd" in
        activate|deactivate) __conda_activate "$@" ;;
        *) __conda_exe "$@" ;;
    esac
}}
if [ -z "${{CONDA_SHLVL+x}}" ]; then
    export CONDA_SHLVL=0
    PATH="$(dirname "$(dirname "$CONDA_EXE")")/condabin${{PATH:+":${{PATH}}"}}"
    export PATH
fi
"""

CONDA_BIN = f"""\
#!/bin/sh
# Stand-in for conda's CLI: the subcommands its shell hook and these tests use.
ROOT='{PLACEHOLDER}'
case "$1" in
  --version) echo "conda 0.0+standin" ;;
  info) echo "base environment : $ROOT" ;;
  env) ls "$ROOT/envs" ;;
  shell.posix)
    case "$2" in
      activate)
        name="${{3:-base}}"
        if [ "$name" = base ]; then p="$ROOT"; else
          p=""
          for d in $(echo "${{CONDA_ENVS_DIRS:-}}" | tr : ' ') "$ROOT/envs"; do
            if [ -d "$d/$name" ]; then p="$d/$name"; break; fi
          done
          if [ -z "$p" ]; then
            echo "EnvironmentNameNotFound: Could not find conda environment: $name" >&2
            exit 1
          fi
        fi
        echo "export PATH='$p/bin:$PATH'"
        echo "export CONDA_PREFIX='$p'"
        echo "export CONDA_DEFAULT_ENV='$name'"
        echo "export CONDA_SHLVL='$(( ${{CONDA_SHLVL:-0}} + 1 ))'"
        ;;
      deactivate)
        [ -n "${{CONDA_PREFIX:-}}" ] || exit 0
        rest=$(printf '%s' "$PATH" | tr : '\\n' | grep -vxF "$CONDA_PREFIX/bin" | paste -sd:)
        echo "export PATH='$rest'"
        echo "unset CONDA_PREFIX CONDA_DEFAULT_ENV"
        echo "export CONDA_SHLVL='$(( ${{CONDA_SHLVL:-1}} - 1 ))'"
        ;;
    esac ;;
  *) echo "conda stand-in: unsupported: $*" >&2; exit 1 ;;
esac
"""

ACTIVATE = f"""\
. "{PLACEHOLDER}/etc/profile.d/conda.sh" || return $?
conda activate "$@"
"""


def python_wrapper(version: str) -> str:
    """bin/python: the machine's interpreter with the prefix's site-packages first."""
    return (
        "#!/bin/sh\n"
        f"# python {version} stand-in\n"
        f'PYTHONPATH="{PLACEHOLDER}/lib/python/site-packages${{PYTHONPATH:+:$PYTHONPATH}}" '
        f'exec {sys.executable} "$@"\n'
    )


Entry = tuple[str, bytes, int]  # arcname, content, mode


def _tar(entries: list[Entry], fh: io.IOBase, mode: str) -> None:
    with tarfile.open(fileobj=fh, mode=mode) as tar:
        for arcname, data, perm in entries:
            info = tarfile.TarInfo(arcname)
            info.size, info.mode, info.mtime = len(data), perm, 1700000000
            tar.addfile(info, io.BytesIO(data))


def write_tar_bz2(target: Path, payload: list[Entry], info: list[Entry]) -> None:
    with open(target, "wb") as fh:
        _tar(payload + info, fh, "w:bz2")


def write_conda(target: Path, payload: list[Entry], info: list[Entry]) -> None:
    """conda's v2 format: a stored zip of metadata.json, info-STEM.tar.zst, pkg-STEM.tar.zst."""
    stem = target.name.removesuffix(".conda")
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_STORED) as zf:
        zf.writestr("metadata.json", json.dumps({"conda_pkg_format_version": 2}))
        for part, entries in (("info", info), ("pkg", payload)):
            raw = io.BytesIO()
            _tar(entries, raw, "w")
            zf.writestr(
                f"{part}-{stem}.tar.zst", zstandard.ZstdCompressor().compress(raw.getvalue())
            )


WRITERS = {"tar.bz2": write_tar_bz2, "conda": write_conda}


class Channel:
    """A local channel directory with noarch/ and linux-64/ subdirs; `fmt` is the
    package format `add` writes unless told otherwise ("tar.bz2" or "conda")."""

    def __init__(self, path: Path, fmt: str = "tar.bz2"):
        self.path = path
        self.fmt = fmt
        for sub in ("noarch", "linux-64"):
            (path / sub).mkdir(parents=True, exist_ok=True)

    @property
    def url(self) -> str:
        return self.path.as_uri()

    def add(
        self,
        name: str,
        version: str,
        depends: tuple[str, ...] = (),
        files: dict[str, str | bytes] | None = None,
        build: str = "0",
        subdir: str = "noarch",
        build_number: int = 0,
        fmt: str | None = None,
    ) -> Path:
        files = files if files is not None else {f"share/{name}/{name}.txt": f"{name} {version}\n"}
        fmt = fmt or self.fmt
        target = self.path / subdir / f"{name}-{version}-{build}.{fmt}"
        index = {
            "name": name,
            "version": version,
            "build": build,
            "build_number": build_number,
            "depends": list(depends),
            "subdir": subdir,
            "timestamp": 1700000000000,
        }
        if subdir == "noarch":
            index["noarch"] = "generic"
        payload: list[Entry] = []
        paths = []
        for rel, content in files.items():
            data = content.encode() if isinstance(content, str) else content
            payload.append((rel, data, 0o755 if rel.startswith("bin/") else 0o644))
            entry = {
                "_path": rel,
                "path_type": "hardlink",
                "sha256": hashlib.sha256(data).hexdigest(),
                "size_in_bytes": len(data),
            }
            if PLACEHOLDER.encode() in data:
                entry.update(prefix_placeholder=PLACEHOLDER, file_mode="text")
            paths.append(entry)
        info: list[Entry] = [
            ("info/index.json", json.dumps(index).encode(), 0o644),
            ("info/paths.json", json.dumps({"paths": paths, "paths_version": 1}).encode(), 0o644),
            ("info/files", ("\n".join(files) + "\n").encode(), 0o644),
        ]
        WRITERS[fmt](target, payload, info)
        return target

    def add_python_module(self, name: str, version: str, depends: tuple[str, ...] = ()) -> Path:
        """A package holding an importable module `name` with __version__."""
        init = f"__version__ = {version!r}\n"
        return self.add(
            name,
            version,
            ("python", *depends),
            {f"lib/python/site-packages/{name}/__init__.py": init, f"share/{name}/LICENSE": "x\n"},
        )

    def add_base(self, python: tuple[str, ...] = ("3.11.7", "2.7.18")) -> None:
        """python, conda (with its shell hook), mamba: what a tree needs to be usable."""
        for version in python:
            self.add("python", version, files={"bin/python": python_wrapper(version)})
        self.add(
            "conda",
            "24.1.2",
            ("python",),
            {
                "etc/profile.d/conda.sh": CONDA_SH,
                "bin/conda": CONDA_BIN,
                "bin/activate": ACTIVATE,
                "condabin/conda": CONDA_BIN,
            },
        )
        self.add("mamba", "1.5.6", ("conda",), {"bin/mamba": "#!/bin/sh\necho mamba 1.5.6\n"})

    def index(self) -> None:
        index_channel(self.path)
