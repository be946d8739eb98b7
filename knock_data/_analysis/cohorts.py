"""Creation cohorts: of the leads created in each period, how many reached each stage.

Knock's Conversions report has a *Created* tab that answers this from the present ("of the
leads created in March, how many have toured by now"), and warns that recent periods look
lower because a lead's life takes time. With a history the question can be fair to every
cohort: "how many toured within 30 days of creation", counted only where every lead has
been watched for 30 days; younger cohorts are marked immature instead of looking worse.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import timedelta
from typing import Any

import numpy as np
import pandas as pd

from knock_data._analysis._codes import require_column
from knock_data._analysis.grouping import group_codes
from knock_data._analysis.periods import PERIODS, period_codes, period_name, time_zone
from knock_data._analysis.statuses import stage_map
from knock_data._analysis.versions import ladder_ranks, to_utc
from knock_data._exceptions import ConfigurationError
from knock_data._schema import CREATED_AT

__all__ = [
    "cohort_conversion",
    "first_observed",
    "reached_by_deadline",
    "recorded_stages",
    "stage_moment",
    "window_days",
    "window_end",
]

_DAY_US = np.timedelta64(86_400_000_000, "us")


def recorded_stages(df: pd.DataFrame) -> tuple[str, ...]:
    """The stages a :func:`~knock_data.stage_dates` frame has intervals for, in order.

    Read from ``attrs["stages"]`` when it survived, else from the ``<stage>_after`` /
    ``<stage>_by`` column pairs; ``()`` for any other frame.
    """
    stages = df.attrs.get("stages")
    if isinstance(stages, tuple) and all(
        f"{s}_after" in df.columns and f"{s}_by" in df.columns for s in stages
    ):
        return stages
    found = []
    for column in df.columns:
        name = str(column)
        if name.endswith("_by") and f"{name[:-3]}_after" in df.columns:
            found.append(name[:-3])
    return tuple(found)


def stage_moment(df: pd.DataFrame, stage: str, what: str) -> tuple[np.ndarray, np.ndarray]:
    """``(moment, by)`` for ``stage`` of a stage-dates frame: the interval's midpoint (the
    estimate every movement analysis uses for the unseen moment) and its upper bound."""
    after = to_utc(df, f"{stage}_after", what)
    by = to_utc(df, f"{stage}_by", what)
    start = np.where(np.isnat(after), by, after)
    return start + (by - start) // 2, by


def first_observed(df: pd.DataFrame, what: str) -> np.ndarray:
    """Each lead's first observation (``created_at`` for a frame without the column)."""
    name = "first_observed_at" if "first_observed_at" in df.columns else CREATED_AT
    return to_utc(df, name, what)


def window_days(within: object, what: str) -> list[float]:
    """``within`` (days, a ``timedelta``, or a list of them) as a list of positive days."""
    values: list[Any]
    if isinstance(within, str) or not isinstance(within, Iterable):
        values = [within]
    else:
        values = list(within)
    days: list[float] = []
    for value in values:
        if isinstance(value, timedelta):
            day = value / timedelta(days=1)
        elif isinstance(value, int | float | np.integer | np.floating) and not isinstance(
            value, bool
        ):
            day = float(value)
        else:
            day = float("nan")
        if not np.isfinite(day) or day <= 0:
            raise ConfigurationError(
                f"{what}: within={within!r} is not a number of days.",
                hint="Pass a positive number of days (within=30), a timedelta, or a list "
                "(within=[7, 30, 90]).",
            )
        days.append(day)
    if not days:
        raise ConfigurationError(f"{what}: within is an empty list.", hint="Pass within=[30].")
    return days


def window_end(data: pd.DataFrame, days: float, what: str) -> tuple[np.ndarray, np.ndarray]:
    """Each lead's window end (``days`` after its creation) and whether the history watched
    it there: first observed at or before that moment and last observed at or after it."""
    deadline = to_utc(data, CREATED_AT, what) + np.timedelta64(round(days * 86_400_000_000), "us")
    last_seen = to_utc(data, "last_observed_at", what)
    return deadline, (first_observed(data, what) <= deadline) & (last_seen >= deadline)


def reached_by_deadline(
    data: pd.DataFrame, stage: str, deadline: np.ndarray, watched: np.ndarray, what: str
) -> tuple[np.ndarray, np.ndarray, int]:
    """The one "reached within N days of creation" rule (cohorts and comparisons share it).

    Per row of a stage-dates frame: reached (its interval ends by the deadline, or the
    history watched the lead across the deadline and the interval's midpoint falls before
    it); undecided (neither: a lead too young, or created before the history began, is never
    taken for a failure); and how many watched leads' intervals straddle the deadline.
    """
    moment, by = stage_moment(data, stage, what)
    surely = by <= deadline  # NaT (not reached) compares False
    reached = surely | (watched & (moment <= deadline))
    after = to_utc(data, f"{stage}_after", what)
    straddling = int(np.sum(watched & (after < deadline) & (by > deadline)))
    return reached, ~surely & ~watched, straddling


def cohort_conversion(
    data: pd.DataFrame,
    freq: str = "M",
    *,
    by: str | None = None,
    within: object = None,
    stages: Mapping[str, Any] | None = None,
    tz: str | None = None,
) -> pd.DataFrame:
    """Of the leads created in each period, how many reached each stage.

    Two questions, by what you pass:

    - **A prospect frame** (:func:`knock_data.to_frame`): reached *by now*, each lead's
      status placing it as :func:`knock_data.funnel` does. This is Knock's Conversions
      report, *Created* tab. Recent cohorts look lower only because their leads are young.
    - **A** :func:`knock_data.stage_dates` **frame**: reached *as the history saw it*, or
      with ``within=30`` reached *within 30 days of creation*, which compares cohorts
      fairly. A lead counts when its stage's interval ends within the window, or when the
      history watched it across the window's end (first seen before it, last seen after)
      and the interval's midpoint falls within (the change happened somewhere between two
      snapshots; see ``attrs["uncertain"]``). A lead younger than the window, not observed
      that long, or first seen only after its window ended (created before the history
      began) cannot tell: its cohort's share is ``NA`` for that stage and the cohort is not
      ``mature``, never a falsely low number.

    Parameters
    ----------
    data
        A prospect frame, or the output of :func:`knock_data.stage_dates`.
    freq
        The cohort period: ``"D"``, ``"W"`` (Monday to Sunday), ``"M"``, ``"Q"`` or ``"Y"``
        (or their names, as :func:`knock_data.leads_over_time` takes them).
    by
        Split each cohort by a column (``"source_title"``, ``"community_id"``...).
    within
        Days from creation (a number, a ``timedelta``, or a list for several windows);
        needs a stage-dates frame.
    stages
        Your own status -> stage mapping for a prospect frame. For a stage-dates frame,
        the stages it has intervals for (pass ``stages`` to :func:`knock_data.stage_dates`
        instead); given here, it must name only those.
    tz
        The time zone whose calendar defines the cohorts (default UTC).

    Returns
    -------
    pandas.DataFrame
        One row per cohort with leads (per ``by`` value, and per window with ``within``):
        ``cohort`` (a ``Period``), ``[by,]`` ``[within_days,]`` ``leads``, ``[mature,]``
        then for each stage after the first ``<stage>`` (leads that reached it) and
        ``<stage>_share`` (of the cohort's leads). With ``within``, ``<stage>`` counts
        what is known so far, and ``mature`` is whether every share of the row is known.
        ``attrs`` holds ``tz``, ``stages``, ``undated`` (leads without ``created_at``, in
        no cohort) and with ``within`` ``uncertain``: ``{window: {stage: n}}``, the
        leads whose interval straddles the window's end (the midpoint decided them).

    Raises
    ------
    knock_data.ConfigurationError
        ``within`` with a prospect frame, an unknown ``freq``, ``by`` or stage.

    Examples
    --------
    >>> import pandas as pd
    >>> import knock_data as kd
    >>> df = pd.DataFrame({
    ...     "status": ["new", "visited", "applied_leased", "open"],
    ...     "created_at": pd.to_datetime(["2021-09-03", "2021-09-20", "2021-09-28",
    ...                                   "2021-10-02"], utc=True),
    ... })
    >>> kd.cohort_conversion(df)[["cohort", "leads", "toured", "toured_share"]]
        cohort  leads  toured  toured_share
    0  2021-09      3       2      0.666667
    1  2021-10      1       0           0.0
    """
    what = "cohort_conversion"
    period = period_name(freq)
    zone = time_zone(tz)
    recorded = recorded_stages(data) if isinstance(data, pd.DataFrame) else ()
    require_column(data, CREATED_AT, what)
    if recorded:
        ladder = _chosen_stages(recorded, stages, what)
    else:
        if within is not None:
            raise ConfigurationError(
                f"{what}: within= needs the history's stage dates, and this is a prospect "
                "frame (it has no <stage>_after / <stage>_by columns).",
                hint="Pass kd.stage_dates(history.versions()) to count leads that reached a "
                "stage within so many days; a prospect frame counts what they reached by now.",
            )
        ladder = stage_map(stages).ladder
    codes, periods, undated = period_codes(data, period, zone, what)
    if by is not None:
        groups_of, groups, by_name = group_codes(data, by, tz, what)
        if by_name in PERIODS:
            raise ConfigurationError(
                f"{what}: by={by!r} is a period; the cohorts already are one.",
                hint="Pick the cohort period with freq= and split by a column.",
            )
    else:
        groups_of, groups, by_name = np.zeros(len(data), dtype=np.int64), None, None
    n_groups = 1 if groups is None else len(groups)
    dated = ~undated
    key = codes * n_groups + groups_of
    n_keys = max(len(periods), 1) * n_groups
    leads = np.bincount(key[dated], minlength=n_keys)

    windows: list[float | None] = [None] if within is None else list(window_days(within, what))
    uncertain: dict[float, dict[str, int]] = {}
    blocks = []
    for window in windows:
        reached, undecided, straddling = _reached(data, ladder, recorded, stages, window, what)
        if window is not None:
            uncertain[window] = {
                stage: int(n) for stage, n in zip(ladder[1:], straddling, strict=True)
            }
        blocks.append(
            _cohort_rows(
                key, dated, leads, reached, undecided, window, ladder, periods, groups, by_name
            )
        )
    result = pd.concat(blocks, ignore_index=True) if len(blocks) > 1 else blocks[0]
    result.attrs.update(tz=zone, stages=ladder, undated=int(undated.sum()))
    if within is not None:
        result.attrs["uncertain"] = uncertain
    return result


def _chosen_stages(
    recorded: tuple[str, ...], stages: Mapping[str, Any] | None, what: str
) -> tuple[str, ...]:
    if stages is None:
        return recorded
    ladder = stage_map(stages).ladder
    unknown = [stage for stage in ladder if stage not in recorded]
    if unknown:
        raise ConfigurationError(
            f"{what}: the stage dates have no intervals for {', '.join(map(repr, unknown))}; "
            f"they have {', '.join(map(repr, recorded))}.",
            hint="Pass stages= to kd.stage_dates instead, and leave it out here.",
        )
    return ladder


def _reached(
    data: pd.DataFrame,
    ladder: tuple[str, ...],
    recorded: tuple[str, ...],
    stages: Mapping[str, Any] | None,
    window: float | None,
    what: str,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per stage after the first and per row: reached, not decided yet; and per stage the
    rows whose interval straddles the window's end."""
    n_stages = len(ladder) - 1
    reached = np.zeros((n_stages, len(data)), dtype=bool)
    undecided = np.zeros((n_stages, len(data)), dtype=bool)
    straddling = np.zeros(n_stages, dtype=np.int64)
    if not recorded:
        ranks = ladder_ranks(data, stages, what)
        for k in range(n_stages):
            reached[k] = ranks >= k + 1
        return reached, undecided, straddling
    if window is not None:
        deadline, watched = window_end(data, window, what)
    for k, stage in enumerate(ladder[1:]):
        if window is None:
            reached[k] = ~np.isnat(to_utc(data, f"{stage}_by", what))
            continue
        reached[k], undecided[k], straddling[k] = reached_by_deadline(
            data, stage, deadline, watched, what
        )
    return reached, undecided, straddling


def _cohort_rows(
    key: np.ndarray,
    dated: np.ndarray,
    leads: np.ndarray,
    reached: np.ndarray,
    undecided: np.ndarray,
    window: float | None,
    ladder: tuple[str, ...],
    periods: pd.PeriodIndex,
    groups: pd.Index | None,
    by_name: str | None,
) -> pd.DataFrame:
    n_keys = len(leads)
    present = np.flatnonzero(leads)
    n_groups = 1 if groups is None else len(groups)
    data: dict[str, Any] = {"cohort": pd.PeriodIndex(periods).take(present // n_groups)}
    if groups is not None and by_name is not None:
        data[by_name] = groups.take(present % n_groups)
    if window is not None:
        data["within_days"] = np.full(len(present), window)
    data["leads"] = leads[present].astype(np.int64)
    counts = [np.bincount(key[dated & row], minlength=n_keys)[present] for row in reached]
    waiting = [np.bincount(key[dated & row], minlength=n_keys)[present] for row in undecided]
    if window is not None:
        data["mature"] = (
            np.sum(waiting, axis=0) == 0 if waiting else np.ones(len(present), dtype=bool)
        )
    for stage, count, wait in zip(ladder[1:], counts, waiting, strict=True):
        data[stage] = count.astype(np.int64)
        share = pd.array(count / np.maximum(data["leads"], 1), dtype="Float64")
        share[wait > 0] = pd.NA
        data[f"{stage}_share"] = share
    frame = pd.DataFrame(data)
    if groups is not None and by_name is not None:
        frame[by_name] = frame[by_name].astype(groups.dtype) if len(frame) else frame[by_name]
    return frame
