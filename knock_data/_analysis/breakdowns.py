"""Leads per status, per source and per SMS-consent answer, overall or per group.

Each breakdown codes its column (:mod:`._codes`), orders the values for a reader (Knock's
statuses in Knock's order, sources largest first, consent in :data:`CONSENT_VALUES`' order)
and counts them per ``by`` group (:mod:`.grouping`) into a tidy ``count``/``share`` frame.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from knock_data._analysis._codes import (
    as_text_index,
    count_matrix,
    factorize,
    recode,
    require_column,
    tidy,
)
from knock_data._analysis.grouping import group_codes, group_names
from knock_data._analysis.statuses import (
    KNOCK_STATUS_LABELS,
    knock_order,
    normalize_status,
    stage_map,
)
from knock_data._exceptions import ConfigurationError
from knock_data._schema import SMS_CONSENT, SOURCE_TITLE, STATUS, is_missing

__all__ = ["CONSENT_VALUES", "consent_breakdown", "source_breakdown", "status_breakdown"]

#: Labels of ``consent_breakdown``'s ``sms_consent`` column, in order. Missing consent is
#: ``"unknown"``: Knock did not say either way.
CONSENT_VALUES: tuple[str, ...] = ("consented", "not consented", "unknown")

_TRUE_TEXT = {"true", "t", "yes", "y", "1"}
_FALSE_TEXT = {"false", "f", "no", "n", "0"}


def status_breakdown(
    df: pd.DataFrame,
    by: str | None = None,
    *,
    stages: Mapping[str, Any] | None = None,
    tz: str | None = None,
) -> pd.DataFrame:
    """Leads per status, with the funnel stage each status reaches.

    Parameters
    ----------
    df
        A prospect frame (see :func:`knock_data.to_frame`).
    by
        Group by a column (``"community_id"``, ``"agent_username"``, ``"source_title"``...)
        or by the period of ``created_at`` (``"day"``, ``"week"``, ``"month"``,
        ``"quarter"``, ``"year"``). Shares are then within each group.
    stages
        A status -> stage mapping for the ``stage`` column (default
        :data:`knock_data.DEFAULT_STAGES`; see :func:`knock_data.funnel`).
    tz
        Time zone for ``by`` periods (default UTC).

    Returns
    -------
    pandas.DataFrame
        Columns ``[by,] status, stage, count, share``. ``status`` keeps the raw value; known
        statuses come in Knock's order, unknown ones after them by count, a missing status
        (``<NA>``) last. With ``by``, every status seen anywhere appears in every group
        (count 0 where absent), so shares within a group sum to 1.

    Examples
    --------
    >>> import pandas as pd
    >>> import knock_data as kd
    >>> df = pd.DataFrame({"status": pd.Categorical(["new", "visited", "new", "On Hold"])})
    >>> kd.status_breakdown(df)
        status   stage  count  share
    0      new    lead      2   0.50
    1  visited  toured      1   0.25
    2  On Hold   other      1   0.25
    """
    what = "status_breakdown"
    mapping = stage_map(stages)
    codes, uniques = factorize(require_column(df, STATUS, what))
    totals = np.bincount(codes, minlength=len(uniques))
    # Knock's statuses in Knock's order, unknown ones by count, missing last; ties by name.
    rank = [
        (
            knock_order(v),
            0 if normalize_status(v) in KNOCK_STATUS_LABELS else -int(totals[i]),
            "" if is_missing(v) else str(v),
        )
        for i, v in enumerate(uniques)
    ]
    order = np.array(sorted(range(len(uniques)), key=rank.__getitem__), dtype=np.int64)
    codes = recode(codes, order)
    values = as_text_index(uniques.take(order))
    stage = [mapping.stage(v) for v in values]
    groups_of, groups, by_name = (None, None, None)
    if by is not None:
        groups_of, groups, by_name = group_codes(df, by, tz, what, counted=STATUS)
    counts = count_matrix(codes, len(values), groups_of, 0 if groups is None else len(groups))
    by_names = group_names(df, by_name, groups) if by_name and groups is not None else None
    return tidy(STATUS, values, counts, by_name, groups, {"stage": stage}, by_names)


def source_breakdown(
    df: pd.DataFrame, by: str | None = None, *, tz: str | None = None
) -> pd.DataFrame:
    """Leads per lead source (``source_title``), largest first.

    Parameters
    ----------
    df
        A prospect frame (see :func:`knock_data.to_frame`).
    by
        Group by a column or a created period (``"week"``, ``"month"``...); shares are then
        within each group.
    tz
        Time zone for ``by`` periods (default UTC).

    Returns
    -------
    pandas.DataFrame
        Columns ``[by,] source_title, count, share``, sources by overall count (ties by
        name), a missing source (``<NA>``) last. With ``by``, every source appears in every
        group (count 0 where absent).

    Examples
    --------
    >>> import pandas as pd
    >>> import knock_data as kd
    >>> df = pd.DataFrame({"source_title": ["Zillow", None, "Zillow", "Yelp"]})
    >>> kd.source_breakdown(df)
      source_title  count  share
    0       Zillow      2   0.50
    1         Yelp      1   0.25
    2         <NA>      1   0.25
    """
    what = "source_breakdown"
    codes, uniques = factorize(require_column(df, SOURCE_TITLE, what))
    totals = np.bincount(codes, minlength=len(uniques))
    names = [None if is_missing(v) else str(v) for v in uniques]
    order = np.array(
        sorted(
            range(len(uniques)),
            key=lambda i: (names[i] is None, -int(totals[i]), names[i] or ""),
        ),
        dtype=np.int64,
    )
    codes = recode(codes, order)
    values = as_text_index(uniques.take(order))
    groups_of, groups, by_name = (None, None, None)
    if by is not None:
        groups_of, groups, by_name = group_codes(df, by, tz, what, counted=SOURCE_TITLE)
    counts = count_matrix(codes, len(values), groups_of, 0 if groups is None else len(groups))
    by_names = group_names(df, by_name, groups) if by_name and groups is not None else None
    return tidy(SOURCE_TITLE, values, counts, by_name, groups, group_extra=by_names)


def _consent_codes(consent: pd.Series) -> np.ndarray:
    """0 consented, 1 not consented, 2 unknown (missing)."""
    missing = consent.isna().to_numpy()
    if pd.api.types.is_bool_dtype(consent.dtype):
        given = consent.to_numpy(dtype=bool, na_value=False)
        return np.where(missing, 2, np.where(given, 0, 1)).astype(np.int64)
    codes, uniques = factorize(consent)
    table = np.empty(len(uniques), dtype=np.int64)
    for i, value in enumerate(uniques):
        if is_missing(value):
            table[i] = 2
        elif isinstance(value, bool | np.bool_):
            table[i] = 0 if value else 1
        elif str(value).strip().lower() in _TRUE_TEXT:
            table[i] = 0
        elif str(value).strip().lower() in _FALSE_TEXT:
            table[i] = 1
        else:
            row = consent.index.tolist()[int(np.argmax(codes == i))]
            raise ConfigurationError(
                f"{SMS_CONSENT} holds {value!r} (row {row!r}), which is neither true nor false.",
                hint=f"{SMS_CONSENT} should be a boolean column (True, False or <NA>).",
            )
    return table[codes] if len(codes) else codes


def consent_breakdown(
    df: pd.DataFrame, by: str | None = None, *, tz: str | None = None
) -> pd.DataFrame:
    """Leads by SMS consent: consented, not consented, unknown.

    A missing ``sms_consent`` counts as ``"unknown"``, never as a refusal.

    Parameters
    ----------
    df
        A prospect frame (see :func:`knock_data.to_frame`).
    by
        Group by a column (``"source_title"``, ``"community_id"``, ``"first_contact_type"``...)
        or a created period; shares are then within each group.
    tz
        Time zone for ``by`` periods (default UTC).

    Returns
    -------
    pandas.DataFrame
        Columns ``[by,] sms_consent, count, share``; ``sms_consent`` is one of
        ``"consented"``, ``"not consented"``, ``"unknown"``, all three always present
        (count 0 when none).

    Examples
    --------
    >>> import pandas as pd
    >>> import knock_data as kd
    >>> df = pd.DataFrame({"sms_consent": pd.array([True, False, None, True], dtype="boolean")})
    >>> kd.consent_breakdown(df)
         sms_consent  count  share
    0      consented      2   0.50
    1  not consented      1   0.25
    2        unknown      1   0.25
    """
    what = "consent_breakdown"
    codes = _consent_codes(require_column(df, SMS_CONSENT, what))
    values = pd.Index(pd.array(list(CONSENT_VALUES), dtype="string"))
    groups_of, groups, by_name = (None, None, None)
    if by is not None:
        groups_of, groups, by_name = group_codes(df, by, tz, what, counted=SMS_CONSENT)
    counts = count_matrix(codes, 3, groups_of, 0 if groups is None else len(groups))
    by_names = group_names(df, by_name, groups) if by_name and groups is not None else None
    return tidy(SMS_CONSENT, values, counts, by_name, groups, group_extra=by_names)
