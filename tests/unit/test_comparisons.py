"""Conversion by group with Wilson intervals, and the wide funnel: answers worked by hand."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import numpy as np
import pandas as pd
import pytest

import knock_data as kd
from knock_data import ConfigurationError
from tests.unit.prospect_frames import prospect_frame


def agents_frame() -> pd.DataFrame:
    """ana: 60 leads, 7 leased, 3 visited, 2 lost; bo: 900 leads, 80 leased; 5 unassigned."""
    rows: list[dict[str, Any]] = []
    for status, n in (("applied_leased", 7), ("visited", 3), ("lost", 2), ("new", 48)):
        rows += [{"agent_username": "ana", "status": status}] * n
    for status, n in (("applied_leased", 80), ("applied_lost", 20), ("open", 800)):
        rows += [{"agent_username": "bo", "status": status}] * n
    rows += [{"agent_username": None, "status": "Applied (Leased)"}] * 1
    rows += [{"agent_username": None, "status": "new"}] * 4
    return prospect_frame(rows)


# --- wilson_interval ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("successes", "trials", "low", "high"),
    [
        # Newcombe (1998), "Two-sided confidence intervals for the single proportion",
        # table I, method 3 (Wilson score without continuity correction).
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0, 0.1611),
        (1, 29, 0.0061, 0.1718),
    ],
)
def test_wilson_interval_matches_newcombes_table(
    successes: int, trials: int, low: float, high: float
) -> None:
    got = kd.wilson_interval(successes, trials)
    assert round(got[0], 4) == low
    assert round(got[1], 4) == high


def test_wilson_interval_by_hand_and_on_arrays() -> None:
    # 7 of 60 at 95%: z = 1.959964, p = 7/60; centre and half-width worked with the formula.
    z = 1.959963984540054
    p, n = 7 / 60, 60
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    low, high = kd.wilson_interval(np.array([7, 0, 5]), np.array([60, 0, 5]))
    assert low[0] == pytest.approx(centre - half)
    assert high[0] == pytest.approx(centre + half)
    assert np.isnan(low[1])
    assert np.isnan(high[1])  # no trial, no rate
    assert (low[2], high[2]) == (pytest.approx(0.5655, abs=1e-4), 1.0)
    wider = kd.wilson_interval(7, 60, confidence=0.99)
    assert wider[0] < low[0] < high[0] < wider[1]


@pytest.mark.parametrize(
    ("successes", "trials", "confidence"),
    [(3, 2, 0.95), (-1, 5, 0.95), (1.5, 5, 0.95), (1, 5, 1.0), (1, 5, 0), (1, 5, True)],
)
def test_wilson_interval_rejects_impossible_counts(
    successes: float, trials: int, confidence: float
) -> None:
    with pytest.raises(ConfigurationError):
        kd.wilson_interval(successes, trials, confidence=confidence)


# --- compare_conversion on a prospect frame ----------------------------------------------


def test_a_small_group_ranks_by_rate_but_shows_how_unsure_it_is() -> None:
    table = kd.compare_conversion(agents_frame(), min_leads=100)

    assert table["agent_username"].tolist()[:2] == ["ana", "bo"]
    assert pd.isna(table["agent_username"].iloc[2])  # the unassigned leads come last
    ana, bo, unassigned = (table.iloc[i] for i in range(3))
    assert (ana["leads"], ana["reached"], ana["rate"]) == (60, 7, pytest.approx(7 / 60))
    assert (bo["leads"], bo["reached"], bo["rate"]) == (900, 80, pytest.approx(80 / 900))
    assert (unassigned["leads"], unassigned["reached"]) == (5, 1)  # "Applied (Leased)" spelt out
    assert (round(ana["ci_low"], 4), round(ana["ci_high"], 4)) == (0.0577, 0.2218)
    assert (round(bo["ci_low"], 4), round(bo["ci_high"], 4)) == (0.0720, 0.1093)
    # ana's interval holds bo's whole interval: the ranking is not to be trusted.
    assert ana["ci_low"] < bo["ci_low"] < bo["ci_high"] < ana["ci_high"]
    assert table["small_sample"].tolist() == [True, False, True]
    assert table.attrs["overall"] == {
        "leads": 965,
        "reached": 88,
        "rate": pytest.approx(88 / 965),
        "ci_low": pytest.approx(kd.wilson_interval(88, 965)[0]),
        "ci_high": pytest.approx(kd.wilson_interval(88, 965)[1]),
        "undecided": 0,
    }
    assert "undecided" not in table.columns


def test_a_stage_is_reached_by_every_later_status_and_never_by_lost() -> None:
    table = kd.compare_conversion(agents_frame(), stage="toured").set_index("agent_username")
    # ana: 7 leased + 3 visited; lost and new did not tour. bo: 80 leased + 20 applied_lost.
    assert table.loc["ana", "reached"] == 10
    assert table.loc["bo", "reached"] == 100
    assert table.attrs["stage"] == "toured"


def test_compare_conversion_by_period_keeps_time_order() -> None:
    df = prospect_frame(
        [
            {"created_at": "2026-01-05T10:00:00Z", "status": "new"},
            {"created_at": "2026-02-05T10:00:00Z", "status": "applied_leased"},
            {"created_at": "2026-02-06T10:00:00Z", "status": "new"},
            {"created_at": "2026-03-05T10:00:00Z", "status": "new"},
        ]
    )
    table = kd.compare_conversion(df, by="month", min_leads=1)
    assert [str(p) for p in table["month"]] == ["2026-01", "2026-02", "2026-03"]
    assert table["rate"].tolist() == [0.0, 0.5, 0.0]


def test_compare_conversion_with_a_custom_funnel() -> None:
    df = prospect_frame([{"status": "new"}, {"status": "visited"}, {"status": "open"}])
    stages = {"inquiry": ["new", "open"], "tour": ["visited"]}
    table = kd.compare_conversion(df, by="status", stage="tour", stages=stages, min_leads=1)
    assert dict(zip(table["status"], table["reached"], strict=True)) == {
        "visited": 1,
        "new": 0,
        "open": 0,
    }


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"stage": "lost"}, "'lost' is not a step of the funnel; the steps are 'lead'"),
        ({"stage": "signed"}, "'signed' is not a step"),
        ({"by": "nope"}, "unknown by='nope'"),
        ({"min_leads": -1}, "min_leads must be a whole number"),
        ({"min_leads": 2.5}, "min_leads must be a whole number"),
        ({"within": 30}, "within= needs a stage-dates frame with a 'last_observed_at'"),
    ],
)
def test_compare_conversion_explains_bad_options(options: dict[str, Any], match: str) -> None:
    with pytest.raises(ConfigurationError, match=match):
        kd.compare_conversion(agents_frame().assign(created_at=pd.Timestamp.now("UTC")), **options)


def test_compare_conversion_does_not_modify_its_input() -> None:
    df = agents_frame()
    before = df.copy()
    kd.compare_conversion(df)
    pd.testing.assert_frame_equal(df, before)


# --- compare_conversion within N days, on a stage-dates frame ----------------------------


def stage_dates_frame() -> pd.DataFrame:
    """Seven prospects as stage_dates gives them; the window is 30 days (see each comment)."""
    rows = [
        # agent, created, leased_after, leased_by, last_observed
        ("ana", "2026-01-01", "2026-01-10", "2026-01-20", "2026-03-01"),  # 19 days: reached
        (
            "ana",
            "2026-01-01",
            "2026-01-25",
            "2026-02-10",
            "2026-03-01",
        ),  # seen at 40: no (straddles)
        ("ana", "2026-01-01", None, None, "2026-03-01"),  # watched 59 days, never: no
        ("ana", "2026-02-20", None, None, "2026-03-01"),  # watched 9 days only: undecided
        ("bo", "2026-02-25", "2026-02-26", "2026-03-01", "2026-03-01"),  # 4 days: reached
        ("bo", "2026-01-01", "2026-02-05", "2026-02-12", "2026-03-01"),  # 35..42 days: no
        ("bo", "2026-01-01", "2026-01-20", "2026-01-31", "2026-03-01"),  # exactly 30: reached
        ("cy", "2026-02-27", None, None, "2026-03-01"),  # only undecided leads
    ]
    frame = pd.DataFrame(
        rows,
        columns=["agent_username", "created_at", "leased_after", "leased_by", "last_observed_at"],
    )
    for column in frame.columns[1:]:
        frame[column] = pd.to_datetime(frame[column], utc=True)
    frame.insert(0, "prospect_id", [str(i) for i in range(len(frame))])
    return frame


def test_within_counts_undecided_leads_apart_never_as_failures() -> None:
    table = kd.compare_conversion(stage_dates_frame(), within=30, min_leads=3)
    assert table["agent_username"].tolist() == ["bo", "ana", "cy"]
    bo, ana, cy = (table.iloc[i] for i in range(3))
    assert (bo["leads"], bo["reached"], bo["undecided"]) == (3, 2, 0)
    assert (ana["leads"], ana["reached"], ana["undecided"]) == (3, 1, 1)
    assert ana["rate"] == pytest.approx(1 / 3)  # not 1/4: the 9-day-old lead may still lease
    assert (cy["leads"], cy["undecided"]) == (0, 1)
    assert np.isnan(cy["rate"])
    assert np.isnan(cy["ci_low"])
    assert table["small_sample"].tolist() == [False, False, True]
    assert table.attrs["within"] == 30.0
    assert table.attrs["straddling"] == 1  # the one seen at the stage only after day 30
    assert table.attrs["overall"]["undecided"] == 2


def test_within_takes_a_timedelta_and_a_shorter_window_changes_the_answer() -> None:
    frame = stage_dates_frame()
    week = kd.compare_conversion(frame, within=timedelta(days=7)).set_index("agent_username")
    # In 7 days only bo's 4-day lease counts; ana's 19-day lease is decided (watched for
    # 59 days) and not in time.
    assert week.loc["bo", "reached"] == 1
    assert week.loc["ana", "reached"] == 0
    # The 9-day-old lead has now been watched for the whole window: all 4 are decided.
    assert (week.loc["ana", "leads"], week.loc["ana", "undecided"]) == (4, 0)


def test_within_judges_leads_created_before_the_history_began_as_cohort_conversion_does() -> None:
    # Both leads were created in October and first observed in January, after their 30-day
    # window closed: nobody saw whether they leased in time. The older rule took the first
    # for a failure (it was "observed for 30 days") and the second too (seen leased only
    # after the window), a falsely low rate; both are undecided, as in cohort_conversion.
    frame = pd.DataFrame(
        {
            "prospect_id": ["1", "2", "3"],
            "agent_username": ["ana", "ana", "ana"],
            "created_at": ["2025-10-01", "2025-10-01", "2026-01-01"],
            "first_observed_at": ["2026-01-15", "2026-01-15", "2026-01-01"],
            "leased_after": [None, "2025-10-01", "2026-01-05"],
            "leased_by": [None, "2026-01-15", "2026-01-10"],
            "last_observed_at": ["2026-03-01", "2026-03-01", "2026-03-01"],
        }
    )
    for column in frame.columns[2:]:
        frame[column] = pd.to_datetime(frame[column], utc=True)
    table = kd.compare_conversion(frame, within=30, min_leads=1).set_index("agent_username")
    assert (table.loc["ana", "leads"], table.loc["ana", "undecided"]) == (1, 2)
    assert table.loc["ana", "rate"] == 1.0


@pytest.mark.parametrize(
    ("frame_change", "options", "match"),
    [
        (lambda f: f, {"within": -1}, "within must be a number of days >= 0"),
        (lambda f: f, {"within": "30"}, "within must be a number of days"),
        (lambda f: f, {"within": 30, "stage": "toured"}, "needs a 'toured_by' column"),
        (lambda f: f, {"within": 30, "stages": {"a": ["new"]}}, "stages= maps statuses"),
        (lambda f: f.drop(columns="last_observed_at"), {"within": 30}, "'last_observed_at'"),
    ],
)
def test_within_explains_what_it_needs(frame_change: Any, options: dict, match: str) -> None:
    with pytest.raises(ConfigurationError, match=match):
        kd.compare_conversion(frame_change(stage_dates_frame()), **options)


# --- funnel_table --------------------------------------------------------------------------


def sources_frame() -> pd.DataFrame:
    return prospect_frame(
        [
            {"source_title": "Yelp", "status": "new"},
            {"source_title": "Zillow", "status": "On Hold"},
            {"source_title": "Zillow", "status": "lost"},
            {"source_title": "Zillow", "status": "applied_leased"},
            {"source_title": "Zillow", "status": "visited"},
            {"source_title": "Yelp", "status": "new"},
            {"source_title": None, "status": "open"},
        ]
    )


def test_funnel_table_is_the_funnel_one_row_per_group() -> None:
    table = kd.funnel_table(sources_frame(), by="source_title")

    assert table["source_title"].tolist()[:2] == ["Zillow", "Yelp"]  # largest first
    assert pd.isna(table["source_title"].iloc[2])  # missing last
    assert list(table.columns) == [
        "source_title", "leads",
        "engaged", "engaged_share", "toured", "toured_share",
        "applied", "applied_share", "leased", "leased_share",
        "lost", "lost_share", "other", "other_share", "statuses",
    ]  # fmt: skip
    zillow = table.iloc[0]
    # Zillow: leased and visited reached engaged and toured; leased also applied; On Hold is
    # "other" and lost is "lost": both leads only.
    steps = ["leads", "engaged", "toured", "applied", "leased", "lost", "other"]
    assert zillow[steps].tolist() == [4, 2, 2, 1, 1, 1, 1]
    assert zillow["toured_share"] == 0.5
    assert zillow["leased_share"] == 0.25
    assert table["leads"].tolist() == [4, 2, 1]
    assert table["engaged"].tolist() == [2, 0, 1]
    # Knock's order, unknown statuses after, the same order in every row.
    assert table["statuses"].tolist() == ["visited, applied_leased, lost, On Hold", "new", "open"]
    assert table.attrs["steps"] == ("lead", "engaged", "toured", "applied", "leased")


def test_funnel_table_agrees_with_the_funnel() -> None:
    df = sources_frame()
    table = kd.funnel_table(df, by="source_title").set_index("source_title")
    long = kd.funnel(df, by="source_title").set_index(["source_title", "stage"])
    sources = ["Zillow", "Yelp"]
    for stage in ("engaged", "toured", "applied", "leased", "lost", "other"):
        counts = long.xs(stage, level="stage").loc[sources]
        assert table.loc[sources, stage].tolist() == counts["count"].tolist()
        assert table.loc[sources, f"{stage}_share"].tolist() == pytest.approx(
            counts["share_of_leads"].tolist()
        )


def test_funnel_table_without_by_and_with_a_custom_funnel() -> None:
    stages = {"inquiry": ["new", "open"], "tour": ["visited", "applied_leased"]}
    table = kd.funnel_table(sources_frame(), stages=stages)
    assert list(table.columns) == [
        "leads",
        "tour",
        "tour_share",
        "other",
        "other_share",
        "statuses",
    ]
    assert table[["leads", "tour", "other"]].iloc[0].tolist() == [7, 2, 2]  # lost, On Hold


def test_funnel_table_by_period_keeps_time_order() -> None:
    df = prospect_frame(
        [
            {"created_at": "2026-01-05T10:00:00Z", "status": "new"},
            {"created_at": "2026-02-05T10:00:00Z", "status": "new"},
            {"created_at": "2026-02-06T10:00:00Z", "status": "visited"},
        ]
    )
    table = kd.funnel_table(df, by="month")
    assert [str(p) for p in table["month"]] == ["2026-01", "2026-02"]
    assert table["toured"].tolist() == [0, 1]


def test_funnel_table_rejects_a_stage_named_like_its_columns() -> None:
    with pytest.raises(ConfigurationError, match="may not be called 'leads'"):
        kd.funnel_table(sources_frame(), stages={"lead": ["new"], "leads": ["visited"]})
