"""What the cache knows of each copy: when it was fetched, and what Knock said then.

Smart refresh judges a copy's age, and history recording recovers observations a killed run
never wrote, from the same two facts per prospect: ``fetched_at`` (on the server's clock: the
answer's ``Date`` header, else the local clock) and the record.

:func:`cached_copies` asks the cache for them through ``ProspectCache.fetched(base_url,
scope, prospect_ids)`` when the cache file has that method (schema v2, which stores both per
copy). A cache without it (schema v1) still knows them: each copy's requests-cache response
keeps its headers, ``Date`` among them, and its own creation time; they are read from the
``responses`` rows the index points at, deserialised one by one (about 0.06 ms each). This
reads requests-cache's ``responses`` table and ``BaseStorage.deserialize``, pinned as the
cache module says.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from knock_data._fetch.responses import response_date

if TYPE_CHECKING:
    from knock_data._fetch.cache import ProspectCache

__all__ = ["Copy", "cached_copies", "forget_copies"]

_CHUNK = 500  # ids per SELECT, well under SQLite's 999 parameters


@dataclass(frozen=True)
class Copy:
    """One cached copy: when it was fetched (tz-aware UTC, the server's clock) and the record."""

    fetched_at: datetime
    record: dict[str, Any]


def cached_copies(
    store: ProspectCache, base_url: str, scope: str | None, prospect_ids: Iterable[str]
) -> dict[str, Copy]:
    """``{prospect_id: Copy}`` for the ids the cache holds (unexpired); others are absent."""
    fetched = getattr(store, "fetched", None)
    if fetched is not None:  # the cache records fetch times itself
        return {
            pid: Copy(value.fetched_at, value.record)
            for pid, value in fetched(base_url, scope, list(prospect_ids)).items()
        }
    return _from_responses(store, base_url, list(prospect_ids))


def forget_copies(
    store: ProspectCache, base_url: str, scope: str | None, prospect_ids: Iterable[str]
) -> None:
    """Drop the cached copies of prospects Knock says no longer exist, so that the cache
    never serves one again: ``ProspectCache.forget`` when the cache has it, else the
    requests-cache entries (``SQLiteDict.bulk_delete``) and their index rows."""
    wanted = list(prospect_ids)
    forget = getattr(store, "forget", None)
    if forget is not None:
        forget(base_url, scope, wanted)
        return
    from knock_data._fetch.cache import INDEX_TABLE

    marks = ",".join("?" * len(wanted))
    with store.responses.connection() as con, store.responses._lock:
        keys = [
            key
            for (key,) in con.execute(
                f"SELECT cache_key FROM {INDEX_TABLE} "
                f"WHERE base_url = ? AND prospect_id IN ({marks})",
                (base_url, *wanted),
            )
        ]
    store.responses.bulk_delete(keys)
    with store.responses.connection(commit=True) as con, store.responses._lock:
        con.execute(
            f"DELETE FROM {INDEX_TABLE} WHERE base_url = ? AND prospect_id IN ({marks})",
            (base_url, *wanted),
        )


def _from_responses(store: ProspectCache, base_url: str, wanted: list[str]) -> dict[str, Copy]:
    import json
    import time

    from knock_data._fetch.cache import INDEX_TABLE

    rows: list[tuple[str, bytes, str, Any]] = []
    now = round(time.time())
    with store.responses.connection() as con, store.responses._lock:
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start : start + _CHUNK]
            marks = ",".join("?" * len(chunk))
            rows += con.execute(
                f"SELECT i.prospect_id, i.body, r.key, r.value FROM {INDEX_TABLE} i "
                f"JOIN {store.responses.table_name} r "
                "  ON r.key = i.cache_key AND r.expires IS i.expires "
                f"WHERE i.base_url = ? AND i.prospect_id IN ({marks}) "
                "AND (r.expires IS NULL OR r.expires > ?)",
                (base_url, *chunk, now),
            ).fetchall()
    copies: dict[str, Copy] = {}
    for prospect_id, body, key, value in rows:
        response = store.responses.deserialize(key, value)
        if response is None:  # written by another requests-cache version: not a usable copy
            continue
        when = response_date(response.headers) or _aware(response.created_at)
        copies[prospect_id] = Copy(when, json.loads(body))
    return copies


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
