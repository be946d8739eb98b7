"""``to_frame`` against plain ``pandas.json_normalize`` on 100,000 distinct prospect records.

``json_normalize`` is the obvious alternative and does less: no dtypes (timestamps stay text,
lists stay Python objects, ids may become numbers). ``to_frame`` must still be at least three
times faster, measured side by side in this one run: best of a few alternating rounds each,
in CPU time, so that load on a shared machine hits both alike. Deep memory is compared too.

The records are the sandbox's, every one distinct and parsed from its JSON body as a fetch
parses it: a few thousand records repeated stay in the CPU cache, which flatters the figures.
``to_frame`` on the bodies themselves (parsed straight into columns) is measured beside.

Run: ``python -m bench frame``.
"""

from __future__ import annotations

import gc
import json
import time
from collections.abc import Callable
from typing import Any

import pandas as pd

from knock_data import to_frame
from knock_data.sandbox import generate_prospects

N_RECORDS = 100_000
ROUNDS = 5
TARGET = 3.0


def make_bodies(n: int = N_RECORDS) -> list[bytes]:
    """``n`` distinct prospects' JSON bodies, as the sandbox serves them."""
    return [json.dumps(record, ensure_ascii=False).encode() for record in generate_prospects(n)]


def make_records(n: int = N_RECORDS) -> list[dict[str, Any]]:
    """``n`` distinct prospect records, each parsed from its own JSON body (so that no two
    share an object, as records fetched from Knock do not)."""
    return [json.loads(body) for body in make_bodies(n)]


def _timed(fn: Callable[[], pd.DataFrame], times: list[float]) -> pd.DataFrame:
    """Run ``fn`` once, appending the CPU seconds it took (both sides are single-threaded
    Python, so CPU time is fair to both and less shaken by other processes than wall time)."""
    gc.collect()
    start = time.process_time()
    frame = fn()
    times.append(time.process_time() - start)
    return frame


def main() -> None:
    bodies = make_bodies()
    records = [json.loads(body) for body in bodies]
    ours: list[float] = []
    theirs: list[float] = []
    from_bodies: list[float] = []
    frame = normalized = pd.DataFrame()
    for _ in range(ROUNDS):
        frame = _timed(lambda: to_frame(records), ours)
        normalized = _timed(lambda: pd.json_normalize(records), theirs)
        _timed(lambda: to_frame(bodies), from_bodies)
    ratio = min(theirs) / min(ours)
    mem_ours = frame.memory_usage(deep=True).sum() / 1e6
    mem_theirs = normalized.memory_usage(deep=True).sum() / 1e6

    print(f"{len(records):,} distinct records, best of {ROUNDS} rounds each")
    print(f"  to_frame           {min(ours):6.3f} s   {mem_ours:6.1f} MB deep  (typed)")
    print(f"  pd.json_normalize  {min(theirs):6.3f} s   {mem_theirs:6.1f} MB deep  (untyped)")
    verdict = "meets" if ratio >= TARGET else "MISSES"
    print(f"  speed-up {ratio:.1f}x ({verdict} the {TARGET:.0f}x target); memory ratio ", end="")
    print(f"{mem_ours / mem_theirs:.2f}")
    print(
        f"  to_frame(bodies)   {min(from_bodies):6.3f} s   (the JSON bodies parsed straight into "
        f"columns: {min(theirs) / min(from_bodies):.1f}x faster than json_normalize on records "
        "already parsed)"
    )
    counts = frame.dtypes.astype(str).value_counts()
    print("  dtypes:", ", ".join(f"{dtype}={n}" for dtype, n in counts.items()))


if __name__ == "__main__":
    main()
