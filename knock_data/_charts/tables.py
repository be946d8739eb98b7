"""A table as a report shows it: the words of the charts, in a frame of text.

The analysis returns frames for computing (raw column names, ``<NA>``, shares as
fractions); :func:`report_table` turns one into what a reader pastes into a report, with
the same labels the charts and the dashboard use.
"""

from __future__ import annotations

import re

import pandas as pd

from knock_data._charts.labels import label_of, value_label, value_names
from knock_data._exceptions import WrongArgumentType
from knock_data._schema import NAME_COLUMNS, STATUS, is_missing

__all__ = ["report_table"]

_SHARE = re.compile(r"(^|_)(share|conversion|rate)(_|$)")


def report_table(table: pd.DataFrame) -> pd.DataFrame:
    """A breakdown, funnel or any frame, made ready to paste into a report.

    The same words as the charts: columns by their labels (``source_title`` is
    "Source"), missing values by their column's missing label (``(no source)``), Knock's
    status labels, capitalised stages and consent answers, names instead of ids where the
    table has both (``community_name`` beside ``community_id``), shares as percentages
    (``12.3%``) and counts with thousands separators. A named index (``leads_over_time``'s
    periods) becomes the first column.

    Parameters
    ----------
    table
        A frame from the analysis (``status_breakdown``, ``funnel``, ``leads_over_time``...)
        or a prospect frame.

    Returns
    -------
    pandas.DataFrame
        A new frame of text, for reading: compute on ``table`` itself.

    Examples
    --------
    >>> import pandas as pd
    >>> import knock_data as kd
    >>> df = pd.DataFrame({"source_title": ["Zillow", None, "Zillow", "Yelp"]})
    >>> kd.report_table(kd.source_breakdown(df))
            Source Count  Share
    0       Zillow     2  50.0%
    1         Yelp     1  25.0%
    2  (no source)     1  25.0%
    """
    if not isinstance(table, pd.DataFrame):
        raise WrongArgumentType(
            f"report_table needs a pandas DataFrame, got {type(table).__name__}.",
            hint="Pass a table from the analysis, such as kd.status_breakdown(df).",
        )
    frame = table
    index_names = {str(name) for name in frame.index.names if name is not None}
    if index_names:
        frame = frame.reset_index()
    by = frame.columns.name
    # A transitions matrix: its rows and columns are stages (or statuses), shown as such.
    level = table.attrs.get("level") if (index_names, by) == ({"from"}, "to") else None
    columns: dict[str, pd.Series] = {}
    for column in frame.columns:
        name = str(column)
        if NAME_COLUMNS.get(name) in frame.columns:
            continue  # the names follow: a reader wants them, not the ids
        if level is not None and name not in index_names:
            header = _moved_label(level, column)
        elif by is not None and name not in index_names:  # a value of by: leads_over_time's
            header = value_label(by, column, value_names(table, by))
        else:
            header = label_of(name)
        if level is not None and name == "from":
            cells = pd.Series([_moved_label(level, v) for v in frame[column]], dtype=object)
        else:
            cells = _cells(name, frame[column])
        columns[_distinct(header, columns)] = cells
    return pd.DataFrame(columns)


def _moved_label(level: str, value: object) -> str:
    """A transitions row or column: a stage or status by its label, ``(created)`` as is."""
    text = str(value)
    return text if text.startswith("(") else value_label(level, value)


def _distinct(header: str, taken: dict[str, pd.Series]) -> str:
    candidate, n = header, 2
    while candidate in taken:
        candidate = f"{header} ({n})"
        n += 1
    return candidate


def _cells(name: str, values: pd.Series) -> pd.Series:
    dtype = values.dtype
    if pd.api.types.is_bool_dtype(dtype):
        text = [("" if is_missing(v) else "Yes" if v else "No") for v in values.astype(object)]
    elif pd.api.types.is_float_dtype(dtype) and _SHARE.search(name):
        text = ["" if is_missing(v) else f"{v:.1%}" for v in values.astype(object)]
    elif pd.api.types.is_integer_dtype(dtype):
        text = ["" if is_missing(v) else f"{int(v):,}" for v in values.astype(object)]
    elif pd.api.types.is_float_dtype(dtype):
        text = ["" if is_missing(v) else f"{v:,.2f}".rstrip("0").rstrip(".") for v in values]
    elif isinstance(dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(dtype):
        text = ["" if is_missing(v) else str(v) for v in values]
    elif name == "statuses":  # the funnel's raw statuses, as Knock labels them
        text = [
            ""
            if is_missing(v)
            else ", ".join(value_label(STATUS, s) for s in str(v).split(", ") if s)
            for v in values.astype(object)
        ]
    else:
        text = [value_label(name, v) for v in values.astype(object)]
    return pd.Series(text, dtype=object)
