"""The cache file: what it depends on in requests-cache, locks, and what the client stores.

The first tests pin requests-cache internals that knock-data relies on (see the docstring of
``knock_data._fetch.cache``); they fail when a requests-cache release changes them.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest
import requests
import requests_cache

from knock_data import ConfigurationError, KnockClient
from knock_data._fetch.cache import (
    INDEX_TABLE,
    ProspectCache,
    cache_errors,
    cache_info,
    open_cache,
    prospect_cache_key,
)
from tests.unit.fake_transport import BASE, FAST, KEY, FakeAdapter, prospect


def _schema(path: Path) -> dict[str, object]:
    con = sqlite3.connect(path)
    try:
        tables = {
            name: con.execute(f"PRAGMA table_info({name})").fetchall()
            for (name,) in con.execute("SELECT name FROM sqlite_master WHERE type='table'")
        }
        indexes = sorted(
            con.execute(
                "SELECT name, tbl_name FROM sqlite_master WHERE type='index' AND tbl_name != ?",
                (INDEX_TABLE,),
            ).fetchall()
        )
        mode = con.execute("PRAGMA journal_mode").fetchone()[0]
    finally:
        con.close()
    return {"tables": tables, "indexes": indexes, "journal_mode": mode}


def test_the_tables_created_up_front_are_requests_caches_own(tmp_path: Path) -> None:
    ours = ProspectCache(tmp_path / "ours.sqlite")
    theirs = requests_cache.SQLiteCache(str(tmp_path / "theirs.sqlite"), wal=True)
    ours.close()
    theirs.close()
    mine, reference = _schema(tmp_path / "ours.sqlite"), _schema(tmp_path / "theirs.sqlite")
    assert isinstance(mine["tables"], dict)
    assert mine["tables"].pop(INDEX_TABLE)  # the one table of knock-data's own
    assert mine == reference


def test_the_backend_internals_knock_data_uses_are_there(tmp_path: Path) -> None:
    store = ProspectCache(tmp_path / "c.sqlite")
    try:
        # One lock for requests-cache's writes and knock-data's: they share one connection.
        assert store.responses._lock is store.redirects._lock
        assert store.responses.table_name == "responses"
        assert hasattr(store._settings, "ignored_parameters")
    finally:
        store.close()


def _client(path: Path, adapter: FakeAdapter) -> KnockClient:
    return KnockClient(KEY, base_url=BASE, cache=path, retry=FAST, adapter=adapter)


def test_what_the_client_stores_is_a_requests_cache_entry(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    with _client(path, FakeAdapter(lambda pid, attempt: (200, prospect(pid), {}))) as client:
        client.fetch_prospects([1, 2], progress=False)
    offline = FakeAdapter(lambda pid, attempt: requests.ConnectionError("offline"))
    session = requests_cache.CachedSession(backend=ProspectCache(path), key_fn=prospect_cache_key)
    session.mount(BASE, offline)
    response = session.get(f"{BASE}/prospect/2")
    assert response.from_cache
    assert response.json() == prospect("2")
    assert KEY not in str(response.request.headers)
    assert sum(offline.calls.values()) == 0
    # requests-cache's own clearing empties the index too.
    session.cache.delete(session.cache.create_key(response.request))
    assert cache_info(path).prospects == 1
    session.close()


def test_a_path_without_suffix_gets_sqlite_as_requests_cache_would(tmp_path: Path) -> None:
    adapter = FakeAdapter(lambda pid, attempt: (200, prospect(pid), {}))
    with _client(tmp_path / "knock", adapter) as client:
        client.get_prospect(1)
        assert client.cache_path == tmp_path / "knock.sqlite"
    assert (tmp_path / "knock.sqlite").is_file()
    assert not (tmp_path / "knock").exists()


def _hold_lock(path: Path, seconds: float, ready: threading.Event) -> threading.Thread:
    """Another connection holds an exclusive lock on a new, not yet WAL, file."""

    def hold() -> None:
        con = sqlite3.connect(path, isolation_level=None)
        con.execute("BEGIN EXCLUSIVE")
        con.execute("CREATE TABLE other_tool (x)")
        ready.set()
        time.sleep(seconds)
        con.execute("COMMIT")
        con.close()

    thread = threading.Thread(target=hold)
    thread.start()
    ready.wait(5)
    return thread


def test_opening_waits_for_a_lock_held_less_than_the_busy_timeout(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    holder = _hold_lock(path, 0.5, threading.Event())
    store = open_cache(path, busy_timeout=10_000)
    holder.join()
    try:
        assert _schema(path)["journal_mode"] == "wal"
        assert store.lookup(BASE, ["1"]) == {}
    finally:
        store.close()


def test_a_lock_held_past_the_busy_timeout_says_the_file_is_in_use(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    holder = _hold_lock(path, 1.5, threading.Event())
    start = time.monotonic()
    with pytest.raises(ConfigurationError) as info:
        open_cache(path, busy_timeout=300)
    waited = time.monotonic() - start
    holder.join()
    text = str(info.value)
    assert "in use by another process" in text
    assert "delete the file" not in text
    assert str(path) in text
    assert 0.3 <= waited < 1.4  # the busy timeout, honoured


def test_a_lock_error_while_writing_is_also_in_use_not_unusable(tmp_path: Path) -> None:
    with (
        pytest.raises(ConfigurationError, match="in use by another process") as info,
        cache_errors(tmp_path / "c.sqlite", "writing to"),
    ):
        raise sqlite3.OperationalError("database is locked")
    assert "while knock-data was writing to it" in str(info.value)


def test_a_corrupt_file_still_says_delete_it(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    path.write_bytes(b"not a database " * 100)
    with pytest.raises(ConfigurationError, match="not a database") as info:
        open_cache(path, busy_timeout=300)
    assert "delete the file" in str(info.value)
