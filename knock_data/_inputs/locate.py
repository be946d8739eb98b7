"""Where the ids are in a table of cells: which row is the header, which column holds them.

A table is a list of :data:`Row`: each row's position as the analyst sees it (the file's
line, the sheet's row number) and its cells. The rules, the same for every format:

1. The header is the row ``header_row=`` names; else the first row, among the first
   :data:`SCAN_ROWS` filled ones, holding the ``column=`` asked for or a known id header
   (:data:`~.cells.ID_HEADERS`), so a title block above the table is passed over; else the
   first filled row. A row is never taken for the header when a row above it holds an id in
   the same column: that row is data, and so is everything below it.
2. A first row whose only filled cell is an id (or a mistyped one, such as ``12 3``) is
   data: the file has no header.
3. The id column is ``column=`` (its exact name, else the one name that matches it loosely),
   else the only column, else the one known id header.

Blank rows before the header and after the last filled row are not rows; a blank row
between them is an empty cell, reported rather than skipped.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from knock_data._exceptions import ConfigurationError
from knock_data._inputs.cells import (
    ID_HEADERS,
    header_key,
    is_blank,
    is_id,
    looks_like_header,
)

__all__ = ["SCAN_ROWS", "Located", "NoIdColumn", "Row", "find_header", "locate", "pick_column"]

#: One row of a table: its position as the analyst sees it, and its cells.
Row = tuple[int, Sequence[Any]]
#: How many filled rows from the top may hold the header, below a title block.
SCAN_ROWS = 50
_KNOWN = "a column named prospect_id, prospectId, Prospect ID or ID is found by itself"


class NoIdColumn(ConfigurationError):
    """No id column in this table (internal: the workbook reader tries the next sheet)."""

    code = "configuration"

    def __init__(
        self, message: str, *, names: list[str], hint: str, position: int | None = None
    ) -> None:
        super().__init__(message, hint=hint)
        self.names = names
        self.position = position


@dataclass(frozen=True)
class Located:
    """Where a table's ids are.

    Attributes
    ----------
    names
        The header's column names (a blank header cell is ``column N``); for a table
        without a header, ``column N`` for each column.
    index
        The id column's index in ``names``.
    column
        The id column's header as written, or None when the table has no header.
    header
        The header row's position, or None.
    rows
        The data rows, from below the header to the last filled row.
    """

    names: list[str]
    index: int
    column: str | None
    header: int | None
    rows: list[Row]


def locate(
    rows: Sequence[Row],
    *,
    where: str,
    unit: str,
    column: str | None = None,
    header_row: int | None = None,
    strict: bool = False,
) -> Located:
    """Find the header and the id column of ``rows`` (see the module's rules).

    Parameters
    ----------
    rows
        The table, top to bottom, blank rows included.
    where
        How messages name the table: ``ids.csv``, ``sheet 'Leads' of leads.xlsx``.
    unit
        What a position counts: ``line`` or ``row``.
    column, header_row
        As given to :func:`knock_data.read_ids`.
    strict
        Accept the table only when its id column is certain (a known or asked-for header,
        or a lone column of ids); otherwise raise :class:`NoIdColumn`. For choosing a sheet.

    Raises
    ------
    ConfigurationError
        When the id column cannot be told, listing the columns and the options to pass.
    """
    first = next((i for i, (_, cells) in enumerate(rows) if _filled(cells)), None)
    if first is None:
        if header_row is not None:
            raise _past_the_end(header_row, where, unit, rows[-1][0] if rows else 0)
        return Located([], 0, None, None, [])
    last = next(i for i in range(len(rows) - 1, -1, -1) if _filled(rows[i][1]))
    top, scanned = find_header(rows, where=where, unit=unit, column=column, header_row=header_row)
    cells = list(rows[top][1])
    lone = [j for j, cell in enumerate(cells) if not is_blank(cell)]
    if header_row is None and column is None and len(lone) == 1 and not scanned:
        first = cells[lone[0]]
        if is_id(first) or not looks_like_header(first):
            width = max(len(r[1]) for r in rows[top : last + 1])
            names = [f"column {j + 1}" for j in range(width)]
            return Located(names, lone[0], None, None, list(rows[top : last + 1]))
    names = _names(cells)
    data = list(rows[top + 1 : last + 1])
    position = rows[top][0]
    try:
        index = pick_column(names, column, where=where, hint=_columns_hint(names, unit, position))
    except ConfigurationError as error:
        if strict:  # the next sheet may hold the column
            raise NoIdColumn(
                error.message, names=names, hint=error.hint or "", position=position
            ) from None
        raise
    if strict and not scanned and not (len(lone) == 1 and _mostly_ids(data, index)):
        raise NoIdColumn(
            f"No id column in {where}.",
            names=names,
            hint=_columns_hint(names, unit, position),
            position=position,
        )
    return Located(names, index, names[index], position, data)


def _header_at(rows: Sequence[Row], header_row: int, where: str, unit: str) -> int:
    for i, (position, cells) in enumerate(rows):
        if position == header_row:
            if all(is_blank(c) for c in cells):
                raise ConfigurationError(
                    f"{unit.capitalize()} {header_row} of {where} is blank.",
                    hint=f"Pass header_row= with the {unit} that holds the column names.",
                )
            return i
        if position > header_row:
            raise ConfigurationError(
                f"{unit.capitalize()} {header_row} of {where} is inside a multi-line value.",
                hint=f"Pass header_row= with the {unit} that holds the column names.",
            )
    raise _past_the_end(header_row, where, unit, rows[-1][0] if rows else 0)


def _past_the_end(header_row: int, where: str, unit: str, last: int) -> ConfigurationError:
    return ConfigurationError(
        f"header_row={header_row} is past the end of {where} ({last:,} {unit}s).",
        hint=f"Pass header_row= with the {unit} that holds the column names, counting from 1.",
    )


def find_header(
    rows: Sequence[Row],
    *,
    where: str,
    unit: str,
    column: str | None = None,
    header_row: int | None = None,
) -> tuple[int, bool]:
    """The header's index in ``rows`` (which has a filled row), and whether it was named: by
    ``header_row``, or found by its id header (not just the first filled row).

    A ``column`` that no row holds falls back to the known id headers, so that the message
    saying it is not there lists the real header's columns, not a title's.
    """
    if header_row is not None:
        return _header_at(rows, header_row, where, unit), True
    top, found = _search_header(rows, column, where)
    if not found and column is not None and not _names_column(rows[top][1], column):
        by_ids, found = _search_header(rows, None, where)
        top = by_ids if found else top
    return top, found


def _names_column(cells: Sequence[Any], column: str) -> bool:
    """Whether :func:`pick_column` finds ``column`` among these header cells."""
    names = _names(cells)
    return column in names or any(
        header_key(column) and header_key(name) == header_key(column) for name in names
    )


def _search_header(rows: Sequence[Row], column: str | None, where: str) -> tuple[int, bool]:
    wanted = ({header_key(column)} if column is not None else set(ID_HEADERS)) - {""}
    filled = (i for i, (_, cells) in enumerate(rows) if _filled(cells))
    first: int | None = None
    seen: list[int] = []
    for i in itertools.islice(filled, SCAN_ROWS):
        first = i if first is None else first
        cells = rows[i][1]
        hits = [
            j
            for j, cell in enumerate(cells)
            if (column is not None and str(cell).strip() == column) or header_key(cell) in wanted
        ]
        if hits:
            if any(is_id(rows[k][1][j]) for k in seen for j in hits if j < len(rows[k][1])):
                break  # ids above it: this row is data, and the table has no title block
            return i, True
        seen.append(i)
    if first is None:
        raise ConfigurationError(f"{where} holds no cells.")  # callers check before
    return first, False


def _filled(cells: Sequence[Any]) -> bool:
    return not all(is_blank(c) for c in cells)


def _names(cells: Sequence[Any]) -> list[str]:
    names = []
    for j, cell in enumerate(cells):
        if is_blank(cell):
            names.append(f"column {j + 1}")
        elif isinstance(cell, float) and cell.is_integer():
            names.append(str(int(cell)))
        else:
            names.append(str(cell).strip())
    return names


def pick_column(
    names: list[str], column: str | None, *, where: str, hint: str | None = None
) -> int:
    """The index of the id column among ``names`` (rule 3 of the module).

    Raises
    ------
    ConfigurationError
        When ``column`` is not there (or is twice), or no column is the id column; ``hint``
        (by default the columns and ``column=``) says what to do.

    Examples
    --------
    >>> pick_column(["Name", "Prospect ID", "Budget"], None, where="leads.csv")
    1
    """
    if hint is None:
        hint = f"Its columns are {names}. Pass column= with one of them ({_KNOWN})."
    if column is not None:
        exact = [i for i, name in enumerate(names) if name == column]
        if not exact and header_key(column):
            exact = [i for i, name in enumerate(names) if header_key(name) == header_key(column)]
        if len(exact) == 1:
            return exact[0]
        if exact:
            raise ConfigurationError(
                f"{len(exact)} columns of {where} are called {column!r}.",
                hint="Rename one of them, or pass header_row= if the column names are further "
                "down.",
            )
        raise ConfigurationError(f"No column {column!r} in {where}.", hint=hint)
    if len(names) == 1:
        return 0
    by_key: dict[str, list[int]] = {}
    for i, name in enumerate(names):
        by_key.setdefault(header_key(name), []).append(i)
    for wanted in ID_HEADERS:
        found = by_key.get(wanted, [])
        if len(found) == 1:
            return found[0]
    raise ConfigurationError(
        f"Cannot tell which column of {where} holds the prospect ids.", hint=hint
    )


def _columns_hint(names: list[str], unit: str, position: int) -> str:
    return (
        f"Its columns are {names} (the names in {unit} {position}). Pass column= with one of "
        f"them ({_KNOWN}), or header_row= with the {unit} that holds the column names."
    )


def _mostly_ids(data: list[Row], index: int) -> bool:
    values = [
        cells[index] for _, cells in data if index < len(cells) and not is_blank(cells[index])
    ]
    return bool(values) and 2 * sum(is_id(v) for v in values) >= len(values)
