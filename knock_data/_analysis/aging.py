"""Open leads by how long nobody has touched them: the list an office manager works from.

Needs no history: the prospect frame's ``updated_at`` says when a record last changed. A
lead is open by the one definition of :mod:`.lifecycle` (not leased, lost, deleted or
marked not a prospect), and its idle time runs from ``updated_at`` (or ``created_at`` when
that is missing) to ``now``, as :func:`knock_data.is_dormant` measures it.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from knock_data._analysis._codes import require_frame
from knock_data._analysis.grouping import group_codes
from knock_data._analysis.lifecycle import CLOSED_STATUSES, _moment, is_closed
from knock_data._analysis.periods import utc_column
from knock_data._analysis.statuses import OTHER, stage_map
from knock_data._exceptions import ConfigurationError
from knock_data._schema import CREATED_AT, STATUS

__all__ = ["DEFAULT_BUCKETS", "aging", "bucket_labels"]

#: The default idle-time buckets' lower edges in days: under a week, one to two weeks, two
#: weeks to a month, one to two months (30 days is when a lead turns dormant), and longer.
DEFAULT_BUCKETS: tuple[int, ...] = (7, 14, 30, 60)


def bucket_labels(edges: Sequence[float]) -> list[str]:
    """The buckets' names: ``under 7 days``, ``7-14 days``, ..., ``60+ days``.

    Each bucket holds its lower edge: a lead idle for exactly 7 days is in ``7-14 days``.

    Examples
    --------
    >>> bucket_labels((7, 30))
    ['under 7 days', '7-30 days', '30+ days']
    """
    shown = [f"{edge:g}" for edge in edges]
    labels = [f"under {shown[0]} days"]
    labels += [f"{a}-{b} days" for a, b in itertools.pairwise(shown)]
    return [*labels, f"{shown[-1]}+ days"]


def _edges(buckets: object) -> list[float]:
    values = list(buckets) if isinstance(buckets, Iterable) and not isinstance(buckets, str) else []
    try:
        edges = [float(value) for value in values]
    except (TypeError, ValueError):
        edges = []
    if (
        not edges
        or not all(np.isfinite(e) and e > 0 for e in edges)
        or any(b <= a for a, b in itertools.pairwise(edges))
    ):
        raise ConfigurationError(
            f"aging: buckets={buckets!r} must be increasing positive numbers of days.",
            hint="For example buckets=(7, 14, 30, 60).",
        )
    return edges


def aging(
    frame: pd.DataFrame,
    *,
    now: object = None,
    buckets: Sequence[float] = DEFAULT_BUCKETS,
    by: str | None = None,
    stages: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """Open leads by days since their last update, per stage (or per ``by`` value).

    The office manager's "untouched for more than N days" view: which open leads have
    waited longest, and where in the funnel they wait. Closed leads (leased, lost, deleted,
    not a prospect: :func:`knock_data.is_closed`) are left out.

    Parameters
    ----------
    frame
        A prospect frame (:func:`knock_data.to_frame`, or a history's ``as_of``).
    now
        The moment to measure to: a tz-aware datetime, ``Timestamp`` or ISO-8601 text
        (naive is UTC). Default: this machine's clock; on the sandbox pass ``server.now``,
        on a history the snapshot's moment.
    buckets
        The buckets' lower edges in days, increasing (default ``(7, 14, 30, 60)``): under
        7 days, 7 to 14, 14 to 30, 30 to 60, 60 or more. Each bucket holds its lower edge.
    by
        Rows per value of a column instead of per stage (``"agent_username"``: whose leads
        wait), or per created period.
    stages
        Your own status -> stage mapping (see :func:`knock_data.funnel`).

    Returns
    -------
    pandas.DataFrame
        Open leads counted per row (stages in funnel order, only those an open lead can be
        at, ``other`` when any lead is there; or the ``by`` values) and per bucket (the
        columns, named ``days since last update``). ``attrs`` holds ``now``, ``buckets``,
        ``open`` (all open leads counted), ``undated`` (open leads with neither
        ``updated_at`` nor ``created_at``, left out) and ``future`` (leads updated after
        ``now``, counted as idle for 0 days).

    Examples
    --------
    >>> import pandas as pd
    >>> import knock_data as kd
    >>> frame = pd.DataFrame({
    ...     "status": ["new", "open", "open", "visited", "lost"],
    ...     "is_deleted": False, "not_prospect": False,
    ...     "created_at": pd.to_datetime(["2021-10-01"] * 5, utc=True),
    ...     "updated_at": pd.to_datetime(["2021-10-30", "2021-10-20", "2021-09-01",
    ...                                   "2021-10-31", "2021-10-01"], utc=True),
    ... })
    >>> kd.aging(frame, now="2021-11-01", buckets=(7, 30))
    days since last update  under 7 days  7-30 days  30+ days
    stage
    lead                               1          0         0
    engaged                            0          1         1
    toured                             1          0         0
    applied                            0          0         0

    The list to work from is the open leads idle past a bucket's edge:

    >>> idle = pd.Timestamp("2021-11-01", tz="UTC") - frame["updated_at"]
    >>> frame[~kd.is_closed(frame) & (idle >= pd.Timedelta(days=30))]["status"].tolist()
    ['open']
    """
    what = "aging"
    require_frame(frame, what)
    moment = pd.Timestamp(_moment(now, "now"))
    edges = _edges(buckets)
    mapping = stage_map(stages)
    closed = is_closed(frame).to_numpy(dtype=bool)
    last = utc_column(frame, "updated_at", what).fillna(utc_column(frame, CREATED_AT, what))
    idle = (moment - last).dt.total_seconds().to_numpy(dtype=float, na_value=np.nan) / 86_400
    dated = ~np.isnan(idle)
    counted = ~closed & dated
    future = counted & (idle < 0)
    bucket = np.searchsorted(np.asarray(edges), np.maximum(idle, 0), side="right")
    labels = bucket_labels(edges)

    if by is None:
        names = list(mapping.stages)
        index = {stage: i for i, stage in enumerate(names)}
        codes, uniques = pd.factorize(frame[STATUS], use_na_sentinel=False)
        lookup = np.array([index[mapping.stage(v)] for v in uniques] + [0], dtype=np.int64)
        row_of = lookup[np.asarray(codes, dtype=np.int64)]
        row_index: pd.Index = pd.Index(names, name="stage", dtype="object")
    else:
        row_of, row_index, by_name = group_codes(frame, by, None, what)
        row_index = row_index.rename(by_name)
    n_rows, n_buckets = len(row_index), len(labels)
    counts = np.bincount(
        row_of[counted] * n_buckets + bucket[counted], minlength=n_rows * n_buckets
    ).reshape(n_rows, n_buckets)
    result = pd.DataFrame(
        counts.astype(np.int64),
        index=row_index,
        columns=pd.Index(labels, name="days since last update", dtype="object"),
    )
    if by is None:
        keep = [
            name
            for name in names
            if (name == OTHER and counts[index[name]].sum() > 0)
            or (name != OTHER and _can_be_open(name, mapping.status_stage))
        ]
        result = result.loc[keep]
    result.attrs.update(
        now=moment,
        buckets=tuple(edges),
        open=int(counted.sum()),
        undated=int((~closed & ~dated).sum()),
        future=int(future.sum()),
    )
    return result


def _can_be_open(stage: str, status_stage: Mapping[str, str]) -> bool:
    """Whether a stage holds a status that does not close a lead (or no status at all)."""
    statuses = [status for status, name in status_stage.items() if name == stage]
    return not statuses or any(status not in CLOSED_STATUSES for status in statuses)
