"""The ``knock-data`` command line.

One subcommand per job. Each has an ``add_<name>(commands)`` function that declares its
arguments and sets ``handler`` to the function that runs it; :data:`_COMMANDS` lists them
and :func:`main` parses and dispatches. Handlers return the exit status; a
:class:`~knock_data.KnockError` becomes a one-paragraph message on standard error and exit
status 1, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import Any

from knock_data import __version__
from knock_data._cli_fetch import add_cache, add_fetch
from knock_data._exceptions import KnockError

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``knock-data`` command line and return its exit status.

    Examples
    --------
    >>> main(["cache", "info", "--cache", "/nonexistent/cache.sqlite"])
    Cache file: /nonexistent/cache.sqlite (not created yet)
    0
    """
    parser = _build_parser()
    args = parser.parse_args(argv)
    try:
        status: int = args.handler(args)
    except KnockError as error:
        print(f"knock-data {args.command}: {error}", file=sys.stderr)
        return 1
    except FileNotFoundError as error:
        print(f"knock-data {args.command}: {error}", file=sys.stderr)
        return 1
    return status


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="knock-data",
        description="Knock Get Prospect API data for leasing-lead analysts.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(
        dest="command", metavar="COMMAND", required=True, title="commands"
    )
    for add in _COMMANDS:
        add(commands)
    return parser


_COMMANDS: list[Callable[[Any], None]] = [add_fetch, add_cache]
