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

__all__ = ["group_codes"]


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
