"""Analysis functions checked against numbers worked out by hand on small frames."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import pytest

from knock_data import (
    DEFAULT_STAGES,
    ConfigurationError,
    consent_breakdown,
    filter_prospects,
    funnel,
    leads_over_time,
    normalize_status,
    source_breakdown,
    stage_of,
    status_breakdown,
)
from knock_data._analysis.statuses import KNOCK_STATUS_LABELS
from tests.unit.prospect_frames import prospect_frame

# Thirteen leads: every Knock status once, plus an unknown one and a missing one.
FUNNEL_STATUSES = [
    "new",
    "open",
    "waiting",
    "booked",
    "visited",
    "canceled_manager",
    "no_show",
    "applied_in_review",
    "applied_leased",
    "applied_lost",
    "lost",
    "on_hold",
    None,
]


def frame_of_statuses(statuses: Sequence[str | None], categorical: bool = True) -> pd.DataFrame:
    return prospect_frame([{"status": s} for s in statuses], categorical=categorical)


@pytest.fixture(params=[True, False], ids=["categorical", "string"])
def categorical(request: pytest.FixtureRequest) -> bool:
    return bool(request.param)


# ---------------------------------------------------------------------------------------
# Status spellings and stages


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("new", "new"),
        ("Canceled (Manager)", "canceled_manager"),
        ("canceled-renter", "canceled_renter"),
        ("Cancelled (Renter)", "canceled_renter"),
        ("No Show", "no_show"),
        ("no-show", "no_show"),
        ("NOSHOW", "no_show"),
        ("APPLIED LEASED", "applied_leased"),
        ("Applied (in review)", "applied_in_review"),
        ("appliedLost", "applied_lost"),
        ("  Visited ", "visited"),
        ("On Hold", "on_hold"),
    ],
)
def test_normalize_status_reads_likely_spellings(raw: str, expected: str) -> None:
    assert normalize_status(raw) == expected


def test_every_knock_label_normalises_to_its_own_key() -> None:
    for key, label in KNOCK_STATUS_LABELS.items():
        assert normalize_status(label) == key
    mapped = {s for statuses in DEFAULT_STAGES.values() for s in statuses}
    assert mapped == set(KNOCK_STATUS_LABELS)  # every known status has a stage


@pytest.mark.parametrize(
    ("status", "stage"),
    [
        ("New", "lead"),
        ("Open", "engaged"),
        ("Booked", "engaged"),
        ("Canceled (Renter)", "engaged"),
        ("No Show", "engaged"),
        ("Visited", "toured"),
        ("Applied (in review)", "applied"),
        ("Applied (Lost)", "applied"),
        ("Applied (Leased)", "leased"),
        ("Lost", "lost"),
        ("Archived", "other"),
        (None, "other"),
    ],
)
def test_stage_of_each_status(status: str | None, stage: str) -> None:
    assert stage_of(status) == stage


@pytest.mark.parametrize("missing", [None, float("nan"), pd.NA, pd.NaT, np.nan])
def test_every_kind_of_missing_status_is_missing(missing: object) -> None:
    assert normalize_status(missing) is None
    assert stage_of(missing) == "other"


def test_default_stages_cannot_be_changed_by_accident_but_seed_your_own() -> None:
    with pytest.raises(TypeError):
        DEFAULT_STAGES["lead"] = ("new", "open")  # type: ignore[index]
    assert stage_of("open") == "engaged"
    mine = {**DEFAULT_STAGES, "toured": ("visited", "no_show")}
    mine["engaged"] = tuple(s for s in DEFAULT_STAGES["engaged"] if s != "no_show")
    assert stage_of("No Show", mine) == "toured"
    assert funnel(frame_of_statuses(["no_show"]), mine).set_index("stage")["count"]["toured"] == 1


# ---------------------------------------------------------------------------------------
# status_breakdown


def test_status_breakdown_counts_shares_and_order(categorical: bool) -> None:
    df = frame_of_statuses(
        ["lost", "new", "Visited", "new", "on_hold", None, "no-show", "new"], categorical
    )
    table = status_breakdown(df)
    assert list(table.columns) == ["status", "stage", "count", "share"]
    # Knock's order first, then the unknown status, then the missing one.
    assert table["status"].tolist() == ["new", "Visited", "no-show", "lost", "on_hold", pd.NA]
    assert table["stage"].tolist() == ["lead", "toured", "engaged", "lost", "other", "other"]
    assert table["count"].tolist() == [3, 1, 1, 1, 1, 1]
    np.testing.assert_allclose(table["share"], [3 / 8, 1 / 8, 1 / 8, 1 / 8, 1 / 8, 1 / 8])
    assert table["count"].dtype == np.int64


def test_status_breakdown_by_column_fills_zeros_and_shares_within_group(
    categorical: bool,
) -> None:
    df = prospect_frame(
        [
            {"status": "new", "community_id": "a"},
            {"status": "new", "community_id": "a"},
            {"status": "visited", "community_id": "a"},
            {"status": "visited", "community_id": "b"},
            {"status": "new", "community_id": None},
        ],
        categorical=categorical,
    )
    table = status_breakdown(df, by="community_id")
    assert list(table.columns) == ["community_id", "status", "stage", "count", "share"]
    got = {
        ("<NA>" if pd.isna(c) else c, s): (n, sh)
        for c, s, n, sh in zip(
            table["community_id"], table["status"], table["count"], table["share"], strict=True
        )
    }
    assert got == {
        ("a", "new"): (2, pytest.approx(2 / 3)),
        ("a", "visited"): (1, pytest.approx(1 / 3)),
        ("b", "new"): (0, 0.0),
        ("b", "visited"): (1, 1.0),
        ("<NA>", "new"): (1, 1.0),
        ("<NA>", "visited"): (0, 0.0),
    }
    assert table["community_id"].iloc[-1] is pd.NA or pd.isna(table["community_id"].iloc[-1])


def test_status_breakdown_by_month_uses_utc_created_periods() -> None:
    df = prospect_frame(
        [
            {"status": "new", "created_at": "2026-01-31T23:30:00-06:00"},  # Feb 1 in UTC
            {"status": "new", "created_at": "2026-01-15T12:00:00Z"},
            {"status": "lost", "created_at": "2026-02-03T12:00:00Z"},
        ]
    )
    table = status_breakdown(df, by="month")
    jan = table[table["month"] == pd.Period("2026-01", "M")]
    feb = table[table["month"] == pd.Period("2026-02", "M")]
    assert jan.set_index("status")["count"].to_dict() == {"new": 1, "lost": 0}
    assert feb.set_index("status")["count"].to_dict() == {"new": 1, "lost": 1}
    chicago = status_breakdown(df, by="month", tz="America/Chicago")
    jan_local = chicago[chicago["month"] == pd.Period("2026-01", "M")]
    assert jan_local.set_index("status")["count"].to_dict() == {"new": 2, "lost": 0}


def test_by_accepts_the_period_aliases_freq_accepts() -> None:
    df = prospect_frame(
        [
            {"source_title": "Zillow", "created_at": "2026-01-31T23:30:00Z"},
            {"source_title": "Yelp", "created_at": "2026-02-01T00:30:00Z"},
        ]
    )
    short = source_breakdown(df, by="M")
    pd.testing.assert_frame_equal(short, source_breakdown(df, by="month"))
    assert list(short.columns) == ["month", "source_title", "count", "share"]
    assert short["month"].drop_duplicates().tolist() == [
        pd.Period("2026-01", "M"),
        pd.Period("2026-02", "M"),
    ]
    # A column called "M" is still that column.
    named = df.assign(M=pd.Series(["x", "y"], dtype="string"))
    assert list(source_breakdown(named, by="M").columns) == ["M", "source_title", "count", "share"]
    with pytest.raises(ConfigurationError, match="unknown by"):
        source_breakdown(df, by=["month"])  # type: ignore[arg-type]


def test_breakdowns_reject_unknown_by_listing_choices() -> None:
    df = frame_of_statuses(["new"])
    with pytest.raises(ConfigurationError) as info:
        status_breakdown(df, by="fortnight")
    message = str(info.value)
    assert "'week'" in message
    assert "'month'" in message
    assert "source_title" in message
    assert isinstance(info.value, ValueError)


def test_breakdown_of_a_frame_without_the_column_says_so() -> None:
    with pytest.raises(ConfigurationError, match="the column 'status'"):
        status_breakdown(pd.DataFrame({"x": [1]}))
    with pytest.raises(ConfigurationError, match="DataFrame"):
        funnel([{"status": "new"}])  # type: ignore[arg-type]


def test_analysis_does_not_modify_its_input() -> None:
    df = frame_of_statuses(FUNNEL_STATUSES)
    before = df.copy()
    status_breakdown(df, by="week")
    funnel(df)
    filter_prospects(df, statuses=["new"])
    pd.testing.assert_frame_equal(df, before)


# ---------------------------------------------------------------------------------------
# source_breakdown and consent_breakdown


def test_source_breakdown_largest_first_missing_last(categorical: bool) -> None:
    sources = ["Zillow", "Yelp", "Zillow", None, "Apartments.com", "Yelp", "Zillow", None]
    df = prospect_frame([{"source_title": s} for s in sources], categorical=categorical)
    table = source_breakdown(df)
    # Yelp and Apartments.com: 2 and 1; the tie-break is by name only for equal counts.
    assert table["source_title"].tolist() == ["Zillow", "Yelp", "Apartments.com", pd.NA]
    assert table["count"].tolist() == [3, 2, 1, 2]
    np.testing.assert_allclose(table["share"], [3 / 8, 2 / 8, 1 / 8, 2 / 8])


def test_source_breakdown_by_week() -> None:
    df = prospect_frame(
        [
            {"source_title": "Zillow", "created_at": "2026-03-02T10:00:00Z"},  # Monday
            {"source_title": "Zillow", "created_at": "2026-03-08T23:00:00Z"},  # Sunday
            {"source_title": "Yelp", "created_at": "2026-03-09T00:00:00Z"},  # next Monday
        ]
    )
    table = source_breakdown(df, by="week")
    week1 = table[table["week"] == pd.Period("2026-03-02", "W")]
    week2 = table[table["week"] == pd.Period("2026-03-09", "W")]
    assert week1.set_index("source_title")["count"].to_dict() == {"Zillow": 2, "Yelp": 0}
    assert week2.set_index("source_title")["share"].to_dict() == {"Zillow": 0.0, "Yelp": 1.0}


def test_consent_breakdown_counts_missing_as_unknown() -> None:
    df = prospect_frame(
        [{"sms_consent": v} for v in [True, True, False, None, True, None, False, True]]
    )
    table = consent_breakdown(df)
    assert table["sms_consent"].tolist() == ["consented", "not consented", "unknown"]
    assert table["count"].tolist() == [4, 2, 2]
    np.testing.assert_allclose(table["share"], [0.5, 0.25, 0.25])


def test_consent_breakdown_by_source() -> None:
    df = prospect_frame(
        [
            {"sms_consent": True, "source_title": "Zillow"},
            {"sms_consent": False, "source_title": "Zillow"},
            {"sms_consent": True, "source_title": "Zillow"},
            {"sms_consent": None, "source_title": "Yelp"},
        ]
    )
    table = consent_breakdown(df, by="source_title").set_index(["source_title", "sms_consent"])
    assert table.loc[("Zillow", "consented"), "count"] == 2
    assert table.loc[("Zillow", "consented"), "share"] == pytest.approx(2 / 3)
    assert table.loc[("Zillow", "unknown"), "count"] == 0
    assert table.loc[("Yelp", "unknown"), "share"] == 1.0


def test_consent_breakdown_reads_text_and_rejects_nonsense() -> None:
    text = pd.DataFrame({"sms_consent": pd.Series(["True", "false", None, "yes"], dtype="string")})
    assert consent_breakdown(text)["count"].tolist() == [2, 1, 1]
    bad = pd.DataFrame({"sms_consent": ["True", "maybe"]}, index=[10, 11])
    with pytest.raises(ConfigurationError, match=r"'maybe' \(row 11\)"):
        consent_breakdown(bad)


def test_empty_frame_gives_empty_tables_with_columns() -> None:
    df = prospect_frame([])
    assert list(status_breakdown(df).columns) == ["status", "stage", "count", "share"]
    assert len(source_breakdown(df, by="month")) == 0
    consent = consent_breakdown(df)
    assert consent["count"].tolist() == [0, 0, 0]
    assert consent["share"].isna().all()


# ---------------------------------------------------------------------------------------
# funnel


def test_funnel_counts_reached_stages_by_hand(categorical: bool) -> None:
    table = funnel(frame_of_statuses(FUNNEL_STATUSES, categorical))
    assert table["stage"].tolist() == [
        "lead", "engaged", "toured", "applied", "leased", "lost", "other",
    ]  # fmt: skip
    # At stage: lead 1 (new); engaged 5 (open, waiting, booked, canceled_manager, no_show);
    # toured 1; applied 2 (in review, applied lost); leased 1; lost 1; other 2.
    assert table["at_stage"].tolist() == [1, 5, 1, 2, 1, 1, 2]
    # Reached: leased 1, applied 1+2, toured 3+1, engaged 4+5, lead = all 13.
    assert table["count"].tolist() == [13, 9, 4, 3, 1, 1, 2]
    np.testing.assert_allclose(
        table["share_of_leads"], [1, 9 / 13, 4 / 13, 3 / 13, 1 / 13, 1 / 13, 2 / 13]
    )
    step = table["step_conversion"].tolist()
    assert np.isnan(step[0])
    assert step[1:5] == pytest.approx([9 / 13, 4 / 9, 3 / 4, 1 / 3])
    assert np.isnan(step[5])
    assert np.isnan(step[6])
    statuses = dict(zip(table["stage"], table["statuses"], strict=True))
    assert statuses["other"] == "(no status), on_hold"
    assert statuses["applied"] == "applied_in_review, applied_lost"
    assert table.attrs["other_statuses"] == {"on_hold": 1, "(no status)": 1}


def test_funnel_reads_labels_and_other_spellings() -> None:
    spelled = [
        "New",
        "Open",
        "Canceled (Manager)",
        "no-show",
        "VISITED",
        "Applied (in review)",
        "APPLIED LEASED",
        "appliedLost",
        "Lost",
    ]
    table = funnel(frame_of_statuses(spelled))
    assert table["count"].tolist() == [9, 7, 4, 3, 1, 1, 0]
    assert table.attrs["other_statuses"] == {}


def test_funnel_with_a_custom_mapping_in_both_forms() -> None:
    df = frame_of_statuses(["new", "open", "visited", "applied_leased", "lost", "booked"])
    by_stage = funnel(
        df, {"inquiry": ["new", "open"], "tour": ["Visited", "booked"], "lease": ["APPLIED_LEASED"]}
    )
    assert by_stage["stage"].tolist() == ["inquiry", "tour", "lease", "other"]
    assert by_stage["count"].tolist() == [6, 3, 1, 1]
    assert by_stage["statuses"].iloc[-1] == "lost"  # lost is unknown to this mapping
    by_status = funnel(df, {"new": "inquiry", "visited": "tour", "lost": "lost"})
    assert by_status["stage"].tolist() == ["inquiry", "tour", "lost", "other"]
    assert by_status["count"].tolist() == [6, 1, 1, 3]


@pytest.mark.parametrize(
    ("stages", "match"),
    [
        ({"a": ["new"], "b": "open"}, "mixes"),
        ({"a": ["new"], "b": ["New"]}, "both"),
        ({"other": ["new"]}, "reserved"),
        ({"lost": ["lost"]}, "at least one stage"),
        ({}, "non-empty"),
    ],
)
def test_funnel_rejects_bad_mappings(stages: dict[str, object], match: str) -> None:
    with pytest.raises(ConfigurationError, match=match):
        funnel(frame_of_statuses(["new"]), stages)


def test_funnel_by_source_gives_rates_within_each_group() -> None:
    df = prospect_frame(
        [
            {"status": "new", "source_title": "Zillow"},
            {"status": "visited", "source_title": "Zillow"},
            {"status": "applied_leased", "source_title": "Zillow"},
            {"status": "applied_leased", "source_title": "Yelp"},
        ]
    )
    table = funnel(df, by="source_title").set_index(["source_title", "stage"])
    assert table.loc[("Zillow", "lead"), "count"] == 3
    assert table.loc[("Zillow", "toured"), "count"] == 2
    assert table.loc[("Zillow", "leased"), "share_of_leads"] == pytest.approx(1 / 3)
    assert table.loc[("Zillow", "leased"), "step_conversion"] == pytest.approx(1.0)
    assert table.loc[("Yelp", "engaged"), "step_conversion"] == 1.0
    assert table.loc[("Yelp", "leased"), "share_of_leads"] == 1.0


def test_funnel_of_no_leads() -> None:
    table = funnel(prospect_frame([]))
    assert table["count"].tolist() == [0] * 7
    assert table["share_of_leads"].isna().all()


# ---------------------------------------------------------------------------------------
# filter_prospects

ROWS: list[dict[str, Any]] = [
    # prospect: kept by default
    {"prospect_id": "1", "status": "new", "community_id": "c1", "source_title": "Zillow",
     "agent_username": "ann", "created_at": "2026-03-01T00:00:00Z",
     "is_deleted": False, "not_prospect": False},
    # deleted
    {"prospect_id": "2", "status": "Visited", "community_id": "c1", "source_title": "Yelp",
     "agent_username": "bob", "created_at": "2026-03-15T12:00:00Z",
     "is_deleted": True, "not_prospect": False},
    # not a prospect
    {"prospect_id": "3", "status": "lost", "community_id": "c2", "source_title": None,
     "agent_username": None, "created_at": "2026-03-31T23:59:59Z",
     "is_deleted": False, "not_prospect": True},
    # flags missing: counts as a prospect
    {"prospect_id": "4", "status": "Applied (Leased)", "community_id": "c2",
     "source_title": "Zillow", "agent_username": "ann", "created_at": "2026-04-01T00:00:00Z",
     "is_deleted": None, "not_prospect": None},
]  # fmt: skip


def ids(df: pd.DataFrame) -> list[str]:
    return df["prospect_id"].tolist()


def test_filter_prospects_follows_knocks_definitions(categorical: bool) -> None:
    df = prospect_frame(ROWS, categorical=categorical)
    assert ids(filter_prospects(df)) == ["1", "4"]
    assert ids(filter_prospects(df, include_not_prospect=True)) == ["1", "3", "4"]  # leads
    assert ids(filter_prospects(df, include_deleted=True)) == ["1", "2", "4"]
    everything = filter_prospects(df, include_deleted=True, include_not_prospect=True)
    assert ids(everything) == ["1", "2", "3", "4"]
    assert everything.dtypes.equals(df.dtypes)


def test_filter_prospects_by_values(categorical: bool) -> None:
    df = prospect_frame(ROWS, categorical=categorical)
    every: dict[str, Any] = {"include_deleted": True, "include_not_prospect": True}
    assert ids(filter_prospects(df, communities="c2", **every)) == ["3", "4"]
    assert ids(filter_prospects(df, sources=["Zillow", None], **every)) == ["1", "3", "4"]
    assert ids(filter_prospects(df, agents=["bob"], **every)) == ["2"]
    assert ids(filter_prospects(df, statuses=["visited", "applied_leased"], **every)) == [
        "2",
        "4",
    ]
    assert ids(filter_prospects(df, sources=[], **every)) == []
    assert ids(filter_prospects(df, communities="c1", sources="Zillow", **every)) == ["1"]


@pytest.mark.parametrize(
    ("created", "expected"),
    [
        (("2026-03-01", "2026-03-31"), ["1", "2", "3"]),  # whole days, inclusive
        (("2026-03", "2026-03"), ["1", "2", "3"]),  # a whole month
        ((None, "2026-03-15"), ["1", "2"]),
        (("2026-03-16", None), ["3", "4"]),
        ((pd.Timestamp("2026-03-15T12:00:00Z"), "2026-04-01T00:00:00Z"), ["2", "3", "4"]),
        (("2026-03-15T06:00:00-06:00", None), ["2", "3", "4"]),  # 12:00 UTC, inclusive
        ((pd.Timestamp("2026-03-01").date(), pd.Timestamp("2026-03-01").date()), ["1"]),
        ((None, None), ["1", "2", "3", "4"]),
    ],
)
def test_filter_prospects_by_created_range(
    created: tuple[object, object], expected: list[str]
) -> None:
    df = prospect_frame(ROWS)
    got = filter_prospects(df, created=created, include_deleted=True, include_not_prospect=True)
    assert ids(got) == expected


@pytest.mark.parametrize(
    ("created", "match"),
    [
        ("2026-03-01", "pair"),
        (("2026-03-02", "2026-03-01"), "starts after it ends"),
        (("yesterday-ish", None), "not a date"),
        ((1.5j, None), "not a date"),
    ],
)
def test_filter_prospects_rejects_bad_created(created: object, match: str) -> None:
    with pytest.raises(ConfigurationError, match=match):
        filter_prospects(prospect_frame(ROWS), created=created)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------
# leads_over_time

# 19:30 on Sunday 1 March 2026 in Texas (CST, UTC-6) is 01:30 on Monday 2 March in UTC.
SUNDAY_EVENING_IN_TEXAS = "2026-03-02T01:30:00Z"


def test_sunday_evening_in_texas_is_monday_in_utc() -> None:
    df = prospect_frame(
        [
            {"created_at": SUNDAY_EVENING_IN_TEXAS},
            {"created_at": "2026-02-25T15:00:00Z"},  # Wednesday of the week before
        ]
    )
    utc = leads_over_time(df, freq="W")
    assert utc.index.tolist() == [pd.Period("2026-02-23", "W"), pd.Period("2026-03-02", "W")]
    assert utc["leads"].tolist() == [1, 1]
    assert utc.attrs["tz"] == "UTC"
    texas = leads_over_time(df, freq="W", tz="America/Chicago")
    assert texas.index.tolist() == [pd.Period("2026-02-23", "W")]
    assert texas["leads"].tolist() == [2]
    assert texas.attrs["tz"] == "America/Chicago"
    days = leads_over_time(df.iloc[:1], freq="D", tz="America/Chicago")
    assert days.index.tolist() == [pd.Period("2026-03-01", "D")]
    assert leads_over_time(df.iloc[:1], freq="day").index.tolist() == [pd.Period("2026-03-02", "D")]


def test_leads_over_time_fills_empty_periods_and_splits_by_column() -> None:
    df = prospect_frame(
        [
            {"created_at": "2026-01-10T12:00:00Z", "source_title": "Zillow"},
            {"created_at": "2026-01-20T12:00:00Z", "source_title": "Yelp"},
            {"created_at": "2026-04-02T12:00:00Z", "source_title": None},
            {"created_at": None, "source_title": "Zillow"},
        ]
    )
    monthly = leads_over_time(df, "M")
    assert monthly.index.name == "period"
    assert [str(p) for p in monthly.index] == ["2026-01", "2026-02", "2026-03", "2026-04"]
    assert monthly["leads"].tolist() == [2, 0, 0, 1]
    assert monthly.attrs["undated"] == 1
    split = leads_over_time(df, "month", by="source_title")
    assert list(split.columns) == ["Yelp", "Zillow", "(no source)"]
    january, april = pd.Period("2026-01", "M"), pd.Period("2026-04", "M")
    assert split.loc[january].tolist() == [1, 1, 0]  # type: ignore[call-overload]  # stubs
    assert split.loc[april].tolist() == [0, 0, 1]  # type: ignore[call-overload]  # lack Period
    assert leads_over_time(df, "Q")["leads"].tolist() == [2, 1]


def test_leads_over_time_rejects_bad_arguments_listing_choices() -> None:
    df = prospect_frame([{"created_at": SUNDAY_EVENING_IN_TEXAS}])
    with pytest.raises(ConfigurationError, match="'week'") as info:
        leads_over_time(df, freq="fortnight")
    assert "'month'" in str(info.value)
    with pytest.raises(ConfigurationError, match="America/Chicago"):
        leads_over_time(df, tz="Texas/Austin")
    with pytest.raises(ConfigurationError, match="source_title"):
        leads_over_time(df, by="colour")


def test_leads_over_time_of_no_leads() -> None:
    empty = leads_over_time(prospect_frame([]))
    assert list(empty.columns) == ["leads"]
    assert len(empty) == 0


def test_importing_analysis_does_not_import_matplotlib() -> None:
    code = (
        "import sys, knock_data as kd; kd.funnel; kd.status_breakdown; "
        "assert 'matplotlib' not in sys.modules, 'matplotlib imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
