"""Local time (one zone, or each community's) and partial periods, worked out by hand."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

import knock_data as kd
from knock_data import ConfigurationError, filter_prospects, leads_over_time, with_names
from tests.unit.prospect_frames import prospect_frame

ZONES = pd.DataFrame(
    {
        "community_id": ["chi", "bos", "nozone"],
        "name": ["Maple Court", "Harbor Point", "Nowhere"],
        "timezone": ["America/Chicago", "America/New_York", None],
    }
)


def two_towns() -> pd.DataFrame:
    """Three leads at 05:30 UTC on Monday 2 March 2026: Sunday 23:30 in Chicago, Monday
    00:30 in Boston, and one whose community has no zone."""
    rows = [
        {"community_id": c, "created_at": "2026-03-02T05:30:00Z"} for c in ("chi", "bos", "nozone")
    ]
    return with_names(prospect_frame(rows), communities=ZONES)


def test_each_community_in_its_own_time_zone() -> None:
    df = two_towns()
    utc = leads_over_time(df, "D")
    assert utc["leads"].to_dict() == {pd.Period("2026-03-02", "D"): 3}
    local = leads_over_time(df, "D", tz="community")
    # Chicago's lead is Sunday's; Boston's and the zoneless one (in UTC) Monday's.
    assert local["leads"].tolist() == [1, 2]
    assert local.index[0] == pd.Period("2026-03-01", "D")
    assert local.attrs["tz"] == "community"
    assert local.attrs["no_timezone"] == 1
    weekly = leads_over_time(df, "W", tz="community", by="community_name")
    by_week = {str(week): row for week, row in weekly.to_dict("index").items()}
    assert by_week["2026-02-23/2026-03-01"]["Maple Court"] == 1  # the week before
    assert by_week["2026-03-02/2026-03-08"]["Harbor Point"] == 1
    split = kd.source_breakdown(df, by="day", tz="community")
    assert split.groupby("day", observed=True)["count"].sum().tolist() == [1, 2]


def test_filter_days_are_days_of_the_chosen_zone() -> None:
    df = two_towns()
    sunday = ("2026-03-01", "2026-03-01")
    assert filter_prospects(df, created=sunday)["community_id"].tolist() == []
    assert filter_prospects(df, created=sunday, tz="America/Chicago").shape[0] == 3
    kept = filter_prospects(df, created=sunday, tz="community")
    assert kept["community_id"].astype(str).tolist() == ["chi"]
    monday = (date(2026, 3, 2), date(2026, 3, 2))
    kept = filter_prospects(df, created=monday, tz="community")
    assert kept["community_id"].astype(str).tolist() == ["bos", "nozone"]
    # An instant with an offset is that instant, whatever the zone.
    instant = ("2026-03-02T05:30:00+00:00", None)
    assert len(filter_prospects(df, created=instant, tz="America/Chicago")) == 3


def test_community_time_needs_the_zones() -> None:
    df = prospect_frame([{"community_id": "chi", "created_at": "2026-03-02T05:30:00Z"}])
    with pytest.raises(ConfigurationError, match="community_timezone") as info:
        leads_over_time(df, tz="community")
    assert "with_names" in str(info.value.hint)
    with pytest.raises(ConfigurationError, match="community_timezone"):
        filter_prospects(df, created=("2026-03-01", None), tz="community")


def test_partial_first_and_last_periods_are_named() -> None:
    df = prospect_frame(
        [
            {"created_at": "2026-01-20T12:00:00Z"},  # January from the 20th only
            {"created_at": "2026-02-10T12:00:00Z"},
            {"created_at": "2026-03-31T12:00:00Z"},  # March to its last day: complete
        ]
    )
    monthly = leads_over_time(df, "M")
    assert monthly.attrs["partial"] == [pd.Period("2026-01", "M")]
    weekly = leads_over_time(df, "W")
    # Tuesday 20 January starts its week late; Tuesday 31 March ends its week early.
    assert weekly.attrs["partial"] == [pd.Period("2026-01-19", "W"), pd.Period("2026-03-30", "W")]
    assert leads_over_time(df, "D").attrs["partial"] == []
    # The data may cover more than its leads show: say so with span.
    covered = leads_over_time(df, "M", span=("2026-01-01", "2026-03-31"))
    assert covered.attrs["partial"] == []
    quarter = leads_over_time(df, "Q", span=("2026-01-01", "2026-03-15"))
    assert quarter.attrs["partial"] == [pd.Period("2026Q1", "Q")]  # one period, short at its end
    with pytest.raises(ConfigurationError, match="span starts after it ends"):
        leads_over_time(df, "M", span=("2026-03-01", "2026-01-01"))
    with pytest.raises(ConfigurationError, match="span must be a"):
        leads_over_time(df, "M", span="2026-01")


def test_no_leads_no_partial_periods() -> None:
    assert leads_over_time(prospect_frame([]), "M").attrs["partial"] == []
