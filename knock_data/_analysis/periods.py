"""Periods of ``created_at``: the one table of period names, time zones, and period codes.

:data:`PERIODS` is what every layer offers and accepts (``by="week"``, ``freq="W"``, the
charts' axis labels, the dashboard's choice of bars); :func:`period_name` reads a user's
spelling of one, :func:`time_zone` a time zone (one IANA zone, or ``"community"``: each
row in its community's zone), :func:`local_created` gives each row's local creation time and
:func:`period_codes` places each row in its created period in that zone.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pandas as pd

from knock_data._analysis._codes import require_column
from knock_data._exceptions import ConfigurationError
from knock_data._schema import COMMUNITY_TIMEZONE, CREATED_AT, is_missing

__all__ = [
    "COMMUNITY_TIME",
    "PERIODS",
    "PERIOD_ALIASES",
    "LocalTimes",
    "created_utc",
    "local_created",
    "partial_periods",
    "period_choices",
    "period_codes",
    "period_name",
    "time_zone",
    "utc_column",
]

#: Period names accepted by ``by`` and ``freq``, and the pandas period each one means.
#: Weeks run Monday to Sunday.
PERIODS: dict[str, str] = {
    "day": "D",
    "week": "W-SUN",
    "month": "M",
    "quarter": "Q-DEC",
    "year": "Y-DEC",
}
#: The short spellings: a period's first letter, in either case (``"W"`` is ``"week"``).
PERIOD_ALIASES: dict[str, str] = {name[0]: name for name in PERIODS}

#: The ``tz`` that shows each row in its own community's time zone (the naming table's
#: ``timezone`` column, which :func:`knock_data.with_names` puts in ``community_timezone``).
COMMUNITY_TIME = "community"

_TIME_ZONE_HINT = (
    "Use an IANA name such as 'America/Chicago', 'America/New_York', "
    "'America/Denver', 'America/Los_Angeles', 'America/Phoenix' or 'UTC', or 'community' "
    "for each community's own zone."
)


def period_name(freq: object, what: str = "freq") -> str:
    """The period a user means (``"W"``, ``"week"``, ``" Month "``), or an error listing them.

    Examples
    --------
    >>> period_name("W"), period_name(" Month ")
    ('week', 'month')
    """
    name = str(freq).strip().lower() if isinstance(freq, str) else ""
    name = PERIOD_ALIASES.get(name, name)
    if name not in PERIODS:
        raise ConfigurationError(
            f"unknown {what} {freq!r}.",
            hint=f"Choose one of {period_choices()}.",
        )
    return name


def period_choices() -> str:
    """The periods, for a message: ``'day', ..., 'year', or D, W, M, Q, Y``."""
    letters = ", ".join(alias.upper() for alias in PERIOD_ALIASES)
    return f"{', '.join(repr(p) for p in PERIODS)}, or {letters}"


def time_zone(tz: object) -> str:
    """The IANA name of ``tz`` (a name or a ``ZoneInfo``); ``None`` is UTC.

    ``"community"`` (:data:`COMMUNITY_TIME`) comes back as it is: each row's zone is then
    its community's (see :func:`local_created`).
    """
    if tz is None:
        return "UTC"
    if isinstance(tz, str) and tz.strip().lower() == COMMUNITY_TIME:
        return COMMUNITY_TIME
    if isinstance(tz, str):
        try:
            ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ConfigurationError(f"unknown time zone {tz!r}.", hint=_TIME_ZONE_HINT) from exc
        return tz
    key: Any = getattr(tz, "key", None)  # a ZoneInfo object
    if isinstance(key, str):
        return key
    raise ConfigurationError(
        f"tz must be an IANA time zone name such as 'America/Chicago', got {tz!r}."
    )


def created_utc(df: pd.DataFrame, what: str) -> pd.Series:
    """``created_at`` as tz-aware UTC datetimes (naive values are taken as UTC)."""
    return utc_column(df, CREATED_AT, what)


def utc_column(df: pd.DataFrame, name: str, what: str) -> pd.Series:
    """Column ``name`` as tz-aware UTC datetimes (naive values are taken as UTC)."""
    values = require_column(df, name, what)
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        return values.dt.tz_convert("UTC")
    if pd.api.types.is_datetime64_dtype(values.dtype):
        return values.dt.tz_localize("UTC")
    try:
        return pd.to_datetime(values, utc=True, format="ISO8601")
    except (ValueError, TypeError) as exc:
        raise ConfigurationError(
            f"{what}: {name} holds values that are not ISO-8601 timestamps ({exc}).",
            hint="Build the frame with knock_data.to_frame(records).",
        ) from exc


class LocalTimes:
    """Each row's creation time on its local wall clock, and which zone that clock is.

    Attributes
    ----------
    times : numpy.ndarray
        ``datetime64[us]`` wall-clock times (``NaT`` where ``created_at`` is missing).
    zone : str
        The zone's IANA name, or ``"community"`` for each row's community's zone.
    no_zone : int
        With ``"community"``: rows whose community has no time zone, placed in UTC.
    """

    __slots__ = ("no_zone", "times", "zone")

    def __init__(self, times: np.ndarray, zone: str, no_zone: int = 0) -> None:
        self.times = times
        self.zone = zone
        self.no_zone = no_zone

    def days(self) -> np.ndarray:
        """The local calendar day of each row (``datetime64[D]``, ``NaT`` when undated)."""
        return self.times.astype("datetime64[D]")


def local_created(df: pd.DataFrame, tz: str, what: str) -> LocalTimes:
    """``created_at`` on the local wall clock of ``tz`` (a zone name from :func:`time_zone`).

    With ``"community"`` each row is read in its ``community_timezone``; a row without one
    stays in UTC and is counted in :attr:`LocalTimes.no_zone`. A frame without the column is
    an error saying how to add it.
    """
    utc = created_utc(df, what)
    if tz != COMMUNITY_TIME:
        local = utc.dt.tz_convert(tz).dt.tz_localize(None)
        return LocalTimes(local.to_numpy(dtype="datetime64[us]"), tz)
    if COMMUNITY_TIMEZONE not in df.columns:
        raise ConfigurationError(
            f"{what}: tz='community' needs each community's time zone, and the frame has no "
            f"{COMMUNITY_TIMEZONE!r} column.",
            hint="Add it with knock_data.with_names(frame, communities=table), where the "
            "table has a 'timezone' column, or pass one zone such as tz='America/Chicago'.",
        )
    naive = utc.dt.tz_localize(None).to_numpy(dtype="datetime64[us]")
    times = naive.copy()
    codes, zones = pd.factorize(df[COMMUNITY_TIMEZONE])
    codes = np.asarray(codes)
    for code, zone in enumerate(zones):
        rows = np.flatnonzero(codes == code)
        if is_missing(zone) or str(zone) == "UTC":
            continue
        shifted = utc.iloc[rows].dt.tz_convert(str(zone)).dt.tz_localize(None)
        times[rows] = shifted.to_numpy(dtype="datetime64[us]")
    no_zone = int(((codes == -1) & ~np.isnat(naive)).sum())
    return LocalTimes(times, COMMUNITY_TIME, no_zone)


def period_codes(
    df: pd.DataFrame, period: str, tz: str, what: str, local: LocalTimes | None = None
) -> tuple[np.ndarray, pd.PeriodIndex, np.ndarray]:
    """Each row's created period (in ``tz``) as a code into the sorted periods seen.

    Returns ``(codes, periods, missing)``; rows without ``created_at`` are flagged in
    ``missing`` (their code is 0). Works on whole local days first (one integer per row),
    so only the few hundred distinct days ever become pandas Periods. ``local`` saves
    working out the local times again when the caller has them.
    """
    days = (local or local_created(df, tz, what)).days()
    missing = np.isnat(days)
    freq = PERIODS[period]
    if missing.all():
        return np.zeros(len(days), dtype=np.int64), pd.PeriodIndex([], freq=freq), missing
    day_int = days.astype(np.int64)
    first = int(day_int[~missing].min())
    offset = np.where(missing, 0, day_int - first)
    seen = np.bincount(offset[~missing])
    present = np.flatnonzero(seen)
    periods = pd.DatetimeIndex((present + first).astype("datetime64[D]")).to_period(freq)
    codes, uniques = pd.factorize(periods, sort=True)
    lookup = np.zeros(len(seen), dtype=np.int64)
    lookup[present] = codes
    return lookup[offset], pd.PeriodIndex(uniques), missing


def partial_periods(periods: pd.PeriodIndex, start: pd.Timestamp, end: pd.Timestamp) -> np.ndarray:
    """Which ``periods`` the data covers only in part.

    The data covers ``start`` (inclusive) to ``end`` (exclusive), naive times in the
    periods' zone; a period is partial when it starts before ``start`` or ends after
    ``end``.

    Examples
    --------
    >>> months = pd.period_range("2026-01", "2026-03", freq="M")
    >>> partial_periods(months, pd.Timestamp("2026-01-10"), pd.Timestamp("2026-04-01")).tolist()
    [True, False, False]
    """
    if not len(periods):
        return np.zeros(0, dtype=bool)
    starts = periods.start_time
    ends = (periods + 1).start_time
    return np.asarray((starts < start) | (ends > end), dtype=bool)
