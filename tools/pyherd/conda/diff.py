"""What an update changes: packages added, removed, upgraded, downgraded, rebuilt, per env.

Pure. Versions are ordered by the caller (the worker asks py-rattler, which knows
conda's version rules: 1.1.1w < 1.1.1x, 2023c < 2024a); here only the bookkeeping.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

KINDS = ("upgraded", "downgraded", "rebuilt", "added", "removed")


@dataclass(frozen=True)
class Change:
    env: str
    name: str
    kind: str  # one of KINDS
    old: str | None  # "version build", None when added
    new: str | None  # None when removed

    def line(self) -> str:
        if self.kind == "added":
            return f"{self.env}: added {self.name} {self.new}"
        if self.kind == "removed":
            return f"{self.env}: removed {self.name} {self.old}"
        return f"{self.env}: {self.kind} {self.name} {self.old} -> {self.new}"

    def as_json(self) -> dict[str, Any]:
        return {
            "env": self.env,
            "name": self.name,
            "kind": self.kind,
            "old": self.old,
            "new": self.new,
        }


Packages = Mapping[str, tuple[str, str]]  # name -> (version, build)


def from_record(packages: Iterable[Mapping[str, Any]]) -> dict[str, tuple[str, str]]:
    """A generation record's package list (dicts) as name -> (version, build)."""
    return {p["name"]: (str(p["version"]), str(p["build"])) for p in packages}


def from_solution(rows: Iterable[Sequence[str]]) -> dict[str, tuple[str, str]]:
    """The worker's solution rows [name, version, build, channel] as name -> (version, build)."""
    return {row[0]: (row[1], row[2]) for row in rows}


def diff_env(env: str, old: Packages, new: Packages, order: Mapping[str, int]) -> list[Change]:
    """Changes from `old` to `new`; `order[name]` is 1 when new's version is newer, -1 older."""
    changes = []
    for name in sorted(old.keys() | new.keys()):
        before, after = old.get(name), new.get(name)
        if before == after:
            continue
        if before is None:
            changes.append(Change(env, name, "added", None, _text(after)))
        elif after is None:
            changes.append(Change(env, name, "removed", _text(before), None))
        else:
            sign = order.get(name, 0) if before[0] != after[0] else 0
            kind = {1: "upgraded", -1: "downgraded"}.get(sign, "rebuilt")
            changes.append(Change(env, name, kind, _text(before), _text(after)))
    return sorted(changes, key=lambda c: KINDS.index(c.kind))  # stable: by name within a kind


def diff_tree(
    old: Mapping[str, Packages], new: Mapping[str, Packages], order: Mapping[str, Mapping[str, int]]
) -> list[Change]:
    """Changes over every env of a tree; an env only on one side is all added or removed."""
    changes = []
    for env in [*old, *(e for e in new if e not in old)]:
        changes += diff_env(env, old.get(env, {}), new.get(env, {}), order.get(env, {}))
    return changes


def _text(entry: tuple[str, str] | None) -> str | None:
    return None if entry is None else f"{entry[0]} {entry[1]}"


def summary(changes: Sequence[Change]) -> str:
    """'2 upgraded, 1 added' (empty when nothing changed)."""
    counts = [(kind, sum(c.kind == kind for c in changes)) for kind in KINDS]
    return ", ".join(f"{n} {kind}" for kind, n in counts if n)
