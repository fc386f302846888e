"""Errors and the exit codes they carry (see ARCHITECTURE.md), and the helpers that word them.

Every error pyherd raises derives from PyherdError, so its exit code does not depend on
who catches it: ConfigError (2, bad input, nothing written), JobFailed (1, what was
published is untouched) and Locked (75, try later). Rooms derive their own errors from
these three.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import NamedTuple

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_LOCKED = 75


class Problem(NamedTuple):
    """One thing wrong with an input, located at file:line and a key path (a plain tuple:
    avail_wheels imports this module on every call)."""

    file: str
    line: int | None
    path: str
    message: str

    def __str__(self) -> str:
        file = printable(self.file)
        parts = [f"{file}:{self.line}" if self.line else file, printable(self.path), self.message]
        return ": ".join(p for p in parts if p)


# C0 and C1 controls, DEL, and the Unicode line and paragraph separators
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def first_control(text: str) -> str | None:
    """The first control character in `text`, or None."""
    match = _CONTROL.search(text)
    return match.group(0) if match else None


def printable(text: str, keep: str = "") -> str:
    """`text` with control characters escaped as Python would (\\n, \\x1b): a name from
    a site file echoed back cannot move the cursor, recolour the terminal or fake a line."""
    if not _CONTROL.search(text):
        return text

    def escape(match: re.Match[str]) -> str:
        char = match.group(0)
        return char if char in keep else repr(char)[1:-1]

    return _CONTROL.sub(escape, text)


class PyherdError(Exception):
    """Base class; `exit_code` tells the CLI how to leave."""

    exit_code = EXIT_FAILED


class ConfigError(PyherdError):
    """Bad input (site files, arguments): nothing was written."""

    exit_code = EXIT_BAD_INPUT

    def __init__(self, problems: list[Problem] | Problem | str):
        if isinstance(problems, str):
            problems = [Problem("", None, "", problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class JobFailed(PyherdError):
    """The job failed; what was published before is untouched."""

    exit_code = EXIT_FAILED


class Locked(PyherdError):
    """Another run holds the lock; try later (cron-friendly)."""

    exit_code = EXIT_LOCKED


def suggest(word: str, choices: Iterable[str]) -> str:
    """' (did you mean 'x'?)' for the closest choice, or nothing."""
    import difflib  # only when a message is being worded

    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def unique(problems: Iterable[Problem]) -> list[Problem]:
    """Each problem once, in first-seen order (stages may find the same one twice)."""
    seen: set[str] = set()
    out = []
    for problem in problems:
        if str(problem) not in seen:
            seen.add(str(problem))
            out.append(problem)
    return out
