"""Print a shell completion script, generated from the argument parsers by shtab, so
it knows every command, option and choice of this pyherd:

    pyherd completion bash > /etc/bash_completion.d/pyherd
    pyherd completion bash --for avail_wheels > /etc/bash_completion.d/avail_wheels
"""

from __future__ import annotations

import argparse

from pyherd.options import Paths

SHELLS = ("bash", "zsh", "tcsh")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("shell", choices=SHELLS, help="the shell the script is for")
    parser.add_argument(
        "--for",
        dest="program",
        choices=("pyherd", "avail_wheels"),
        default="pyherd",
        help="the command to complete (default: pyherd)",
    )


def run(args: argparse.Namespace, paths: Paths) -> int:
    del paths
    import shtab

    if args.program == "avail_wheels":
        from pyherd.wheelhouse.avail import parser as avail_parser

        parser = avail_parser()
    else:
        from pyherd.cli import parser as pyherd_parser

        parser = pyherd_parser([], every=True)
    print(shtab.complete(parser, shell=args.shell), end="")
    return 0
