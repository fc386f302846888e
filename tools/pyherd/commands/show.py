"""Print the resolved model of one module: name, file, prefix and every operation.

MODULE is a full name (python/3.11.5), a short name (python, meaning its default)
or a site module key.
"""

from __future__ import annotations

import argparse

from pyherd.errors import ConfigError
from pyherd.model import EnvRef, ModuleSpec
from pyherd.project import Paths, load_sites
from pyherd.schema import suggest


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--site", required=True, help="the site name")
    parser.add_argument("module", help="full name, short name or site key")


def _text(value: object) -> str:
    if isinstance(value, tuple) and all(isinstance(p, str | EnvRef) for p in value):
        return "".join(
            (f"${{{p.name}:-{p.default}}}" if p.default else f"${{{p.name}}}")
            if isinstance(p, EnvRef)
            else p
            for p in value
        )  # type: ignore[union-attr]
    if isinstance(value, tuple) and all(isinstance(v, tuple) and len(v) == 2 for v in value):
        return ", ".join(f"{name}/{version}" for name, version in value)
    if isinstance(value, tuple):
        return ", ".join(_text(v) for v in value)
    return str(value)


def find(modules: tuple[ModuleSpec, ...], defaults: dict[str, str], wanted: str) -> ModuleSpec:
    by_name = {m.full_name: m for m in modules}
    if wanted in by_name:
        return by_name[wanted]
    if wanted in defaults:
        return by_name[defaults[wanted]]
    matches = [m for m in modules if m.key == wanted or m.name == wanted]
    if matches:
        return matches[-1]
    raise ConfigError(f"no module {wanted!r} in this site{suggest(wanted, by_name)}")


def run(args: argparse.Namespace, paths: Paths) -> int:
    item = load_sites(paths, [args.site])[0]
    defaults = {
        rc.directory.removeprefix(item.model.subdir + "/"): rc.default
        for rc in item.model.rcs
        if rc.default
    }
    spec = find(item.model.modules, defaults, args.module)  # type: ignore[arg-type]
    print(f"module:  {spec.full_name}")
    print(f"key:     {spec.key} ({spec.kind})")
    print(f"file:    {item.site.name}/{spec.path}{'.lua' if item.site.syntax == 'lua' else ''}")
    print(f"prefix:  {_text(spec.prefix) if spec.prefix else '-'}")
    print(f"default: {'yes' if spec.full_name in defaults.values() else 'no'}")
    print("operations:")
    for op in spec.ops:
        fields = {k: v for k, v in vars(op).items()}
        shown = " ".join(
            f"{k}={_text(v)!r}" if isinstance(v, str) else f"{k}={_text(v)}"
            for k, v in fields.items()
        )
        print(f"  {op.kind:<18} {shown}")
    return 0
