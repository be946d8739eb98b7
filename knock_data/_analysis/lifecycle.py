"""Where a lead stands in its life: closed, dormant or active.

One definition, used everywhere a lead's activity matters: the sandbox's lifecycles, the
refresh policy (how often a cached copy is worth fetching again) and the movement analyses
(which leads are still open, how long they have been untouched).

- **Closed**: the status is one of :data:`CLOSED_STATUSES` (Applied (Leased), Applied
  (Lost), Lost), or the record is deleted (``isDeleted``) or marked not a prospect
  (``notProspect``). Closed leads rarely change again, though a lost lead may come back.
- **Dormant**: not closed, and nothing on the record changed for :data:`DORMANT_AFTER`
  (30 days) or more: ``updatedAt`` (or ``createdAt`` when ``updatedAt`` is missing) lies at
  least that long before ``now``.
- **Active**: neither.

Every function takes either a whole prospect frame (:func:`knock_data.to_frame`'s columns),
and answers for each row at once, or one record: a Get Prospect JSON object
(``isDeleted``, ``updatedAt``) or a frame row as a dict (``is_deleted``, ``updated_at``).
Statuses match however they are spelt (see ``normalize_status``); a missing status, flag or
timestamp never makes a lead closed or dormant: without it nobody can tell, and treating
such a lead as active is the cautious answer (it gets looked at again soon).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any, overload

import numpy as np
import pandas as pd

from knock_data._analysis._codes import require_column
from knock_data._analysis.periods import utc_column
from knock_data._analysis.statuses import KNOCK_STATUS_LABELS, normalize_status
from knock_data._exceptions import ConfigurationError, WrongArgumentType

__all__ = [
    "CLOSED_STATUSES",
    "DORMANT_AFTER",
    "LIFECYCLE_STATES",
    "is_closed",
    "is_dormant",
    "last_change",
    "lifecycle_state",
]

#: Statuses that close a lead, as Knock's keys (see ``normalize_status``): a signed lease,
#: a lost application and a lead dropped from follow-up.
CLOSED_STATUSES: tuple[str, ...] = ("applied_leased", "applied_lost", "lost")

#: A lead that is not closed and has not changed for this long is dormant.
DORMANT_AFTER: timedelta = timedelta(days=30)

#: What :func:`lifecycle_state` answers, from the most to the least likely to change.
LIFECYCLE_STATES: tuple[str, ...] = ("active", "dormant", "closed")

_FLAGS = (("is_deleted", "isDeleted"), ("not_prospect", "notProspect"))
_STATUS = ("status", "status")
_UPDATED = ("updated_at", "updatedAt")
_CREATED = ("created_at", "createdAt")


@overload
def is_closed(data: pd.DataFrame) -> pd.Series: ...
@overload
def is_closed(data: Mapping[str, Any]) -> bool: ...
def is_closed(data: pd.DataFrame | Mapping[str, Any]) -> pd.Series | bool:
    """Whether each lead is closed: leased, lost, deleted or not a prospect.

    Parameters
    ----------
    data
        A prospect frame (columns ``status``, ``is_deleted``, ``not_prospect``), or one
        record: a Get Prospect JSON object or a frame row as a dict.

    Returns
    -------
    pandas.Series or bool
        For a frame, a boolean Series on the frame's index (named ``closed``); for a
        record, a bool.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({
    ...     "status": ["open", "Applied (Leased)", "lost", "visited"],
    ...     "is_deleted": [False, False, False, True],
    ...     "not_prospect": [False, False, False, None],
    ... })
    >>> is_closed(frame).tolist()
    [False, True, True, True]
    >>> is_closed({"status": "booked", "isDeleted": False, "notProspect": False})
    False
    """
    if isinstance(data, pd.DataFrame):
        return pd.Series(_closed_rows(data, "is_closed"), index=data.index, name="closed")
    return _record_closed(_record(data, "is_closed"))


@overload
def is_dormant(
    data: pd.DataFrame, *, now: object = None, dormant_after: object = DORMANT_AFTER
) -> pd.Series: ...
@overload
def is_dormant(
    data: Mapping[str, Any], *, now: object = None, dormant_after: object = DORMANT_AFTER
) -> bool: ...
def is_dormant(
    data: pd.DataFrame | Mapping[str, Any],
    *,
    now: object = None,
    dormant_after: object = DORMANT_AFTER,
) -> pd.Series | bool:
    """Whether each lead is dormant: not closed, and unchanged for ``dormant_after`` or more.

    Parameters
    ----------
    data
        A prospect frame (columns ``status``, ``is_deleted``, ``not_prospect``,
        ``updated_at``, ``created_at``), or one record (a Get Prospect JSON object or a
        frame row as a dict).
    now
        The moment to judge at: a tz-aware datetime, a ``pandas.Timestamp`` or ISO-8601
        text (naive values are UTC). Default: this machine's clock. A simulation passes the
        sandbox's ``server.now``. For a frame, also one moment per row: a Series on the
        frame's index, such as when each row was observed (a missing moment: not dormant).
    dormant_after
        How long without a change makes a lead dormant: a ``timedelta`` or a number of
        days. Default :data:`DORMANT_AFTER` (30 days).

    Returns
    -------
    pandas.Series or bool
        For a frame, a boolean Series on the frame's index (named ``dormant``); for a
        record, a bool. The last change is ``updated_at``, or ``created_at`` where
        ``updated_at`` is missing; a lead with neither is not dormant.

    Examples
    --------
    >>> record = {"status": "open", "isDeleted": False, "notProspect": False,
    ...           "createdAt": "2021-09-01T15:00:00+00:00",
    ...           "updatedAt": "2021-09-02T10:00:00+00:00"}
    >>> is_dormant(record, now="2021-10-02T09:59:59Z"), is_dormant(record, now="2021-10-02T10:00Z")
    (False, True)
    >>> is_dormant(record, now="2021-09-20", dormant_after=14)
    True
    """
    quiet_for = _duration(dormant_after)
    if isinstance(data, pd.DataFrame):
        moment = _frame_moment(data, now, "is_dormant")
        return pd.Series(
            _dormant_rows(data, moment, quiet_for, "is_dormant"), index=data.index, name="dormant"
        )
    at = _moment(now, "now")
    record = _record(data, "is_dormant")
    return not _record_closed(record) and _record_quiet(record, at, quiet_for)


@overload
def lifecycle_state(
    data: pd.DataFrame, *, now: object = None, dormant_after: object = DORMANT_AFTER
) -> pd.Series: ...
@overload
def lifecycle_state(
    data: Mapping[str, Any], *, now: object = None, dormant_after: object = DORMANT_AFTER
) -> str: ...
def lifecycle_state(
    data: pd.DataFrame | Mapping[str, Any],
    *,
    now: object = None,
    dormant_after: object = DORMANT_AFTER,
) -> pd.Series | str:
    """Each lead's state: ``"active"``, ``"dormant"`` or ``"closed"``.

    Closed wins over dormant: a lease signed a year ago is closed, not dormant. The options
    are those of :func:`is_dormant`.

    Returns
    -------
    pandas.Series or str
        For a frame, a categorical Series on the frame's index (named ``lifecycle_state``,
        categories :data:`LIFECYCLE_STATES` in that order, so ``value_counts`` lists all
        three); for a record, one of those strings.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({
    ...     "status": ["new", "open", "applied_leased"],
    ...     "is_deleted": [False, False, False],
    ...     "not_prospect": [False, False, False],
    ...     "created_at": pd.to_datetime(["2021-10-30", "2021-08-01", "2021-05-01"], utc=True),
    ...     "updated_at": pd.to_datetime(["2021-10-30", "2021-08-02", "2021-06-01"], utc=True),
    ... })
    >>> lifecycle_state(frame, now="2021-11-02").tolist()
    ['active', 'dormant', 'closed']
    >>> lifecycle_state(frame, now="2021-11-02").value_counts().to_dict()
    {'active': 1, 'dormant': 1, 'closed': 1}
    >>> lifecycle_state({"status": "lost"})
    'closed'

    Each row at its own moment, such as when each copy was fetched:

    >>> seen = pd.Series(pd.to_datetime(["2021-11-02", "2021-08-20", "2021-06-01"], utc=True))
    >>> lifecycle_state(frame, now=seen).tolist()
    ['active', 'active', 'closed']
    """
    quiet_for = _duration(dormant_after)
    if isinstance(data, pd.DataFrame):
        what = "lifecycle_state"
        moment = _frame_moment(data, now, what)
        closed = _closed_rows(data, what)
        dormant = _dormant_rows(data, moment, quiet_for, what, closed=closed)
        codes = np.where(closed, 2, np.where(dormant, 1, 0)).astype(np.int8)
        states = pd.Categorical.from_codes(codes, categories=pd.Index(LIFECYCLE_STATES))
        return pd.Series(states, index=data.index, name="lifecycle_state")
    at = _moment(now, "now")
    record = _record(data, "lifecycle_state")
    if _record_closed(record):
        return "closed"
    return "dormant" if _record_quiet(record, at, quiet_for) else "active"


# -- frames ---------------------------------------------------------------------------------


def _closed_rows(frame: pd.DataFrame, what: str) -> np.ndarray:
    # One normalisation per distinct status, then a lookup per row: fast on a million rows.
    codes, uniques = pd.factorize(require_column(frame, "status", what))
    closed_value = np.array(
        [normalize_status(value) in CLOSED_STATUSES for value in uniques] + [False], dtype=bool
    )
    closed = closed_value[np.asarray(codes)]  # code -1 (missing) picks the final False
    for name, _ in _FLAGS:
        flag = require_column(frame, name, what)
        try:
            closed |= flag.astype("boolean").fillna(False).to_numpy(dtype=bool)
        except (TypeError, ValueError) as exc:
            raise ConfigurationError(
                f"{what}: {name} holds values that are not true or false ({exc}).",
                hint="Build the frame with knock_data.to_frame(records).",
            ) from exc
    return closed


def last_change(frame: pd.DataFrame, what: str) -> pd.Series:
    """When each lead last changed, as this definition reads it: ``updated_at``, or
    ``created_at`` where it is missing (``NaT`` with neither); tz-aware UTC."""
    updated = utc_column(frame, "updated_at", what)
    return updated.fillna(utc_column(frame, "created_at", what))


def _frame_moment(frame: pd.DataFrame, now: object, what: str) -> pd.Timestamp | pd.Series:
    """``now`` for a frame: one moment, or one per row (a Series on the frame's index)."""
    if not isinstance(now, pd.Series):
        return pd.Timestamp(_moment(now, "now"))
    if not now.index.equals(frame.index):
        raise ConfigurationError(
            f"{what}: now= is a Series whose index is not the frame's (one moment per row).",
            hint="Pass a column of the frame itself, such as now=frame['observed_at'].",
        )
    return utc_column(now.to_frame("now"), "now", what)


def _dormant_rows(
    frame: pd.DataFrame,
    now: pd.Timestamp | pd.Series,
    quiet_for: timedelta,
    what: str,
    *,
    closed: np.ndarray | None = None,
) -> np.ndarray:
    if closed is None:
        closed = _closed_rows(frame, what)
    quiet = (now - last_change(frame, what)) >= pd.Timedelta(quiet_for)  # NaT: not dormant
    return ~closed & quiet.to_numpy(dtype=bool)


# -- one record -----------------------------------------------------------------------------


def _record(data: object, what: str) -> Mapping[str, Any]:
    if isinstance(data, Mapping):
        return data
    raise WrongArgumentType(
        f"{what} needs a DataFrame or one record (a dict), got {type(data).__name__}.",
        hint="Pass a prospect frame, a Get Prospect record, or one frame row as row.to_dict().",
    )


def _field(record: Mapping[str, Any], names: tuple[str, str]) -> Any:
    """A field under its frame name or its API name; a missing one is ``None``."""
    value = record.get(names[0])
    if value is None:
        value = record.get(names[1])
    if value is pd.NA or value is pd.NaT or (isinstance(value, float) and np.isnan(value)):
        return None
    return value


def _record_closed(record: Mapping[str, Any]) -> bool:
    status = _field(record, _STATUS)
    # Knock's own spellings skip the normaliser: the sandbox asks this of every prospect.
    key = status if status in KNOCK_STATUS_LABELS else normalize_status(status)
    return key in CLOSED_STATUSES or _flagged(record)


def _record_quiet(record: Mapping[str, Any], now: datetime, quiet_for: timedelta) -> bool:
    last = _record_last_change(record)
    return last is not None and now - last >= quiet_for


def _flagged(record: Mapping[str, Any]) -> bool:
    """Deleted or not a prospect (JSON ``true``, or a frame row's ``True``)."""
    for names in _FLAGS:
        value = _field(record, names)
        if isinstance(value, bool | np.bool_) and value:
            return True
    return False


def _record_last_change(record: Mapping[str, Any]) -> datetime | None:
    for names in (_UPDATED, _CREATED):
        value = _field(record, names)
        if value is not None:
            return _moment(value, names[1])
    return None


# -- moments and durations --------------------------------------------------------------------


def _moment(value: object, name: str) -> datetime:
    """A moment as an aware UTC datetime; ``None`` is this machine's clock, naive is UTC.

    Text goes through :meth:`datetime.fromisoformat` first (a few hundred nanoseconds, which
    matters when the sandbox asks about each of its prospects) and pandas' parser after.
    """
    if value is None:
        return datetime.now(UTC)
    moment: datetime | None
    if isinstance(value, datetime):  # pandas.Timestamp too
        moment = value
    elif isinstance(value, str | date | np.datetime64):
        try:
            moment = datetime.fromisoformat(value) if isinstance(value, str) else None
        except ValueError:
            moment = None
        if moment is None:
            moment = _parse_with_pandas(value, name)
        if moment is pd.NaT:
            raise ConfigurationError(f"{name} is missing (NaT).", hint="Pass a real moment.")
    else:
        raise ConfigurationError(
            f"{name} must be a datetime or ISO-8601 text, got {type(value).__name__}.",
            hint="For example now='2021-11-02T00:00Z' or now=server.now.",
        )
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _parse_with_pandas(value: object, name: str) -> datetime:
    try:
        return pd.Timestamp(value)  # type: ignore[arg-type]
    except (ValueError, TypeError) as exc:
        raise ConfigurationError(
            f"{name} is not a moment: {value!r} ({exc}).",
            hint="Use ISO-8601, such as '2021-11-02T00:00Z', or a tz-aware datetime.",
        ) from exc


def _duration(value: object) -> timedelta:
    duration: timedelta | None = None
    if isinstance(value, timedelta):
        duration = value
    elif isinstance(value, int | float) and not isinstance(value, bool):
        try:
            duration = timedelta(days=value)
        except (ValueError, OverflowError):  # nan, inf
            duration = None
    if duration is None or not duration > timedelta(0):
        raise ConfigurationError(
            f"dormant_after must be a positive timedelta or number of days, got {value!r}.",
            hint="For example dormant_after=30 or dormant_after=timedelta(days=30).",
        )
    return duration
