"""The one rule for "the top N, then Other (n more)", for bars and lines alike."""

from __future__ import annotations

import operator
from collections.abc import Sequence

from knock_data._exceptions import ConfigurationError

__all__ = ["other_label", "top_groups"]


def other_label(n_more: int) -> str:
    """The name of the group that gathers ``n_more`` smaller ones.

    Examples
    --------
    >>> other_label(3)
    'Other (3 more)'
    """
    return f"Other ({n_more} more)"


def top_groups(
    totals: Sequence[int], top: int, *, apart: Sequence[bool] | None = None
) -> tuple[list[int], list[int]]:
    """Which groups get a bar or a line of their own, and which go into "Other".

    Groups whose total is 0 are left out. Up to ``top + 1`` groups all keep their own (an
    "Other" of a single group helps no one); beyond that the ``top`` largest do, and the
    rest are gathered. Groups marked ``apart`` (a missing value) always keep their own and
    come last.

    Parameters
    ----------
    totals
        Each group's total, in the order the groups are given.
    top
        How many groups get one of their own (at least 1).
    apart
        For each group, whether it is kept apart from the ranking.

    Returns
    -------
    tuple of two lists
        Positions of the groups kept, largest first (earlier first among equals, those
        ``apart`` last), and positions of the rest, in the order given.

    Examples
    --------
    >>> top_groups([5, 1, 9, 0, 2], top=2)
    ([2, 0], [1, 4])
    >>> top_groups([5, 1, 9], top=2)
    ([2, 0, 1], [])
    """
    try:
        count = -1 if isinstance(top, bool) else operator.index(top)
    except TypeError:
        count = -1
    if count < 1:
        raise ConfigurationError(f"top must be a whole number of at least 1, got {top!r}.")
    marks = list(apart) if apart is not None else [False] * len(totals)
    present = [i for i, total in enumerate(totals) if total > 0]
    ranked = sorted((i for i in present if not marks[i]), key=lambda i: -totals[i])
    kept_apart = [i for i in present if marks[i]]
    if len(present) <= count + 1:
        return ranked + kept_apart, []
    return ranked[:count] + kept_apart, sorted(ranked[count:])
