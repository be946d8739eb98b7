"""The cache file: the scoped warm rebuild and the file's size, against 0.1's layout.

Both sides hold the same 20,000 prospects, as the sandbox serves them (distinct records):

* knock-data's file (schema 2), filled by a cold ``fetch_prospects`` from the sandbox: each
  body once, compressed, under the key's scope; requests-cache's rows without bodies.
* 0.1's layout, rebuilt here from the same responses as 0.1 wrote them (one transaction per
  prospect, in the order they arrived): requests-cache's pickled rows (body inside) and an
  unscoped index table with each body again, read by 0.1's query (the index joined with
  requests-cache's rows, bodies parsed in one ``json.loads``).

Figures (goals from the project's plan):

* warm rebuild, ``fetch_prospects(ids).frame`` against 0.1's read + ``to_frame`` of the same
  records: at most 1.10x the time (the scoped lookup must not cost the analyst);
* cache size against the bodies it holds (their JSON as received): at most 1.5x.

Run: ``python -m bench cache``.
"""

from __future__ import annotations

import gc
import hashlib
import json
import sqlite3
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from requests_cache.models import CachedResponse
from requests_cache.serializers import pickle_serializer

from knock_data import KnockClient, to_frame
from knock_data._fetch.cache import open_cache
from knock_data.sandbox import SandboxServer

N_IDS = 20_000
ROUNDS = 5
REBUILD_GOAL = 1.10
SIZE_GOAL = 1.5
_V1_SCHEMA = (
    "CREATE TABLE responses (key TEXT PRIMARY KEY, value BLOB, expires INTEGER)",
    "CREATE INDEX expires_idx ON responses(expires)",
    "CREATE TABLE redirects (key TEXT PRIMARY KEY, value BLOB, expires INTEGER)",
    "CREATE TABLE knock_prospects (base_url TEXT NOT NULL, prospect_id TEXT NOT NULL, "
    "cache_key TEXT NOT NULL, expires INTEGER, body BLOB NOT NULL, "
    "PRIMARY KEY (base_url, prospect_id))",
)


def _file_bytes(path: Path) -> int:
    con = sqlite3.connect(path)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))


def _arrival_order(path: Path) -> list[str]:
    """The ids in the order the cold fetch stored them (requests-cache's rowids)."""
    con = sqlite3.connect(path)
    order = [
        pid
        for (pid,) in con.execute(
            "SELECT p.prospect_id FROM responses r JOIN knock_prospects p ON p.cache_key = r.key "
            "ORDER BY r.rowid"
        )
    ]
    con.close()
    return order


def _v1_file(
    path: Path, base_url: str, bodies: dict[str, bytes], order: list[str], template: CachedResponse
) -> None:
    """0.1's layout for these bodies, written as 0.1 wrote them: one transaction per prospect,
    in the order they arrived, a pickled response (body inside) and an index row each."""
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=NORMAL")
    for statement in _V1_SCHEMA:
        con.execute(statement)
    for pid in order:
        template._content = bodies[pid]
        template.url = template.request.url = f"{base_url}/prospect/{pid}"
        key = f"knock-{hashlib.blake2b(template.url.encode(), digest_size=16).hexdigest()}"
        con.execute("BEGIN IMMEDIATE")
        con.execute(
            "INSERT OR REPLACE INTO responses VALUES (?, ?, ?)",
            (key, pickle_serializer.dumps(template), None),
        )
        con.execute(
            "INSERT OR REPLACE INTO knock_prospects VALUES (?, ?, ?, ?, ?)",
            (base_url, pid, key, None, bodies[pid]),
        )
        con.execute("COMMIT")
    con.close()


def _v1_rebuild(path: Path, base_url: str, ids: list[str]) -> Any:
    """0.1's warm read, as its ``ProspectCache.lookup`` did it, then the frame."""
    con = sqlite3.connect(path)
    found: dict[str, Any] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        rows = con.execute(
            "SELECT i.prospect_id, i.body FROM knock_prospects i "
            "JOIN responses r ON r.key = i.cache_key AND r.expires IS i.expires "
            f"WHERE i.base_url = ? AND i.prospect_id IN ({','.join('?' * len(chunk))}) "
            "AND (r.expires IS NULL OR r.expires > ?)",
            (base_url, *chunk, round(time.time())),
        ).fetchall()
        parsed = json.loads(b"[" + b",".join(body for _, body in rows) + b"]")
        found.update(zip((pid for pid, _ in rows), parsed, strict=True))
    con.close()
    return to_frame([found[pid] for pid in ids if pid in found])


def _best(fn: Callable[[], Any], times: list[float]) -> Any:
    gc.collect()
    start = time.perf_counter()
    value = fn()
    times.append(time.perf_counter() - start)
    return value


def main() -> None:
    with (
        SandboxServer(n_prospects=N_IDS) as server,
        tempfile.TemporaryDirectory(prefix="knock-bench-") as tmp,
    ):
        ids = server.prospect_ids
        ours_path = Path(tmp) / "ours" / "c.sqlite"
        client = KnockClient(server.api_key, base_url=server.url, cache=ours_path, max_workers=16)
        filled = client.fetch_prospects(ids, progress=False)
        assert filled.n_fetched == N_IDS, filled
        template = client.session.get(f"{server.url}/prospect/{ids[0]}", timeout=30)
        store = open_cache(ours_path)  # the bodies exactly as received, to build 0.1's file
        bodies = store.bodies(server.url, store.scope_for(server.api_key), ids)
        store.close()
        v1_path = Path(tmp) / "v1" / "c.sqlite"
        v1_path.parent.mkdir()
        order = _arrival_order(ours_path)
        _v1_file(v1_path, server.url, bodies, order, CachedResponse.from_response(template))

        ours: list[float] = []
        theirs: list[float] = []
        before = server.request_count
        for _ in range(ROUNDS):  # alternate, to share the machine's noise fairly
            frame = _best(lambda: client.fetch_prospects(ids, progress=False).frame, ours)
            reference = _best(lambda: _v1_rebuild(v1_path, server.url, ids), theirs)
        assert server.request_count == before, "warm runs must not touch the network"
        assert frame.equals(reference)
        client.close()
        size, v1_size = _file_bytes(ours_path), _file_bytes(v1_path)
    body_bytes = sum(len(body) for body in bodies.values())

    ratio = min(ours) / min(theirs)
    print(
        f"warm rebuild, {N_IDS:,} cached ids: fetch_prospects(ids).frame (scoped, compressed) "
        f"{min(ours) * 1000:,.0f} ms, 0.1's read + to_frame {min(theirs) * 1000:,.0f} ms "
        f"-> {ratio:.2f}x the time (goal <= {REBUILD_GOAL:.2f}x)"
    )
    print(
        f"cache size, {N_IDS:,} prospects ({body_bytes / N_IDS:,.0f} B of JSON each): "
        f"{size / N_IDS:,.0f} B per prospect = {size / body_bytes:.2f}x the bodies "
        f"(goal <= {SIZE_GOAL}x); 0.1's layout: {v1_size / N_IDS:,.0f} B = "
        f"{v1_size / body_bytes:.2f}x"
    )


if __name__ == "__main__":
    main()
