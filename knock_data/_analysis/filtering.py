"""Which rows to keep: Knock's prospects and leads, narrowed by value and by created date."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd

from knock_data._analysis._codes import factorize, require_column
from knock_data._analysis.periods import created_utc, local_created, time_zone
from knock_data._analysis.statuses import DEFAULT_STAGES, KNOCK_STATUS_LABELS, normalize_status
from knock_data._exceptions import ConfigurationError, WrongArgumentType
from knock_data._schema import (
    AGENT_USERNAME,
    COMMUNITY_ID,
    IS_DELETED,
    NOT_PROSPECT,
    SOURCE_TITLE,
    STATUS,
    is_missing,
)

__all__ = ["filter_prospects"]

_PARTIAL_DATE = re.compile(r"^\s*\d{4}(-\d{1,2}(-\d{1,2})?)?\s*$")


def _as_values(arg: object, name: str) -> list[Any] | None:
    if arg is None:
        return None
    if isinstance(arg, str) or not isinstance(arg, Iterable):
        return [arg]
    return list(arg)


def _isin(series: pd.Series, wanted: list[Any]) -> np.ndarray:
    """Rows whose value is one of ``wanted`` (``None`` in ``wanted`` selects missing ones)."""
    want_na = any(is_missing(v) for v in wanted)
    present = [v for v in wanted if not is_missing(v)]
    codes, uniques = factorize(series)
    keep = np.array(
        [(want_na if is_missing(v) else v in present or str(v) in present) for v in uniques],
        dtype=bool,
    )
    return keep[codes] if len(codes) else np.zeros(0, dtype=bool)


def _bound(value: object, *, end: bool) -> tuple[pd.Timestamp, bool] | None:
    """A ``created`` bound and whether it is exclusive (the end of a whole period).

    A date, a date-only string and a naive timestamp come back naive: a wall-clock time in
    the filter's zone. A timestamp with an offset comes back in UTC: one instant.
    """
    if value is None:
        return None
    if isinstance(value, str) and _PARTIAL_DATE.match(value):
        # "2026", "2026-03" or "2026-03-15": the whole year, month or day, as pandas'
        # partial-string indexing reads them.
        try:
            period = pd.Period(value.strip())
        except ValueError as exc:  # "2021-13", "2021-02-30": pandas' DateParseError
            raise ConfigurationError(
                f"created bound {value!r} is not a date ({exc}).",
                hint="Use a year, a month or a day that exists, such as '2021', '2021-03' or "
                "'2021-03-15'.",
            ) from None
        if end:
            return (period + 1).start_time, True
        return period.start_time, False
    if isinstance(value, date) and not isinstance(value, datetime):
        start = pd.Timestamp(value)
        return (start + pd.Timedelta(days=1), True) if end else (start, False)
    try:
        stamp = pd.Timestamp(value)  # type: ignore[arg-type]
    except (ValueError, TypeError) as exc:
        raise ConfigurationError(
            f"created bound {value!r} is not a date or timestamp.",
            hint="Use dates, timestamps or strings such as '2026-03-01' or "
            "'2026-03-01T18:00:00-06:00'.",
        ) from exc
    if stamp is pd.NaT:
        raise ConfigurationError(f"created bound {value!r} is not a date or timestamp.")
    return (stamp if stamp.tzinfo is None else stamp.tz_convert("UTC")), False


def _later(bound: pd.Timestamp, other: pd.Timestamp) -> bool:
    """Whether ``bound`` is later than ``other``, comparing naive bounds as UTC."""

    def utc(stamp: pd.Timestamp) -> pd.Timestamp:
        return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp

    return utc(bound) > utc(other)


def _status_keys(wanted: list[Any], in_data: list[str | None]) -> set[str | None]:
    """The normalised statuses asked for; a value that is neither a Knock status nor one in
    the data is an error with the close matches (a stage name says which statuses reach it)."""
    known = set(KNOCK_STATUS_LABELS) | {key for key in in_data if key is not None}
    keys: set[str | None] = set()
    for value in wanted:
        key = normalize_status(value)
        if key is not None and key not in known:
            if key in DEFAULT_STAGES:
                statuses = ", ".join(repr(s) for s in DEFAULT_STAGES[key])
                raise ConfigurationError(
                    f"statuses: {value!r} is a funnel stage, not a status.",
                    hint=f"The statuses that reach it are {statuses}: pass those in statuses=, "
                    "or compare stage_of(status) with it.",
                )
            close = difflib.get_close_matches(key, sorted(known), n=3, cutoff=0.6)
            maybe = f"Did you mean {', '.join(repr(c) for c in close)}? " if close else ""
            raise ConfigurationError(
                f"statuses: {value!r} is neither a Knock status nor a status in the data.",
                hint=f"{maybe}The statuses are {', '.join(sorted(known))}.",
            )
        keys.add(key)
    return keys


def filter_prospects(
    df: pd.DataFrame,
    *,
    communities: Iterable[Any] | str | None = None,
    sources: Iterable[Any] | str | None = None,
    statuses: Iterable[Any] | str | None = None,
    agents: Iterable[Any] | str | None = None,
    created: Sequence[Any] | None = None,
    include_deleted: bool = False,
    include_not_prospect: bool = False,
    tz: str | None = None,
) -> pd.DataFrame:
    """The rows Knock counts as prospects, optionally narrowed further.

    Knock's definitions: *leads* are all records, including those marked not a prospect;
    *prospects* exclude records marked not a prospect and deleted records. By default this
    returns prospects; ``include_not_prospect=True`` (and ``include_deleted=False``) gives
    Knock's leads. A missing ``is_deleted``/``not_prospect`` counts as ``False``.

    Parameters
    ----------
    df
        A prospect frame (see :func:`knock_data.to_frame`).
    communities, sources, agents
        Keep rows whose ``community_id``, ``source_title`` or ``agent_username`` is one of
        these (one value or a list; ``None`` inside the list keeps missing values).
        ``None`` (the default) keeps all; an empty list keeps none.
    statuses
        Keep these statuses, however they are spelt (``"Applied (Leased)"`` matches
        ``applied_leased``). A value that is neither a Knock status nor one in the data (a
        typo, or a funnel stage such as ``"toured"``) is an error naming the close matches.
    created
        ``(start, end)``, both inclusive, either may be ``None``. Dates, timestamps or
        strings; a date-only string or ``datetime.date`` covers that whole day (``"2026-03"``
        the whole month) and a naive timestamp is a time of day, both in ``tz``; a
        timestamp with an offset is that instant.
    include_deleted, include_not_prospect
        Keep deleted records / records marked not a prospect.
    tz
        The time zone of the ``created`` days: UTC by default, an IANA name, or
        ``"community"`` for each lead's community's own zone (``community_timezone``, see
        :func:`knock_data.with_names`).

    Returns
    -------
    pandas.DataFrame
        The matching rows (a copy), columns and dtypes unchanged (categoricals keep all
        their categories).

    Examples
    --------
    >>> import pandas as pd
    >>> import knock_data as kd
    >>> df = pd.DataFrame({
    ...     "status": ["new", "Visited", "lost"],
    ...     "is_deleted": pd.array([False, False, True], dtype="boolean"),
    ...     "not_prospect": pd.array([False, None, False], dtype="boolean"),
    ...     "created_at": pd.to_datetime(["2026-03-01", "2026-03-15", "2026-04-01"], utc=True),
    ... })
    >>> len(kd.filter_prospects(df)), len(kd.filter_prospects(df, include_deleted=True))
    (2, 3)
    >>> march = kd.filter_prospects(df, statuses="visited", created=("2026-03", "2026-03"))
    >>> march["status"].tolist()
    ['Visited']
    """
    what = "filter_prospects"
    if not isinstance(df, pd.DataFrame):
        raise WrongArgumentType(f"{what} needs a pandas DataFrame, got {type(df).__name__}.")
    keep = np.ones(len(df), dtype=bool)
    if not include_deleted:
        keep &= ~require_column(df, IS_DELETED, what).fillna(False).to_numpy(dtype=bool)
    if not include_not_prospect:
        keep &= ~require_column(df, NOT_PROSPECT, what).fillna(False).to_numpy(dtype=bool)
    for column, arg, name in (
        (COMMUNITY_ID, communities, "communities"),
        (SOURCE_TITLE, sources, "sources"),
        (AGENT_USERNAME, agents, "agents"),
    ):
        wanted = _as_values(arg, name)
        if wanted is not None:
            keep &= _isin(require_column(df, column, what), wanted)
    wanted_status = _as_values(statuses, "statuses")
    if wanted_status is not None:
        codes, uniques = factorize(require_column(df, STATUS, what))
        in_data = [normalize_status(v) for v in uniques]
        keys = _status_keys(wanted_status, in_data)
        hit = np.array([key in keys for key in in_data], dtype=bool)
        keep &= hit[codes] if len(codes) else np.zeros(0, dtype=bool)
    if created is not None:
        if isinstance(created, str) or not isinstance(created, Sequence) or len(created) != 2:
            raise ConfigurationError(
                f"created must be a (start, end) pair, got {created!r}.",
                hint="For example created=('2026-01-01', '2026-03-31') or (None, '2026-03').",
            )
        start = _bound(created[0], end=False)
        stop = _bound(created[1], end=True)
        if (
            start is not None
            and stop is not None
            and (_later(start[0], stop[0]) or (start[0] == stop[0] and stop[1]))
        ):
            raise ConfigurationError(f"created starts after it ends: {tuple(created)!r}.")
        keep &= _in_created(df, start, stop, time_zone(tz), what)
    return df.loc[keep].copy()


def _in_created(
    df: pd.DataFrame,
    start: tuple[pd.Timestamp, bool] | None,
    stop: tuple[pd.Timestamp, bool] | None,
    zone: str,
    what: str,
) -> np.ndarray:
    """Rows created within the bounds: naive ones on the local clock, others as instants."""
    keep = np.ones(len(df), dtype=bool)
    utc: np.ndarray | None = None
    wall: np.ndarray | None = None
    for bound, is_start in ((start, True), (stop, False)):
        if bound is None:
            continue
        stamp, exclusive = bound
        if stamp.tzinfo is None:
            if wall is None:
                wall = local_created(df, zone, what).times
            values, limit = wall, np.datetime64(stamp.as_unit("us").to_datetime64())
        else:
            if utc is None:
                utc = created_utc(df, what).dt.tz_localize(None).to_numpy(dtype="datetime64[us]")
            limit = np.datetime64(stamp.tz_localize(None).as_unit("us").to_datetime64())
            values = utc
        if is_start:
            keep &= values >= limit  # NaT compares False: undated rows fall outside any bound
        elif exclusive:
            keep &= values < limit
        else:
            keep &= values <= limit
    return keep
