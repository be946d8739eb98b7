"""Prospect ids: normalise what analysts bring (Excel floats, padded text) and read id files.

Knock only accepts a prospect id made of digits. Ints, numeric strings and int-valued
floats (``1004.0``, as Excel exports them) become the text ``"1004"``; surrounding
whitespace is stripped. Anything else is refused before any request is sent, and so is an
id of more than :data:`MAX_ID_DIGITS` digits (beyond a 64-bit integer: no Knock id), however
it is written.
"""

from __future__ import annotations

import math
import numbers
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from knock_data._exceptions import ConfigurationError, InvalidProspectId
from knock_data._schema import is_missing

__all__ = ["MAX_ID_DIGITS", "NormalizedIds", "normalize_id", "normalize_ids", "read_ids"]

#: The most digits a prospect id may have: a 64-bit integer has 19.
MAX_ID_DIGITS = 19
_DIGITS = re.compile(r"[0-9]+")
_FLOAT_TEXT = re.compile(r"([0-9]+)\.0*")
_LARGEST = 10**MAX_ID_DIGITS
# Column names that hold prospect ids, compared lower-case without separators.
_ID_COLUMNS = ("prospectid", "id")
_EXCEL_SUFFIXES = (".xlsx", ".xlsm")
_CSV_SUFFIXES = (".csv", ".tsv")


def normalize_id(value: Any) -> str:
    """Return the prospect id as Knock expects it (digits only), or raise.

    Parameters
    ----------
    value
        An int, a numeric string (whitespace around it is ignored) or an int-valued float.

    Raises
    ------
    InvalidProspectId
        For anything else: negative numbers, fractions, letters, blanks, ``None``, NaN, and
        ids of more than 19 digits.

    Examples
    --------
    >>> normalize_id(" 47569637 ")
    '47569637'
    >>> normalize_id(1004.0)
    '1004'
    """
    if isinstance(value, bool):
        pass  # True/False are ints to Python but never ids
    elif isinstance(value, numbers.Integral):
        number = int(value)
        if number >= _LARGEST:
            raise _int_too_long(number)
        if number >= 0:
            return str(number)
    elif isinstance(value, numbers.Real):
        real = float(value)
        if math.isfinite(real) and real >= _LARGEST:
            raise _int_too_long(int(real))
        if math.isfinite(real) and real >= 0 and real.is_integer():
            return str(int(real))
    elif isinstance(value, str | bytes):
        text = value.decode("utf-8", "replace") if isinstance(value, bytes) else value
        text = text.strip()
        # "1004.0" is how a spreadsheet float often arrives as text
        match = _DIGITS.fullmatch(text) or _FLOAT_TEXT.fullmatch(text)
        if match:
            digits = match[1] if match.re is _FLOAT_TEXT else text
            if len(digits) > MAX_ID_DIGITS:
                raise _too_long(digits)
            return digits
    if _is_blank(value):
        raise InvalidProspectId(
            "A blank cell is not a prospect id.",
            prospect_id="",
            hint="Fill in the id or remove the row from your id list; nothing was sent.",
        )
    raise InvalidProspectId(
        f"{_shown(repr, value)} is not a valid prospect id: Knock ids are whole numbers "
        "written with digits only.",
        prospect_id=_shown(str, value),
        hint="Fix or remove it in your id list; it was not sent to Knock.",
    )


def _shown(write: Any, value: Any, limit: int = 60) -> str:
    """``write(value)`` cut to ``limit`` characters; a placeholder for an int too long to
    write out at all (past 4,300 digits Python refuses)."""
    try:
        text = str(write(value))
    except ValueError:
        return f"<an integer of about {_approximate_digits(value):,} digits>"
    return text if len(text) <= limit else f"{text[: limit - 3]}..."


def _approximate_digits(number: int) -> int:
    """About how many digits an int has, without writing it out."""
    return int(abs(number).bit_length() * math.log10(2)) + 1


def _int_too_long(number: int) -> InvalidProspectId:
    try:
        text = str(number)
    except ValueError:  # past 4,300 digits Python refuses to write an int out at all
        return _too_long(None, f"about {_approximate_digits(number):,} digits")
    return _too_long(text)


def _too_long(text: str | None, count: str | None = None) -> InvalidProspectId:
    """The error for an id longer than a Knock id can be (``text``: its digits, if known)."""
    count = count or f"{len(text or ''):,} digits"
    shown = text if text is None or len(text) <= 24 else f"{text[:24]}..."
    return InvalidProspectId(
        f"{shown or 'A number'} is not a valid prospect id: it has {count}, and a Knock id "
        f"has at most {MAX_ID_DIGITS}.",
        prospect_id=shown or f"<a number of {count}>",
        hint="Check the id column: it holds something else than Knock ids. Nothing was sent "
        "for this one.",
    )


@dataclass(frozen=True)
class NormalizedIds:
    """Ids ready to send, and what was refused.

    ``ids`` holds each valid id once, in order of first appearance; ``invalid`` holds
    ``(position, error)`` pairs for the values that are not ids.
    """

    ids: list[str]
    invalid: list[tuple[int, InvalidProspectId]]
    positions: dict[str, int]


def normalize_ids(values: Iterable[Any]) -> NormalizedIds:
    """Normalise many ids at once: each valid id once, in input order; invalid ones apart.

    Examples
    --------
    >>> normalize_ids([1004, "1004", " 7 ", "x"]).ids
    ['1004', '7']
    """
    if isinstance(values, str | bytes | numbers.Integral):
        values = [values]  # one id, not its characters
    elif hasattr(values, "columns"):  # a DataFrame iterates over its column names
        raise TypeError(
            "Expected prospect ids, got a whole table: pass its id column "
            "(df['prospect_id']) or read_ids(df), which finds it."
        )
    elif not isinstance(values, Iterable) or isinstance(values, Mapping):
        raise TypeError(
            f"Expected a list (or other iterable) of prospect ids, got {type(values).__name__}"
            f" {values!r:.60}. For one prospect use KnockClient.get_prospect(id); for a file,"
            " read_ids(path)."
        )
    positions: dict[str, int] = {}
    invalid: list[tuple[int, InvalidProspectId]] = []
    for position, value in enumerate(values):
        # Fast path for the common case: clean digit strings.
        if (
            type(value) is str
            and value.isascii()
            and value.isdigit()
            and len(value) <= MAX_ID_DIGITS
        ):
            key = value
        else:
            try:
                key = normalize_id(value)
            except InvalidProspectId as error:
                # Say where it is: a blank or a typo is found by its row, not its value.
                error.message = f"Item {position + 1:,} of the input: {error.message}"
                invalid.append((position, error))
                continue
        positions.setdefault(key, position)
    return NormalizedIds(ids=list(positions), invalid=invalid, positions=positions)


def _is_blank(value: Any) -> bool:
    """An empty cell: a missing value (None, NaN, NaT, NA) or text that is only whitespace."""
    if isinstance(value, str):
        return not value.strip()
    return is_missing(value)


def _as_text(value: Any) -> str:
    """A cell as text: ids normalised where they are valid, anything else kept for the error."""
    try:
        return normalize_id(value)
    except InvalidProspectId:
        return value.strip() if isinstance(value, str) else str(value)


def _pick_column(columns: list[str], column: str | None, where: str) -> str:
    if column is not None:
        if column not in columns:
            raise ConfigurationError(
                f"No column {column!r} in {where}.", hint=f"Its columns are {columns}."
            )
        return column
    if len(columns) == 1:
        return columns[0]
    by_key: dict[str, list[str]] = {}
    for name in columns:
        by_key.setdefault(re.sub(r"[^a-z0-9]", "", str(name).lower()), []).append(name)
    for wanted in _ID_COLUMNS:
        found = by_key.get(wanted, [])
        if len(found) == 1:
            return found[0]
    raise ConfigurationError(
        f"Cannot tell which column of {where} holds the prospect ids.",
        hint=f"Pass column=... with one of {columns}.",
    )


def _from_frame(frame: Any, column: str | None, where: str) -> list[Any]:
    name = _pick_column([str(c) for c in frame.columns], column, where)
    original = next(c for c in frame.columns if str(c) == name)
    return list(frame[original])


def _inner_lines(path: Path) -> list[str]:
    """The file's lines without the blank ones before the first and after the last text.

    A blank line between two ids is kept: in a one-column CSV that is how a spreadsheet
    writes an empty cell, an id someone lost, to be reported rather than skipped.
    """
    lines = path.read_text(encoding="utf-8-sig", errors="replace").splitlines()
    kept = [i for i, line in enumerate(lines) if line.strip()]
    return lines[kept[0] : kept[-1] + 1] if kept else []


def _read_csv(path: Path, column: str | None) -> list[Any]:
    import io

    import pandas as pd

    sep = "\t" if path.suffix.lower() == ".tsv" else ","
    text = "\n".join(_inner_lines(path))
    if not text:
        return []
    # dtype=str keeps ids exactly as written (no float conversion, no lost leading zeros).
    options: dict[str, Any] = {
        "dtype": str,
        "sep": sep,
        "keep_default_na": False,
        "skip_blank_lines": False,
    }
    frame = pd.read_csv(io.StringIO(text), **options)
    if frame.shape[1] == 1 and column is None and _DIGITS.fullmatch(str(frame.columns[0]).strip()):
        # No header: the first line is already an id.
        frame = pd.read_csv(io.StringIO(text), header=None, names=["id"], **options)
    return _from_frame(frame, column, str(path))


def _read_excel(path: Path, column: str | None) -> list[Any]:
    try:
        import openpyxl
    except ImportError as error:  # pragma: no cover - depends on the installed extras
        raise ConfigurationError(
            f"Reading {path.name} needs openpyxl.",
            hint="Install it with: pip install 'knock-data[excel]'.",
        ) from error
    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        rows = [list(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]
    finally:
        workbook.close()
    # Blank rows around the data are not rows; a blank one inside it is an empty id cell.
    filled = [i for i, row in enumerate(rows) if not all(_is_blank(v) for v in row)]
    rows = rows[filled[0] : filled[-1] + 1] if filled else []
    if not rows:
        return []
    header = rows[0]
    headerless = sum(1 for v in header if not _is_blank(v)) == 1 and column is None
    if headerless:
        try:
            normalize_id(next(v for v in header if not _is_blank(v)))
        except InvalidProspectId:
            headerless = False
    if headerless:
        index = next(i for i, v in enumerate(header) if not _is_blank(v))
        return [row[index] if index < len(row) else None for row in rows]
    names = [str(v) if not _is_blank(v) else f"column {i + 1}" for i, v in enumerate(header)]
    index = names.index(_pick_column(names, column, str(path)))
    return [row[index] if index < len(row) else None for row in rows[1:]]


def _read_text(path: Path) -> list[Any]:
    return [line.strip() for line in _inner_lines(path)]


def read_ids(source: Any, column: str | None = None) -> list[str]:
    """Read prospect ids from a file, a pandas object or any iterable.

    Parameters
    ----------
    source
        A path to a CSV/TSV file, an Excel workbook (``.xlsx``, needs the ``excel`` extra:
        ``pip install 'knock-data[excel]'``) or a text file with one id per line; a pandas
        Series or DataFrame; or any iterable of ids.
    column
        The column holding the ids. By default ``prospect_id``, ``prospectId`` or ``id``
        (in any case), or the only column there is.

    Returns
    -------
    list of str
        One entry per row, in file order, duplicates kept; blank lines and rows before
        the first id and after the last are skipped. Valid ids come back normalised
        (``1004.0`` is ``"1004"``); anything else is kept as text, a blank or missing cell
        as ``""``, so that
        :meth:`KnockClient.fetch_prospects` reports it as an ``invalid_id`` error and no
        row is lost without a word.

    Raises
    ------
    ConfigurationError
        When the id column is missing or cannot be told apart (the message lists the columns).
    FileNotFoundError
        When the file does not exist.

    Examples
    --------
    >>> read_ids([1004.0, " 47569637 ", None, "51316"])
    ['1004', '47569637', '', '51316']
    """
    if isinstance(source, str | os.PathLike):
        path = Path(source).expanduser()
        if not path.is_file():
            raise FileNotFoundError(f"No id file at {path}.")
        suffix = path.suffix.lower()
        if suffix in _CSV_SUFFIXES:
            values = _read_csv(path, column)
        elif suffix in _EXCEL_SUFFIXES:
            values = _read_excel(path, column)
        elif suffix == ".xls":
            raise ConfigurationError(
                f"{path.name} is an old .xls workbook.",
                hint="Save it as .xlsx or .csv from your spreadsheet program and read that.",
            )
        else:
            values = _read_text(path)
    else:
        import pandas as pd

        if isinstance(source, pd.DataFrame):
            values = _from_frame(source, column, "the DataFrame")
        elif isinstance(source, pd.Series | pd.Index):
            values = source.tolist()
        else:
            values = list(source)
    return ["" if _is_blank(v) else _as_text(v) for v in values]
