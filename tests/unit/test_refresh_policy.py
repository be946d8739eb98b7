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
    policy = kd.RefreshPolicy(active=2, dormant=10, closed=40, recent=7, quiet_fraction=None)
    frame = copies(
        [
            {},  # active: changed a day before it was fetched
            {"updated_at": "2021-09-01"},  # dormant: quiet for two months
            {"status": "applied_leased"},  # closed
            {"status": "Lost"},  # closed, however spelt
            {"status": "open", "is_deleted": True},  # closed: deleted
            {"status": "lost", "created_at": "2021-10-30"},  # closed but new: as active
            {"updated_at": "2021-09-01", "created_at": "2021-10-28"},  # never mind dormancy
        ]
    )
    assert policy.intervals(frame, now=NOW).dt.days.tolist() == [2, 10, 40, 40, 40, 2, 2]


def test_a_quiet_copy_stays_fresh_for_a_share_of_its_quiet_time() -> None:
    # As HTTP's heuristic freshness: the longer a lead had gone without a change when it
    # was fetched, the longer its copy lasts, from the active interval to its state's.
    policy = kd.RefreshPolicy(active=1, dormant=28, closed=21, quiet_fraction=0.25)
    fetched = "2021-11-01"
    frame = copies(
        [
            {"updated_at": "2021-09-25", "fetched_at": fetched},  # dormant, 37 days quiet
            {"updated_at": "2021-08-11", "fetched_at": fetched},  # dormant, 82 days
            {"updated_at": "2021-01-01", "fetched_at": fetched},  # dormant, 10 months
            {"status": "lost", "updated_at": "2021-10-30", "fetched_at": fetched},  # 2 days
            {"status": "lost", "updated_at": "2021-10-13", "fetched_at": fetched},  # 19 days
            {"status": "lost", "updated_at": "2021-01-01", "fetched_at": fetched},  # 10 months
            {"status": "lost", "updated_at": None, "created_at": None},  # no dates: closed=
        ]
    )
    days = policy.intervals(frame, now=NOW).dt.total_seconds() / 86400
    assert days.tolist() == [9.25, 20.5, 28, 1, 4.75, 21, 21]


def test_a_copy_is_due_once_its_interval_has_passed() -> None:
    policy = kd.RefreshPolicy()  # an eighth of the quiet time, at most four weeks
    frame = copies(
        [
            {"fetched_at": "2021-11-01T00:00:01Z"},  # active, 23:59:59 old
            {"fetched_at": "2021-11-01T00:00:00Z"},  # active, exactly a day old: due
            {"updated_at": "2021-08-01", "fetched_at": "2021-10-06"},  # 66 days quiet: 8.25
            {"updated_at": "2021-08-01", "fetched_at": "2021-10-24"},  # 84 days quiet: 10.5
            {"updated_at": "2021-01-01", "fetched_at": "2021-10-06"},  # dormant, 27 days old
            {"updated_at": "2021-01-01", "fetched_at": "2021-10-05"},  # dormant, 28 days old
            {"status": "lost", "updated_at": "2021-01-01", "fetched_at": "2021-10-10"},
            {"status": "lost", "updated_at": "2021-01-01", "fetched_at": "2021-10-05"},
            {"status": "lost", "fetched_at": None},  # never fetched: always due
        ]
    )
    due = policy.due(frame, now=NOW)
    assert due.tolist() == [False, True, True, False, False, True, False, True, True]
    assert due.name == "due"


def test_a_lead_is_judged_by_what_its_copy_showed_when_fetched() -> None:
    # Fetched two days after its last change, this lead was active then; it may have moved
    # since, so it is fetched again after a day, although its copy now looks 40 days quiet.
    last_seen_active = copies([{"updated_at": "2021-09-23", "fetched_at": "2021-09-25"}])
    assert kd.RefreshPolicy().intervals(last_seen_active, now=NOW).dt.days.tolist() == [1]
    # Fetched after 31 days without a change: dormant by the one definition (30 days).
    seen_dormant = copies([{"updated_at": "2021-09-24", "fetched_at": "2021-10-25"}])
    assert kd.RefreshPolicy(quiet_fraction=None).due(seen_dormant, now=NOW).tolist() == [False]
    seen_active = copies([{"updated_at": "2021-09-26", "fetched_at": "2021-10-25"}])  # 29 days
    assert kd.RefreshPolicy(quiet_fraction=None).due(seen_active, now=NOW).tolist() == [True]
    later = kd.RefreshPolicy(dormant_after=60, quiet_fraction=None)
    assert later.due(seen_dormant, now=NOW).tolist() == [True]


def test_now_defaults_to_this_machines_clock() -> None:
    frame = copies([{"status": "lost", "updated_at": "2021-01-01", "fetched_at": "2021-11-01"}])
    assert kd.RefreshPolicy().due(frame).tolist() == [True]  # years later
    assert kd.RefreshPolicy().due(frame, now="2021-11-02T12:00").tolist() == [False]


def test_defaults_and_longest() -> None:
    policy = kd.RefreshPolicy()
    assert (policy.active, policy.dormant, policy.closed, policy.recent) == (
        timedelta(days=1),
        timedelta(days=28),
        timedelta(days=28),
        timedelta(days=14),
    )
    assert policy.dormant_after == kd.DORMANT_AFTER  # the one definition
    assert policy.quiet_fraction == 0.125
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


@pytest.mark.parametrize("bad", [0, -0.5, float("nan"), float("inf")])
def test_a_quiet_fraction_that_is_not_a_positive_number_is_refused(bad: float) -> None:
    with pytest.raises(kd.ConfigurationError, match="quiet_fraction= must be a positive"):
        kd.RefreshPolicy(quiet_fraction=bad)


@pytest.mark.parametrize("bad", ["0.1", True, timedelta(days=1)])
def test_a_quiet_fraction_of_another_kind_is_a_type_error(bad: Any) -> None:
    with pytest.raises(kd.WrongArgumentType, match="quiet_fraction= must be a number or None"):
        kd.RefreshPolicy(quiet_fraction=bad)


def test_a_frame_without_the_columns_is_a_clear_error() -> None:
    with pytest.raises(kd.ConfigurationError, match="fetched_at"):
        kd.RefreshPolicy().due(copies([{}]).drop(columns="fetched_at"), now=NOW)
    with pytest.raises(kd.ConfigurationError, match="status"):
        kd.RefreshPolicy().intervals(copies([{}]).drop(columns="status"), now=NOW)
