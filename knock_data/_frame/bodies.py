"""Prospect records, or their JSON bodies, straight into the frame's columns.

:func:`frame_from_bodies` is :func:`knock_data.to_frame` for bodies (JSON as Knock sends it),
and :func:`frame_from_records` its fast path for records: the same frame, dtypes and errors,
built the way a warm rebuild of a million prospects needs it. The records are read in one
pass, a few hundred at a time:

1. bodies are parsed (orjson; see :mod:`knock_data._json`), and everything runs with the
   garbage collector paused (:func:`~knock_data._json.collector_paused`);
2. each field's values are gathered at once (one ``itemgetter`` over all the documented
   fields), while the few hundred records are still in the CPU cache; parsed records are
   then dropped, no dict kept;
3. every few thousand records, each field's values become an Arrow array of the column's
   raw type (text, booleans, numbers), so no Python value outlives its chunk;
4. at the end each column is built from its Arrow chunks by the builder of its kind
   (:mod:`.columns`): the same code as ``to_frame``'s field-by-field way, after its checks.

That fast path takes the shape Knock sends: every record an object with exactly the
documented fields, a nested object holding just its documented field (or nothing, or null),
each value of its column's raw type. Anything else (a field the API added, a number sent as
text, a date Arrow cannot parse, a body that is not an object) goes to ``to_frame``'s
field-by-field way on the records instead, so the answer, extra columns and
:class:`~knock_data.RecordError` included, is always exactly its. Bodies are then iterated
a second time: they must be a collection (a list, or a view that reads its bodies again),
not a one-shot iterator.
"""

from __future__ import annotations

import itertools
import operator
from collections.abc import Callable, Collection, Iterator
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from knock_data._exceptions import RecordError
from knock_data._frame import columns as builders
from knock_data._frame.columns import POOL, excerpt
from knock_data._frame.frame import to_frame
from knock_data._json import collector_paused, fast_loads, loads
from knock_data._schema import COLUMN_KINDS, FIELD_TO_COLUMN

__all__ = ["frame_from_bodies", "frame_from_records", "parse_records"]

# Parsed and gathered at a time: a few hundred records fit in the CPU cache, where gathering
# 25 fields from records parsed long before reloads each one from memory (measured: 4,096
# records at a time take three times longer to gather than 256).
_PARSE_ROWS = 256
# Gathered values turned into Arrow arrays at a time: few enough Python values alive at once
# (a few MB), enough rows that the conversions' own overhead does not count.
_ARROW_ROWS = 4_096

# The documented top-level fields, in the API document's order, and each nested one's child.
_TOP_LEVEL: tuple[str, ...] = tuple(dict.fromkeys(path.split(".")[0] for path in FIELD_TO_COLUMN))
_NESTED: dict[str, str] = dict(path.split(".", 1) for path in FIELD_TO_COLUMN if "." in path)
_GATHER = operator.itemgetter(*_TOP_LEVEL)
_NESTED_AT = {_TOP_LEVEL.index(parent): child for parent, child in _NESTED.items()}
_NONE_TYPE = type(None)


class _NotTheUsualShape(Exception):
    """The fast path cannot take these bodies: :func:`to_frame` on the records does."""


def _strings(values: list[Any]) -> pa.Array:
    return pa.array(values, type=pa.string(), memory_pool=POOL)


def _texts(values: list[Any]) -> pa.Array:
    return pa.array(values, type=pa.large_string(), memory_pool=POOL)  # as pandas keeps text


def _choices(values: list[Any]) -> pa.Array:
    return pa.array(builders.joined_choices(values), type=pa.large_string(), memory_pool=POOL)


def _booleans(values: list[Any]) -> pa.Array:
    return pa.array(values, type=pa.bool_(), memory_pool=POOL)


def _numbers(values: list[Any]) -> pa.Array:
    array = pa.array(values, memory_pool=POOL)
    if not builders.is_numeric(array.type):
        raise _NotTheUsualShape
    return array


# Per column kind: the Arrow array of a chunk's raw values (raising on any value of another
# type), and the column built from all the chunks (the builders :func:`to_frame` uses).
_KINDS: dict[str, tuple[Callable[[list[Any]], pa.Array], Callable[[pa.Array], Any]]] = {
    "id": (_texts, builders.text_column),
    "text": (_texts, builders.text_column),
    "category": (_strings, builders.category_column),
    "choices": (_choices, builders.text_column),
    "date": (_strings, builders.date_column),
    "timestamp": (_strings, builders.timestamp_column),
    "boolean": (_booleans, builders.boolean_column),
    "count": (_numbers, builders.count_column),
    "amount": (_numbers, builders.amount_column),
}
# Each column: its name, the top-level field its values come from, and its two steps.
_COLUMNS = [
    (column, _TOP_LEVEL.index(path.split(".")[0]), *_KINDS[COLUMN_KINDS[column]])
    for path, column in FIELD_TO_COLUMN.items()
]


def frame_from_bodies(bodies: Collection[bytes]) -> pd.DataFrame:
    """The frame :func:`knock_data.to_frame` gives for these JSON bodies' records.

    Parameters
    ----------
    bodies
        One JSON object per prospect, as Knock sends it. Iterated once, or twice when the
        records are not of the usual shape (see the module's docstring).

    Raises
    ------
    RecordError
        As :func:`to_frame` does, and for a body that is not JSON.

    Examples
    --------
    >>> import json
    >>> from knock_data.sandbox import EXAMPLE_PROSPECT
    >>> frame = frame_from_bodies([json.dumps(EXAMPLE_PROSPECT).encode()])
    >>> frame.loc[0, ["prospect_id", "agent_username", "status"]].tolist()
    ['47569637', '2be16a9e-b3ab-4b1f-9632-575aca1a3d20', 'new']
    """
    with collector_paused():
        body_iter = iter(bodies)
        chunks = iter(lambda: list(map(fast_loads, itertools.islice(body_iter, _PARSE_ROWS))), [])
        frame = _fast_frame(chunks)
        if frame is None:
            return to_frame(parse_records(bodies))
    return frame


def frame_from_records(records: list[Any]) -> pd.DataFrame | None:
    """:func:`to_frame`'s frame of these records by the fast path, or None when they are not
    all of the usual shape (then only :func:`to_frame`'s field-by-field way gives the frame).

    Examples
    --------
    >>> from knock_data.sandbox import EXAMPLE_PROSPECT
    >>> frame_from_records([EXAMPLE_PROSPECT]).loc[0, "status"]
    'new'
    >>> frame_from_records([{"prospectId": "1"}]) is None  # fields missing
    True
    """
    chunks = (records[i : i + _PARSE_ROWS] for i in range(0, len(records), _PARSE_ROWS))
    with collector_paused():
        return _fast_frame(chunks)


def _fast_frame(chunks: Iterator[list[Any]]) -> pd.DataFrame | None:
    try:
        columns, n_rows = _columns(chunks)
    except (_NotTheUsualShape, ValueError, TypeError, KeyError, OverflowError, pa.ArrowException):
        return None  # a DecodeError is a ValueError
    return pd.DataFrame(columns, index=pd.RangeIndex(n_rows), copy=False)


def parse_records(bodies: Collection[Any]) -> list[Any]:
    """The records of these bodies, for :func:`to_frame`; a body that is not JSON is a
    :class:`RecordError` naming its position."""
    records = []
    with collector_paused():
        for position, body in enumerate(bodies):
            if not isinstance(body, bytes | bytearray):
                records.append(body)  # to_frame names what it is
                continue
            try:
                records.append(loads(body))
            except ValueError as error:  # DecodeError, or bytes that are not UTF-8
                raise RecordError(
                    f"The item at position {position} is not valid JSON ({error}): "
                    f"{excerpt(bytes(body))}.",
                    position=position,
                    hint="Each body must be one JSON object, as the Get Prospect API sends it.",
                ) from None
    return records


def _columns(row_chunks: Iterator[list[Any]]) -> tuple[dict[str, Any], int]:
    """Every documented column from the records, a few hundred at a time, by the fast path
    (see the module docstring).

    Raises
    ------
    _NotTheUsualShape, ValueError, TypeError, KeyError, OverflowError, pyarrow.ArrowException
        The records are not all of the usual shape.
    """
    gathered: list[list[Any]] = [[] for _ in _TOP_LEVEL]
    chunks: list[list[pa.Array]] = [[] for _ in _COLUMNS]
    n_rows = 0
    for rows in row_chunks:
        if set(map(type, rows)) != {dict} or set(map(len, rows)) != {len(_TOP_LEVEL)}:
            raise _NotTheUsualShape  # not objects, or fields added or missing
        for index, values in enumerate(zip(*map(_GATHER, rows), strict=True)):
            child = _NESTED_AT.get(index)
            gathered[index].extend(values if child is None else _nested_values(values, child))
        n_rows += len(rows)
        if len(gathered[0]) >= _ARROW_ROWS:
            _to_arrow(gathered, chunks)
    if n_rows == 0:
        raise _NotTheUsualShape  # to_frame's empty frame
    _to_arrow(gathered, chunks)
    columns: dict[str, Any] = {}
    for index, (column, _, _, finish) in enumerate(_COLUMNS):
        combined = _combined(chunks[index])
        chunks[index] = []  # a column's chunks go once it is whole: one column's copy at a time
        columns[column] = finish(combined)
        del combined
    return columns, n_rows


def _nested_values(objects: tuple[Any, ...], child: str) -> list[Any]:
    """The documented child of each nested object; null or ``{}`` give None."""
    if not set(map(type, objects)) <= {dict, _NONE_TYPE}:
        raise _NotTheUsualShape
    if not set(map(len, filter(None, objects))) <= {1}:
        raise _NotTheUsualShape  # fields added to the object: extra columns
    return [value[child] if value else None for value in objects]  # KeyError: another field


def _to_arrow(gathered: list[list[Any]], chunks: list[list[pa.Array]]) -> None:
    """Each column's gathered values as one Arrow chunk more; the values are dropped."""
    if not gathered[0]:
        return
    for (_, source, to_arrow, _), column_chunks in zip(_COLUMNS, chunks, strict=True):
        column_chunks.append(to_arrow(gathered[source]))
    for values in gathered:
        values.clear()


def _combined(chunks: list[pa.Array]) -> pa.Array:
    """One array from a column's chunks. Numbers are integers only when every chunk holds
    integers (or nothing), as ``pyarrow.array`` would type all the values at once."""
    kinds = {chunk.type for chunk in chunks} - {pa.null()}
    if len(kinds) > 1:
        kinds = {pa.float64()}
    if kinds:
        (kind,) = kinds
        chunks = [
            chunk if chunk.type == kind else pc.cast(chunk, kind, memory_pool=POOL)
            for chunk in chunks
        ]
    return pa.concat_arrays(chunks, memory_pool=POOL)
