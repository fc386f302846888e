"""What a prefix has installed: its Python distributions, read from the metadata in its
site-packages, or from the record an earlier render committed beside the tree.

`extensions: from_prefix` lists what a module's prefix holds. The prefix exists on the
hosts the modules serve, and may not where pyherd renders (CI), so each render writes
what it read to etc/<site>/extensions.tsv, and a render that cannot see a prefix reads
that record instead: both give the same files. The record is read as untrusted data,
every field against its grammar.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from pyherd.names import MODULE_NAME, PACKAGE, VERSION

RECORD = "extensions.tsv"  # under etc/<site>/
Packages = tuple[tuple[str, str], ...]


def read_prefix(prefix: Path) -> tuple[Packages, str | None]:
    """The (name, version) of every distribution in the prefix's site-packages, sorted as
    spider lists them; or why they cannot be read."""
    from importlib.metadata import distributions

    dirs = sorted(prefix.glob("lib*/python3*/site-packages"))
    if not dirs:
        return (), f"{prefix} has no lib/python3.*/site-packages"
    found: dict[str, str] = {}
    for where in dirs:
        for dist in distributions(path=[str(where)]):
            name, version = dist.metadata["Name"] or "", dist.version or ""
            if not PACKAGE.accepts(name) or not VERSION.accepts(version):
                meta = getattr(dist, "_path", where)
                return (), f"{meta}: {name!r} {version!r} is not a package name and version"
            found.setdefault(name, version)
    return tuple(sorted(found.items(), key=lambda kv: kv[0].lower())), None


def record_text(site: str, entries: dict[str, Packages]) -> str:
    lines = [
        f"# What the prefixes of {site}'s `extensions: from_prefix` modules hold, as pyherd",
        "# last read them: a render that cannot see a prefix uses this. module\tname\tversion",
    ]
    for full_name, packages in entries.items():
        lines.extend(f"{full_name}\t{name}\t{version}" for name, version in packages)
    return "\n".join(lines) + "\n"


@dataclass
class Installed:
    """Reads prefixes here, and the committed record for those that are not."""

    record: Path | None = None  # <out>/etc/<site>/extensions.tsv
    shown: str = ""  # the record as messages name it
    _recorded: dict[str, Packages] | None = field(default=None, repr=False)

    def packages(self, full_name: str, prefix: str) -> tuple[Packages, str | None]:
        if not os.path.isabs(prefix):
            return (), f"from_prefix needs an absolute prefix, not {prefix!r}"
        if Path(prefix).is_dir():
            return read_prefix(Path(prefix))
        recorded, problem = self._read_record()
        if problem:
            return (), problem
        if full_name in recorded:
            return recorded[full_name], None
        return (), (
            f"from_prefix: {prefix} is not here and {self.shown or RECORD} has no record of "
            f"{full_name}: render once where the prefix exists, and commit the result"
        )

    def _read_record(self) -> tuple[dict[str, Packages], str | None]:
        if self._recorded is not None:
            return self._recorded, None
        out: dict[str, list[tuple[str, str]]] = {}
        if self.record is not None and self.record.is_file() and not self.record.is_symlink():
            text = self.record.read_text(encoding="utf-8", errors="replace")
            for number, line in enumerate(text.splitlines(), 1):
                if not line or line.startswith("#"):
                    continue
                fields = line.split("\t")
                ok = len(fields) == 3 and MODULE_NAME.accepts(fields[0])
                if not ok or not PACKAGE.accepts(fields[1]) or not VERSION.accepts(fields[2]):
                    return {}, f"{self.shown}:{number}: not a module, package and version"
                out.setdefault(fields[0], []).append((fields[1], fields[2]))
        self._recorded = {name: tuple(packages) for name, packages in out.items()}
        return self._recorded, None
