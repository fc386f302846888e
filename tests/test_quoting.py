"""Every value slot survives a real load byte for byte, and nothing in it ever runs.

Values go through the Lua and Tcl quoting filters into the real templates; Lmod
loads the Lua file and modulecmd.tcl the Tcl file in bash, and the test reads back
what a user's shell sees. Environment values are one line (neither tool can export
a newline; the site validator refuses them), and path entries hold no ':'.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from conftest import TEMPLATES
from pyherd import model as m
from pyherd.errors import first_control
from pyherd.render import render_site
from pyherd.site import Site

EXAMPLES = int(os.environ.get("PYHERD_QUOTING_EXAMPLES", "500"))
CANARY = Path("/tmp/pyherd-quoting-canary")
PAYLOADS = [
    f"$(touch {CANARY})",
    f"`touch {CANARY}`",
    f"[exec touch {CANARY}]",
    f'"]] .. os.execute("touch {CANARY}") .. [["',
    f'" .. os.execute("touch {CANARY}") .. "',
    f"}}; exec touch {CANARY}; {{",
    f"\\$(touch {CANARY})\\",
    "${HOME}",
    "$::env(HOME)",
    "%s%d",
]
B, E = "<pyherd<", ">pyherd>"


def spiced(alphabet: st.SearchStrategy[str], payloads: list[str]) -> st.SearchStrategy[str]:
    plain = st.text(alphabet, max_size=30)
    part = st.text(alphabet, max_size=12)
    return st.one_of(
        plain, st.builds(lambda a, p, b: a + p + b, part, st.sampled_from(payloads), part)
    )


def _no_blank_end(s: str) -> str:
    return s + "x" if s[-1] in LUA_SPACE else s


LUA_SPACE = " \t\n\v\f\r"
text = spiced(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), PAYLOADS)
one_line = spiced(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\n\r"), PAYLOADS
)
# Lmod regularizes path entries by design (trims blanks, collapses // and /./, drops a
# trailing /, expands a leading ~), so path slots get regular paths of hostile segments.
segment = spiced(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\n\r/:"),
    [p.replace("/", "_").replace(":", "_") for p in PAYLOADS],
).map(lambda s: s if s not in ("", ".", "..") else s + "_")
path_entry = st.lists(segment, min_size=1, max_size=3).map(
    lambda xs: _no_blank_end("/" + "/".join(xs))
)
# Lmod's Bash.alias drops a trailing ';' (and the blanks after it) by design; the site
# validator refuses such aliases on Lmod sites.
alias = one_line.map(lambda s: s + "x" if not s.strip() or re.search(r";\s*$", s) else s)


def module_text(syntax: str, values: dict[str, str]) -> str:
    spec = m.ModuleSpec(
        key="q",
        full_name="q/1",
        kind="generic",
        version="1",
        path="q/1",
        origin=(),
        ops=(
            m.SetEnv("PYHERD_Q_SET", (values["set"],)),
            m.PrependPath("PYHERD_Q_PRE", (values["prepend"],)),
            m.AppendPath("PYHERD_Q_APP", (values["append"],)),
            m.Alias("pyherdq", (values["alias"],)),
            m.Whatis(B + values["whatis"] + E),
            m.Help(B + values["help"] + E),
            m.LoadMessage(B + values["message"] + E),
        ),
    )
    tool = "lmod" if syntax == "lua" else "environment-modules"
    site = Site(name="q", file="q.yaml", module_tool=tool, syntax=syntax, naming="flat")
    files = render_site(site, m.SiteModel(modules=(spec,)), TEMPLATES)
    return next(iter(files.values()))


PROBE = """
module load q/1 2> {d}/load.err || exit 3
printf '%s' "$PYHERD_Q_SET" > {d}/set
printf '%s' "$PYHERD_Q_PRE" > {d}/prepend
printf '%s' "$PYHERD_Q_APP" > {d}/append
printf '%s' "${{BASH_ALIASES[pyherdq]}}" > {d}/alias
module whatis q/1 2> {d}/whatis
module help q/1 2> {d}/help
"""


def between(raw: bytes) -> str:
    data = raw.decode("utf-8")
    start, end = data.find(B), data.rfind(E)
    assert start >= 0 and end > start, f"markers missing in {data!r}"
    return data[start + len(B) : end]


def roundtrip(tool, syntax: str, tmp: Path, values: dict[str, str]) -> None:
    tree = tmp / "tree"
    path = tree / ("q/1.lua" if syntax == "lua" else "q/1")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(module_text(syntax, values), encoding="utf-8")
    result = tool.run(PROBE.format(d=tmp), [tree])
    assert result.returncode == 0, (result.stderr, path.read_text())
    for slot in ("set", "prepend", "append", "alias"):
        got = (tmp / slot).read_bytes().decode("utf-8")
        assert got == values[slot], (slot, path.read_text())
    assert between((tmp / "whatis").read_bytes()) == values["whatis"]
    assert between((tmp / "help").read_bytes()) == values["help"]
    assert between((tmp / "load.err").read_bytes()) == values["message"]
    assert not CANARY.exists(), f"a value ran a command: {path.read_text()}"


values_strategy = st.fixed_dictionaries(
    {
        "set": one_line,
        "prepend": path_entry,
        "append": path_entry,
        "alias": alias,
        "whatis": text,
        "help": text,
        "message": text,
    }
)
hostile = {
    "set": f"a\"b'c$HOME `x` $(touch {CANARY}) ]] [[ ]=] \\ {{}} [exec touch {CANARY}] é 中",
    "prepend": f"/opt/a b/$(touch {CANARY})/]]/{{x}}",
    "append": "\\\\server\\share é",
    "alias": f"echo '$(touch {CANARY})' \"x\" ; ls",
    "whatis": "line1\nline2 ]] \" ' $x [y] {z}",
    "help": "\n  indented\n\ttabbed \\ trailing  \n",
    "message": f"]]..os.execute('touch {CANARY}')..[[ \u00e9\u4e2d",
}
SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture(autouse=True)
def no_canary():
    CANARY.unlink(missing_ok=True)
    yield
    assert not CANARY.exists()


@SETTINGS
@given(values=values_strategy)
@example(values=hostile)
def test_lua_values_come_back_byte_for_byte_under_lmod(lmod, tmp_path, values):
    roundtrip(lmod, "lua", tmp_path, values)


def _no_shell_tilde(values: dict[str, str]) -> dict[str, str]:
    """modulecmd.tcl leaves '~' unquoted in `NAME=value`, so the shell expands a leading
    one (or one after ':'); the validator refuses such values on its sites."""
    return {**values, "set": re.sub(r"(^|:)~", r"\1_", values["set"])}


@SETTINGS
@given(values=values_strategy.map(_no_shell_tilde))
@example(values=hostile)
def test_tcl_values_come_back_byte_for_byte_under_modulecmd(modulecmd, tmp_path, values):
    roundtrip(modulecmd, "tcl", tmp_path, values)


# Lmod reads Tcl trees through its Tcl-to-Lua translator, which pastes path values into
# Lua strings unescaped and wraps texts in [===[ ]===]: the site validator refuses
# those sequences in Tcl (moduletools.envmodules), and everything else must be inert.
def _tcl_for_lmod(values: dict[str, str]) -> dict[str, str]:
    out = dict(values)
    for slot in ("set", "alias", "prepend", "append"):  # one-line values hold no controls
        out[slot] = "".join(c if first_control(c) is None else "_" for c in out[slot])
    for slot in ("prepend", "append"):
        out[slot] = out[slot].replace('"', "_").replace("\\", "_")
    for slot in ("whatis", "help", "message"):
        out[slot] = out[slot].replace("]===]", "]==]")
    return out


def roundtrip_tcl_under_lmod(lmod, tmp: Path, values: dict[str, str]) -> None:
    tree = tmp / "tree"
    path = tree / "q/1"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(module_text("tcl", values), encoding="utf-8")
    result = lmod.run(PROBE.format(d=tmp), [tree])
    assert not CANARY.exists(), f"a value ran a command under Lmod: {path.read_text()}"
    assert result.returncode == 0, (result.stderr, path.read_text())
    # The translator trims trailing blanks and newlines from what it passes as arguments,
    # and re-encodes non-ASCII text (Lmod's own fidelity, not safety): compare ASCII values.
    got = (tmp / "set").read_bytes().decode("utf-8")
    if values["set"].isascii():
        assert got == values["set"].rstrip("\r\n "), path.read_text()
    for slot in ("prepend", "append"):
        if values[slot].isascii():
            assert (tmp / slot).read_bytes().decode("utf-8") == values[slot], slot


@settings(SETTINGS, max_examples=max(EXAMPLES // 3, 100))
@given(values=values_strategy.map(_tcl_for_lmod))
@example(values=_tcl_for_lmod(hostile))
def test_tcl_values_are_inert_under_lmods_tcl_reader(lmod, tmp_path, values):
    roundtrip_tcl_under_lmod(lmod, tmp_path, values)
