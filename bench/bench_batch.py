"""The batch's bounded window against one future per id up front, side by side in one run.

200,000 ids through 8 threads, each id answered at once (no network: what is measured is the
batch's own cost). For each way: seconds until the first id is counted (the progress bar's
first move), and the peak memory the batch allocates beyond the records it returns (every id
returns the same record; neither the dict of records nor its growth is counted). Goals: the
first update within a second, and memory that does not grow with the number of ids.

Then the same first update through the whole client, ``fetch_prospects(ids, progress=True)``
(ids normalised, the cache opened and read): a cold call of 10,000 and of 1,000,000 ids, and
a resumed call whose ids are all cached (the bar counts the copies a block at a time as they
are read, so it moves before the whole cache is read).
"""

from __future__ import annotations

import contextlib
import threading
import time
import tracemalloc
from collections.abc import Callable, Iterator, Sized
from concurrent.futures import ThreadPoolExecutor, as_completed

from knock_data._fetch.batch import Batch, FetchCounts, Progress
from knock_data._fetch.fetcher import Fetched

N_IDS = 200_000
# A resumed call's cache: filled without a server, as bench warm fills it.
RESUMED = 30_000
WORKERS = 8
RECORD: dict[str, object] = {"prospectId": "1", "status": "new"}


class _FirstUpdate(Progress):
    def __init__(self, start: float) -> None:
        super().__init__(0, enabled=False)
        self.start = start
        self.first: float | None = None

    def advance(self, n: int, counts: FetchCounts) -> None:
        if self.first is None:
            self.first = time.perf_counter() - self.start


def _answer(pid: str, cancel: threading.Event) -> Fetched:
    return Fetched(RECORD, "network")


Run = Callable[[list[str]], tuple[float, Sized]]


def windowed(ids: list[str]) -> tuple[float, Sized]:
    """knock-data's batch: the seconds to its first progress update, and the records."""
    progress = _FirstUpdate(time.perf_counter())
    batch = Batch(_answer, max_workers=WORKERS, progress=progress, counts=FetchCounts())
    batch.run(iter(ids))
    assert len(batch.records) == len(ids)
    assert progress.first is not None
    return progress.first, batch.records


def up_front(ids: list[str]) -> tuple[float, Sized]:
    """The obvious way: submit one future per id, then handle them as they complete."""
    start = time.perf_counter()
    first: float | None = None
    records: dict[str, object] = {}
    cancel = threading.Event()
    with ThreadPoolExecutor(WORKERS) as pool:
        futures = {pool.submit(_answer, pid, cancel): pid for pid in ids}
        for future in as_completed(futures):
            records[futures[future]] = future.result().record
            if first is None:
                first = time.perf_counter() - start
    assert len(records) == len(ids)
    assert first is not None
    return first, records


def records_only(ids: list[str]) -> tuple[float, Sized]:
    """The dict of records alone: its growth is in both ways' figures, and taken out."""
    records: dict[str, object] = {}
    for pid in ids:
        records[pid] = RECORD
    return 0.0, records


def _overhead_mib(run: Run, ids: list[str]) -> float:
    """Peak memory during the run beyond what is left at its end (the records it returned)."""
    tracemalloc.start()
    try:
        _, records = run(ids)
        kept, peak = tracemalloc.get_traced_memory()
        assert len(records) == len(ids)
    finally:
        tracemalloc.stop()
    return (peak - kept) / 2**20


def main() -> None:
    ids = [str(10_000_000 + i) for i in range(N_IDS)]
    first: dict[str, list[float]] = {"windowed": [], "up_front": []}
    total: dict[str, list[float]] = {"windowed": [], "up_front": []}
    for _ in range(2):  # alternate, to share the machine's noise fairly
        for name, run in (("windowed", windowed), ("up_front", up_front)):
            start = time.perf_counter()
            first[name].append(run(ids)[0])
            total[name].append(time.perf_counter() - start)
    small = ids[: N_IDS // 10]
    dict_growth = _overhead_mib(records_only, ids)
    memory = {
        name: _overhead_mib(run, ids) - dict_growth
        for name, run in (("windowed", windowed), ("up_front", up_front))
    }
    memory_small = _overhead_mib(windowed, small) - _overhead_mib(records_only, small)
    best = {name: min(values) for name, values in first.items()}
    whole = {name: min(values) for name, values in total.items()}
    print(
        f"batch {N_IDS:,} ids, {WORKERS} workers: first progress update after "
        f"{best['windowed'] * 1000:,.1f} ms (one future per id: {best['up_front'] * 1000:,.0f} "
        f"ms; goal < 1 s); batch memory {memory['windowed']:,.1f} MiB, "
        f"{memory_small:,.1f} MiB for {len(small):,} ids (one future per id: "
        f"{memory['up_front']:,.0f} MiB; goal: not growing with the ids); whole batch "
        f"{whole['windowed']:,.1f} s (one future per id: {whole['up_front']:,.1f} s)"
    )
    main_client()


class _Stop(Exception):
    """Raised at the first counted id: the figure is taken, the rest is not needed."""


def client_first_update(n_ids: int, *, cached: bool) -> float:
    """Seconds from ``fetch_prospects(ids, progress=True)`` to the bar's first counted id,
    through the whole client (ids normalised, the cache opened and read): ``n_ids`` never
    fetched (a cold call to a sandbox that answers 404), or all of them cached (a resumed
    call: the bar counts the cached copies as they are read)."""
    import tempfile
    from pathlib import Path

    from bench import bench_warm
    from knock_data import KnockClient
    from knock_data._fetch import client as client_module
    from knock_data.sandbox import SandboxServer

    started: list[float] = []
    first: list[float] = []

    class Timed(Progress):
        def __init__(self, total: int, *, enabled: bool) -> None:
            super().__init__(total, enabled=False)

        def advance(self, n: int, counts: FetchCounts) -> None:
            if n:
                first.append(time.perf_counter() - started[0])
                raise _Stop

    with contextlib.ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="knock-bench-")))
        if cached:
            ids = bench_warm.fill(tmp / "c.sqlite", n_ids)
            key, url = bench_warm.KEY, bench_warm.BASE
        else:
            server = stack.enter_context(SandboxServer(n_prospects=100))
            ids = [str(10**9 + i) for i in range(n_ids)]
            key, url = server.api_key, server.url
        client = KnockClient(key, base_url=url, cache=tmp / "c.sqlite", max_workers=WORKERS)
        stack.callback(client.close)
        stack.enter_context(_replaced(client_module, "Progress", Timed))
        started.append(time.perf_counter())
        with contextlib.suppress(_Stop):
            client.fetch_prospects(ids, progress=True)
    return first[0]


@contextlib.contextmanager
def _replaced(module: object, name: str, value: object) -> Iterator[None]:
    kept = getattr(module, name)
    setattr(module, name, value)
    try:
        yield
    finally:
        setattr(module, name, kept)


def main_client() -> None:
    cold = {n: client_first_update(n, cached=False) for n in (10_000, 1_000_000)}
    resumed = client_first_update(RESUMED, cached=True)
    print(
        "fetch_prospects, first progress update: cold call, "
        + ", ".join(f"{n:,} ids {seconds * 1000:,.0f} ms" for n, seconds in cold.items())
        + f"; resumed call, {RESUMED:,} ids all cached, {resumed * 1000:,.0f} ms (goal < 1 s)"
    )


if __name__ == "__main__":
    main()
