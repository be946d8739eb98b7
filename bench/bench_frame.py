"""``to_frame`` against plain ``pandas.json_normalize`` on 100,000 prospect records.

``json_normalize`` is the obvious alternative and does less: no dtypes (timestamps stay text,
lists stay Python objects, ids may become numbers). ``to_frame`` must still be at least three
times faster, measured side by side in this one run: best of a few alternating rounds each,
in CPU time, so that load on a shared machine hits both alike. Deep memory is compared too.

Run: ``python -m bench frame``.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from typing import Any

import pandas as pd

from knock_data import to_frame
from knock_data.sandbox import generate_prospects

N_RECORDS = 100_000
N_DISTINCT = 5_000
ROUNDS = 5
TARGET = 3.0


def make_records(n: int = N_RECORDS, distinct: int = N_DISTINCT) -> list[dict[str, Any]]:
    """``n`` records: ``distinct`` synthetic prospects repeated with fresh ids.

    Each copy gets its own ``prospectId`` and nested objects, so the records look like
    ``n`` different prospects to pandas (no shared-object shortcuts).
    """
    base = generate_prospects(distinct)
    records = []
    for i in range(n):
        record = dict(base[i % distinct])
        record["prospectId"] = str(10_000_000 + i)
        for key in ("agent", "source"):
            if record[key] is not None:
                record[key] = dict(record[key])
        records.append(record)
    return records


def _timed(fn: Callable[[], pd.DataFrame], times: list[float]) -> pd.DataFrame:
    """Run ``fn`` once, appending the CPU seconds it took (both sides are single-threaded
    Python, so CPU time is fair to both and less shaken by other processes than wall time)."""
    gc.collect()
    start = time.process_time()
    frame = fn()
    times.append(time.process_time() - start)
    return frame


def main() -> None:
    records = make_records()
    ours: list[float] = []
    theirs: list[float] = []
    frame = normalized = pd.DataFrame()
    for _ in range(ROUNDS):
        frame = _timed(lambda: to_frame(records), ours)
        normalized = _timed(lambda: pd.json_normalize(records), theirs)
    ratio = min(theirs) / min(ours)
    mem_ours = frame.memory_usage(deep=True).sum() / 1e6
    mem_theirs = normalized.memory_usage(deep=True).sum() / 1e6

    print(f"{len(records):,} records, best of {ROUNDS} rounds each")
    print(f"  to_frame           {min(ours):6.3f} s   {mem_ours:6.1f} MB deep  (typed)")
    print(f"  pd.json_normalize  {min(theirs):6.3f} s   {mem_theirs:6.1f} MB deep  (untyped)")
    verdict = "meets" if ratio >= TARGET else "MISSES"
    print(f"  speed-up {ratio:.1f}x ({verdict} the {TARGET:.0f}x target); memory ratio ", end="")
    print(f"{mem_ours / mem_theirs:.2f}")
    counts = frame.dtypes.astype(str).value_counts()
    print("  dtypes:", ", ".join(f"{dtype}={n}" for dtype, n in counts.items()))


if __name__ == "__main__":
    main()
