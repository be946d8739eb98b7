"""Smart refresh: which cached copies are worth fetching again, by where each lead stands.

Knock has no "changed since", so the only way to see a change is to fetch the prospect
again; a portfolio of 500,000 prospects at a few requests a second takes days to refresh in
full, and most of it is closed leads that will not move. :class:`RefreshPolicy` decides, per
cached copy, how old it may get before it is fetched again, by the one definition of closed
and dormant in the analysis layer (:func:`knock_data.lifecycle_state`). It only decides:
:meth:`knock_data.KnockClient.fetch_prospects` with ``refresh="due"`` acts on it.

Two decisions, both from HTTP caching's heuristic freshness (RFC 9111, section 4.2.2: a
response without an expiry stays fresh for a fraction of the time since it last changed):

- A copy is judged by what it showed **when it was fetched**: the lead's state then, and how
  long it had gone without a change. What it does after that is unknown until the next
  fetch: a lead last seen active is fetched again after ``active=``, however old its copy
  has grown since, so a lead that moves on the day it would have turned dormant is seen.
- A dormant or closed copy stays fresh for ``quiet_fraction`` of the time its lead had been
  quiet when it was fetched, between ``active=`` and its state's interval: a lead that went
  quiet five weeks ago is more likely to move this week than one quiet for a year, and a lead
  lost last month more likely to come back than one lost last year.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from datetime import timedelta
from typing import Any

import numpy as np
import pandas as pd

from knock_data._analysis.lifecycle import DORMANT_AFTER, last_change, lifecycle_state
from knock_data._analysis.periods import utc_column
from knock_data._exceptions import ConfigurationError, WrongArgumentType
from knock_data._history.moments import parse_moment
from knock_data._schema import CREATED_AT

__all__ = ["FETCHED_AT", "RefreshPolicy"]

#: The column of a copies frame that says when each copy was fetched (tz-aware, the
#: server's clock); missing for an id never fetched.
FETCHED_AT = "fetched_at"

_INTERVALS = ("active", "dormant", "closed", "recent", "dormant_after")


@dataclass(frozen=True, init=False)
class RefreshPolicy:
    """How old a cached copy may get before ``refresh="due"`` fetches it again.

    Pass one to :class:`knock_data.KnockClient` as ``refresh_policy=``. Each copy is judged
    by what it showed when it was fetched: its lead's state then
    (:func:`knock_data.lifecycle_state`, the one definition of closed and dormant) and how
    long the lead had gone without a change. An active lead's copy is due after ``active``;
    a dormant or closed one after ``quiet_fraction`` of that quiet time, at least
    ``active`` and at most its state's interval (``dormant``, ``closed``). A lead created
    less than ``recent`` before ``now`` counts as active whatever its state, and an id never
    fetched is always due.

    The defaults were tuned on twelve weekly refreshes of 20,000 sandbox prospects
    (``python -m bench refresh``): on weekly refreshes, an eighth of the quiet time fetches
    a lead that went quiet five weeks ago every week and one quiet for half a year every
    fourth week, and a longest interval of whole weeks falls on a refresh exactly.

    Parameters
    ----------
    active
        Interval for active leads (neither closed nor dormant when fetched, or created
        recently), and the shortest interval of all.
    dormant
        The longest interval for dormant leads (no change for ``dormant_after`` when
        fetched).
    closed
        The longest interval for closed leads (leased, lost, deleted or not a prospect).
    recent
        Leads created less than this long ago are refreshed as active ones.
    dormant_after
        How long without a change makes a lead dormant (default
        :data:`knock_data.DORMANT_AFTER`, the one definition's 30 days).
    quiet_fraction
        The share of a dormant or closed lead's quiet time (from its last change to its
        fetch) that its copy stays fresh; ``None`` gives every dormant copy ``dormant`` and
        every closed one ``closed``, however long the lead had been quiet.

    The intervals take a :class:`~datetime.timedelta` or a number of days.

    Raises
    ------
    WrongArgumentType
        An interval is neither a timedelta nor a number, or ``quiet_fraction`` is not a
        number or ``None``.
    ConfigurationError
        An interval is not a positive duration, or ``quiet_fraction`` not a positive
        number.

    Examples
    --------
    >>> import pandas as pd
    >>> policy = RefreshPolicy()
    >>> def utc(*days):
    ...     return pd.to_datetime(list(days), utc=True)
    >>> copies = pd.DataFrame({
    ...     "status": ["open", "open", "open", "lost", "new"],
    ...     "is_deleted": [False, False, False, False, False],
    ...     "not_prospect": [False, False, False, False, False],
    ...     "created_at": utc("2021-10-20", "2021-08-01", "2021-03-01", "2021-05-01", None),
    ...     "updated_at": utc("2021-10-30", "2021-08-02", "2021-03-02", "2021-06-01", None),
    ...     "fetched_at": utc("2021-11-01", "2021-09-13", "2021-10-12", "2021-10-19", None),
    ... })
    >>> policy.intervals(copies, now="2021-11-02").dt.days.tolist()
    [1, 5, 28, 17, 1]
    >>> policy.due(copies, now="2021-11-02").tolist()   # active, dormant twice, closed, never
    [True, True, False, False, True]
    """

    active: timedelta
    dormant: timedelta
    closed: timedelta
    recent: timedelta
    dormant_after: timedelta
    quiet_fraction: float | None

    def __init__(
        self,
        *,
        active: timedelta | float = timedelta(days=1),
        dormant: timedelta | float = timedelta(days=28),
        closed: timedelta | float = timedelta(days=28),
        recent: timedelta | float = timedelta(days=14),
        dormant_after: timedelta | float = DORMANT_AFTER,
        quiet_fraction: float | None = 0.125,
    ) -> None:
        given = {
            "active": active,
            "dormant": dormant,
            "closed": closed,
            "recent": recent,
            "dormant_after": dormant_after,
        }
        for field in fields(self):
            if field.name in _INTERVALS:
                object.__setattr__(self, field.name, _duration(given[field.name], field.name))
        object.__setattr__(self, "quiet_fraction", _fraction(quiet_fraction))

    @property
    def longest(self) -> timedelta:
        """The longest interval: every copy is fetched again at least this often."""
        return max(self.active, self.dormant, self.closed)

    def intervals(self, copies: pd.DataFrame, *, now: object = None) -> pd.Series:
        """Each copy's interval, by what it showed when it was fetched.

        Parameters
        ----------
        copies
            A prospect frame (:func:`knock_data.to_frame`'s ``status``, ``is_deleted``,
            ``not_prospect``, ``created_at`` and ``updated_at`` are read) with a
            ``fetched_at`` column (tz-aware, the server's clock, as the cache records it;
            missing for an id never fetched, which gets ``active``).
        now
            The moment to judge at, for leads created recently (default: this machine's
            clock; a simulation passes the sandbox's ``server.now``).

        Returns
        -------
        pandas.Series
            ``timedelta64`` on the frame's index, named ``refresh_after``.
        """
        moment = pd.Timestamp(_now(now))
        fetched = utc_column(copies, FETCHED_AT, "RefreshPolicy")
        state = lifecycle_state(copies, now=fetched, dormant_after=self.dormant_after)
        codes = state.cat.codes.to_numpy()
        by_state = np.array(
            [pd.Timedelta(self.active), pd.Timedelta(self.dormant), pd.Timedelta(self.closed)],
            dtype="timedelta64[us]",
        )
        chosen = by_state[codes]
        if self.quiet_fraction is not None:
            quiet = (fetched - last_change(copies, "RefreshPolicy")).to_numpy("timedelta64[us]")
            scaled = (quiet * self.quiet_fraction).astype("timedelta64[us]")
            scaled = np.maximum(scaled, by_state[0])  # never more often than active leads
            known = (codes > 0) & ~np.isnat(scaled)
            chosen[known] = np.minimum(scaled[known], chosen[known])
        created = utc_column(copies, CREATED_AT, "RefreshPolicy")
        recent = (moment - created < pd.Timedelta(self.recent)).to_numpy(dtype=bool)
        chosen[recent] = by_state[0]
        return pd.Series(chosen, index=copies.index, name="refresh_after")

    def due(self, copies: pd.DataFrame, *, now: object = None) -> pd.Series:
        """Whether each copy is due: never fetched, or at least its interval old at ``now``.

        Parameters
        ----------
        copies
            As for :meth:`intervals`.
        now
            The moment to judge the copies' age at (default: this machine's clock; a
            simulation passes the sandbox's ``server.now``).

        Returns
        -------
        pandas.Series
            Booleans on the frame's index, named ``due``.
        """
        moment = pd.Timestamp(_now(now))
        fetched = utc_column(copies, FETCHED_AT, "RefreshPolicy.due")
        age = moment - fetched
        due = (age >= self.intervals(copies, now=moment)).to_numpy(dtype=bool)
        due = due | fetched.isna().to_numpy(dtype=bool)
        return pd.Series(due, index=copies.index, name="due")


def _duration(value: Any, name: str) -> timedelta:
    if isinstance(value, bool) or not isinstance(value, timedelta | int | float):
        raise WrongArgumentType(
            f"RefreshPolicy {name}= must be a timedelta or a number of days, got "
            f"{type(value).__name__} {value!r:.40}.",
            hint=f"For example RefreshPolicy({name}=timedelta(days=7)) or {name}=7.",
        )
    duration: timedelta | None = None
    if isinstance(value, timedelta):
        duration = value
    elif np.isfinite(value):
        duration = timedelta(days=value)
    if duration is None or duration <= timedelta(0):
        raise ConfigurationError(
            f"RefreshPolicy {name}= must be a positive timedelta or number of days, got {value!r}.",
            hint=f"For example RefreshPolicy({name}=timedelta(days=7)) or {name}=7.",
        )
    return duration


def _fraction(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise WrongArgumentType(
            f"RefreshPolicy quiet_fraction= must be a number or None, got "
            f"{type(value).__name__} {value!r:.40}.",
            hint="For example RefreshPolicy(quiet_fraction=0.25), or None for fixed intervals.",
        )
    if not (math.isfinite(value) and value > 0):
        raise ConfigurationError(
            f"RefreshPolicy quiet_fraction= must be a positive number, got {value!r}.",
            hint="For example RefreshPolicy(quiet_fraction=0.25), or None for fixed intervals.",
        )
    return float(value)


def _now(now: object) -> Any:
    return pd.Timestamp.now(tz="UTC") if now is None else parse_moment(now, "now")
