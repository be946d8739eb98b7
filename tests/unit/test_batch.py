"""The batch: a bounded window of work, progress from the first answers, and a cancel event
that stops every worker at once, wherever it waits."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import pytest

from knock_data import (
    AuthenticationError,
    ConfigurationError,
    ProspectNotFound,
    RetryPolicy,
)
from knock_data._fetch.batch import Batch, FetchCounts, Progress
from knock_data._fetch.fetcher import Fetched
from knock_data._fetch.retry import Cancelled
from tests.unit.fake_transport import FakeAdapter, make_client, prospect


class Recorder(Progress):
    """A progress bar that records, at each update, how many ids had been handed out."""

    def __init__(self, handed_out: Callable[[], int]) -> None:
        super().__init__(0, enabled=False)
        self.handed_out = handed_out
        self.updates: list[int] = []

    def advance(self, n: int, counts: FetchCounts) -> None:
        self.updates.append(self.handed_out())


def counted(n: int) -> tuple[list[int], Iterator[str]]:
    """``n`` ids, and a counter of how many the batch has taken so far."""
    taken = [0]

    def ids() -> Iterator[str]:
        for i in range(n):
            taken[0] += 1
            yield str(i)

    return taken, ids()


def test_work_in_flight_never_exceeds_the_window() -> None:
    taken, ids = counted(3000)
    progress = Recorder(lambda: taken[0])
    in_flight: list[int] = []

    def fetch_one(pid: str, cancel: threading.Event) -> Fetched:
        in_flight.append(taken[0] - len(progress.updates))  # handed out, not yet handled
        return Fetched(prospect(pid), "network")

    batch = Batch(fetch_one, max_workers=3, progress=progress, counts=FetchCounts())
    batch.run(ids)
    assert len(batch.records) == 3000
    assert batch.counts.fetched == 3000
    assert batch.window == 12
    assert 0 < max(in_flight) <= batch.window


def test_the_first_progress_update_comes_before_the_ids_run_out() -> None:
    taken, ids = counted(20_000)
    progress = Recorder(lambda: taken[0])

    def fetch_one(pid: str, cancel: threading.Event) -> Fetched:
        return Fetched(prospect(pid), "network")

    batch = Batch(fetch_one, max_workers=4, progress=progress, counts=FetchCounts())
    batch.run(ids)
    assert len(progress.updates) == 20_000
    assert progress.updates[0] <= batch.window  # one future per id up front: 20,000


def test_each_outcome_is_counted_and_a_failure_stays_with_its_id() -> None:
    def fetch_one(pid: str, cancel: threading.Event) -> Fetched:
        if pid == "2":
            raise ProspectNotFound("gone", prospect_id=pid)
        return Fetched(
            prospect(pid), "stale" if pid == "3" else "cache" if pid == "4" else "network"
        )

    counts = FetchCounts(invalid=2)
    batch = Batch(fetch_one, max_workers=2, progress=Progress(0, enabled=False), counts=counts)
    batch.run(["1", "2", "3", "4"])
    assert (counts.fetched, counts.stale, counts.cached, counts.failed) == (1, 1, 1, 1)
    assert counts.postfix() == {"cached": 1, "fetched": 1, "stale": 1, "failed": 3}
    assert list(batch.failures) == ["2"]
    assert sorted(batch.records) == ["1", "3", "4"]


@pytest.mark.parametrize("stopper", [AuthenticationError, ConfigurationError])
def test_an_error_that_would_fail_every_id_stops_the_batch(stopper: type[Exception]) -> None:
    started: list[str] = []

    def fetch_one(pid: str, cancel: threading.Event) -> Fetched:
        started.append(pid)
        if pid == "0":
            raise stopper("no")
        if cancel.wait(5):
            raise Cancelled
        return Fetched(prospect(pid), "network")

    batch = Batch(
        fetch_one, max_workers=2, progress=Progress(0, enabled=False), counts=FetchCounts()
    )
    start = time.monotonic()
    with pytest.raises(stopper):
        batch.run(str(i) for i in range(1000))
    assert time.monotonic() - start < 2
    assert batch.cancel.is_set()
    assert len(started) <= 4  # the first ids, not a thousand


# --- the same, through KnockClient and a fake transport ----------------------------------


def test_the_client_submits_through_a_bounded_window(monkeypatch: pytest.MonkeyPatch) -> None:
    submitted = [0]
    answered = [0]
    outstanding: list[int] = []
    lock = threading.Lock()
    real_submit = ThreadPoolExecutor.submit

    def counting_submit(self: ThreadPoolExecutor, fn: Any, /, *args: Any, **kw: Any) -> Future[Any]:
        with lock:
            submitted[0] += 1
        return real_submit(self, fn, *args, **kw)

    def reply(pid: str, attempt: int) -> Any:
        with lock:
            outstanding.append(submitted[0] - answered[0])
            answered[0] += 1
        return (200, prospect(pid), {})

    monkeypatch.setattr(ThreadPoolExecutor, "submit", counting_submit)
    result = make_client(FakeAdapter(reply), max_workers=4).fetch_prospects(
        range(1, 3001), progress=False
    )
    assert result.n_fetched == 3000
    assert 0 < max(outstanding) <= 4 * 4  # the window; one future per id would be 3,000


def _new_workers(before: set[threading.Thread]) -> list[threading.Thread]:
    return [
        t for t in threading.enumerate() if t not in before and t.name.startswith("knock-fetch")
    ]


def test_a_refused_key_stops_workers_waiting_in_the_rate_limiter() -> None:
    def reply(pid: str, attempt: int) -> Any:
        time.sleep(0.3)  # meanwhile the other workers book their slots and wait
        return (403, {"message": "Forbidden"}, {})

    adapter = FakeAdapter(reply)
    client = make_client(adapter, max_workers=4, rate_limit=0.5)  # a request every 2 s
    before = set(threading.enumerate())
    start = time.monotonic()
    with pytest.raises(AuthenticationError):
        client.fetch_prospects(range(1, 101), progress=False)
    workers = _new_workers(before)
    for worker in workers:
        worker.join(timeout=10)
    # Three workers were booked for 2, 4 and 6 s from now: cancelled, they wake at once.
    assert time.monotonic() - start < 1.5
    assert not any(w.is_alive() for w in workers)
    assert sum(adapter.calls.values()) == 1  # and none of them sends after waking


def test_a_refused_key_stops_workers_waiting_in_backoff() -> None:
    def reply(pid: str, attempt: int) -> Any:
        if pid == "1":
            time.sleep(0.3)  # the others are in their backoff by now
            return (403, {"message": "Forbidden"}, {})
        return (503, {"message": "Service Unavailable"}, {"Retry-After": "30"})

    adapter = FakeAdapter(reply)
    policy = RetryPolicy(max_retries=3, backoff=0.001, max_retry_after=30)
    client = make_client(adapter, max_workers=4, retry=policy)
    before = set(threading.enumerate())
    start = time.monotonic()
    with pytest.raises(AuthenticationError):
        client.fetch_prospects([1, 2, 3, 4], progress=False)
    workers = _new_workers(before)
    for worker in workers:
        worker.join(timeout=10)
    assert time.monotonic() - start < 1.5  # not the 30 s of Retry-After
    assert not any(w.is_alive() for w in workers)
    assert dict(adapter.calls) == {"1": 1, "2": 1, "3": 1, "4": 1}  # no retry after waking
