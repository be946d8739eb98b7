"""Write frames to an Excel workbook: typed cells, one sheet per frame, never a formula.

openpyxl (the ``excel`` extra) writes the file in its streaming, write-only mode. Every
text cell is written as text: openpyxl would otherwise store a string starting with ``=``
as a formula and ``#N/A`` as an error, so a prospect who typed ``=HYPERLINK(...)`` into a
web form would run it. Typed cells need no apostrophe, so text looks exactly as fetched.

What depends on openpyxl's internals: a cell's ``data_type`` is set to ``"s"`` after its
value (``Cell._bind_value`` infers ``"f"`` and ``"e"`` from the text), and a prepared
``Cell`` passes through ``WriteOnlyWorksheet.append`` unchanged. Both hold for openpyxl 3.1;
``tests/unit/test_excel.py`` reads every cell back and fails if either stops holding.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from knock_data._exceptions import ConfigurationError, WrongArgumentType
from knock_data._frame.export import (
    _check_frame,
    _open_target,
    _refuse_link,
    _target,
    apply_pii,
)
from knock_data._schema import is_missing

__all__ = ["MAX_ROWS", "export_excel", "sheet_name"]

#: Rows a sheet holds besides its header (Excel's limit is 1,048,576 rows in all).
MAX_ROWS = 1_048_575
_MAX_TEXT = 32_767  # characters in one cell
_MAX_WIDTH = 60.0
_SAMPLE = 2_000  # rows looked at to size a column
# Characters XML 1.0 cannot hold (openpyxl refuses them): shown as U+FFFD.
_ILLEGAL = re.compile(r"[\000-\010\013\014\016-\037]")
_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")
_DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
_DATE_FORMAT = "yyyy-mm-dd"
_PERCENT_FORMAT = "0.0%"
_SHARE_NAMES = re.compile(r"(^|_)(share|conversion|rate)(_|$)")


@dataclass(frozen=True)
class _Column:
    """One column as the workbook holds it: cell values, a number format, a width."""

    header: str
    values: list[Any]
    number_format: str | None
    text: bool  # text cells, written as text whatever they start with
    width: float


def export_excel(
    frame_or_dict_of_frames: pd.DataFrame | Mapping[str, pd.DataFrame],
    path: str | os.PathLike[str],
    *,
    pii: str = "keep",
) -> Path:
    """Write one frame, or several as named sheets, to an ``.xlsx`` workbook.

    Made to be opened by a person: each column keeps its type, so dates sort as dates and
    zips keep their leading zeros, and no cell is ever a formula, whatever a prospect
    typed into a web form. Needs ``pip install 'knock-data[excel]'`` (openpyxl).

    Parameters
    ----------
    frame_or_dict_of_frames
        A frame (one sheet, named after the file) or ``{sheet name: frame}`` (one sheet per
        frame, in order; names are made valid for Excel: at most 31 characters, none of
        ``[]:*?/\\``, each distinct).
    path
        The ``.xlsx`` file to write; missing parent directories are created.
    pii
        ``"keep"`` (default), ``"mask"`` or ``"drop"`` the personal-data columns, as
        :func:`knock_data.export_csv` does.

    Returns
    -------
    pathlib.Path
        The file written.

    Raises
    ------
    knock_data.ConfigurationError
        openpyxl is not installed, ``pii`` is not a choice, a frame has more rows than a
        sheet holds, a text is longer than a cell holds, or ``path`` is a symbolic link.

    Notes
    -----
    - **Types**: timestamps are Excel date-times in UTC (``yyyy-mm-dd hh:mm:ss``; Excel has
      no time zones), calendar days (``move_date``) dates, booleans TRUE/FALSE, whole
      numbers and amounts numbers, shares (``share``, ``share_of_leads``,
      ``step_conversion``) percentages; ids, zips, phones and every other text are text.
      Missing values are empty cells.
    - **Never a formula**: every text cell is stored as text, so ``=1+2``, ``@SUM(A1)``,
      ``-2+3`` or ``#N/A`` show as typed and an email such as ``-23.johnson@example.org``
      needs no leading apostrophe. Characters XML cannot hold (control characters other
      than tab and line breaks) show as ``\ufffd``.
    - **Reading**: a bold, frozen header row with an autofilter, columns sized to their
      contents (up to 60 characters), and the frame's index as first columns when it is
      named (``leads_over_time``'s ``period``). Periods are the date they start (a week its
      Monday), quarters text such as ``2021Q1``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import knock_data as kd
    >>> df = kd.to_frame(kd.sandbox.generate_prospects(20))
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "prospects.xlsx"
    >>> kd.export_excel({"prospects": df, "by status": kd.status_breakdown(df)}, out).name
    'prospects.xlsx'
    >>> from openpyxl import load_workbook
    >>> load_workbook(out).sheetnames
    ['prospects', 'by status']
    """
    try:
        from openpyxl import Workbook
    except ImportError as exc:
        raise ConfigurationError(
            "export_excel needs openpyxl, which is not installed.",
            hint="Install it with: pip install 'knock-data[excel]'",
        ) from exc
    out = _target(path)
    sheets = _sheets(frame_or_dict_of_frames, out)
    frames = {name: apply_pii(_with_index(frame), pii) for name, frame in sheets.items()}
    if out.is_symlink():  # refused before any work; _open_target refuses it for good
        raise _refuse_link(out)
    workbook = Workbook(write_only=True)
    used: set[str] = set()
    for name, frame in frames.items():
        _write_sheet(workbook.create_sheet(sheet_name(name, used)), frame, name)
    with _open_target(out) as handle:  # never through a symbolic link
        workbook.save(handle)
    return out


def sheet_name(name: object, used: set[str]) -> str:
    """``name`` as Excel accepts a sheet's name, distinct from those in ``used`` (updated).

    Examples
    --------
    >>> used = set()
    >>> sheet_name("Leads: by [source]", used), sheet_name("leads_ by _source_", used)
    ('Leads_ by _source_', 'leads_ by _source_ (2)')
    """
    text = _SHEET_BAD.sub("_", str(name)).strip().strip("'") or "Sheet"
    if text.lower() == "history":  # Excel keeps this name for itself
        text = "History_"
    text = text[:31]
    candidate, n = text, 2
    while candidate.lower() in used:
        suffix = f" ({n})"
        candidate = text[: 31 - len(suffix)] + suffix
        n += 1
    used.add(candidate.lower())
    return candidate


# --- the sheets ----------------------------------------------------------------------------


def _sheets(frames: Any, out: Path) -> dict[str, pd.DataFrame]:
    if isinstance(frames, pd.DataFrame):
        return {out.stem or "Sheet": frames}
    if isinstance(frames, Mapping) and frames:
        for name, frame in frames.items():
            if not isinstance(frame, pd.DataFrame):
                raise WrongArgumentType(
                    f"export_excel: sheet {name!r} is a {type(frame).__name__}, not a DataFrame.",
                    hint="Pass a frame, or a dict of sheet name to frame.",
                )
        return {str(name): frame for name, frame in frames.items()}
    raise WrongArgumentType(
        f"export_excel needs a DataFrame or a non-empty dict of them, got {type(frames).__name__}.",
        hint='For example kd.export_excel({"prospects": df, "errors": result.errors}, path).',
    )


def _with_index(frame: pd.DataFrame) -> pd.DataFrame:
    frame = _check_frame(frame, "export_excel")
    if any(name is not None for name in frame.index.names):
        frame = frame.reset_index()
    if isinstance(frame.columns, pd.MultiIndex):
        frame = frame.set_axis([" / ".join(map(str, c)) for c in frame.columns], axis=1)
    return frame


def _write_sheet(sheet: Any, frame: pd.DataFrame, name: str) -> None:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    if len(frame) > MAX_ROWS:
        raise ConfigurationError(
            f"export_excel: sheet {name!r} has {len(frame):,} rows; an Excel sheet holds "
            f"{MAX_ROWS:,} below its header.",
            hint="Split the frame over several sheets, or write it with kd.to_parquet or "
            "kd.export_csv.",
        )
    columns = [_column(str(header), frame[header], name) for header in frame.columns]
    # Everything about the layout goes before the first row in write-only mode.
    for i, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = column.width
    sheet.freeze_panes = "A2"
    if columns:
        last = get_column_letter(len(columns))
        sheet.auto_filter.ref = f"A1:{last}{len(frame) + 1}"

    bold = Font(bold=True)
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, _cell_text(column.header, column.header, -1, name))
        cell.data_type = "s"
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    cells = [_cells(sheet, column) for column in columns]
    for row in zip(*cells, strict=True):
        sheet.append(row)


def _cells(sheet: Any, column: _Column) -> list[Any]:
    """What goes into the rows for ``column``: plain values, or prepared cells where needed.

    A text becomes a cell forced to text only when openpyxl would read it otherwise (a
    leading ``=``, an error code such as ``#N/A``); a value with a number format becomes a
    cell carrying it. Everything else is passed as it is, which is several times faster.
    """
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ERROR_CODES

    if column.text:
        out: list[Any] = []
        for value in column.values:
            if value is not None and (value.startswith("=") or value in ERROR_CODES):
                cell = WriteOnlyCell(sheet, value)
                cell.data_type = "s"  # after the value: never a formula, never an error
                out.append(cell)
            else:
                out.append(value)
        return out
    if column.number_format is None:
        return column.values
    formatted: list[Any] = []
    for value in column.values:
        if value is None:
            formatted.append(None)
            continue
        cell = WriteOnlyCell(sheet, value)
        cell.number_format = column.number_format
        formatted.append(cell)
    return formatted


# --- one column ----------------------------------------------------------------------------


def _column(header: str, series: pd.Series, sheet: str) -> _Column:
    """The cells of one column, by its dtype."""
    dtype = series.dtype
    if isinstance(dtype, pd.PeriodDtype):
        return _periods(header, series)
    if isinstance(dtype, pd.DatetimeTZDtype):
        naive = series.dt.tz_convert("UTC").dt.tz_localize(None)
        return _dates(header, naive, _DATETIME_FORMAT, 19)
    if pd.api.types.is_datetime64_dtype(dtype):
        present = series.dropna()
        days_only = bool((present == present.dt.normalize()).all())
        if days_only:
            values = [None if is_missing(v) else v.date() for v in series]
            return _Column(header, values, _DATE_FORMAT, False, _width(header, 10))
        return _dates(header, series, _DATETIME_FORMAT, 19)
    if pd.api.types.is_bool_dtype(dtype):
        values = [None if is_missing(v) else bool(v) for v in series.astype(object)]
        return _Column(header, values, None, False, _width(header, 6))
    if pd.api.types.is_integer_dtype(dtype):
        values = [None if is_missing(v) else int(v) for v in series.astype(object)]
        return _Column(header, values, "#,##0", False, _width(header, _digits(values)))
    if pd.api.types.is_float_dtype(dtype):
        values = [
            None if is_missing(v) or not np.isfinite(v) else float(v) for v in series.astype(object)
        ]
        if _SHARE_NAMES.search(header):
            return _Column(header, values, _PERCENT_FORMAT, False, _width(header, 7))
        whole = all(v is None or v == int(v) for v in values)
        number_format = "#,##0" if whole else "#,##0.00"
        return _Column(header, values, number_format, False, _width(header, _digits(values) + 3))
    texts = [
        None if is_missing(v) else _cell_text(str(v), header, i, sheet)
        for i, v in enumerate(series.astype(object))
    ]
    sample = [len(t) for t in texts[:_SAMPLE] if t is not None]
    longest = float(np.percentile(sample, 95)) if sample else 0.0
    return _Column(header, texts, None, True, _width(header, longest))


# How a period's first day is shown; quarters have no Excel format and stay text (2021Q1).
_PERIOD_FORMATS = {"D": "yyyy-mm-dd", "W": "yyyy-mm-dd", "M": "yyyy-mm", "Y": "yyyy"}


def _periods(header: str, series: pd.Series) -> _Column:
    """Days, weeks, months and years as the date they start (sortable, typed); quarters as
    text."""
    code = pd.PeriodIndex(series).freqstr[:1]  # "W-SUN" -> "W", "Q-DEC" -> "Q"
    number_format = _PERIOD_FORMATS.get(code)
    if number_format is None:
        texts = [None if is_missing(v) else str(v) for v in series]
        return _Column(header, texts, None, True, _width(header, 7))
    values = [None if is_missing(v) else v.start_time.date() for v in series]
    return _Column(header, values, number_format, False, _width(header, 10))


def _dates(header: str, naive: pd.Series, number_format: str, width: int) -> _Column:
    values = [None if is_missing(v) else v.to_pydatetime() for v in naive]
    return _Column(header, values, number_format, False, _width(header, width))


def _cell_text(text: str, header: str, position: int, sheet: str) -> str:
    if len(text) > _MAX_TEXT:
        raise ConfigurationError(
            f"export_excel: sheet {sheet!r}, column {header!r}, row {position + 2} holds "
            f"{len(text):,} characters; an Excel cell holds {_MAX_TEXT:,}.",
            hint="Shorten or drop that column, or write the frame with kd.export_csv.",
        )
    return _ILLEGAL.sub("\ufffd", text)


def _digits(values: list[Any]) -> float:
    present = [abs(v) for v in values[:_SAMPLE] if v is not None]
    if not present:
        return 1.0
    largest = max(present)
    negative = any(v < 0 for v in values[:_SAMPLE] if v is not None)
    return len(f"{largest:,.0f}") + (1 if negative else 0)


def _width(header: str, content: float) -> float:
    """A column's width in characters: its header or its content, whichever is wider."""
    return min(max(len(header) + 3.0, content + 2.0), _MAX_WIDTH)
