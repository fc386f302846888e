"""The `pyherd` command: parse arguments, call one function, map errors to exit codes."""

from __future__ import annotations

import argparse
import os
import sys
from importlib import import_module
from pathlib import Path

from pyherd import __version__, options
from pyherd.errors import ConfigError, PyherdError, printable

# name -> one-line help; the module pyherd.commands.<name> is imported only when run,
# so a cron job's no-op does not pay for every other command's imports.
COMMANDS = {
    "init": "start a site repository: a starter site, pre-commit, CI workflows",
    "validate": "check site files without writing anything",
    "render": "render modulefiles for one or every site",
    "lint": "load and unload every rendered module under the real tools",
    "show": "print the resolved model of one module",
    "schema": "describe every key of a site file",
    "install": "install a conda tree as a new generation and make it current",
    "jobs": "what `--slurm` builds submitted (install, wheels build): each task's state and log",
    "generations": "list a conda tree's generations and which one is current",
    "rollback": "make an earlier generation of a conda tree current again",
    "gc": "remove old generations of a conda tree (never the current one)",
    "autoupdate": "re-solve trees marked autoupdate; publish a new generation only if changed",
    "cron": "print the crontab lines and systemd units that run autoupdate",
    "wheels": "the site wheelhouse: build wheels, index them for pip, uv and avail_wheels",
    "deploy": "copy the rendered site to its hosts over SSH, or run pyherd on its build hosts",
    "verify": "check that each module's prefix is installed here and its python runs",
    "adopt": "take over a hand-written module tree where loading it does the same",
    "review": "what a change to the site files does to users: modules, defaults, environment",
    "completion": "print a bash, zsh or tcsh completion script for pyherd or avail_wheels",
}


def parser(argv: list[str], *, every: bool = False) -> argparse.ArgumentParser:
    """The parser; only the command named in `argv` (if any) is imported and fully built,
    or, with `every`, all of them (what a completion script is generated from)."""
    top = argparse.ArgumentParser(
        prog="pyherd",
        description="Describe a site once in sites/<site>.yaml; pyherd renders its modulefiles, "
        "checks them with the real module tools, and installs its conda trees as generations.",
        epilog="Exit codes: 0 done, 1 the job failed (nothing published changed), "
        "2 bad input (nothing written), 75 another run holds the lock.",
    )
    top.add_argument("--version", action="version", version=f"pyherd {__version__}")
    common = options.project()
    subs = top.add_subparsers(dest="command", metavar="COMMAND", required=True)
    chosen = next((word for word in argv if word in COMMANDS), None)
    for name, help_text in COMMANDS.items():
        wanted = every or name == chosen
        command = import_module(f"pyherd.commands.{name}") if wanted else None
        sub = subs.add_parser(
            name,
            parents=[common],
            help=help_text,
            description=command.__doc__ if command else help_text,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        if command is not None:
            command.add_arguments(sub)
            sub.set_defaults(run=command.run)
    return top


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    try:
        args = parser(argv).parse_args(argv)
        if not hasattr(args, "run"):  # an option's value looked like a command name
            args = parser([args.command]).parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on bad arguments, 0 on --help
        return int(exc.code or 0)
    paths = options.paths(args, Path.cwd())
    # What pyherd creates (trees, generations, caches, modulefiles) is readable by all and
    # writable by its owner only, whatever the caller's umask (cron's may be 000 or 002).
    os.umask(0o022)
    try:
        return int(args.run(args, paths))
    except ConfigError as exc:
        print(f"{exc}\npyherd {args.command}: bad input; nothing was written", file=sys.stderr)
        return exc.exit_code
    except PyherdError as exc:
        print(f"pyherd {args.command}: {printable(str(exc), keep=chr(10))}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `pyherd ... | head`: the reader left; not our failure
        sys.stderr.close()
        return 0
    except OSError as exc:  # a full disk or a lost mount: say so, without a traceback
        print(f"pyherd {args.command}: {printable(str(exc))}", file=sys.stderr)
        return 1
