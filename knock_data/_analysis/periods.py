"""Periods of ``created_at``: the one table of period names, time zones, and period codes.

:data:`PERIODS` is what every layer offers and accepts (``by="week"``, ``freq="W"``, the
charts' axis labels, the dashboard's choice of bars); :func:`period_name` reads a user's
spelling of one, :func:`time_zone` a time zone, and :func:`period_codes` places each row in
its created period in that zone.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pandas as pd

from knock_data._analysis._codes import require_column
from knock_data._exceptions import ConfigurationError
from knock_data._schema import CREATED_AT

__all__ = [
    "PERIODS",
    "PERIOD_ALIASES",
    "created_utc",
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

_TIME_ZONE_HINT = (
    "Use an IANA name such as 'America/Chicago', 'America/New_York', "
    "'America/Denver', 'America/Los_Angeles', 'America/Phoenix' or 'UTC'."
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
    """The IANA name of ``tz`` (a name or a ``ZoneInfo``); ``None`` is UTC."""
    if tz is None:
        return "UTC"
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


def period_codes(
    df: pd.DataFrame, period: str, tz: str, what: str
) -> tuple[np.ndarray, pd.PeriodIndex, np.ndarray]:
    """Each row's created period (in ``tz``) as a code into the sorted periods seen.

    Returns ``(codes, periods, missing)``; rows without ``created_at`` are flagged in
    ``missing`` (their code is 0). Works on whole local days first (one integer per row),
    so only the few hundred distinct days ever become pandas Periods.
    """
    local = created_utc(df, what).dt.tz_convert(tz).dt.tz_localize(None)
    days = local.to_numpy(dtype="datetime64[D]")
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
