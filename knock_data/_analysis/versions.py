"""The history's versions frame, read once: checked, grouped by prospect, asked about moments.

A history keeps one row per prospect per change of what matters (an SCD-2 table, as dbt's
snapshots and dlt's ``scd2`` merge write them): every column of the prospect frame plus

- ``valid_from``: the first observation showing this version;
- ``valid_to``: the first observation after it changed (``NaT`` while current);
- ``changed_after``: the last observation before ``valid_from``, so the change happened in
  ``(changed_after, valid_from]`` (``NaT`` for a prospect's first version);
- ``last_observed_at``: the last observation showing this version;
- ``gone``: the version that records Knock stopped returning the prospect.

Rows come sorted by ``prospect_id`` then ``valid_from``. :func:`read_versions` checks that
(sorting only when needed), numbers the prospects, and keeps the moments as numpy
``datetime64[us]`` (naive UTC) so that every movement analysis is a few array passes over
a million rows. :meth:`Versions.in_force` answers "which version held at this moment",
the ``as of`` question: ``valid_from <= t``, the latest such row of each prospect.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd

from knock_data._analysis._codes import require_column
from knock_data._analysis._reach import stages_reached
from knock_data._analysis.lifecycle import _moment
from knock_data._analysis.periods import utc_column
from knock_data._analysis.statuses import stage_map
from knock_data._exceptions import ConfigurationError, WrongArgumentType
from knock_data._schema import CREATED_AT, PROSPECT_ID, STATUS

__all__ = [
    "CHANGED_AFTER",
    "GONE",
    "LAST_OBSERVED_AT",
    "VALID_FROM",
    "VALID_TO",
    "Versions",
    "as_moment",
    "ladder_ranks",
    "read_versions",
    "to_utc",
    "utc_series",
    "utc_stamp",
]

VALID_FROM = "valid_from"
VALID_TO = "valid_to"
CHANGED_AFTER = "changed_after"
LAST_OBSERVED_AT = "last_observed_at"
GONE = "gone"

_HINT = (
    "Pass the history's versions frame: history.versions() of a kd.History, with the "
    "columns valid_from, changed_after, last_observed_at and gone beside the prospect columns."
)
_NAT = np.datetime64("NaT", "us")


@dataclass(frozen=True)
class Versions:
    """A versions frame with its prospects numbered and its moments as arrays.

    Attributes
    ----------
    frame
        The rows, sorted by prospect then ``valid_from`` (the caller's frame when it already
        was), on a fresh 0..n-1 index.
    prospect
        Each row's prospect number, 0..n_prospects-1 in the order prospects appear.
    starts
        Each prospect's first row (its rows are ``starts[p]`` to ``starts[p + 1] - 1``).
    valid_from, changed_after, last_observed, created
        Each row's moments as ``datetime64[us]`` (naive UTC; ``NaT`` where missing).
    gone
        Each row's ``gone`` flag (a missing flag is ``False``).
    """

    frame: pd.DataFrame
    prospect: np.ndarray
    starts: np.ndarray
    valid_from: np.ndarray
    changed_after: np.ndarray
    last_observed: np.ndarray
    created: np.ndarray
    gone: np.ndarray

    @property
    def n_prospects(self) -> int:
        """How many prospects the history knows."""
        return len(self.starts)

    @property
    def lasts(self) -> np.ndarray:
        """Each prospect's last row."""
        return np.append(self.starts[1:], len(self.prospect)) - 1

    def first_seen(self) -> np.ndarray:
        """Per prospect, its first observation."""
        return self.valid_from[self.starts]

    def last_seen(self) -> np.ndarray:
        """Per prospect, its last observation (of any version)."""
        if not self.n_prospects:
            return np.empty(0, dtype="datetime64[us]")
        return np.fmax.reduceat(self.last_observed, self.starts)

    def created_at(self) -> np.ndarray:
        """Per prospect, when Knock created it (``created_at`` of its first version)."""
        return self.created[self.starts]

    def in_force(self, moment: np.datetime64) -> np.ndarray:
        """Per prospect, the row in force at ``moment``: its latest version with
        ``valid_from <= moment``; -1 where the history had not seen it yet."""
        if not self.n_prospects:
            return np.empty(0, dtype=np.int64)
        rows = np.arange(len(self.prospect), dtype=np.int64)
        marked = np.where(self.valid_from <= moment, rows, -1)
        return np.maximum.reduceat(marked, self.starts)

    def first_row_where(self, mask: np.ndarray) -> np.ndarray:
        """Per prospect, its first row where ``mask`` holds; -1 where none does."""
        if not self.n_prospects:
            return np.empty(0, dtype=np.int64)
        none = len(mask)
        rows = np.arange(len(mask), dtype=np.int64)
        first = np.minimum.reduceat(np.where(mask, rows, none), self.starts)
        return np.where(first == none, -1, first)

    def stage_ranks(self, stages: Mapping[str, Any] | None, what: str) -> np.ndarray:
        """Each row's place on the funnel ladder (-1 for a ``gone`` row, which shows no
        status); see :func:`ladder_ranks`."""
        return np.where(self.gone, -1, ladder_ranks(self.frame, stages, what))


def ladder_ranks(df: pd.DataFrame, stages: Mapping[str, Any] | None, what: str) -> np.ndarray:
    """Each row's place on the funnel ladder by its status: how many steps after the first
    it has reached, by the funnel's one rule (``lost`` and unknown statuses: 0)."""
    later = stage_map(stages).ladder[1:]
    reached = stages_reached(df, later, stages, what)
    ranks = np.zeros(len(df), dtype=np.int64)
    for row in reached.values():
        ranks += row
    return ranks


def read_versions(versions: pd.DataFrame, what: str) -> Versions:
    """Check a versions frame and read it into :class:`Versions` (sorted if it was not).

    Raises :class:`~knock_data.ConfigurationError` naming ``what`` when a column the
    movement analyses need is missing, or a version has no ``valid_from``.
    """
    if not isinstance(versions, pd.DataFrame):
        raise WrongArgumentType(
            f"{what} needs the history's versions frame (a pandas DataFrame), got "
            f"{type(versions).__name__}.",
            hint=_HINT,
        )
    missing = [
        name
        for name in (PROSPECT_ID, STATUS, CREATED_AT, VALID_FROM, CHANGED_AFTER, LAST_OBSERVED_AT)
        if name not in versions.columns
    ]
    if missing:
        raise ConfigurationError(
            f"{what} needs the history's versions frame; this frame lacks {', '.join(missing)}.",
            hint=_HINT,
        )
    valid_from = to_utc(versions, VALID_FROM, what)
    if np.isnat(valid_from).any():
        bad = versions[PROSPECT_ID].to_numpy()[np.isnat(valid_from)][:3]
        raise ConfigurationError(
            f"{what}: versions without a valid_from (prospects {', '.join(map(str, bad))}).",
            hint="Every version starts at the observation that first showed it; "
            "rebuild the frame with history.versions().",
        )
    codes, _ = pd.factorize(require_column(versions, PROSPECT_ID, what), use_na_sentinel=False)
    prospect = np.asarray(codes, dtype=np.int64)
    same = prospect[1:] == prospect[:-1]
    in_order = bool(np.all(prospect[1:] >= prospect[:-1])) and bool(
        np.all(valid_from[1:][same] >= valid_from[:-1][same])
    )
    frame = versions
    if not in_order:
        order = np.lexsort((valid_from.astype(np.int64), prospect))
        frame = versions.take(order)
        codes, _ = pd.factorize(frame[PROSPECT_ID], use_na_sentinel=False)
        prospect = np.asarray(codes, dtype=np.int64)
        valid_from = valid_from[order]
        # Numbered again so that prospects count up in the order they now appear.
    frame = frame.reset_index(drop=True)
    starts = (
        np.flatnonzero(np.r_[True, prospect[1:] != prospect[:-1]])
        if len(prospect)
        else np.empty(0, dtype=np.int64)
    )
    if GONE in frame.columns:
        gone = frame[GONE].astype("boolean").fillna(False).to_numpy(dtype=bool)
    else:
        gone = np.zeros(len(frame), dtype=bool)
    return Versions(
        frame=frame,
        prospect=prospect,
        starts=starts,
        valid_from=valid_from,
        changed_after=to_utc(frame, CHANGED_AFTER, what),
        last_observed=to_utc(frame, LAST_OBSERVED_AT, what),
        created=to_utc(frame, CREATED_AT, what),
        gone=gone,
    )


def to_utc(df: pd.DataFrame, name: str, what: str) -> np.ndarray:
    """Column ``name`` as naive-UTC ``datetime64[us]`` values (``NaT`` where missing)."""
    values = utc_column(df, name, what).dt.tz_convert(None)
    return values.to_numpy().astype("datetime64[us]")


def as_moment(value: object, name: str) -> np.datetime64:
    """A moment (tz-aware datetime, ``Timestamp``, ISO-8601 text; naive is UTC) as a
    naive-UTC ``datetime64[us]``."""
    if value is None:
        raise ConfigurationError(
            f"{name} is required: a moment such as '2021-11-02' or a tz-aware datetime."
        )
    moment: datetime = _moment(value, name)
    return np.datetime64(moment.replace(tzinfo=None), "us")


def utc_series(values: np.ndarray, name: str | None = None) -> pd.Series:
    """Naive-UTC ``datetime64[us]`` values as a ``datetime64[us, UTC]`` Series."""
    return pd.Series(values.astype("datetime64[us]"), name=name).dt.tz_localize("UTC")


def utc_stamp(moment: np.datetime64) -> pd.Timestamp:
    """A naive-UTC ``datetime64`` as a tz-aware ``Timestamp``."""
    return pd.Timestamp(moment).tz_localize("UTC")
