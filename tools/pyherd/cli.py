"""The `pyherd` command: parse arguments, call one function, map errors to exit codes."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pyherd import __version__
from pyherd.commands import (
    gc,
    generations,
    install,
    lint,
    render,
    rollback,
    schema,
    show,
    validate,
)
from pyherd.errors import ConfigError, PyherdError
from pyherd.project import Paths

SHIPPED_TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
COMMANDS = (validate, render, lint, show, schema, install, generations, rollback, gc)


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="pyherd",
        description="Describe a site once in sites/<site>.yaml; pyherd renders its modulefiles, "
        "checks them with the real module tools, and installs its conda trees as generations.",
        epilog="Exit codes: 0 done, 1 the job failed (nothing published changed), "
        "2 bad input (nothing written), 75 another run holds the lock.",
    )
    top.add_argument("--version", action="version", version=f"pyherd {__version__}")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--sites", type=Path, default=Path("sites"), help="site files (default: sites)"
    )
    common.add_argument(
        "--templates",
        type=Path,
        default=None,
        help="templates (default: ./templates, else the ones shipped beside pyherd)",
    )
    subs = top.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for command in COMMANDS:
        sub = subs.add_parser(
            command.NAME,
            parents=[common],
            help=command.HELP,
            description=command.__doc__,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        command.add_arguments(sub)
        sub.set_defaults(run=command.run)
    return top


def main(argv: list[str] | None = None) -> int:
    try:
        args = parser().parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on bad arguments, 0 on --help
        return int(exc.code or 0)
    templates = args.templates or (
        Path("templates") if Path("templates").is_dir() else SHIPPED_TEMPLATES
    )
    paths = Paths(args.sites, templates, getattr(args, "out", None) or Path("modulefiles"))
    try:
        return int(args.run(args, paths))
    except ConfigError as exc:
        print(f"{exc}\npyherd {args.command}: bad input; nothing was written", file=sys.stderr)
        return exc.exit_code
    except PyherdError as exc:
        print(f"pyherd {args.command}: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `pyherd ... | head`: the reader left; not our failure
        sys.stderr.close()
        return 0
