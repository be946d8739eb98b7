"""Many ids at once: a thread pool fed through a bounded window, a progress bar, the counts.

A :class:`Batch` owns what belongs to one run and nothing else: its cancel event, its
window of work in flight and its counts. Work is submitted a few times ``max_workers`` at a
time, never one future per id up front, so the memory a batch needs does not grow with the
number of ids and the progress bar moves as soon as the first answers arrive, whether the
batch has a hundred ids or a million.

A refused key (:class:`~knock_data.AuthenticationError`) or an unusable cache file
(:class:`~knock_data.ConfigurationError`) would fail every id alike: the worker that meets
one sets the batch's cancel event at once, which wakes every worker waiting in the rate
limiter or in a retry's backoff and stops the ones about to send. Ctrl-C does the same from
the main thread. What was received before is already in the cache.

A server that is not there (nothing listens, the host name does not resolve) would fail
every id too, but only after each one's retries: minutes for a few hundred ids. A
:class:`ServerWatch` counts how each request went; when the first
:data:`DEAD_SERVER_REQUESTS` of a batch all failed to connect, none reaching the server, the
batch stops with one :class:`~knock_data.ConnectionFailed` naming the URL. Once any request
has reached the server, connection failures stay per-id errors.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any

from knock_data._exceptions import (
    AuthenticationError,
    ConfigurationError,
    ConnectionFailed,
    KnockError,
)
from knock_data._fetch.fetcher import Fetched
from knock_data._fetch.payloads import Payloads
from knock_data._fetch.retry import Cancelled

__all__ = [
    "DEAD_SERVER_REQUESTS",
    "STOPS_BATCH",
    "WINDOW_PER_WORKER",
    "Batch",
    "FetchCounts",
    "Progress",
    "ServerWatch",
]

#: Errors that would fail every id alike: the first one stops the whole batch.
STOPS_BATCH: tuple[type[KnockError], ...] = (AuthenticationError, ConfigurationError)
#: Ids in flight (running or queued) per worker thread.
WINDOW_PER_WORKER = 4
#: A batch whose first this many requests all failed to connect stops: the server is not there.
DEAD_SERVER_REQUESTS = 20
# How often the main thread wakes while waiting, so that Ctrl-C is handled promptly.
_POLL_SECONDS = 0.25


@dataclass
class FetchCounts:
    """How many ids ended where, so far: the progress bar's postfix and the result's counts."""

    cached: int = 0
    fetched: int = 0
    stale: int = 0
    failed: int = 0
    invalid: int = 0
    #: Of the fetched, how many replaced a cached copy, and how many of those were the same.
    refreshed: int = 0
    unchanged: int = 0
    #: Cached copies served because the refresh policy did not find them due.
    not_due: int = 0

    def add(self, source: str) -> None:
        """Count one record by where it came from (``cache``, ``network`` or ``stale``)."""
        if source == "cache":
            self.cached += 1
        elif source == "stale":
            self.stale += 1
        else:
            self.fetched += 1

    def postfix(self) -> dict[str, int]:
        """The counts the progress bar shows: cached, fetched, stale (if any), failed."""
        shown = {"cached": self.cached, "fetched": self.fetched}
        if self.stale:
            shown["stale"] = self.stale
        shown["failed"] = self.failed + self.invalid
        return shown


class Progress:
    """A tqdm bar (notebook or terminal) with the counts, or nothing when disabled."""

    def __init__(self, total: int, *, enabled: bool) -> None:
        self._bar: Any = None
        if enabled:
            from tqdm.auto import tqdm

            self._bar = tqdm(total=total, desc="Prospects", unit="id", dynamic_ncols=True)

    def advance(self, n: int, counts: FetchCounts) -> None:
        """Move the bar ``n`` ids on and show the counts."""
        if self._bar is not None:
            self._bar.update(n)
            self._bar.set_postfix(counts.postfix(), refresh=False)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class ServerWatch:
    """Tells a server that is not there from a few failed requests.

    Each worker reports how each request went (:meth:`record`, the fetcher's
    ``on_attempt``). The watch is :attr:`dead` once the first ``limit`` requests all failed
    to connect; a single request that reached the server settles it for the whole batch.

    Examples
    --------
    >>> watch = ServerWatch("http://127.0.0.1:9", limit=2)
    >>> watch.record("the connection was refused"); watch.dead
    False
    >>> watch.record("the connection was refused"); watch.dead
    True
    """

    def __init__(self, base_url: str, *, limit: int = DEAD_SERVER_REQUESTS) -> None:
        self.base_url = base_url
        self.limit = limit
        self._lock = threading.Lock()
        self._failed = 0
        self._reached = False
        self._why = ""

    @property
    def dead(self) -> bool:
        """True when the first ``limit`` requests all failed to connect."""
        return not self._reached and self._failed >= self.limit

    def record(self, failure: str | None) -> None:
        """One request's outcome: None when it reached the server, else why it did not."""
        with self._lock:
            if failure is None:
                self._reached = True
            elif not self._reached:
                self._failed += 1
                self._why = failure

    def error(self) -> ConnectionFailed:
        """The error that stops the batch."""
        return ConnectionFailed(
            f"Cannot connect to {self.base_url}: the first {self.limit} requests all "
            f"failed ({self._why}).",
            hint=f"Is the server running, and is base_url={self.base_url!r} right? Nothing "
            "more was sent; what was fetched before stays cached, so run the batch again once "
            "the server answers.",
        )


class Batch:
    """One run of many ids through a thread pool.

    Parameters
    ----------
    fetch_one
        ``fetch_one(prospect_id, cancel)`` returns a :class:`~.fetcher.Fetched` or raises a
        :class:`~knock_data.KnockError` (or :class:`~.retry.Cancelled`).
    max_workers
        Threads.
    progress, counts
        Updated after each id.
    window
        Most ids submitted and not yet handled; ``WINDOW_PER_WORKER * max_workers`` by
        default.
    watch
        Told how each request went by ``fetch_one``'s fetcher; when it finds the server
        dead, the batch stops with its :class:`~knock_data.ConnectionFailed`.
    on_settled
        Called in the main thread as each id finishes, with the id and either what was
        fetched or the error (a history records here); what it raises stops the batch.
    records
        Where each prospect fetched is kept (compressed); a new :class:`~.payloads.Payloads`
        by default.

    Attributes
    ----------
    cancel : threading.Event
        Set when the batch stops early; every wait of its workers watches it.
    records : Payloads
        The prospects fetched, by id.
    failures : dict
        The error of each id that failed, by id.
    """

    def __init__(
        self,
        fetch_one: Callable[[str, threading.Event], Fetched],
        *,
        max_workers: int,
        progress: Progress,
        counts: FetchCounts,
        window: int | None = None,
        watch: ServerWatch | None = None,
        on_settled: Callable[[str, Fetched | None, KnockError | None], None] | None = None,
        records: Payloads | None = None,
    ) -> None:
        self._fetch_one = fetch_one
        self._on_settled = on_settled
        self.max_workers = max_workers
        self.window = window or WINDOW_PER_WORKER * max_workers
        self.progress = progress
        self.counts = counts
        self.watch = watch
        self.cancel = threading.Event()
        self.records = records if records is not None else Payloads()
        self.failures: dict[str, KnockError] = {}

    def run(self, prospect_ids: Iterable[str]) -> None:
        """Fetch every id, filling :attr:`records` and :attr:`failures`.

        Raises
        ------
        AuthenticationError, ConfigurationError
            At the first one: the batch stops at once.
        ConnectionFailed
            When the :attr:`watch` finds the server dead.
        """
        ids = iter(prospect_ids)
        in_flight: dict[Future[Fetched], str] = {}
        executor = ThreadPoolExecutor(self.max_workers, thread_name_prefix="knock-fetch")
        try:
            self._submit(executor, ids, in_flight)
            while in_flight:
                done, _ = wait(in_flight, timeout=_POLL_SECONDS, return_when=FIRST_COMPLETED)
                for future in done:
                    self._settle(in_flight.pop(future), future)
                if self.watch is not None and self.watch.dead:
                    raise self.watch.error()
                self._submit(executor, ids, in_flight)
        except BaseException:
            # A refused key, an unusable cache, Ctrl-C or a bug: stop everything now.
            # Responses already received are in the cache; the rest is never sent.
            self.cancel.set()
            executor.shutdown(wait=False, cancel_futures=True)
            raise
        executor.shutdown(wait=True)

    def _submit(
        self,
        executor: ThreadPoolExecutor,
        ids: Iterator[str],
        in_flight: dict[Future[Fetched], str],
    ) -> None:
        if self.cancel.is_set():
            return
        for prospect_id in itertools.islice(ids, max(0, self.window - len(in_flight))):
            in_flight[executor.submit(self._work, prospect_id)] = prospect_id

    def _work(self, prospect_id: str) -> Fetched:
        """In a worker thread: one id, and the whole batch stopped if it must be."""
        if self.cancel.is_set():
            raise Cancelled
        try:
            return self._fetch_one(prospect_id, self.cancel)
        except STOPS_BATCH:
            self.cancel.set()  # the other workers stop before their next request or wake-up
            raise

    def _settle(self, prospect_id: str, future: Future[Fetched]) -> None:
        """In the main thread: count one finished id."""
        try:
            fetched = future.result()
        except Cancelled:
            return  # the batch is stopping: the error that stopped it is raised on its own
        except STOPS_BATCH:
            raise
        except KnockError as error:
            self.failures[prospect_id] = error
            self.counts.failed += 1
            if self._on_settled is not None:
                self._on_settled(prospect_id, None, error)
        else:
            self.records.add(prospect_id, fetched)
            self.counts.add(fetched.source)
            if self._on_settled is not None:
                self._on_settled(prospect_id, fetched, None)
        self.progress.advance(1, self.counts)
