"""Workbooks: Excel ``.xlsx``/``.xlsm`` (openpyxl) and OpenDocument ``.ods`` (odfpy), through
pandas' readers, as tables of cells with the sheet's own row numbers.

The sheet is the one asked for (a name, or a position from 0), else the first sheet whose
id column is certain (:func:`~.locate.locate` with ``strict=True``); a workbook of one sheet
is read by the same rules as a text file.
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from knock_data._exceptions import ConfigurationError
from knock_data._inputs.content import Kind
from knock_data._inputs.locate import Located, NoIdColumn, Row, locate

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["read_workbook"]

_ENGINES: dict[str, tuple[Literal["openpyxl", "odf"], str]] = {
    "xlsx": ("openpyxl", "Excel"),
    "ods": ("odf", "OpenDocument"),
}


def read_workbook(
    path: Path,
    kind: Kind,
    *,
    sheet: str | int | None = None,
    column: str | None = None,
    header_row: int | None = None,
) -> tuple[Located, str, str]:
    """The ids' place in a workbook: where they are, the sheet's name, and how messages name
    it (``sheet 'Leads' of leads.xlsx``).

    Raises
    ------
    ConfigurationError
        When the reader is not installed, the sheet does not exist, or no sheet (or not the
        one asked for) has an id column; the message lists the sheets.
    """
    book = _open(path, kind)
    try:
        names = [str(name) for name in book.sheet_names]
        if sheet is not None or len(names) == 1:
            name = _sheet_named(names, sheet, path) if sheet is not None else names[0]
            where = f"sheet {name!r} of {path.name}"
            rows = _rows(book, name)
            return (
                locate(rows, where=where, unit="row", column=column, header_row=header_row),
                name,
                where,
            )
        tried: list[str] = []
        for name in names:
            where = f"sheet {name!r} of {path.name}"
            rows = _rows(book, name)
            try:
                found = locate(
                    rows, where=where, unit="row", column=column, header_row=header_row, strict=True
                )
            except NoIdColumn as error:
                at = f" (row {error.position})" if error.position not in (None, 1) else ""
                tried.append(f"{name!r} has the columns {error.names}{at}")
                continue
            except ConfigurationError as error:
                tried.append(f"{name!r}: {error.message}")
                continue
            if not found.rows and found.column is None:
                tried.append(f"{name!r} is empty")
                continue
            return found, name, where
    finally:
        book.close()
    wanted = f"a column {column!r}" if column is not None else "an id column"
    raise ConfigurationError(
        f"No sheet of {path.name} has {wanted}: {'; '.join(tried)}.",
        hint="Pass sheet= with the sheet that holds the ids (a name, or a position from 0) "
        "and column= with its id column.",
    )


def _open(path: Path, kind: Kind) -> pd.ExcelFile:
    import pandas as pd

    engine, label = _ENGINES[kind]
    # From bytes, so that a workbook saved under another name (.xls, .csv) is read as what
    # it is: openpyxl refuses a file name without an Excel suffix, never a stream.
    data = io.BytesIO(path.read_bytes())
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl's notes on styles and extensions
            return pd.ExcelFile(data, engine=engine)
    except ImportError as error:
        raise ConfigurationError(
            f"Reading {path.name}, an {label} workbook, needs the excel extra.",
            hint="Install it with: pip install 'knock-data[excel]'.",
        ) from error
    except Exception as error:  # any reader failure is a damaged workbook
        raise ConfigurationError(
            f"{path.name} is an {label} workbook that cannot be read ({type(error).__name__}: "
            f"{str(error)[:200]}).",
            hint="Open it in your spreadsheet program and save it again, or export a CSV.",
        ) from error


def _sheet_named(names: list[str], sheet: str | int, path: Path) -> str:
    if isinstance(sheet, str):
        if sheet in names:
            return sheet
        loose = [n for n in names if n.strip().casefold() == sheet.strip().casefold()]
        if len(loose) == 1:
            return loose[0]
        if sheet.strip().isdigit():
            sheet = int(sheet)  # a position, as the command line passes it
    if isinstance(sheet, int) and not isinstance(sheet, bool) and 0 <= sheet < len(names):
        return names[sheet]
    listed = ", ".join(f"{i} {n!r}" for i, n in enumerate(names))
    raise ConfigurationError(
        f"No sheet {sheet!r} in {path.name}.",
        hint=f"Its sheets are {listed}. Pass sheet= with a name, or a position counting from 0.",
    )


def _rows(book: pd.ExcelFile, name: str) -> list[Row]:
    import pandas as pd

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl's notes on styles and extensions
        frame = pd.read_excel(book, sheet_name=name, header=None, dtype=object)
    # pandas keeps the blank rows above the first filled one: row i is the sheet's row i + 1.
    values: list[tuple[Any, ...]] = list(frame.itertuples(index=False, name=None))
    return list(enumerate(values, start=1))  # rows as tuples: no work for the garbage collector
