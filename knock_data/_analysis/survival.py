"""Time from creation to a stage: the Kaplan-Meier estimate, with Greenwood's bands.

A lead that has not toured yet may still tour: its time to tour is only known to be longer
than it has been watched (right-censored). Kaplan-Meier uses such leads for as long as they
were watched instead of dropping them (which would make touring look faster) or counting
them as never touring (slower). The estimator is the product over event times of
``1 - reached / at risk``; Greenwood's formula gives its variance, and the bands are taken on
the log(-log) scale (Kalbfleisch and Prentice), so they stay within 0 and 1, as the usual
survival libraries draw them. lifelines, the usual library, cannot be a dependency (it caps
pandas below 3), and the estimator is a few lines of numpy.
"""

from __future__ import annotations

from statistics import NormalDist
from typing import Any

import numpy as np
import pandas as pd

from knock_data._analysis.cohorts import first_observed, recorded_stages, stage_moment
from knock_data._analysis.grouping import group_codes
from knock_data._analysis.versions import to_utc
from knock_data._exceptions import ConfigurationError, WrongArgumentType
from knock_data._schema import CREATED_AT, is_missing

__all__ = ["kaplan_meier", "time_to_stage"]

_DAY_US = 86_400_000_000


def kaplan_meier(
    durations: np.ndarray,
    reached: np.ndarray,
    *,
    entry: np.ndarray | None = None,
    ci: float = 0.95,
) -> dict[str, np.ndarray]:
    """The Kaplan-Meier estimate of ``P(time > t)`` from durations and event flags.

    ``entry`` gives, per lead, when it came under watch (delayed entry, or left
    truncation): it counts as at risk only after that time; a negative entry (and no
    ``entry`` at all) is from the start.

    Returns arrays over the distinct durations, in order: ``days``, ``at_risk`` (under watch
    and not there yet just before), ``reached`` and ``censored`` (at that duration),
    ``survival``, ``low`` and ``high`` (its band). At a duration with both, events come
    first: a lead censored at day 3 was still at risk of touring on day 3.

    Examples
    --------
    >>> km = kaplan_meier(np.array([1.0, 2.0, 2.0, 3.0]), np.array([True, True, False, True]))
    >>> km["days"].tolist(), km["survival"].round(3).tolist()
    ([1.0, 2.0, 3.0], [0.75, 0.5, 0.0])
    """
    order = np.argsort(durations, kind="stable")
    times, events = durations[order], reached[order].astype(bool)
    days, first, n_at = np.unique(times, return_index=True, return_counts=True)
    d = np.add.reduceat(events.astype(np.int64), first) if len(times) else np.zeros(0, np.int64)
    at_risk = len(times) - first
    if entry is not None:  # leads that came under watch at or after t are not at risk yet
        entered = np.sort(entry)
        at_risk = at_risk - (len(entered) - np.searchsorted(entered, days, side="left"))
    with np.errstate(divide="ignore", invalid="ignore"):
        survival = np.cumprod(np.where(at_risk > 0, 1.0 - d / at_risk, 1.0))
        # Greenwood: Var[S] = S^2 * sum d / (n (n - d)); on the log(-log S) scale the
        # variance is that sum over (log S)^2.
        greenwood = np.cumsum(
            np.where(at_risk > d, d / (at_risk * (at_risk - d)), np.where(d > 0, np.inf, 0.0))
        )
        z = NormalDist().inv_cdf(0.5 + ci / 2)
        spread = z * np.sqrt(greenwood) / np.abs(np.log(survival))
        low = survival ** np.exp(spread)
        high = survival ** np.exp(-spread)
    # Before the first event the estimate is certain; once every lead at risk reached the
    # stage it is 0, a point the log scale cannot carry.
    none_yet = np.cumsum(d) == 0
    low = np.where(none_yet, 1.0, np.where(survival <= 0, 0.0, low))
    high = np.where(none_yet, 1.0, np.where(survival <= 0, 0.0, high))
    return {
        "days": days,
        "at_risk": at_risk.astype(np.int64),
        "reached": d.astype(np.int64),
        "censored": (n_at - d).astype(np.int64),
        "survival": survival,
        "low": np.nan_to_num(low, nan=0.0),
        "high": np.nan_to_num(high, nan=1.0),
    }


def time_to_stage(
    stage_dates: pd.DataFrame,
    stage: str = "toured",
    *,
    by: str | None = None,
    ci: float = 0.95,
    seen_within: float = 7,
    tz: str | None = None,
) -> pd.DataFrame:
    """How long leads take from creation to a stage: Kaplan-Meier, with confidence bands.

    Each lead that reached the stage counts at the days from ``created_at`` to the
    **midpoint** of its interval (``<stage>_after`` to ``<stage>_by``): the snapshots saw
    only that the change happened somewhere in between, so the midpoint stands in for the
    moment, and the curve is as sharp as the refresh cadence (weekly snapshots blur it by
    up to half a week). A lead that has not reached it is right-censored at its last
    observation: it is known to take at least that long.

    Leads created before the history began need care: a lead first seen months after its
    creation, already toured, tells nothing about *when* it toured. A lead first seen more
    than ``seen_within`` days after creation therefore enters late (left truncation, as
    survival analysis calls it): it counts as at risk only from its first observation on,
    and if that observation already shows the stage it is left out
    (``attrs["seen_late"]``). Leads seen within ``seen_within`` days count from creation.

    Parameters
    ----------
    stage_dates
        The output of :func:`knock_data.stage_dates`.
    stage
        Which stage (``"engaged"``, ``"toured"``, ``"applied"``, ``"leased"``, or one of
        your own mapping).
    by
        One curve per value of a column (``"source_title"``...) or per created period
        (``"month"``...).
    ci
        The confidence level of the bands (default 0.95).
    seen_within
        Days from creation within which a first observation counts as watching the lead
        from its start (default 7: a weekly refresh sees each new lead within a week).
    tz
        Time zone for ``by`` periods (default UTC).

    Returns
    -------
    pandas.DataFrame
        Per group (``by``), one row at day 0 and one per distinct time: ``days`` since
        creation, ``at_risk``, ``reached`` and ``censored`` there, ``share_reached`` (the
        estimated share of leads that reached the stage by then, one minus Kaplan-Meier's
        survival), ``share_reached_low`` and ``share_reached_high`` (Greenwood's band at
        ``ci``, on the log(-log) scale) and ``median_days`` (the group's median time to the
        stage: the first time half reached it; ``NaN`` while fewer than half have).
        ``attrs`` holds ``stage``, ``ci``, ``leads`` (counted), ``entered_late`` (of them,
        those at risk only from their first observation), ``seen_late`` (first seen late
        and already at the stage: left out), ``undated`` (leads without ``created_at``,
        left out) and ``medians`` (``{group: days}``, ``None`` as the key without
        ``by``, ``pd.NA`` for leads without a ``by`` value).

    Examples
    --------
    Five leads, created on 1 November: three toured (their intervals' midpoints fall 2, 3
    and 8 days after creation), two were last seen 3 and 5 days after creation, not toured:

    >>> import pandas as pd
    >>> import knock_data as kd
    >>> day = lambda d: pd.Timestamp(f"2021-11-{d:02d}", tz="UTC")
    >>> dates = pd.DataFrame({
    ...     "created_at": [day(1)] * 5,
    ...     "toured_after": [day(1), day(3), pd.NaT, pd.NaT, day(8)],
    ...     "toured_by": [day(5), day(5), pd.NaT, pd.NaT, day(10)],
    ...     "last_observed_at": [day(11), day(11), day(4), day(6), day(11)],
    ... })
    >>> km = kd.time_to_stage(dates, "toured")
    >>> km[["days", "at_risk", "reached", "censored", "share_reached"]]
       days  at_risk  reached  censored  share_reached
    0   0.0        5        0         0            0.0
    1   2.0        5        1         0            0.2
    2   3.0        4        1         1            0.4
    3   5.0        2        0         1            0.4
    4   8.0        1        1         0            1.0
    >>> km.attrs["medians"]
    {None: 8.0}
    """
    what = "time_to_stage"
    if not isinstance(stage_dates, pd.DataFrame):
        raise WrongArgumentType(
            f"{what} needs the frame kd.stage_dates returns (a pandas DataFrame), got "
            f"{type(stage_dates).__name__}.",
            hint="Pass kd.stage_dates(history.versions()).",
        )
    recorded = recorded_stages(stage_dates)
    if stage not in recorded:
        choices = ", ".join(map(repr, recorded)) or "none: pass kd.stage_dates(versions)"
        raise ConfigurationError(
            f"{what}: no interval for stage {stage!r} in this frame; the stages are {choices}."
        )
    if not 0 < ci < 1:
        raise ConfigurationError(f"{what}: ci={ci!r} must lie between 0 and 1, such as 0.95.")
    if not isinstance(seen_within, int | float) or not seen_within >= 0:
        raise ConfigurationError(
            f"{what}: seen_within={seen_within!r} must be a number of days, such as 7."
        )
    created = to_utc(stage_dates, CREATED_AT, what)
    moment, by_moment = stage_moment(stage_dates, stage, what)
    last = to_utc(stage_dates, "last_observed_at", what)
    reached = ~np.isnat(by_moment)
    end = np.where(reached, moment, last)
    dated = ~np.isnat(created) & ~np.isnat(end)
    days = _days(end - created)
    first_seen = first_observed(stage_dates, what)
    late = dated & (_days(first_seen - created) > seen_within)
    seen_there = late & (by_moment == first_seen)  # first seen already at the stage
    entry = np.where(late, _days(first_seen - created), -1.0)
    counted = dated & ~seen_there
    if by is None:
        group_of = np.zeros(len(stage_dates), dtype=np.int64)
        groups: pd.Index = pd.Index([None], dtype=object)
        by_name = None
    else:
        group_of, groups, by_name = group_codes(stage_dates, by, tz, what)
    blocks = []
    medians: dict[Any, float] = {}
    for g, group in enumerate(groups):
        member = counted & (group_of == g)
        if by is not None and not member.any():
            continue
        block, median = _curve(days[member], reached[member], entry[member], ci)
        # A missing group's key is pd.NA, which a lookup finds (NaN never equals itself).
        medians[None if by is None else pd.NA if is_missing(group) else group] = median
        if by_name is not None:
            block.insert(0, by_name, groups.take(np.zeros(len(block), dtype=np.int64) + g))
        blocks.append(block)
    result = pd.concat(blocks, ignore_index=True)
    result.attrs.update(
        stage=stage,
        ci=ci,
        leads=int(counted.sum()),
        entered_late=int((counted & late).sum()),
        seen_late=int(seen_there.sum()),
        undated=int((~dated).sum()),
        medians=medians,
    )
    return result


def _days(span: np.ndarray) -> np.ndarray:
    """Durations as days (a float; ``NaN`` where missing, 0 for a negative one)."""
    micros = span.astype("timedelta64[us]")
    days = np.maximum(micros.astype(np.int64), 0) / _DAY_US
    return np.where(np.isnat(micros), np.nan, days)


def _curve(
    days: np.ndarray, reached: np.ndarray, entry: np.ndarray, ci: float
) -> tuple[pd.DataFrame, float]:
    km = kaplan_meier(days, reached, entry=entry, ci=ci)
    share = 1.0 - km["survival"]
    below_half = np.flatnonzero(km["survival"] <= 0.5)
    median = float(km["days"][below_half[0]]) if len(below_half) else float("nan")
    # The curve starts at day 0 with nobody there yet (unless leads reached it at once).
    lead = [] if len(km["days"]) and km["days"][0] == 0 else [0]
    frame = pd.DataFrame(
        {
            "days": np.r_[lead, km["days"]].astype(float),
            "at_risk": np.r_[[int(np.sum(entry < 0))] * len(lead), km["at_risk"]].astype(np.int64),
            "reached": np.r_[lead, km["reached"]].astype(np.int64),
            "censored": np.r_[lead, km["censored"]].astype(np.int64),
            "share_reached": np.r_[lead, share].astype(float),
            "share_reached_low": np.r_[lead, 1.0 - km["high"]].astype(float),
            "share_reached_high": np.r_[lead, 1.0 - km["low"]].astype(float),
        }
    )
    frame["median_days"] = median
    return frame, median
