"""Comparison tables and charts as a report shows them: names beside ids, what the rows are
called, stage labels, a legend clear of the data, and a note where shares exceed 100%."""

from __future__ import annotations

from collections.abc import Callable

import matplotlib

matplotlib.use("Agg")

import pandas as pd
import pytest
from matplotlib.axes import Axes

import knock_data as kd
from knock_data._charts.comparisons import rate_label
from tests.unit.prospect_frames import prospect_frame

pytestmark = pytest.mark.usefixtures("close_new_figures")

AGENTS = {"u-ana": "Ana Lima", "u-bo": "Bo Berg"}


def named() -> pd.DataFrame:
    """Ana: 3 leads (1 leased, 1 toured), Bo: 2 (1 leased); agents by UUID, with names."""
    rows = [
        {"agent_username": "u-ana", "status": "applied_leased", "created_at": "2026-01-05T10:00Z"},
        {"agent_username": "u-ana", "status": "visited", "created_at": "2026-01-20T10:00Z"},
        {"agent_username": "u-ana", "status": "new", "created_at": "2026-02-03T10:00Z"},
        {"agent_username": "u-bo", "status": "applied_leased", "created_at": "2026-01-07T10:00Z"},
        {"agent_username": "u-bo", "status": "new", "created_at": "2026-02-09T10:00Z"},
    ]
    frame = prospect_frame(rows)
    frame["pets"] = pd.Series(["cat, dog", "none", "cat", None, "bird"], dtype="string")
    return kd.with_names(frame, agents=AGENTS)


def ticks(ax: Axes) -> list[str]:
    return [t.get_text() for t in ax.get_yticklabels()]


@pytest.mark.parametrize(
    "table",
    [
        lambda f: kd.compare_conversion(f, by="agent_username"),
        lambda f: kd.funnel_table(f, by="agent_username"),
        lambda f: kd.demand_breakdown(f, "pets", by="agent_username"),
        lambda f: kd.compare_periods(f, by="agent_username"),
    ],
    ids=["compare_conversion", "funnel_table", "demand_breakdown", "compare_periods"],
)
def test_grouped_by_an_id_the_names_follow_it(
    table: Callable[[pd.DataFrame], pd.DataFrame],
) -> None:
    result = table(named())
    assert list(result.columns[:2]) == ["agent_username", "agent_name"]
    pairs = set(zip(result["agent_username"], result["agent_name"], strict=True))
    assert pairs == set(AGENTS.items())


def test_a_comparison_table_draws_names_not_ids() -> None:
    table = kd.compare_conversion(named(), by="agent_username", min_leads=1)
    drawn = ["Bo Berg\n(2 prospects)", "Ana Lima\n(3 prospects)"]
    assert ticks(kd.plot_comparison(table)) == drawn
    assert ticks(kd.plot_comparison(named(), min_leads=1)) == ticks(kd.plot_comparison(table))
    panels = kd.plot_funnels(named(), by="agent_username")
    assert [ax.get_title() for ax in panels] == ["Ana Lima (3 prospects)", "Bo Berg (2 prospects)"]


def test_a_table_and_its_frame_call_the_rows_alike() -> None:
    frame = named()
    frame["is_deleted"] = pd.array([True, False, False, False, False], dtype="boolean")
    table = kd.compare_conversion(frame, min_leads=1)
    assert table.attrs["noun"] == "records"
    from_frame = kd.plot_comparison(frame, min_leads=1).get_title()
    assert from_frame == "Lease rate by agent (5 records)"
    assert kd.plot_comparison(table).get_title() == from_frame


def test_stages_are_shown_by_their_labels() -> None:
    ax = kd.plot_comparison(named(), stage="toured", min_leads=1)
    assert ax.get_xlabel() == "Share of prospects reaching Toured"
    assert rate_label("signed") == "Share reaching Signed"
    panels = kd.plot_funnels(named(), by="agent_username")
    assert ticks(panels[0]) == ["Lead", "Engaged", "Toured", "Applied", "Leased"]


def test_the_legend_sits_beside_the_plot_never_over_a_row() -> None:
    ax = kd.plot_comparison(named(), min_leads=1)
    ax.figure.canvas.draw()
    legend = ax.get_legend()
    assert legend is not None
    box = legend.get_window_extent()
    plot = ax.get_window_extent()
    assert box.x0 >= plot.x1  # right of the plotting area, so no dot or label under it


def test_pets_are_capitalised_and_shares_over_100_percent_are_explained() -> None:
    ax = kd.plot_demand(named(), "pets")
    # Most named first (cat: 2), then by name, as demand_breakdown orders them.
    assert ticks(ax) == ["Cat", "Bird", "Dog", "None", "(missing)"]
    notes = [t.get_text() for t in ax.texts if "several" in t.get_text()]
    # 4 leads named a pet answer, 5 answers in all: one lead named two.
    assert notes == ["A prospect may name several pets: 1 did, so the shares add up to 120%."]


def test_no_note_when_each_lead_names_one_answer() -> None:
    frame = named()
    frame["pets"] = pd.Series(["cat", "none", "cat", None, "bird"], dtype="string")
    ax = kd.plot_demand(frame, "pets")
    assert not [t for t in ax.texts if "several" in t.get_text()]


def test_report_tables_of_comparisons_read_as_the_charts_do() -> None:
    table = kd.report_table(kd.compare_conversion(named(), min_leads=3))
    assert list(table.columns) == [
        "Agent", "Leads", "Leased", "Lease rate", "95% interval from", "95% interval to",
        "Small group",
    ]  # fmt: skip
    assert table.iloc[0].tolist() == ["Bo Berg", "2", "1", "50.0%", "9.5%", "90.5%", "Yes"]
    periods = kd.report_table(kd.compare_periods(named(), "M"))
    assert periods["Change (%)"].tolist() == ["", "-33.3%"]
    assert periods["Previous period partial"].tolist() == ["No", "Yes"]
    frame = named()
    frame["bedrooms"] = pd.Series(["3_OR_MORE_BEDROOMS", "STUDIO", None, None, None])
    demand = kd.report_table(kd.demand_breakdown(frame, "bedrooms", by="agent_username"))
    assert demand["Agent"].iloc[0] == "Ana Lima"
    assert demand["Bedrooms"].iloc[:3].tolist() == ["Studio", "3 or more bedrooms", "(missing)"]
    created = kd.report_table(frame[["created_at"]])["Created"].iloc[0]
    assert created == "2026-01-05 10:00 UTC"
