"""The words on the charts: category labels, what the rows are called, counts with shares."""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd

from knock_data._schema import IS_DELETED, NOT_PROSPECT

__all__ = [
    "chart_title",
    "count_label",
    "count_rows",
    "no_data_text",
    "percent",
    "plural",
    "row_noun",
    "short_label",
]
_LABEL_WIDTH = 28  # characters per line of a category label
_TITLE_WIDTH = 60  # characters of a one-line title


def short_label(text: object, width: int = _LABEL_WIDTH, lines: int = 2) -> str:
    """A category label wrapped to ``lines`` lines of ``width``, cut with an ellipsis.

    Line breaks already in ``text`` are kept (each part wrapped on its own); ``$`` is
    escaped so that matplotlib does not read it as mathtext.

    Examples
    --------
    >>> short_label("Apartment Guide and a very long listing site name", width=20)
    'Apartment Guide and\\na very long listing…'
    """
    parts = []
    for part in str(text).split("\n"):
        wrapped = textwrap.wrap(part, width=width) or [""]
        if len(wrapped) > lines:
            wrapped = wrapped[:lines]
            wrapped[-1] = wrapped[-1][: width - 1].rstrip() + "…"
        parts.extend(wrapped)
    return "\n".join(parts).replace("$", r"\$")


def row_noun(df: pd.DataFrame) -> str:
    """What the rows are, by Knock's definitions, for titles.

    Prospects exclude deleted and not-a-prospect records; leads include not-a-prospect
    records but not deleted ones; with deleted records in, the rows are just records.
    """

    def any_true(column: str) -> bool:
        return column in df.columns and bool(df[column].fillna(False).astype(bool).any())

    if any_true(IS_DELETED):
        return "records"
    if any_true(NOT_PROSPECT) or NOT_PROSPECT not in df.columns:
        return "leads"
    return "prospects"


def plural(n: int, word: str) -> str:
    """``n`` and ``word``, plural unless one: "1 source", "12 sources"."""
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def count_rows(noun: str, n: int) -> str:
    """``n`` rows counted with their plural ``noun``: "1 prospect", "1,826 prospects"."""
    return plural(n, noun.removesuffix("s"))


def chart_title(subject: str, noun: str, n: int, *details: str) -> str:
    """Every chart's default title: the subject, then how many rows, by what they are called.

    Examples
    --------
    >>> chart_title("SMS consent by source", "prospects", 1826)
    'SMS consent by source (1,826 prospects)'
    >>> chart_title("Prospects by source", "prospects", 1, "1 source")
    'Prospects by source (1 prospect, 1 source)'
    """
    counted = f"({', '.join([count_rows(noun, n), *details])})"
    # A title wider than a chart is cut at both ends: the count goes on a line of its own.
    if len(subject) + len(counted) > _TITLE_WIDTH:
        return f"{subject}\n{counted}"
    return f"{subject} {counted}"


def no_data_text(noun: str) -> str:
    """What a chart with no rows says instead, in the words of its title.

    Examples
    --------
    >>> no_data_text("prospects")
    'No prospects to show'
    """
    return f"No {noun} to show"


def count_label(count: int, share: float) -> str:
    """A bar's label: ``1,234 (12.3%)``, or just the count when there is no share."""
    return f"{count:,} ({share:.1%})" if np.isfinite(share) else f"{count:,}"


def percent(share: float) -> str:
    """A share as a whole percentage, with ``<1%`` rather than a ``0%`` that is not nothing.

    Examples
    --------
    >>> percent(0.42), percent(0.002), percent(0.0), percent(0.998)
    ('42%', '<1%', '0%', '>99%')
    """
    if 0 < share < 0.005:
        return "<1%"
    if 0.995 <= share < 1:
        return ">99%"
    return f"{share:.0%}"
