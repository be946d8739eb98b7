"""The ``knock-data`` parser and dispatcher: :func:`main`.

:data:`COMMANDS` lists each subcommand's ``add_<name>(commands)``; :func:`main` parses the
arguments and calls the ``handler`` the chosen subcommand set. Handlers return the exit
status. A user's error (a :class:`~knock_data.KnockError`, or a file that cannot be read or
written) becomes a one-paragraph message on standard error, in the command line's words
(``--column``, not ``column=``: :mod:`.words`), and exit status 1, never a traceback;
``--debug`` shows the traceback as well. Ctrl-C stops with status 130 and no traceback.
"""

from __future__ import annotations

import argparse
import sys
import traceback
import warnings
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from knock_data import __version__
from knock_data._cli.args import Commands
from knock_data._cli.cache import add_cache
from knock_data._cli.demo import add_demo
from knock_data._cli.fetch import add_fetch
from knock_data._cli.history import add_history
from knock_data._cli.sandbox import add_sandbox
from knock_data._cli.words import in_cli_words
from knock_data._exceptions import KnockError, KnockWarning

__all__ = ["COMMANDS", "main"]

#: The subcommands, in the order ``knock-data --help`` lists them.
COMMANDS: tuple[Callable[[Commands], None], ...] = (
    add_sandbox,
    add_demo,
    add_fetch,
    add_cache,
    add_history,
)


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
        except (KnockError, OSError) as error:
            if args.debug:
                traceback.print_exc()
            said = in_cli_words(str(error), _subcommand(parser, args.command))
            print(f"knock-data {args.command}: {said}", file=sys.stderr)
            return 1
        except KeyboardInterrupt:
            if args.debug:
                traceback.print_exc()
            print(f"knock-data {args.command}: stopped (Ctrl-C).", file=sys.stderr)
            return 130
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
    parser.add_argument("--debug", action="store_true", help=_DEBUG)
    commands = parser.add_subparsers(
        dest="command", metavar="COMMAND", required=True, title="commands"
    )
    for add in COMMANDS:
        add(commands)
    for subparser in _subparsers(parser):
        # Also after the subcommand (knock-data fetch ... --debug); given nowhere, it is the
        # top level's False.
        subparser.add_argument(
            "--debug", action="store_true", default=argparse.SUPPRESS, help=_DEBUG
        )
    return parser


_DEBUG = "show the traceback of an error as well as its message"


def _subparsers(parser: argparse.ArgumentParser) -> Iterator[argparse.ArgumentParser]:
    """Every subcommand's parser, nested ones (``cache info``) included."""
    for action in parser._actions:  # the only way argparse gives its subparsers back
        if isinstance(action, argparse._SubParsersAction):
            for subparser in dict.fromkeys(action.choices.values()):
                yield subparser
                yield from _subparsers(subparser)


def _subcommand(parser: argparse.ArgumentParser, name: str) -> argparse.ArgumentParser:
    """The parser of the subcommand ``name``, whose flags name the library's arguments."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction) and name in action.choices:
            found: argparse.ArgumentParser = action.choices[name]
            return found
    return parser
