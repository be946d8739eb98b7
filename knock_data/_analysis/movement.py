"""How leads move, from the history's versions: stage dates, transitions and the waterfall.

Snapshots see a prospect only when it is fetched, so every answer here is about what the
snapshots showed: a change happened somewhere between the last observation before it and
the first one after it, an interval as wide as the refresh cadence. Each function says in
its result which prospects it could not confirm.

- :func:`stage_dates`: per prospect, when it first reached each stage (an interval), with
  its creation time, grouping columns and current stage: HubSpot's "date entered".
- :func:`transitions`: where each prospect stood at two moments, as a from x to matrix.
- :func:`waterfall`: open leads at the start, what came in and went out, open at the end.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from knock_data._analysis.lifecycle import is_closed
from knock_data._analysis.statuses import StageMap, knock_order, normalize_status, stage_map
from knock_data._analysis.versions import (
    Versions,
    as_moment,
    read_versions,
    utc_series,
    utc_stamp,
)
from knock_data._exceptions import ConfigurationError
from knock_data._schema import (
    AGENT_USERNAME,
    COMMUNITY_ID,
    CREATED_AT,
    FIRST_CONTACT_TYPE,
    IS_DELETED,
    NOT_PROSPECT,
    PROSPECT_ID,
    SOURCE_TITLE,
    STATUS,
)

__all__ = [
    "CREATED_LABEL",
    "GONE_LABEL",
    "GROUPING_COLUMNS",
    "NOT_SEEN_LABEL",
    "WATERFALL_STEPS",
    "stage_dates",
    "transitions",
    "waterfall",
]

#: The columns :func:`stage_dates` carries for grouping, from each prospect's latest version.
GROUPING_COLUMNS: tuple[str, ...] = (SOURCE_TITLE, COMMUNITY_ID, AGENT_USERNAME, FIRST_CONTACT_TYPE)

#: The row of :func:`transitions` for leads created between the two moments.
CREATED_LABEL = "(created)"
#: The row and column of :func:`transitions` for prospects Knock stopped returning.
GONE_LABEL = "(gone)"
#: The row of :func:`transitions` for prospects that existed at the start but that the
#: history first saw later (their id was added to the list afterwards).
NOT_SEEN_LABEL = "(not seen)"
#: The label of a status that is missing (not gone: the record came back without one).
NO_STATUS_LABEL = "(no status)"

#: The steps of :func:`waterfall`, in order, with their kind.
WATERFALL_STEPS: tuple[tuple[str, str], ...] = (
    ("open at start", "start"),
    ("new leads", "in"),
    ("first seen", "in"),
    ("reopened", "in"),
    ("leased", "out"),
    ("lost", "out"),
    ("deleted or not a prospect", "out"),
    ("gone", "out"),
    ("open at end", "end"),
)

_CURRENT_COLUMNS = (*GROUPING_COLUMNS, STATUS, IS_DELETED, NOT_PROSPECT)
_NAT = np.datetime64("NaT", "us")
_SNAPSHOT_NOTE = (
    "Only what the snapshots show: each prospect stands where its latest observation at or "
    "before the moment put it. unconfirmed_start/unconfirmed_end count prospects that no "
    "observation at or after that moment confirmed (their state may have changed unseen)."
)


def stage_dates(versions: pd.DataFrame, stages: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """When each prospect first reached each funnel stage, as an interval.

    A prospect reaches a stage when it is first seen at that stage **or a later one** (a
    prospect first observed as Visited has toured by then, as :func:`knock_data.funnel`
    counts it). Snapshots do not see the moment itself: the change happened after the last
    observation that showed an earlier stage and at or before the first one showing this
    stage or later. HubSpot calls this a stage's "date entered".

    Parameters
    ----------
    versions
        The history's versions frame (``history.versions()``): the prospect columns plus
        ``valid_from``, ``changed_after``, ``last_observed_at`` and ``gone``.
    stages
        Your own status -> stage mapping, as :func:`knock_data.funnel` takes it; default
        :data:`knock_data.DEFAULT_STAGES`. ``lost`` and unknown statuses reach only the
        first stage.

    Returns
    -------
    pandas.DataFrame
        One row per prospect, in the versions' order, with

        - ``prospect_id``, ``created_at``, ``first_observed_at`` and ``last_observed_at``
          (the history's first and last observation of it);
        - the grouping columns ``source_title``, ``community_id``, ``agent_username`` and
          ``first_contact_type``, and ``status``, ``is_deleted`` and ``not_prospect``, from
          its latest version that Knock still returned (so :func:`knock_data.filter_prospects`
          and :func:`knock_data.is_closed` work on this frame too);
        - ``stage``, the stage its status reaches now, and ``gone``, whether Knock has
          stopped returning it;
        - for each stage of the ladder, ``<stage>_after`` and ``<stage>_by``: the stage was
          reached after the first and at or before the second (``NaT`` both while it is not
          reached). When the first observation already shows the stage, ``<stage>_after``
          is ``created_at`` (reached at creation at the earliest). The first stage is
          reached at creation: both are ``created_at``.

        ``attrs["stages"]`` holds the ladder, in order.

    Raises
    ------
    knock_data.ConfigurationError
        ``versions`` lacks the history's columns, or ``stages`` is not a valid mapping.

    Examples
    --------
    >>> import pandas as pd
    >>> import knock_data as kd
    >>> t = pd.to_datetime(["2021-11-01", "2021-11-08", "2021-11-15"], utc=True)
    >>> versions = pd.DataFrame({
    ...     "prospect_id": ["1", "1"], "status": ["open", "visited"],
    ...     "created_at": pd.to_datetime(["2021-10-30"] * 2, utc=True),
    ...     "valid_from": [t[0], t[2]], "valid_to": [t[2], pd.NaT],
    ...     "changed_after": [pd.NaT, t[1]], "last_observed_at": [t[1], t[2]],
    ...     "gone": [False, False],
    ... })
    >>> dates = kd.stage_dates(versions)
    >>> print(dates.loc[0, "engaged_after"].date(), dates.loc[0, "engaged_by"].date())
    2021-10-30 2021-11-01
    >>> print(dates.loc[0, "toured_after"].date(), dates.loc[0, "toured_by"].date())
    2021-11-08 2021-11-15
    >>> dates.loc[0, "stage"], pd.isna(dates.loc[0, "applied_by"])
    ('toured', True)
    """
    what = "stage_dates"
    mapping = stage_map(stages)
    v = read_versions(versions, what)
    ranks = v.stage_ranks(stages, what)
    rows = np.arange(len(v.prospect), dtype=np.int64)
    current = _latest_returned(v, rows)
    created = v.created_at()

    data: dict[str, Any] = {
        PROSPECT_ID: v.frame[PROSPECT_ID].take(v.starts).reset_index(drop=True),
        CREATED_AT: utc_series(created),
        "first_observed_at": utc_series(v.first_seen()),
        "last_observed_at": utc_series(v.last_seen()),
    }
    for name in _CURRENT_COLUMNS:
        if name in v.frame.columns:
            data[name] = v.frame[name].take(current).reset_index(drop=True)
    data["stage"] = _stage_column(v.frame[STATUS].take(current), mapping)
    data["gone"] = pd.array(v.gone[v.lasts], dtype="boolean")
    for k, stage in enumerate(mapping.ladder):
        after, by = _stage_interval(v, ranks, k, created)
        data[f"{stage}_after"] = utc_series(after)
        data[f"{stage}_by"] = utc_series(by)
    result = pd.DataFrame(data)
    result.attrs["stages"] = mapping.ladder
    return result


def _latest_returned(v: Versions, rows: np.ndarray) -> np.ndarray:
    """Per prospect, its latest row that Knock still returned (its last row if none was)."""
    if not v.n_prospects:
        return np.empty(0, dtype=np.int64)
    latest = np.maximum.reduceat(np.where(v.gone, -1, rows), v.starts)
    return np.where(latest < 0, v.lasts, latest)


def _stage_column(statuses: pd.Series, mapping: StageMap) -> pd.Categorical:
    codes, uniques = pd.factorize(statuses, use_na_sentinel=False)
    names = np.array([mapping.stage(value) for value in uniques] + [""], dtype=object)
    return pd.Categorical(names[np.asarray(codes)], categories=list(mapping.stages))


def _stage_interval(
    v: Versions, ranks: np.ndarray, k: int, created: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """``(after, by)`` per prospect for the ladder's stage ``k``."""
    if k == 0:  # every record is a lead from its creation
        return created, np.where(np.isnat(created), v.first_seen(), created)
    first = v.first_row_where(ranks >= k)
    reached = first >= 0
    row = np.where(reached, first, 0)
    by = np.where(reached, v.valid_from[row], _NAT)
    at_first_version = row == v.starts
    # The change came after the previous version's last observation: changed_after, or
    # (should a writer leave it out) that observation itself.
    earlier = v.last_observed[np.maximum(row - 1, 0)]
    prior = np.where(np.isnat(v.changed_after[row]), earlier, v.changed_after[row])
    after = np.where(at_first_version, created, prior)
    return np.where(reached, after, _NAT), by


# -- two moments ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Moves:
    """Each prospect the history knew by ``end``: its rows in force at both moments."""

    v: Versions
    start: np.datetime64
    end: np.datetime64
    keep: np.ndarray  # prospects counted
    row_start: np.ndarray  # -1: not seen yet at start
    row_end: np.ndarray
    created_after_start: np.ndarray
    gone_start: np.ndarray
    gone_end: np.ndarray
    unseen_at_end: int  # created by end but first observed after it (left out)

    def attrs(self, level: str | None = None) -> dict[str, Any]:
        v, keep = self.v, self.keep
        s, e = self.row_start[keep], self.row_end[keep]
        unconfirmed_start = int(np.sum((s >= 0) & (v.last_observed[np.maximum(s, 0)] < self.start)))
        unconfirmed_end = int(np.sum(v.last_observed[e] < self.end))
        attrs: dict[str, Any] = {"start": utc_stamp(self.start), "end": utc_stamp(self.end)}
        if level is not None:
            attrs["level"] = level
        attrs.update(
            prospects=int(keep.sum()),
            unconfirmed_start=unconfirmed_start,
            unconfirmed_end=unconfirmed_end,
            unseen_at_end=self.unseen_at_end,
            note=_SNAPSHOT_NOTE,
        )
        return attrs


def _moves(versions: pd.DataFrame, start: object, end: object, what: str) -> _Moves:
    t0, t1 = as_moment(start, "start"), as_moment(end, "end")
    if t0 > t1:
        raise ConfigurationError(
            f"{what}: start ({utc_stamp(t0)}) is after end ({utc_stamp(t1)}).",
            hint="Pass the earlier moment first.",
        )
    v = read_versions(versions, what)
    row_start, row_end = v.in_force(t0), v.in_force(t1)
    created = v.created_at()
    known = row_end >= 0
    gone_start = (row_start >= 0) & v.gone[np.maximum(row_start, 0)]
    gone_end = known & v.gone[np.maximum(row_end, 0)]
    unseen = ~known & ~(created > t1)  # NaT compares False: an undated unseen one counts
    return _Moves(
        v=v,
        start=t0,
        end=t1,
        keep=known & ~(gone_start & gone_end),
        row_start=row_start,
        row_end=row_end,
        created_after_start=created > t0,
        gone_start=gone_start,
        gone_end=gone_end,
        unseen_at_end=int(unseen.sum()),
    )


def transitions(
    versions: pd.DataFrame,
    start: object,
    end: object,
    *,
    level: str = "stage",
    stages: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """Where each prospect stood at ``start`` and at ``end``: a from x to count matrix.

    Each prospect stands where its latest observation at or before the moment put it (the
    history's ``as of``). Leads created between the two moments come from the row
    ``"(created)"``; prospects Knock stopped returning go to the column ``"(gone)"``;
    prospects that existed at ``start`` but that the history first saw later come from
    ``"(not seen)"``. These labels are in parentheses so they never mix with a stage or a
    status (``new`` is a status). Prospects gone at both moments, and those the history
    had not seen by ``end``, are left out.

    Parameters
    ----------
    versions
        The history's versions frame (``history.versions()``).
    start, end
        The two moments: tz-aware datetimes, ``Timestamp``s or ISO-8601 text (naive is
        UTC). A snapshot's moment gives exactly what that snapshot saw.
    level
        ``"stage"`` (the funnel stages of ``stages``) or ``"status"`` (Knock's statuses,
        spelt as :func:`knock_data.normalize_status` spells them).
    stages
        Your own status -> stage mapping for ``level="stage"``.

    Returns
    -------
    pandas.DataFrame
        Counts of prospects, the index labelled ``from`` and the columns ``to``: stages in
        funnel order (``lost``, then ``other`` only when a prospect is there), or statuses
        in Knock's order; ``(not seen)`` when any, ``(created)`` and ``(gone)`` last. The
        diagonal counts prospects that did not move. ``attrs`` holds ``start``, ``end``,
        ``level``, ``prospects`` (counted), ``unconfirmed_start`` and ``unconfirmed_end``
        (prospects whose state at that moment no later observation confirmed: they were not
        fetched at or after it), ``unseen_at_end`` (created by ``end`` but first observed
        after it, left out) and a ``note`` saying all this.

    Examples
    --------
    >>> import pandas as pd
    >>> import knock_data as kd
    >>> t = pd.to_datetime(["2021-11-01", "2021-11-08"], utc=True)
    >>> versions = pd.DataFrame({
    ...     "prospect_id": ["1", "1", "2"], "status": ["new", "booked", "new"],
    ...     "created_at": pd.to_datetime(["2021-10-30", "2021-10-30", "2021-11-03"], utc=True),
    ...     "valid_from": [t[0], t[1], t[1]], "valid_to": [t[1], pd.NaT, pd.NaT],
    ...     "changed_after": [pd.NaT, t[0], pd.NaT], "last_observed_at": [t[0], t[1], t[1]],
    ...     "gone": [False, False, False],
    ... })
    >>> kd.transitions(versions, t[0], t[1], level="status")
    to         new  booked  (gone)
    from
    new          0       1       0
    booked       0       0       0
    (created)    1       0       0
    """
    what = "transitions"
    if level not in ("stage", "status"):
        raise ConfigurationError(
            f"{what}: unknown level={level!r}.", hint="Choose 'stage' or 'status'."
        )
    moves = _moves(versions, start, end, what)
    v, keep = moves.v, moves.keep
    labels, state = _state_labels(v.frame[STATUS], level, stage_map(stages))
    s, e = moves.row_start[keep], moves.row_end[keep]
    start_state = state[np.maximum(s, 0)]
    end_state = state[e]
    # Special rows and columns get negative codes until the states are ordered.
    created, not_seen, gone = -1, -2, -3
    start_state = np.where(
        s < 0,
        np.where(moves.created_after_start[keep], created, not_seen),
        np.where(moves.gone_start[keep], gone, start_state),
    )
    end_state = np.where(moves.gone_end[keep], gone, end_state)

    seen = np.union1d(start_state[start_state >= 0], end_state[end_state >= 0])
    if level == "stage":
        shown = [i for i, name in enumerate(labels) if name != "other" or i in seen]
    else:
        shown = sorted(seen.tolist(), key=lambda i: (knock_order(labels[i]), labels[i]))
    rows_order = [*shown, *([not_seen] if (start_state == not_seen).any() else [])]
    rows_order += [created, *([gone] if (start_state == gone).any() else [])]
    cols_order = [*shown, gone]
    special = {created: CREATED_LABEL, not_seen: NOT_SEEN_LABEL, gone: GONE_LABEL}

    def name(code: int) -> str:
        return special[code] if code < 0 else labels[code]

    row_pos = {code: i for i, code in enumerate(rows_order)}
    col_pos = {code: i for i, code in enumerate(cols_order)}
    n_codes = len(labels) + 3
    to_row = np.full(n_codes, -1, dtype=np.int64)
    to_col = np.full(n_codes, -1, dtype=np.int64)
    for code, i in row_pos.items():
        to_row[code + 3] = i
    for code, i in col_pos.items():
        to_col[code + 3] = i
    r, c = to_row[start_state + 3], to_col[end_state + 3]
    counts = np.bincount(r * len(cols_order) + c, minlength=len(rows_order) * len(cols_order))
    result = pd.DataFrame(
        counts.reshape(len(rows_order), len(cols_order)).astype(np.int64),
        index=pd.Index([name(code) for code in rows_order], name="from", dtype="object"),
        columns=pd.Index([name(code) for code in cols_order], name="to", dtype="object"),
    )
    result.attrs.update(moves.attrs(level))
    return result


def _state_labels(
    statuses: pd.Series, level: str, mapping: StageMap
) -> tuple[list[str], np.ndarray]:
    """The states a row can be in (labels) and each row's state, by stage or status."""
    codes, uniques = pd.factorize(statuses, use_na_sentinel=False)
    if level == "stage":
        labels = list(mapping.stages)
        index = {stage: i for i, stage in enumerate(labels)}
        lookup = [index[mapping.stage(value)] for value in uniques]
    else:
        keys = [normalize_status(value) or NO_STATUS_LABEL for value in uniques]
        labels = list(dict.fromkeys(keys))
        index = {key: i for i, key in enumerate(labels)}
        lookup = [index[key] for key in keys]
    return labels, np.array([*lookup, 0], dtype=np.int64)[np.asarray(codes, dtype=np.int64)]


def waterfall(versions: pd.DataFrame, start: object, end: object) -> pd.DataFrame:
    """Open leads at ``start``, what came in and went out, and open leads at ``end``.

    A lead is open when it is not closed by :func:`knock_data.is_closed` (not leased, lost,
    deleted or marked not a prospect) and Knock still returns it. Each prospect is judged
    at the two moments only, where the history's latest observation put it (as
    :func:`knock_data.transitions` places them): a lead that closed and reopened in between
    counts in neither step. The steps:

    - ``open at start``;
    - in: ``new leads`` (created after ``start``, whatever became of them), ``first seen``
      (created earlier, first observed after ``start``: an id added to the list later) and
      ``reopened`` (closed or gone at ``start``, open at ``end``, such as a lost lead that
      wrote back);
    - out, for leads open at ``start`` or come in since that are not open at ``end``, by
      how they stand at ``end``: ``leased`` (Applied (Leased)), ``lost`` (Lost or Applied
      (Lost)), ``deleted or not a prospect``, ``gone`` (Knock stopped returning them);
    - ``open at end``.

    Parameters
    ----------
    versions
        The history's versions frame (``history.versions()``), with ``is_deleted`` and
        ``not_prospect``.
    start, end
        The two moments, as :func:`knock_data.transitions` takes them.

    Returns
    -------
    pandas.DataFrame
        One row per step, in the order above: ``step``, ``kind`` (``start``, ``in``,
        ``out``, ``end``), ``count`` (signed: negative for the ``out`` steps; for ``start``
        and ``end`` the number of open leads) and ``running_total`` (open leads after the
        step). The parts add up: ``open at start`` plus every ``in`` and ``out`` count is
        ``open at end``. ``attrs`` holds what :func:`knock_data.transitions` puts there.

    Examples
    --------
    >>> import pandas as pd
    >>> import knock_data as kd
    >>> t = pd.to_datetime(["2021-11-01", "2021-11-08"], utc=True)
    >>> versions = pd.DataFrame({
    ...     "prospect_id": ["1", "1", "2"], "status": ["booked", "applied_leased", "new"],
    ...     "created_at": pd.to_datetime(["2021-10-30", "2021-10-30", "2021-11-03"], utc=True),
    ...     "is_deleted": False, "not_prospect": False,
    ...     "valid_from": [t[0], t[1], t[1]], "valid_to": [t[1], pd.NaT, pd.NaT],
    ...     "changed_after": [pd.NaT, t[0], pd.NaT], "last_observed_at": [t[0], t[1], t[1]],
    ...     "gone": False,
    ... })
    >>> kd.waterfall(versions, t[0], t[1]).set_index("step")["count"].to_dict()
    {'open at start': 1, 'new leads': 1, 'first seen': 0, 'reopened': 0, 'leased': -1,
     'lost': 0, 'deleted or not a prospect': 0, 'gone': 0, 'open at end': 1}
    """
    what = "waterfall"
    moves = _moves(versions, start, end, what)
    v, keep = moves.v, moves.keep
    for column in (IS_DELETED, NOT_PROSPECT):
        if column not in v.frame.columns:
            raise ConfigurationError(
                f"{what} needs the column {column!r} to tell open leads from closed ones.",
                hint="Pass the history's versions frame (history.versions()).",
            )
    closed = is_closed(v.frame).to_numpy(dtype=bool)
    flagged = v.frame[IS_DELETED].astype("boolean").fillna(False).to_numpy(dtype=bool) | v.frame[
        NOT_PROSPECT
    ].astype("boolean").fillna(False).to_numpy(dtype=bool)
    status = _status_keys(v.frame[STATUS])
    s, e = moves.row_start[keep], moves.row_end[keep]
    seen_at_start = s >= 0
    gone_start, gone_end = moves.gone_start[keep], moves.gone_end[keep]
    open_start = seen_at_start & ~gone_start & ~closed[np.maximum(s, 0)]
    open_end = ~gone_end & ~closed[e]
    entering = ~seen_at_start
    new = entering & moves.created_after_start[keep]
    leaving = (open_start | entering) & ~open_end
    flagged_end = ~gone_end & flagged[e]
    end_status = status[e]
    by_status = leaving & ~gone_end & ~flagged_end
    counts = {
        "open at start": int(open_start.sum()),
        "new leads": int(new.sum()),
        "first seen": int((entering & ~new).sum()),
        "reopened": int((seen_at_start & ~open_start & open_end).sum()),
        "leased": -int((by_status & (end_status == "applied_leased")).sum()),
        "lost": -int((by_status & np.isin(end_status, ["lost", "applied_lost"])).sum()),
        "deleted or not a prospect": -int((leaving & flagged_end).sum()),
        "gone": -int((leaving & gone_end).sum()),
        "open at end": int(open_end.sum()),
    }
    steps = [step for step, _ in WATERFALL_STEPS]
    values = np.array([counts[step] for step in steps], dtype=np.int64)
    running = np.cumsum(np.r_[values[:-1], 0])
    running[-1] = values[-1]
    result = pd.DataFrame(
        {
            "step": pd.array(steps, dtype="string"),
            "kind": pd.array([kind for _, kind in WATERFALL_STEPS], dtype="string"),
            "count": values,
            "running_total": running,
        }
    )
    result.attrs.update(moves.attrs())
    return result


def _status_keys(statuses: pd.Series) -> np.ndarray:
    """Each row's status as Knock's key (``""`` where missing), normalised once per value."""
    codes, uniques = pd.factorize(statuses, use_na_sentinel=False)
    keys = np.array([normalize_status(value) or "" for value in uniques] + [""], dtype=object)
    return keys[np.asarray(codes, dtype=np.int64)]
