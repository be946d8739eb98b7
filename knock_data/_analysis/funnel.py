"""The lead funnel: how many leads reached each stage, with step and overall conversion."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from knock_data._analysis._codes import count_matrix, factorize, require_column
from knock_data._analysis.grouping import group_codes, group_names
from knock_data._analysis.statuses import OTHER, stage_map
from knock_data._schema import STATUS, is_missing, missing_label

__all__ = ["counted_funnel", "funnel"]


def funnel(
    df: pd.DataFrame,
    stages: Mapping[str, Any] | None = None,
    *,
    by: str | None = None,
    tz: str | None = None,
) -> pd.DataFrame:
    """How many leads reached each stage of the funnel, with step and overall conversion.

    Each record's status places it at one stage; a record *reaches* its own stage and every
    stage before it (a signed lease was also a tour and an application). Every record is a
    lead, so the first stage counts them all.

    Two stages are not steps of the funnel:

    - ``lost`` (status Lost): dropped at an unknown point, so counted as a lead only;
      :data:`knock_data.DEFAULT_STAGES` puts Applied (Lost) at ``applied`` because the
      application happened.
    - ``other``: statuses the mapping does not know and missing statuses, also counted as
      leads only; the ``statuses`` column lists which raw values it held.

    Parameters
    ----------
    df
        A prospect frame (see :func:`knock_data.to_frame`). Pass
        :func:`knock_data.filter_prospects` output to count prospects rather than leads.
    stages
        Your own mapping, either ``{stage: [status, ...]}`` with stages in funnel order or
        ``{status: stage}`` (stages in order of first appearance). Statuses match however
        they are spelt (see :func:`knock_data.normalize_status`); a stage named ``"lost"``
        is kept off the ladder as above. The first stage is where leads enter: every record reaches
        it whatever its status, so start the mapping with your entry stage (``"lead"``,
        ``"inquiry"``), not with a later one such as ``"toured"``. Default
        :data:`knock_data.DEFAULT_STAGES`.
    by
        Compare funnels per column value (``"source_title"``, ``"community_id"``...) or per
        created period; rates are then within each group.
    tz
        Time zone for ``by`` periods (default UTC).

    Returns
    -------
    pandas.DataFrame
        One row per stage (``[by,] stage``), the ladder in order, then ``lost`` (when the
        mapping has it) and ``other``, with columns

        - ``count``: records that reached the stage (for ``lost``/``other``: records in it);
        - ``at_stage``: records whose status sits at this stage now (where leads stall);
        - ``share_of_leads``: ``count`` over all leads (overall conversion);
        - ``step_conversion``: ``count`` over the previous stage's ``count`` (``<NA>`` for
          the first stage, ``lost`` and ``other``);
        - ``statuses``: the raw status values counted at this stage, most common first
          (a missing status as ``(no status)``).

        Grouped by ``community_id`` or ``agent_username`` on a frame with names (see
        :func:`knock_data.with_names`), the names follow the ids in their own column.
        ``attrs["other_statuses"]`` counts each raw value of the ``other`` stage.

    Examples
    --------
    >>> import pandas as pd
    >>> import knock_data as kd
    >>> df = pd.DataFrame({"status": ["new", "open", "visited", "applied_leased", "lost"]})
    >>> kd.funnel(df)[["stage", "count", "share_of_leads", "step_conversion"]]
         stage  count  share_of_leads  step_conversion
    0     lead      5             1.0              NaN
    1  engaged      3             0.6         0.600000
    2   toured      2             0.4         0.666667
    3  applied      1             0.2         0.500000
    4   leased      1             0.2         1.000000
    5     lost      1             0.2              NaN
    6    other      0             0.0              NaN
    """
    return counted_funnel(df, stages, by=by, tz=tz, what="funnel")


def counted_funnel(
    df: pd.DataFrame,
    stages: Mapping[str, Any] | None,
    *,
    by: str | None,
    tz: str | None,
    what: str,
) -> pd.DataFrame:
    """:func:`funnel`, its messages naming ``what`` (the public function the caller called)."""
    mapping = stage_map(stages)
    codes, uniques = factorize(require_column(df, STATUS, what))
    all_stages = mapping.stages
    stage_index = {s: i for i, s in enumerate(all_stages)}
    status_stage = np.array(
        [stage_index[mapping.stage(v)] for v in uniques], dtype=np.int64
    ).reshape(-1)
    groups_of, groups, by_name = (None, None, None)
    n_groups = 1
    if by is not None:
        groups_of, groups, by_name = group_codes(df, by, tz, what, counted=STATUS)
        n_groups = len(groups)
    # (groups, raw statuses) counts, then folded into (groups, stages).
    per_status = count_matrix(codes, len(uniques), groups_of, n_groups)
    at_stage = np.zeros((n_groups, len(all_stages)), dtype=np.int64)
    for j in range(len(uniques)):
        at_stage[:, status_stage[j]] += per_status[:, j]
    n_ladder = len(mapping.ladder)
    leads = at_stage.sum(axis=1)
    reached = at_stage.copy()
    # Reaching a ladder stage = sitting at it or any later ladder stage.
    reached[:, :n_ladder] = np.cumsum(at_stage[:, :n_ladder][:, ::-1], axis=1)[:, ::-1]
    reached[:, 0] = leads  # lost and other are leads too
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(leads[:, None] > 0, reached / np.maximum(leads, 1)[:, None], np.nan)
        step = np.full(reached.shape, np.nan)
        prev = reached[:, : n_ladder - 1]
        step[:, 1:n_ladder] = np.where(
            prev > 0, reached[:, 1:n_ladder] / np.maximum(prev, 1), np.nan
        )

    labels = [None if is_missing(v) else str(v) for v in uniques]
    no_status = missing_label(STATUS)
    statuses: list[str] = []
    for g in range(n_groups):
        for s in range(len(all_stages)):
            members = [j for j in range(len(uniques)) if status_stage[j] == s and per_status[g, j]]
            members.sort(key=lambda j: (-per_status[g, j], labels[j] or ""))
            statuses.append(
                ", ".join(no_status if labels[j] is None else str(labels[j]) for j in members)
            )

    data: dict[str, Any] = {}
    if by_name is not None and groups is not None:
        data[by_name] = groups.take(np.repeat(np.arange(n_groups), len(all_stages)))
        for name, column in group_names(df, by_name, groups).items():
            data[name] = column.take(np.repeat(np.arange(n_groups), len(all_stages)))
    data["stage"] = pd.array(list(all_stages) * n_groups, dtype="string")
    data["count"] = reached.reshape(-1)
    data["at_stage"] = at_stage.reshape(-1)
    data["share_of_leads"] = share.reshape(-1)
    data["step_conversion"] = step.reshape(-1)
    data["statuses"] = pd.array(statuses, dtype="string")
    result = pd.DataFrame(data)
    totals = per_status.sum(axis=0)
    result.attrs["other_statuses"] = {
        no_status if labels[j] is None else str(labels[j]): int(totals[j])
        for j in range(len(uniques))
        if all_stages[status_stage[j]] == OTHER
    }
    return result
