"""Error values the CLI maps to exit codes (see ARCHITECTURE.md)."""

from __future__ import annotations

from dataclasses import dataclass

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_LOCKED = 75


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input, located at file:line and a key path."""

    file: str
    line: int | None
    path: str
    message: str

    def __str__(self) -> str:
        parts = [f"{self.file}:{self.line}" if self.line else self.file, self.path, self.message]
        return ": ".join(p for p in parts if p)


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
