"""Small real sdists (setuptools projects) for `pyherd wheels build` to build with pip.

A pure package, one with a C extension, one whose C does not compile, one that
builds but fails on import, one that needs another: each a .tar.gz pip builds
offline with --no-build-isolation (setuptools comes from the build venv).
"""

from __future__ import annotations

import io
import tarfile
import textwrap
from pathlib import Path

SETUP_C = """\
from setuptools import Extension, setup
setup(ext_modules=[Extension("{pkg}._speed", ["{pkg}/_speed.c"])])
"""

SPEED_C = """\
#define PY_SSIZE_T_CLEAN
#include <Python.h>
static PyObject *answer(PyObject *self, PyObject *args) {{ return PyLong_FromLong({answer}); }}
static PyMethodDef methods[] = {{{{"answer", answer, METH_NOARGS, "the answer"}}, {{NULL}}}};
static struct PyModuleDef module = {{PyModuleDef_HEAD_INIT, "_speed", NULL, -1, methods}};
PyMODINIT_FUNC PyInit__speed(void) {{ return PyModule_Create(&module); }}
"""


def make_sdist(
    directory: Path,
    name: str,
    version: str,
    *,
    c_extension: bool = False,
    compiles: bool = True,
    imports: bool = True,
    depends: tuple[str, ...] = (),
    marker: str = "",
) -> Path:
    """`directory/<name>-<version>.tar.gz`; module <name> has __version__ and MARKER."""
    directory.mkdir(parents=True, exist_ok=True)
    pkg = name.replace("-", "_").lower()
    deps = ", ".join(f'"{d}"' for d in depends)
    init = f"__version__ = {version!r}\nMARKER = {marker!r}\n"
    if c_extension:
        init += "from ._speed import answer\n"
    if not imports:
        init += "raise ImportError('this package is broken on purpose')\n"
    files = {
        "pyproject.toml": textwrap.dedent(f"""\
            [build-system]
            requires = ["setuptools"]
            build-backend = "setuptools.build_meta"

            [project]
            name = "{name}"
            version = "{version}"
            requires-python = ">=3.8"
            dependencies = [{deps}]

            [tool.setuptools]
            packages = ["{pkg}"]
            """),
        f"{pkg}/__init__.py": init,
        "PKG-INFO": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
    }
    if c_extension:
        files["setup.py"] = SETUP_C.format(pkg=pkg)
        speed = SPEED_C.format(answer=42)
        files[f"{pkg}/_speed.c"] = speed if compiles else speed.replace("return", "retrun", 1)
    path = directory / f"{pkg}-{version}.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        for rel, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(f"{pkg}-{version}/{rel}")
            info.size = len(data)
            info.mode = 0o644
            tar.addfile(info, io.BytesIO(data))
    return path
