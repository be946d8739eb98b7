"""Leads created per day, week, month, quarter or year, overall or split by a column."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd

from knock_data._analysis._codes import factorize, recode, sort_order
from knock_data._analysis.periods import (
    PERIODS,
    local_created,
    partial_periods,
    period_codes,
    period_name,
    time_zone,
)
from knock_data._exceptions import ConfigurationError
from knock_data._schema import MISSING, is_missing, missing_label

__all__ = ["MISSING_LABEL", "leads_over_time"]

#: The label of a missing value in a column the table of missing labels does not list
#: (``knock_data._schema.MISSING``); ``leads_over_time(..., by=...)`` names the column of
#: rows whose ``by`` is missing by that column's own label (``"(no source)"``...).
MISSING_LABEL = MISSING


def leads_over_time(
    df: pd.DataFrame,
    freq: str = "W",
    by: str | None = None,
    tz: str | None = None,
    *,
    span: Sequence[Any] | None = None,
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
        the column named by that column's missing label, such as ``"(no source)"``).
    tz
        The time zone whose calendar defines the periods: UTC by default, an IANA name such
        as ``"America/Chicago"`` (a Sunday-evening lead in Texas is Monday in UTC), or
        ``"community"`` for each lead's own community's zone (``community_timezone``, from
        :func:`knock_data.with_names`).
    span
        ``(first, last)``: the days the data covers (dates, timestamps or ISO strings, in
        ``tz``). A period reaching outside them is partial. Default: from the first lead's
        day to the last lead's day.

    Returns
    -------
    pandas.DataFrame
        Indexed by a ``PeriodIndex`` named ``period`` covering every period from the first
        lead to the last (0 where none); one column ``leads``, or one per ``by`` value in
        that column's order. ``attrs`` holds:

        - ``"partial"``: the periods the data covers only in part (a month whose data
          starts on the 20th, the week still running), first and last at most; a chart
          draws them apart, since their counts are not comparable with the others';
        - ``"tz"``: the zone, ``"undated"``: rows without ``created_at`` (in no period),
          and with ``tz="community"`` ``"no_timezone"``: rows whose community has no zone
          (counted in UTC).

    Examples
    --------
    >>> import pandas as pd
    >>> import knock_data as kd
    >>> df = pd.DataFrame({"created_at": pd.to_datetime(["2026-03-02T01:00:00Z"], utc=True)})
    >>> utc, texas = kd.leads_over_time(df, "D"), kd.leads_over_time(df, "D", tz="America/Chicago")
    >>> utc.index[0], texas.index[0]
    (Period('2026-03-02', 'D'), Period('2026-03-01', 'D'))
    >>> kd.leads_over_time(df, "M").attrs["partial"]
    [Period('2026-03', 'M')]
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
    local = local_created(df, zone, what)
    codes, periods, missing = period_codes(df, period, zone, what, local)
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
        labels = [missing_label(by) if is_missing(v) else v for v in g_uniques.take(order)]
        n = len(labels)
        matrix = np.bincount(
            slot[row_dated] * n + g_codes[row_dated], minlength=len(full) * n
        ).reshape(len(full), n)
        result = pd.DataFrame(
            matrix.astype(np.int64), index=full, columns=pd.Index(labels, name=by)
        )
    days = local.days()[row_dated]
    covered = _span(span, what) or (
        (days.min().astype(object), days.max().astype(object)) if len(days) else None
    )
    if covered is None:
        result.attrs["partial"] = []
    else:
        first, last = (pd.Timestamp(day) for day in covered)
        marked = partial_periods(full, first, last + pd.Timedelta(days=1))
        result.attrs["partial"] = list(full[marked])
    result.attrs["tz"] = zone
    result.attrs["undated"] = int(missing.sum())
    if local.no_zone:
        result.attrs["no_timezone"] = local.no_zone
    return result


def _span(span: Sequence[Any] | None, what: str) -> tuple[date, date] | None:
    if span is None:
        return None
    if isinstance(span, str) or not isinstance(span, Sequence) or len(span) != 2:
        raise ConfigurationError(
            f"{what}: span must be a (first, last) pair of days, got {span!r}.",
            hint="For example span=('2021-01-01', '2021-06-30').",
        )
    days = []
    for bound in span:
        if isinstance(bound, date) and not isinstance(bound, datetime):
            days.append(bound)
            continue
        try:
            stamp = pd.Timestamp(bound)
        except (ValueError, TypeError) as exc:
            raise ConfigurationError(
                f"{what}: span bound {bound!r} is not a date.",
                hint="Use dates, timestamps or ISO strings such as '2021-01-31'.",
            ) from exc
        if stamp is pd.NaT:
            raise ConfigurationError(f"{what}: span bound {bound!r} is not a date.")
        days.append(stamp.date())
    first, last = days
    if first > last:
        raise ConfigurationError(f"{what}: span starts after it ends: {tuple(span)!r}.")
    return first, last
