"""One cell of an analyst's file: is it a prospect id, a blank, or a header naming the ids?

Knock only accepts a prospect id made of digits. Ints, numeric strings and int-valued
floats (``1004.0``, as Excel exports them) become the text ``"1004"``; surrounding
whitespace is stripped. Anything else is refused before any request is sent, and so is an
id of more than :data:`MAX_ID_DIGITS` digits (beyond a 64-bit integer: no Knock id), however
it is written.
"""

from __future__ import annotations

import math
import numbers
import re
from typing import Any

from knock_data._exceptions import InvalidProspectId
from knock_data._schema import is_missing

__all__ = [
    "ID_HEADERS",
    "MAX_ID_DIGITS",
    "as_text",
    "header_key",
    "is_blank",
    "is_id",
    "looks_like_header",
    "normalize_id",
]

#: The most digits a prospect id may have: a 64-bit integer has 19.
MAX_ID_DIGITS = 19
_DIGITS = re.compile(r"[0-9]+")
_FLOAT_TEXT = re.compile(r"([0-9]+)\.0*")
_LARGEST = 10**MAX_ID_DIGITS
#: Headers that name the prospect id column, by preference, compared by :func:`header_key`
#: (lower case, letters and digits only): ``prospect_id``, ``prospectId``, ``Prospect ID``,
#: ``ID``, then ``Prospect IDs`` and ``IDs``.
ID_HEADERS = ("prospectid", "id", "prospectids", "ids")


def normalize_id(value: Any) -> str:
    """Return the prospect id as Knock expects it (digits only), or raise.

    Parameters
    ----------
    value
        An int, a numeric string (whitespace around it is ignored) or an int-valued float.

    Raises
    ------
    InvalidProspectId
        For anything else: negative numbers, fractions, letters, blanks, ``None``, NaN, and
        ids of more than 19 digits.

    Examples
    --------
    >>> normalize_id(" 47569637 ")
    '47569637'
    >>> normalize_id(1004.0)
    '1004'
    """
    if isinstance(value, bool):
        pass  # True/False are ints to Python but never ids
    elif isinstance(value, numbers.Integral):
        number = int(value)
        if number >= _LARGEST:
            raise _int_too_long(number)
        if number >= 0:
            return str(number)
    elif isinstance(value, numbers.Real):
        real = float(value)
        if math.isfinite(real) and real >= _LARGEST:
            raise _int_too_long(int(real))
        if math.isfinite(real) and real >= 0 and real.is_integer():
            return str(int(real))
    elif isinstance(value, str | bytes):
        text = value.decode("utf-8", "replace") if isinstance(value, bytes) else value
        text = text.strip()
        # "1004.0" is how a spreadsheet float often arrives as text
        match = _DIGITS.fullmatch(text) or _FLOAT_TEXT.fullmatch(text)
        if match:
            digits = match[1] if match.re is _FLOAT_TEXT else text
            if len(digits) > MAX_ID_DIGITS:
                raise _too_long(digits)
            return digits
    if is_blank(value):
        raise InvalidProspectId(
            "A blank cell is not a prospect id.",
            prospect_id="",
            hint="Fill in the id or remove the row from your id list; nothing was sent.",
        )
    raise InvalidProspectId(
        f"{shown(repr, value)} is not a valid prospect id: Knock ids are whole numbers "
        "written with digits only.",
        prospect_id=shown(str, value),
        hint="Fix or remove it in your id list; it was not sent to Knock.",
    )


def shown(write: Any, value: Any, limit: int = 80) -> str:
    """``write(value)`` cut to ``limit`` characters; a placeholder for an int too long to
    write out at all (past 4,300 digits Python refuses)."""
    try:
        text = str(write(value))
    except ValueError:
        return f"<an integer of about {_approximate_digits(value):,} digits>"
    return text if len(text) <= limit else f"{text[: limit - 3]}..."


def _approximate_digits(number: int) -> int:
    """About how many digits an int has, without writing it out."""
    return int(abs(number).bit_length() * math.log10(2)) + 1


def _int_too_long(number: int) -> InvalidProspectId:
    try:
        text = str(number)
    except ValueError:  # past 4,300 digits Python refuses to write an int out at all
        return _too_long(None, f"about {_approximate_digits(number):,} digits")
    return _too_long(text)


def _too_long(text: str | None, count: str | None = None) -> InvalidProspectId:
    """The error for an id longer than a Knock id can be (``text``: its digits, if known)."""
    count = count or f"{len(text or ''):,} digits"
    excerpt = text if text is None or len(text) <= 24 else f"{text[:24]}..."
    return InvalidProspectId(
        f"{excerpt or 'A number'} is not a valid prospect id: it has {count}, and a Knock id "
        f"has at most {MAX_ID_DIGITS}.",
        prospect_id=excerpt or f"<a number of {count}>",
        hint="Check the id column: it holds something else than Knock ids. Nothing was sent "
        "for this one.",
    )


def is_id(value: Any) -> bool:
    """Whether ``value`` is a valid prospect id (see :func:`normalize_id`)."""
    try:
        normalize_id(value)
    except InvalidProspectId:
        return False
    return True


def is_blank(value: Any) -> bool:
    """An empty cell: a missing value (None, NaN, NaT, NA) or text that is only whitespace."""
    if isinstance(value, str):
        return not value.strip()
    return is_missing(value)


def as_text(value: Any) -> str:
    """A cell as text: ids normalised where they are valid, a blank as ``""``, anything else
    kept for the error report."""
    if type(value) is str and value.isascii() and value.isdigit() and len(value) <= MAX_ID_DIGITS:
        return value  # the common case, without an exception's cost
    if is_blank(value):
        return ""
    try:
        return normalize_id(value)
    except InvalidProspectId:
        return value.strip() if isinstance(value, str) else shown(str, value, limit=10**6)


def header_key(value: Any) -> str:
    """A header cell compared loosely: lower case, letters and digits only.

    Examples
    --------
    >>> header_key("Prospect ID"), header_key("prospectId"), header_key(" prospect_id ")
    ('prospectid', 'prospectid', 'prospectid')
    """
    return re.sub(r"[^a-z0-9]", "", str(value).lower()) if not is_blank(value) else ""


def looks_like_header(value: Any) -> bool:
    """Whether a lone first cell reads as a column's name rather than a mistyped id.

    It does when it holds at least two letters and more letters than digits: ``Leads``,
    ``Prospect IDs 2021``; not ``12 3``, ``4.5`` or ``4756963a``, which are reported as ids.
    """
    if not isinstance(value, str):
        return False
    letters = sum(ch.isalpha() for ch in value)
    digits = sum(ch.isdigit() for ch in value)
    return letters >= 2 and letters > digits
