"""RefreshPolicy: which cached copies are due, by the one definition of closed and dormant."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pandas as pd
import pytest

import knock_data as kd

NOW = pd.Timestamp("2021-11-02", tz="UTC")


def copies(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Copies as the client builds them: a prospect frame plus ``fetched_at``."""
    defaults = {
        "status": "open",
        "is_deleted": False,
        "not_prospect": False,
        "created_at": "2021-06-01",
        "updated_at": "2021-10-31",
        "fetched_at": "2021-11-01",
    }
    filled = [dict(defaults, **row) for row in rows]
    frame = pd.DataFrame(filled)
    for name in ("created_at", "updated_at", "fetched_at"):
        frame[name] = pd.to_datetime(frame[name], utc=True, format="ISO8601")
    for name in ("is_deleted", "not_prospect"):
        frame[name] = frame[name].astype("boolean")
    return frame


def test_each_state_gets_its_interval() -> None:
    policy = kd.RefreshPolicy(active=2, dormant=10, closed=40, recent=7)
    frame = copies(
        [
            {},  # active: changed two days ago
            {"updated_at": "2021-09-01"},  # dormant: quiet for two months
            {"status": "applied_leased"},  # closed
            {"status": "Lost"},  # closed, however spelt
            {"status": "open", "is_deleted": True},  # closed: deleted
            {"status": "lost", "created_at": "2021-10-30"},  # closed but new: as active
            {"updated_at": "2021-09-01", "created_at": "2021-10-28"},  # never mind dormancy
        ]
    )
    assert policy.intervals(frame, now=NOW).dt.days.tolist() == [2, 10, 40, 40, 40, 2, 2]


def test_a_copy_is_due_once_its_interval_has_passed() -> None:
    policy = kd.RefreshPolicy()
    frame = copies(
        [
            {"fetched_at": "2021-11-01T00:00:01Z"},  # active, 23:59:59 old
            {"fetched_at": "2021-11-01T00:00:00Z"},  # active, exactly a day old: due
            {"updated_at": "2021-08-01", "fetched_at": "2021-10-13"},  # dormant, 20 days
            {"updated_at": "2021-08-01", "fetched_at": "2021-10-12"},  # dormant, 21 days
            {"status": "lost", "fetched_at": "2021-10-10"},  # closed, 23 days
            {"status": "lost", "fetched_at": "2021-10-05"},  # closed, 28 days
            {"status": "lost", "fetched_at": None},  # never fetched: always due
        ]
    )
    assert policy.due(frame, now=NOW).tolist() == [False, True, False, True, False, True, True]
    assert policy.due(frame, now=NOW).name == "due"


def test_dormancy_follows_the_lifecycle_threshold() -> None:
    frame = copies([{"updated_at": "2021-09-10", "fetched_at": "2021-10-25"}])  # 53 days quiet
    assert kd.RefreshPolicy().due(frame, now=NOW).tolist() == [True]  # active: a day
    stricter = kd.RefreshPolicy(dormant_after=kd.DORMANT_AFTER)
    assert stricter.due(frame, now=NOW).tolist() == [False]  # dormant: 21 days


def test_now_defaults_to_this_machines_clock() -> None:
    frame = copies([{"status": "lost", "fetched_at": "2021-11-01"}])
    assert kd.RefreshPolicy().due(frame).tolist() == [True]  # years later
    assert kd.RefreshPolicy().due(frame, now="2021-11-02T12:00").tolist() == [False]


def test_defaults_and_longest() -> None:
    policy = kd.RefreshPolicy()
    assert (policy.active, policy.dormant, policy.closed, policy.recent) == (
        timedelta(days=1),
        timedelta(days=21),
        timedelta(days=28),
        timedelta(days=14),
    )
    assert policy.dormant_after == 2 * kd.DORMANT_AFTER
    assert policy.longest == timedelta(days=28)
    assert kd.RefreshPolicy(active=0.5).active == timedelta(hours=12)


@pytest.mark.parametrize("bad", [0, -1, float("nan"), timedelta(0)])
def test_an_interval_that_is_not_a_positive_duration_is_refused(bad: Any) -> None:
    with pytest.raises(kd.ConfigurationError, match="dormant= must be a positive"):
        kd.RefreshPolicy(dormant=bad)


@pytest.mark.parametrize("bad", ["7", True, None])
def test_an_interval_of_another_kind_is_a_type_error(bad: Any) -> None:
    with pytest.raises(kd.WrongArgumentType, match="dormant= must be a timedelta or a number"):
        kd.RefreshPolicy(dormant=bad)


def test_a_frame_without_the_columns_is_a_clear_error() -> None:
    with pytest.raises(kd.ConfigurationError, match="fetched_at"):
        kd.RefreshPolicy().due(copies([{}]).drop(columns="fetched_at"), now=NOW)
    with pytest.raises(kd.ConfigurationError, match="status"):
        kd.RefreshPolicy().intervals(copies([{}]).drop(columns="status"), now=NOW)
