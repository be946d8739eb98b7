"""Leads created per day, week, month, quarter or year, overall or split by a column."""

from __future__ import annotations

from collections.abc import Hashable

import numpy as np
import pandas as pd

from knock_data._analysis._codes import factorize, recode, sort_order
from knock_data._analysis.periods import PERIODS, period_codes, period_name, time_zone
from knock_data._exceptions import ConfigurationError
from knock_data._schema import is_missing

__all__ = ["MISSING_LABEL", "leads_over_time"]

#: The column of ``leads_over_time(..., by=...)`` that counts rows whose ``by`` is missing.
MISSING_LABEL = "(missing)"


def leads_over_time(
    df: pd.DataFrame, freq: str = "W", by: str | None = None, tz: str | None = None
) -> pd.DataFrame:
    """Leads created per day, week, month, quarter or year.

    Parameters
    ----------
    df
        A prospect frame (see :func:`knock_data.to_frame`).
    freq
        ``"D"``/``"day"``, ``"W"``/``"week"`` (Monday to Sunday), ``"M"``/``"month"``,
        ``"Q"``/``"quarter"`` or ``"Y"``/``"year"``.
    by
        A column to split the counts by (one output column per value; a missing value is
        the column ``"(missing)"``, :data:`MISSING_LABEL`).
    tz
        The time zone whose calendar defines the periods: UTC by default, or an IANA name
        such as ``"America/Chicago"`` (a Sunday-evening lead in Texas is Monday in UTC).

    Returns
    -------
    pandas.DataFrame
        Indexed by a ``PeriodIndex`` named ``period`` covering every period from the first
        lead to the last (0 where none); one column ``leads``, or one per ``by`` value in
        that column's order. ``attrs["tz"]`` holds the zone and ``attrs["undated"]`` the
        number of rows without ``created_at`` (not placed in any period).

    Examples
    --------
    >>> import pandas as pd
    >>> import knock_data as kd
    >>> df = pd.DataFrame({"created_at": pd.to_datetime(["2026-03-02T01:00:00Z"], utc=True)})
    >>> utc, texas = kd.leads_over_time(df, "D"), kd.leads_over_time(df, "D", tz="America/Chicago")
    >>> utc.index[0], texas.index[0]
    (Period('2026-03-02', 'D'), Period('2026-03-01', 'D'))
    """
    what = "leads_over_time"
    period = period_name(freq)
    zone = time_zone(tz)
    freq_code = PERIODS[period]
    if by is not None and (not isinstance(by, Hashable) or by not in df.columns):
        raise ConfigurationError(
            f"{what}: unknown by={by!r}.",
            hint=f"Split by a column of the frame: {', '.join(map(str, df.columns))}.",
        )
    codes, periods, missing = period_codes(df, period, zone, what)
    row_dated = ~missing
    if len(periods):
        full = pd.period_range(periods[0], periods[-1], freq=freq_code)
        position = periods.asi8 - full.asi8[0]
        slot = position[codes]
    else:
        full = pd.PeriodIndex([], freq=freq_code)
        slot = np.zeros(len(codes), dtype=np.int64)
    full = full.rename("period")
    if by is None:
        counts = np.bincount(slot[row_dated], minlength=len(full))
        result = pd.DataFrame({"leads": counts.astype(np.int64)}, index=full)
    else:
        g_codes, g_uniques = factorize(df[by])
        order = sort_order(g_uniques)
        g_codes = recode(g_codes, order)
        labels = [MISSING_LABEL if is_missing(v) else v for v in g_uniques.take(order)]
        n = len(labels)
        matrix = np.bincount(
            slot[row_dated] * n + g_codes[row_dated], minlength=len(full) * n
        ).reshape(len(full), n)
        result = pd.DataFrame(
            matrix.astype(np.int64), index=full, columns=pd.Index(labels, name=by)
        )
    result.attrs["tz"] = zone
    result.attrs["undated"] = int(missing.sum())
    return result
