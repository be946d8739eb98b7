"""cohort_conversion: from a prospect frame (reached by now) and from stage dates (within N
days, immature cohorts marked), against counts done by hand."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

import knock_data as kd
from tests.unit.prospect_frames import prospect_frame, sandbox_like_frame


def day(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


def test_from_a_frame_equals_a_hand_count() -> None:
    rows: list[dict[str, Any]] = [
        # September: 4 leads, 3 engaged or later, 2 toured or later, 1 applied, 1 leased
        {"created_at": "2021-09-01T10:00:00Z", "status": "new", "source_title": "Zillow"},
        {"created_at": "2021-09-10T10:00:00Z", "status": "booked", "source_title": "Zillow"},
        {"created_at": "2021-09-20T10:00:00Z", "status": "visited", "source_title": "Yelp"},
        {"created_at": "2021-09-30T23:00:00Z", "status": "applied_leased", "source_title": "Yelp"},
        # October: 2 leads, lost counts as a lead only, an unknown status too
        {"created_at": "2021-10-01T00:00:00Z", "status": "lost", "source_title": "Zillow"},
        {"created_at": "2021-10-15T00:00:00Z", "status": "On Hold", "source_title": "Zillow"},
        # no created_at: in no cohort
        {"created_at": None, "status": "visited", "source_title": "Zillow"},
    ]
    table = kd.cohort_conversion(prospect_frame(rows))
    assert [str(p) for p in table["cohort"]] == ["2021-09", "2021-10"]
    assert table["leads"].tolist() == [4, 2]
    assert table["engaged"].tolist() == [3, 0]
    assert table["toured"].tolist() == [2, 0]
    assert table["applied"].tolist() == [1, 0]
    assert table["leased"].tolist() == [1, 0]
    assert table["toured_share"].tolist() == [0.5, 0.0]
    assert "mature" not in table.columns
    assert table.attrs["undated"] == 1

    by_source = kd.cohort_conversion(prospect_frame(rows), by="source_title")
    september = by_source[by_source["cohort"].astype(str) == "2021-09"].set_index("source_title")
    assert september["leads"]["Zillow"] == 2
    assert september["toured"]["Yelp"] == 2
    assert september["engaged_share"]["Zillow"] == 0.5


def test_weekly_cohorts_in_a_time_zone_follow_its_calendar() -> None:
    rows: list[dict[str, Any]] = [
        {"created_at": "2021-09-06T03:00:00Z", "status": "new"}
    ]  # Sunday night in Texas
    utc = kd.cohort_conversion(prospect_frame(rows), "W")
    texas = kd.cohort_conversion(prospect_frame(rows), "W", tz="America/Chicago")
    assert str(utc["cohort"].iloc[0]) == "2021-09-06/2021-09-12"
    assert str(texas["cohort"].iloc[0]) == "2021-08-30/2021-09-05"


def test_on_the_sandbox_frame_the_counts_match_funnel_per_month() -> None:
    frame = sandbox_like_frame(600)
    table = kd.cohort_conversion(frame, "month").set_index("cohort")
    for period, leads in table["leads"].items():
        assert isinstance(period, pd.Period)
        members = frame[frame["created_at"].dt.tz_localize(None).dt.to_period("M") == period]
        steps = kd.funnel(members).set_index("stage")["count"]
        assert leads == steps["lead"]
        for stage in ("engaged", "toured", "applied", "leased"):
            assert table[stage].to_dict()[period] == steps[stage], (period, stage)


def stage_dates_frame() -> pd.DataFrame:
    """Stage dates written by hand: two cohorts, watched until 2021-11-30."""
    nat = pd.NaT
    rows: list[tuple[Any, ...]] = [
        # September cohort, all watched past 30 days
        ("a", "2021-09-01", "2021-09-05", "2021-09-07", "2021-11-30"),  # toured on day 5
        ("b", "2021-09-02", "2021-09-30", "2021-10-10", "2021-11-30"),  # day 33: straddles
        ("c", "2021-09-03", nat, nat, "2021-11-30"),  # never toured
        ("d", "2021-09-04", "2021-10-20", "2021-10-27", "2021-11-30"),  # day ~49: too late
        # November cohort: one toured early, one younger than the window
        ("e", "2021-11-01", "2021-11-02", "2021-11-04", "2021-11-30"),
        ("f", "2021-11-20", nat, nat, "2021-11-30"),
    ]
    frame = pd.DataFrame(
        rows, columns=["prospect_id", "created_at", "toured_after", "toured_by", "last"]
    )
    out = pd.DataFrame({"prospect_id": frame["prospect_id"]})
    for name in ("created_at", "toured_after", "toured_by"):
        out[name] = pd.to_datetime(frame[name], utc=True).astype("datetime64[us, UTC]")
    out["last_observed_at"] = pd.to_datetime(frame["last"], utc=True)
    out["first_observed_at"] = out["created_at"] + pd.Timedelta(hours=6)
    out.insert(2, "lead_after", out["created_at"])  # stages in funnel order
    out.insert(3, "lead_by", out["created_at"])
    out["source_title"] = pd.Categorical(["Zillow", "Yelp", "Zillow", "Yelp", "Zillow", "Yelp"])
    return out


def test_within_a_window_from_stage_dates() -> None:
    table = kd.cohort_conversion(stage_dates_frame(), within=30).set_index("cohort")
    september, november = table.iloc[0], table.iloc[1]
    assert september["leads"] == 4
    # a (day 5) in; b's midpoint is day 33 (after Sep 30, by Oct 10): out; d out; c never
    assert september["toured"] == 1
    assert september["toured_share"] == 0.25
    assert bool(september["mature"])
    # November: f is 10 days old and not toured: the share is not known yet
    assert november["leads"] == 2
    assert november["toured"] == 1
    assert pd.isna(november["toured_share"])
    assert not bool(november["mature"])
    assert table.attrs["uncertain"] == {30.0: {"toured": 1}}  # b straddles day 30

    ever = kd.cohort_conversion(stage_dates_frame()).set_index("cohort")
    assert ever["toured"].tolist() == [3, 1]
    assert "mature" not in ever.columns


def test_a_lead_not_observed_through_the_window_makes_its_cohort_immature() -> None:
    dates = stage_dates_frame()
    dates.loc[dates["prospect_id"] == "c", "last_observed_at"] = day("2021-09-20")
    table = kd.cohort_conversion(dates, within=30)
    assert pd.isna(table["toured_share"].iloc[0])
    assert not bool(table["mature"].iloc[0])
    # a lead that toured within the window is known, watched or not
    dates.loc[dates["prospect_id"] == "c", "last_observed_at"] = day("2021-11-30")
    dates.loc[dates["prospect_id"] == "a", "last_observed_at"] = day("2021-09-08")
    assert bool(kd.cohort_conversion(dates, within=30)["mature"].iloc[0])


def test_several_windows_give_one_row_per_cohort_and_window() -> None:
    table = kd.cohort_conversion(stage_dates_frame(), within=[7, 60], by="source_title")
    assert table["within_days"].unique().tolist() == [7.0, 60.0]
    sept = table[table["cohort"].astype(str) == "2021-09"].set_index(
        ["within_days", "source_title"]
    )
    assert sept["toured"].loc[(7.0, "Zillow")] == 1  # a, day 5
    assert sept["toured"].loc[(60.0, "Yelp")] == 2  # b (day 33) and d (day ~49)


def test_arguments_are_checked() -> None:
    frame = prospect_frame([{"created_at": "2021-09-01T00:00:00Z", "status": "new"}])
    with pytest.raises(kd.ConfigurationError, match="within= needs the history's stage dates"):
        kd.cohort_conversion(frame, within=30)
    with pytest.raises(kd.ConfigurationError, match="not a number of days"):
        kd.cohort_conversion(stage_dates_frame(), within="30 days")
    with pytest.raises(kd.ConfigurationError, match="not a number of days"):
        kd.cohort_conversion(stage_dates_frame(), within=[30, -1])
    with pytest.raises(kd.ConfigurationError, match="is a period"):
        kd.cohort_conversion(frame, by="week")
    with pytest.raises(kd.ConfigurationError, match="unknown freq"):
        kd.cohort_conversion(frame, "fortnight")
    with pytest.raises(kd.ConfigurationError, match="no intervals for 'leased'"):
        kd.cohort_conversion(stage_dates_frame(), stages={"lead": ["new"], "leased": ["x"]})


def test_a_lead_first_seen_after_its_window_ended_tells_nothing_about_it() -> None:
    # Created before the history began: first seen 60 days after creation, already toured.
    # Whether it toured within 30 days nobody knows: not a falsely low 0 of 1.
    dates = stage_dates_frame()
    old = dates["prospect_id"] == "d"
    dates.loc[old, "first_observed_at"] = day("2021-11-03")
    dates.loc[old, "toured_after"] = dates.loc[old, "created_at"]
    dates.loc[old, "toured_by"] = day("2021-11-03")
    table = kd.cohort_conversion(dates, within=30)
    assert pd.isna(table["toured_share"].iloc[0])
    assert not bool(table["mature"].iloc[0])
    assert table["toured"].iloc[0] == 1  # a, still known
