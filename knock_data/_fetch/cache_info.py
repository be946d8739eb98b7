"""What a cache file holds (``knock-data cache info``), read without changing or creating it.

Counts are per server and key scope; a scope is shown as its short fingerprint, never the key
(which the file does not hold) nor the salt.
"""

from __future__ import annotations

import os
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path

from knock_data._fetch.cache_file import cache_errors, cache_file_path
from knock_data._fetch.cache_schema import (
    PROSPECTS_TABLE,
    SCHEMA_VERSION,
    TENANTS_TABLE,
    read_schema_version,
)
from knock_data._fetch.scope import fingerprint

__all__ = ["CacheInfo", "TenantCount", "cache_info"]


@dataclass(frozen=True)
class TenantCount:
    """How many copies one key scope holds from one server."""

    base_url: str
    scope_fingerprint: str
    prospects: int


@dataclass(frozen=True)
class CacheInfo:
    """What a cache file holds (``knock-data cache info``)."""

    path: Path
    exists: bool
    size_bytes: int = 0
    #: 2 for this version's files, 1 for knock-data 0.1's (upgraded on first use), None when
    #: the file is not one of knock-data's.
    schema_version: int | None = None
    responses: int = 0
    prospects: int = 0
    expired: int = 0
    tenants: tuple[TenantCount, ...] = field(default=())

    @property
    def by_base_url(self) -> dict[str, int]:
        """Copies per server, all key scopes together."""
        counts: dict[str, int] = {}
        for tenant in self.tenants:
            counts[tenant.base_url] = counts.get(tenant.base_url, 0) + tenant.prospects
        return counts

    def __str__(self) -> str:
        if not self.exists:
            return f"Cache file: {self.path} (not created yet)"
        lines = [f"Cache file: {self.path}", f"Size: {self.size_bytes / 1e6:.1f} MB"]
        if self.schema_version == 1:
            lines.append(
                f"Made by knock-data 0.1: upgraded when next used, and its {self.prospects:,} "
                "copies then dropped (0.1 did not record which key fetched them)."
            )
        elif self.schema_version is None:
            lines.append("Not a knock-data cache file: knock-data will not use it.")
        elif self.schema_version > SCHEMA_VERSION:
            lines.append(f"Made by a newer knock-data (cache schema {self.schema_version}).")
        lines += [
            f"Cached responses: {self.responses:,} ({self.expired:,} expired)",
            f"Prospects: {self.prospects:,}",
        ]
        lines += [
            f"  {t.base_url}, key {t.scope_fingerprint}: {t.prospects:,}"
            for t in sorted(self.tenants, key=lambda t: (t.base_url, t.scope_fingerprint))
        ]
        return "\n".join(lines)


def cache_info(path: str | os.PathLike[str]) -> CacheInfo:
    """Describe a cache file without creating or changing it (``path`` as a client takes it:
    ``.sqlite`` added when it has no suffix, symbolic links followed).

    Raises
    ------
    ConfigurationError
        The file cannot be read as a cache (not a database, corrupt, unreadable).

    Examples
    --------
    >>> cache_info("/nonexistent/cache.sqlite").exists
    False
    """
    path = cache_file_path(path).resolve()
    if not path.is_file():
        return CacheInfo(path, False)
    with cache_errors(path, "reading"):
        return _cache_info(path)


def _file_size(path: Path) -> int:
    return sum(
        p.stat().st_size for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")) if p.exists()
    )


def _cache_info(path: Path) -> CacheInfo:
    # A URI, so that a path holding ? or # names this file. Read-only; and when no process has
    # the file open (no -wal), immutable too: SQLite would otherwise create -wal and -shm.
    options = "mode=ro" if Path(f"{path}-wal").exists() else "mode=ro&immutable=1"
    con = sqlite3.connect(f"{path.as_uri()}?{options}", uri=True, timeout=10)
    try:
        tables = {row[0] for row in con.execute("SELECT name FROM sqlite_master")}
        version = read_schema_version(con)
        now = round(time.time())
        responses = expired = 0
        if "responses" in tables:
            responses = con.execute("SELECT COUNT(*) FROM responses").fetchone()[0]
            expired = con.execute(
                "SELECT COUNT(*) FROM responses WHERE expires <= ?", (now,)
            ).fetchone()[0]
        tenants: list[TenantCount] = []
        if version == SCHEMA_VERSION:
            rows = con.execute(
                f"SELECT t.base_url, t.scope, COUNT(*) FROM {PROSPECTS_TABLE} p "
                f"JOIN {TENANTS_TABLE} t USING (tenant_id) GROUP BY t.tenant_id"
            ).fetchall()
            tenants = [TenantCount(url, fingerprint(scope), n) for url, scope, n in rows]
            prospects = sum(t.prospects for t in tenants)
        elif version == 1:
            prospects = con.execute(f"SELECT COUNT(*) FROM {PROSPECTS_TABLE}").fetchone()[0]
        else:
            prospects = 0
    finally:
        con.close()
    return CacheInfo(
        path, True, _file_size(path), version, responses, prospects, expired, tuple(tenants)
    )
