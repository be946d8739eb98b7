"""The dashboard's faceted counts, typed dates, time-zone and group-by choices, and lists."""

from __future__ import annotations

import base64
import io
import random
from collections.abc import Iterator
from datetime import date, timedelta

import numpy as np
import openpyxl
import pandas as pd
import pytest

import knock_data as kd
from knock_data.sandbox import generate_prospects, naming_tables


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return kd.with_names(kd.to_frame(generate_prospects(900, seed=5)), **naming_tables(seed=5))


@pytest.fixture
def dash(frame: pd.DataFrame) -> Iterator[kd.Dashboard]:
    dashboard = kd.Dashboard(frame)
    yield dashboard
    dashboard.close()


def counts(dash: kd.Dashboard, name: str) -> dict[object, int]:
    return dash.controls[name].counts


def test_counts_follow_the_other_filters(dash: kd.Dashboard, frame: pd.DataFrame) -> None:
    community = dash.controls["community"]
    chosen = community.value[1]
    community.value = (chosen,)

    shown = kd.filter_prospects(frame, communities=[chosen])
    expected = shown["source_title"].value_counts(dropna=False)
    got = counts(dash, "source")
    assert {k: v for k, v in got.items() if v} == {
        (None if k is None or k != k else k): int(v) for k, v in expected.items() if v
    }
    assert sum(got.values()) == dash.summary["shown"] == len(shown)
    # The community list itself still counts every community (within the other filters),
    # so a reader sees what choosing another would give.
    everyone = kd.filter_prospects(frame)["community_id"].value_counts()
    assert counts(dash, "community") == {k: int(v) for k, v in everyone.items()}
    # A value the other filters leave empty shows 0 and stays in the list.
    agents = counts(dash, "agent")
    assert 0 in agents.values()
    assert len(agents) == len(dash.controls["agent"].options)


def test_counts_agree_with_the_charts_beside_them(dash: kd.Dashboard) -> None:
    dash.controls["source"].value = ("Zillow", "Yelp")
    status_counts = counts(dash, "status")
    table = kd.status_breakdown(dash.filtered)
    assert {k: v for k, v in status_counts.items() if v} == {
        kd.normalize_status(s): int(n)
        for s, n in zip(table["status"], table["count"], strict=True)
        if n
    }
    new = status_counts["new"]
    assert f"New ({new:,})" in dict((v, lab) for lab, v in dash.controls["status"].options)["new"]
    assert f"{new:,} (" in dash.chart_svg("status").decode()  # the New bar says the same
    # The toggles count too: with not-a-prospect records in, the counts grow with the rows.
    dash.controls["include_not_prospect"].value = True
    assert sum(counts(dash, "status").values()) == dash.summary["shown"]


def test_rows_are_filter_prospects_rows_for_any_state(
    dash: kd.Dashboard, frame: pd.DataFrame
) -> None:
    rng = random.Random(4)
    for _ in range(12):
        with dash._batch():
            for name in ("community", "source", "status", "agent"):
                values = [v for _, v in dash.controls[name].options]
                if rng.random() < 0.5:
                    dash.controls[name].value = tuple(
                        rng.sample(values, rng.randint(1, len(values)))
                    )
                else:
                    dash.controls[name].value = tuple(values)
            dash.controls["include_deleted"].value = rng.random() < 0.3
            dash.controls["include_not_prospect"].value = rng.random() < 0.5
            dash.controls["tz"].value = rng.choice(["UTC", "community", "America/Los_Angeles"])
            n = len(dash.controls["created"].options)
            lo = rng.randrange(n)
            dash.controls["created"].index = (lo, rng.randrange(lo, n))
        expected = kd.filter_prospects(frame, **dash.filters())
        assert dash.filtered["prospect_id"].tolist() == expected["prospect_id"].tolist()
        assert dash.summary["shown"] == len(expected)
        for name in ("source", "status"):
            if dash.filters()[{"source": "sources", "status": "statuses"}[name]] is None:
                assert sum(counts(dash, name).values()) == len(expected)


def test_typed_dates_move_the_slider_and_the_slider_moves_them(
    dash: kd.Dashboard, frame: pd.DataFrame
) -> None:
    slider, start, end = (dash.controls[k] for k in ("created", "created_start", "created_end"))
    days = [d for _, d in slider.options]
    assert (start.value, end.value) == (days[0], days[-1])
    assert (start.min, start.max) == (days[0], days[-1])

    start.value = date(2021, 3, 1)
    end.value = date(2021, 3, 31)
    assert slider.value == (date(2021, 3, 1), date(2021, 3, 31))
    assert dash.filters()["created"] == (date(2021, 3, 1), date(2021, 3, 31))
    created = dash.filtered["created_at"].dt.tz_convert("UTC")
    assert created.min() >= pd.Timestamp("2021-03-01", tz="UTC")
    assert created.max() < pd.Timestamp("2021-04-01", tz="UTC")
    assert "31 days (UTC)" in dash._w.created_label.value

    slider.index = (0, 9)
    assert (start.value, end.value) == (days[0], days[9])
    end.value = days[0] - timedelta(days=30)  # before the first lead: held at the first day
    assert slider.value == (days[0], days[0])
    end.value = days[9]
    start.value = days[12]  # after the end: the range runs from one to the other
    assert slider.value == (days[9], days[12])
    assert (start.value, end.value) == (days[9], days[12])


def test_the_time_zone_sets_the_days_and_the_charts(
    dash: kd.Dashboard, frame: pd.DataFrame
) -> None:
    zones = [value for _, value in dash.controls["tz"].options]
    assert zones[:2] == ["UTC", "community"]
    assert "America/Chicago" in zones
    days = [d for _, d in dash.controls["created"].options]
    # A day whose leads differ in local time: someone wrote in late in the evening.
    day = next(
        d
        for d in days[30:]
        if set(kd.filter_prospects(frame, created=(d, d))["prospect_id"])
        != set(kd.filter_prospects(frame, created=(d, d), tz="community")["prospect_id"])
    )
    dash.controls["created"].index = (days.index(day), days.index(day))
    dash.controls["tz"].value = "community"
    assert dash.controls["created"].value == (day, day)  # the same day, in local time now
    local = kd.filter_prospects(frame, created=(day, day), tz="community")
    assert dash.filtered["prospect_id"].tolist() == local["prospect_id"].tolist()
    utc = kd.filter_prospects(frame, created=(day, day))
    assert set(local["prospect_id"]) != set(utc["prospect_id"])
    dash.controls["created"].index = (0, len(dash.controls["created"].options) - 1)
    dash.tab = "Leads over time"
    assert "local time" in dash.chart_svg("leads_over_time").decode()
    dash.controls["tz"].value = "America/Denver"
    assert "America/Denver" in dash.chart_svg("leads_over_time").decode()


def test_group_by_splits_the_charts_that_take_it(dash: kd.Dashboard, frame: pd.DataFrame) -> None:
    choices = dict((value, label) for label, value in dash.controls["by"].options)
    assert choices == {
        "": "No grouping",
        "source_title": "Source",
        "community_id": "Community",
        "agent_username": "Agent",
        "first_contact_type": "First contact type",
    }
    dash.tab = "Sources & consent"
    before = dash.chart_svg("consent")
    sources_before = dash.chart_svg("sources")
    dash.controls["by"].value = "community_id"
    consent = dash.chart_svg("consent").decode()
    assert consent != before.decode()
    assert "SMS consent by community" in consent
    assert "Maple Court (Austin)" in consent  # names, not ids
    assert dash.chart_svg("sources") == sources_before  # a chart without by is unchanged
    dash.tab = "Leads over time"
    over_time = dash.chart_svg("leads_over_time").decode()
    assert "by community" in over_time
    assert "Harbor Point (Boston)" in over_time
    dash.controls["by"].value = ""
    assert "by community" not in dash.chart_svg("leads_over_time").decode()


def test_lists_read_at_a_glance_and_search(dash: kd.Dashboard) -> None:
    source = dash.controls["source"]
    assert source.summary == f"Source · all {len(source.options)}"
    assert all(box.value for box in source.boxes)  # everything ticked, not greyed out
    source.value = ("Zillow", "Yelp", "Facebook", "Zumper")
    assert source.summary.startswith("Source · 4 of ")
    assert source.summary.endswith("Zillow, Facebook, Zumper and 1 more")  # in list order
    assert [box.value for box in source.boxes].count(True) == 4
    source.boxes[0].value = True  # a click on a box
    assert source.value[0] == source.options[0][1]
    source.none_button.click()
    assert source.value == ()
    assert "none selected" in source.summary
    assert dash.message is not None
    source.all_button.click()
    assert len(source.value) == len(source.options)
    source.search.value = "apartment"
    visible = [box.description for box in source.boxes if box.layout.display != "none"]
    assert visible
    assert all("apartment" in label.lower() for label in visible)
    assert dash.controls["community"].search.layout.display == "none"  # 7: no search needed


def test_export_as_excel_writes_the_filtered_rows(dash: kd.Dashboard) -> None:
    dash.controls["status"].value = ("new", "open")
    dash.export_format = "xlsx"
    link = dash.prepare_export()
    assert 'download="knock-prospects-' in link
    assert ".xlsx" in link
    payload = base64.b64decode(link.split("base64,")[1].split('"')[0])
    sheet = openpyxl.load_workbook(io.BytesIO(payload)).worksheets[0]
    ids = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert ids == dash.filtered["prospect_id"].tolist()
    header = [cell.value for cell in sheet[1]]
    assert "community_name" in header
    dash.export_format = "csv"
    assert dash.export_link == ""
    with pytest.raises(kd.ConfigurationError, match="'csv', 'xlsx'"):
        dash.export_format = "pdf"


def test_summary_counts_one_as_one(frame: pd.DataFrame) -> None:
    one = kd.Dashboard(frame.iloc[:1])
    try:
        assert one.summary_text.startswith("1 lead · 1 prospect · SMS consent")
        assert "charts show 1 prospect:" in one.summary_text
    finally:
        one.close()


def test_facets_are_fast_enough_to_count_on_every_change(frame: pd.DataFrame) -> None:
    from knock_data._dashboard.filters import MULTI_FILTERS, Facet, facet_counts

    big = pd.concat([frame] * 40, ignore_index=True)  # 36,000 rows
    facets = {spec.name: Facet.of(big, spec) for spec in MULTI_FILTERS}
    keeps = {name: facet.keeps(facet.values[:2]) for name, facet in facets.items()}
    result = facet_counts(facets, keeps, np.ones(len(big), dtype=bool))
    # Each list's counts are exactly its column's counts among the others' rows.
    masks = [keeps[name] for name in ("community", "source", "agent")]
    assert all(mask is not None for mask in masks)
    others = np.logical_and.reduce([m for m in masks if m is not None])
    statuses = big.loc[others, "status"].map(kd.normalize_status).value_counts()
    assert dict(zip(facets["status"].values, result["status"].tolist(), strict=True)) == {
        v: int(statuses.get(v, 0)) for v in facets["status"].values
    }


def test_a_value_that_is_no_choice_is_refused_with_close_ones(dash: kd.Dashboard) -> None:
    with pytest.raises(kd.ConfigurationError, match="Source has no value 'Zilow'") as info:
        dash.controls["source"].value = ("Zilow",)
    assert "'Zillow'" in str(info.value.hint)
    assert len(dash.controls["source"].value) == len(dash.controls["source"].options)
    dash.controls["status"].value = ("Applied (Leased)", "NO SHOW")  # any spelling
    assert dash.controls["status"].value == ("no_show", "applied_leased")
    assert set(dash.filtered["status"].map(kd.normalize_status)) == {"no_show", "applied_leased"}
