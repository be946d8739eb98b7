"""Comparison charts read back from their Axes: dots, whiskers, flags, panels and scales."""

from __future__ import annotations

from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection, PathCollection
from matplotlib.colors import to_hex
from matplotlib.patches import Rectangle

import knock_data as kd
from knock_data import ConfigurationError
from knock_data._charts import stage_color
from tests.unit.prospect_frames import prospect_frame

pytestmark = pytest.mark.usefixtures("close_new_figures")


def agents(spec: dict[str, tuple[int, int]]) -> pd.DataFrame:
    """``{agent: (leads, leased)}`` as a frame; the rest of each agent's leads are new."""
    rows: list[dict[str, Any]] = []
    for agent, (leads, leased) in spec.items():
        rows += [{"agent_username": agent, "status": "applied_leased"}] * leased
        rows += [{"agent_username": agent, "status": "new"}] * (leads - leased)
    return prospect_frame(rows)


def dots(ax: Axes) -> list[tuple[float, float, str]]:
    """(rate, row, face colour) of every dot, in row order."""
    found = []
    for collection in ax.collections:
        if not isinstance(collection, PathCollection):
            continue
        faces = np.asarray(collection.get_facecolor(), dtype=float).reshape(-1, 4)
        offsets = np.asarray(collection.get_offsets())
        for i, (x, y) in enumerate(offsets.reshape(-1, 2)):
            r, g, b, a = (float(v) for v in faces[i % len(faces)])
            found.append((round(float(x), 6), float(y), to_hex((r, g, b, a))))
    return sorted(found, key=lambda d: d[1])


def whiskers(ax: Axes) -> list[tuple[float, float]]:
    lines = next(c for c in ax.collections if isinstance(c, LineCollection))
    return [(round(s[0][0], 6), round(s[1][0], 6)) for s in lines.get_segments()]


def legend_texts(ax: Axes) -> list[str]:
    legend = ax.get_legend()
    assert legend is not None
    return [t.get_text() for t in legend.get_texts()]


def ticks(ax: Axes) -> list[str]:
    return [t.get_text() for t in ax.get_yticklabels()]


def test_dots_sit_at_the_rates_whiskers_span_the_intervals() -> None:
    df = agents({"ana": (60, 7), "bo": (900, 80), "cy": (12, 3)})
    ax = kd.plot_comparison(df)
    # By rate: cy 25%, ana 11.7%, bo 8.9%; cy has fewer than 20 leads.
    assert ticks(ax) == [
        "cy\n(12 prospects, unsure)", "ana\n(60 prospects)", "bo\n(900 prospects)"
    ]  # fmt: skip
    rates = [d[0] for d in dots(ax)]
    assert rates == [round(3 / 12, 6), round(7 / 60, 6), round(80 / 900, 6)]
    expected = [kd.wilson_interval(k, n) for k, n in ((3, 12), (7, 60), (80, 900))]
    assert whiskers(ax) == [(round(lo, 6), round(hi, 6)) for lo, hi in expected]
    faces = [d[2] for d in dots(ax)]
    assert faces[0] == "#ffffff"  # hollow: unsure
    assert faces[1] == faces[2] == stage_color("leased")
    overall = [line for line in ax.get_lines() if line.get_linestyle() == "--"]
    assert np.asarray(overall[0].get_xdata())[0] == pytest.approx(90 / 972)
    assert ax.get_title() == "Lease rate by agent (972 prospects)"
    assert legend_texts(ax) == [
        "Rate and 95% interval (Wilson)",
        "Fewer than 20 prospects: unsure",
        "Overall: 9.3%",
    ]


def test_beyond_top_the_rest_are_pooled_with_their_own_interval() -> None:
    df = agents({"a": (100, 10), "b": (80, 20), "c": (30, 3), "d": (20, 1)})
    ax = kd.plot_comparison(df, top=2, min_leads=10)
    assert ticks(ax)[-1] == "Other (2 more)\n(50 prospects)"
    assert dots(ax)[-1][0] == round(4 / 50, 6)
    low, high = kd.wilson_interval(4, 50)
    assert whiskers(ax)[-1] == (round(low, 6), round(high, 6))


def test_a_table_from_compare_conversion_is_drawn_as_it_is() -> None:
    df = agents({"ana": (60, 7), "bo": (900, 80)})
    table = kd.compare_conversion(df, stage="leased", min_leads=100)
    ax = kd.plot_comparison(table[table["agent_username"] == "bo"])
    # The rows are called what the frame's rows are (prospects here), as from the frame.
    assert ticks(ax) == ["bo\n(900 prospects)"]
    assert ax.get_title() == "Lease rate by agent (900 prospects)"


def test_within_days_shows_the_window_and_the_undecided() -> None:
    frame = pd.DataFrame(
        {
            "agent_username": ["ana", "ana", "ana"],
            "created_at": pd.to_datetime(["2026-01-01", "2026-01-01", "2026-02-25"], utc=True),
            "leased_by": pd.to_datetime(pd.Series(["2026-01-10", None, None]), utc=True),
            "last_observed_at": pd.to_datetime(["2026-03-01"] * 3, utc=True),
        }
    )
    ax = kd.plot_comparison(frame, within=30)
    assert ax.get_title() == "Lease rate within 30 days by agent (2 leads; 1 too recent to tell)"
    assert ax.get_xlabel() == "Share of leads reaching Leased within 30 days"


def test_periods_stay_in_time_order_and_no_leads_says_so() -> None:
    df = prospect_frame(
        [
            {"created_at": "2026-01-05T10:00Z", "status": "applied_leased"},
            {"created_at": "2026-02-05T10:00Z", "status": "new"},
        ]
    )
    assert [t.split("\n")[0] for t in ticks(kd.plot_comparison(df, by="month"))] == [
        "2026-01", "2026-02"
    ]  # fmt: skip
    empty = kd.plot_comparison(prospect_frame([]))
    assert [t.get_text() for t in empty.texts] == ["No prospects to show"]


def funnel_frame() -> pd.DataFrame:
    zillow = ("visited", "applied_leased", "new", "new")
    rows = (
        [{"source_title": "Zillow", "status": s} for s in zillow]
        + [{"source_title": "Yelp", "status": s} for s in ("visited", "open")]
        + [{"source_title": "Craigslist", "status": "new"}]
        + [{"source_title": None, "status": "applied_lost"}]
    )  # fmt: skip
    return prospect_frame(rows)


def bar_widths(ax: Axes) -> list[float]:
    assert all(isinstance(p, Rectangle) for p in ax.patches)
    return [round(p.get_width(), 6) for p in ax.patches if isinstance(p, Rectangle)]


def test_small_multiples_share_one_scale_of_shares() -> None:
    axes = kd.plot_funnels(funnel_frame(), top=1)
    # Zillow, then the missing source kept apart, then Yelp and Craigslist pooled.
    assert [ax.get_title() for ax in axes] == [
        "Zillow (4 prospects)", "(no source) (1 prospect)", "Other (2 more) (3 prospects)"
    ]  # fmt: skip
    # lead, engaged, toured, applied, leased as shares of each panel's leads.
    assert bar_widths(axes[0]) == [1.0, 0.5, 0.5, 0.25, 0.25]
    assert bar_widths(axes[1]) == [1.0, 1.0, 1.0, 1.0, 0.0]
    assert bar_widths(axes[2]) == [1.0, round(2 / 3, 6), round(1 / 3, 6), 0.0, 0.0]
    assert len({ax.get_xlim() for ax in axes}) == 1
    assert [t.get_text() for t in axes[0].get_yticklabels()] == [
        "Lead", "Engaged", "Toured", "Applied", "Leased"
    ]  # fmt: skip
    labels = [t.get_text() for t in axes[0].texts]
    assert labels[:2] == ["4 (100%)", "2 (50%)"]
    figure = axes[0].figure
    assert figure.get_suptitle() == "Lead funnel by source (8 prospects)"
    assert sum(ax.get_visible() for ax in figure.axes) == 3
    assert [to_hex(p.get_facecolor()) for p in axes[0].patches] == [
        stage_color(s) for s in ("lead", "engaged", "toured", "applied", "leased")
    ]


def test_the_count_scale_compares_sizes_too() -> None:
    axes = kd.plot_funnels(funnel_frame(), top=3, scale="count")
    assert bar_widths(axes[0]) == [4, 2, 2, 1, 1]
    assert bar_widths(axes[1]) == [2, 2, 1, 0, 0]
    assert len({ax.get_xlim() for ax in axes}) == 1
    assert axes[0].get_xlim()[1] >= 4


def test_plot_funnels_draws_into_a_figure_given_and_explains_bad_scale() -> None:
    figure = plt.figure()
    axes = kd.plot_funnels(funnel_frame(), fig=figure, top=6)
    assert all(ax.figure is figure for ax in axes)
    assert len(axes) == 4
    with pytest.raises(ConfigurationError, match="scale must be 'share' or 'count'"):
        kd.plot_funnels(funnel_frame(), scale="log")
    empty = kd.plot_funnels(prospect_frame([]))
    assert [t.get_text() for t in empty[0].texts] == ["No prospects to show"]


def test_demand_bars_are_the_breakdown_with_readable_labels() -> None:
    df = pd.DataFrame(
        {
            "bedrooms": ["STUDIO, 1_BEDROOM", "1_BEDROOM", None, "LOFT"],
            "max_budget": [950.0, 1500.0, None, 2200.0],
        }
    )
    ax = kd.plot_demand(df, "bedrooms")
    # Knock's choices in its words, an unknown choice as spelt, the missing answer last.
    assert [t.get_text() for t in ax.get_yticklabels()] == [
        "Studio", "1 bedroom", "LOFT", "(missing)"
    ]  # fmt: skip
    assert bar_widths(ax) == [1, 2, 1, 1]
    assert [t.get_text() for t in ax.texts] == [
        "1 (25.0%)", "2 (50.0%)", "1 (25.0%)", "1 (25.0%)",
        "A lead may name several bedroom choices: 1 did, so the shares add up to 125%.",
    ]  # fmt: skip
    assert ax.get_title() == "Bedrooms asked for (4 leads)"
    budget = kd.plot_demand(df, "budget", bands=(1000, 2000))
    # A dollar sign would start matplotlib's mathtext: labels are escaped.
    assert [t.get_text() for t in budget.get_yticklabels()] == [
        r"Under \$1,000", r"\$1,000 to \$1,999", r"\$2,000 or more", "(missing)"
    ]  # fmt: skip
    assert bar_widths(budget) == [1, 1, 1, 1]
    empty = kd.plot_demand(df.iloc[:0], "bedrooms")
    assert [t.get_text() for t in empty.texts] == ["No leads to show"]
