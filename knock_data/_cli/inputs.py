"""The ids the command line reads: ``IDS_FILE`` with ``--column``, ``--sheet``,
``--header-row`` and ``--sep``, the sample ids shipped with the package, and the line that
says what was read."""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from knock_data._fetch.ids import IdList

__all__ = ["add_input_options", "describe_read", "read_input", "sample_ids", "separator"]

# The sample ids: ids of the default sandbox as an analyst's export holds them.
_SAMPLE = ("knock_data.sandbox", "sample_prospect_ids.csv")
_SEPARATOR_NAMES = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";", "pipe": "|"}


def separator(text: str) -> str:
    """An argparse type: one character, or ``tab`` (also ``comma``, ``semicolon``, ``pipe``)."""
    value = _SEPARATOR_NAMES.get(text.lower(), text)
    if len(value) != 1:
        raise argparse.ArgumentTypeError(
            f"expected one character such as ';' or '|', or tab; got {text!r}"
        )
    return value


def add_input_options(parser: argparse.ArgumentParser) -> None:
    """``--column``, ``--sheet``, ``--header-row`` and ``--sep``, for reading ``IDS_FILE``."""
    parser.add_argument(
        "--column",
        metavar="NAME",
        help="column holding the ids, by its header (default: prospect_id, Prospect ID or ID, "
        "or the only column)",
    )
    parser.add_argument(
        "--sheet",
        metavar="NAME",
        help="workbook sheet, by name or position from 0 (default: the first with an id column)",
    )
    parser.add_argument(
        "--header-row",
        type=_row_number,
        metavar="N",
        help="line or row holding the column names, from 1 (default: found, below any title)",
    )
    parser.add_argument(
        "--sep",
        type=separator,
        metavar="CHAR",
        help="separator of a text file's columns: , ; | or tab (default: found by its shape)",
    )


def _row_number(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a line or row number from 1, got {text!r}")
    return value


def read_input(path: Path, args: argparse.Namespace) -> IdList:
    """The ids of ``path`` read with the subcommand's input options."""
    from knock_data._fetch.ids import read_ids

    return read_ids(
        path,
        column=getattr(args, "column", None),
        sheet=getattr(args, "sheet", None),
        header_row=getattr(args, "header_row", None),
        sep=getattr(args, "sep", None),
    )


def describe_read(ids: IdList, path: Path) -> str:
    """``Read 2,000 ids from ids.csv, column 'prospect_id' (12 duplicates fetched once).``"""
    from knock_data._fetch.ids import normalize_ids, origin_of

    normalized = normalize_ids(ids, origin=origin_of(ids))
    where = ids.source or str(path)
    column = f", column {ids.column!r}" if ids.column else ""
    notes = []
    if normalized.n_duplicates:
        notes.append(f"{normalized.n_duplicates:,} duplicates fetched once")
    if normalized.invalid:
        n = len(normalized.invalid)
        notes.append(f"{n:,} {'cells are' if n != 1 else 'cell is'} not ids")
    detail = f" ({', '.join(notes)})" if notes else ""
    return f"Read {len(ids):,} ids from {where}{column}{detail}."


@contextlib.contextmanager
def sample_ids() -> Iterator[Path]:
    """The sample ids file shipped with the package, as a path (a temporary copy if the
    package is installed as a zip)."""
    with resources.as_file(resources.files(_SAMPLE[0]).joinpath(_SAMPLE[1])) as path:
        yield path
