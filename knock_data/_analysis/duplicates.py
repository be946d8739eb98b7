"""People counted twice: prospects that share an email address or a phone number.

One renter who writes from a listing site and then calls the office is often two guest
cards. :func:`possible_duplicates` finds rows that share a normalised email or an E.164
phone, directly or through a chain (A shares an email with B, B a phone with C: one group),
for review. Nothing is merged: whether two cards are one person is the analyst's call.

Normalisation runs in pyarrow's compute kernels, so a million rows take a fraction of a
second; a per-row parser such as the ``phonenumbers`` library would take tens of seconds
and knows more than a match needs.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from knock_data._analysis._codes import require_column, require_frame
from knock_data._analysis.periods import utc_column
from knock_data._exceptions import ConfigurationError
from knock_data._schema import CREATED_AT

__all__ = ["normalize_email", "normalize_phone", "possible_duplicates"]

_EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
_EXTENSION = r"(?i)\s*(?:ext\.?|extension|x|#)\s*\d+\s*$"
_E164 = r"^\+[1-9][0-9]{7,14}$"


def _strings(values: pd.Series) -> pa.Array:
    array = pa.array(values.astype(pd.StringDtype("pyarrow")).array)
    return array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array


def normalize_email(values: pd.Series) -> pd.Series:
    """Emails as they match: trimmed, lower case, ``mailto:`` dropped; ``<NA>`` if not one.

    An address needs one ``@`` and a dot in its domain; anything else (``"n/a"``, an
    empty string) is not an address and never matches.

    Examples
    --------
    >>> emails = pd.Series([" Ana.Diaz@Example.com", "mailto:bo@example.org", "n/a", None])
    >>> normalize_email(emails).tolist()
    ['ana.diaz@example.com', 'bo@example.org', <NA>, <NA>]
    """
    text = pc.utf8_trim_whitespace(pc.utf8_lower(_strings(values)))
    mailto = pc.fill_null(pc.starts_with(text, "mailto:"), False)
    if pc.any(mailto).as_py():  # rare, and a regex over every row would cost the most
        text = pc.if_else(mailto, pc.utf8_slice_codeunits(text, len("mailto:")), text)
    usable = pc.fill_null(pc.match_substring_regex(text, _EMAIL), False)
    result = pc.if_else(usable, text, pa.scalar(None, pa.string()))
    return pd.Series(pd.arrays.ArrowStringArray(result), index=values.index, name=values.name)


def _rebuilt_phones(text: pa.Array, country_code: str) -> pa.Array:
    """E.164 from phones written any other way (null where they cannot be one)."""
    raw = pc.replace_substring_regex(text, _EXTENSION, "")
    plus = pc.fill_null(pc.starts_with(raw, "+"), False)
    digits = pc.replace_substring_regex(raw, r"[^0-9]", "")
    length = pc.utf8_length(digits)

    def prefixed(prefix: str, text: pa.Array) -> pa.Array:
        return pc.binary_join_element_wise(
            pa.scalar(prefix, text.type), text, pa.scalar("", text.type)
        )

    def starts(prefix: str) -> pa.Array:
        return pc.fill_null(pc.starts_with(digits, prefix), False)

    from_00 = pc.and_not(starts("00"), plus)
    abroad = prefixed("+", pc.utf8_slice_codeunits(digits, 2))
    if country_code == "1":
        from_011 = pc.and_not(starts("011"), plus)
        abroad = pc.if_else(from_011, prefixed("+", pc.utf8_slice_codeunits(digits, 3)), abroad)
        international = pc.or_(from_00, from_011)
        national = pc.if_else(
            pc.and_(pc.equal(length, 11), starts("1")),
            prefixed("+", digits),
            pc.if_else(pc.equal(length, 10), prefixed("+1", digits), pa.scalar(None, digits.type)),
        )
    else:
        international = from_00
        national = prefixed(
            f"+{country_code}",
            pc.if_else(starts("0"), pc.utf8_slice_codeunits(digits, 1), digits),
        )
    e164 = pc.if_else(plus, prefixed("+", digits), pc.if_else(international, abroad, national))
    size = pc.subtract(pc.utf8_length(e164), 1)
    valid = pc.and_(pc.greater_equal(size, 8), pc.less_equal(size, 15))
    return pc.if_else(pc.fill_null(valid, False), e164, pa.scalar(None, e164.type))


def normalize_phone(values: pd.Series, country_code: str = "1") -> pd.Series:
    """Phones in E.164 (``+15125550123``); ``<NA>`` when the text cannot be one.

    Spaces, dots, dashes, brackets and an extension (``x12``, ``ext. 12``) do not count.
    A number written without its country code gets ``country_code`` (North America's
    ``1`` by default: ``(512) 555-0123`` and ``1-512-555-0123`` are ``+15125550123``;
    elsewhere a leading trunk ``0`` is dropped), and ``00`` (or ``011`` in North America)
    is read as the international prefix. The result must have 8 to 15 digits, and 11 for
    country code 1.

    Examples
    --------
    >>> phones = pd.Series(["+1 512 555 0123", "(512) 555-0123 x7", "555-0123", None])
    >>> normalize_phone(phones).tolist()
    ['+15125550123', '+15125550123', <NA>, <NA>]
    >>> normalize_phone(pd.Series(["020 7946 0958"]), country_code="44").tolist()
    ['+442079460958']
    """
    if not (isinstance(country_code, str) and country_code.isdigit() and len(country_code) <= 3):
        raise ConfigurationError(
            f"country_code must be 1 to 3 digits such as '1' or '44', got {country_code!r}."
        )
    text = pc.utf8_trim_whitespace(_strings(values))
    # Most phones arrive in E.164 already (Knock sends them so): they are kept as they are,
    # and only the others are taken apart.
    ready = pc.fill_null(pc.match_substring_regex(text, _E164), False)
    result = pc.if_else(ready, text, pa.scalar(None, text.type))
    others = pc.and_not(pc.is_valid(text), ready)
    if pc.any(others).as_py():
        rebuilt = _rebuilt_phones(pc.filter(text, others), country_code)
        result = pc.replace_with_mask(result, others, rebuilt.cast(result.type))
    north_america = pc.fill_null(pc.starts_with(result, "+1"), False)
    wrong_length = pc.and_(north_america, pc.not_equal(pc.utf8_length(result), 12))
    result = pc.if_else(pc.fill_null(wrong_length, False), pa.scalar(None, result.type), result)
    return pd.Series(pd.arrays.ArrowStringArray(result), index=values.index, name=values.name)


def _codes(keys: pd.Series) -> np.ndarray:
    """Each row's key as an integer, -1 where it has none."""
    encoded = pc.dictionary_encode(pa.array(keys.array))
    return np.asarray(encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False), dtype=np.int64)


def _components(keys: Sequence[np.ndarray], n: int) -> np.ndarray:
    """The smallest row number of each row's group: rows joined by any shared key."""
    labels = np.arange(n, dtype=np.int64)
    while True:
        before = labels.copy()
        for codes in keys:
            linked = codes >= 0
            if not linked.any():
                continue
            smallest = np.full(int(codes.max()) + 1, n, dtype=np.int64)
            np.minimum.at(smallest, codes[linked], labels[linked])
            labels[linked] = np.minimum(labels[linked], smallest[codes[linked]])
        while True:  # follow each label to its own label, until every chain is flat
            jumped = labels[labels]
            if np.array_equal(jumped, labels):
                break
            labels = jumped
        if np.array_equal(labels, before):
            return labels


def possible_duplicates(
    df: pd.DataFrame,
    *,
    on: Sequence[str] = ("email", "phone"),
    country_code: str = "1",
    max_shared: int = 20,
) -> pd.DataFrame:
    """Prospects that share a normalised email or phone: possibly one person counted twice.

    Rows are grouped when they share an email (see :func:`normalize_email`) or an E.164
    phone (see :func:`normalize_phone`), also through a chain of shared values. Nothing is
    merged or dropped: the result is a list to review, with each row's group.

    Parameters
    ----------
    df
        A prospect frame (see :func:`knock_data.to_frame`).
    on
        The columns to match on: ``"email"``, ``"phone"`` or both (default).
    country_code
        The country calling code of phones written without one (default ``"1"``).
    max_shared
        A value shared by more rows than this is a placeholder (``noemail@example.com``,
        the office's own number), not a person: it joins nothing and is listed in
        ``attrs["placeholders"]``.

    Returns
    -------
    pandas.DataFrame
        The rows in a group of two or more, all their columns and index kept, after
        ``duplicate_group`` (1 for the largest group), ``group_size`` and ``matched_on``
        (``"email"``, ``"phone"`` or ``"email, phone"``: what this row shares with another
        in its group), and followed by ``email_normalized`` and ``phone_e164``. Sorted by
        group, then by ``created_at``. ``attrs["groups"]`` counts the groups and
        ``attrs["placeholders"]`` maps each column to the values left out, with their
        counts.

    Raises
    ------
    knock_data.ConfigurationError
        ``on`` names no usable column, or a bad ``country_code`` or ``max_shared``.

    Examples
    --------
    >>> import pandas as pd
    >>> import knock_data as kd
    >>> df = pd.DataFrame({
    ...     "prospect_id": ["1", "2", "3", "4"],
    ...     "email": ["Ana@Example.com", "ana@example.com ", None, "bo@example.org"],
    ...     "phone": ["+15125550123", None, "(512) 555-0123", "+16175550100"],
    ... })
    >>> kd.possible_duplicates(df)[["duplicate_group", "prospect_id", "matched_on"]]
       duplicate_group prospect_id matched_on
    0                1           1      email, phone
    1                1           2      email
    2                1           3      phone
    """
    require_frame(df, "possible_duplicates")
    what = "possible_duplicates"
    columns = [on] if isinstance(on, str) else list(on)
    if not columns or any(c not in ("email", "phone") for c in columns):
        raise ConfigurationError(
            f"{what}: on must name 'email', 'phone' or both, got {on!r}.",
            hint="For example on=('email', 'phone') or on='phone'.",
        )
    if isinstance(max_shared, bool) or not isinstance(max_shared, int) or max_shared < 2:
        raise ConfigurationError(
            f"{what}: max_shared must be a whole number >= 2, got {max_shared!r}."
        )
    n = len(df)
    normalized: dict[str, pd.Series] = {}
    for column in columns:
        values = require_column(df, column, what)
        if column == "email":
            normalized[column] = normalize_email(values)
        else:
            normalized[column] = normalize_phone(values, country_code)
    keys: dict[str, np.ndarray] = {}
    shared: dict[str, np.ndarray] = {}
    placeholders: dict[str, dict[str, int]] = {}
    for column, values in normalized.items():
        codes = _codes(values)
        counts = np.bincount(codes[codes >= 0]) if (codes >= 0).any() else np.zeros(0, np.int64)
        common = np.flatnonzero(counts > max_shared)
        if len(common):
            dictionary = pc.dictionary_encode(pa.array(values.array)).dictionary
            placeholders[column] = {str(dictionary[int(c)].as_py()): int(counts[c]) for c in common}
        # Only values shared by 2 to max_shared rows can join anything.
        usable = np.zeros(len(counts), dtype=bool)
        usable[(counts >= 2) & (counts <= max_shared)] = True
        linked = np.where(codes >= 0, usable[np.maximum(codes, 0)], False)
        keys[column] = np.where(linked, codes, -1)
        shared[column] = linked
    in_any = np.zeros(n, dtype=bool)
    for linked in shared.values():
        in_any |= linked
    rows = np.flatnonzero(in_any)
    labels = _components([codes[rows] for codes in keys.values()], len(rows))
    size = np.bincount(labels, minlength=len(rows))
    # Groups numbered from the largest; among equals, by their first row.
    roots = np.flatnonzero(size >= 2)
    order = np.lexsort((roots, -size[roots]))
    number = np.zeros(len(rows), dtype=np.int64)
    number[roots[order]] = np.arange(1, len(roots) + 1)
    group = number[labels]
    # What each row shares with another: the names of its linked columns, joined.
    flags = np.stack([shared[c][rows] for c in columns], axis=1)
    names = [", ".join(c for c, f in zip(columns, combo, strict=True) if f) for combo in
             np.ndindex(*(2,) * len(columns))]  # fmt: skip
    matched = np.asarray(names, dtype=object)[np.ravel_multi_index(flags.T, (2,) * len(columns))]
    picked = df.iloc[rows]
    result = picked.copy()
    result.insert(0, "duplicate_group", group)
    result.insert(1, "group_size", size[labels].astype(np.int64))
    result.insert(2, "matched_on", pd.Series(matched, index=picked.index, dtype="string"))
    result["email_normalized"] = (
        normalized["email"].iloc[rows].to_numpy() if "email" in normalized else pd.NA
    )
    result["phone_e164"] = (
        normalized["phone"].iloc[rows].to_numpy() if "phone" in normalized else pd.NA
    )
    for column in ("email_normalized", "phone_e164"):
        result[column] = result[column].astype("string")
    sort = pd.DataFrame({"group": group, "position": np.arange(len(rows))})
    if CREATED_AT in df.columns:
        created = utc_column(picked, CREATED_AT, what).dt.tz_localize(None)
        sort.insert(1, "created", created.to_numpy(dtype="datetime64[ns]"))
    result = result.iloc[sort.sort_values(list(sort.columns), kind="stable").index]
    result.attrs.update({"groups": len(roots), "placeholders": placeholders})
    return result
