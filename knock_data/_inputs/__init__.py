"""What analysts bring: files of prospect ids, as they come out of real exports.

One function, :func:`read_id_file`, from a path to the rows that hold ids, by these steps:

1. The content decides what the file is (:mod:`.content`): a workbook (``.xlsx``, ``.ods``),
   text in its encoding (UTF-8, UTF-16 with a byte-order mark, Windows-1252), or refused.
2. Text is split into columns by the separator its shape shows (:mod:`.delimited`).
3. A workbook's sheet is the one asked for or the first with an id column (:mod:`.workbooks`).
4. The header row and the id column are found by one set of rules for every format
   (:mod:`.locate`); each cell is judged by :mod:`.cells`.

The fetch layer's :func:`knock_data.read_ids` turns the result into an :class:`IdList` or a
frame; every position is the file's line or the sheet's row, as the analyst sees it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from knock_data._exceptions import ConfigurationError, WrongArgumentType
from knock_data._inputs.content import numbers_package, sniff
from knock_data._inputs.delimited import SEPARATORS, read_delimited
from knock_data._inputs.locate import Located, locate
from knock_data._inputs.origin import IdList, Origin
from knock_data._inputs.workbooks import read_workbook

__all__ = ["IdList", "IdTable", "Origin", "read_id_file"]

# Suffixes whose columns are tab-separated when the shape alone cannot tell.
_TAB_SUFFIXES = (".tsv", ".tab")


@dataclass(frozen=True)
class IdTable:
    """An id file, read: where its ids are, and what was chosen to find them."""

    located: Located
    origin: Origin
    sheet: str | None = None
    sep: str | None = None


def read_id_file(
    path: Path,
    *,
    column: str | None = None,
    sep: str | None = None,
    sheet: str | int | None = None,
    header_row: int | None = None,
) -> IdTable:
    """Read an id file (see the module's steps).

    Raises
    ------
    FileNotFoundError
        When there is no file at ``path``.
    ConfigurationError
        When the file is not one of ids, or where its ids are cannot be told.
    """
    _check_options(sep, header_row, sheet)
    if path.is_dir():
        if path.suffix.lower() == ".numbers":
            raise numbers_package(path)
        raise ConfigurationError(f"{path} is a folder, not an id file.")
    if not path.is_file():
        raise FileNotFoundError(f"No id file at {path}.")
    content = sniff(path)
    if content.kind == "text":
        if sheet is not None:
            raise ConfigurationError(
                f"{path.name} is a text file, which has no sheets.",
                hint="Leave out sheet=, which is for Excel and OpenDocument workbooks.",
            )
        prefer = "\t" if path.suffix.lower() in _TAB_SUFFIXES else None
        rows, used = read_delimited(
            content.text,
            where=path.name,
            sep=sep,
            column=column,
            header_row=header_row,
            prefer=prefer,
        )
        located = locate(rows, where=path.name, unit="line", column=column, header_row=header_row)
        return IdTable(located, _origin(path.name, "line", located), sep=used)
    if sep is not None:
        raise ConfigurationError(
            f"{path.name} is a workbook, whose cells need no separator.",
            hint="Leave out sep=, which is for text files.",
        )
    located, name, where = read_workbook(
        path, content.kind, sheet=sheet, column=column, header_row=header_row
    )
    return IdTable(located, _origin(where, "row", located), sheet=name)


def _origin(where: str, unit: str, located: Located) -> Origin:
    return Origin(where, unit, [position for position, _ in located.rows])


def _check_options(sep: str | None, header_row: int | None, sheet: str | int | None) -> None:
    listed = ", ".join(repr(s) for s in SEPARATORS)
    if sep is not None and not isinstance(sep, str):
        raise WrongArgumentType(
            f"sep must be one character as text, such as {listed}; got "
            f"{type(sep).__name__} {sep!r}."
        )
    if sep is not None and (len(sep) != 1 or sep in '"\r\n' or sep.isalnum()):
        raise ConfigurationError(
            f"sep must be one character that separates columns, such as {listed}; got {sep!r}."
        )
    if header_row is not None and (isinstance(header_row, bool) or not isinstance(header_row, int)):
        raise WrongArgumentType(
            "header_row must be a line or row number (an int) counting from 1, got "
            f"{type(header_row).__name__} {header_row!r}."
        )
    if header_row is not None and header_row < 1:
        raise ConfigurationError(
            f"header_row must be a line or row number counting from 1, got {header_row!r}."
        )
    if sheet is not None and (isinstance(sheet, bool) or not isinstance(sheet, str | int)):
        raise WrongArgumentType(
            "sheet must be a sheet's name (text) or its position (an int from 0), got "
            f"{type(sheet).__name__} {sheet!r}."
        )
