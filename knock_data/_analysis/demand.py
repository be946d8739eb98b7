"""What renters ask for: bedrooms, when they move, their budget and their pets.

Guest cards carry the renter's wishes: ``bedrooms`` and ``pets`` as lists (the frame joins
them with commas: ``"1_BEDROOM, 2_BEDROOMS"``), ``move_date`` and ``max_budget``.
:func:`demand_breakdown` counts one of them, missing answers included, overall or per group.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import pairwise
from typing import Any

import numpy as np
import pandas as pd

from knock_data._analysis._codes import count_matrix, factorize, require_column, tidy
from knock_data._analysis.grouping import group_codes, group_names
from knock_data._analysis.periods import created_utc, time_zone
from knock_data._exceptions import ConfigurationError
from knock_data._schema import is_missing

__all__ = [
    "BEDROOMS",
    "BEFORE_CREATED",
    "BUDGET_BANDS",
    "DEMAND_FIELDS",
    "MOVE_WEEKS",
    "demand_breakdown",
]

#: The fields :func:`demand_breakdown` counts and the column each one reads.
DEMAND_FIELDS: dict[str, str] = {
    "bedrooms": "bedrooms",
    "move_date": "move_date",
    "budget": "max_budget",
    "pets": "pets",
}
#: Knock's bedroom choices, in the order they are listed (others follow by count).
BEDROOMS: tuple[str, ...] = ("STUDIO", "1_BEDROOM", "2_BEDROOMS", "3_OR_MORE_BEDROOMS")
#: Default ``max_budget`` band edges in dollars: under $1,000, $1,000 to $1,499, ... $3,000+.
BUDGET_BANDS: tuple[int, ...] = (1000, 1500, 2000, 2500, 3000)
#: Default edges, in weeks from creation to the move date: under 2 weeks, 2 to 4 weeks, ...
MOVE_WEEKS: tuple[float, ...] = (2, 4, 8, 12, 26)
#: The band of move dates earlier than the day the lead was created.
BEFORE_CREATED = "before created"

_NON_WORD = re.compile(r"[^0-9A-Z]+")
_SPACES = re.compile(r"\s+")


def _bedroom(part: str) -> str:
    return _NON_WORD.sub("_", part.upper()).strip("_")


def _pet(part: str) -> str:
    return _SPACES.sub(" ", part).casefold()


def _choices(
    column: pd.Series, canonical: Any, known: Sequence[str]
) -> tuple[np.ndarray, pd.Index, np.ndarray, int]:
    """Codes of each row's combination, the choices, combination -> choice membership.

    Returns ``(codes, values, membership, multiple)``: ``membership[u, c]`` is 1 when
    combination ``u`` names choice ``c`` (the last choice is the missing answer), and
    ``multiple`` counts rows naming more than one.
    """
    codes, uniques = factorize(column)
    parsed: list[list[str]] = []
    for value in uniques:
        parts = [] if is_missing(value) else str(value).split(",")
        parsed.append(list(dict.fromkeys(canonical(p.strip()) for p in parts if p.strip())))
    per_combination = np.bincount(codes, minlength=len(uniques))
    totals: dict[str, int] = {}
    for items, n in zip(parsed, per_combination, strict=True):
        for item in items:
            totals[item] = totals.get(item, 0) + int(n)
    rank = {name: i for i, name in enumerate(known)}
    choices = sorted(totals, key=lambda c: (rank.get(c, len(rank)), -totals[c], c))
    position = {c: i for i, c in enumerate(choices)}
    membership = np.zeros((len(uniques), len(choices) + 1), dtype=np.int64)
    for u, items in enumerate(parsed):
        if items:
            membership[u, [position[c] for c in items]] = 1
        else:
            membership[u, -1] = 1
    multiple = int(per_combination[[len(items) > 1 for items in parsed]].sum())
    values = pd.Index(pd.array([*choices, None], dtype="string"))
    return codes, values, membership, multiple


def _edges(bands: object, default: Sequence[float], what: str, whole: bool) -> np.ndarray:
    raw = default if bands is None else bands
    try:
        edges: np.ndarray = np.array([float(edge) for edge in raw])  # type: ignore[attr-defined]
    except (TypeError, ValueError) as exc:
        raise ConfigurationError(
            f"{what}: bands must be a list of numbers, got {bands!r}."
        ) from exc
    if (
        not len(edges)
        or not np.all(np.isfinite(edges))
        or np.any(edges <= 0)
        or np.any(np.diff(edges) <= 0)
        or (whole and np.any(edges % 1 != 0))
    ):
        unit = "whole dollars" if whole else "weeks"
        raise ConfigurationError(
            f"{what}: bands must be increasing numbers above 0 ({unit}), got {bands!r}.",
            hint=f"For example bands={tuple(default)!r}.",
        )
    return edges


def _number(value: float) -> str:
    return f"{value:,.0f}" if value % 1 == 0 else f"{value:,g}"


def _weeks(value: float) -> str:
    return f"{_number(value)} week{'' if value == 1 else 's'}"


def _budget_bands(values: pd.Series, bands: object, what: str) -> tuple[np.ndarray, list[str]]:
    edges = _edges(bands, BUDGET_BANDS, what, whole=True)
    try:
        dollars = pd.to_numeric(values, errors="raise").astype("Float64")
    except (ValueError, TypeError) as exc:
        raise ConfigurationError(
            f"{what}: max_budget holds values that are not numbers of dollars ({exc})."
        ) from exc
    amounts = dollars.to_numpy(dtype=float, na_value=np.nan)
    labels = [f"under ${_number(edges[0])}"]
    labels += [f"${_number(lo)} to ${_number(hi - 1)}" for lo, hi in pairwise(edges)]
    labels.append(f"${_number(edges[-1])} or more")
    band = np.searchsorted(edges, np.nan_to_num(amounts), side="right")
    return np.where(np.isnan(amounts), len(labels), band).astype(np.int64), labels


def _move_bands(
    df: pd.DataFrame, bands: object, zone: str, what: str
) -> tuple[np.ndarray, list[str], int]:
    edges = _edges(bands, MOVE_WEEKS, what, whole=False)
    move = require_column(df, DEMAND_FIELDS["move_date"], what)
    if isinstance(move.dtype, pd.DatetimeTZDtype):
        move = move.dt.tz_convert(zone).dt.tz_localize(None)
    elif not pd.api.types.is_datetime64_dtype(move.dtype):
        try:
            move = pd.to_datetime(move, format="ISO8601")
        except (ValueError, TypeError) as exc:
            raise ConfigurationError(
                f"{what}: move_date holds values that are not dates ({exc}).",
                hint="Dates such as 2026-03-15; build the frame with knock_data.to_frame.",
            ) from exc
    created = created_utc(df, what).dt.tz_convert(zone).dt.tz_localize(None)
    move_day = move.to_numpy(dtype="datetime64[D]")
    created_day = created.to_numpy(dtype="datetime64[D]")
    unknown = np.isnat(move_day) | np.isnat(created_day)
    days = np.where(unknown, 0, (move_day - created_day).astype("timedelta64[D]").astype(np.int64))
    labels = [BEFORE_CREATED, f"under {_weeks(edges[0])}"]
    labels += [f"{_number(lo)} to {_weeks(hi)}" for lo, hi in pairwise(edges)]
    labels.append(f"{_weeks(edges[-1])} or more")
    band = np.where(days < 0, 0, 1 + np.searchsorted(edges * 7, days, side="right"))
    no_created = int((~np.isnat(move_day) & np.isnat(created_day)).sum())
    return np.where(unknown, len(labels), band).astype(np.int64), labels, no_created


def demand_breakdown(
    df: pd.DataFrame,
    field: str,
    *,
    by: str | None = None,
    bands: Sequence[float] | None = None,
    tz: str | None = None,
) -> pd.DataFrame:
    """What renters ask for: bedrooms, how soon they move, their budget or their pets.

    Parameters
    ----------
    df
        A prospect frame (see :func:`knock_data.to_frame`).
    field
        One of:

        - ``"bedrooms"``: each choice in the comma-joined ``bedrooms`` text, spelt as Knock
          does (``"1 bedroom"`` counts as ``1_BEDROOM``), Knock's choices (``STUDIO``,
          ``1_BEDROOM``, ``2_BEDROOMS``, ``3_OR_MORE_BEDROOMS``) in that order;
        - ``"move_date"``: weeks from the lead's creation day to its ``move_date``, in bands
          (default edges 2, 4, 8, 12 and 26 weeks; move dates before creation are
          ``"before created"``);
        - ``"budget"``: bands of ``max_budget`` in dollars (default edges $1,000, $1,500,
          $2,000, $2,500 and $3,000; each band holds its lower edge);
        - ``"pets"``: each pet in the comma-joined ``pets`` text (case does not count);
          ``none`` is an answer.
    by
        Group by a column or a created period; shares are then within each group.
    bands
        The band edges for ``"move_date"`` (weeks) or ``"budget"`` (whole dollars).
    tz
        Time zone of the creation day (``"move_date"``) and of ``by`` periods (default UTC).

    Returns
    -------
    pandas.DataFrame
        Columns ``[by,] <field>, count, share``: every choice or band in order, then the
        missing answer (``<NA>``), each in every group (0 where absent). ``share`` is of
        the group's leads; a lead naming two bedroom choices counts in both, so for
        ``bedrooms`` and ``pets`` the shares can add up to more than 1
        (``attrs["multiple"]`` counts such leads). For ``move_date``, a lead without
        ``created_at`` counts as missing (``attrs["no_created_at"]``). Grouped by
        ``community_id`` or ``agent_username`` on a frame with names (see
        :func:`knock_data.with_names`), the names follow the ids in their own column.

    Raises
    ------
    knock_data.ConfigurationError
        An unknown field or ``by``, bad bands, or a column whose values are not what the
        field needs.

    Examples
    --------
    >>> import pandas as pd
    >>> import knock_data as kd
    >>> df = pd.DataFrame({"bedrooms": ["1_BEDROOM, 2_BEDROOMS", "STUDIO", None, "2 bedrooms"]})
    >>> kd.demand_breakdown(df, "bedrooms")
         bedrooms  count  share
    0      STUDIO      1   0.25
    1   1_BEDROOM      1   0.25
    2  2_BEDROOMS      2   0.50
    3        <NA>      1   0.25
    >>> budgets = pd.DataFrame({"max_budget": [950.0, 1500.0, 1499.0, None]})
    >>> kd.demand_breakdown(budgets, "budget", bands=(1000, 1500))
                budget  count  share
    0     under $1,000      1   0.25
    1  $1,000 to $1,499      1   0.25
    2   $1,500 or more      1   0.25
    3             <NA>      1   0.25
    """
    what = "demand_breakdown"
    if field not in DEMAND_FIELDS:
        raise ConfigurationError(
            f"{what}: unknown field {field!r}.",
            hint=f"Choose one of {', '.join(repr(f) for f in DEMAND_FIELDS)}.",
        )
    column = DEMAND_FIELDS[field]
    if bands is not None and field not in ("move_date", "budget"):
        raise ConfigurationError(f"{what}: bands= applies to 'move_date' and 'budget' only.")
    zone = time_zone(tz)
    groups_of, groups, by_name = (None, None, None)
    if by is not None:
        groups_of, groups, by_name = group_codes(df, by, zone, what, counted=column)
    n_groups = 0 if groups is None else len(groups)
    attrs: dict[str, Any] = {"column": column}
    if field in ("bedrooms", "pets"):
        canonical, known = (_bedroom, BEDROOMS) if field == "bedrooms" else (_pet, ())
        codes, values, membership, multiple = _choices(
            require_column(df, column, what), canonical, known
        )
        per_combination = count_matrix(codes, len(membership), groups_of, n_groups)
        counts = per_combination @ membership
        leads = per_combination.sum(axis=1)
        attrs["multiple"] = multiple
    else:
        if field == "budget":
            band, labels = _budget_bands(require_column(df, column, what), bands, what)
        else:
            band, labels, attrs["no_created_at"] = _move_bands(df, bands, zone, what)
        values = pd.Index(pd.array([*labels, None], dtype="string"))
        counts = count_matrix(band, len(values), groups_of, n_groups)
        leads = counts.sum(axis=1)
    names = group_names(df, by_name, groups) if by_name and groups is not None else None
    result = tidy(field, values, counts, by_name, groups, group_extra=names)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(leads[:, None] > 0, counts / np.maximum(leads, 1)[:, None], np.nan)
    result["share"] = share.reshape(-1)
    result.attrs.update(attrs)
    return result
