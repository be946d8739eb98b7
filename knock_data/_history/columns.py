"""What one observation holds: the frame's columns, when it was seen, by which run, its hash.

The stored schema of a history folder is the documented columns of
:func:`knock_data.to_frame` (in their order, stored as :mod:`knock_data._frame.arrow` says),
less the personal-data columns when the folder drops them, then :data:`OBSERVATION_COLUMNS`.

``row_hash`` is the version of a row (dbt's and dlt's "check" strategy): a digest of
:data:`COMPARED_COLUMNS` and ``gone``. Two observations of a prospect with the same hash are the
same version, whatever else changed on the record (``updated_at``, a phone number).
"""

from __future__ import annotations

import hashlib

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from knock_data._frame.arrow import arrow_fields
from knock_data._schema import (
    AGENT_USERNAME,
    COLUMNS,
    COMMUNITY_ID,
    IS_DELETED,
    NOT_PROSPECT,
    PII_COLUMNS,
    SMS_CONSENT,
    SOURCE_TITLE,
    STATUS,
)

__all__ = [
    "COMPARED_COLUMNS",
    "FORMAT",
    "FORMAT_VERSION",
    "GONE",
    "OBSERVATION_COLUMNS",
    "OBSERVED_AT",
    "ROW_HASH",
    "RUN_ID",
    "frame_columns",
    "row_hashes",
    "stored_schema",
]

#: The columns whose change makes a new version; ``updated_at`` and the rest are carried.
COMPARED_COLUMNS: tuple[str, ...] = (
    STATUS,
    SOURCE_TITLE,
    AGENT_USERNAME,
    COMMUNITY_ID,
    SMS_CONSENT,
    IS_DELETED,
    NOT_PROSPECT,
)

OBSERVED_AT = "observed_at"
RUN_ID = "run_id"
ROW_HASH = "row_hash"
GONE = "gone"
#: Added to the frame's columns in every observation, in this order.
OBSERVATION_COLUMNS: tuple[str, ...] = (OBSERVED_AT, RUN_ID, ROW_HASH, GONE)

#: Written in every chunk's Parquet metadata under the key ``knock_data``.
FORMAT = "knock-data history"
#: Bumped when the stored layout (or the row hash) changes.
FORMAT_VERSION = 1

_EXTRA_FIELDS = [
    pa.field(OBSERVED_AT, pa.timestamp("us", tz="UTC"), nullable=False),
    pa.field(RUN_ID, pa.string(), nullable=False),
    pa.field(ROW_HASH, pa.string(), nullable=False),
    pa.field(GONE, pa.bool_(), nullable=False),
]
_SEPARATOR = "\x1f"  # the ASCII unit separator: in no status, title or id
_MISSING = "\x00"


def frame_columns(pii: str) -> tuple[str, ...]:
    """The frame's documented columns a folder keeps: all of them, or none of the personal
    ones when it drops them."""
    if pii == "drop":
        return tuple(c for c in COLUMNS if c not in PII_COLUMNS)
    return COLUMNS


def stored_schema(pii: str) -> pa.Schema:
    """The schema of every chunk in a folder kept with this ``pii`` rule."""
    return pa.schema([*arrow_fields(frame_columns(pii)), *_EXTRA_FIELDS])


def row_hashes(table: pa.Table, gone: pa.Array) -> pa.Array:
    """Each row's version digest: BLAKE2b-128, hex, of ``gone`` and :data:`COMPARED_COLUMNS`.

    The values are written as text (``true``/``false`` for flags, NUL for missing) and joined
    with the unit separator. Only the distinct combinations are hashed (a portfolio has a few
    thousand at most), so a run of 100,000 records costs milliseconds.
    """
    parts = [gone.cast(pa.string())]
    for name in COMPARED_COLUMNS:
        parts.append(table.column(name).combine_chunks().cast(pa.string()))
    joined = pc.binary_join_element_wise(
        *parts, _SEPARATOR, null_handling="replace", null_replacement=_MISSING
    )
    encoded = joined.dictionary_encode()
    digests = [
        hashlib.blake2b(value.encode(), digest_size=16).hexdigest()
        for value in encoded.dictionary.to_pylist()
    ]
    indices = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    return pa.array(digests, type=pa.string()).take(pa.array(indices))
