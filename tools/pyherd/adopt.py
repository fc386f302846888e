"""Taking over a hand-written module tree, module by module (`pyherd adopt`).

For each file pyherd would render where a hand-written file already is, the real
module tool loads both, in clean shells: a modulefile is the same when loading it
changes the environment, the shell aliases and the list of loaded modules the same
way; a defaults file (.modulerc.lua, .version, .modulerc) when `module load` of its
directory's name and of each alias gives the same module; any other file when its
bytes are the same. What is the same is adopted: the site's manifest lists it, so the
next render may rewrite it. The rest is listed with what differs; nothing is written
to the tree.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from pathlib import Path

from pyherd.moduletools.runner import Runner

# what the module tools keep about themselves, or what differs between two trees
IGNORED = ("MODULEPATH", "LOADEDMODULES", "_LMFILES_", "MODULESHOME", "PWD", "OLDPWD",
           "SHLVL", "_")  # fmt: skip
IGNORED_PREFIXES = ("_ModuleTable", "__LMOD", "LMOD_", "__MODULES_", "MODULES_")


@dataclass(frozen=True)
class Effect:
    """What `module load NAME` did: exit status, variables set (None: removed), the
    aliases defined after it, and the modules listed after it."""

    status: int
    variables: tuple[tuple[str, str | None], ...]  # name: what the load did to it
    aliases: str
    listed: tuple[str, ...]

    def differences(self, other: Effect) -> list[str]:
        """How `other` (pyherd's) differs from this one (the hand-written)."""
        out = []
        if self.status != other.status:
            out.append(f"module load exits {self.status} here, {other.status} from pyherd")
        mine, theirs = dict(self.variables), dict(other.variables)
        for name in sorted(set(mine) | set(theirs)):
            if mine.get(name, "") != theirs.get(name, ""):  # "": left alone
                out.append(f"{name}: {_shown(mine.get(name, ''))} here, "
                           f"{_shown(theirs.get(name, ''))} from pyherd")  # fmt: skip
        if self.aliases != other.aliases:
            out.append("shell aliases differ")
        if self.listed != other.listed:
            out.append(f"loads {' '.join(self.listed) or 'nothing'} here, "
                       f"{' '.join(other.listed) or 'nothing'} from pyherd")  # fmt: skip
        return out


def _shown(value: str | None) -> str:
    return "unsets it" if value is None else value or "leaves it"


def effects(runner: Runner, modulepath: Path, names: list[str], env: dict[str, str]) -> dict:
    """{name: Effect} of `module load name`, each in a fresh shell, under `runner`."""
    if not names:
        return {}
    steps = []
    for name in names:
        quoted = shlex.quote(name)
        steps.append(
            f"( printf '\\0@@before\\0'; env -0; module load {quoted} >/dev/null 2>&1; "
            f"printf '\\0@@after\\0%s\\0' $?; env -0; printf '\\0@@aliases\\0'; alias -p; "
            f"printf '\\0@@list\\0'; module -t list 2>&1; printf '\\0@@end\\0' )"
        )
    ran = runner.run("\n".join(steps), [modulepath], env=env, timeout=600)
    chunks = ran.stdout.split("\0@@end\0")
    out = {}
    for name, chunk in zip(names, chunks, strict=False):
        out[name] = _parse(chunk)
    return out


def _parse(chunk: str) -> Effect:
    _, _, rest = chunk.partition("\0@@before\0")
    before_text, _, rest = rest.partition("\0@@after\0")
    status_text, _, rest = rest.partition("\0")
    after_text, _, rest = rest.partition("\0@@aliases\0")
    aliases, _, listed = rest.partition("\0@@list\0")
    before, after = _environ(before_text), _environ(after_text)
    changed = tuple(
        (name, _change(before.get(name), after.get(name)))
        for name in sorted(set(before) | set(after))
        if before.get(name) != after.get(name) and not _ignored(name)
    )
    names = tuple(
        line.strip()
        for line in listed.splitlines()
        if line.strip() and not line.startswith(("Currently", "No modules"))
    )
    return Effect(int(status_text or 1), changed, aliases.strip(), names)


def _change(before: str | None, after: str | None) -> str | None:
    """What a load did to one variable: None (unset), 'prepends X', 'appends X' or 'set
    to X'; the same shell starts both loads, so equal descriptions mean equal values."""
    if after is None:
        return None
    if before and after.endswith(f":{before}"):
        return f"prepends {after[: -len(before) - 1]!r}"
    if before and after.startswith(f"{before}:"):
        return f"appends {after[len(before) + 1 :]!r}"
    return f"set to {after!r}"


def _environ(text: str) -> dict[str, str]:
    out = {}
    for entry in text.split("\0"):
        name, sep, value = entry.partition("=")
        if sep:
            out[name] = value
    return out


def _ignored(name: str) -> bool:
    return name in IGNORED or name.startswith(IGNORED_PREFIXES)
