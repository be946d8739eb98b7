"""This period against the last one and against the same period a year earlier.

Leads (or leads that reached a stage) per created period, each beside the period before and
the period a year before, with the absolute and relative change. The first and last
periods rarely hold a whole period of data (the data starts on the 17th, or was fetched on
the 20th), so they are marked ``partial`` rather than left to read as a drop.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from knock_data._analysis._codes import factorize, recode, require_frame, sort_order
from knock_data._analysis._reach import stages_reached
from knock_data._analysis.grouping import group_names
from knock_data._analysis.periods import (
    PERIODS,
    created_utc,
    partial_periods,
    period_codes,
    period_name,
    time_zone,
)
from knock_data._exceptions import ConfigurationError

__all__ = ["YEAR_AGO", "compare_periods", "partial_periods"]

#: How many periods back "the same period a year earlier" is, per period. A day compares
#: with the same weekday 52 weeks earlier (364 days), so a Monday meets a Monday.
YEAR_AGO: dict[str, int] = {"day": 364, "week": 52, "month": 12, "quarter": 4, "year": 1}


def _local(stamp: object, zone: str, what: str) -> pd.Timestamp:
    try:
        value = pd.Timestamp(stamp)  # type: ignore[arg-type]
    except (ValueError, TypeError) as exc:
        raise ConfigurationError(f"{what}: now={stamp!r} is not a timestamp.") from exc
    if value is pd.NaT:
        raise ConfigurationError(f"{what}: now={stamp!r} is not a timestamp.")
    value = value.tz_localize("UTC") if value.tzinfo is None else value
    return value.tz_convert(zone).tz_localize(None)


def compare_periods(
    frame: pd.DataFrame,
    freq: str = "M",
    *,
    metric: str = "leads",
    by: str | None = None,
    stages: Mapping[str, Any] | None = None,
    tz: str | None = None,
    now: object = None,
) -> pd.DataFrame:
    """Each period against the one before and the same period a year earlier.

    Parameters
    ----------
    frame
        A prospect frame (see :func:`knock_data.to_frame`).
    freq
        The period: ``"D"``/``"day"``, ``"W"``/``"week"``, ``"M"``/``"month"``,
        ``"Q"``/``"quarter"`` or ``"Y"``/``"year"``.
    metric
        ``"leads"``: leads created in the period. A funnel step (``"toured"``,
        ``"leased"``...): leads created in the period that have reached that step by now
        (Knock's Created tab; recent periods have had less time to convert).
    by
        A column to compare within (one series per value, the missing value ``<NA>`` too).
    stages
        Your own status -> stage mapping (see :func:`knock_data.funnel`).
    tz
        The time zone whose calendar defines the periods (default UTC).
    now
        When the data was taken (a timestamp; naive is UTC): periods run up to the one
        holding ``now`` (0 where nothing was created yet), which is partial unless ``now``
        is its very end. By default the data ends with the last lead's day.

    Returns
    -------
    pandas.DataFrame
        One row per period from the first lead's to the last (per ``by`` value), with
        ``[by,] period``, the metric (a column named ``metric``), ``partial`` (the data
        covers only part of this period), ``previous``, ``change``, ``relative_change``
        (``change / previous``), ``previous_partial`` (the previous period is partial, so
        the change is against part of a period), ``year_ago``, ``year_change``,
        ``year_relative_change`` and ``year_ago_partial`` (likewise for the period a year
        earlier). Comparisons before the first period are ``<NA>`` (their ``*_partial``
        is False: there is no base), and a relative change from 0 is ``NaN``. Grouped by
        ``community_id`` or ``agent_username`` on a frame with names (see
        :func:`knock_data.with_names`), the names follow the ids in their own column.
        ``attrs["partial"]`` lists the partial periods, ``attrs["tz"]`` the zone,
        ``attrs["undated"]`` the rows without ``created_at``.
        A year ago is 12 months, 4 quarters, 1 year, 52 weeks, or 364 days back (so that
        a Monday meets a Monday).

    Raises
    ------
    knock_data.ConfigurationError
        An unknown ``freq``, ``metric`` or ``by``, or a ``now`` before the last lead.

    Examples
    --------
    >>> import pandas as pd
    >>> import knock_data as kd
    >>> created = ["2026-01-10", "2026-02-01", "2026-02-14", "2026-03-01", "2026-03-02"]
    >>> df = pd.DataFrame({"created_at": pd.to_datetime(created, utc=True)})
    >>> table = kd.compare_periods(df, "M")
    >>> table[["period", "leads", "partial", "previous", "change", "relative_change"]]
        period  leads  partial  previous  change  relative_change
    0  2026-01      1     True      <NA>    <NA>              NaN
    1  2026-02      2    False         1       1              1.0
    2  2026-03      2     True         2       0              0.0
    """
    require_frame(frame, "compare_periods")
    what = "compare_periods"
    period = period_name(freq)
    zone = time_zone(tz)
    if not isinstance(metric, str):
        raise ConfigurationError(f"{what}: metric must be 'leads' or a funnel step.")
    if by is not None and (not isinstance(by, Hashable) or by not in frame.columns):
        raise ConfigurationError(
            f"{what}: unknown by={by!r}.",
            hint=f"Compare within a column of the frame: {', '.join(map(str, frame.columns))} "
            "(freq= sets the period).",
        )
    if metric == "leads":
        counted = np.ones(len(frame), dtype=bool)
    else:
        counted = stages_reached(frame, [metric], stages, what)[metric]
    codes, seen, missing = period_codes(frame, period, zone, what)
    created = created_utc(frame, what).dt.tz_convert(zone).dt.tz_localize(None)
    freq_code = PERIODS[period]
    dated = ~missing
    if len(seen):
        last_lead = created[dated].max()
        # The data starts with the first lead's day and ends with the last lead's day, or
        # at the moment it was taken.
        start = created[dated].min().normalize()
        end = last_lead.normalize() + pd.Timedelta(days=1)
        if now is not None:
            end = _local(now, zone, what)
            if end < last_lead:
                raise ConfigurationError(
                    f"{what}: now={now!r} is before the last lead ({last_lead} {zone}).",
                    hint="now= is when the data was taken; leave it out to end with the "
                    "last lead's day.",
                )
        last_period = pd.Period(end - pd.Timedelta(microseconds=1), freq=freq_code)
        full = pd.period_range(seen[0], max(last_period, seen[-1]), freq=freq_code)
        slot = (seen.asi8 - full.asi8[0])[codes]
        partial = partial_periods(full, start, end)
    else:
        full = pd.PeriodIndex([], freq=freq_code)
        slot = np.zeros(len(codes), dtype=np.int64)
        partial = np.zeros(0, dtype=bool)

    if by is None:
        g_codes = np.zeros(len(frame), dtype=np.int64)
        groups: pd.Index | None = None
    else:
        g_codes, uniques = factorize(frame[by])
        order = sort_order(uniques)
        g_codes = recode(g_codes, order)
        groups = uniques.take(order)
    n_groups = 1 if groups is None else len(groups)
    n_periods = len(full)
    keep = dated & counted
    values = np.bincount(
        g_codes[keep] * n_periods + slot[keep], minlength=n_groups * n_periods
    ).reshape(n_groups, n_periods)

    def back(lag: int) -> np.ndarray:
        shifted = np.full(values.shape, np.nan)
        if lag < n_periods:
            shifted[:, lag:] = values[:, : n_periods - lag]
        return shifted

    previous, year_ago = back(1), back(YEAR_AGO[period])

    def base_partial(lag: int) -> np.ndarray:
        """Whether the period ``lag`` back is partial (False where there is none)."""
        shifted = np.zeros(n_periods, dtype=bool)
        if lag < n_periods:
            shifted[lag:] = partial[: n_periods - lag]
        return np.tile(shifted, n_groups)

    with np.errstate(invalid="ignore", divide="ignore"):
        relative = (values - previous) / np.where(previous == 0, np.nan, previous)
        year_relative = (values - year_ago) / np.where(year_ago == 0, np.nan, year_ago)

    def counts(matrix: np.ndarray) -> pd.arrays.IntegerArray:
        flat = matrix.reshape(-1)
        absent = np.isnan(flat)
        return pd.arrays.IntegerArray(np.nan_to_num(flat).astype(np.int64), absent)

    data: dict[str, Any] = {}
    if groups is not None:
        repeat = np.repeat(np.arange(n_groups), n_periods)
        data[str(by)] = groups.take(repeat)
        for name, column in group_names(frame, str(by), groups).items():
            data[name] = column.take(repeat)
    data["period"] = full.take(np.tile(np.arange(n_periods), n_groups))
    data[metric] = values.reshape(-1).astype(np.int64)
    data["partial"] = np.tile(partial, n_groups)
    data["previous"] = counts(previous)
    data["change"] = counts(values - previous)
    data["relative_change"] = relative.reshape(-1)
    data["previous_partial"] = base_partial(1)
    data["year_ago"] = counts(year_ago)
    data["year_change"] = counts(values - year_ago)
    data["year_relative_change"] = year_relative.reshape(-1)
    data["year_ago_partial"] = base_partial(YEAR_AGO[period])
    result = pd.DataFrame(data)
    result.attrs.update(
        {
            "partial": list(full[partial]),
            "tz": zone,
            "undated": int(missing.sum()),
            "metric": metric,
        }
    )
    return result
