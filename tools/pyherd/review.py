"""What a change to the site files does to users, computed from the models of two
revisions: modules added and removed, what `module load NAME` gives, environment
changes by variable, families and conflicts, load messages, and the configuration
files beside the tree (.condarc, pip.conf, lmodrc.lua) and the autoupdate schedule.

`module load NAME` without a version gives the site's default; without one, Lmod
takes the highest version by its own order (lmod_key), which the tests hold to the
real Lmod. Environment Modules' choice is only reported where the site sets it.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

from pyherd import model as m
from pyherd.project import Loaded

ENV_OPS = (m.SetEnv, m.UnsetEnv, m.PrependPath, m.AppendPath)
CONFIG_SKIP = ("manifest.txt",)  # pyherd's bookkeeping, not what users get


@dataclass(frozen=True)
class SiteFacts:
    """What users of one site get, in comparable form."""

    tool: str
    modules: dict[str, dict[str, str]]  # full name: {what: how} (env, family, ...)
    loads: dict[str, str]  # what `module load NAME` gives: name -> full name ("" unknown)
    hidden: frozenset[str]
    configs: dict[str, str]  # rendered file beside the tree: text
    schedule: str


@dataclass
class SiteChanges:
    site: str
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    loads: list[tuple[str, str, str]] = field(default_factory=list)  # name, before, after
    modules: list[tuple[str, str, str, str]] = field(default_factory=list)  # module, what, b, a
    configs: list[tuple[str, list[str]]] = field(default_factory=list)  # file, diff lines

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.loads or self.modules or self.configs)

    def as_json(self) -> dict:
        return {
            "site": self.site,
            "modules_added": self.added,
            "modules_removed": self.removed,
            "module_load": [{"name": n, "before": b, "after": a} for n, b, a in self.loads],
            "module_changes": [
                {"module": mod, "what": what, "before": b, "after": a}
                for mod, what, b, a in self.modules
            ],
            "files": [{"file": f, "diff": d} for f, d in self.configs],
        }


def facts(item: Loaded, files: dict[str, str]) -> SiteFacts:
    """The facts of one loaded site; `files` are its rendered files."""
    site, model = item.site, item.model
    modules = {spec.full_name: _effects(spec) for spec in model.modules}
    hidden = frozenset(h for rc in model.rcs for h in rc.hidden)
    loads = _loads(model, site.module_tool, hidden)
    configs = {
        rel: text
        for rel, text in files.items()
        if rel.startswith("etc/") and rel.rsplit("/", 1)[-1] not in CONFIG_SKIP
    }
    conda = site.conda
    schedule = conda.autoupdate.schedule if conda is not None and _autoupdates(item) else ""
    return SiteFacts(site.module_tool, modules, loads, hidden, configs, schedule)


def _autoupdates(item: Loaded) -> bool:
    return any(plan.autoupdate for plan in item.trees)


def _effects(spec: m.ModuleSpec) -> dict[str, str]:
    """{what: how} for what a user notices of one module."""
    out: dict[str, str] = {}
    for op in spec.ops:
        if isinstance(op, m.SetEnv):
            out[f"{op.name}"] = m.display(op.value)
        elif isinstance(op, m.UnsetEnv):
            out[f"{op.name}"] = "(unset by the module)"
        elif isinstance(op, m.PrependPath | m.AppendPath):
            where = "prepends" if isinstance(op, m.PrependPath) else "appends"
            if isinstance(op, m.PrependPathIfDir):
                where += " where it exists"
            key = f"{op.name} ({where})"
            out[key] = ":".join(filter(None, (out.get(key), m.display(op.value))))
        elif isinstance(op, m.Family):
            out["family"] = op.name
        elif isinstance(op, m.Conflict):
            out["conflicts with"] = ", ".join(sorted(op.modules))
        elif isinstance(op, m.DependsOn):
            out["loads"] = ", ".join(filter(None, (out.get("loads"), op.module)))
        elif isinstance(op, m.LoadMessage):
            out["message at load"] = op.text
        elif isinstance(op, m.Alias):
            out[f"alias {op.name}"] = m.display(op.value)
    if spec.deprecated:
        out["deprecated"] = spec.deprecated
    if spec.forbidden_from:
        out["cannot be loaded from"] = spec.forbidden_from
    return out


def _loads(model: m.SiteModel, tool: str, hidden: frozenset[str]) -> dict[str, str]:
    """name -> the full name `module load name` gives: each short name, and each alias."""
    by_short: dict[str, list[str]] = {}
    for spec in model.modules:
        if spec.name != spec.full_name and not spec.level:  # a hierarchy's levels: not from Core
            by_short.setdefault(spec.name, []).append(spec.full_name)
    defaults = model.defaults
    out: dict[str, str] = {}
    for short, names in by_short.items():
        if short in defaults:
            out[short] = defaults[short]
        elif tool == "lmod":
            shown = [n for n in names if n not in hidden] or names
            out[short] = max(shown, key=lambda n: lmod_key(m.leaf(n)))
        else:
            out[short] = ""  # Environment Modules' own choice: not claimed
    for rc in model.rcs:
        if rc.level:
            continue
        short = model.short(rc)
        for full, alias in rc.aliases:
            out[f"{short}/{alias}"] = full
    return out


_PART = re.compile(r"\d+|[a-z]+|-p|.", re.DOTALL)
_WORDS = {"pre": "c", "preview": "c", "-": "zfinal-", "-p": "zfinal-", "p": "zfinal-",
          "rc": "c", "dev": "@"}  # fmt: skip


def lmod_key(version: str) -> str:
    """Lmod's canonical form of a version, which it compares as text to find the highest:
    numbers padded to nine digits, words after '*' (pre-release words before 'zfinal',
    so 2.4a1 < 2.4 < 2.4-1 < 2.4.1), zeros before a word or the end dropped."""
    text = version.lower()
    parts: list[str] = []
    pieces = []
    pos = 0
    if text.startswith("."):
        pieces.append("0")
        pos = 1
    pieces += [p for p in _PART.findall(text, pos) if p != "."]
    for piece in [*pieces, None]:
        if piece is None:
            word = "*zfinal"
        elif piece.isdigit():
            parts.append(piece if len(piece) >= 9 else piece.zfill(9))
            continue
        else:
            word = "*" + _WORDS.get(piece, piece)
        if word != "*zfinal":
            while parts and parts[-1] == "*zfinal-":
                parts.pop()
        while parts and parts[-1] == "000000000":
            parts.pop()
        if word == "*zfinal":
            while parts and parts[-1] == "*zfinal-":
                parts.pop()
        parts.append(word)
    return ".".join(parts)


def compare(site: str, before: SiteFacts | None, after: SiteFacts | None) -> SiteChanges:
    """What changes for users of `site` (None: the site does not exist on that side)."""
    out = SiteChanges(site)
    old = before.modules if before else {}
    new = after.modules if after else {}
    out.added = sorted(set(new) - set(old))
    out.removed = sorted(set(old) - set(new))
    old_loads = before.loads if before else {}
    new_loads = after.loads if after else {}
    for name in sorted(set(old_loads) | set(new_loads)):
        b, a = old_loads.get(name), new_loads.get(name)
        if b != a:
            out.loads.append((name, _said(b), _said(a)))
    for full in sorted(set(old) & set(new)):
        for what in sorted(set(old[full]) | set(new[full])):
            b, a = old[full].get(what), new[full].get(what)
            if b != a:
                out.modules.append((full, what, b or "unset", a or "unset"))
        was = before is not None and full in before.hidden
        now = after is not None and full in after.hidden
        if was != now:
            out.modules.append((full, "hidden", str(was).lower(), str(now).lower()))
    old_files = before.configs if before else {}
    new_files = after.configs if after else {}
    for rel in sorted(set(old_files) | set(new_files)):
        b, a = old_files.get(rel, ""), new_files.get(rel, "")
        if b != a:
            diff = list(difflib.unified_diff(b.splitlines(), a.splitlines(), lineterm="", n=0))
            # past the two file headers, every line but the @@ hunk markers
            out.configs.append((rel, [d for d in diff[2:] if not d.startswith("@@")]))
    old_cron = before.schedule if before else ""
    new_cron = after.schedule if after else ""
    if old_cron != new_cron:
        out.configs.append(("autoupdate schedule", [f"-{old_cron}", f"+{new_cron}"]))
    return out


def _said(full: str | None) -> str:
    if full is None:
        return "(no such module)"
    return full or "(the module tool's choice)"


def text(changes: list[SiteChanges], base: str, head: str) -> str:
    """Plain text for a terminal."""
    lines = [f"pyherd review {base}..{head}"]
    if all(c.empty for c in changes):
        return lines[0] + ": nothing changes for users\n"
    for c in changes:
        if c.empty:
            continue
        lines.append(f"site {c.site}:")
        lines += [f"  + module {name}" for name in c.added]
        lines += [f"  - module {name}" for name in c.removed]
        lines += [f"  module load {n}: {b} -> {a}" for n, b, a in c.loads]
        lines += [f"  {mod}: {what}: {b} -> {a}" for mod, what, b, a in c.modules]
        for rel, diff in c.configs:
            lines.append(f"  {rel}:")
            lines += [f"    {d}" for d in diff]
    return "\n".join(lines) + "\n"


def markdown(changes: list[SiteChanges], base: str, head: str) -> str:
    """A pull-request comment."""
    out = [f"### pyherd review: `{base}` → `{head}`", ""]
    if all(c.empty for c in changes):
        return "\n".join(out) + "Nothing changes for users.\n"
    for c in changes:
        if c.empty:
            continue
        out += [f"#### Site `{c.site}`", ""]
        out += [f"- new module `{_md(n)}`" for n in c.added]
        out += [f"- removed module `{_md(n)}`" for n in c.removed]
        out += [f"- `module load {_md(n)}`: `{_md(b)}` → `{_md(a)}`" for n, b, a in c.loads]
        out += [
            f"- `{_md(mod)}`: {_md(what)}: `{_md(b)}` → `{_md(a)}`" for mod, what, b, a in c.modules
        ]
        for rel, diff in c.configs:
            out += [f"- `{_md(rel)}`:", "", "  ```diff", *[f"  {d}" for d in diff], "  ```"]
        out.append("")
    return "\n".join(out)


def _md(value: str) -> str:
    """Text inside a Markdown code span: one line, no backtick to end it early."""
    return value.replace("`", "'").replace("\n", " ")
