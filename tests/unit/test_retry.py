"""Retry timings, Retry-After, the rate limiter and the retry loop, without any transport."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable

import pytest

from knock_data import ConfigurationError, RetryPolicy, ServerError
from knock_data._fetch.responses import Answer, Next
from knock_data._fetch.retry import (
    Cancelled,
    RateLimiter,
    pause,
    retry_after_seconds,
    with_retries,
)


@pytest.mark.parametrize(
    "bad",
    [{"max_retries": -1}, {"backoff": -1}, {"max_backoff": -0.1}, {"max_retry_after": -5}],
)
def test_a_policy_out_of_range_is_refused(bad: dict[str, float]) -> None:
    with pytest.raises(ConfigurationError):
        RetryPolicy(**bad)  # type: ignore[arg-type]


def test_backoff_doubles_with_equal_jitter_up_to_the_cap() -> None:
    policy = RetryPolicy(backoff=0.5, max_backoff=4.0)
    rng = random.Random(1)
    for attempt, ceiling in [(0, 0.5), (1, 1.0), (2, 2.0), (3, 4.0), (4, 4.0), (10, 4.0)]:
        delays = [policy.delay(attempt, None, rng) for _ in range(200)]
        assert ceiling / 2 <= min(delays)
        assert max(delays) <= ceiling
        assert max(delays) - min(delays) > ceiling / 4  # really jittered


def test_retry_after_is_honoured_capped_and_jittered() -> None:
    policy = RetryPolicy(backoff=0.5, max_retry_after=10.0)
    rng = random.Random(2)
    assert 3.0 <= policy.delay(0, "3", rng) <= 3.5
    assert 10.0 <= policy.delay(0, "3600", rng) <= 10.5
    assert policy.delay(5, "not a date", rng) <= 16.0  # ignored: plain backoff


def test_retry_after_seconds_reads_seconds_and_http_dates() -> None:
    assert retry_after_seconds("12") == 12.0
    assert retry_after_seconds("-3") == 0.0
    assert retry_after_seconds("Thu, 01 Jan 1970 00:00:30 GMT", now=10.0) == 20.0
    assert retry_after_seconds("Thu, 01 Jan 1970 00:00:30 GMT", now=99.0) == 0.0
    assert retry_after_seconds("") is None
    assert retry_after_seconds("tomorrow") is None


def _answers(*answers: Answer) -> tuple[list[int], Callable[[], Answer]]:
    calls: list[int] = []

    def attempt() -> Answer:
        calls.append(1)
        return answers[min(len(calls), len(answers)) - 1]

    return calls, attempt


RETRY = Answer(Next.RETRY, error=ServerError("503"), retry_after="0")
DONE = Answer(Next.ACCEPT, record={"prospectId": "1"})
FAST = RetryPolicy(max_retries=3, backoff=0.0, max_retry_after=0.0)


def test_the_loop_retries_until_an_answer_is_final() -> None:
    calls, attempt = _answers(RETRY, RETRY, DONE)
    answer = with_retries(attempt, FAST, cancel=threading.Event(), rng=random.Random())
    assert (answer, len(calls)) == (DONE, 3)


@pytest.mark.parametrize("final", [Next.FAIL, Next.FALL_BACK])
def test_the_loop_never_retries_a_final_answer(final: Next) -> None:
    calls, attempt = _answers(Answer(final, error=ServerError("500")))
    with_retries(attempt, FAST, cancel=threading.Event(), rng=random.Random())
    assert len(calls) == 1


def test_the_loop_gives_up_after_max_retries_with_the_last_answer() -> None:
    calls, attempt = _answers(RETRY)
    answer = with_retries(attempt, FAST, cancel=threading.Event(), rng=random.Random())
    assert (answer.next, len(calls)) == (Next.RETRY, 4)


def test_a_cancelled_loop_sends_nothing_more() -> None:
    cancel = threading.Event()
    cancel.set()
    calls, attempt = _answers(DONE)
    with pytest.raises(Cancelled):
        with_retries(attempt, FAST, cancel=cancel, rng=random.Random())
    assert calls == []


def _wakes_within(wait: Callable[[], None], cancel: threading.Event, bound: float) -> float:
    """Start ``wait()`` in a thread, cancel, and return how long it took to stop."""
    raised: list[BaseException] = []

    def run() -> None:
        try:
            wait()
        except Cancelled as error:
            raised.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    time.sleep(0.05)
    start = time.monotonic()
    cancel.set()
    thread.join(timeout=10)
    elapsed = time.monotonic() - start
    assert raised, "the wait ended without Cancelled"
    assert elapsed < bound
    return elapsed


def test_a_pause_is_cut_short_by_cancel() -> None:
    cancel = threading.Event()
    _wakes_within(lambda: pause(30, cancel), cancel, bound=1.0)


def test_a_rate_limiter_wait_is_cut_short_by_cancel() -> None:
    limiter = RateLimiter(0.05)  # one request every 20 s
    limiter.acquire()  # takes the first slot
    cancel = threading.Event()
    _wakes_within(lambda: limiter.acquire(cancel), cancel, bound=1.0)


def test_the_rate_limiter_spaces_requests_across_threads() -> None:
    limiter = RateLimiter(50)
    times: list[float] = []
    lock = threading.Lock()

    def take() -> None:
        limiter.acquire(threading.Event())
        with lock:
            times.append(time.monotonic())

    threads = [threading.Thread(target=take) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    times.sort()
    assert times[-1] - times[0] >= 5 * 0.02 * 0.9
