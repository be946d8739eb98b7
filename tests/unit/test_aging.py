"""aging: open leads by days since their last update, per stage or per agent."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

import knock_data as kd
from tests.unit.prospect_frames import prospect_frame

NOW = "2021-11-02T00:00:00Z"


def frame() -> pd.DataFrame:
    rows: list[dict[str, Any]] = [
        # idle 1, 8, 15, 31 and 61 days; the last is Lost (closed: left out)
        {"status": "new", "updated_at": "2021-11-01T00:00:00Z", "agent_username": "ana"},
        {"status": "open", "updated_at": "2021-10-25T00:00:00Z", "agent_username": "ana"},
        {"status": "booked", "updated_at": "2021-10-18T00:00:00Z", "agent_username": "bo"},
        {"status": "visited", "updated_at": "2021-10-02T00:00:00Z", "agent_username": "bo"},
        {"status": "applied_in_review", "updated_at": "2021-09-02T00:00:00Z"},
        {"status": "lost", "updated_at": "2021-09-02T00:00:00Z", "agent_username": "bo"},
        # exactly 7 days: in "7-14 days"; deleted: left out; no updated_at: created_at
        {"status": "open", "updated_at": "2021-10-26T00:00:00Z", "agent_username": "ana"},
        {"status": "open", "updated_at": "2021-10-30T00:00:00Z", "is_deleted": True},
        {"status": "On Hold", "created_at": "2021-10-31T12:00:00Z"},
    ]
    df = prospect_frame(rows)
    updated = pd.Series([r.get("updated_at") for r in rows], dtype=object)
    df["updated_at"] = pd.to_datetime(updated, utc=True)
    df["is_deleted"] = df["is_deleted"].fillna(False)
    df["not_prospect"] = df["not_prospect"].fillna(False)
    return df


def test_open_leads_per_stage_and_bucket() -> None:
    table = kd.aging(frame(), now=NOW)
    assert list(table.columns) == [
        "under 7 days",
        "7-14 days",
        "14-30 days",
        "30-60 days",
        "60+ days",
    ]
    assert table.columns.name == "days since last update"
    assert list(table.index) == ["lead", "engaged", "toured", "applied", "other"]
    assert list(table.loc["lead"]) == [1, 0, 0, 0, 0]
    assert list(table.loc["engaged"]) == [0, 2, 1, 0, 0]
    assert list(table.loc["toured"]) == [0, 0, 0, 1, 0]
    assert list(table.loc["applied"]) == [0, 0, 0, 0, 1]
    assert list(table.loc["other"]) == [1, 0, 0, 0, 0]  # from created_at
    assert table.attrs["open"] == int(table.to_numpy().sum()) == 7
    assert table.attrs["now"] == pd.Timestamp(NOW)


def test_per_agent_and_other_buckets() -> None:
    table = kd.aging(frame(), now=NOW, buckets=(30,), by="agent_username")
    assert list(table.columns) == ["under 30 days", "30+ days"]
    assert list(table.loc["ana"]) == [3, 0]
    assert list(table.loc["bo"]) == [1, 1]
    assert table.index.name == "agent_username"


def test_the_thirty_day_edge_is_the_dormant_definition() -> None:
    df = frame()
    table = kd.aging(df, now=NOW, buckets=(30,))
    dormant = kd.is_dormant(df, now=NOW)
    assert int(table["30+ days"].sum()) == int(dormant.sum())


def test_bad_buckets_and_moments_are_clear_errors() -> None:
    with pytest.raises(kd.ConfigurationError, match="increasing positive"):
        kd.aging(frame(), now=NOW, buckets=(14, 7))
    with pytest.raises(kd.ConfigurationError, match="increasing positive"):
        kd.aging(frame(), now=NOW, buckets=())
    with pytest.raises(kd.ConfigurationError, match="not a moment"):
        kd.aging(frame(), now="soon")
