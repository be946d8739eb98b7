"""This period against the last and against a year earlier, partial periods marked."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import knock_data as kd
from knock_data import ConfigurationError
from tests.unit.prospect_frames import prospect_frame


def two_januaries() -> pd.DataFrame:
    """Jan 2025: 2 leads (from the 1st), Feb 2025: 1, Jan 2026: 3, Feb 2026: 1 (on the 3rd)."""
    return prospect_frame(
        [
            {"created_at": "2025-01-01T09:00:00Z", "status": "applied_leased", "source_title": "A"},
            {"created_at": "2025-01-15T09:00:00Z", "status": "new", "source_title": "B"},
            {"created_at": "2025-02-10T09:00:00Z", "status": "new", "source_title": "A"},
            {"created_at": "2026-01-05T09:00:00Z", "status": "applied_leased", "source_title": "A"},
            {"created_at": "2026-01-20T09:00:00Z", "status": "visited", "source_title": "A"},
            {"created_at": "2026-01-31T09:00:00Z", "status": "new", "source_title": None},
            {"created_at": "2026-02-03T09:00:00Z", "status": "new", "source_title": "B"},
        ]
    )


def test_each_month_beside_the_last_and_a_year_earlier() -> None:
    table = kd.compare_periods(two_januaries(), "M").set_index("period")

    assert len(table) == 14  # 2025-01 .. 2026-02, empty months as 0
    assert table.loc["2025-06", "leads"] == 0
    jan, feb = table.loc["2026-01"], table.loc["2026-02"]
    assert (jan["leads"], jan["previous"], jan["change"]) == (3, 0, 3)
    assert np.isnan(jan["relative_change"])  # from 0: no relative change
    assert (jan["year_ago"], jan["year_change"], jan["year_relative_change"]) == (2, 1, 0.5)
    assert (feb["leads"], feb["previous"], feb["change"]) == (1, 3, -2)
    assert feb["relative_change"] == pytest.approx(-2 / 3)
    assert (feb["year_ago"], feb["year_change"], feb["year_relative_change"]) == (1, 0, 0.0)
    first = table.loc["2025-01"]
    assert pd.isna(first["previous"])
    assert pd.isna(first["year_ago"])
    assert table["previous"].dtype == "Int64"
    # The data starts on 1 January (a whole month) and ends on 3 February: only the last
    # month is partial.
    assert table.index[table["partial"]].astype(str).tolist() == ["2026-02"]
    assert [str(p) for p in table.attrs["partial"]] == ["2026-02"]


def test_a_first_period_that_starts_late_is_partial_too() -> None:
    df = prospect_frame(
        [
            {"created_at": "2026-01-10T09:00:00Z", "status": "new"},
            {"created_at": "2026-02-28T23:00:00Z", "status": "new"},
        ]
    )
    assert kd.compare_periods(df, "M")["partial"].tolist() == [True, False]


def test_metric_counts_leads_that_reached_a_step() -> None:
    table = kd.compare_periods(two_januaries(), "M", metric="toured").set_index("period")
    assert table.loc["2025-01", "toured"] == 1  # the lease toured
    assert table.loc["2026-01", "toured"] == 2  # a lease and a visit
    assert table.loc["2026-01", "year_change"] == 1
    assert table.attrs["metric"] == "toured"


def test_by_gives_every_group_every_period_with_missing_kept() -> None:
    table = kd.compare_periods(two_januaries(), "Q", by="source_title")
    assert table["source_title"].isna().sum() == 5  # 2025Q1 .. 2026Q1
    a = table[table["source_title"] == "A"].set_index("period")
    assert a["leads"].tolist() == [2, 0, 0, 0, 2]
    assert a.loc["2026Q1", "year_ago"] == 2
    assert a.loc["2026Q1", "year_change"] == 0


def test_now_extends_to_the_period_holding_it() -> None:
    table = kd.compare_periods(two_januaries(), "M", now="2026-04-10T12:00:00Z")
    tail = table.set_index("period").loc["2026-02":]
    assert tail["leads"].tolist() == [1, 0, 0]  # nothing since February: a real drop
    assert tail["partial"].tolist() == [False, False, True]  # February is whole now
    at_month_end = kd.compare_periods(two_januaries(), "M", now="2026-03-01")
    assert str(at_month_end["period"].iloc[-1]) == "2026-02"
    assert not at_month_end["partial"].iloc[-1]


def test_now_before_the_last_lead_is_an_error() -> None:
    with pytest.raises(ConfigurationError, match="before the last lead"):
        kd.compare_periods(two_januaries(), "M", now="2026-01-01")


def test_periods_follow_the_time_zone() -> None:
    df = prospect_frame(
        [
            {"created_at": "2026-02-10T12:00:00Z", "status": "new"},
            {"created_at": "2026-03-01T03:00:00Z", "status": "new"},  # 28 Feb in Chicago
        ]
    )
    utc = kd.compare_periods(df, "M")
    chicago = kd.compare_periods(df, "M", tz="America/Chicago")
    assert utc["leads"].tolist() == [1, 1]
    assert chicago["leads"].tolist() == [2]
    assert chicago.attrs["tz"] == "America/Chicago"


def test_a_day_compares_with_the_same_weekday_a_year_earlier() -> None:
    df = prospect_frame(
        [
            {"created_at": "2025-03-03T10:00:00Z", "status": "new"},  # a Monday
            {"created_at": "2026-03-02T10:00:00Z", "status": "new"},  # a Monday, 364 days on
            {"created_at": "2026-03-02T11:00:00Z", "status": "new"},
        ]
    )
    last = kd.compare_periods(df, "D").iloc[-1]
    assert (last["leads"], last["year_ago"], last["year_change"]) == (2, 1, 1)


def test_undated_rows_are_counted_apart() -> None:
    df = prospect_frame([{"created_at": "2026-02-10T12:00:00Z"}, {"created_at": None}])
    table = kd.compare_periods(df, "M")
    assert table["leads"].tolist() == [1]
    assert table.attrs["undated"] == 1


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"freq": "fortnight"}, "unknown freq"),
        ({"metric": "signed"}, "'signed' is not a step"),
        ({"by": "month"}, "unknown by='month'"),
    ],
)
def test_compare_periods_explains_bad_options(options: dict, match: str) -> None:
    with pytest.raises(ConfigurationError, match=match):
        kd.compare_periods(two_januaries(), **options)


def test_an_empty_frame_gives_an_empty_table_with_its_columns() -> None:
    table = kd.compare_periods(two_januaries().iloc[:0], "M")
    assert table.empty
    assert "year_relative_change" in table.columns


def test_a_partial_base_is_marked_beside_its_comparison() -> None:
    # Jan 2025 starts on the 1st (whole), Feb 2026 ends on the 3rd (partial); the months
    # between are whole. Each row says whether its previous and year-ago bases are partial.
    table = kd.compare_periods(two_januaries(), "M", now="2026-03-02T00:00Z")
    table.index = pd.Index(table["period"].astype(str))
    feb, mar = "2026-02", "2026-03"
    assert bool(table.loc[mar, "partial"])
    assert not bool(table.loc[feb, "partial"])
    assert table["previous_partial"].dtype == bool
    assert table["year_ago_partial"].dtype == bool
    assert table.loc[mar, "previous_partial"] == bool(table.loc[feb, "partial"])
    # The first month is partial when the data starts late: the month after compares with it.
    late = prospect_frame(
        [
            {"created_at": "2026-01-10T09:00:00Z", "status": "new"},
            {"created_at": "2026-02-28T23:00:00Z", "status": "new"},
        ]
    )
    marks = kd.compare_periods(late, "M")
    assert marks["partial"].tolist() == [True, False]
    assert marks["previous_partial"].tolist() == [False, True]
    assert marks["year_ago_partial"].tolist() == [False, False]


def test_a_partial_year_ago_base_is_marked() -> None:
    df = prospect_frame(
        [
            {"created_at": "2025-01-20T09:00:00Z", "status": "new"},
            {"created_at": "2025-02-10T09:00:00Z", "status": "new"},
            {"created_at": "2026-01-31T23:00:00Z", "status": "new"},
        ]
    )
    table = kd.compare_periods(df, "M")
    table.index = pd.Index(table["period"].astype(str))
    assert bool(table.loc["2025-01", "partial"])
    assert bool(table.loc["2026-01", "year_ago_partial"])
    assert not bool(table.loc["2026-01", "previous_partial"])
