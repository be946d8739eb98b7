"""The disk cache: requests-cache's SQLite backend, plus an index for fast bulk reads.

Every prospect response goes through a standard ``requests_cache`` SQLite backend (WAL mode,
so worker threads and several processes can share one file). A requests-cache hit costs
about a millisecond (key creation, deserialising the whole response), which is too slow for
re-reading thousands of prospects. So, in the same transaction that stores a response,
:class:`ProspectCache` also writes its body to a small table of its own::

    knock_prospects(base_url, prospect_id, cache_key, expires, body)

A bulk read is then one ``SELECT`` joined with requests-cache's ``responses`` table: a row
counts only while its requests-cache entry exists, is the same write (same ``expires``) and
has not expired. Deleting or clearing entries with requests-cache's own API therefore also
removes them from the index, and expiry follows requests-cache's settings.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import sqlite3
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from requests import PreparedRequest, Response
from requests_cache import SQLiteCache
from requests_cache.cache_keys import create_key, redact_response
from requests_cache.models import CachedResponse

from knock_data._exceptions import ConfigurationError

__all__ = [
    "INDEX_TABLE",
    "CacheInfo",
    "ProspectCache",
    "cache_errors",
    "cache_info",
    "is_prospect_body",
    "prospect_cache_key",
    "split_prospect_url",
]

INDEX_TABLE = "knock_prospects"
_PROSPECT_URL = re.compile(r"(?P<base>https?://.+)/prospect/(?P<id>[0-9]+)")
_CHUNK = 500  # ids per SELECT, well under SQLite's 999 parameters


@contextlib.contextmanager
def cache_errors(path: str | os.PathLike[str], doing: str) -> Iterator[None]:
    """Turn SQLite and file-system failures on the cache file into a :class:`ConfigurationError`.

    A corrupt file, a file that is not a cache, a read-only file or folder, a full disk or a
    lock held too long all mean the same to the user: this cache file cannot be used as it
    is. The error says which file, what SQLite or the system said, and what to do.

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
        reason = getattr(error, "strerror", None) or str(error) or type(error).__name__
        reason = reason.rstrip(".")
        raise ConfigurationError(
            f"Error {doing} the cache file {os.fspath(path)}: {reason}.",
            hint="The cache only holds copies of Knock's answers: delete the file, or use "
            "another one (cache=... or $KNOCK_DATA_CACHE; --cache on the command line), or "
            "turn caching off (cache=False; --no-cache).",
        ) from error


def split_prospect_url(url: str | None) -> tuple[str, str] | None:
    """``(base_url, prospect_id)`` for a Get Prospect URL, else ``None``."""
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


def is_prospect_body(content: bytes) -> bool:
    """True when a 200 body is a prospect (a JSON object without Knock's error fields)."""
    try:
        body = json.loads(content)
    except ValueError:
        return False
    return isinstance(body, dict) and "errorCode" not in body and "errorMessage" not in body


def cacheable(response: Response) -> bool:
    """requests-cache ``filter_fn``: store only real prospects, never error bodies or junk."""
    return response.status_code == 200 and is_prospect_body(response.content)


class ProspectCache(SQLiteCache):
    """requests-cache SQLite backend that also indexes prospect bodies for bulk reads.

    Parameters
    ----------
    db_path
        The SQLite file.
    kwargs
        Passed to :class:`requests_cache.SQLiteCache` (``wal``, ``busy_timeout``...).
    """

    def __init__(self, db_path: str | os.PathLike[str], **kwargs: Any) -> None:
        super().__init__(os.fspath(db_path), **kwargs)
        self._init_index()

    def _init_index(self) -> None:
        with self.responses.connection(commit=True) as con:
            con.execute(
                f"CREATE TABLE IF NOT EXISTS {INDEX_TABLE} ("
                "  base_url TEXT NOT NULL,"
                "  prospect_id TEXT NOT NULL,"
                "  cache_key TEXT NOT NULL,"
                "  expires INTEGER,"
                "  body BLOB NOT NULL,"
                "  PRIMARY KEY (base_url, prospect_id))"
            )

    def save_response(
        self,
        response: Response,
        cache_key: str | None = None,
        expires: datetime | None = None,
    ) -> None:
        """Store the response with requests-cache and index its body, in one transaction."""
        where = split_prospect_url(response.url)
        if where is None or response.history:
            super().save_response(response, cache_key, expires)
            return
        if not cacheable(response):
            return  # an error body or junk under a 200: never cached
        cache_key = cache_key or self.create_key(response.request)
        cached = CachedResponse.from_response(response, expires=expires)
        cached = redact_response(cached, self._settings.ignored_parameters)
        value = self.responses.serialize(cached)  # outside the lock: CPU work
        rows = (
            (f"INSERT OR REPLACE INTO {self.responses.table_name} (key, value, expires) "
             "VALUES (?, ?, ?)", (cache_key, value, cached.expires_unix)),
            (f"INSERT OR REPLACE INTO {INDEX_TABLE} "
             "(base_url, prospect_id, cache_key, expires, body) VALUES (?, ?, ?, ?, ?)",
             (*where, cache_key, cached.expires_unix, sqlite3.Binary(response.content))),
        )  # fmt: skip
        # One transaction for both rows. Unlike requests-cache's bulk_commit, a failure
        # (disk full, a lock held past busy_timeout) is raised, never silently rolled back.
        with self.responses.connection() as con, self.responses._lock:
            con.execute("BEGIN IMMEDIATE")
            try:
                for statement, params in rows:
                    con.execute(statement, params)
            except BaseException:
                con.rollback()
                raise
            con.commit()

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
