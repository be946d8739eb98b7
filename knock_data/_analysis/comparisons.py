"""Groups side by side: conversion rates with their uncertainty, and the funnel in wide form.

A rate from 60 leads and one from 900 are not equally sure. :func:`compare_conversion`
gives every group's rate a Wilson interval (:func:`wilson_interval`) and flags groups
smaller than ``min_leads``, so a ranking never hides how unsure it is. :func:`funnel_table`
lays :func:`knock_data.funnel` out as one row per group.
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping
from datetime import timedelta
from statistics import NormalDist
from typing import Any, overload

import numpy as np
import pandas as pd

from knock_data._analysis._codes import require_column
from knock_data._analysis._reach import stages_reached
from knock_data._analysis.breakdowns import status_breakdown
from knock_data._analysis.cohorts import reached_by_deadline, window_end
from knock_data._analysis.funnel import funnel
from knock_data._analysis.grouping import group_codes
from knock_data._analysis.periods import PERIODS
from knock_data._analysis.statuses import stage_map
from knock_data._exceptions import ConfigurationError, WrongArgumentType
from knock_data._schema import CREATED_AT, STATUS, is_missing

__all__ = ["LAST_OBSERVED_AT", "compare_conversion", "funnel_table", "wilson_interval"]

#: The column of a stage-dates frame that says when each prospect was last seen.
LAST_OBSERVED_AT = "last_observed_at"


@overload
def wilson_interval(
    successes: int, trials: int, *, confidence: float = ...
) -> tuple[float, float]: ...
@overload
def wilson_interval(
    successes: Any, trials: Any, *, confidence: float = ...
) -> tuple[np.ndarray, np.ndarray]: ...
def wilson_interval(successes: Any, trials: Any, *, confidence: float = 0.95) -> Any:
    """The Wilson score interval of a proportion: how sure a rate of ``successes / trials`` is.

    Unlike the textbook ``p ± z·√(p(1-p)/n)``, it never leaves 0 to 1 and stays honest
    for small groups and for rates near 0 or 1 (7 of 60 and 0 of 20 both get a useful
    interval), which is why rate comparisons use it (Wilson 1927; Newcombe 1998).

    Parameters
    ----------
    successes, trials
        Counts: scalars, or arrays of the same shape. ``0 <= successes <= trials``.
    confidence
        The interval's coverage, between 0 and 1 (default 95%).

    Returns
    -------
    tuple
        ``(low, high)``: floats for scalar counts, arrays otherwise; ``NaN`` where
        ``trials`` is 0 (no rate to be sure of).

    Raises
    ------
    knock_data.ConfigurationError
        A count is negative, not whole, or ``successes`` exceeds ``trials``; or
        ``confidence`` is not between 0 and 1.

    Examples
    --------
    >>> import knock_data as kd
    >>> low, high = kd.wilson_interval(7, 60)
    >>> f"{7 / 60:.1%} ({low:.1%} to {high:.1%})"
    '11.7% (5.8% to 22.2%)'
    >>> [round(x, 4) for x in kd.wilson_interval(81, 263)]   # Newcombe (1998), table I
    [0.2553, 0.3662]
    """
    if (
        isinstance(confidence, bool)
        or not isinstance(confidence, numbers.Real)
        or not 0 < confidence < 1
    ):
        raise ConfigurationError(
            f"confidence must be a number between 0 and 1, got {confidence!r}.",
            hint="For a 95% interval pass confidence=0.95.",
        )
    scalar = np.ndim(successes) == 0 and np.ndim(trials) == 0
    try:
        k = np.asarray(successes, dtype=float)
        n = np.asarray(trials, dtype=float)
    except (TypeError, ValueError):
        raise WrongArgumentType(
            "wilson_interval needs counts (numbers or arrays of them), got "
            f"successes={successes!r:.40}, trials={trials!r:.40}."
        ) from None
    bad = ~np.isfinite(k) | ~np.isfinite(n) | (k < 0) | (k > n) | (k % 1 != 0) | (n % 1 != 0)
    if np.any(bad):
        raise ConfigurationError(
            "wilson_interval needs whole counts with 0 <= successes <= trials, got "
            f"successes={successes!r}, trials={trials!r}."
        )
    z = NormalDist().inv_cdf(0.5 + float(confidence) / 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = k / n
        z2n = z * z / n
        centre = (p + z2n / 2) / (1 + z2n)
        half = z * np.sqrt(p * (1 - p) / n + z2n / (4 * n)) / (1 + z2n)
        low = np.where(n > 0, np.where(k == 0, 0.0, np.clip(centre - half, 0, 1)), np.nan)
        high = np.where(n > 0, np.where(k == n, 1.0, np.clip(centre + half, 0, 1)), np.nan)
    if scalar:
        return float(low), float(high)
    return low, high


def _whole_number(value: object, name: str, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or int(value) < 0:
        raise ConfigurationError(f"{what}: {name} must be a whole number >= 0, got {value!r}.")
    return int(value)


def _window(within: object, what: str) -> pd.Timedelta:
    """``within`` (days, or a ``timedelta``) as a non-negative Timedelta."""
    window: pd.Timedelta | None = None
    if isinstance(within, timedelta):
        window = pd.Timedelta(within)
    elif (
        isinstance(within, numbers.Real)
        and not isinstance(within, bool)
        and np.isfinite(float(within))
    ):
        window = pd.Timedelta(days=float(within))
    if window is None or window < pd.Timedelta(0):
        raise ConfigurationError(
            f"{what}: within must be a number of days >= 0 (or a timedelta), got {within!r}.",
            hint="For example within=30: reached the stage within 30 days of creation.",
        )
    return window


def _within_reached(
    data: pd.DataFrame, stage: str, window: pd.Timedelta, what: str
) -> tuple[np.ndarray, np.ndarray, int]:
    """From a stage-dates frame: reached within the window, decidable, and straddling rows,
    by the rule :func:`knock_data.cohort_conversion` uses."""
    by_column, after_column = f"{stage}_by", f"{stage}_after"
    if by_column not in data.columns:
        known = [c.removesuffix("_by") for c in map(str, data.columns) if c.endswith("_by")]
        raise ConfigurationError(
            f"{what}: within= needs a {by_column!r} column (when the prospect was first seen "
            f"at {stage!r} or later); the frame has stages {known or 'none'}.",
            hint="Pass the stage_dates(versions) frame, and a stage it has.",
        )
    if after_column not in data.columns:  # no lower bounds: each change is at its upper one
        data = data.assign(
            **{after_column: pd.Series(pd.NaT, index=data.index, dtype="datetime64[us, UTC]")}
        )
    deadline, watched = window_end(data, window / pd.Timedelta(days=1), what)
    hit, undecided, straddling = reached_by_deadline(data, stage, deadline, watched, what)
    return hit, ~undecided, straddling


def _ranked(rate: np.ndarray, leads: np.ndarray, groups: pd.Index, by_name: str) -> np.ndarray:
    """Groups by rate, highest first (larger groups first among equals); periods by time.

    Groups without a rate (no lead to judge) follow, and the missing group comes last.
    """
    missing = np.asarray(groups.isna(), dtype=bool)
    if by_name in PERIODS:
        return np.arange(len(groups))
    no_rate = np.isnan(rate)
    keys = (np.arange(len(groups)), -leads, -np.nan_to_num(rate, nan=0.0), no_rate, missing)
    return np.lexsort(keys)


def compare_conversion(
    data: pd.DataFrame,
    by: str = "agent_username",
    *,
    stage: str = "leased",
    within: float | timedelta | None = None,
    min_leads: int = 20,
    stages: Mapping[str, Any] | None = None,
    confidence: float = 0.95,
    tz: str | None = None,
) -> pd.DataFrame:
    """Which agent, source or community converts best, and how sure each rate is.

    Per group: its leads, how many reached ``stage``, the rate, a Wilson interval
    (:func:`knock_data.wilson_interval`) and a ``small_sample`` flag for groups under
    ``min_leads``. An agent with 7 leases from 60 leads (11.7%, 5.8% to 22.2%) then sits
    above one with 80 from 900 (8.9%, 7.2% to 10.9%) only with its much wider interval
    beside it.

    Parameters
    ----------
    data
        A prospect frame (see :func:`knock_data.to_frame`): a lead reached the stage when its
        status is at that stage or a later one, as in :func:`knock_data.funnel`.
        With ``within=``, a stage-dates frame (one row per prospect with ``created_at``,
        ``<stage>_after``, ``<stage>_by`` and ``last_observed_at``) built from a history.
    by
        A column (``"agent_username"``, ``"source_title"``, ``"community_id"``...) or a
        created period (``"month"``...; periods keep time order).
    stage
        The funnel step to reach (default ``"leased"``); a step of ``stages``.
    within
        Days (or a ``timedelta``): count a lead as converted when it was seen at the stage
        within that long of its creation, by the rule :func:`knock_data.cohort_conversion`
        uses: seen at the stage by the window's end, or watched across the window's end
        (first observed before it, last after) with the change's interval centred before
        it. A lead neither (too young to judge, or created before the history began) is
        undecided: it is left out of ``leads`` and the rate and counted in ``undecided``,
        never taken for a failure. ``attrs["straddling"]`` counts the watched leads whose
        change's interval spans the window's end, judged by its midpoint.
    min_leads
        Groups with fewer leads than this are flagged ``small_sample``.
    stages
        Your own status -> stage mapping for a prospect frame (see :func:`knock_data.funnel`).
    confidence
        The intervals' coverage (default 95%).
    tz
        Time zone for ``by`` periods (default UTC).

    Returns
    -------
    pandas.DataFrame
        One row per group: ``by``, ``leads``, ``reached``, ``rate``, ``ci_low``,
        ``ci_high``, ``small_sample`` (and ``undecided`` with ``within=``). Sorted by rate,
        highest first (periods in time order); a group with no decided lead has a ``NaN``
        rate and comes after the others, the missing group (``<NA>``) last.
        ``attrs["overall"]`` holds the same figures for all rows together; ``attrs`` also
        records ``stage``, ``within`` (days), ``confidence`` and ``min_leads``.

    Raises
    ------
    knock_data.ConfigurationError
        An unknown ``by`` or ``stage``, a frame without the columns needed, or a bad option
        (each message lists the choices).

    Examples
    --------
    >>> import pandas as pd
    >>> import knock_data as kd
    >>> df = pd.DataFrame({
    ...     "agent_username": ["ana"] * 4 + ["bo"] * 2,
    ...     "status": ["applied_leased", "visited", "new", "lost", "applied_leased", "open"],
    ... })
    >>> table = kd.compare_conversion(df, min_leads=3)
    >>> table[["agent_username", "leads", "reached", "rate", "small_sample"]]
      agent_username  leads  reached  rate  small_sample
    0             bo      2        1  0.50          True
    1            ana      4        1  0.25         False
    >>> table["ci_low"].round(3).tolist(), table["ci_high"].round(3).tolist()
    ([0.095, 0.046], [0.905, 0.699])
    """
    what = "compare_conversion"
    minimum = _whole_number(min_leads, "min_leads", what)
    straddling = 0
    if within is None:
        hit = stages_reached(data, [stage], stages, what)[stage]
        decided = np.ones(len(hit), dtype=bool)
        window_days = None
    else:
        if stages is not None:
            raise ConfigurationError(
                f"{what}: stages= maps statuses for a prospect frame; with within= the "
                "stage-dates frame has its stages already.",
            )
        for column in (CREATED_AT, LAST_OBSERVED_AT):
            if isinstance(data, pd.DataFrame) and column not in data.columns:
                raise ConfigurationError(
                    f"{what}: within= needs a stage-dates frame with a {column!r} column; "
                    f"the frame has {list(data.columns)}.",
                    hint="Build it from a history with stage_dates(versions), or leave "
                    "within= out to count what the statuses have reached by now.",
                )
        require_column(data, CREATED_AT, what)
        window = _window(within, what)
        hit, decided, straddling = _within_reached(data, stage, window, what)
        window_days = window / pd.Timedelta(days=1)
    codes, groups, by_name = group_codes(data, by, tz, what)
    n_groups = len(groups)
    leads = np.bincount(codes[decided], minlength=n_groups).astype(np.int64)
    reached = np.bincount(codes[hit], minlength=n_groups).astype(np.int64)
    undecided = np.bincount(codes[~decided], minlength=n_groups).astype(np.int64)
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = np.where(leads > 0, reached / np.maximum(leads, 1), np.nan)
    low, high = wilson_interval(reached, leads, confidence=confidence)
    order = _ranked(rate, leads, groups, by_name)
    result = pd.DataFrame(
        {
            by_name: groups.take(order),
            "leads": leads[order],
            "reached": reached[order],
            "rate": rate[order],
            "ci_low": low[order],
            "ci_high": high[order],
            "small_sample": leads[order] < minimum,
        }
    )
    if within is not None:
        result["undecided"] = undecided[order]
    total_leads, total_reached = int(leads.sum()), int(reached.sum())
    total_low, total_high = wilson_interval(total_reached, total_leads, confidence=confidence)
    result.attrs.update(
        {
            "stage": stage,
            "within": window_days,
            "confidence": float(confidence),
            "min_leads": minimum,
            "straddling": straddling,
            "overall": {
                "leads": total_leads,
                "reached": total_reached,
                "rate": total_reached / total_leads if total_leads else float("nan"),
                "ci_low": total_low,
                "ci_high": total_high,
                "undecided": int(undecided.sum()),
            },
        }
    )
    return result


def funnel_table(
    df: pd.DataFrame,
    by: str | None = None,
    *,
    stages: Mapping[str, Any] | None = None,
    tz: str | None = None,
) -> pd.DataFrame:
    """The funnel wide: one row per group, one count and one share column per stage.

    The same numbers as :func:`knock_data.funnel` (``count`` and ``share_of_leads``),
    laid out so groups can be read across: which source brings leads that tour, which
    community loses them after the tour.

    Parameters
    ----------
    df
        A prospect frame (see :func:`knock_data.to_frame`).
    by
        A column (``"source_title"``, ``"community_id"``...) or a created period; ``None``
        gives one row for all leads.
    stages
        Your own status -> stage mapping (see :func:`knock_data.funnel`).
    tz
        Time zone for ``by`` periods (default UTC).

    Returns
    -------
    pandas.DataFrame
        Columns ``[by,] leads``, then for each later step ``<stage>`` (leads that reached
        it) and ``<stage>_share`` (of the group's leads), then ``lost``/``lost_share`` (when
        the mapping has it) and ``other``/``other_share`` (records in them), and
        ``statuses``: the raw statuses the group holds, in one order for every row (Knock's
        order, unknown ones by overall count, ``<NA>`` last), so rows read alike and do
        not reshuffle as counts change. Largest group first (periods in time order), the
        missing group (``<NA>``) last. ``attrs["steps"]`` names the funnel's steps, the
        first (whose count is ``leads``) included.

    Examples
    --------
    >>> import pandas as pd
    >>> import knock_data as kd
    >>> df = pd.DataFrame({
    ...     "source_title": ["Zillow", "Zillow", "Zillow", "Yelp"],
    ...     "status": ["visited", "applied_leased", "On Hold", "new"],
    ... })
    >>> table = kd.funnel_table(df, by="source_title")
    >>> table[["source_title", "leads", "toured", "toured_share", "leased", "other"]]
      source_title  leads  toured  toured_share  leased  other
    0       Zillow      3       2      0.666667       1      1
    1         Yelp      1       0      0.000000       0      0
    >>> table["statuses"].tolist()
    ['visited, applied_leased, On Hold', 'new']
    """
    what = "funnel_table"
    mapping = stage_map(stages)
    clash = {"leads", "statuses"} & set(mapping.stages)
    if clash:
        raise ConfigurationError(f"{what}: a stage may not be called {sorted(clash)[0]!r}.")
    long = funnel(df, stages, by=by, tz=tz)
    statuses = status_breakdown(df, by=by, stages=stages, tz=tz)
    names = mapping.stages
    n_stages = len(names)
    n_groups = len(long) // n_stages if n_stages else 0
    counts = long["count"].to_numpy(dtype=np.int64).reshape(n_groups, n_stages)
    shares = long["share_of_leads"].to_numpy(dtype=float).reshape(n_groups, n_stages)
    n_status = len(statuses) // max(n_groups, 1)
    held = statuses["count"].to_numpy(dtype=np.int64).reshape(n_groups, n_status) > 0
    raw = ["<NA>" if is_missing(v) else str(v) for v in statuses[STATUS].iloc[:n_status]]
    data: dict[str, Any] = {}
    by_name = None
    if by is not None:
        by_name = str(long.columns[0])
        data[by_name] = pd.Index(long[by_name].iloc[::n_stages])
    data["leads"] = counts[:, 0]
    for j, name in enumerate(names[1:], start=1):
        data[name] = counts[:, j]
        data[f"{name}_share"] = shares[:, j]
    data["statuses"] = pd.array(
        [", ".join(s for s, h in zip(raw, row, strict=True) if h) for row in held],
        dtype="string",
    )
    result = pd.DataFrame(data)
    if by_name is not None and by_name not in PERIODS:
        missing = result[by_name].isna().to_numpy(dtype=bool)
        order = np.lexsort((np.arange(n_groups), -counts[:, 0], missing))
        result = result.iloc[order].reset_index(drop=True)
    result.attrs["steps"] = mapping.ladder
    return result
