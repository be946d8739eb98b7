"""Versions frames in the history's shape, built in tests from observations.

The history store keeps snapshots and derives an SCD-2 versions frame from them (see the
history contract: one row per prospect per change of the compared columns, with
``valid_from``, ``valid_to``, ``changed_after``, ``last_observed_at`` and ``gone``). The
movement analyses read that frame; these helpers build one the slow, obvious way with
plain pandas, from rows written by hand or from sandbox snapshots, so the analyses can be
checked against a second derivation and against the sandbox's true timelines.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pandas as pd

#: What a new version is a change of (``updated_at`` is carried, not compared).
COMPARED = (
    "status",
    "source_title",
    "agent_username",
    "community_id",
    "sms_consent",
    "is_deleted",
    "not_prospect",
)


def versions_from_observations(observations: pd.DataFrame) -> pd.DataFrame:
    """The versions frame of stacked observations (prospect rows with ``observed_at``).

    A ``gone`` column marks answers that the prospect does not exist (its other columns
    NA); it is ``False`` when absent.
    """
    obs = observations.copy()
    if "gone" not in obs.columns:
        obs["gone"] = False
    obs = obs.sort_values(["prospect_id", "observed_at"], kind="stable").reset_index(drop=True)
    compared = [c for c in COMPARED if c in obs.columns] + ["gone"]
    key = obs[compared].astype("string").fillna("<NA>").agg("|".join, axis=1).astype(object)
    ids = obs["prospect_id"].astype(object)
    first_of_prospect = ids.ne(ids.shift())
    version = pd.Series((first_of_prospect | key.ne(key.shift())).to_numpy(bool).cumsum())
    grouped = obs.groupby(version, sort=False)
    rows = grouped.head(1).copy()
    rows["valid_from"] = rows["observed_at"]
    rows["last_observed_at"] = grouped["observed_at"].max().to_numpy()
    row_ids = rows["prospect_id"].astype(object)
    same_prospect = row_ids.eq(row_ids.shift(-1)).to_numpy(bool)
    rows["valid_to"] = rows["valid_from"].shift(-1).where(same_prospect)
    came_after = row_ids.eq(row_ids.shift(1)).to_numpy(bool)
    rows["changed_after"] = rows["last_observed_at"].shift(1).where(came_after)
    rows = rows.drop(columns=["observed_at"]).reset_index(drop=True)
    for name in ("valid_from", "valid_to", "changed_after", "last_observed_at"):
        rows[name] = pd.to_datetime(rows[name], utc=True).astype("datetime64[us, UTC]")
    rows["gone"] = rows["gone"].astype("boolean")
    return rows


def observe(
    stories: Mapping[str, Sequence[tuple[str, str | None]]],
    *,
    created: dict[str, str],
    extra: dict[str, dict[str, Any]] | None = None,
) -> pd.DataFrame:
    """Observations written as stories: ``{id: [(moment, status), ...]}``.

    A status of ``None`` is an answer that the prospect no longer exists (gone). ``extra``
    sets other columns per id (``is_deleted``, ``source_title``...), the same at every
    observation.
    """
    rows: list[dict[str, Any]] = []
    for pid, story in stories.items():
        for moment, status in story:
            gone = status is None
            row: dict[str, Any] = {
                "prospect_id": pid,
                "status": status,
                "created_at": None if gone else created[pid],
                "updated_at": None if gone else moment,
                "is_deleted": None if gone else False,
                "not_prospect": None if gone else False,
                "source_title": None if gone else "Zillow",
                "community_id": None if gone else "191b65d2686d11e9",
                "agent_username": None,
                "first_contact_type": None if gone else "form",
                "observed_at": moment,
                "gone": gone,
            }
            if not gone:
                row.update((extra or {}).get(pid, {}))
            rows.append(row)
    return typed(pd.DataFrame(rows))


def typed(frame: pd.DataFrame) -> pd.DataFrame:
    """The dtypes ``to_frame`` gives, for a frame of hand-written rows."""
    out = frame.copy()
    for name in ("created_at", "updated_at", "observed_at"):
        if name in out.columns:
            out[name] = pd.to_datetime(out[name], utc=True, format="ISO8601").astype(
                "datetime64[us, UTC]"
            )
    for name in ("status", "source_title", "community_id", "agent_username", "first_contact_type"):
        if name in out.columns:
            out[name] = out[name].astype("category")
    for name in ("is_deleted", "not_prospect", "sms_consent", "gone"):
        if name in out.columns:
            out[name] = out[name].astype("boolean")
    out["prospect_id"] = out["prospect_id"].astype("string")
    return out


def stacked(snapshots: Iterable[tuple[Any, pd.DataFrame]]) -> pd.DataFrame:
    """Prospect frames taken at moments, stacked as observations (``observed_at``).

    Categorical columns are read as text, since each snapshot has its own categories.
    """
    frames = []
    for moment, frame in snapshots:
        frame = frame.copy()
        for name in frame.columns:
            if isinstance(frame[name].dtype, pd.CategoricalDtype):
                frame[name] = frame[name].astype("string")
        frame["observed_at"] = pd.Timestamp(moment).tz_convert("UTC")
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)
