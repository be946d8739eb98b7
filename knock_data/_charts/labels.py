"""The words every chart and the dashboard show for columns and values.

The table itself is the schema's (:data:`knock_data._schema.LABELS` and
:data:`~knock_data._schema.MISSING_LABELS`), so the analysis layer can name a missing value
the same way; this module adds what only readers need: a value's label (Knock's status
labels, capitalised stages and consent answers, the missing label of its column) and the
names :func:`knock_data.with_names` put beside the ids. A chart never shows a raw column
name or ``<NA>``: it asks :func:`label_of`, :func:`value_label` and :func:`value_names`.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

import numpy as np
import pandas as pd

from knock_data._analysis import status_label
from knock_data._schema import (
    MISSING_LABELS,
    NAME_COLUMNS,
    SMS_CONSENT,
    STATUS,
    is_missing,
    label_of,
    missing_label,
)

__all__ = [
    "MISSING_LABELS",
    "by_phrase",
    "capitalised",
    "label_of",
    "missing_label",
    "value_label",
    "value_names",
]

# Columns whose values are lower-case words (stages, consent answers, pets, demand bands,
# spend matches):
# shown capitalised, as a reader writes them at the start of a label.
_WORD_VALUES = frozenset({"stage", SMS_CONSENT, "pets", "move_date", "budget", "match"})
# Knock's codes for some columns' values, as a reader writes them.
_CODE_LABELS: dict[str, dict[str, str]] = {
    "bedrooms": {
        "STUDIO": "Studio",
        "1_BEDROOM": "1 bedroom",
        "2_BEDROOMS": "2 bedrooms",
        "3_OR_MORE_BEDROOMS": "3 or more bedrooms",
    }
}


def capitalised(text: str) -> str:
    """``text`` with its first letter upper case and the rest as it is.

    Examples
    --------
    >>> capitalised("not consented"), capitalised("iPhone lead")
    ('Not consented', 'IPhone lead')
    """
    return text[:1].upper() + text[1:]


def value_label(column: Hashable | None, value: object, names: dict[Any, str] | None = None) -> str:
    """How a reader sees ``value`` of ``column``: its name, its label, or its missing label.

    ``names`` maps ids to names (see :func:`value_names`). Statuses take Knock's labels,
    stages and consent answers are capitalised, a missing value takes its column's missing
    label; anything else is shown as it is.

    Examples
    --------
    >>> value_label("status", "applied_leased"), value_label("source_title", None)
    ('Applied (Leased)', '(no source)')
    >>> value_label("stage", "toured"), value_label("community_id", "a1", {"a1": "Maple Court"})
    ('Toured', 'Maple Court')
    """
    if is_missing(value):
        return missing_label(column)
    if names and value in names:
        return str(names[value])
    if column == STATUS:
        return status_label(value) or missing_label(STATUS)
    if column in _WORD_VALUES:
        return capitalised(str(value))
    codes = _CODE_LABELS.get(str(column))
    if codes and str(value) in codes:
        return codes[str(value)]
    return str(value)


def value_names(df: pd.DataFrame, column: Hashable | None) -> dict[Any, str]:
    """``{id: name}`` for an id column whose names the frame carries, else ``{}``.

    A frame from :func:`knock_data.with_names` has ``community_name`` beside
    ``community_id`` and ``agent_name`` beside ``agent_username``.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"community_id": ["a1", "b2"], "community_name": ["Maple", "Oak"]})
    >>> value_names(df, "community_id")
    {'a1': 'Maple', 'b2': 'Oak'}
    """
    name_column = NAME_COLUMNS.get(str(column)) if column is not None else None
    if name_column is None or name_column not in df.columns or column not in df.columns:
        return {}
    codes, uniques = pd.factorize(df[column])  # missing ids: -1
    seen, first = np.unique(np.asarray(codes), return_index=True)
    names = df[name_column].iloc[first[seen >= 0]]
    return {
        uniques[code]: str(name)
        for code, name in zip(seen[seen >= 0], names, strict=True)
        if not is_missing(name)
    }


def by_phrase(column: Hashable) -> str:
    """The end of a title grouped by ``column``: ``"by source"``, ``"by SMS consent"``.

    Examples
    --------
    >>> by_phrase("first_contact_type"), by_phrase("community_name"), by_phrase("month")
    ('by first contact type', 'by community', 'by month')
    """
    label = label_of(column)
    # Lower-case the first word unless it is an acronym ("SMS", "ID").
    first, _, rest = label.partition(" ")
    if not first.isupper():
        first = first.lower()
    return f"by {first}{' ' + rest if rest else ''}"
