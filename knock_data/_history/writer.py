"""One run's observations, written to the folder in chunks as the run goes.

A :class:`RunWriter` buffers what it is given (records and the moments they were observed,
and ids Knock said are gone) and writes a chunk every ``chunk_rows`` observations or
``chunk_seconds`` seconds, whichever comes first, and the rest at :meth:`RunWriter.close`:
a run stopped by Ctrl-C or an error keeps everything it was given, and one killed outright
loses at most its last unwritten chunk (which the next run recovers from the cache).

A run's chunks go to the partition of the day its first observation was made (UTC), named
``part-<run id>-<n>.parquet``; the run id starts with that moment, so names sort by time.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import IO, Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from knock_data._frame import to_frame
from knock_data._frame.arrow import frame_to_arrow
from knock_data._frame.export import apply_pii
from knock_data._history.columns import (
    FORMAT,
    FORMAT_VERSION,
    frame_columns,
    row_hashes,
    stored_schema,
)
from knock_data._history.folder import Folder

__all__ = ["CHUNK_ROWS", "CHUNK_SECONDS", "RunWriter", "new_run_id"]

#: Observations per chunk file, at most.
CHUNK_ROWS = 20_000
#: Longest a run keeps observations before writing them.
CHUNK_SECONDS = 10.0


def new_run_id(started: datetime) -> str:
    """A run id: the moment of the run's first observation, then random hex.

    Examples
    --------
    >>> new_run_id(datetime(2021, 11, 2, tzinfo=UTC))[:17]
    '20211102T000000Z-'
    """
    return f"{started.astimezone(UTC):%Y%m%dT%H%M%SZ}-{secrets.token_hex(4)}"


class RunWriter:
    """Writes one run's observations to a history folder, chunk by chunk.

    Parameters
    ----------
    folder
        The history folder (its manifest exists, and the caller checked the owner).
    pii
        The folder's personal-data rule.
    chunk_rows, chunk_seconds
        When a chunk is written (default :data:`CHUNK_ROWS` and :data:`CHUNK_SECONDS`).
    """

    def __init__(
        self,
        folder: Folder,
        pii: str,
        *,
        chunk_rows: int | None = None,
        chunk_seconds: float | None = None,
    ) -> None:
        self.folder = folder
        self.pii = pii
        self.chunk_rows = CHUNK_ROWS if chunk_rows is None else chunk_rows
        self.chunk_seconds = CHUNK_SECONDS if chunk_seconds is None else chunk_seconds
        self.run_id: str | None = None
        self.day: str | None = None
        self.written = 0
        self._chunks = 0
        self._records: list[Mapping[str, Any]] = []
        self._observed: list[datetime] = []
        self._gone: list[tuple[str, datetime]] = []
        self._since = time.monotonic()
        self._columns = frame_columns(pii)
        self._schema = stored_schema(pii).with_metadata(
            {"knock_data": f'{{"format": "{FORMAT}", "version": {FORMAT_VERSION}}}'}
        )

    @property
    def pending(self) -> int:
        """Observations given and not yet written."""
        return len(self._records) + len(self._gone)

    def add(self, record: Mapping[str, Any], observed_at: datetime) -> None:
        """One record, as Knock sent it, seen at ``observed_at`` (tz-aware)."""
        self._records.append(record)
        self._observed.append(observed_at)
        self._maybe_flush()

    def add_many(
        self, records: Sequence[Mapping[str, Any]], observed_at: Sequence[datetime]
    ) -> None:
        """Records and the moment each was seen."""
        self._records.extend(records)
        self._observed.extend(observed_at)
        self._maybe_flush()

    def add_gone(self, prospect_id: str, observed_at: datetime) -> None:
        """Knock answered that ``prospect_id`` does not exist, at ``observed_at``."""
        self._gone.append((prospect_id, observed_at))
        self._maybe_flush()

    def _maybe_flush(self) -> None:
        if self.pending >= self.chunk_rows or (
            time.monotonic() - self._since >= self.chunk_seconds
        ):
            self.flush()

    def add_frame(self, frame: pd.DataFrame, observed_at: Sequence[datetime]) -> None:
        """A typed frame of prospects (``to_frame``'s columns) and the moment each row was
        seen, written a chunk at a time: no record dict is made, so a million prospects
        need about the frame's memory, not a dict each."""
        self.flush()
        for start in range(0, len(frame), self.chunk_rows):
            stop = start + self.chunk_rows
            part = apply_pii(frame.iloc[start:stop], self.pii)
            self._write(self._table_of([(part, observed_at[start:stop], False)]))
        self._since = time.monotonic()

    def flush(self) -> None:
        """Write what is buffered as one chunk (nothing when nothing is)."""
        self._since = time.monotonic()
        if not self.pending:
            return
        self._write(self._table())
        self._records, self._observed, self._gone = [], [], []

    def _write(self, table: pa.Table) -> None:
        """One chunk, under this run's id and day (set by its first chunk)."""
        if self.run_id is None or self.day is None:
            first = pc.min(table.column("observed_at")).as_py()
            self.run_id = new_run_id(first)
            self.day = f"{first.astimezone(UTC):%Y-%m-%d}"
        table = table.set_column(
            table.schema.get_field_index("run_id"),
            self._schema.field("run_id"),
            pa.repeat(pa.scalar(self.run_id, pa.string()), table.num_rows),
        )

        def write(file: IO[bytes]) -> None:
            pq.write_table(table, file, compression="zstd")

        self.folder.write_chunk(self.day, self.run_id, self._chunks, write)
        self._chunks += 1
        self.written += table.num_rows

    def close(self) -> None:
        """Write the rest."""
        self.flush()

    def another_run(self) -> RunWriter:
        """A writer for a run of its own in the same folder, under the same rules (what a
        run recovers from the cache is dated by when it was fetched, not by this run)."""
        return RunWriter(
            self.folder, self.pii, chunk_rows=self.chunk_rows, chunk_seconds=self.chunk_seconds
        )

    def _table(self) -> pa.Table:
        parts = []
        if self._records:
            frame = apply_pii(to_frame(self._records), self.pii)
            parts.append((frame, self._observed, False))
        if self._gone:
            ids = [{"prospectId": pid} for pid, _ in self._gone]
            frame = apply_pii(to_frame(ids), self.pii)
            parts.append((frame, [when for _, when in self._gone], True))
        return self._table_of(parts)

    def _table_of(self, parts: Sequence[tuple[pd.DataFrame, Sequence[datetime], bool]]) -> pa.Table:
        """Frames of prospects (each with its moments and whether they are gone) as one
        chunk of the stored schema, ``run_id`` left for :meth:`_write`."""
        tables = []
        for frame, observed, gone in parts:
            prospects = frame_to_arrow(frame, self._columns)
            flags = pa.array([gone] * len(frame), type=pa.bool_())
            extra = {
                "observed_at": _moments_array(observed),
                "run_id": pa.repeat(pa.scalar("", pa.string()), len(frame)),
                "row_hash": row_hashes(prospects, flags),
                "gone": flags,
            }
            arrays = [*prospects.columns, *extra.values()]
            tables.append(pa.Table.from_arrays(arrays, schema=self._schema))
        return pa.concat_tables(tables) if len(tables) > 1 else tables[0]


def _moments_array(moments: Sequence[datetime]) -> pa.Array:
    """The moments as ``timestamp[us, UTC]``; a run's are mostly one moment, converted once."""
    distinct = set(moments)
    for moment in distinct:
        if moment.tzinfo is None:
            raise ValueError(f"observed_at must be tz-aware, got {moment!r}")
    kind = pa.timestamp("us", tz="UTC")
    if len(distinct) == 1:
        return pa.repeat(pa.scalar(next(iter(distinct)).astimezone(UTC), kind), len(moments))
    return pa.array([moment.astimezone(UTC) for moment in moments], type=kind)
