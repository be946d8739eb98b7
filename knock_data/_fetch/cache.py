"""The disk cache: a requests-cache SQLite backend that keeps each prospect body once.

:class:`ProspectCache` is a :class:`requests_cache.SQLiteCache`. Each prospect copy is stored
once, compressed, in knock-data's own table (``knock_prospects``, see
:mod:`.cache_schema`), with the key scope of the tenant that fetched it, when it was fetched
and a digest of its body; requests-cache's ``responses`` row for it holds the response
*without* its body, and :meth:`ProspectCache.get_response` puts the body back, so a
``CachedSession(backend=ProspectCache(path))`` still returns
the full response, and requests-cache's expiry, inspection and clearing work on the file.

Every read and write names a tenant: a base URL and a key scope (:mod:`.scope`). A copy is
only ever read by the scope that stored it.

How the client uses it. :class:`~knock_data.KnockClient` does not send through
``CachedSession``: it reads every cached id of a batch in one :meth:`~ProspectCache.lookup`
before any request, sends the rest with a plain session, and stores each prospect with
:meth:`~ProspectCache.store` the moment it arrives (so an interrupted run keeps what it
received). That skips requests-cache's per-request policy evaluation (about 0.3 ms) and keeps
knock-data's own rules (a 200 with an error body is never cached; an expired copy may stand
in when Knock is down; a prospect Knock says does not exist is forgotten) in knock-data's
code.

The interface other parts of knock-data build on (all by ``base_url``, ``scope`` and ids):

- :meth:`~ProspectCache.lookup` (records), :meth:`~ProspectCache.bodies` (raw JSON) and
  :meth:`~ProspectCache.packed_bodies` (the bodies as stored, for :attr:`~ProspectCache.codec`
  to decompress), for the warm rebuild;
- :meth:`~ProspectCache.fetched`: each copy's record, ``fetched_at``, ``expires`` and digest,
  for a refresh that only asks for what is due and for recovering history;
- :meth:`~ProspectCache.forget` and :meth:`~ProspectCache.forget_scope`: drop copies.

What this depends on in requests-cache (pinned below 1.4 in ``pyproject.toml``; the tests in
``tests/unit/test_cache.py`` fail if any of it changes): the ``responses`` and ``redirects``
tables and their columns (created by :mod:`.cache_schema` before requests-cache opens the
file), ``SQLiteDict.connection()`` and its ``_lock`` (shared with requests-cache's own writes),
``BaseCache._settings`` (the session's ignored parameters), ``BaseStorage.serialize``, the
``json_preconf_stage`` serializer stage, ``CachedResponse._content``, and what
``SQLiteCache.__init__`` and ``SQLiteDict._acquire_sqlite_lock`` do (the two tables are built
here, with a wait for the write lock that ends; see :class:`_Table`).

The module is one class, the place where requests-cache's backend interface and knock-data's
tenants meet; splitting it would spread that one contract over several files. Its schema and
file handling live in :mod:`.cache_schema` and :mod:`.cache_file`.

Opening a shared file never fails on a lock: switching a new file to WAL is a statement for
which SQLite does not wait on its busy handler, so two processes opening a new file at once
could see ``database is locked``. The switch and the table creation are retried until the
busy timeout; a lock that outlasts it is reported as the file being in use by another process.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sqlite3
import time
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple

from requests import Response
from requests_cache import SQLiteCache
from requests_cache.backends.base import BaseCache
from requests_cache.backends.sqlite import SQLiteDict
from requests_cache.cache_keys import redact_response
from requests_cache.models import CachedHTTPResponse, CachedResponse

from knock_data._exceptions import KnockWarning
from knock_data._fetch.cache_file import (
    DEFAULT_BUSY_TIMEOUT,
    cache_errors,
    cache_file_path,
    is_locked,
    secure_cache_file,
    while_locked,
)
from knock_data._fetch.cache_keys import (
    IGNORED_PARAMETERS,
    cacheable,
    fetched_at,
    prospect_cache_key,
    split_prospect_url,
)
from knock_data._fetch.cache_schema import (
    PROSPECTS_TABLE,
    TENANTS_TABLE,
    CacheFile,
    prepare_file,
    response_serializer,
)
from knock_data._fetch.packing import BodyCompressor
from knock_data._fetch.scope import key_scope
from knock_data._json import parse_bodies

__all__ = ["CachedCopy", "ProspectCache", "open_cache"]

_CHUNK = 500  # ids per SELECT, well under SQLite's 999 parameters
# Reading this many ids or more, and at least half the scope's copies: one pass over them all.
_SCAN_FROM = 2_000
_SCAN_BLOCK = 10_000  # rows fetched at a time in that pass
_TENANT = f"(SELECT tenant_id FROM {TENANTS_TABLE} WHERE base_url = ? AND scope = ?)"


class CachedCopy(NamedTuple):
    """One cached prospect copy and what the cache knows about it
    (:meth:`ProspectCache.fetched`)."""

    #: The prospect, as Knock sent it.
    record: dict[str, Any]
    #: When it was observed: the response's ``Date`` (the server's clock), else the local
    #: clock at arrival; tz-aware UTC.
    fetched_at: datetime
    #: When the copy expires (``None``: kept until refreshed); tz-aware UTC.
    expires: datetime | None
    #: blake2b-128 of the body as received: equal digests mean an unchanged prospect.
    digest: bytes


def _utc(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


def _utc_or_none(seconds: float | None) -> datetime | None:
    return None if seconds is None else _utc(seconds)


class _Table(SQLiteDict):
    """One of requests-cache's tables, whose wait for SQLite's write lock ends.

    requests-cache retries ``BEGIN IMMEDIATE`` for as long as the lock is held; a file
    another process keeps locked would hang the client for ever. Here the wait ends once
    the busy timeout has passed, with SQLite's "database is locked", which the cache
    reports as the file being in use. A failed commit is raised, not rolled back silently.
    """

    @contextlib.contextmanager
    def _acquire_sqlite_lock(self) -> Iterator[None]:
        with self._lock:
            connection = self._connection
            assert connection is not None  # opened by connection(), which calls this
            deadline = time.monotonic() + (self.busy_timeout or DEFAULT_BUSY_TIMEOUT) / 1000
            while_locked(lambda: connection.execute("BEGIN IMMEDIATE"), deadline)
            self._active_transaction = True
            try:
                yield
                connection.commit()
            except BaseException:
                connection.rollback()
                raise
            finally:
                self._active_transaction = False


class ProspectCache(SQLiteCache):
    """requests-cache SQLite backend that keeps each prospect body once, per key scope.

    Parameters
    ----------
    db_path
        The SQLite file (``.sqlite`` is added when it has no suffix; symbolic links are
        resolved). It is created private to the user (see :mod:`.cache_file`); a file from
        knock-data 0.1 is upgraded, its copies dropped, with a :class:`~knock_data.KnockWarning`.
    busy_timeout
        Milliseconds to wait for another process's lock, when opening and on every write.
    kwargs
        Passed to :class:`requests_cache.SQLiteCache` (``wal`` is on unless turned off).

    Raises
    ------
    ConfigurationError
        The file or its folder can be written by others or belongs to someone else; the file
        is from a newer knock-data or is someone else's requests-cache database.
    sqlite3.Error, OSError
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
        path = secure_cache_file(db_path)
        kwargs.setdefault("wal", True)
        kwargs.setdefault("timeout", busy_timeout / 1000)
        deadline = time.monotonic() + busy_timeout / 1000
        self._file: CacheFile = while_locked(
            lambda: prepare_file(path, busy_timeout, kwargs["wal"]), deadline
        )
        kwargs["serializer"] = response_serializer(self._file.responses)
        while_locked(lambda: self._open_backend(path, busy_timeout, kwargs), deadline)
        if self._file.dropped_on_upgrade is not None:
            warnings.warn(
                f"Upgraded the cache file {path} from knock-data 0.1: its "
                f"{self._file.dropped_on_upgrade:,} cached copies were dropped, since 0.1 did "
                "not record which API key fetched each one, and a copy is never served to "
                "another key. They are fetched again when next asked for.",
                KnockWarning,
                stacklevel=2,
            )

    def _open_backend(self, path: Path, busy_timeout: int, kwargs: dict[str, Any]) -> None:
        # SQLiteCache.__init__, with tables whose wait for the write lock ends (see _Table).
        try:
            table_kwargs = {k: v for k, v in kwargs.items() if k != "serializer"}
            BaseCache.__init__(
                self, cache_name=str(path), busy_timeout=busy_timeout, **table_kwargs
            )
            self.responses = _Table(
                str(path), table_name="responses", busy_timeout=busy_timeout, **kwargs
            )
            self.redirects = _Table(
                str(path),
                table_name="redirects",
                lock=self.responses._lock,
                serializer=None,
                busy_timeout=busy_timeout,
                **table_kwargs,
            )
        except sqlite3.Error:
            for storage in ("responses", "redirects"):
                if hasattr(self, storage):
                    getattr(self, storage).close()
            raise

    def create_key(self, request: Any, match_headers: Any = None, **kwargs: Any) -> str:
        """requests-cache's key for a request: the session's ``key_fn`` if it has one, else
        :func:`prospect_cache_key`, the key knock-data's own writes use, so that a plain
        ``CachedSession(backend=ProspectCache(path))`` finds them."""
        if self._settings.key_fn is not None:
            return super().create_key(request, match_headers, **kwargs)
        return prospect_cache_key(
            request,
            ignored_parameters=self._settings.ignored_parameters,
            content_root_key=self._settings.content_root_key,
            match_headers=match_headers or self._settings.match_headers,
            serializer=self.responses.serializer,
            **kwargs,
        )

    @property
    def codec(self) -> BodyCompressor:
        """How this file compresses the prospect bodies (its own preset dictionary)."""
        return self._file.bodies

    def scope_for(self, api_key: str) -> str:
        """The scope of ``api_key`` in this file (scrypt under the file's salt: slow, so a
        client derives it once)."""
        return key_scope(api_key, self._file.salt)

    # -- writing ------------------------------------------------------------------------------

    def store(
        self,
        response: Response,
        *,
        scope: str | None = None,
        expires: datetime | None = None,
        cache_key: str | None = None,
    ) -> bool:
        """Store a prospect response for one key scope, in one committed transaction.

        The body goes to knock-data's table, compressed, with when it was fetched (its
        ``Date`` header, else now) and its digest; requests-cache's ``responses`` row gets
        the response without it. The caller has checked that the response is a prospect.
        Unlike requests-cache's ``bulk_commit``, a failure (disk full, a lock held past the
        busy timeout) is raised, never silently rolled back.

        Parameters
        ----------
        response
            The prospect's response; its request's URL names the prospect (and may carry
            the scope, as :func:`~.scope.scoped_url` writes it).
        scope
            The key scope it was fetched for, when the URL does not carry it.
        expires, cache_key
            requests-cache's expiry and key (by default :func:`prospect_cache_key`).

        Returns
        -------
        bool
            True when the body differs from the copy it replaces (or there was none).
        """
        request_url = response.request.url if response.request is not None else response.url
        where = split_prospect_url(request_url)
        if where is None:
            raise ValueError(f"Not a Get Prospect URL: {request_url!r}")
        if where.scope is not None and scope is not None and where.scope != scope:
            raise ValueError("The scope given differs from the one the request carries.")
        scope = scope or where.scope
        if scope is None:
            raise ValueError("A prospect is stored for a key scope; none was given.")
        body = response.content or b""
        cache_key = cache_key or prospect_cache_key(response.request)
        ignored = (*self._settings.ignored_parameters, *IGNORED_PARAMETERS)
        cached = redact_response(CachedResponse.from_response(response, expires=expires), ignored)
        cached._content = b""  # the body lives in knock-data's table, once
        # CPU work outside the lock:
        value = self.responses.serialize(cached)
        digest = hashlib.blake2b(body, digest_size=16).digest()
        packed = self._file.bodies.compress(body)
        seen = fetched_at(response)
        with self._transaction() as con:
            con.execute(
                f"INSERT OR IGNORE INTO {TENANTS_TABLE} (base_url, scope) VALUES (?, ?)",
                (where.base_url, scope),
            )
            (tenant_id,) = con.execute(
                f"SELECT tenant_id FROM {TENANTS_TABLE} WHERE base_url = ? AND scope = ?",
                (where.base_url, scope),
            ).fetchone()
            before = con.execute(
                f"SELECT cache_key, digest FROM {PROSPECTS_TABLE} "
                "WHERE tenant_id = ? AND prospect_id = ?",
                (tenant_id, where.prospect_id),
            ).fetchone()
            con.execute(
                f"INSERT OR REPLACE INTO {self.responses.table_name} (key, value, expires) "
                "VALUES (?, ?, ?)",
                (cache_key, value, cached.expires_unix),
            )
            con.execute(
                f"INSERT OR REPLACE INTO {PROSPECTS_TABLE} (tenant_id, prospect_id, "
                "cache_key, expires, fetched_at, digest, body) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (tenant_id, where.prospect_id, cache_key, cached.expires_unix, seen, digest,
                 packed),
            )  # fmt: skip
            if before is not None and before[0] != cache_key:
                # The same copy under another requests-cache key: that row is an orphan now.
                con.execute(f"DELETE FROM {self.responses.table_name} WHERE key = ?", (before[0],))
        return before is None or bytes(before[1]) != digest

    def save_response(
        self,
        response: Response,
        cache_key: str | None = None,
        expires: datetime | None = None,
    ) -> None:
        """requests-cache's write path (a ``CachedSession`` on this backend): scoped prospects
        are stored by :meth:`store`, error bodies never; anything else as usual."""
        request_url = response.request.url if response.request is not None else None
        where = split_prospect_url(request_url)
        if where is None or where.scope is None or response.history:
            super().save_response(response, cache_key, expires)
        elif cacheable(response):
            self.store(response, expires=expires, cache_key=cache_key)

    def forget(self, base_url: str, scope: str, prospect_ids: Iterable[str]) -> int:
        """Drop this scope's copies of these prospects (Knock says they no longer exist).

        Returns the number of copies dropped; ids without one are ignored.
        """
        return self._forget(f"tenant_id = {_TENANT}", (base_url, scope), list(prospect_ids))

    def forget_scope(self, scope: str, *, base_url: str | None = None) -> int:
        """Drop every copy of one key scope (on one server, or on all): ``cache clear``.

        Returns the number of copies dropped.
        """
        if base_url is None:
            where = f"tenant_id IN (SELECT tenant_id FROM {TENANTS_TABLE} WHERE scope = ?)"
            return self._forget(where, (scope,), None)
        return self._forget(f"tenant_id = {_TENANT}", (base_url, scope), None)

    def _forget(self, where: str, params: tuple[str, ...], ids: list[str] | None) -> int:
        dropped = 0
        chunks: list[list[str] | None] = (
            [None] if ids is None else [ids[i : i + _CHUNK] for i in range(0, len(ids), _CHUNK)]
        )
        with self._transaction() as con:
            for chunk in chunks:
                condition, args = where, params
                if chunk is not None:
                    condition += f" AND prospect_id IN ({','.join('?' * len(chunk))})"
                    args = (*params, *chunk)
                dropped += con.execute(
                    f"SELECT COUNT(*) FROM {PROSPECTS_TABLE} WHERE {condition}", args
                ).fetchone()[0]
                # Deleting the responses rows deletes the copies too (a trigger); a copy
                # whose row had already gone is deleted by the second statement.
                con.execute(
                    f"DELETE FROM {self.responses.table_name} WHERE key IN "
                    f"(SELECT cache_key FROM {PROSPECTS_TABLE} WHERE {condition})",
                    args,
                )
                con.execute(f"DELETE FROM {PROSPECTS_TABLE} WHERE {condition}", args)
        return dropped

    def clear(self) -> None:
        """Delete every cached response and copy, of every key scope (the salt stays)."""
        with self._transaction() as con:
            for table in (self.responses.table_name, self.redirects.table_name, PROSPECTS_TABLE):
                con.execute(f"DELETE FROM {table}")
        with self.responses.connection() as con, self.responses._lock:
            try:
                con.execute("VACUUM")  # give the space back to the disk
            except sqlite3.OperationalError as error:
                if not is_locked(error):
                    raise
                # Another process is reading the file: the rows are gone all the same, and
                # their space is reused by the next writes.

    # -- reading ------------------------------------------------------------------------------

    def get_response(self, key: str, default: Any = None) -> CachedResponse | None:
        """requests-cache's read path: the cached response, its body put back from
        knock-data's table (``default`` when the copy is gone)."""
        response = super().get_response(key)
        if response is None:
            return default
        where = split_prospect_url(response.request.url)
        if where is None or where.scope is None or response._content:
            return response
        with self.responses.connection() as con, self.responses._lock:
            row = con.execute(
                f"SELECT body FROM {PROSPECTS_TABLE} WHERE tenant_id = {_TENANT} "
                "AND prospect_id = ? AND cache_key = ?",
                (where.base_url, where.scope, where.prospect_id, response.cache_key),
            ).fetchone()
        if row is None:
            return default
        response._content = self._file.bodies.decompress(row[0])
        response.raw = CachedHTTPResponse.from_cached_response(response)
        return response

    def bodies(
        self,
        base_url: str,
        scope: str,
        prospect_ids: Iterable[str],
        *,
        include_expired: bool = False,
    ) -> dict[str, bytes]:
        """Cached bodies (JSON, as Knock sent them) of these ids for one scope, as
        ``{prospect_id: body}``; ids not cached (or expired, unless ``include_expired``)
        are absent."""
        ids, bodies = self._bodies(base_url, scope, prospect_ids, include_expired)
        return dict(zip(ids, bodies, strict=True))

    def packed_bodies(
        self,
        base_url: str,
        scope: str,
        prospect_ids: Iterable[str],
        *,
        include_expired: bool = False,
        on_block: Callable[[int], None] | None = None,
    ) -> dict[str, bytes]:
        """Cached bodies of these ids for one scope as stored, compressed: ``{prospect_id:
        blob}`` for :meth:`codec`'s ``decompress``. What a warm batch keeps: about 240 bytes
        a prospect, where the parsed record takes about 3 KB.

        ``on_block`` is told how many copies each block read held, as it is read (a
        progress bar moves while a million copies are read, about 0.3 s a 100,000).
        """
        found: dict[str, bytes] = {}
        for block in self._blocks(
            "prospect_id, body", base_url, scope, prospect_ids, include_expired
        ):
            found.update(block)  # type: ignore[arg-type]
            if on_block is not None and block:
                on_block(len(block))
        return found

    def lookup(
        self,
        base_url: str,
        scope: str,
        prospect_ids: Iterable[str],
        *,
        include_expired: bool = False,
    ) -> dict[str, Any]:
        """Cached prospects of these ids for one scope, parsed, as ``{prospect_id: record}``.

        Ids not cached (or expired, unless ``include_expired``) are simply absent.
        """
        ids, bodies = self._bodies(base_url, scope, prospect_ids, include_expired)
        return dict(zip(ids, parse_bodies(bodies), strict=True))

    def _bodies(
        self, base_url: str, scope: str, prospect_ids: Iterable[str], include_expired: bool
    ) -> tuple[list[str], list[bytes]]:
        rows = self._select("prospect_id, body", base_url, scope, prospect_ids, include_expired)
        ids = [row[0] for row in rows]
        return ids, self._file.bodies.decompress_many([row[1] for row in rows])

    def fetched(
        self, base_url: str, scope: str, prospect_ids: Iterable[str]
    ) -> dict[str, CachedCopy]:
        """Every cached copy of these ids for one scope, expired ones included, with when it
        was fetched, when it expires and its digest, as ``{prospect_id: CachedCopy}``."""
        rows = self._select(
            "prospect_id, body, fetched_at, expires, digest", base_url, scope, prospect_ids, True
        )
        bodies = self._file.bodies.decompress_many([row[1] for row in rows])
        return {
            row[0]: CachedCopy(record, _utc(row[2]), _utc_or_none(row[3]), bytes(row[4]))
            for row, record in zip(rows, parse_bodies(bodies), strict=True)
        }

    def _select(
        self,
        columns: str,
        base_url: str,
        scope: str,
        prospect_ids: Iterable[str],
        include_expired: bool,
    ) -> list[Sequence[Any]]:
        """The rows of these ids for one scope (``columns`` starts with ``prospect_id``)."""
        blocks = self._blocks(columns, base_url, scope, prospect_ids, include_expired)
        return [row for block in blocks for row in block]

    def _blocks(
        self,
        columns: str,
        base_url: str,
        scope: str,
        prospect_ids: Iterable[str],
        include_expired: bool,
    ) -> Iterator[list[Sequence[Any]]]:
        """The rows of these ids for one scope, a block at a time (``columns`` starts with
        ``prospect_id``).

        Two ways, by how much of the scope's copies is asked for: most of them (a warm
        rebuild) in one pass over the scope's rows, which lie together in the table, keeping
        the ids asked for (100,000 ids in about 60 ms); a few, by their keys, in key order so
        that each chunk's rows lie together too (about 95 ms for 100,000; 270 in the order
        given).
        """
        wanted = set(prospect_ids)
        freshness = "" if include_expired else "AND (expires IS NULL OR expires > ?)"
        now = () if include_expired else (round(time.time()),)
        # Under the backend's lock: the one connection is shared with the writing threads,
        # and a read must not interleave with another thread's transaction.
        with self.responses.connection() as con, self.responses._lock:
            tenant = con.execute(
                f"SELECT tenant_id FROM {TENANTS_TABLE} WHERE base_url = ? AND scope = ?",
                (base_url, scope),
            ).fetchone()
            if tenant is None or not wanted:
                return
            if len(wanted) >= _SCAN_FROM and self._held(con, tenant[0]) <= 2 * len(wanted):
                cursor = con.execute(
                    f"SELECT {columns} FROM {PROSPECTS_TABLE} WHERE tenant_id = ? {freshness}",
                    (tenant[0], *now),
                )
                while block := cursor.fetchmany(_SCAN_BLOCK):
                    yield [row for row in block if row[0] in wanted]
                return
            ordered = sorted(wanted)
            for start in range(0, len(ordered), _CHUNK):
                chunk = ordered[start : start + _CHUNK]
                yield con.execute(
                    f"SELECT {columns} FROM {PROSPECTS_TABLE} WHERE tenant_id = ? "
                    f"AND prospect_id IN ({','.join('?' * len(chunk))}) {freshness}",
                    (tenant[0], *chunk, *now),
                ).fetchall()

    @staticmethod
    def _held(con: sqlite3.Connection, tenant_id: int) -> int:
        """How many copies one scope holds (every row of its range counted: about 10 ms for
        100,000, paid only before a large read)."""
        (held,) = con.execute(
            f"SELECT COUNT(*) FROM {PROSPECTS_TABLE} WHERE tenant_id = ?", (tenant_id,)
        ).fetchone()
        return int(held)

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """``BEGIN IMMEDIATE`` ... ``COMMIT`` on the backend's connection, under its lock
        (shared with requests-cache's own writes); rolled back and re-raised on any error."""
        with self.responses.connection() as con, self.responses._lock:
            con.execute("BEGIN IMMEDIATE")
            try:
                yield con
            except BaseException:
                con.rollback()
                raise
            con.commit()


def open_cache(
    path: str | os.PathLike[str], *, busy_timeout: int = DEFAULT_BUSY_TIMEOUT
) -> ProspectCache:
    """Open (or create) a cache file, private to the user, with a message for any failure.

    Raises
    ------
    ConfigurationError
        The file cannot be used (corrupt, not a cache, unwritable, writable by others), or
        another process held its lock for longer than ``busy_timeout`` milliseconds.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> store = open_cache(pathlib.Path(tempfile.mkdtemp()) / "cache")
    >>> store.db_path.name, len(store.scope_for("a key"))
    ('cache.sqlite', 32)
    >>> store.lookup("https://knock.test", store.scope_for("a key"), ["47569637"])
    {}
    >>> store.close()
    """
    path = cache_file_path(path)
    with cache_errors(path, "opening"):
        return ProspectCache(path, busy_timeout=busy_timeout)
