"""Hypothesis picks the *names* in a site file (site, module, version, alias, env var,
shell alias and function, category) from hostile alphabets, and drives each site
through validate -> render -> a real `module load` under its tool (and under Lmod
too for Tcl, which Lmod also reads). Whatever the names: no traceback; a refusal is
exit 2 located at the site file, with nothing written; an accepted site writes only
inside its own tree and config dir, loads cleanly, and never runs a payload.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, Phase, event, example, given, settings
from hypothesis import strategies as st

from conftest import TEMPLATES
from pyherd.cli import main

EXAMPLES = int(os.environ.get("PYHERD_NAMES_EXAMPLES", "300"))
CANARY = Path("/tmp/pyherd-names-canary")
PAYLOADS = [
    "..",
    "../..",
    "/etc/profile.d",
    f"$(touch {CANARY})",
    f"`touch {CANARY}`",
    f"[exec touch {CANARY}]",
    f'"..os.execute("touch {CANARY}")..',
    "]===]",
    "\n",
    "\r",
    "\x1b[2J",
    "\u2028",
    "'",
    '"',
    ";",
    "{version}",
    "${HOME}",
]
WORD = st.text("abcXYZ019._+-", min_size=1, max_size=12)
HOSTILE = st.one_of(
    WORD,
    st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\0"), max_size=16),
    st.builds(
        lambda a, p, b: a + p + b,
        st.text("ab._-/", max_size=6),
        st.sampled_from(PAYLOADS),
        st.text("ab._-/", max_size=6),
    ),
)
VALID = {
    key: st.from_regex(regex, fullmatch=True)
    for key, regex in {
        "site": r"[a-df-z0-9][a-z0-9._+-]{0,10}",
        "module": r"[a-z][a-z0-9._+-]{0,6}(/[a-z0-9][a-z0-9_+-]{0,6})?",
        "category": r"[a-z][a-z0-9]{0,6}",
        "version": r"[0-9]{1,2}(\.[0-9]{1,2}){0,2}",
        "alias": r"[a-z][a-z0-9]{0,5}",
        "var": r"Q[A-Z0-9_]{0,8}",  # not bash's own (_, PATH, HOME)
        "shell_alias": r"[a-z][a-z0-9_]{0,6}",
        "function": r"[a-z][a-z0-9_]{0,6}",
    }.items()
}
KEYS = tuple(VALID)


def site_text(tool: str, names: dict[str, str]) -> str:
    q = json.dumps  # a JSON string is a YAML double-quoted scalar
    return (
        f"module_tool: {tool}\n"
        "naming: categorized\n"
        "modules:\n"
        f"  {q(names['module'])}:\n"
        f"    category: {q(names['category'])}\n"
        f"    versions: [{{version: {q(names['version'])}, aliases: [{q(names['alias'])}]}}]\n"
        "    env:\n"
        f"      set: {{{q(names['var'])}: pyherd-marker}}\n"
        f"      aliases: {{{q(names['shell_alias'])}: 'echo hi'}}\n"
        f"      functions: {{{q(names['function'])}: 'echo hi'}}\n"
    )


def run(*argv: str) -> tuple[int, str]:
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = main(list(argv))
    return code, err.getvalue()


def every_path(top: Path) -> set[str]:
    return {str(p.relative_to(top)) for p in top.rglob("*")}


def check(tool: str, site: str, names: dict[str, str], runners) -> None:
    with tempfile.TemporaryDirectory(prefix="pyherd-names-") as tmp:
        top = Path(tmp)
        sites, out = top / "sites", top / "out"
        sites.mkdir()
        if "/" in site or site.startswith(".") or not site:
            return  # no file name holds '/'; a hidden file is no site file (*.yaml skips it)
        try:
            (sites / f"{site}.yaml").write_text(site_text(tool, names), encoding="utf-8")
        except (OSError, ValueError):  # a name the file system refuses (too long, a NUL)
            return
        templates = str(TEMPLATES)
        common = ("--sites", str(sites), "--templates", templates)
        code, err = run("validate", *common)
        before = every_path(top)
        if code != 0:
            event("refused")
            assert code == 2, err
            assert re.match(r"^[^\n]*?\.yaml(:\d+)?: ", err), err
            assert err.rstrip().endswith("bad input; nothing was written"), err
            assert run("render", *common, "--out", str(out))[0] == 2
            assert every_path(top) == before
            return
        code, err = run("render", *common, "--out", str(out))
        assert code == 0, err
        written = every_path(top) - before
        ours = {"out", "out/etc", f"out/{site}", f"out/etc/{site}"}
        for rel in written:
            assert rel in ours or rel.startswith((f"out/{site}/", f"out/etc/{site}/")), rel
        modules = sorted(
            str(p.relative_to(out / site)).removesuffix(".lua")
            for p in (out / site).rglob("*")
            if p.is_file() and not p.name.startswith(".")
        )
        readers = [runners[tool]] + ([runners["lmod"]] if tool == "environment-modules" else [])
        var = names["var"]
        for runner in readers:
            script = "".join(
                f"module load {m} || exit 3\n"
                f'[ "${{{var}}}" = pyherd-marker ] || exit 4\n'
                f"module unload {m} || exit 5\n"
                for m in modules
            )
            result = runner.run(script, [out / site])
            assert result.returncode == 0, (runner.kind, modules, result.stderr)
        assert not CANARY.exists(), names
        event(f"rendered and loaded under {len(readers)} tool(s)")


SETTINGS = settings(
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink],
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@st.composite
def sites(draw: st.DrawFn) -> tuple[str, str, dict[str, str]]:
    """Names that look valid (random, though a few still clash or fail), one of them
    (or none) replaced by a hostile one."""
    names = {key: draw(strategy) for key, strategy in VALID.items()}
    target = draw(st.sampled_from((*KEYS, None)))
    if target:
        names[target] = draw(HOSTILE)
    tool = draw(st.sampled_from(["lmod", "environment-modules"]))
    return tool, names.pop("site"), names


@SETTINGS
@given(case=sites())
@example(case=("environment-modules", "ok", {"module": "m", "category": "c", "version": "1",
                                             "alias": "a", "var": "A1", "shell_alias": "ll",
                                             "function": "fn"}))  # fmt: skip
@example(case=("lmod", "..", dict.fromkeys(KEYS[1:], "../../x") | {"var": "ID\n"}))
def test_hostile_names_never_escape_crash_or_run(case, lmod, modulecmd):
    CANARY.unlink(missing_ok=True)
    tool, site, names = case
    check(tool, site, names, {"lmod": lmod, "environment-modules": modulecmd})
