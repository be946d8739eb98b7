"""Charts read back from the returned Axes: bar sizes, labels, titles, colours; no images."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

import knock_data as kd
from knock_data import (
    ConfigurationError,
    filter_prospects,
    plot_consent,
    plot_funnel,
    plot_leads_over_time,
    plot_sources,
    plot_status,
)
from knock_data._charts import (
    CHART_NAMES,
    CHARTS,
    COMPARISON_CHARTS,
    CONSENT_COLORS,
    MOVEMENT_CHARTS,
    OTHER_COLOR,
    chart_named,
    source_color,
    stage_color,
    status_color,
    value_color,
)
from knock_data._charts.colors import _KNOWN_SOURCES
from knock_data._cli.report import breakdown_tables, write_charts
from tests.unit.prospect_frames import prospect_frame, sandbox_like_frame

PLOTS: list[Callable[..., Axes]] = [
    plot_status,
    plot_sources,
    plot_consent,
    plot_funnel,
    plot_leads_over_time,
]


# Close the figures the charts returned; leaks are checked by the tests below.
pytestmark = pytest.mark.usefixtures("close_new_figures")


@pytest.mark.parametrize("plot", PLOTS)
@pytest.mark.parametrize("rows", [0, 60])
def test_a_chart_opens_only_the_figure_it_returns(plot: Callable[..., Axes], rows: int) -> None:
    df = sandbox_like_frame(rows) if rows else prospect_frame([])
    before = plt.get_fignums()
    ax = plot(df)
    assert plt.get_fignums() == [*before, figure(ax).number]
    plt.close(figure(ax))
    _, own = plt.subplots()
    assert plot(df, ax=own) is own
    assert plt.get_fignums() == [*before, figure(own).number]
    plt.close(figure(own))
    assert plt.get_fignums() == before


def figure(ax: Axes) -> Figure:
    fig = ax.get_figure()
    assert isinstance(fig, Figure)
    return fig


def bars(ax: Axes) -> list[Rectangle]:
    assert all(isinstance(p, Rectangle) for p in ax.patches)
    return [p for p in ax.patches if isinstance(p, Rectangle)]


def widths(ax: Axes) -> list[float]:
    return [round(p.get_width(), 6) for p in bars(ax)]


def ticks(ax: Axes) -> list[str]:
    return [t.get_text() for t in ax.get_yticklabels()]


def bar_texts(ax: Axes) -> list[str]:
    return [t.get_text() for t in ax.texts]


def colors(ax: Axes) -> list[str]:
    return [to_hex(p.get_facecolor()) for p in ax.patches]


def series_lines(ax: Axes) -> list[Any]:
    """The lines of the series (the legend's), not the dotted ends of partial periods."""
    return [line for line in ax.get_lines() if not str(line.get_label()).startswith("_")]


def legend_texts(ax: Axes) -> list[str]:
    """The legend's entries for the series, without the one explaining partial periods."""
    legend = ax.get_legend()
    assert legend is not None
    texts = [t.get_text() for t in legend.get_texts()]
    return [t for t in texts if not t.startswith("Partial ")]


def test_plot_status_bars_labels_and_colours() -> None:
    df = prospect_frame(
        [{"status": s} for s in ["lost", "new", "new", "no_show", "No Show", "Visited"]]
    )
    ax = plot_status(df)
    # Knock's order; the two spellings of No Show share one bar.
    assert ticks(ax) == ["New", "Visited", "No Show", "Lost"]
    assert widths(ax) == [2, 1, 2, 1]
    assert bar_texts(ax) == ["2 (33.3%)", "1 (16.7%)", "2 (33.3%)", "1 (16.7%)"]
    assert colors(ax) == [status_color(s) for s in ["new", "visited", "no_show", "lost"]]
    assert (
        ax.get_title() == "Prospects by status (6 prospects)"
    )  # no deleted or not-a-prospect rows
    assert ax.get_xlabel() == "Prospects"
    assert ax.get_ylabel() == "Status"


def test_status_colour_does_not_change_under_filters() -> None:
    df = sandbox_like_frame(300)
    full = plot_status(df)
    only = plot_status(filter_prospects(df, statuses=["visited", "lost"]))
    full_colors = dict(zip(ticks(full), colors(full), strict=True))
    only_colors = dict(zip(ticks(only), colors(only), strict=True))
    assert ticks(only) == ["Visited", "Lost"]
    assert only_colors == {k: full_colors[k] for k in ("Visited", "Lost")}
    assert len(set(full_colors.values())) == len(full_colors)  # Knock's statuses all differ


def test_plot_sources_top_n_other_and_long_names() -> None:
    long_name = "Locator: Apartment Experts of Greater Metropolitan Area and Surroundings"
    rows: list[dict[str, Any]] = []
    for i in range(40):  # source i has 40 - i leads
        name = long_name if i == 0 else ("$99 Move-in Special" if i == 1 else f"Source {i:02d}")
        rows += [{"source_title": name}] * (40 - i)
    rows += [{"source_title": None}] * 3
    df = prospect_frame(rows)
    total = sum(40 - i for i in range(40)) + 3
    ax = plot_sources(df, top=12)
    labels = ticks(ax)
    assert len(labels) == 14  # 12 sources, "(no source)", "Other (28 more)"
    assert labels[-2:] == ["(no source)", "Other (28 more)"]
    assert widths(ax)[:2] == [40, 39]
    other = sum(40 - i for i in range(12, 40))
    assert widths(ax)[-1] == other
    assert bar_texts(ax)[-1] == f"{other:,} ({other / total:.1%})"
    for label in labels:  # wrapped to at most two lines of 28 characters
        assert all(len(line) <= 28 for line in label.split("\n"))
        assert label.count("\n") <= 1
    assert labels[0].endswith("…")
    assert labels[1] == r"\$99 Move-in Special"  # not read as mathtext
    assert colors(ax)[0] == source_color(long_name)
    assert colors(ax)[-1] == OTHER_COLOR
    assert ax.get_title() == f"Prospects by source ({total:,} prospects, 40 sources)"


def test_source_colour_is_the_same_in_every_chart() -> None:
    df = sandbox_like_frame(300)
    bars = plot_sources(df)
    bar_colors = dict(zip(ticks(bars), colors(bars), strict=True))
    lines = plot_leads_over_time(df, freq="M", by="source_title", top=3)
    for line in series_lines(lines):
        name = str(line.get_label()).split(":")[0]
        if name in bar_colors:
            assert to_hex(line.get_color()) == bar_colors[name]
    matched = [ln for ln in series_lines(lines) if str(ln.get_label()).split(":")[0] in bar_colors]
    assert len(matched) >= 3  # the three largest sources are in both charts
    assert bar_colors["Zillow"] == source_color("Zillow")
    assert source_color("Zillow") == source_color("ZILLOW")


def test_every_sandbox_source_has_a_colour_of_its_own() -> None:
    from knock_data.sandbox._data import _SOURCES

    names = [name for name, _ in _SOURCES]
    palette = {name: source_color(name) for name in names}
    assert len(set(palette.values())) == len(names), palette
    assert OTHER_COLOR not in palette.values()
    assert source_color(None) not in palette.values()


def test_source_colour_depends_on_the_name_alone() -> None:
    df = sandbox_like_frame(400)
    full = plot_sources(df, top=20)
    full_colors = dict(zip(ticks(full), colors(full), strict=True))
    for keep in (["Zumper", "Craigslist"], ["Yelp"], ["Zillow", "Yelp", "Zumper"]):
        only = plot_sources(filter_prospects(df, sources=keep), top=20)
        assert dict(zip(ticks(only), colors(only), strict=True)) == {
            k: full_colors[k] for k in ticks(only)
        }
    # Spelling does not matter, and a name outside the well-known list never takes a
    # well-known source's colour or the greys of "Other" and missing values.
    assert source_color("Walk In") == source_color("walk-in") == source_color(" WALK-IN ")
    assert source_color("Apartments com") == source_color("apartments.com")
    known = {source_color(n) for n in _KNOWN_SOURCES}
    assert len(known) == len(_KNOWN_SOURCES)
    for i in range(200):
        hashed = source_color(f"Local listing site {i}")
        assert hashed not in known | {OTHER_COLOR, source_color(None)}
        assert hashed == source_color(f"local listing site {i}")


def test_lines_of_one_colour_get_different_dashes() -> None:
    # Find two community ids that hash to one colour; their lines must still differ.
    seen: dict[str, str] = {}
    for i in range(1000):
        name = f"c{i:03d}"
        color = value_color("community_id", name)
        if color in seen:
            pair = [seen[color], name]
            break
        seen[color] = name
    df = prospect_frame(
        [{"community_id": c, "created_at": "2026-03-02T12:00:00Z"} for c in pair]
        + [{"community_id": pair[0], "created_at": "2026-03-09T12:00:00Z"}]
    )
    ax = plot_leads_over_time(df, freq="W", by="community_id")
    first, second = series_lines(ax)
    assert to_hex(first.get_color()) == to_hex(second.get_color())
    assert first.get_linestyle() != second.get_linestyle()


def test_plot_consent_single_and_by_group() -> None:
    df = prospect_frame(
        [
            {"sms_consent": True, "source_title": "Zillow"},
            {"sms_consent": True, "source_title": "Zillow"},
            {"sms_consent": False, "source_title": "Zillow"},
            {"sms_consent": None, "source_title": "Yelp"},
        ]
    )
    ax = plot_consent(df)
    assert ticks(ax) == ["Consented", "Not consented", "Unknown"]
    assert widths(ax) == [2, 1, 1]
    assert bar_texts(ax) == ["2 (50.0%)", "1 (25.0%)", "1 (25.0%)"]
    assert colors(ax) == list(CONSENT_COLORS.values())
    stacked = plot_consent(df, by="source_title")
    assert ticks(stacked) == ["Zillow", "Yelp"]
    # Three segments per group (consented, not, unknown), as shares of the group.
    shares = np.array(widths(stacked)).reshape(3, 2)
    np.testing.assert_allclose(shares[:, 0], [2 / 3, 1 / 3, 0], atol=1e-6)
    np.testing.assert_allclose(shares[:, 1], [0, 0, 1], atol=1e-6)
    assert "n=3" in bar_texts(stacked)
    assert stacked.get_title() == "SMS consent by source (4 prospects)"
    assert stacked.get_ylabel() == "Source"


def test_plot_funnel_bars_and_conversion_labels() -> None:
    statuses = ["new", "open", "open", "visited", "applied_leased", "lost", "on_hold"]
    ax = plot_funnel(prospect_frame([{"status": s} for s in statuses]))
    assert widths(ax) == [7, 4, 2, 1, 1, 1, 1]
    labels = ticks(ax)
    assert labels[0] == "Lead"
    assert labels[1] == "Engaged\n57% of previous"  # 4 of 7
    assert labels[2] == "Toured\n50% of previous"
    assert labels[5].startswith("Lost")
    assert "on_hold" in labels[6]  # says which raw values "other" held
    assert bar_texts(ax)[1] == "4 (57.1%)"
    assert colors(ax)[:2] == [stage_color("lead"), stage_color("engaged")]
    assert ax.get_title() == "Lead funnel (7 prospects)"


def test_plot_leads_over_time_bars_and_lines() -> None:
    df = prospect_frame(
        [
            {"created_at": "2026-03-02T01:30:00Z", "status": "new"},
            {"created_at": "2026-03-03T12:00:00Z", "status": "lost"},
            {"created_at": "2026-03-20T12:00:00Z", "status": "new"},
        ]
    )
    ax = plot_leads_over_time(df, freq="W")
    assert [round(p.get_height()) for p in bars(ax)] == [2, 0, 1]
    assert ax.get_title() == "New prospects per week (3 prospects, UTC)"
    local = plot_leads_over_time(df, freq="W", tz="America/Chicago")
    assert [round(p.get_height()) for p in bars(local)] == [1, 1, 0, 1]
    lines = plot_leads_over_time(df, freq="W", by="status")
    legend = legend_texts(lines)
    assert legend == ["New: 2 (66.7%)", "Lost: 1 (33.3%)"]
    assert [to_hex(line.get_color()) for line in series_lines(lines)] == [
        status_color("new"),
        status_color("lost"),
    ]
    with pytest.raises(ConfigurationError, match="'week'"):
        plot_leads_over_time(df, freq="fortnight")


def five_sources() -> pd.DataFrame:
    """Sources A to E with 5, 4, 3, 2 and 1 leads, a week apart."""
    rows = []
    for n, source in zip([5, 4, 3, 2, 1], "ABCDE", strict=True):
        for i in range(n):
            day = f"2026-03-{2 + 7 * (i % 3):02d}T12:00:00Z"
            rows.append({"source_title": source, "sms_consent": i % 2 == 0, "created_at": day})
    return prospect_frame(rows)


@pytest.mark.parametrize(
    ("top", "expected"), [(2, ["A", "B", "Other (3 more)"]), (4, list("ABCDE"))]
)
def test_bars_stacks_and_lines_gather_the_rest_by_one_rule(top: int, expected: list[str]) -> None:
    # The top N get their own bar or line and the rest one "Other (n more)"; a rest of a
    # single source keeps its name instead (top=4 of 5).
    df = five_sources()
    assert ticks(plot_sources(df, top=top)) == expected
    assert ticks(plot_consent(df, by="source_title", top=top)) == expected
    lines = plot_leads_over_time(df, by="source_title", top=top)
    assert [t.split(":")[0] for t in legend_texts(lines)] == expected
    if "Other (3 more)" in expected:
        other = series_lines(lines)[-1]
        assert to_hex(other.get_color()) == OTHER_COLOR
        assert legend_texts(lines)[-1] == "Other (3 more): 6 (40.0%)"  # 3 + 2 + 1 of 15


@pytest.mark.parametrize("top", [0, -1, 2.5, "3", True])
def test_top_must_be_a_whole_number_of_at_least_one(top: Any) -> None:
    df = five_sources()
    for draw in (
        lambda: plot_sources(df, top=top),
        lambda: plot_consent(df, by="source_title", top=top),
        lambda: plot_leads_over_time(df, by="source_title", top=top),
    ):
        with pytest.raises(ConfigurationError, match="top must be a whole number"):
            draw()
    # A numpy integer is a whole number too (as from a computed count).
    assert ticks(plot_sources(df, top=np.int64(1))) == ["A", "Other (4 more)"]  # type: ignore[arg-type]


def test_one_registry_lists_every_public_chart_once() -> None:
    public = {getattr(kd, name) for name in kd.__all__ if name.startswith("plot_")}
    registered = CHARTS + COMPARISON_CHARTS + MOVEMENT_CHARTS
    assert {chart.plot for chart in registered} == public
    assert len(registered) == len(public) == len({chart.name for chart in registered})
    assert len(CHART_NAMES) == len(CHARTS)
    assert [chart.name for chart in CHARTS if chart.time_axis] == ["leads_over_time"]
    with pytest.raises(ConfigurationError, match="'status', 'sources'"):
        chart_named("pie")


@pytest.mark.parametrize("plot", PLOTS)
def test_no_data_gives_an_axes_that_says_so(plot: Callable[..., Axes]) -> None:
    ax = plot(prospect_frame([]))
    assert "No prospects to show" in bar_texts(ax)  # the empty frame's rows are prospects
    assert "(0 prospects" in ax.get_title()
    assert ax.get_title()


@pytest.mark.parametrize("plot", PLOTS)
def test_draws_on_the_callers_axes(plot: Callable[..., Axes]) -> None:
    fig, ax = plt.subplots()
    try:
        assert plot(sandbox_like_frame(120), ax=ax) is ax
        assert ax.get_title()
    finally:
        plt.close(fig)


def test_write_charts_writes_five_pngs(tmp_path: Path) -> None:
    out = tmp_path / "nested" / "out"
    before = plt.get_fignums()
    paths = write_charts(sandbox_like_frame(200), out)
    assert plt.get_fignums() == before
    assert [p.name for p in paths] == [f"{name}.png" for name in CHART_NAMES]
    for path in paths:
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    empty = write_charts(prospect_frame([]), tmp_path / "empty")
    assert all(p.stat().st_size > 0 for p in empty)


def test_breakdown_tables_match_the_functions() -> None:
    df = sandbox_like_frame(200)
    tables: dict[str, Any] = breakdown_tables(df)
    assert list(tables) == ["status", "sources", "consent", "funnel"]
    assert tables["status"]["count"].sum() == 200
    assert tables["funnel"]["count"].iloc[0] == 200
    ours = tables["sources"]
    got = {
        ("<NA>" if pd.isna(k) else k): v
        for k, v in zip(ours["source_title"], ours["count"], strict=True)
    }
    plain = df["source_title"].astype("object").fillna("<NA>").value_counts()
    assert got == plain.to_dict()


@pytest.mark.parametrize(
    ("flags", "noun"),
    [
        ({}, "prospects"),
        ({"not_prospect": True}, "leads"),
        ({"not_prospect": True, "is_deleted": True}, "records"),
        ({"is_deleted": True}, "records"),
    ],
)
def test_titles_name_the_rows_by_knocks_definitions(flags: dict[str, bool], noun: str) -> None:
    rows: list[dict[str, Any]] = [
        {"status": "new", "source_title": "Zillow"},
        {"status": "visited", **flags},
    ]
    df = prospect_frame(rows)
    assert plot_funnel(df).get_title() == f"Lead funnel (2 {noun})"
    assert plot_status(df).get_title() == f"{noun.capitalize()} by status (2 {noun})"
    assert plot_sources(df).get_title() == f"{noun.capitalize()} by source (2 {noun}, 1 source)"
    assert plot_funnel(df).get_xlabel() == f"{noun.capitalize()} reaching the stage"
    flagless = pd.DataFrame({"status": ["new"]})  # no flags at all: Knock's leads
    assert plot_funnel(flagless).get_title() == "Lead funnel (1 lead)"


# --- report-ready: labels, names, missing values, periods and ticks ----------------------

RAW_NAMES = (
    "source_title",
    "community_id",
    "community_name",
    "agent_username",
    "agent_name",
    "first_contact_type",
    "sms_consent",
    "<NA>",
    "nan",
    "NaN",
    "(missing)",
)


def all_text(ax: Axes) -> list[str]:
    """Every word a reader sees on a chart: title, axis labels, ticks, texts, legend."""
    texts = [ax.get_title(), ax.get_xlabel(), ax.get_ylabel()]
    texts += [t.get_text() for t in ax.get_xticklabels() + ax.get_yticklabels()]
    texts += [t.get_text() for t in ax.texts]
    legend = ax.get_legend()
    if legend is not None:
        texts += [legend.get_title().get_text()] + [t.get_text() for t in legend.get_texts()]
    return texts


def named_frame(n: int = 600) -> pd.DataFrame:
    from knock_data.sandbox import naming_tables

    df = kd.to_frame(kd.sandbox.generate_prospects(n, seed=3))
    return kd.with_names(df, **naming_tables(seed=3))


@pytest.mark.parametrize(
    "draw",
    [
        lambda df: plot_status(df),
        lambda df: plot_sources(df),
        lambda df: plot_consent(df),
        lambda df: plot_consent(df, by="source_title"),
        lambda df: plot_consent(df, by="community_id"),
        lambda df: plot_consent(df, by="agent_username"),
        lambda df: plot_consent(df, by="first_contact_type"),
        lambda df: plot_consent(df, by="month", tz="community"),
        lambda df: plot_funnel(df),
        lambda df: plot_leads_over_time(df, freq="M", by="source_title"),
        lambda df: plot_leads_over_time(df, freq="W", by="agent_username", tz="community"),
        lambda df: plot_leads_over_time(df, freq="Q", by="community_id"),
    ],
)
def test_no_chart_shows_a_raw_column_name_or_a_raw_missing_value(draw: Any) -> None:
    df = named_frame()
    assert df["source_title"].isna().any()  # missing values are on the charts
    assert df["agent_username"].isna().any()
    ax = draw(df)
    words = " ".join(all_text(ax))
    for raw in RAW_NAMES:
        assert raw not in words, (raw, all_text(ax))
    ids = set(df["community_id"].astype(str)) | set(df["agent_username"].dropna().astype(str))
    assert not {w for w in all_text(ax) for i in ids if i in w}  # names, not ids


def test_grouped_charts_name_communities_and_agents_by_their_names() -> None:
    df = named_frame()
    names = set(df["community_name"].astype(str))
    lines = plot_leads_over_time(df, freq="M", by="community_id")
    shown = {t.split(":")[0].replace("\n", " ") for t in legend_texts(lines)}
    assert shown <= names | {"Other (1 more)"}
    assert len(shown) >= 6
    legend = lines.get_legend()
    assert legend is not None
    assert legend.get_title().get_text() == "Community"
    stacked = plot_consent(df, by="agent_username", top=30)
    agent_names = set(df["agent_name"].dropna().astype(str))
    assert set(ticks(stacked)) == agent_names | {"(unassigned)"}
    assert ticks(stacked)[-1] == "(unassigned)"  # the missing group comes last
    assert stacked.get_ylabel() == "Agent"


def test_a_missing_value_has_one_label_in_every_chart_and_filter() -> None:
    df = named_frame()
    assert "(no source)" in ticks(plot_sources(df))
    assert "(no source)" in ticks(plot_consent(df, by="source_title", top=30))
    legend = legend_texts(plot_leads_over_time(df, freq="M", by="source_title", top=30))
    assert any(t.startswith("(no source):") for t in legend)
    dash = kd.Dashboard(df)
    try:
        assert dash.controls["source"].options[-1][0].startswith("(no source) (")
        assert dash.controls["agent"].options[-1][0].startswith("(unassigned) (")
    finally:
        dash.close()


def test_partial_periods_are_hatched_and_the_legend_says_why() -> None:
    df = prospect_frame(
        [{"created_at": f"2026-01-{d:02d}T12:00:00Z"} for d in (20, 21)]
        + [{"created_at": f"2026-02-{d:02d}T12:00:00Z"} for d in range(1, 29)]
        + [{"created_at": "2026-03-03T12:00:00Z"}]
    )
    ax = plot_leads_over_time(df, freq="M")
    assert [round(p.get_height()) for p in bars(ax)] == [2, 28, 1]
    assert [p.get_hatch() for p in bars(ax)] == ["///", None, "///"]
    assert [to_hex(p.get_facecolor()) for p in bars(ax)][::2] == ["#ffffff", "#ffffff"]
    legend = ax.get_legend()
    assert legend is not None
    assert [t.get_text() for t in legend.get_texts()] == [
        "Partial month: the data covers only part of it"
    ]
    # Lines: the partial ends are drawn apart, dotted, the series line stops before them.
    lines = plot_leads_over_time(df, freq="M", by="status")
    (series,) = series_lines(lines)
    ydata = np.asarray(series.get_ydata(), dtype=float)
    assert np.isnan(ydata[[0, 2]]).all()
    assert ydata[1] == 28
    dotted = [line for line in lines.get_lines() if line.get_linestyle() == ":"]
    assert len(dotted) == 2
    line_legend = lines.get_legend()
    assert line_legend is not None
    assert "Partial month: the data covers only part of it" in [
        t.get_text() for t in line_legend.get_texts()
    ]
    # With the data said to cover all of those months, nothing is partial.
    whole = plot_leads_over_time(df, freq="M", span=("2026-01-01", "2026-03-31"))
    assert [p.get_hatch() for p in bars(whole)] == [None, None, None]
    assert whole.get_legend() is None


def test_quarters_are_ticked_one_label_under_each_bar() -> None:
    df = prospect_frame(
        [{"created_at": day} for day in ("2021-01-05", "2021-05-05", "2021-05-06", "2021-12-30")]
    )
    ax = plot_leads_over_time(df, freq="Q")
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert labels == ["2021Q1", "2021Q2", "2021Q3", "2021Q4"]
    centres = [p.get_x() + p.get_width() / 2 for p in bars(ax)]
    np.testing.assert_allclose(ax.get_xticks(), centres)
    assert [round(p.get_height()) for p in bars(ax)] == [1, 2, 0, 1]


def test_a_single_day_is_one_bar_with_whole_number_ticks() -> None:
    df = prospect_frame([{"created_at": "2021-03-02T12:00:00Z", "status": "new"}])
    ax = plot_leads_over_time(df, freq="D")
    assert len(ax.patches) == 1
    assert [t.get_text() for t in ax.get_xticklabels()] == ["Mar 2\n2021"]
    left, right = ax.get_xlim()
    assert bars(ax)[0].get_width() < (right - left) / 5  # a bar, not a wall
    ax.figure.canvas.draw()
    for axis_ax, axis in ((ax, "y"), (plot_status(df), "x"), (plot_funnel(df), "x")):
        axis_ax.figure.canvas.draw()
        values = axis_ax.get_yticks() if axis == "y" else axis_ax.get_xticks()
        assert all(float(v).is_integer() for v in values), values


@pytest.mark.parametrize(
    ("flags", "noun"),
    [({}, "prospects"), ({"not_prospect": True}, "leads"), ({"is_deleted": True}, "records")],
)
def test_an_empty_chart_says_so_in_the_words_of_its_title(
    flags: dict[str, bool], noun: str
) -> None:
    # Rows without a creation date: nothing to draw over time, in the rows' own words.
    df = prospect_frame([{"status": "new", "created_at": None, **flags}])
    ax = plot_leads_over_time(df, freq="W")
    assert bar_texts(ax) == [f"No {noun} to show"]
    assert f"(0 {noun}, UTC)" in ax.get_title()


def test_report_tables_use_the_words_of_the_charts() -> None:
    df = named_frame()
    sources = kd.report_table(kd.source_breakdown(df))
    assert list(sources.columns) == ["Source", "Count", "Share"]
    assert sources["Source"].iloc[-1] == "(no source)"
    table = kd.source_breakdown(df)
    assert sources["Share"].iloc[0] == f"{table['share'].iloc[0]:.1%}"
    assert sources["Count"].iloc[0] == f"{table['count'].iloc[0]:,}"
    funnel = kd.report_table(kd.funnel(df))
    assert funnel["Stage"].tolist()[:2] == ["Lead", "Engaged"]
    assert "No Show" in str(funnel.loc[1, "Statuses"])
    assert funnel.loc[0, "Conversion from previous stage"] == ""
    by_community = kd.report_table(kd.consent_breakdown(df, by="community_id"))
    assert list(by_community.columns) == ["Community", "SMS consent", "Count", "Share"]
    assert set(by_community["Community"]) == set(df["community_name"].astype(str))
    assert set(by_community["SMS consent"]) == {"Consented", "Not consented", "Unknown"}
    monthly = kd.report_table(kd.leads_over_time(df, "M", by="source_title"))
    assert monthly.columns[0] == "Period"
    assert "(no source)" in monthly.columns
    words = " ".join([*sources.columns, *funnel.columns, *by_community.columns, *monthly.columns])
    for raw in RAW_NAMES:
        assert raw not in words
