"""The ``knock-data`` parser and dispatcher: :func:`main`.

:data:`COMMANDS` lists each subcommand's ``add_<name>(commands)``; :func:`main` parses the
arguments and calls the ``handler`` the chosen subcommand set. Handlers return the exit
status; a :class:`~knock_data.KnockError` becomes a one-paragraph message on standard error
and exit status 1, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Callable, Sequence
from typing import Any

from knock_data import __version__
from knock_data._cli.args import Commands
from knock_data._cli.cache import add_cache
from knock_data._cli.demo import add_demo
from knock_data._cli.fetch import add_fetch
from knock_data._cli.sandbox import add_sandbox
from knock_data._exceptions import KnockError, KnockWarning

__all__ = ["COMMANDS", "main"]

#: The subcommands, in the order ``knock-data --help`` lists them.
COMMANDS: tuple[Callable[[Commands], None], ...] = (add_sandbox, add_demo, add_fetch, add_cache)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``knock-data`` command line and return its exit status.

    Parameters
    ----------
    argv
        The arguments after the program name; ``sys.argv[1:]`` when None.

    Returns
    -------
    int
        0 on success, 1 when the job failed (the reason is on standard error). Usage
        errors exit with status 2 through :class:`SystemExit`, as argparse does.

    Examples
    --------
    >>> main(["sandbox", "--port", "0", "--prospects", "100"])  # doctest: +SKIP
    Knock sandbox: 100 synthetic prospects (seed 2021)
    ...
    """
    parser = _build_parser()
    args = parser.parse_args(argv)
    with warnings.catch_warnings():
        warnings.simplefilter("default", KnockWarning)  # the command line always says them
        warnings.showwarning = _note(args.command)  # restored on leaving the block
        try:
            status: int = args.handler(args)
        except KnockError as error:
            print(f"knock-data {args.command}: {error}", file=sys.stderr)
            return 1
    return status


def _note(command: str) -> Callable[..., None]:
    """Show a :class:`~knock_data.KnockWarning` as a line of the command's own output."""
    default = warnings.showwarning

    def show(message: Warning | str, category: type[Warning], *args: Any, **kwargs: Any) -> None:
        if issubclass(category, KnockWarning):
            print(f"knock-data {command}: note: {message}", file=sys.stderr)
        else:
            default(message, category, *args, **kwargs)

    return show


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="knock-data",
        description="Knock Get Prospect API data for leasing-lead analysts.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(
        dest="command", metavar="COMMAND", required=True, title="commands"
    )
    for add in COMMANDS:
        add(commands)
    return parser
