"""The cache file's tables (schema version 2), how bodies are stored, and the upgrade from 0.1.

One SQLite file, shared by requests-cache and knock-data::

    responses(key, value, expires)            requests-cache's own table and columns; a
    redirects(key, value, expires)            prospect's row holds the response without its
                                              body (JSON, zlib: response_serializer)
    knock_meta(name, value)                   schema_version = 2, salt (16 random bytes),
                                              body_dictionary (LZ4's), response_dictionary
                                              (zlib's): the preset dictionaries
    knock_tenants(tenant_id, base_url, scope) one row per server and key scope; never
                                              deleted, and ids never reused
    knock_prospects(                          each prospect copy, once:
        tenant_id, prospect_id,               -- the primary key (WITHOUT ROWID)
        cache_key,                            -- its requests-cache row (indexed)
        expires,                              -- as responses.expires: unix s, NULL = never
        fetched_at,                           -- unix s (UTC): the response's Date header,
                                              --   else the local clock
        digest,                               -- blake2b-128 of the body as received
        body)                                 -- LZ4, the file's preset dictionary

Two triggers keep knock_prospects in step with requests-cache's own writes: deleting a
``responses`` row (``CachedSession.cache.delete``, expiry clean-ups, any ``DELETE``) deletes
the copy, and writing one (``reset_expiration``) copies its ``expires``. So requests-cache's
expiry, inspection and deletion keep working on the file, while knock-data reads a batch of
copies from its own table alone.

The salt is the only secret-derived material in the file; no key is ever stored. Bodies are
compressed with LZ4 and a preset dictionary made of the Get Prospect API's documented field
layout (about 700 bytes of JSON become about 240, and come back fast enough that a warm
rebuild reading every body does not notice), and requests-cache's rows with zlib and one
made of the shape of a stored response (about 500 bytes become about 120). The dictionaries
are stored in each file, so a file can always be read whatever later versions use for new
files.
requests-cache's rows are JSON, never pickle, so a row planted in the file cannot run code
when it is read.

A file from knock-data 0.1 (schema 1: ``knock_prospects`` without ``knock_meta``) is
upgraded once, on first open, under a write lock: its copies do not record which key fetched
them, so they are all dropped, never served across keys, and :func:`prepare_file` reports how
many so the caller can say so.
"""

from __future__ import annotations

import json
import sqlite3
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from requests_cache.serializers import SerializerPipeline, Stage
from requests_cache.serializers.preconf import json_preconf_stage

from knock_data._exceptions import ConfigurationError
from knock_data._fetch.packing import DEFAULT_BODY_DICTIONARY, BodyCompressor
from knock_data._fetch.scope import new_salt

__all__ = [
    "DEFAULT_BODY_DICTIONARY",
    "DEFAULT_RESPONSE_DICTIONARY",
    "META_TABLE",
    "PROSPECTS_TABLE",
    "SCHEMA_VERSION",
    "TENANTS_TABLE",
    "BodyCompressor",
    "CacheFile",
    "Compressor",
    "prepare_file",
    "read_schema_version",
    "response_serializer",
]

SCHEMA_VERSION = 2
META_TABLE = "knock_meta"
TENANTS_TABLE = "knock_tenants"
PROSPECTS_TABLE = "knock_prospects"

# A bodiless response as the serializer writes it, with the headers Knock's gateway sends.
_RESPONSE = {
    "_content": None,
    "created_at": "2021-11-02T00:00:00.000000+00:00",
    "elapsed": 0.012345,
    "encoding": "utf-8",
    "expires": "2021-11-02T00:00:00+00:00",
    "headers": {
        "Date": "Tue, 02 Nov 2021 00:00:00 GMT",
        "Content-Type": "application/json",
        "Content-Length": "700",
        "Connection": "keep-alive",
        "x-amzn-RequestId": "",
        "x-amz-apigw-id": "",
        "X-Amzn-Trace-Id": "Root=1-",
        "Via": "1.1 .cloudfront.net (CloudFront)",
        "X-Cache": "Miss from cloudfront",
        "X-Amz-Cf-Pop": "",
        "X-Amz-Cf-Id": "",
        "Server": "",
    },
    "reason": "OK",
    "request": {
        "headers": {
            "Accept": "*/*",
            "Accept-Encoding": "gzip, deflate",
            "Connection": "keep-alive",
            "User-Agent": "knock-data/0.1.0 (+https://github.com/knock-data)",
        },
        "method": "GET",
        "url": "https://syndication.knockrentals.com/prospect/47569637?knock_data_scope=",
    },
    "status_code": 200,
    "url": "https://syndication.knockrentals.com/prospect/47569637",
}
#: zlib's preset dictionary for requests-cache's rows of a new file.
DEFAULT_RESPONSE_DICTIONARY = json.dumps(_RESPONSE, separators=(",", ":")).encode()

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS responses (key TEXT PRIMARY KEY, value BLOB, expires INTEGER)",
    "CREATE INDEX IF NOT EXISTS expires_idx ON responses(expires)",
    "CREATE TABLE IF NOT EXISTS redirects (key TEXT PRIMARY KEY, value BLOB, expires INTEGER)",
    f"CREATE TABLE IF NOT EXISTS {META_TABLE} (name TEXT PRIMARY KEY, value NOT NULL)",
    f"CREATE TABLE IF NOT EXISTS {TENANTS_TABLE} ("
    "  tenant_id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  base_url TEXT NOT NULL,"
    "  scope TEXT NOT NULL,"
    "  UNIQUE (base_url, scope))",
    f"CREATE TABLE IF NOT EXISTS {PROSPECTS_TABLE} ("
    f"  tenant_id INTEGER NOT NULL REFERENCES {TENANTS_TABLE},"
    "  prospect_id TEXT NOT NULL,"
    "  cache_key TEXT NOT NULL,"
    "  expires INTEGER,"
    "  fetched_at REAL NOT NULL,"
    "  digest BLOB NOT NULL,"
    "  body BLOB NOT NULL,"
    "  PRIMARY KEY (tenant_id, prospect_id)) WITHOUT ROWID",
    f"CREATE INDEX IF NOT EXISTS {PROSPECTS_TABLE}_by_cache_key ON {PROSPECTS_TABLE}(cache_key)",
    f"CREATE TRIGGER IF NOT EXISTS {PROSPECTS_TABLE}_deleted AFTER DELETE ON responses"
    f"  BEGIN DELETE FROM {PROSPECTS_TABLE} WHERE cache_key = OLD.key; END",
    f"CREATE TRIGGER IF NOT EXISTS {PROSPECTS_TABLE}_expiry AFTER INSERT ON responses"
    f"  BEGIN UPDATE {PROSPECTS_TABLE} SET expires = NEW.expires"
    "  WHERE cache_key = NEW.key AND expires IS NOT NEW.expires; END",
)
# Every object the statements above create: a file missing any is prepared again.
_OBJECTS = frozenset(
    {
        "responses",
        "expires_idx",
        "redirects",
        META_TABLE,
        TENANTS_TABLE,
        PROSPECTS_TABLE,
        f"{PROSPECTS_TABLE}_by_cache_key",
        f"{PROSPECTS_TABLE}_deleted",
        f"{PROSPECTS_TABLE}_expiry",
    }
)


class Compressor:
    """Raw deflate (zlib, no header) with a preset dictionary: small records compress far
    better than on their own (a row's integrity is SQLite's to keep)."""

    _WBITS = -zlib.MAX_WBITS  # raw deflate, 32 KiB window

    def __init__(self, dictionary: bytes) -> None:
        self.dictionary = dictionary

    def compress(self, data: bytes) -> bytes:
        """``data`` as stored."""
        packer = zlib.compressobj(9, zlib.DEFLATED, self._WBITS, 9, zdict=self.dictionary)
        return packer.compress(data) + packer.flush()

    def decompress(self, blob: bytes) -> bytes:
        """``blob`` as it was given to :meth:`compress`."""
        return zlib.decompressobj(self._WBITS, self.dictionary).decompress(blob)


def response_serializer(compressor: Compressor) -> SerializerPipeline:
    """How requests-cache's rows are written: JSON (never pickle, so a planted row cannot
    run code when read), compact, and compressed with the file's response dictionary."""
    return SerializerPipeline(
        [
            json_preconf_stage,
            Stage(dumps=lambda d: json.dumps(d, separators=(",", ":")).encode(), loads=json.loads),
            Stage(dumps=compressor.compress, loads=compressor.decompress),
        ],
        name="knock-data-json-zlib",
        is_binary=True,
    )


@dataclass(frozen=True)
class CacheFile:
    """What :func:`prepare_file` found: the file's salt and compressors, and any upgrade."""

    salt: bytes = field(repr=False)
    bodies: BodyCompressor = field(repr=False)
    responses: Compressor = field(repr=False)
    #: Copies dropped by upgrading a 0.1 file just now; ``None`` when nothing was upgraded.
    dropped_on_upgrade: int | None = None


def read_schema_version(con: sqlite3.Connection) -> int | None:
    """The file's schema version: 2 and up from ``knock_meta``, 1 for a knock-data 0.1 file,
    ``None`` for a file knock-data has not made (empty, or someone else's tables)."""
    tables = {row[0] for row in con.execute("SELECT name FROM sqlite_master")}
    if META_TABLE in tables:
        row = con.execute(
            f"SELECT value FROM {META_TABLE} WHERE name = 'schema_version'"
        ).fetchone()
        return int(row[0]) if row else None
    if PROSPECTS_TABLE in tables:
        return 1
    return None


def prepare_file(path: Path, busy_timeout: int, wal: bool) -> CacheFile:
    """Switch the file to WAL and create (or upgrade) the tables, on a connection of its own.

    Raises
    ------
    ConfigurationError
        The file was made by a newer knock-data, or is a requests-cache file of someone
        else's (knock-data does not mix its copies into it).
    sqlite3.Error
        The file is not a database, or is locked (the caller retries).
    """
    con = sqlite3.connect(path, timeout=busy_timeout / 1000, isolation_level=None)
    try:
        con.execute(f"PRAGMA busy_timeout={int(busy_timeout)}")
        if wal and con.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            con.execute("PRAGMA journal_mode=WAL")
        if wal:
            con.execute("PRAGMA synchronous=NORMAL")  # as requests-cache: no fsync per commit
        if _is_ready(con):
            return _read(con)
        con.execute("BEGIN IMMEDIATE")
        try:
            dropped = _create_or_upgrade(con, path)  # again under the lock: another may have
            prepared = _read(con, dropped)
        except BaseException:
            con.rollback()
            raise
        con.commit()
        return prepared
    finally:
        con.close()


def _is_ready(con: sqlite3.Connection) -> bool:
    names = {row[0] for row in con.execute("SELECT name FROM sqlite_master")}
    return names >= _OBJECTS and read_schema_version(con) == SCHEMA_VERSION


def _create_or_upgrade(con: sqlite3.Connection, path: Path) -> int | None:
    """Bring the file to the current schema; the number of 0.1 copies dropped, if upgraded."""
    version = read_schema_version(con)
    if version is not None and version > SCHEMA_VERSION:
        raise ConfigurationError(
            f"The cache file {path} was made by a newer knock-data (cache schema {version}; "
            f"this one reads schema {SCHEMA_VERSION}).",
            hint="Upgrade knock-data (pip install -U knock-data), or use another cache file "
            "(cache=... or $KNOCK_DATA_CACHE; --cache on the command line).",
        )
    tables = {row[0] for row in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    dropped = None
    if version == 1:
        dropped = con.execute(f"SELECT COUNT(*) FROM {PROSPECTS_TABLE}").fetchone()[0]
        # Every 0.1 row goes: none records its key, and all are pickled, which the
        # responses table no longer reads.
        con.execute("DELETE FROM responses")
        con.execute("DELETE FROM redirects")
        con.execute(f"DROP TABLE {PROSPECTS_TABLE}")
    elif version is None and "responses" in tables:
        raise ConfigurationError(
            f"The cache file {path} is a requests-cache database that knock-data did not "
            "make; knock-data keeps its copies in a file of its own and leaves this one alone.",
            hint="Use another cache file (cache=... or $KNOCK_DATA_CACHE; --cache on the "
            "command line), or pass your own CachedSession as session=.",
        )
    for statement in _SCHEMA:
        con.execute(statement)
    if version != SCHEMA_VERSION:
        con.executemany(
            f"INSERT OR REPLACE INTO {META_TABLE} (name, value) VALUES (?, ?)",
            [
                ("schema_version", SCHEMA_VERSION),
                ("salt", new_salt()),
                ("body_dictionary", DEFAULT_BODY_DICTIONARY),
                ("response_dictionary", DEFAULT_RESPONSE_DICTIONARY),
            ],
        )
    return dropped


def _read(con: sqlite3.Connection, dropped: int | None = None) -> CacheFile:
    meta = dict(con.execute(f"SELECT name, value FROM {META_TABLE}").fetchall())
    return CacheFile(
        salt=bytes(meta["salt"]),
        bodies=BodyCompressor(bytes(meta["body_dictionary"])),
        responses=Compressor(bytes(meta["response_dictionary"])),
        dropped_on_upgrade=dropped,
    )
