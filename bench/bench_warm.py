"""The warm rebuild of 100,000 cached prospects against parsing their bodies, and its memory.

Goals, side by side in one run:

- ``fetch_prospects(ids).frame`` from the cache (the bulk read, the bodies decompressed,
  parsed and turned into the frame) in no more time than one ``json.loads`` call over the
  same bodies, already read and decompressed (the parse alone: no disk, no frame). Best of a
  few alternating rounds, wall time.
- its peak memory at most 6x the frame it returns, beyond what the process held before the
  call (imports and an open client), measured in a process of its own.

The cache is filled without a server: 100,000 of the sandbox's distinct prospects stored as a
fetch stores them (``ProspectCache.store``, one transaction each). How the rebuild grows to a
million prospects, and the cold fetch's memory beside it: ``make bench-1m``.

Run: ``python -m bench warm``.
"""

from __future__ import annotations

import gc
import io
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests
from urllib3 import HTTPResponse

N_IDS = 100_000
ROUNDS = 3
BASE = "https://knock.test"
KEY = "bench-key"
TIME_GOAL = 1.0
MEMORY_GOAL = 6.0


def fill(path: Path, n: int = N_IDS) -> list[str]:
    """A cache file holding ``n`` distinct prospects for :data:`KEY`; their ids, in order."""
    from knock_data._fetch.cache import open_cache
    from knock_data._fetch.scope import scoped_url
    from knock_data.sandbox import generate_prospects

    store = open_cache(path)
    scope = store.scope_for(KEY)
    ids = []
    for record in generate_prospects(n):
        response = requests.Response()
        response.status_code = 200
        response._content = json.dumps(record, ensure_ascii=False).encode()
        response.headers["Content-Type"] = "application/json"
        response.url = f"{BASE}/prospect/{record['prospectId']}"
        response.request = requests.Request("GET", scoped_url(response.url, scope)).prepare()
        response.raw = HTTPResponse(body=io.BytesIO(response._content), status=200)
        store.store(response)
        ids.append(record["prospectId"])
    store.close()
    return ids


def _best(fn: Callable[[], Any], times: list[float]) -> None:
    gc.collect()
    start = time.perf_counter()
    fn()
    times.append(time.perf_counter() - start)


def _memory(path: Path, ids_path: Path) -> dict[str, float]:
    """The warm rebuild's peak memory and its frame's, in a fresh process."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.bench_warm", "--memory", str(path), str(ids_path)],
        check=True,
        capture_output=True,
        text=True,
    )
    measured: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return measured


def _measure_memory(path: Path, ids_path: Path) -> None:
    from bench.peak import frame_mb, measure
    from knock_data import KnockClient

    ids = json.loads(ids_path.read_text())
    client = KnockClient(KEY, base_url=BASE, cache=path)
    _ = client.fetch_prospects(ids[:10], progress=False).frame  # imports loaded
    held: dict[str, Any] = {}

    def rebuild() -> dict[str, Any]:
        held["frame"] = client.fetch_prospects(ids, progress=False).frame
        return {}

    measured = measure(rebuild)
    print(json.dumps({**measured, "frame_mb": frame_mb(held["frame"])}))


def main() -> None:
    from knock_data import KnockClient
    from knock_data._fetch.cache import open_cache

    with tempfile.TemporaryDirectory(prefix="knock-bench-") as tmp:
        path = Path(tmp) / "warm.sqlite"
        start = time.perf_counter()
        ids = fill(path)
        print(f"cache filled with {len(ids):,} prospects in {time.perf_counter() - start:.0f} s")
        store = open_cache(path)
        found = store.bodies(BASE, store.scope_for(KEY), ids)
        bodies = [found[pid] for pid in ids]
        store.close()
        client = KnockClient(KEY, base_url=BASE, cache=path)
        ours: list[float] = []
        parse: list[float] = []
        for _ in range(ROUNDS):  # alternate, to share the machine's noise fairly
            _best(lambda: client.fetch_prospects(ids, progress=False).frame, ours)
            _best(lambda: json.loads(b"[" + b",".join(bodies) + b"]"), parse)
        client.close()
        ids_path = Path(tmp) / "ids.json"
        ids_path.write_text(json.dumps(ids))
        memory = _memory(path, ids_path)
    ratio = min(ours) / min(parse)
    print(
        f"warm rebuild, {N_IDS:,} cached ids: fetch_prospects(ids).frame {min(ours) * 1000:,.0f} "
        f"ms, one json.loads of the bodies {min(parse) * 1000:,.0f} ms -> {ratio:.2f}x the "
        f"time (goal <= {TIME_GOAL:.1f}x: {'met' if ratio <= TIME_GOAL else 'MISSED'})"
    )
    times = memory["peak_mb"] / memory["frame_mb"]
    print(
        f"warm rebuild memory: peak {memory['peak_mb']:,.0f} MB beyond the imports for a frame "
        f"of {memory['frame_mb']:,.1f} MB -> {times:.1f}x (goal <= {MEMORY_GOAL:.0f}x: "
        f"{'met' if times <= MEMORY_GOAL else 'MISSED'})"
    )


if __name__ == "__main__":
    if sys.argv[1:2] == ["--memory"]:
        _measure_memory(Path(sys.argv[2]), Path(sys.argv[3]))
    else:
        main()
