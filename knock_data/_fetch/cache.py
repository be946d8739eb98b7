"""The disk cache: a requests-cache SQLite backend, plus an index for fast bulk reads.

Every prospect is stored as requests-cache stores a response (WAL mode, so worker threads and
several processes can share one file). A requests-cache hit costs about a millisecond (key
creation, deserialising the whole response), which is too slow for re-reading thousands of
prospects. So, in the same transaction that stores a response, :class:`ProspectCache` also
writes its body to a small table of its own::

    knock_prospects(base_url, prospect_id, cache_key, expires, body)

A bulk read (:meth:`ProspectCache.lookup`) is then one ``SELECT`` joined with requests-cache's
``responses`` table: a row counts only while its requests-cache entry exists, is the same
write (same ``expires``) and has not expired. Deleting or clearing entries with
requests-cache's own API therefore also removes them from the index.

How the client uses it. :class:`~knock_data.KnockClient` does not send through
``CachedSession``: it reads every cached id in one :meth:`~ProspectCache.lookup` before any
request, sends the rest with a plain session, and stores each prospect with
:meth:`~ProspectCache.store` the moment it arrives (so an interrupted run keeps what it
received). That skips requests-cache's per-request policy evaluation (about 0.3 ms) and keeps
knock-data's own rules (a 200 with an error body is never cached; an expired copy may stand
in when Knock is down) in knock-data's code. The file stays a requests-cache database: a
``CachedSession(backend=ProspectCache(path), key_fn=prospect_cache_key)`` reads the same
entries, and requests-cache's expiry, inspection and clearing work on it.

What this depends on in requests-cache (pinned below 1.4 in ``pyproject.toml``; the tests in
``tests/unit/test_cache.py`` fail if any of it changes): the ``responses`` and ``redirects``
tables and their columns (created here, under a retry, before requests-cache opens the file),
``SQLiteDict.connection()`` and its ``_lock`` (shared with requests-cache's own writes),
``BaseCache._settings`` (the session's ignored parameters) and ``BaseStorage.serialize``.

Opening a shared file never fails on a lock: switching a new file to WAL is a statement for
which SQLite does not wait on its busy handler, so two processes opening a new file at once
could see ``database is locked``. The switch and the table creation are retried until the
busy timeout; a lock that outlasts it is reported as the file being in use by another process.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from requests import PreparedRequest, Response
from requests_cache import DEFAULT_IGNORED_PARAMS, SQLiteCache
from requests_cache.cache_keys import create_key, redact_response
from requests_cache.models import CachedResponse
from requests_cache.policy.expiration import get_expiration_datetime

from knock_data._exceptions import ConfigurationError
from knock_data._fetch.responses import is_prospect_body

__all__ = [
    "DEFAULT_BUSY_TIMEOUT",
    "IGNORED_PARAMETERS",
    "INDEX_TABLE",
    "CacheInfo",
    "ProspectCache",
    "cache_errors",
    "cache_file_path",
    "cache_info",
    "cacheable",
    "expiration",
    "is_locked",
    "open_cache",
    "prospect_cache_key",
    "split_prospect_url",
]

INDEX_TABLE = "knock_prospects"
#: Milliseconds to wait for another connection's lock before giving up.
DEFAULT_BUSY_TIMEOUT = 30_000
#: Never stored with a request, should a caller add them (the key adapter already keeps the
#: key out of every request the cache sees).
IGNORED_PARAMETERS = (*DEFAULT_IGNORED_PARAMS, "x-api-key", "X-Api-Key")
_PROSPECT_URL = re.compile(r"(?P<base>https?://.+)/prospect/(?P<id>[0-9]+)")
_CHUNK = 500  # ids per SELECT, well under SQLite's 999 parameters
# requests-cache 1.3's tables, as its SQLiteDict.init_db creates them, and the index table.
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS responses (key TEXT PRIMARY KEY, value BLOB, expires INTEGER)",
    "CREATE INDEX IF NOT EXISTS expires_idx ON responses(expires)",
    "CREATE TABLE IF NOT EXISTS redirects (key TEXT PRIMARY KEY, value BLOB, expires INTEGER)",
    f"CREATE TABLE IF NOT EXISTS {INDEX_TABLE} ("
    "  base_url TEXT NOT NULL,"
    "  prospect_id TEXT NOT NULL,"
    "  cache_key TEXT NOT NULL,"
    "  expires INTEGER,"
    "  body BLOB NOT NULL,"
    "  PRIMARY KEY (base_url, prospect_id))",
)
_TABLES = frozenset({"responses", "redirects", INDEX_TABLE})
_T = TypeVar("_T")


def is_locked(error: BaseException) -> bool:
    """True when a SQLite error means another connection holds the lock (busy or locked)."""
    if not isinstance(error, sqlite3.OperationalError):
        return False
    code = getattr(error, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
    return "locked" in str(error) or "busy" in str(error)


@contextlib.contextmanager
def cache_errors(path: str | os.PathLike[str], doing: str) -> Iterator[None]:
    """Turn SQLite and file-system failures on the cache file into a :class:`ConfigurationError`.

    A corrupt file, a file that is not a cache, a read-only file or folder or a full disk
    mean the same to the user: this cache file cannot be used as it is. A lock held past the
    busy timeout means something else: another process is using the file, which is fine.
    Either way the error says which file, what SQLite or the system said, and what to do.

    Examples
    --------
    >>> import sqlite3
    >>> with cache_errors("c.sqlite", "opening"):
    ...     raise sqlite3.DatabaseError("file is not a database")
    Traceback (most recent call last):
    ...
    knock_data.ConfigurationError: Error opening the cache file c.sqlite: ...
    """
    try:
        yield
    except (sqlite3.Error, OSError) as error:
        if is_locked(error):
            raise ConfigurationError(
                f"The cache file {os.fspath(path)} is in use by another process, which kept "
                f"it locked for too long while knock-data was {doing} it.",
                hint="Nothing is wrong with the file: wait for the other knock-data run (a "
                "fetch, a notebook) to finish and try again, or use another cache file "
                "(cache=... or $KNOCK_DATA_CACHE; --cache on the command line).",
            ) from error
        reason = getattr(error, "strerror", None) or str(error) or type(error).__name__
        reason = reason.rstrip(".")
        raise ConfigurationError(
            f"Error {doing} the cache file {os.fspath(path)}: {reason}.",
            hint="The cache only holds copies of Knock's answers: delete the file, or use "
            "another one (cache=... or $KNOCK_DATA_CACHE; --cache on the command line), or "
            "turn caching off (cache=False; --no-cache).",
        ) from error


def cache_file_path(path: str | os.PathLike[str]) -> Path:
    """The file a cache path names: ``~`` expanded, absolute, ``.sqlite`` added when it has
    no suffix (as requests-cache does).

    Examples
    --------
    >>> cache_file_path("/tmp/knock").name
    'knock.sqlite'
    """
    resolved = Path(path).expanduser().absolute()
    return resolved if resolved.suffix else resolved.with_name(resolved.name + ".sqlite")


def split_prospect_url(url: str | None) -> tuple[str, str] | None:
    """``(base_url, prospect_id)`` for a Get Prospect URL, else ``None``.

    Examples
    --------
    >>> split_prospect_url("http://127.0.0.1:8000/prospect/51316")
    ('http://127.0.0.1:8000', '51316')
    """
    match = _PROSPECT_URL.fullmatch(url or "")
    return (match["base"], match["id"]) if match else None


def prospect_cache_key(request: PreparedRequest, **kwargs: Any) -> str:
    """Cache key for requests-cache (its ``key_fn``): cheap for prospect GETs.

    requests-cache's default key normalises the URL, headers and body on every lookup (about
    0.3 ms). A prospect request is fully described by its method and URL, which knock-data
    builds itself, so a hash of those is enough. Other requests get the default key.
    """
    if request.method == "GET" and split_prospect_url(request.url) and not request.body:
        digest = hashlib.blake2b(f"GET {request.url}".encode(), digest_size=16).hexdigest()
        return f"knock-{digest}"
    return create_key(request, **kwargs)


def cacheable(response: Response) -> bool:
    """requests-cache ``filter_fn``: store only real prospects, never error bodies or junk."""
    if response.status_code != 200:
        return False
    try:
        return is_prospect_body(json.loads(response.content))
    except ValueError:
        return False


def expiration(expire_after: timedelta | float | None) -> datetime | None:
    """When an entry stored now expires: ``None`` (the default) keeps it until refreshed."""
    return get_expiration_datetime(-1 if expire_after is None else expire_after)


def _while_locked(action: Callable[[], _T], deadline: float) -> _T:
    """Run ``action``, again and again while SQLite says the file is locked, until ``deadline``."""
    wait = 0.001
    while True:
        try:
            return action()
        except sqlite3.OperationalError as error:
            if not is_locked(error) or time.monotonic() >= deadline:
                raise
        time.sleep(wait)
        wait = min(wait * 2, 0.05)


def _prepare_file(path: Path, busy_timeout: int, wal: bool) -> None:
    """Switch the file to WAL and create the tables, with a connection of its own."""
    con = sqlite3.connect(path, timeout=busy_timeout / 1000, isolation_level=None)
    try:
        con.execute(f"PRAGMA busy_timeout={int(busy_timeout)}")
        if wal and con.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            con.execute("PRAGMA journal_mode=WAL")
        if wal:
            con.execute("PRAGMA synchronous=NORMAL")  # as requests-cache: no fsync per commit
        tables = {row[0] for row in con.execute("SELECT name FROM sqlite_master")}
        if tables >= _TABLES:
            return
        con.execute("BEGIN IMMEDIATE")
        try:
            for statement in _SCHEMA:
                con.execute(statement)
        except BaseException:
            con.rollback()
            raise
        con.commit()
    finally:
        con.close()


class ProspectCache(SQLiteCache):
    """requests-cache SQLite backend that also indexes prospect bodies for bulk reads.

    Parameters
    ----------
    db_path
        The SQLite file (``.sqlite`` is added when it has no suffix).
    busy_timeout
        Milliseconds to wait for another process's lock, when opening and on every write.
    kwargs
        Passed to :class:`requests_cache.SQLiteCache` (``wal`` is on unless turned off).

    Raises
    ------
    sqlite3.Error
        When the file cannot be opened as a cache (wrap the call in :func:`cache_errors`, or
        use :func:`open_cache`, for a message that says what to do).
    """

    def __init__(
        self,
        db_path: str | os.PathLike[str],
        *,
        busy_timeout: int = DEFAULT_BUSY_TIMEOUT,
        **kwargs: Any,
    ) -> None:
        path = cache_file_path(db_path)
        kwargs.setdefault("wal", True)
        kwargs.setdefault("timeout", busy_timeout / 1000)
        deadline = time.monotonic() + busy_timeout / 1000
        _while_locked(lambda: _prepare_file(path, busy_timeout, kwargs["wal"]), deadline)
        _while_locked(lambda: self._open_backend(path, busy_timeout, kwargs), deadline)

    def _open_backend(self, path: Path, busy_timeout: int, kwargs: dict[str, Any]) -> None:
        try:
            super().__init__(str(path), busy_timeout=busy_timeout, **kwargs)
        except sqlite3.Error:
            for storage in ("responses", "redirects"):
                if hasattr(self, storage):
                    getattr(self, storage).close()
            raise

    def _init_index(self) -> None:
        with self.responses.connection(commit=True) as con:
            con.execute(_SCHEMA[-1])

    def store(
        self,
        response: Response,
        *,
        expires: datetime | None = None,
        cache_key: str | None = None,
    ) -> None:
        """Store a prospect response and index its body, in one committed transaction.

        The caller has checked that the response is a prospect. Unlike requests-cache's
        ``bulk_commit``, a failure (disk full, a lock held past the busy timeout) is raised,
        never silently rolled back.
        """
        where = split_prospect_url(response.url)
        if where is None:
            raise ValueError(f"Not a Get Prospect URL: {response.url!r}")
        cache_key = cache_key or prospect_cache_key(response.request)
        ignored = (*self._settings.ignored_parameters, *IGNORED_PARAMETERS)
        cached = redact_response(CachedResponse.from_response(response, expires=expires), ignored)
        value = self.responses.serialize(cached)  # outside the lock: CPU work
        rows = (
            (f"INSERT OR REPLACE INTO {self.responses.table_name} (key, value, expires) "
             "VALUES (?, ?, ?)", (cache_key, value, cached.expires_unix)),
            (f"INSERT OR REPLACE INTO {INDEX_TABLE} "
             "(base_url, prospect_id, cache_key, expires, body) VALUES (?, ?, ?, ?, ?)",
             (*where, cache_key, cached.expires_unix, sqlite3.Binary(response.content))),
        )  # fmt: skip
        with self.responses.connection() as con, self.responses._lock:
            con.execute("BEGIN IMMEDIATE")
            try:
                for statement, params in rows:
                    con.execute(statement, params)
            except BaseException:
                con.rollback()
                raise
            con.commit()

    def save_response(
        self,
        response: Response,
        cache_key: str | None = None,
        expires: datetime | None = None,
    ) -> None:
        """requests-cache's write path (a ``CachedSession`` on this backend): prospects are
        stored and indexed by :meth:`store`, error bodies never; other URLs as usual."""
        if split_prospect_url(response.url) is None or response.history:
            super().save_response(response, cache_key, expires)
        elif cacheable(response):
            self.store(response, expires=expires, cache_key=cache_key)

    def lookup(
        self, base_url: str, prospect_ids: Iterable[str], *, include_expired: bool = False
    ) -> dict[str, Any]:
        """Cached prospects for these ids, parsed, as ``{prospect_id: record}``.

        Ids not cached (or expired, unless ``include_expired``) are simply absent.
        """
        wanted = list(prospect_ids)
        freshness = "" if include_expired else "AND (r.expires IS NULL OR r.expires > ?)"
        now = (round(time.time()),) if not include_expired else ()
        ids: list[str] = []
        bodies: list[bytes] = []
        # Under the backend's lock: the one connection is shared with the writing threads,
        # and a read must not interleave with another thread's transaction.
        with self.responses.connection() as con, self.responses._lock:
            for start in range(0, len(wanted), _CHUNK):
                chunk = wanted[start : start + _CHUNK]
                marks = ",".join("?" * len(chunk))
                rows = con.execute(
                    f"SELECT i.prospect_id, i.body FROM {INDEX_TABLE} i "
                    f"JOIN {self.responses.table_name} r "
                    "  ON r.key = i.cache_key AND r.expires IS i.expires "
                    f"WHERE i.base_url = ? AND i.prospect_id IN ({marks}) {freshness}",
                    (base_url, *chunk, *now),
                ).fetchall()
                for prospect_id, body in rows:
                    ids.append(prospect_id)
                    bodies.append(body)
        return dict(zip(ids, _parse_bodies(bodies), strict=True))

    def clear(self) -> None:
        """Delete every cached response and the index."""
        super().clear()
        with self.responses.connection(commit=True) as con:
            con.execute(f"DROP TABLE IF EXISTS {INDEX_TABLE}")
        self._init_index()


def open_cache(
    path: str | os.PathLike[str], *, busy_timeout: int = DEFAULT_BUSY_TIMEOUT
) -> ProspectCache:
    """Open (or create) a cache file, private to the user, with a message for any failure.

    A new file and its folder are made readable by their owner only: the cache holds names,
    emails and phone numbers.

    Raises
    ------
    ConfigurationError
        The file cannot be used (corrupt, not a cache, unwritable), or another process held
        its lock for longer than ``busy_timeout`` milliseconds.
    """
    path = cache_file_path(path)
    with cache_errors(path, "opening"):
        if not path.parent.exists():
            path.parent.mkdir(parents=True, mode=0o700, exist_ok=True)
        elif not path.parent.is_dir():
            raise NotADirectoryError(f"{path.parent} is a file, not a directory")
        created = not path.exists()
        store = ProspectCache(path, busy_timeout=busy_timeout)
        if created and os.name == "posix":
            for suffix in ("", "-wal", "-shm"):
                part = Path(f"{path}{suffix}")
                if part.exists():
                    part.chmod(0o600)
    return store


def _parse_bodies(bodies: list[bytes]) -> list[Any]:
    """Parse many JSON bodies in one call (each was checked when it was stored)."""
    if not bodies:
        return []
    try:
        return list(json.loads(b"[" + b",".join(bodies) + b"]"))
    except ValueError:
        return [json.loads(body) for body in bodies]


@dataclass(frozen=True)
class CacheInfo:
    """What a cache file holds (``knock-data cache info``)."""

    path: Path
    exists: bool
    size_bytes: int
    responses: int
    prospects: int
    expired: int
    by_base_url: dict[str, int]

    def __str__(self) -> str:
        if not self.exists:
            return f"Cache file: {self.path} (not created yet)"
        lines = [
            f"Cache file: {self.path}",
            f"Size: {self.size_bytes / 1e6:.1f} MB",
            f"Cached responses: {self.responses:,} ({self.expired:,} expired)",
            f"Prospects: {self.prospects:,}",
        ]
        lines += [f"  {url}: {count:,}" for url, count in sorted(self.by_base_url.items())]
        return "\n".join(lines)


def _file_size(path: Path) -> int:
    return sum(
        p.stat().st_size for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")) if p.exists()
    )


def cache_info(path: str | os.PathLike[str]) -> CacheInfo:
    """Describe a cache file without creating it.

    Raises
    ------
    ConfigurationError
        The file cannot be read as a cache (not a database, corrupt, unreadable).

    Examples
    --------
    >>> cache_info("/nonexistent/cache.sqlite").exists
    False
    """
    path = Path(path)
    if not path.is_file():
        return CacheInfo(path, False, 0, 0, 0, 0, {})
    with cache_errors(path, "reading"):
        return _cache_info(path)


def _cache_info(path: Path) -> CacheInfo:
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
    try:
        tables = {row[0] for row in con.execute("SELECT name FROM sqlite_master")}
        responses = expired = prospects = 0
        by_base_url: dict[str, int] = {}
        if "responses" in tables:
            responses = con.execute("SELECT COUNT(*) FROM responses").fetchone()[0]
            expired = con.execute(
                "SELECT COUNT(*) FROM responses WHERE expires <= ?", (round(time.time()),)
            ).fetchone()[0]
        if "responses" in tables and INDEX_TABLE in tables:
            rows = con.execute(
                f"SELECT i.base_url, COUNT(*) FROM {INDEX_TABLE} i "
                "JOIN responses r ON r.key = i.cache_key AND r.expires IS i.expires "
                "GROUP BY i.base_url"
            ).fetchall()
            by_base_url = {url: count for url, count in rows}
            prospects = sum(by_base_url.values())
    finally:
        con.close()
    return CacheInfo(path, True, _file_size(path), responses, prospects, expired, by_base_url)
