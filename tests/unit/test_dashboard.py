"""The dashboard's logic, driven by setting widget values as a click would."""

from __future__ import annotations

import base64
import io
import re
import threading
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

import knock_data as kd
from knock_data._charts import CHART_NAMES, Chart, chart_named
from knock_data._dashboard.layout import TABS
from knock_data._dashboard.render import ChartRenderer, rows_key
from knock_data.sandbox import generate_prospects


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return kd.to_frame(generate_prospects(800, seed=5))


@pytest.fixture
def dash(frame: pd.DataFrame) -> Iterator[kd.Dashboard]:
    dashboard = kd.Dashboard(frame)
    yield dashboard
    dashboard.close()


def _flag(df: pd.DataFrame, column: str) -> np.ndarray:
    return df[column].fillna(False).to_numpy(dtype=bool)


def _consent_rate(df: pd.DataFrame) -> float:
    return float(df["sms_consent"].fillna(False).to_numpy(dtype=bool).mean())


def _charts_hidden(dash: kd.Dashboard) -> bool:
    tabs = next(w for w in dash.widget.children if isinstance(w, widgets.Tab))
    return tabs.layout.display == "none"


def test_starts_with_everything_selected_and_shows_prospects(
    dash: kd.Dashboard, frame: pd.DataFrame
) -> None:
    for name in ("community", "source", "status", "agent"):
        control = dash.controls[name]
        assert len(control.value) == len(control.options) > 1
    assert set(dash.controls) == {
        "community",
        "source",
        "status",
        "agent",
        "created",
        "created_start",
        "created_end",
        "tz",
        "by",
        "include_deleted",
        "include_not_prospect",
    }
    deleted, not_prospect = _flag(frame, "is_deleted"), _flag(frame, "not_prospect")
    assert deleted.any()  # the sample exercises both rules
    assert not_prospect.any()
    expected = frame[~deleted & ~not_prospect]
    assert dash.filtered["prospect_id"].tolist() == expected["prospect_id"].tolist()
    assert list(dash.filtered.columns) == list(frame.columns)
    summary = dash.summary
    assert summary["leads"] == int((~deleted).sum())
    assert summary["prospects"] == len(expected) == summary["shown"]
    assert summary["sms_consent_rate"] == pytest.approx(_consent_rate(expected))
    text = dash.summary_text
    assert text.startswith(f"{summary['leads']:,} leads · {summary['prospects']:,} prospects")
    assert f"SMS consent {summary['sms_consent_rate']:.1%}" in text
    assert dash.message is None


def _prospects(df: pd.DataFrame) -> pd.DataFrame:
    return df[~_flag(df, "is_deleted") & ~_flag(df, "not_prospect")]


def test_missing_values_get_their_own_option(dash: kd.Dashboard, frame: pd.DataFrame) -> None:
    # Counts are among the rows shown (prospects), as the charts beside them count.
    labels = [label for label, _ in dash.controls["source"].options]
    no_source = int(_prospects(frame)["source_title"].isna().sum())
    assert no_source > 0
    assert labels[-1] == f"(no source) ({no_source:,})"  # the missing value comes last
    unassigned = int(_prospects(frame)["agent_username"].isna().sum())
    assert f"(unassigned) ({unassigned:,})" in [lab for lab, _ in dash.controls["agent"].options]


def test_labels_name_communities_and_agents_while_filters_keep_the_ids(
    frame: pd.DataFrame,
) -> None:
    community_ids = frame["community_id"].value_counts().index[:2].tolist()
    agent_id = frame["agent_username"].value_counts().index[0]
    names = {community_ids[0]: "Maple Court", community_ids[1]: "Cedar Point"}
    dashboard = kd.Dashboard(frame, labels={"community": names, "agent": {agent_id: "Dana Smith"}})
    community = dashboard.controls["community"]
    counts = _prospects(frame)["community_id"].value_counts()
    by_value = {value: label for label, value in community.options}
    assert by_value[community_ids[0]] == f"Maple Court ({counts[community_ids[0]]:,})"
    assert by_value[community_ids[1]] == f"Cedar Point ({counts[community_ids[1]]:,})"
    unnamed = [v for v in by_value if v not in names]
    assert unnamed  # values without a name show their id
    assert all(by_value[v].startswith(f"{v} (") for v in unnamed)
    agents = {value: label for label, value in dashboard.controls["agent"].options}
    assert agents[agent_id].startswith("Dana Smith (")

    community.value = (community_ids[0],)
    assert dashboard.filters()["communities"] == [community_ids[0]]
    assert set(dashboard.filtered["community_id"].astype(str)) == {community_ids[0]}
    dashboard.close()


@pytest.mark.parametrize(
    ("labels", "message"),
    [
        ({"communities": {}}, "no filter 'communities'.*'community', 'source'"),
        ({"agent": ["Dana"]}, r"labels\['agent'\] must map values to names"),
        ([("agent", {})], "labels must be a mapping"),
    ],
)
def test_labels_that_name_nothing_are_refused(
    frame: pd.DataFrame, labels: object, message: str
) -> None:
    with pytest.raises(kd.ConfigurationError, match=message):
        kd.Dashboard(frame, labels=labels)  # type: ignore[arg-type]


def test_source_filter_narrows_rows_summary_and_charts(
    dash: kd.Dashboard, frame: pd.DataFrame
) -> None:
    before_status = dash.chart_svg("status")
    source = dash.controls["source"]
    keep = tuple(v for v in source.value if v in ("Zillow", "Property Website"))
    assert len(keep) == 2

    source.value = keep

    in_sources = frame["source_title"].isin(keep).to_numpy(dtype=bool)
    deleted, not_prospect = _flag(frame, "is_deleted"), _flag(frame, "not_prospect")
    expected = frame[in_sources & ~deleted & ~not_prospect]
    assert set(dash.filtered["source_title"].astype(str)) == set(keep)
    assert dash.filtered["prospect_id"].tolist() == expected["prospect_id"].tolist()
    assert dash.summary["leads"] == int((in_sources & ~deleted).sum())
    assert dash.summary["prospects"] == len(expected)
    assert dash.summary["sms_consent_rate"] == pytest.approx(_consent_rate(expected))
    assert dash.filters()["sources"] == list(keep)
    assert dash.filters()["communities"] is None  # everything selected means no filter
    assert dash.chart_svg("status") != before_status
    assert f"({len(expected):,} prospects)" in dash.chart_svg("status").decode()  # its total


def test_deselecting_the_missing_option_drops_rows_without_a_source(
    dash: kd.Dashboard, frame: pd.DataFrame
) -> None:
    source = dash.controls["source"]
    source.value = tuple(v for v in source.value if v is not None)
    assert dash.filtered["source_title"].notna().all()
    expected = frame["source_title"].notna() & ~_flag(frame, "is_deleted")
    assert dash.summary["leads"] == int(expected.sum())


def test_toggles_follow_knocks_definitions(dash: kd.Dashboard, frame: pd.DataFrame) -> None:
    deleted = _flag(frame, "is_deleted")
    dash.controls["include_not_prospect"].value = True
    assert dash.summary["shown"] == dash.summary["leads"] == int((~deleted).sum())
    assert _flag(dash.filtered, "not_prospect").any()
    assert not _flag(dash.filtered, "is_deleted").any()

    dash.controls["include_deleted"].value = True
    assert dash.summary["shown"] == len(frame) == len(dash.filtered)
    assert dash.summary["leads"] == int((~deleted).sum())  # leads never count deleted ones


def test_created_range_keeps_whole_utc_days(dash: kd.Dashboard, frame: pd.DataFrame) -> None:
    created = dash.controls["created"]
    n_days = len(created.options)
    assert created.index == (0, n_days - 1)
    days = [day for _, day in created.options]
    utc = frame["created_at"].dt.tz_convert("UTC")
    start = days.index(utc.quantile(0.4).date())
    end = days.index(utc.quantile(0.6).date())
    created.index = (start, end)

    first, last = created.value
    assert (first, last) == (created.options[start][1], created.options[end][1])
    stamps = dash.filtered["created_at"]
    assert stamps.min() >= pd.Timestamp(first, tz="UTC")
    assert stamps.max() < pd.Timestamp(last + timedelta(days=1), tz="UTC")
    in_range = (utc >= pd.Timestamp(first, tz="UTC")) & (
        utc < pd.Timestamp(last + timedelta(days=1), tz="UTC")
    )
    prospects = ~_flag(frame, "is_deleted") & ~_flag(frame, "not_prospect")
    assert len(dash.filtered) == int((in_range.to_numpy() & prospects).sum()) > 0


def test_created_range_edges_are_whole_utc_days_in_any_time_zone(frame: pd.DataFrame) -> None:
    df = frame.copy()
    edges = {
        "first instant": pd.Timestamp("2021-01-10 00:00:00", tz="UTC"),
        "last instant": pd.Timestamp("2021-01-10 23:59:59.999999", tz="UTC"),
        "next day": pd.Timestamp("2021-01-11 00:00:00", tz="UTC"),
        "day before": pd.Timestamp("2021-01-09 23:59:59.999999", tz="UTC"),
    }
    rows = df.index[: len(edges)]
    df.loc[rows, "created_at"] = list(edges.values())
    df.loc[rows, ["is_deleted", "not_prospect"]] = False
    ids = dict(zip(edges, df.loc[rows, "prospect_id"], strict=True))
    # The same instants seen from Los Angeles, where the last one falls on 2021-01-10 too.
    df["created_at"] = df["created_at"].dt.tz_convert("America/Los_Angeles")
    dashboard = kd.Dashboard(df)
    created = dashboard.controls["created"]
    day = [d for _, d in created.options].index(date(2021, 1, 10))

    created.index = (day, day)

    kept = set(dashboard.filtered["prospect_id"])
    assert {ids["first instant"], ids["last instant"]} <= kept
    assert not {ids["next day"], ids["day before"]} & kept
    assert dashboard.filters()["created"] == (date(2021, 1, 10), date(2021, 1, 10))
    dashboard.close()


def test_no_rows_shows_a_plain_explanation(dash: kd.Dashboard) -> None:
    dash.controls["community"].value = ()

    assert dash.filtered.empty
    assert dash.summary == {"leads": 0, "prospects": 0, "shown": 0, "sms_consent_rate": None}
    assert dash.message is not None
    assert "Nothing is selected under community" in dash.message
    assert "Traceback" not in dash.message
    assert _charts_hidden(dash)
    assert "SMS consent n/a" in dash.summary_text

    dash.controls["community"].value = tuple(v for _, v in dash.controls["community"].options)
    assert dash.message is None
    assert not _charts_hidden(dash)


def test_combination_with_no_rows_names_the_narrowed_filters(dash: kd.Dashboard) -> None:
    source, status = dash.controls["source"], dash.controls["status"]
    dash.controls["created"].index = (0, 0)  # the first day only
    source.value = source.value[-1:]
    status.value = status.value[-1:]
    assert dash.filtered.empty
    message = dash.message
    assert message is not None
    assert "source (1 of" in message
    assert "status (1 of" in message
    assert "created" in message
    assert "deleted and not-a-prospect excluded" in message

    dash.controls["include_not_prospect"].value = True  # still no row, other filters
    assert dash.filtered.empty
    assert "not-a-prospect included" in str(dash.message)
    dash.controls["include_deleted"].value = True
    assert dash.filtered.empty
    assert "excluded" not in str(dash.message)  # nothing left out by the toggles


def test_reset_selects_everything_again(dash: kd.Dashboard) -> None:
    initial = dash.filtered["prospect_id"].tolist()
    dash.controls["status"].value = dash.controls["status"].value[:1]
    dash.controls["include_deleted"].value = True
    dash.controls["created"].index = (3, 9)
    dash.reset()
    assert dash.filtered["prospect_id"].tolist() == initial
    narrowing = {k: v for k, v in dash.filters().items() if not k.startswith("include")}
    assert narrowing.pop("tz") == "UTC"
    assert all(v is None for v in narrowing.values())


def test_export_link_holds_export_csv_output_of_the_filtered_rows(
    dash: kd.Dashboard, tmp_path
) -> None:
    dash.controls["status"].value = dash.controls["status"].value[:3]
    link = dash.prepare_export()

    match = re.search(
        r'download="([^"]+\.csv)" href="data:text/csv;charset=utf-8;base64,([^"]+)"', link
    )
    assert match, link
    payload = base64.b64decode(match.group(2))
    direct = tmp_path / "direct.csv"
    kd.export_csv(dash.filtered, direct)
    assert payload == direct.read_bytes()
    back = pd.read_csv(io.BytesIO(payload), encoding="utf-8-sig", dtype={"prospect_id": str})
    assert back["prospect_id"].tolist() == dash.filtered["prospect_id"].tolist()
    assert f"Download {len(dash.filtered):,} rows" in dash.export_link

    dash.controls["include_not_prospect"].value = True
    assert dash.export_link == ""  # a stale link never outlives the filters


@pytest.mark.parametrize("pii", ["mask", "drop"])
def test_export_writes_personal_data_as_export_csv_does(
    dash: kd.Dashboard, pii: str, tmp_path
) -> None:
    dash.export_pii = pii
    link = dash.prepare_export()
    payload = base64.b64decode(link.split("base64,")[1].split('"')[0])
    direct = tmp_path / "direct.csv"
    kd.export_csv(dash.filtered, direct, pii=pii)
    assert payload == direct.read_bytes()
    back = pd.read_csv(io.BytesIO(payload), encoding="utf-8-sig", dtype=str)
    emails = dash.filtered["email"].dropna().astype(str)
    assert not emails.empty
    assert not set(back.get("email", pd.Series(dtype=str)).dropna()) & set(emails)
    assert "prospect_id" in back.columns
    if pii == "drop":
        assert "email" not in back.columns
        assert "phone" not in back.columns

    dash.export_pii = "keep"
    assert dash.export_link == ""  # a new choice needs a new export
    with pytest.raises(kd.ConfigurationError, match="'keep', 'mask', 'drop'"):
        dash.export_pii = "hide"


def test_only_the_open_tab_is_redrawn_and_others_on_opening(dash: kd.Dashboard) -> None:
    sources_before = dash.chart_svg("sources")
    funnel_before = dash.chart_svg("funnel")
    assert dash.tab == "Status and funnel"
    dash.controls["community"].value = dash.controls["community"].value[:2]
    assert dash.chart_svg("funnel") != funnel_before
    assert dash.chart_svg("sources") == sources_before  # not drawn until its tab opens

    dash.tab = "Sources & consent"
    assert dash.chart_svg("sources") != sources_before
    assert dash.chart_svg("sources").lstrip().startswith(b"<?xml")
    dash.tab = "Leads over time"
    assert b"<svg" in dash.chart_svg("leads_over_time")
    with pytest.raises(kd.ConfigurationError, match="'Status and funnel', 'Sources & consent'"):
        dash.tab = "Map"
    with pytest.raises(kd.ConfigurationError, match="'status', 'sources'"):
        dash.chart_svg("pie")


def test_a_toggle_that_changes_no_row_does_not_redraw(
    frame: pd.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    dashboard = kd.Dashboard(frame.assign(is_deleted=False))  # no deleted record at all
    drawn: list[str] = []
    render = ChartRenderer.render

    def counted(renderer: ChartRenderer, chart: Any, df: pd.DataFrame, options: Any) -> bytes:
        drawn.append(chart.name)
        return render(renderer, chart, df, options)

    monkeypatch.setattr(ChartRenderer, "render", counted)
    summary_before = dashboard.summary_text

    dashboard.controls["include_deleted"].value = True

    assert drawn == []
    assert dashboard.summary_text != summary_before  # says deleted are included
    dashboard.controls["status"].value = dashboard.controls["status"].value[:2]
    assert sorted(drawn) == ["funnel", "status"]  # a real change does redraw
    dashboard.refresh(force=True)
    assert sorted(drawn) == ["funnel", "funnel", "status", "status"]
    dashboard.close()


def test_redraws_leave_no_pyplot_figure_open(frame: pd.DataFrame) -> None:
    open_before = set(plt.get_fignums())
    dashboard = kd.Dashboard(frame)
    dashboard.controls["source"].value = dashboard.controls["source"].value[:1]
    for tab in ("Sources & consent", "Leads over time", "Status and funnel"):
        dashboard.tab = tab
    assert set(plt.get_fignums()) == open_before
    dashboard.close()


def test_changes_from_several_threads_redraw_one_at_a_time(
    dash: kd.Dashboard, frame: pd.DataFrame
) -> None:
    community, tabs = dash.controls["community"], list(TABS)
    values = [value for _, value in community.options]
    errors: list[BaseException] = []

    def click_around(start: int) -> None:
        try:
            for step in range(12):
                community.value = tuple(values[(start + step) % len(values) :])
                dash.tab = tabs[(start + step) % 3]
        except Exception as exc:  # noqa: BLE001 - collected and reported below
            errors.append(exc)

    threads = [threading.Thread(target=click_around, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    final = kd.filter_prospects(frame, **dash.filters())
    assert dash.filtered["prospect_id"].tolist() == final["prospect_id"].tolist()
    assert dash.summary["shown"] == len(final)
    dash.tab = tabs[0]
    assert f"Lead funnel ({len(final):,} prospects)" in dash.chart_svg("funnel").decode()


def test_displays_itself_as_a_widget(dash: kd.Dashboard) -> None:
    bundle = dash._repr_mimebundle_()
    data = bundle[0] if isinstance(bundle, tuple) else bundle
    view = data["application/vnd.jupyter.widget-view+json"]
    assert view["model_id"] == dash.widget.model_id
    assert "rows shown" in repr(dash)


def test_refuses_a_frame_without_the_columns_it_needs(frame: pd.DataFrame) -> None:
    with pytest.raises(kd.ConfigurationError, match="sms_consent"):
        kd.Dashboard(frame.drop(columns=["sms_consent"]))
    with pytest.raises(kd.ConfigurationError, match="DataFrame"):
        kd.Dashboard(frame.to_dict("records"))  # type: ignore[arg-type]


def test_an_empty_frame_explains_itself(frame: pd.DataFrame) -> None:
    dashboard = kd.Dashboard(frame.iloc[0:0])
    assert dashboard.filtered.empty
    assert "no rows" in str(dashboard.message).lower()
    assert dashboard.controls["created"].disabled
    dashboard.close()


def test_statuses_use_knocks_labels_and_order_and_keep_unknown_ones(
    frame: pd.DataFrame,
) -> None:
    df = frame.copy()
    df["status"] = df["status"].cat.add_categories(["Pending Review"])
    df.loc[df.index[:2], "status"] = "Pending Review"
    df.loc[df.index[2], "status"] = None
    dashboard = kd.Dashboard(df)
    status = dashboard.controls["status"]
    labels = [label.rsplit(" (", 1)[0] for label, _ in status.options]
    assert labels[:2] == ["New", "Open"]
    assert labels.index("Applied (Leased)") < labels.index("Lost") < labels.index("Pending Review")
    assert labels[-1] == "(no status)"
    assert dict((v, lab) for lab, v in status.options)["applied_leased"].startswith(
        "Applied (Leased)"
    )

    # One choice per status however it is spelt: its value is the canonical key.
    assert dict((v, lab) for lab, v in status.options)["pending_review"].startswith(
        "Pending Review ("
    )
    status.value = ("pending_review", None)
    kept = dashboard.filtered["status"]
    expected = df["status"].isna() | (df["status"] == "Pending Review")
    prospects = ~_flag(df, "is_deleted") & ~_flag(df, "not_prospect")
    assert len(kept) == int((expected.to_numpy(dtype=bool) & prospects).sum()) > 0
    assert set(kept.dropna().astype(str)) <= {"Pending Review"}
    dashboard.close()


def test_every_chart_of_the_registry_is_on_exactly_one_tab() -> None:
    on_tabs = [name for names in TABS.values() for name in names]
    assert sorted(on_tabs) == sorted(CHART_NAMES)


def test_the_renderer_keeps_charts_per_rows_and_forgets_the_oldest(
    frame: pd.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    renderer = ChartRenderer(cache_size=2)
    drawn: list[str] = []
    render = ChartRenderer.render

    def counted(self: ChartRenderer, chart: Chart, df: pd.DataFrame, options: Any) -> bytes:
        drawn.append(chart.name)
        return render(self, chart, df, options)

    monkeypatch.setattr(ChartRenderer, "render", counted)
    funnel = chart_named("funnel")
    parts = [frame.iloc[i * 100 : (i + 1) * 100] for i in range(3)]
    keys = [rows_key(part) for part in parts]
    first = renderer.svg(funnel, keys[0], parts[0])
    assert renderer.svg(funnel, keys[0], parts[0]) is first  # kept, not drawn again
    renderer.svg(funnel, keys[1], parts[1])
    renderer.svg(funnel, keys[2], parts[2])  # the third set pushes out the first
    assert len(drawn) == 3
    assert renderer.svg(funnel, keys[0], parts[0]).startswith(b"<?xml")
    assert len(drawn) == 4  # drawn again
    renderer.close()
