"""The batch's bounded window against one future per id up front, side by side in one run.

200,000 ids through 8 threads, each id answered at once (no network: what is measured is the
batch's own cost). For each way: seconds until the first id is counted (the progress bar's
first move), and the peak memory the batch allocates beyond the records it returns (every id
returns the same record; neither the dict of records nor its growth is counted). Goals: the
first update within a second, and memory that does not grow with the number of ids.
"""

from __future__ import annotations

import threading
import time
import tracemalloc
from collections.abc import Callable, Sized
from concurrent.futures import ThreadPoolExecutor, as_completed

from knock_data._fetch.batch import Batch, FetchCounts, Progress
from knock_data._fetch.fetcher import Fetched

N_IDS = 200_000
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


if __name__ == "__main__":
    main()
