"""What the cache knows of each copy: when it was fetched, and what Knock said then.

Smart refresh judges a copy's age, and history recording recovers observations a killed run
never wrote, from the same two facts per prospect: ``fetched_at`` (on the server's clock: the
answer's ``Date`` header, else the local clock) and the record. The cache file keeps both per
copy (schema 2), read in bulk for one key scope by ``ProspectCache.fetched``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from knock_data._fetch.cache import ProspectCache

__all__ = ["Copy", "cached_copies"]


@dataclass(frozen=True)
class Copy:
    """One cached copy: when it was fetched (tz-aware UTC, the server's clock) and the record."""

    fetched_at: datetime
    record: dict[str, Any]


def cached_copies(
    store: ProspectCache, base_url: str, scope: str | None, prospect_ids: Iterable[str]
) -> dict[str, Copy]:
    """``{prospect_id: Copy}`` for the ids the cache holds for this key scope, unexpired
    (an expired copy is fetched again, as any cache miss); others are absent. No scope, no
    copies: a cache in play always has one."""
    if scope is None:
        return {}
    now = datetime.now(UTC)
    return {
        pid: Copy(value.fetched_at, value.record)
        for pid, value in store.fetched(base_url, scope, list(prospect_ids)).items()
        if value.expires is None or value.expires > now
    }
