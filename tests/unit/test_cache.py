"""The cache file: schema 2, the interface other parts build on, requests-cache, locks.

The first tests pin requests-cache internals that knock-data relies on (see the docstring of
``knock_data._fetch.cache``); they fail when a requests-cache release changes them.
"""

from __future__ import annotations

import email.utils
import hashlib
import io
import sqlite3
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
import requests_cache
from requests_cache.models import CachedResponse
from urllib3 import HTTPResponse

from knock_data import ConfigurationError, KnockClient, KnockWarning
from knock_data._fetch.cache import ProspectCache, open_cache
from knock_data._fetch.cache_file import cache_errors
from knock_data._fetch.cache_info import cache_info
from knock_data._fetch.cache_keys import prospect_cache_key
from knock_data._fetch.cache_schema import META_TABLE, PROSPECTS_TABLE, TENANTS_TABLE
from knock_data._fetch.scope import scoped_url
from tests.unit.fake_transport import BASE, FAST, KEY, FakeAdapter, prospect

OURS = {META_TABLE, TENANTS_TABLE, PROSPECTS_TABLE}
SCOPE_A, SCOPE_B = "a" * 32, "b" * 32


def _schema(path: Path) -> dict[str, object]:
    con = sqlite3.connect(path)
    try:
        tables = {
            name: con.execute(f"PRAGMA table_info({name})").fetchall()
            for (name,) in con.execute("SELECT name FROM sqlite_master WHERE type='table'")
            if name != "sqlite_sequence"
        }
        indexes = sorted(
            con.execute(
                "SELECT name, tbl_name FROM sqlite_master WHERE type='index' "
                "AND name NOT LIKE 'sqlite_autoindex%'"
            ).fetchall()
        )
        mode = con.execute("PRAGMA journal_mode").fetchone()[0]
    finally:
        con.close()
    return {"tables": tables, "indexes": indexes, "journal_mode": mode}


def _response(
    pid: str, scope: str | None = SCOPE_A, *, date: str | None = None
) -> requests.Response:
    """A prospect's response as the key adapter hands it up (its request carries the scope)."""
    response = requests.Response()
    response.status_code = 200
    response._content = f'{{"prospectId": "{pid}", "status": "new"}}'.encode()
    response.headers["Content-Type"] = "application/json"
    if date:
        response.headers["Date"] = date
    response.url = f"{BASE}/prospect/{pid}"
    response.request = requests.Request("GET", scoped_url(response.url, scope)).prepare()
    response.raw = HTTPResponse(
        body=io.BytesIO(response._content), headers=dict(response.headers), status=200
    )
    return response


# --- what knock-data relies on in requests-cache -------------------------------------------


def test_the_tables_created_up_front_are_requests_caches_own(tmp_path: Path) -> None:
    ours = ProspectCache(tmp_path / "ours.sqlite")
    theirs = requests_cache.SQLiteCache(str(tmp_path / "theirs.sqlite"), wal=True)
    ours.close()
    theirs.close()
    mine, reference = _schema(tmp_path / "ours.sqlite"), _schema(tmp_path / "theirs.sqlite")
    assert isinstance(mine["tables"], dict)
    assert set(mine["tables"]) - OURS == {"responses", "redirects"}
    for table in OURS:
        mine["tables"].pop(table)
    mine["indexes"] = [(n, t) for n, t in mine["indexes"] if t not in OURS]  # type: ignore[attr-defined]
    assert mine == reference


def test_the_backend_internals_knock_data_uses_are_there(tmp_path: Path) -> None:
    store = ProspectCache(tmp_path / "c.sqlite")
    try:
        # One lock for requests-cache's writes and knock-data's: they share one connection.
        assert store.responses._lock is store.redirects._lock
        assert store.responses.table_name == "responses"
        assert hasattr(store._settings, "ignored_parameters")
        assert "_content" in {a.name for a in CachedResponse.__attrs_attrs__}
    finally:
        store.close()


# --- schema 2 ----------------------------------------------------------------------------


def test_schema_2_tables_columns_and_meta(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    ProspectCache(path).close()
    tables = _schema(path)["tables"]
    assert isinstance(tables, dict)
    columns = {name: [c[1] for c in info] for name, info in tables.items()}
    assert columns[PROSPECTS_TABLE] == [
        "tenant_id", "prospect_id", "cache_key", "expires", "fetched_at", "digest", "body",
    ]  # fmt: skip
    assert columns[TENANTS_TABLE] == ["tenant_id", "base_url", "scope"]
    con = sqlite3.connect(path)
    meta = dict(con.execute(f"SELECT name, value FROM {META_TABLE}").fetchall())
    con.close()
    assert meta["schema_version"] == 2
    assert len(meta["salt"]) == 16
    assert set(meta) == {"schema_version", "salt", "body_dictionary", "response_dictionary"}
    other = tmp_path / "other.sqlite"
    ProspectCache(other).close()
    con = sqlite3.connect(other)
    assert (
        con.execute(f"SELECT value FROM {META_TABLE} WHERE name='salt'").fetchone()[0]
        != (meta["salt"])
    )  # a salt of its own per file
    con.close()


def test_each_body_is_stored_once_compressed(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    store = ProspectCache(path)
    body = _response("7").content
    store.store(_response("7"))
    store.close()
    con = sqlite3.connect(path)
    (packed,) = con.execute(f"SELECT body FROM {PROSPECTS_TABLE}").fetchone()
    (value,) = con.execute("SELECT value FROM responses").fetchone()
    con.close()
    assert store._file.bodies.decompress(packed) == body
    assert len(packed) < len(body)
    # requests-cache's row holds the response without its body, as JSON, never pickle.
    row = store._file.responses.decompress(value)
    assert row.startswith(b"{")
    assert b'"new"' not in row
    # Nowhere in the file is the body written out: only its compressed copy.
    data = b"".join(p.read_bytes() for p in tmp_path.iterdir())
    assert body not in data


def test_store_records_the_date_header_and_the_digest_and_says_what_changed(
    tmp_path: Path,
) -> None:
    store = ProspectCache(tmp_path / "c.sqlite")
    date = "Tue, 02 Nov 2021 00:00:00 GMT"
    assert store.store(_response("7", date=date)) is True  # new
    assert store.store(_response("7", date=date)) is False  # the same body again
    changed = _response("7")
    changed._content = b'{"prospectId": "7", "status": "lost"}'
    before = time.time()
    assert store.store(changed) is True
    copy = store.fetched(BASE, SCOPE_A, ["7"])["7"]
    assert copy.record["status"] == "lost"
    assert copy.digest == hashlib.blake2b(changed.content, digest_size=16).digest()
    assert before - 1 <= copy.fetched_at.timestamp() <= time.time()  # no Date: the local clock
    assert copy.fetched_at.tzinfo is UTC
    store.store(_response("8", date=date))
    assert store.fetched(BASE, SCOPE_A, ["8"])["8"].fetched_at == datetime(2021, 11, 2, tzinfo=UTC)
    store.close()


# --- the interface: lookup, bodies, fetched, forget, by key scope ------------------------


def test_every_read_and_write_goes_through_the_scope(tmp_path: Path) -> None:
    store = ProspectCache(tmp_path / "c.sqlite")
    store.store(_response("1", SCOPE_A))
    store.store(_response("2", SCOPE_A))
    other = _response("1", SCOPE_B)
    other._content = b'{"prospectId": "1", "status": "lost"}'
    store.store(other)
    assert store.lookup(BASE, SCOPE_A, ["1", "2"]) == {
        "1": {"prospectId": "1", "status": "new"},
        "2": {"prospectId": "2", "status": "new"},
    }
    assert store.lookup(BASE, SCOPE_B, ["1", "2"]) == {"1": {"prospectId": "1", "status": "lost"}}
    assert store.lookup("https://elsewhere.test", SCOPE_A, ["1"]) == {}
    assert store.bodies(BASE, SCOPE_B, ["1"]) == {"1": other.content}
    assert set(store.fetched(BASE, SCOPE_A, ["1", "2", "3"])) == {"1", "2"}
    assert store.forget(BASE, SCOPE_B, ["1", "2"]) == 1  # B's copy of 1; B has no 2
    assert store.lookup(BASE, SCOPE_B, ["1"]) == {}
    assert set(store.lookup(BASE, SCOPE_A, ["1", "2"])) == {"1", "2"}  # A's stay
    assert store.forget_scope(SCOPE_A) == 2
    assert cache_info(tmp_path / "c.sqlite").prospects == 0
    assert store.count() == 0  # requests-cache's rows went with them
    store.close()


def test_expired_copies_are_read_only_when_asked_for(tmp_path: Path) -> None:
    store = ProspectCache(tmp_path / "c.sqlite")
    past = datetime.now(UTC) - timedelta(minutes=1)
    store.store(_response("1"), expires=past)
    assert store.lookup(BASE, SCOPE_A, ["1"]) == {}
    assert set(store.lookup(BASE, SCOPE_A, ["1"], include_expired=True)) == {"1"}
    copy = store.fetched(BASE, SCOPE_A, ["1"])["1"]
    assert copy.expires is not None
    assert abs((copy.expires - past).total_seconds()) <= 1
    store.close()


def test_a_bulk_read_of_many_ids_uses_chunks(tmp_path: Path) -> None:
    store = ProspectCache(tmp_path / "c.sqlite")
    ids = [str(i) for i in range(1, 1301)]
    for pid in ids:
        store.store(_response(pid))
    assert sorted(store.lookup(BASE, SCOPE_A, ids), key=int) == ids
    assert len(store.fetched(BASE, SCOPE_A, ids)) == 1300
    assert store.forget(BASE, SCOPE_A, ids[:1100]) == 1100
    store.close()


# --- still a requests-cache backend --------------------------------------------------------


def _client(path: Path, adapter: FakeAdapter) -> KnockClient:
    return KnockClient(KEY, base_url=BASE, cache=path, retry=FAST, adapter=adapter)


def test_a_cached_session_on_the_file_gets_full_responses_back(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    with _client(path, FakeAdapter(lambda pid, attempt: (200, prospect(pid), {}))) as client:
        client.fetch_prospects([1, 2], progress=False)
        scope = client._open().scope
    offline = FakeAdapter(lambda pid, attempt: requests.ConnectionError("offline"))
    session = requests_cache.CachedSession(backend=ProspectCache(path), key_fn=prospect_cache_key)
    session.mount(BASE, offline)
    response = session.get(scoped_url(f"{BASE}/prospect/2", scope))
    assert response.from_cache
    assert response.json() == prospect("2")  # the body, put back from knock-data's table
    assert response.raw.read() == response.content
    assert KEY not in str(response.request.headers)
    assert sum(offline.calls.values()) == 0
    # requests-cache's own deletion takes the copy with it.
    session.cache.delete(session.cache.create_key(response.request))
    assert cache_info(path).prospects == 1
    session.cache.delete(expired=True)  # requests-cache's clean-up keeps what has not expired
    assert cache_info(path).prospects == 1
    session.close()


def test_requests_cache_expiry_reaches_knock_datas_reads(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    store = ProspectCache(path)
    store.store(_response("1"))
    store.reset_expiration(timedelta(seconds=-1))  # requests-cache rewrites its rows
    assert store.lookup(BASE, SCOPE_A, ["1"]) == {}
    store.delete(expired=True)
    assert store.fetched(BASE, SCOPE_A, ["1"]) == {}
    store.close()


def test_clear_empties_every_table_but_keeps_the_salt(tmp_path: Path) -> None:
    store = ProspectCache(tmp_path / "c.sqlite")
    salt = store._file.salt
    store.store(_response("1"))
    store.clear()
    assert (store.count(), store.lookup(BASE, SCOPE_A, ["1"])) == (0, {})
    store.close()
    assert ProspectCache(tmp_path / "c.sqlite")._file.salt == salt


def test_a_path_without_suffix_gets_sqlite_as_requests_cache_would(tmp_path: Path) -> None:
    adapter = FakeAdapter(lambda pid, attempt: (200, prospect(pid), {}))
    with _client(tmp_path / "knock", adapter) as client:
        client.get_prospect(1)
        assert client.cache_path == tmp_path / "knock.sqlite"
    assert (tmp_path / "knock.sqlite").is_file()
    assert not (tmp_path / "knock").exists()


# --- files from knock-data 0.1 and from elsewhere ------------------------------------------

# knock-data 0.1's index table, as its cache.py created it (schema 1).
_V1_INDEX = (
    "CREATE TABLE knock_prospects (base_url TEXT NOT NULL, prospect_id TEXT NOT NULL, "
    "cache_key TEXT NOT NULL, expires INTEGER, body BLOB NOT NULL, "
    "PRIMARY KEY (base_url, prospect_id))"
)


def _v1_file(path: Path, ids: list[str]) -> None:
    """A cache file as knock-data 0.1 left it: pickled requests-cache rows and the index."""
    backend = requests_cache.SQLiteCache(str(path), wal=True)
    for pid in ids:
        backend.save_response(_response(pid, scope=None), cache_key=f"knock-{pid}")
    backend.close()
    con = sqlite3.connect(path)
    con.execute(_V1_INDEX)
    con.executemany(
        "INSERT INTO knock_prospects VALUES (?, ?, ?, NULL, ?)",
        [(BASE, pid, f"knock-{pid}", _response(pid).content) for pid in ids],
    )
    con.commit()
    con.close()


def test_a_file_from_0_1_is_upgraded_once_and_its_unscoped_copies_dropped(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    _v1_file(path, ["1", "2", "3"])
    assert cache_info(path).schema_version == 1
    assert "upgraded when next used" in str(cache_info(path))
    adapter = FakeAdapter(lambda pid, attempt: (200, prospect(pid), {}))
    client = _client(path, adapter)
    with pytest.warns(KnockWarning, match=r"Upgraded the cache file .*old\.sqlite.* 3 cached"):
        result = client.fetch_prospects([1, 2], progress=False)
    assert (result.n_cached, result.n_fetched) == (0, 2)  # nothing served across keys
    client.close()
    info = cache_info(path)
    assert (info.schema_version, info.prospects, info.responses) == (2, 2, 2)
    with _client(path, adapter) as again:  # once: no second warning (warnings are errors here)
        assert again.fetch_prospects([1, 2], progress=False).n_cached == 2


def test_a_file_from_a_newer_version_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    ProspectCache(path).close()
    con = sqlite3.connect(path)
    con.execute(f"UPDATE {META_TABLE} SET value = 3 WHERE name = 'schema_version'")
    con.commit()
    con.close()
    with pytest.raises(ConfigurationError, match=r"newer knock-data \(cache schema 3"):
        open_cache(path)


def test_someone_elses_requests_cache_file_is_refused_not_emptied(tmp_path: Path) -> None:
    path = tmp_path / "theirs.sqlite"
    session = requests_cache.CachedSession(str(path))
    session.cache.save_response(_response("1", scope=None), cache_key="theirs")
    session.close()
    with pytest.raises(ConfigurationError, match="requests-cache database that knock-data did not"):
        open_cache(path)
    con = sqlite3.connect(path)
    assert con.execute("SELECT COUNT(*) FROM responses").fetchone()[0] == 1
    con.close()


# --- locks ---------------------------------------------------------------------------------


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
        assert store.lookup(BASE, SCOPE_A, ["1"]) == {}
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


def test_a_lock_held_on_an_existing_file_past_the_busy_timeout_is_in_use_too(
    tmp_path: Path,
) -> None:
    path = tmp_path / "c.sqlite"
    open_cache(path).close()  # a cache file that exists, in WAL mode, with its tables
    ready, done = threading.Event(), threading.Event()

    def hold() -> None:  # another process mid-write, for longer than the busy timeout
        con = sqlite3.connect(path, isolation_level=None)
        con.execute("BEGIN IMMEDIATE")
        ready.set()
        done.wait(10)
        con.execute("ROLLBACK")
        con.close()

    holder = threading.Thread(target=hold)
    holder.start()
    ready.wait(5)
    start = time.monotonic()
    try:
        with pytest.raises(ConfigurationError, match="in use by another process"):
            open_cache(path, busy_timeout=300)
        assert time.monotonic() - start < 3  # the busy timeout, not requests-cache's endless wait
    finally:
        done.set()
        holder.join()


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


def test_cache_info_reads_a_path_with_question_marks_and_hashes(tmp_path: Path) -> None:
    folder = tmp_path / "odd?name#here"
    path = folder / "c?x#y.sqlite"
    adapter = FakeAdapter(lambda pid, attempt: (200, prospect(pid), {}))
    with _client(path, adapter) as client:
        client.fetch_prospects([1, 2, 3], progress=False)
    before = sorted(p.name for p in tmp_path.rglob("*"))
    info = cache_info(path)
    assert (info.path, info.prospects) == (path, 3)
    assert sorted(p.name for p in tmp_path.rglob("*")) == before  # nothing else created
    assert not cache_info(folder / "c").exists  # "c" is "c.sqlite": not there, not created
    assert sorted(p.name for p in tmp_path.rglob("*")) == before


def test_a_date_header_in_the_past_is_the_fetch_time(tmp_path: Path) -> None:
    # The clocked sandbox sends its simulated time: that, not the local clock, is when.
    store = ProspectCache(tmp_path / "c.sqlite")
    moment = datetime(2021, 11, 9, 12, 30, tzinfo=UTC)
    store.store(_response("5", date=email.utils.format_datetime(moment, usegmt=True)))
    assert store.fetched(BASE, SCOPE_A, ["5"])["5"].fetched_at == moment
    store.close()
