"""Reading a history: the folder's chunks into one Arrow table, then the three frames.

Everything heavy happens on Arrow and numpy arrays, and only the rows an answer needs become
pandas: :func:`versions` sorts a million observations by integer codes (the prospect's rank
and the observation's moment, one ``numpy.lexsort``), finds where each prospect's row hash
changes, and builds the frame from those rows alone; :func:`as_of` does the same with the
last observation of each prospect up to a moment.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from knock_data._exceptions import HistoryError
from knock_data._frame.arrow import column_from_arrow, frame_from_arrow
from knock_data._history.columns import (
    FORMAT,
    FORMAT_VERSION,
    GONE,
    OBSERVED_AT,
    ROW_HASH,
    RUN_ID,
    frame_columns,
    stored_schema,
)
from knock_data._history.folder import Chunk
from knock_data._schema import PROSPECT_ID

__all__ = [
    "VERSION_COLUMNS",
    "VersionIndex",
    "as_of",
    "last_rows",
    "load",
    "load_each",
    "observations",
    "versions",
    "versions_index",
]

#: Added to the frame's columns in :func:`versions`, in this order.
VERSION_COLUMNS = ("valid_from", "valid_to", "changed_after", "last_observed_at", GONE)

_NAT = np.iinfo(np.int64).min  # numpy's NaT as an int64


def load(chunks: Sequence[Chunk], pii: str, *, columns: Sequence[str] | None = None) -> pa.Table:
    """Every chunk's rows in one table of the folder's schema (``columns`` only, if given).

    Raises
    ------
    HistoryError
        A chunk is not a knock-data snapshot of this folder, or is corrupt.
    """
    schema = _schema(pii, columns)
    tables = load_each(chunks, pii, columns=columns)
    if not tables:
        return schema.empty_table()
    return pa.concat_tables(tables)


def load_each(
    chunks: Sequence[Chunk], pii: str, *, columns: Sequence[str] | None = None
) -> list[pa.Table]:
    """Each chunk's rows, one table per chunk (checked as :func:`load` checks them)."""
    schema = _schema(pii, columns)
    # One file per thread, each read single-threaded: pyarrow's own column threads fight
    # each other on a busy machine, while files read side by side do not.
    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
        return list(pool.map(lambda chunk: _read_chunk(chunk, pii, schema), chunks))


def _schema(pii: str, columns: Sequence[str] | None) -> pa.Schema:
    schema = stored_schema(pii)
    if columns is None:
        return schema
    return pa.schema([schema.field(name) for name in columns])


def _read_chunk(chunk: Chunk, pii: str, schema: pa.Schema) -> pa.Table:
    path = chunk.path
    try:
        parquet = pq.ParquetFile(path)
        stored = parquet.schema_arrow
    except (pa.ArrowException, OSError) as error:
        raise _not_a_chunk(path, f"it cannot be read as Parquet ({_reason(error)})") from None
    try:
        marker = json.loads((stored.metadata or {}).get(b"knock_data", b"null"))
        if not isinstance(marker, dict) or marker.get("format") != FORMAT:
            raise ValueError
    except ValueError:
        raise _not_a_chunk(path, "it has no knock-data history marker") from None
    if marker.get("version", 0) > FORMAT_VERSION:
        raise HistoryError(
            f"{path} was written by a newer knock-data (history format {marker['version']}).",
            hint="Upgrade knock-data: pip install --upgrade knock-data.",
        )
    expected = stored_schema(pii)
    if not stored.remove_metadata().equals(expected, check_metadata=False):
        raise _not_a_chunk(
            path,
            f"its columns are not those of this folder (kept with pii={pii!r})",
        )
    try:
        table = parquet.read(columns=schema.names, use_threads=False)
    except (pa.ArrowException, OSError) as error:
        raise _not_a_chunk(path, f"it is corrupt ({_reason(error)})") from None
    return table.replace_schema_metadata(None)


def _reason(error: BaseException) -> str:
    return (str(error) or type(error).__name__).splitlines()[0].rstrip(".")


def _not_a_chunk(path: Any, why: str) -> HistoryError:
    return HistoryError(
        f"{path} is not a readable knock-data snapshot: {why}.",
        hint="Move it out of the history folder (if it is a damaged chunk, the observations "
        "it held are then left out; restore it from a backup if you have one).",
    )


# -- the frames ---------------------------------------------------------------------------


def observations(table: pa.Table, pii: str) -> pd.DataFrame:
    """One row per observation, in the order observed (then by prospect id)."""
    codes = _prospect_codes(table)
    order = np.lexsort((codes, _moments(table)))
    return _frame(table.take(pa.array(order)), pii, extra=(OBSERVED_AT, RUN_ID, ROW_HASH, GONE))


@dataclass(frozen=True)
class VersionIndex:
    """Where each version starts in a table, and its times (int64 microseconds, NaT as the
    smallest int64), in the order of the versions frame."""

    rows: np.ndarray
    valid_from: np.ndarray
    valid_to: np.ndarray
    changed_after: np.ndarray
    last_observed_at: np.ndarray

    def __len__(self) -> int:
        return len(self.rows)


def versions_index(table: pa.Table) -> VersionIndex:
    """The versions of a table of observations (``prospect_id``, ``observed_at`` and
    ``row_hash`` are read): a new one wherever a prospect's row hash changes."""
    n = table.num_rows
    if n == 0:
        empty = np.empty(0, dtype=np.int64)
        return VersionIndex(empty, empty, empty, empty, empty)
    codes = _prospect_codes(table)
    moments = _moments(table)
    order = np.lexsort((moments, codes))
    codes, moments = codes[order], moments[order]
    hashes = _codes(table.column(ROW_HASH))[order]

    first_of_prospect = np.empty(n, dtype=bool)
    first_of_prospect[0] = True
    np.not_equal(codes[1:], codes[:-1], out=first_of_prospect[1:])
    starts_mask = first_of_prospect.copy()
    starts_mask[1:] |= hashes[1:] != hashes[:-1]
    starts = np.flatnonzero(starts_mask)
    ends = np.append(starts[1:] - 1, n - 1)
    # The next version is the same prospect's; the previous observation is the same one's.
    followed = np.append(~first_of_prospect[starts[1:]], False)
    preceded = ~first_of_prospect[starts]

    valid_to = np.full(len(starts), _NAT, dtype=np.int64)
    valid_to[followed] = moments[starts[1:]][followed[:-1]]
    changed_after = np.full(len(starts), _NAT, dtype=np.int64)
    changed_after[preceded] = moments[starts[preceded] - 1]
    return VersionIndex(order[starts], moments[starts], valid_to, changed_after, moments[ends])


def versions(chunks: Sequence[Chunk], pii: str) -> pd.DataFrame:
    """The SCD-2 view: one row per prospect per change of its row hash.

    The keys (``prospect_id``, ``observed_at``, ``row_hash``) of every chunk say where each
    version starts; then each chunk is read whole in turn and only those rows are kept, so
    the whole history is never in memory at once.
    """
    keys = load_each(chunks, pii, columns=(PROSPECT_ID, OBSERVED_AT, ROW_HASH))
    index = versions_index(_concat(keys, pii, (PROSPECT_ID, OBSERVED_AT, ROW_HASH)))
    times = {name: getattr(index, name) for name in VERSION_COLUMNS[:4]}
    rows = _take_rows(chunks, pii, [key.num_rows for key in keys], index.rows)
    return _frame(rows, pii, extra=(GONE,), times=times)


def as_of(chunks: Sequence[Chunk], moment: datetime, pii: str) -> pd.DataFrame:
    """Each prospect's last observation at or before ``moment``, gone ones left out.

    Two passes, as :func:`versions`: the keys (``prospect_id``, ``observed_at``, ``gone``) of
    every chunk say which rows are wanted; then only the chunks holding one are read whole.
    After full refreshes that is one run's files, whatever the length of the history.
    """
    keys = load_each(chunks, pii, columns=(PROSPECT_ID, OBSERVED_AT, GONE))
    table = _concat(keys, pii, (PROSPECT_ID, OBSERVED_AT, GONE))
    moments = _moments(table)
    seen = np.flatnonzero(moments <= _microseconds(moment))
    rows = seen[last_rows(table.take(pa.array(seen)), moments[seen])]
    gone = table.column(GONE).take(pa.array(rows)).to_numpy(zero_copy_only=False)
    rows = rows[~gone.astype(bool)]  # in prospect id order
    taken = _take_rows(chunks, pii, [key.num_rows for key in keys], rows)
    return _frame(taken, pii, extra=(OBSERVED_AT,))


def _concat(tables: list[pa.Table], pii: str, columns: Sequence[str]) -> pa.Table:
    return pa.concat_tables(tables) if tables else _schema(pii, columns).empty_table()


def _take_rows(
    chunks: Sequence[Chunk], pii: str, sizes: Sequence[int], rows: np.ndarray
) -> pa.Table:
    """The rows (numbered across the chunks, in the order given) of every column, read chunk
    by chunk: each chunk holding a wanted row is read whole, its rows taken, and let go."""
    if len(rows) == 0:
        return stored_schema(pii).empty_table()
    offsets = np.cumsum([0, *sizes])
    owner = np.searchsorted(offsets, rows, side="right") - 1
    by_chunk = np.argsort(owner, kind="stable")
    grouped, owners = rows[by_chunk], owner[by_chunk]
    bounds = np.flatnonzero(np.diff(owners)) + 1
    parts = []
    for group in np.split(np.arange(len(grouped)), bounds):
        index = int(owners[group[0]])
        (whole,) = load_each([chunks[index]], pii)
        parts.append(whole.take(pa.array(grouped[group] - offsets[index])))
    taken = pa.concat_tables(parts).combine_chunks()
    back = np.empty(len(by_chunk), dtype=np.int64)
    back[by_chunk] = np.arange(len(by_chunk))
    return taken.take(pa.array(back))


def last_rows(table: pa.Table, moments: np.ndarray | None = None) -> np.ndarray:
    """The row of each prospect's last observation, in prospect id order (``prospect_id``
    and ``observed_at`` are read)."""
    if table.num_rows == 0:
        return np.empty(0, dtype=np.int64)
    moments = _moments(table) if moments is None else moments
    codes = _prospect_codes(table)
    order = np.lexsort((moments, codes))
    codes = codes[order]
    last = np.empty(len(codes), dtype=bool)
    last[-1] = True
    np.not_equal(codes[1:], codes[:-1], out=last[:-1])
    return order[last]


# -- helpers -------------------------------------------------------------------------------


def _codes(column: pa.ChunkedArray) -> np.ndarray:
    """Integer codes of a text column, equal for equal values (no order)."""
    encoded = column.combine_chunks().dictionary_encode()
    return encoded.indices.to_numpy(zero_copy_only=False)


def _prospect_codes(table: pa.Table) -> np.ndarray:
    """Each row's prospect as its rank among the prospect ids, so codes sort as the ids do."""
    encoded = table.column(PROSPECT_ID).combine_chunks().dictionary_encode()
    rank = pc.rank(encoded.dictionary, sort_keys="ascending", tiebreaker="first")
    return rank.to_numpy(zero_copy_only=False)[encoded.indices.to_numpy(zero_copy_only=False)]


def _moments(table: pa.Table) -> np.ndarray:
    """``observed_at`` as int64 microseconds since the epoch (UTC)."""
    column = table.column(OBSERVED_AT).combine_chunks()
    return column.cast(pa.int64()).to_numpy(zero_copy_only=False)


def _microseconds(moment: datetime) -> int:
    """A tz-aware moment as int64 microseconds since the epoch, as :func:`_moments` gives."""
    naive = pd.Timestamp(moment).tz_convert("UTC").tz_localize(None)
    return int(naive.to_datetime64().astype("datetime64[us]").astype(np.int64))


def _utc_times(values: np.ndarray) -> Any:
    return (
        pd.DatetimeIndex(np.asarray(values, dtype=np.int64).view("datetime64[us]"))
        .tz_localize("UTC")
        .array
    )


def _frame(
    table: pa.Table,
    pii: str,
    *,
    extra: Sequence[str],
    times: dict[str, Any] | None = None,
) -> pd.DataFrame:
    columns: dict[str, Any] = frame_from_arrow(table, frame_columns(pii))
    for name, values in (times or {}).items():
        columns[name] = _utc_times(np.asarray(values, dtype=np.int64))
    kinds = {OBSERVED_AT: "timestamp", RUN_ID: "text", ROW_HASH: "text", GONE: "boolean"}
    for name in extra:
        columns[name] = column_from_arrow(kinds[name], table.column(name))
    return pd.DataFrame(columns, index=pd.RangeIndex(table.num_rows), copy=False)
