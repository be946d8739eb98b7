"""Retrying politely: the policy, ``Retry-After``, backoff with jitter, the rate limiter.

Every wait here is cut short when the batch it belongs to is cancelled (a refused key, an
unusable cache file, Ctrl-C): the waiting thread gets :class:`Cancelled` at once instead of
sleeping out its delay. The cancel event is the batch's own (see :mod:`.batch`), handed down
with each call; nothing here keeps per-batch state.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

from knock_data._exceptions import ConfigurationError, WrongArgumentType
from knock_data._fetch.responses import Answer, Next

__all__ = [
    "Cancelled",
    "RateLimiter",
    "RetryPolicy",
    "pause",
    "retry_after_seconds",
    "with_retries",
]


class Cancelled(Exception):
    """The batch was cancelled while this thread waited or before it sent its request."""


@dataclass(frozen=True)
class RetryPolicy:
    """How transient failures (429, 502, 503, 504, timeouts, resets, bad 200s) are retried.

    Pass one to :class:`knock_data.KnockClient` as ``retry=``.

    Parameters
    ----------
    max_retries
        Retries after the first attempt; ``0`` disables retrying.
    backoff
        First delay in seconds; it doubles on each retry, with jitter, up to ``max_backoff``.
    max_backoff
        Longest delay between two attempts, in seconds.
    max_retry_after
        Cap on a server's ``Retry-After``, in seconds, so that one answer cannot stall a batch.

    Examples
    --------
    >>> import random
    >>> policy = RetryPolicy(backoff=1.0, max_backoff=4.0)
    >>> [policy.delay(n, None, random.Random(0)) <= 2.0**n for n in range(3)]
    [True, True, True]
    >>> policy.delay(0, "120", random.Random(0)) <= 61  # Retry-After, capped at 60 s
    True
    """

    max_retries: int = 5
    backoff: float = 0.5
    max_backoff: float = 30.0
    max_retry_after: float = 60.0

    def __post_init__(self) -> None:
        for name in ("max_retries", "backoff", "max_backoff", "max_retry_after"):
            value = getattr(self, name)
            whole = name == "max_retries"
            if isinstance(value, bool) or not isinstance(value, int if whole else int | float):
                raise WrongArgumentType(
                    f"{name} must be a {'whole number' if whole else 'number of seconds'}, got "
                    f"{type(value).__name__} {value!r:.40}."
                )
        if self.max_retries < 0:
            raise ConfigurationError(f"max_retries must be 0 or more, got {self.max_retries}.")
        for name in ("backoff", "max_backoff", "max_retry_after"):
            if getattr(self, name) < 0:
                raise ConfigurationError(f"{name} must be 0 or more seconds.")

    def delay(self, attempt: int, retry_after: str | None, rng: random.Random) -> float:
        """Seconds to wait before retry number ``attempt + 1``.

        A server's ``Retry-After`` is honoured up to ``max_retry_after``, plus up to a second
        of jitter so that the workers it stopped do not come back all at once; otherwise the
        delay is exponential with "equal jitter" (half fixed, half random).
        """
        seconds = retry_after_seconds(retry_after)
        if seconds is not None:
            return min(seconds, self.max_retry_after) + rng.uniform(0, min(1.0, self.backoff))
        ceiling = min(self.max_backoff, self.backoff * 2**attempt)
        return ceiling / 2 + rng.uniform(0, ceiling / 2)


def retry_after_seconds(value: str | None, *, now: float | None = None) -> float | None:
    """A ``Retry-After`` header as seconds from now: delay-seconds or an HTTP date.

    Examples
    --------
    >>> retry_after_seconds("7"), retry_after_seconds("soon"), retry_after_seconds(None)
    (7.0, None, None)
    >>> retry_after_seconds("Thu, 01 Jan 1970 00:01:00 GMT", now=0.0)
    60.0
    """
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError):
        return None
    return max(0.0, when - (time.time() if now is None else now))


def pause(seconds: float, cancel: threading.Event) -> None:
    """Wait ``seconds``, or raise :class:`Cancelled` as soon as ``cancel`` is set."""
    if cancel.wait(seconds):
        raise Cancelled


class RateLimiter:
    """Spaces network requests ``1 / rate`` seconds apart, across threads.

    Each caller books the next free slot, then waits for it outside the lock, so a cancelled
    batch's waiters all wake at once.
    """

    def __init__(self, rate: float) -> None:
        self.interval = 1.0 / rate
        self._lock = threading.Lock()
        self._next = 0.0

    def acquire(self, cancel: threading.Event | None = None) -> None:
        """Wait for this caller's slot; raise :class:`Cancelled` if ``cancel`` is set first."""
        with self._lock:
            now = time.monotonic()
            slot = max(now, self._next)
            self._next = slot + self.interval
        delay = slot - now
        if delay <= 0:
            return
        if cancel is None:
            time.sleep(delay)
        else:
            pause(delay, cancel)

    def __repr__(self) -> str:
        return f"RateLimiter({1 / self.interval:g} per second)"


def with_retries(
    attempt: Callable[[], Answer],
    policy: RetryPolicy,
    *,
    cancel: threading.Event,
    rng: random.Random,
) -> Answer:
    """Call ``attempt`` until its answer is not to be retried or the retries run out.

    Returns the last answer; a ``RETRY`` answer means the retries ran out (the caller then
    treats it as ``FALL_BACK``). Raises :class:`Cancelled` when ``cancel`` is set before an
    attempt or during a pause.
    """
    number = 0
    while True:
        if cancel.is_set():
            raise Cancelled
        answer = attempt()
        if answer.next is not Next.RETRY or number >= policy.max_retries:
            return answer
        pause(policy.delay(number, answer.retry_after, rng), cancel)
        number += 1
