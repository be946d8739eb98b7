"""``knock-data history info DIR``: what a history folder holds."""

from __future__ import annotations

import argparse
from pathlib import Path

from knock_data._cli.args import Commands

__all__ = ["add_history"]


def add_history(commands: Commands) -> None:
    """Declare ``knock-data history info DIR``."""
    parser = commands.add_parser(
        "history",
        help="show what a history folder holds",
        description=(
            "A history folder keeps every refresh as a snapshot (knock-data fetch --history "
            "DIR). Show its runs, prospects, versions, first and last observation and size."
        ),
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    info = actions.add_parser(
        "info", help="runs, prospects, versions, first and last observation, size"
    )
    info.add_argument("folder", metavar="DIR", type=Path, help="the history folder")
    parser.set_defaults(handler=_history)


def _history(args: argparse.Namespace) -> int:
    from knock_data._exceptions import HistoryError
    from knock_data._history.store import History

    if not args.folder.exists():
        raise HistoryError(
            f"There is no history folder at {args.folder}.",
            hint="Give the folder passed to knock-data fetch --history DIR (it is created "
            "by the first fetch that records into it).",
        )
    print(History(args.folder).info())
    return 0
