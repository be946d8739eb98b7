"""One builder per column kind: a documented field's values -> one typed pandas array.

:func:`knock_data.to_frame` gathers each field's values from the records and hands them to
the builder of the column's kind (``knock_data._schema.COLUMN_KINDS``); the dtypes are the
ones in ``to_frame``'s docstring. Each builder tries the fast, vectorised path (pyarrow's
conversions) first and looks at single values only when that fails, to name the first one
its type cannot hold in a :class:`knock_data.RecordError`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any, NoReturn

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from knock_data._exceptions import RecordError
from knock_data._schema import COLUMN_KINDS

__all__ = [
    "BUILDERS",
    "EMPTY_DTYPES",
    "POOL",
    "categorical",
    "empty_dtypes",
    "excerpt",
    "field_error",
    "inferred_column",
    "item_text",
    "readable",
]

_STRING = pd.StringDtype("pyarrow")
#: Where the columns' Arrow buffers are allocated: the system allocator, which Python's own
#: objects and numpy share. pyarrow's default pool (mimalloc) is a second heap that keeps
#: what a bulk conversion frees: on a warm rebuild of 100,000 prospects, 45 MB more at the
#: peak, for the same speed.
POOL = pa.system_memory_pool()
# The text dtype pandas gives categories it infers (and read_parquet restores): "str" on
# pandas 3, object on pandas 2. Using it keeps a parquet round trip dtype-for-dtype equal.
_CATEGORY_TEXT = pd.Index(["a"]).dtype
_ITEM_SEPARATOR = ", "
# Type sets for the fast checks: ``set(map(type, values))`` runs at C speed.
_STR_OR_NONE = frozenset({str, type(None)})

_HINT_FIELD = (
    "The record does not match the Get Prospect API's documented types; check where it came "
    "from, or fix or drop that record before calling to_frame."
)


def _filled(array: pa.Array, value: Any) -> pa.Array:
    """``array`` with its nulls replaced by ``value`` (``fill_null``, in :data:`POOL`)."""
    return pc.coalesce(array, pa.scalar(value, array.type), memory_pool=POOL)


def _prospect_id(item: Any) -> str | None:
    if isinstance(item, Mapping):
        value = item.get("prospectId")
        if value is not None:
            return str(value)
    return None


def excerpt(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def field_error(rows: list[Any], position: int, field: str, value: Any, expected: str) -> NoReturn:
    """Raise the RecordError for ``rows[position]``'s ``field``, which is not ``expected``."""
    prospect = _prospect_id(rows[position])
    who = f" (prospect {prospect})" if prospect is not None else ""
    raise RecordError(
        f"The record at position {position}{who} has {field}={excerpt(value)}, "
        f"which is not {expected}.",
        position=position,
        field=field,
        prospect_id=prospect,
        hint=_HINT_FIELD,
    )


def _text_array(values: list[Any], rows: list[Any], field: str) -> pa.Array:
    try:
        return pa.array(values, type=pa.string(), memory_pool=POOL)
    except (pa.ArrowTypeError, pa.ArrowInvalid):
        pass
    fixed: list[str | None] = []
    for position, value in enumerate(values):
        if value is None or isinstance(value, str):
            fixed.append(value)
        elif isinstance(value, int) and not isinstance(value, bool):
            fixed.append(str(value))  # a numeric id or zip sent as a number: keep its digits
        else:
            field_error(rows, position, field, value, "text")
    return pa.array(fixed, type=pa.string(), memory_pool=POOL)


def _text(values: list[Any], rows: list[Any], field: str) -> pd.api.extensions.ExtensionArray:
    return text_column(_text_array(values, rows, field))


def _category(values: list[Any], rows: list[Any], field: str) -> pd.api.extensions.ExtensionArray:
    return category_column(_text_array(values, rows, field))


def text_column(text: pa.Array) -> pd.api.extensions.ExtensionArray:
    """An Arrow text array as the frame's text column (pandas keeps ``large_string``: the
    copy is made here, in :data:`POOL`, when the array is not one already)."""
    if not pa.types.is_large_string(text.type):
        text = pc.cast(text, pa.large_string(), memory_pool=POOL)
    return pd.arrays.ArrowStringArray(text)


def category_column(text: pa.Array) -> pd.api.extensions.ExtensionArray:
    """An Arrow text array as the frame's categorical (:func:`categorical`)."""
    return categorical(pc.dictionary_encode(text, memory_pool=POOL))


def categorical(encoded: pa.DictionaryArray) -> pd.api.extensions.ExtensionArray:
    """A dictionary-encoded text array as the frame's categorical: unordered, its categories
    the values seen, sorted (the one rule for every category column, wherever it is built)."""
    seen = encoded.dictionary.to_pylist()  # in order of first appearance
    order = sorted(range(len(seen)), key=seen.__getitem__)
    rank = np.empty(len(seen) + 1, dtype=np.int32)
    rank[order] = np.arange(len(seen), dtype=np.int32)
    rank[-1] = -1  # missing
    codes = rank[_filled(encoded.indices, -1).to_numpy(zero_copy_only=False)]
    categories = pd.Index([seen[i] for i in order], dtype=_CATEGORY_TEXT)
    return pd.Categorical.from_codes(codes, dtype=pd.CategoricalDtype(categories, ordered=False))


def readable(value: Any) -> str | None:
    """A list (or a scalar) from the API as one line of text: ``"1_BEDROOM, 2_BEDROOMS"``."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, list | tuple):
        items = [item_text(item) for item in value if item is not None]
        return _ITEM_SEPARATOR.join(items) if items else None
    return item_text(value)


def item_text(item: Any) -> str:
    if isinstance(item, str):
        return item
    if isinstance(item, bool | int | float):
        return json.dumps(item)  # true/false and numbers as JSON spells them
    return json.dumps(item, ensure_ascii=False, sort_keys=True)


def joined_choices(values: list[Any]) -> list[Any]:
    """Lists of strings joined by ``", "`` (an empty one missing), anything else as it is.

    Raises
    ------
    TypeError
        A list holds something that is not a string (the caller takes the long way).
    """
    return [(_ITEM_SEPARATOR.join(v) or None) if v.__class__ is list else v for v in values]


def _choices(values: list[Any], rows: list[Any], field: str) -> pd.api.extensions.ExtensionArray:
    try:  # the common case: lists of strings, single strings and nulls
        return text_column(
            pa.array(joined_choices(values), type=pa.large_string(), memory_pool=POOL)
        )
    except (TypeError, pa.ArrowTypeError, pa.ArrowInvalid):
        pass
    for position, value in enumerate(values):
        if isinstance(value, Mapping):
            field_error(rows, position, field, value, "a list or a single value")
    return text_column(
        pa.array([readable(v) for v in values], type=pa.large_string(), memory_pool=POOL)
    )


def _boolean(values: list[Any], rows: list[Any], field: str) -> pd.api.extensions.ExtensionArray:
    try:  # pyarrow takes only true, false and null here: no 0/1, no "true"
        array = pa.array(values, type=pa.bool_(), memory_pool=POOL)
    except (pa.ArrowTypeError, pa.ArrowInvalid):
        for position, value in enumerate(values):
            if not (value is None or isinstance(value, bool)):
                field_error(rows, position, field, value, "true, false or null")
        raise
    return boolean_column(array)


def boolean_column(array: pa.Array) -> pd.api.extensions.ExtensionArray:
    """An Arrow boolean array as the frame's ``boolean`` column."""
    return pd.arrays.BooleanArray(
        _filled(array, False).to_numpy(zero_copy_only=False),
        pc.is_null(array, memory_pool=POOL).to_numpy(zero_copy_only=False),
    )


def _numbers(values: list[Any], rows: list[Any], field: str, expected: str) -> pa.Array:
    try:
        array = pa.array(values, memory_pool=POOL)
    except (pa.ArrowTypeError, pa.ArrowInvalid, OverflowError):
        array = None
    if array is not None and is_numeric(array.type):
        return array
    for position, value in enumerate(values):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            field_error(rows, position, field, value, expected)
    return pa.array(
        [None if v is None else float(v) for v in values], type=pa.float64(), memory_pool=POOL
    )


def is_numeric(kind: pa.DataType) -> bool:
    """Whether values of this Arrow type may fill a count or an amount (nulls alone too)."""
    return pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_null(kind)


def _to_numpy(array: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Values as float64 with NaN for null and NaN, and the missing mask."""
    floats = pc.cast(array, pa.float64(), memory_pool=POOL).to_numpy(zero_copy_only=False)
    return floats, np.isnan(floats)


def _count(values: list[Any], rows: list[Any], field: str) -> pd.api.extensions.ExtensionArray:
    expected = "a whole number or null"
    try:
        return count_column(_numbers(values, rows, field, expected))
    except NotACount as error:
        field_error(rows, error.position, field, values[error.position], expected)


class NotACount(ValueError):
    """A count that is not a whole number (or too large for one), at ``position``."""

    def __init__(self, position: int) -> None:
        super().__init__(f"not a whole number at position {position}")
        self.position = position


def count_column(array: pa.Array) -> pd.api.extensions.ExtensionArray:
    """Arrow numbers (:func:`is_numeric`) as the frame's ``Int64`` column.

    Raises
    ------
    NotACount
        At the first value that is not a whole number, or is beyond 64-bit integers.
    """
    if pa.types.is_integer(array.type):
        missing = pc.is_null(array, memory_pool=POOL).to_numpy(zero_copy_only=False)
        filled = _filled(array, 0)
        return pd.arrays.IntegerArray(
            pc.cast(filled, pa.int64(), memory_pool=POOL).to_numpy(zero_copy_only=False), missing
        )
    floats, missing = _to_numpy(array)
    filled = np.where(missing, 0.0, floats)
    not_whole = np.flatnonzero((filled != np.floor(filled)) | (np.abs(filled) >= 2.0**63))
    if not_whole.size:
        raise NotACount(int(not_whole[0]))
    return pd.arrays.IntegerArray(filled.astype(np.int64), missing)


def _amount(values: list[Any], rows: list[Any], field: str) -> pd.api.extensions.ExtensionArray:
    return amount_column(_numbers(values, rows, field, "a number or null"))


def amount_column(array: pa.Array) -> pd.api.extensions.ExtensionArray:
    """Arrow numbers (:func:`is_numeric`) as the frame's ``Float64`` column."""
    floats, missing = _to_numpy(array)
    return pd.arrays.FloatingArray(floats, missing)


def _check_strings(values: list[Any], rows: list[Any], field: str, expected: str) -> None:
    if set(map(type, values)) <= _STR_OR_NONE:
        return
    for position, value in enumerate(values):
        if not (value is None or isinstance(value, str)):
            field_error(rows, position, field, value, expected)


def _timestamp(values: list[Any], rows: list[Any], field: str) -> pd.api.extensions.ExtensionArray:
    expected = "an ISO-8601 timestamp"
    _check_strings(values, rows, field, expected)
    try:
        return timestamp_column(pa.array(values, type=pa.string(), memory_pool=POOL))
    except pa.ArrowInvalid:
        pass  # no offset, nanoseconds, a week date...: pandas' parser takes the rest
    try:
        parsed = pd.to_datetime(values, format="ISO8601", utc=True)
    except ValueError:
        _first_failure(
            values,
            rows,
            field,
            expected,
            lambda v: pd.to_datetime([v], format="ISO8601", utc=True),
        )
        raise
    return pd.DatetimeIndex(parsed).as_unit("us").array


def timestamp_column(text: pa.Array) -> pd.api.extensions.ExtensionArray:
    """ISO-8601 texts as the frame's UTC timestamps, by Arrow's parser: fast, and it takes
    exactly what Knock sends (with an offset).

    Raises
    ------
    pyarrow.ArrowInvalid
        A text Arrow cannot parse (no offset, nanoseconds, a week date...).
    """
    utc = pc.cast(text, pa.timestamp("us", "UTC"), memory_pool=POOL)
    naive = pc.cast(utc, pa.timestamp("us"), memory_pool=POOL).to_numpy(zero_copy_only=False)
    return pd.DatetimeIndex(naive).tz_localize("UTC").array


_DAY = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ].*)?", re.DOTALL)


def _day(value: str | None) -> Any:
    if value is not None and not _DAY.fullmatch(value):
        raise ValueError(value)
    return pa.array([None if value is None else value[:10]]).cast(pa.date32())


def _date(values: list[Any], rows: list[Any], field: str) -> pd.api.extensions.ExtensionArray:
    expected = "an ISO-8601 date (YYYY-MM-DD)"
    _check_strings(values, rows, field, expected)
    try:
        return date_column(pa.array(values, type=pa.string(), memory_pool=POOL))
    except (ValueError, pa.ArrowInvalid):
        _first_failure(values, rows, field, expected, _day)
        raise


def date_column(text: pa.Array) -> pd.api.extensions.ExtensionArray:
    """ISO-8601 dates (the day as written, whatever time or offset may follow it) as the
    frame's midnights.

    Raises
    ------
    ValueError, pyarrow.ArrowInvalid
        A text that does not start with a valid ``YYYY-MM-DD``.
    """
    shaped = pc.match_substring_regex(text, r"^\d{4}-\d{2}-\d{2}(?:[T ]|$)", memory_pool=POOL)
    if pc.all(shaped).as_py() is False:
        raise ValueError("not a date")
    days = pc.cast(pc.utf8_slice_codeunits(text, 0, 10, memory_pool=POOL), pa.date32())
    midnights = pc.cast(days, pa.timestamp("us"), memory_pool=POOL).to_numpy(zero_copy_only=False)
    return pd.array(midnights)


def _first_failure(
    values: list[Any], rows: list[Any], field: str, expected: str, parse: Callable[[Any], Any]
) -> None:
    """Raise the RecordError for the first value ``parse`` rejects."""
    for position, value in enumerate(values):
        try:
            parse(value)
        except (ValueError, pa.ArrowInvalid):
            field_error(rows, position, field, value, expected)


#: The builder of each column kind: ``BUILDERS[kind](values, rows, field)`` gives the column
#: (``rows`` and ``field`` name the record and field in a :class:`~knock_data.RecordError`).
BUILDERS: dict[str, Callable[[list[Any], list[Any], str], Any]] = {
    "id": _text,
    "text": _text,
    "category": _category,
    "choices": _choices,
    "date": _date,
    "timestamp": _timestamp,
    "boolean": _boolean,
    "count": _count,
    "amount": _amount,
}

#: The dtype of each column kind in an empty frame (categoricals then have no categories).
EMPTY_DTYPES: dict[str, Any] = {
    "id": _STRING,
    "text": _STRING,
    "choices": _STRING,
    "category": pd.CategoricalDtype(pd.Index([], dtype=_CATEGORY_TEXT), ordered=False),
    "date": np.dtype("datetime64[us]"),
    "timestamp": pd.DatetimeTZDtype("us", "UTC"),
    "boolean": pd.BooleanDtype(),
    "count": pd.Int64Dtype(),
    "amount": pd.Float64Dtype(),
}


def inferred_column(values: list[Any]) -> pd.api.extensions.ExtensionArray:
    """An undocumented field, typed by pandas' nullable inference; anything mixed is text."""
    flat = [readable(v) if isinstance(v, list | tuple) else v for v in values]
    try:
        array = pd.array(flat)
    except (TypeError, ValueError, OverflowError):  # pandas 2.2: an int beyond 64 bits
        array = None
    if array is not None:
        if isinstance(array.dtype, pd.StringDtype):
            return array.astype(_STRING)
        if isinstance(array.dtype, pd.BooleanDtype | pd.Int64Dtype | pd.Float64Dtype):
            return array
    text = [None if v is None else v if isinstance(v, str) else item_text(v) for v in flat]
    return text_column(pa.array(text, type=pa.large_string(), memory_pool=POOL))


def empty_dtypes() -> dict[str, Any]:
    """The dtype of every documented column, as in an empty frame (``to_frame([])``)."""
    return {column: EMPTY_DTYPES[kind] for column, kind in COLUMN_KINDS.items()}
