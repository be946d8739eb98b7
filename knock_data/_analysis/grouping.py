"""The ``by`` of the breakdowns and the funnel: a column of the frame or a created period."""

from __future__ import annotations

from collections.abc import Hashable

import numpy as np
import pandas as pd

from knock_data._analysis._codes import factorize, recode, sort_order
from knock_data._analysis.periods import (
    PERIOD_ALIASES,
    PERIODS,
    period_choices,
    period_codes,
    time_zone,
)
from knock_data._exceptions import ConfigurationError
from knock_data._schema import NAME_COLUMNS, is_missing

__all__ = ["group_codes", "group_names"]


def group_codes(
    df: pd.DataFrame, by: object, tz: object, what: str, counted: str | None = None
) -> tuple[np.ndarray, pd.Index, str]:
    """Group codes for ``by`` (a column or a created period), sorted, NA last.

    Returns ``(codes, groups, name)``: each row's code into ``groups``, and the name of the
    output column (the period's name or the column's). A period name wins over a column of
    that name; a short alias (``"W"``, ``"M"``...) means the period only when no column is
    called so. ``counted`` is the column being counted, which cannot also be ``by``.
    """
    period = by.strip().lower() if isinstance(by, str) else ""
    if period not in PERIODS and isinstance(by, str) and by not in df.columns:
        period = PERIOD_ALIASES.get(period, period)
    if period in PERIODS:
        codes, periods, missing = period_codes(df, period, time_zone(tz), what)
        index: pd.Index = pd.Index(periods)
        if missing.any():  # undated rows form a group of their own, keyed <NA>
            codes = np.where(missing, len(periods), codes)
            index = index.append(pd.PeriodIndex([None], freq=periods.freq))
        return codes, index, period
    if not isinstance(by, Hashable) or by not in df.columns:
        raise ConfigurationError(
            f"{what}: unknown by={by!r}.",
            hint=f"Group by a created period ({period_choices()}) or a column "
            f"of the frame: {', '.join(map(str, df.columns))}.",
        )
    if by == counted:
        raise ConfigurationError(f"{what}: by={by!r} is the column being counted.")
    codes, uniques = factorize(df[by])
    order = sort_order(uniques)
    return recode(codes, order), uniques.take(order), str(by)


def group_names(df: pd.DataFrame, by_name: str, groups: pd.Index) -> dict[str, pd.Index]:
    """The names of ``groups`` when ``by`` is an id column the frame has names for.

    Grouped by ``community_id`` on a frame from :func:`knock_data.with_names`, a breakdown
    keeps the ids and adds ``community_name`` beside them: ``{"community_name": names}``,
    one per group (missing for a missing id). Otherwise ``{}``.
    """
    name_column = NAME_COLUMNS.get(by_name)
    if name_column is None or name_column not in df.columns or by_name not in df.columns:
        return {}
    codes, uniques = pd.factorize(df[by_name])  # missing ids: -1
    seen, first = np.unique(np.asarray(codes), return_index=True)
    first_names = df[name_column].iloc[first[seen >= 0]]
    lookup = dict(zip(uniques, first_names, strict=True))
    names = [None if is_missing(g) else lookup.get(g) for g in groups]
    names = [None if is_missing(n) else str(n) for n in names]
    return {name_column: pd.Index(pd.array(names, dtype="string"))}
