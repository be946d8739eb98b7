"""Fetching: KnockClient against the obvious alternatives, side by side in one run.

* cold: 2,000 ids from the sandbox at 20 ms latency with 16 workers; KnockClient (cache on,
  empty) against plain ``requests`` with the same 16 threads and no cache. Goal: >= 0.8x.
* warm: 5,000 ids, all cached; ``fetch_prospects(ids).frame`` against the obvious loop
  (``CachedSession.get`` per id, then ``pd.json_normalize``). Goal: >= 25x faster.
"""

from __future__ import annotations

import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import requests
import requests_cache

from knock_data import KnockClient
from knock_data.sandbox import SandboxServer

COLD_IDS = 2000
WARM_IDS = 5000
WORKERS = 16
LATENCY = 0.02


def _plain(server: SandboxServer, ids: list[str]) -> float:
    session = requests.Session()
    adapter = requests.adapters.HTTPAdapter(pool_maxsize=WORKERS)
    session.mount("http://", adapter)
    headers = {"x-api-key": server.api_key}

    def get(pid: str) -> dict:
        return session.get(f"{server.url}/prospect/{pid}", headers=headers, timeout=30).json()

    start = time.perf_counter()
    with ThreadPoolExecutor(WORKERS) as pool:
        records = list(pool.map(get, ids))
    elapsed = time.perf_counter() - start
    assert len(records) == len(ids)
    return elapsed


def _client_cold(server: SandboxServer, ids: list[str], cache: Path) -> float:
    client = KnockClient(server.api_key, base_url=server.url, cache=cache, max_workers=WORKERS)
    start = time.perf_counter()
    result = client.fetch_prospects(ids, progress=False)
    elapsed = time.perf_counter() - start
    assert result.n_fetched == len(ids), result
    client.close()
    return elapsed


def cold(tmp: Path) -> None:
    with SandboxServer(n_prospects=COLD_IDS, latency=LATENCY) as server:
        ids = server.prospect_ids
        plain, ours = [], []
        for run in range(2):  # alternate, to share the machine's noise fairly
            plain.append(_plain(server, ids))
            ours.append(_client_cold(server, ids, tmp / f"cold{run}.sqlite"))
    best_plain, best_ours = min(plain), min(ours)
    print(
        f"cold  {COLD_IDS} ids, {LATENCY * 1000:.0f} ms latency, {WORKERS} workers: "
        f"requests {COLD_IDS / best_plain:,.0f} ids/s, KnockClient {COLD_IDS / best_ours:,.0f} "
        f"ids/s -> throughput ratio {best_plain / best_ours:.2f}x (goal >= 0.8x)"
    )


def warm(tmp: Path) -> None:
    with SandboxServer(n_prospects=WARM_IDS) as server:
        ids = server.prospect_ids
        cache = tmp / "warm.sqlite"
        client = KnockClient(server.api_key, base_url=server.url, cache=cache, max_workers=8)
        client.fetch_prospects(ids, progress=False)
        obvious_session = requests_cache.CachedSession(str(tmp / "obvious.sqlite"))
        headers = {"x-api-key": server.api_key}
        for pid in ids:
            obvious_session.get(f"{server.url}/prospect/{pid}", headers=headers)

        def obvious() -> pd.DataFrame:
            records = [
                obvious_session.get(f"{server.url}/prospect/{pid}", headers=headers).json()
                for pid in ids
            ]
            return pd.json_normalize(records)

        def ours() -> object:
            # The default call, progress bar included: what an analyst runs.
            return client.fetch_prospects(ids).frame

        def fetch_only() -> object:
            return client.fetch_prospects(ids, progress=False)

        requests_before = server.request_count
        times: dict[str, list[float]] = {"obvious": [], "ours": [], "fetch": []}
        for _ in range(3):
            for name, fn in (("obvious", obvious), ("ours", ours), ("fetch", fetch_only)):
                start = time.perf_counter()
                fn()
                times[name].append(time.perf_counter() - start)
        assert server.request_count == requests_before, "warm runs must not touch the network"
    best = {name: min(values) for name, values in times.items()}
    print(
        f"warm  {WARM_IDS} cached ids: obvious loop {best['obvious'] * 1000:,.0f} ms, "
        f"fetch_prospects(ids).frame {best['ours'] * 1000:,.0f} ms "
        f"(fetch alone {best['fetch'] * 1000:,.0f} ms) -> {best['obvious'] / best['ours']:.0f}x "
        "faster (goal >= 25x)"
    )


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="knock-bench-") as tmp:
        cold(Path(tmp))
        warm(Path(tmp))


if __name__ == "__main__":
    main()
