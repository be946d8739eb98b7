"""Smart refresh: which cached copies are worth fetching again, by where each lead stands.

Knock has no "changed since", so the only way to see a change is to fetch the prospect
again; a portfolio of 500,000 prospects at a few requests a second takes days to refresh in
full, and most of it is closed leads that will not move. :class:`RefreshPolicy` decides, per
cached copy, how old it may get before it is fetched again, by the one definition of closed
and dormant in the analysis layer (:func:`knock_data.lifecycle_state`). It only decides:
:meth:`knock_data.KnockClient.fetch_prospects` with ``refresh="due"`` acts on it.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import timedelta
from typing import Any

import numpy as np
import pandas as pd

from knock_data._analysis.lifecycle import DORMANT_AFTER, lifecycle_state
from knock_data._analysis.periods import utc_column
from knock_data._exceptions import ConfigurationError, WrongArgumentType
from knock_data._history.moments import parse_moment
from knock_data._schema import CREATED_AT

__all__ = ["FETCHED_AT", "RefreshPolicy"]

#: The column of a copies frame that says when each copy was fetched (tz-aware, the
#: server's clock); missing for an id never fetched.
FETCHED_AT = "fetched_at"


@dataclass(frozen=True, init=False)
class RefreshPolicy:
    """How old a cached copy may get before ``refresh="due"`` fetches it again.

    Pass one to :class:`knock_data.KnockClient` as ``refresh_policy=``. Each copy is judged
    by the lead's state at ``now`` (:func:`knock_data.lifecycle_state`, the one definition
    of closed and dormant), and is due once it is at least that state's interval old; a
    lead created less than ``recent`` ago counts as active whatever its state, and an id
    never fetched is always due.

    The defaults were tuned on twelve weekly refreshes of 20,000 sandbox prospects
    (``python -m bench refresh``): a lead counts as dormant for refreshing only after 60
    days without a change, twice the analysis threshold, because leads quiet for 30 to 60
    days still make a good share of the changes, and a dormant copy is fetched every three
    weeks, a closed one every four. With weekly refreshes, intervals that are whole weeks
    fall on a refresh exactly.

    Parameters
    ----------
    active
        Interval for active leads (neither closed nor dormant, or created recently).
    dormant
        Interval for dormant leads (nothing changed for ``dormant_after``).
    closed
        Interval for closed leads (leased, lost, deleted or not a prospect).
    recent
        Leads created less than this long ago are refreshed as active ones.
    dormant_after
        How long without a change makes a lead dormant, here (60 days, twice
        :data:`knock_data.DORMANT_AFTER`, by default).

    Each takes a :class:`~datetime.timedelta` or a number of days.

    Raises
    ------
    WrongArgumentType
        An interval is neither a timedelta nor a number.
    ConfigurationError
        An interval is not a positive duration.

    Examples
    --------
    >>> import pandas as pd
    >>> policy = RefreshPolicy()
    >>> def utc(*days):
    ...     return pd.to_datetime(list(days), utc=True)
    >>> copies = pd.DataFrame({
    ...     "status": ["open", "open", "lost", "new"],
    ...     "is_deleted": [False, False, False, False],
    ...     "not_prospect": [False, False, False, False],
    ...     "created_at": utc("2021-10-20", "2021-06-01", "2021-05-01", None),
    ...     "updated_at": utc("2021-10-30", "2021-06-02", "2021-06-01", None),
    ...     "fetched_at": utc("2021-11-01", "2021-10-25", "2021-10-25", None),
    ... })
    >>> policy.due(copies, now="2021-11-02").tolist()     # active, dormant, closed, never
    [True, False, False, True]
    >>> policy.intervals(copies, now="2021-11-02").dt.days.tolist()
    [1, 21, 28, 1]
    """

    active: timedelta
    dormant: timedelta
    closed: timedelta
    recent: timedelta
    dormant_after: timedelta

    def __init__(
        self,
        *,
        active: timedelta | float = timedelta(days=1),
        dormant: timedelta | float = timedelta(days=21),
        closed: timedelta | float = timedelta(days=28),
        recent: timedelta | float = timedelta(days=14),
        dormant_after: timedelta | float = 2 * DORMANT_AFTER,
    ) -> None:
        given = {
            "active": active,
            "dormant": dormant,
            "closed": closed,
            "recent": recent,
            "dormant_after": dormant_after,
        }
        for field in fields(self):
            object.__setattr__(self, field.name, _duration(given[field.name], field.name))

    @property
    def longest(self) -> timedelta:
        """The longest interval: every copy is fetched again at least this often."""
        return max(self.active, self.dormant, self.closed)

    def intervals(self, copies: pd.DataFrame, *, now: object = None) -> pd.Series:
        """Each copy's interval, by its lead's state at ``now``.

        Parameters
        ----------
        copies
            A prospect frame (:func:`knock_data.to_frame`'s ``status``, ``is_deleted``,
            ``not_prospect``, ``created_at`` and ``updated_at`` are read).
        now
            The moment to judge at (default: this machine's clock; a simulation passes the
            sandbox's ``server.now``).

        Returns
        -------
        pandas.Series
            ``timedelta64`` on the frame's index, named ``refresh_after``.
        """
        moment = pd.Timestamp(_now(now))
        state = lifecycle_state(copies, now=moment, dormant_after=self.dormant_after)
        codes = state.cat.codes.to_numpy()
        by_state = np.array(
            [pd.Timedelta(self.active), pd.Timedelta(self.dormant), pd.Timedelta(self.closed)],
            dtype="timedelta64[us]",
        )
        chosen = by_state[codes]
        created = utc_column(copies, CREATED_AT, "RefreshPolicy")
        recent = (moment - created < pd.Timedelta(self.recent)).to_numpy(dtype=bool)
        chosen[recent] = by_state[0]
        return pd.Series(chosen, index=copies.index, name="refresh_after")

    def due(self, copies: pd.DataFrame, *, now: object = None) -> pd.Series:
        """Whether each copy is due: never fetched, or at least its interval old at ``now``.

        Parameters
        ----------
        copies
            A prospect frame with a ``fetched_at`` column (tz-aware, the server's clock, as
            the cache records it; missing for an id never fetched).
        now
            As for :meth:`intervals`.

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


def _now(now: object) -> Any:
    return pd.Timestamp.now(tz="UTC") if now is None else parse_moment(now, "now")
