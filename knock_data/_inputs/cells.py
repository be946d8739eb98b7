"""One cell of an analyst's file: is it a prospect id, a blank, or a header naming the ids?

Knock only accepts a prospect id made of digits. Ints, numeric strings and int-valued
floats (``1004.0``, as Excel exports them) become the text ``"1004"``; surrounding
whitespace is stripped. Anything else is refused before any request is sent.
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
    "as_text",
    "header_key",
    "is_blank",
    "is_id",
    "looks_like_header",
    "normalize_id",
]

_DIGITS = re.compile(r"[0-9]+")
_FLOAT_TEXT = re.compile(r"([0-9]+)\.0*")
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
        For anything else: negative numbers, fractions, letters, blanks, ``None``, NaN.

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
        if int(value) >= 0:
            return str(int(value))
    elif isinstance(value, numbers.Real):
        number = float(value)
        if math.isfinite(number) and number >= 0 and number.is_integer():
            return str(int(number))
    elif isinstance(value, str | bytes):
        text = value.decode("utf-8", "replace") if isinstance(value, bytes) else value
        text = text.strip()
        if _DIGITS.fullmatch(text):
            return text
        # "1004.0" is how a spreadsheet float often arrives as text
        match = _FLOAT_TEXT.fullmatch(text)
        if match:
            return match[1]
    if is_blank(value):
        raise InvalidProspectId(
            "A blank cell is not a prospect id.",
            prospect_id="",
            hint="Fill in the id or remove the row from your id list; nothing was sent.",
        )
    raise InvalidProspectId(
        f"{value!r:.80} is not a valid prospect id: Knock ids are whole numbers written with "
        "digits only.",
        prospect_id=str(value),
        hint="Fix or remove it in your id list; it was not sent to Knock.",
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
    if type(value) is str and value.isascii() and value.isdigit():
        return value  # the common case, without an exception's cost
    if is_blank(value):
        return ""
    try:
        return normalize_id(value)
    except InvalidProspectId:
        return value.strip() if isinstance(value, str) else str(value)


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
