"""The sandbox's clock: a simulated present that moves forward only.

It starts at a given moment, moves when told (:meth:`SandboxClock.advance`) and, given a
speed, also runs by itself: ``days_per_minute=7`` turns each real minute into a simulated
week, for live demos. It reads in whole seconds, the resolution of the HTTP ``Date`` header,
so the moment a response is served at and the moment its ``Date`` header names are the same.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime

from knock_data._exceptions import ConfigurationError, WrongArgumentType

__all__ = ["SandboxClock", "http_date", "parse_moment"]


def parse_moment(value: datetime | date | str) -> datetime:
    """A moment as an aware UTC datetime: a datetime, a day (its midnight) or ISO-8601 text.

    Naive values are taken as UTC.

    Examples
    --------
    >>> parse_moment("2021-12-31")
    datetime.datetime(2021, 12, 31, 0, 0, tzinfo=datetime.timezone.utc)
    >>> parse_moment("2021-12-31T09:30-05:00").isoformat()
    '2021-12-31T14:30:00+00:00'
    """
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            raise ConfigurationError(
                f"expected a day or a moment such as 2021-12-31 or 2021-12-31T09:30Z, got {value!r}"
            ) from None
    if not isinstance(value, datetime):
        if not isinstance(value, date):
            raise WrongArgumentType(
                f"expected a datetime, a date or ISO-8601 text, got {type(value).__name__} "
                f"{value!r:.40}"
            )
        value = datetime(value.year, value.month, value.day)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def http_date(moment: datetime) -> str:
    """``moment`` as an HTTP ``Date`` header value (RFC 9110's IMF-fixdate).

    Examples
    --------
    >>> http_date(datetime(2021, 11, 2, tzinfo=UTC))
    'Tue, 02 Nov 2021 00:00:00 GMT'
    """
    return format_datetime(moment.astimezone(UTC), usegmt=True)


class SandboxClock:
    """A simulated present: starts at ``start``, moves forward only, reads in whole seconds.

    Parameters
    ----------
    start
        The first moment (aware; see :func:`parse_moment`).
    days_per_minute
        How fast the clock runs by itself: simulated days per real minute (0, the default,
        stands still between :meth:`advance` calls).
    monotonic
        The real clock it runs by (seconds); tests pass their own.

    Examples
    --------
    >>> clock = SandboxClock(datetime(2021, 11, 2, tzinfo=UTC))
    >>> clock.advance(timedelta(days=7)).isoformat()
    '2021-11-09T00:00:00+00:00'
    >>> clock.now == clock.advance(timedelta(0))
    True
    """

    def __init__(
        self,
        start: datetime,
        *,
        days_per_minute: float = 0.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if not (math.isfinite(days_per_minute) and days_per_minute >= 0):
            raise ConfigurationError(
                f"speed must be zero or more simulated days per minute, got {days_per_minute}"
            )
        self._start = parse_moment(start)
        self._days_per_minute = days_per_minute
        self._monotonic = monotonic
        self._started_real = monotonic()
        self._moved = timedelta(0)
        self._lock = threading.Lock()
        self._standing = self._read()  # a clock that does not run reads without a lock

    @property
    def days_per_minute(self) -> float:
        """How fast the clock runs by itself (0: only :meth:`advance` moves it)."""
        return self._days_per_minute

    @property
    def now(self) -> datetime:
        """The simulated present, UTC, in whole seconds."""
        if not self._days_per_minute:
            return self._standing
        with self._lock:
            return self._read()

    def advance(self, by: timedelta) -> datetime:
        """Move the clock forward by ``by`` and return the new present; never back."""
        if by < timedelta(0):
            raise ConfigurationError(
                f"the sandbox's clock moves forward only; cannot go back by {-by}"
            )
        with self._lock:
            moved = self._moved + by
            try:
                self._start + moved
            except OverflowError:
                raise ConfigurationError(f"cannot advance by {by}: past the year 9999") from None
            self._moved = moved
            self._standing = now = self._read()
            return now

    def _read(self) -> datetime:
        exact = self._start + self._moved
        if self._days_per_minute:
            real = self._monotonic() - self._started_real
            exact += timedelta(days=real * self._days_per_minute / 60)
        return exact.replace(microsecond=0)
