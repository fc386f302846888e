"""Stage 2, placing: each module's prefix, from its kind; trees before the envs in them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from pyherd import model as m
from pyherd.build.kinds import KINDS
from pyherd.build.naming import Named, Names
from pyherd.build.scope import Scope


@dataclass(frozen=True)
class Placed:
    named: Named
    prefix: m.Value | None
    context: Mapping[str, m.Value]  # the named placeholders, plus {prefix}, {tree}, ...


def place_modules(scope: Scope, names: Names) -> tuple[Placed, ...]:
    """Every named module placed, in the naming order."""
    done: dict[int, Placed] = {}
    first: dict[str, list[Placed]] = {}  # placed by kinds others are made from (conda trees)
    ordered = sorted(
        range(len(names.all)), key=lambda i: not KINDS[names.all[i].module.kind].places_first
    )
    for i in ordered:
        named = names.all[i]
        kind = KINDS[named.module.kind]
        placement = kind.place(named, scope, first)
        context = {**named.context, **placement.context}
        if placement.prefix is not None:
            context["prefix"] = placement.prefix
        done[i] = Placed(named, placement.prefix, MappingProxyType(context))
        if kind.places_first:
            first.setdefault(named.module.key, []).append(done[i])
    return tuple(done[i] for i in range(len(names.all)))
