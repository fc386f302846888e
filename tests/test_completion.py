"""`pyherd completion`: scripts generated from the parsers complete what the parsers
accept, in a real bash."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from conftest import run_pyherd

# what a user types (the word being completed last), and what TAB must offer
CASES = [
    ("pyherd", ["ren"], ["render"]),
    ("pyherd", ["wheels", "in"], ["index"]),
    ("pyherd", ["init", "--to"], ["--tool"]),
    ("pyherd", ["init", "--tool", ""], ["lmod", "environment-modules"]),
    ("pyherd", ["wheels", "index", "--si"], ["--site", "--sites"]),
    ("pyherd", ["completion", "--for", ""], ["pyherd", "avail_wheels"]),
    ("avail_wheels", ["--form"], ["--format"]),
    ("avail_wheels", ["--format", "gi"], ["github"]),
]

COMPLETE = """
source "$1"
prog=$2; shift 2
COMP_WORDS=("$prog" "$@"); COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
COMP_LINE="${COMP_WORDS[*]}"; COMP_POINT=${#COMP_LINE}; COMPREPLY=()
fn=$(complete -p "$prog" | sed -E 's/.*-F ([^ ]+).*/\\1/')
"$fn" "$prog" "${COMP_WORDS[-1]}" "${COMP_WORDS[-2]}"
printf '%s\\n' "${COMPREPLY[@]}"
"""


@pytest.fixture(scope="module")
def scripts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = {}
    for program in ("pyherd", "avail_wheels"):
        made = run_pyherd("completion", "bash", "--for", program)
        assert made.returncode == 0, made.stderr
        out[program] = tmp_path_factory.mktemp("completion") / program
        out[program].write_text(made.stdout)
    return out


@pytest.mark.parametrize(("program", "words", "offered"), CASES)
def test_bash_completes_what_the_parser_accepts(scripts, program, words, offered):
    done = subprocess.run(
        ["bash", "--noprofile", "--norc", "-c", COMPLETE, "bash", str(scripts[program]),
         program, *words],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert sorted(done.stdout.split()) == sorted(offered)


@pytest.mark.parametrize("shell", ["zsh", "tcsh"])
def test_other_shells_get_a_script_and_a_bad_one_is_exit_2(shell: str):
    made = run_pyherd("completion", shell)
    assert made.returncode == 0 and "render" in made.stdout and "wheels" in made.stdout
    bad = run_pyherd("completion", "fish; rm -rf /")
    assert bad.returncode == 2 and "invalid choice" in bad.stderr and bad.stdout == ""
