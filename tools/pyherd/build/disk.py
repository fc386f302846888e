"""Stage 5, disk: the files a site's modules become may not collide on disk.

Two names can be distinct yet need the same path: `x` is a file while `x/1.0` needs
a directory `x` (Tcl modulefiles have no extension), and a shared conflict file may
take a module's name. Each clash is a located problem, found before anything is written.
"""

from __future__ import annotations

from pyherd import model as m
from pyherd.build.scope import Scope
from pyherd.yamlload import KeyPath


def check_clashes(
    scope: Scope,
    specs: tuple[m.ModuleSpec, ...],
    rcs: tuple[m.ModuleRc, ...],
    shared: tuple[m.SharedConflict, ...],
) -> None:
    """Fail where one file's path is another's directory, or two files share a path."""
    files: dict[str, tuple[KeyPath, str]] = {}  # path -> (where declared, what it is)

    def claim(path: str, origin: KeyPath, what: str) -> None:
        if path in files:
            scope.fail(origin, f"{what} needs the file {path!r}, as does {files[path][1]}")
        else:
            files[path] = (origin, what)

    for spec in specs:
        claim(spec.path + scope.language.extension, spec.origin, f"module {spec.full_name!r}")
    first: dict[str, KeyPath] = {}  # a directory -> the first module in it
    for spec in specs:
        first.setdefault(m.short_name(spec.path), spec.origin)
    for rc in rcs:  # written by pyherd from the modules it names: located at the first
        origin = first.get(rc.directory, ())
        name, _ = scope.language.rc_file(rc)
        claim(f"{rc.directory}/{name}", origin, f"the {name} of {rc.directory!r}")
    for key, cset in scope.site.conflicts.items():
        if cset.shared_file:
            path = scope.scheme.path(cset.shared_file)
            if any(one.path == path for one in shared):
                claim(path, ("conflicts", key, "shared_file"), f"shared file {path!r}")
    for path, (origin, what) in files.items():
        parent = path
        while "/" in parent:
            parent = parent.rsplit("/", 1)[0]
            if parent in files:
                scope.fail(
                    origin,
                    f"{what} needs a directory {parent!r} where {files[parent][1]} is a file",
                )
                break
