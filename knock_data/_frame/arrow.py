"""The prospect frame as Arrow columns for storage, and back with exactly ``to_frame``'s dtypes.

Stored files should read well in any engine (DuckDB, Spark, Polars), so each column kind is
stored as the plain Arrow type an engine expects, not as pandas' own encodings:

============  ==========================  ==============================================
Kind          Stored as                   Read back as (``to_frame``'s dtype)
============  ==========================  ==============================================
id, text,     ``string``                  ``string[pyarrow]``
choices
category      ``string``                  ``category`` (categories sorted)
date          ``date32`` (a DATE)         ``datetime64[us]`` at midnight
timestamp     ``timestamp[us, UTC]``      ``datetime64[us, UTC]``
boolean       ``bool``                    ``boolean``
count         ``int64``                   ``Int64``
amount        ``float64``                 ``Float64``
============  ==========================  ==============================================

Categories are stored as plain text (Parquet dictionary-encodes them on disk anyway), so files
written at different times, each with its own set of values, read as one column.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from knock_data._frame.columns import EMPTY_DTYPES, categorical
from knock_data._schema import COLUMN_KINDS

__all__ = ["ARROW_TYPES", "arrow_fields", "column_from_arrow", "frame_from_arrow", "frame_to_arrow"]

#: How each column kind is stored.
ARROW_TYPES: dict[str, pa.DataType] = {
    "id": pa.string(),
    "text": pa.string(),
    "choices": pa.string(),
    "category": pa.string(),
    "date": pa.date32(),
    "timestamp": pa.timestamp("us", tz="UTC"),
    "boolean": pa.bool_(),
    "count": pa.int64(),
    "amount": pa.float64(),
}


def arrow_fields(columns: Sequence[str]) -> list[pa.Field]:
    """The stored field of each documented column named."""
    return [pa.field(name, ARROW_TYPES[COLUMN_KINDS[name]]) for name in columns]


def frame_to_arrow(df: pd.DataFrame, columns: Sequence[str]) -> pa.Table:
    """``df[columns]`` (a ``to_frame`` frame) as a table of the stored types, no pandas metadata.

    A column the frame lacks is stored as all missing.
    """
    present = [name for name in columns if name in df.columns]
    table = pa.Table.from_pandas(df[present], preserve_index=False)
    arrays = []
    for field in arrow_fields(columns):
        if field.name in present:
            column = table.column(field.name)
            if pa.types.is_dictionary(column.type):
                column = column.cast(column.type.value_type)
            arrays.append(column.cast(field.type))
        else:
            arrays.append(pa.nulls(len(df), field.type))
    return pa.Table.from_arrays(arrays, schema=pa.schema(arrow_fields(columns)))


def column_from_arrow(kind: str, column: pa.ChunkedArray | pa.Array) -> Any:
    """One stored column as the pandas array ``to_frame`` gives a column of that kind."""
    array = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    if kind in ("id", "text", "choices"):
        return pd.arrays.ArrowStringArray(array.cast(pa.string()))
    if kind == "category":
        return categorical(array.cast(pa.string()).dictionary_encode())
    if kind == "boolean":
        return pd.arrays.BooleanArray(
            array.fill_null(False).to_numpy(zero_copy_only=False),
            array.is_null().to_numpy(zero_copy_only=False),
        )
    if kind == "count":
        return pd.arrays.IntegerArray(
            array.fill_null(0).to_numpy(zero_copy_only=False).astype(np.int64),
            array.is_null().to_numpy(zero_copy_only=False),
        )
    if kind == "amount":
        return pd.arrays.FloatingArray(
            array.fill_null(0.0).to_numpy(zero_copy_only=False).astype(np.float64),
            array.is_null().to_numpy(zero_copy_only=False),
        )
    if kind == "date":
        midnights = array.cast(pa.timestamp("us")).to_numpy(zero_copy_only=False)
        return pd.array(midnights.astype("datetime64[us]"))
    if kind == "timestamp":
        naive = array.cast(pa.timestamp("us", tz="UTC")).cast(pa.timestamp("us"))
        values = naive.to_numpy(zero_copy_only=False).astype("datetime64[us]")
        return pd.DatetimeIndex(values).tz_localize("UTC").array
    raise ValueError(f"unknown column kind {kind!r}")


def frame_from_arrow(table: pa.Table, columns: Sequence[str]) -> dict[str, Any]:
    """The documented ``columns`` of a stored table as pandas arrays of ``to_frame``'s dtypes
    (empty arrays of those dtypes for an empty table)."""
    if table.num_rows == 0:
        return {name: pd.array([], dtype=EMPTY_DTYPES[COLUMN_KINDS[name]]) for name in columns}
    return {name: column_from_arrow(COLUMN_KINDS[name], table.column(name)) for name in columns}
