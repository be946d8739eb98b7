"""The movement charts read back from their Axes: cells, bars, curves, labels, titles."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes
from matplotlib.legend import Legend
from matplotlib.patches import Rectangle

import knock_data as kd
from tests.history_frames import observe, versions_from_observations
from tests.unit.test_aging import frame as aging_frame
from tests.unit.test_cohorts import stage_dates_frame
from tests.unit.test_movement import CREATED, STORIES, WATERFALL_STORIES, T, utc
from tests.unit.test_survival import stage_dates as survival_dates

pytestmark = pytest.mark.usefixtures("close_new_figures")


def versions() -> pd.DataFrame:
    return versions_from_observations(observe(STORIES, created=CREATED))


def legend_of(ax: Axes) -> Legend:
    legend = ax.get_legend()
    assert legend is not None
    return legend


def texts(ax: Axes) -> list[str]:
    return [t.get_text() for t in ax.texts]


def test_transitions_heatmap_cells_are_the_counts_with_row_shares() -> None:
    ax = kd.plot_transitions(versions(), T[0], T[3])
    assert (
        ax.get_title()
        == "Where leads moved, 2021-11-01 12:00 UTC to 2021-11-22 12:00 UTC\n(3 prospects)"
    )
    rows = [label.get_text() for label in ax.get_yticklabels()]
    columns = [label.get_text() for label in ax.get_xticklabels()]
    # only rows and columns where someone is: lead, toured, (created) -> leased, lost, (gone)
    assert rows == ["Lead (1)", "Toured (1)", "(created) (1)"]
    assert columns == ["Leased", "Lost", "(gone)"]
    assert sorted(t for t in texts(ax) if t) == ["1\n100%"] * 3
    assert ax.get_ylabel() == "At 2021-11-01 12:00 UTC (prospects)"


def test_transitions_at_status_level_use_knocks_labels_and_say_what_is_unconfirmed() -> None:
    stories = {
        "1": [(T[0], "new"), (T[1], "applied_in_review")],
        "2": [(T[0], "new"), (T[3], "new")],
    }
    created = {"1": "2021-10-01T00:00:00Z", "2": "2021-10-01T00:00:00Z"}
    v = versions_from_observations(observe(stories, created=created))
    ax = kd.plot_transitions(v, T[0], T[3], level="status")
    assert [label.get_text() for label in ax.get_xticklabels()] == ["New", "Applied (in review)"]
    assert any("1 prospect not observed since the end" in t for t in texts(ax))


def test_waterfall_bars_float_between_the_totals() -> None:
    created = {pid: "2021-10-15T00:00:00Z" for pid in WATERFALL_STORIES}
    created.update({"new-open": "2021-11-14T00:00:00Z", "new-lost": "2021-11-02T00:00:00Z"})
    v = versions_from_observations(observe(WATERFALL_STORIES, created=created))
    table = kd.waterfall(v, T[0], T[3])
    ax = kd.plot_waterfall(v, T[0], T[3])
    bars = [p for p in ax.patches if isinstance(p, Rectangle)]
    assert len(bars) == len(table)
    heights = [round(b.get_height()) for b in bars]
    assert heights == [abs(int(n)) for n in table["count"]]
    # each change bar starts where the running total stood
    level = int(table["count"].iloc[0])
    steps = list(zip(table["kind"][1:-1], table["count"][1:-1], strict=True))
    for bar, (kind, count) in zip(bars[1:-1], steps, strict=True):
        low = level if kind == "in" else level + count
        assert round(bar.get_y()) == low
        level += count
    assert round(bars[-1].get_height()) == level
    labels = [label.get_text() for label in ax.get_xticklabels()]
    assert labels[0] == "Open at\nstart"
    assert ax.get_title().endswith(f": {table['count'].iloc[0]} to {table['count'].iloc[-1]}")


def test_cohort_heatmap_hatches_immature_cells() -> None:
    ax = kd.plot_cohorts(stage_dates_frame(), within=30)
    rows = [label.get_text() for label in ax.get_yticklabels()]
    assert rows == ["2021-09 (4 leads)", "2021-11 (2 leads)"]
    assert [label.get_text() for label in ax.get_xticklabels()] == ["Toured"]
    hatched = [p for p in ax.patches if isinstance(p, Rectangle) and p.get_hatch()]
    assert len(hatched) == 1  # November's toured share is not known yet
    assert "25%\n1" in texts(ax)
    assert "immature\n1 so far" in texts(ax)
    assert any(t.startswith("Hatched: not known yet") for t in texts(ax))
    assert "within 30 days" in ax.get_title()


def test_cohort_heatmap_from_a_frame_and_its_errors() -> None:
    frame = pd.DataFrame(
        {
            "status": ["new", "visited"],
            "created_at": pd.to_datetime(["2021-09-03", "2021-09-20"], utc=True),
        }
    )
    ax = kd.plot_cohorts(frame)
    assert "by now" in ax.get_title()
    assert not [p for p in ax.patches if isinstance(p, Rectangle) and p.get_hatch()]
    with pytest.raises(kd.ConfigurationError, match="one window"):
        kd.plot_cohorts(stage_dates_frame(), within=[7, 30])


def test_time_to_stage_curves_bands_and_medians() -> None:
    dates = survival_dates(
        [1, 2, 3, 10, 20, 30],
        [True, True, True, True, True, False],
        source_title=pd.Categorical(["Zillow"] * 3 + ["Yelp"] * 3),
    )
    ax = kd.plot_time_to_stage(dates, stage="toured", by="source_title")
    legend = [t.get_text() for t in legend_of(ax).get_texts()]
    assert legend == [  # as large as each other: in the column's order
        "Yelp: 3 leads, median 20 days",
        "Zillow: 3 leads, median 2 days",
    ]
    assert len(ax.collections) == 2  # one band per curve
    medians = [line for line in ax.lines if line.get_marker() == "o"]
    assert sorted(float(np.asarray(line.get_xdata())[0]) for line in medians) == [2.0, 20.0]
    assert ax.get_ylim() == (0.0, 1.0)


def test_aging_bars_stack_the_buckets() -> None:
    df = aging_frame()
    table = kd.aging(df, now="2021-11-02T00:00:00Z")
    ax = kd.plot_aging(df, now="2021-11-02T00:00:00Z")
    bars = [p for p in ax.patches if isinstance(p, Rectangle)]
    assert len(bars) == table.size
    widths = np.array([b.get_width() for b in bars]).reshape(table.shape[1], table.shape[0]).T
    np.testing.assert_array_equal(widths, table.to_numpy())
    assert [label.get_text() for label in ax.get_yticklabels()] == [
        "Lead",
        "Engaged",
        "Toured",
        "Applied",
        "Other",
    ]
    assert list(table.index) == ["lead", "engaged", "toured", "applied", "other"]
    legend = [t.get_text() for t in legend_of(ax).get_texts()]
    assert legend == list(table.columns)
    by_agent = kd.plot_aging(df, now="2021-11-02T00:00:00Z", by="agent_username", top=1)
    assert [label.get_text() for label in by_agent.get_yticklabels()] == [
        "ana",
        "(unassigned)",
        "Other (1 more)",
    ]


PLOTS: list[tuple[Callable[..., Axes], Callable[[], tuple[Any, ...]], dict[str, Any]]] = [
    (kd.plot_transitions, lambda: (versions(), T[0], T[3]), {}),
    (kd.plot_waterfall, lambda: (versions(), T[0], T[3]), {}),
    (kd.plot_cohorts, lambda: (stage_dates_frame(),), {"within": 30}),
    (kd.plot_time_to_stage, lambda: (survival_dates([1, 2], [True, False]),), {}),
    (kd.plot_aging, lambda: (aging_frame(),), {"now": "2021-11-02"}),
]


@pytest.mark.parametrize(("plot", "args", "options"), PLOTS)
def test_each_chart_draws_on_the_axes_given_and_opens_no_figure(
    plot: Callable[..., Axes], args: Callable[[], tuple[Any, ...]], options: dict[str, Any]
) -> None:
    figure, ax = plt.subplots()
    before = plt.get_fignums()
    assert plot(*args(), ax=ax, title="Mine", **options) is ax
    assert plt.get_fignums() == before
    assert ax.get_title() == "Mine"
    plt.close(figure)


@pytest.mark.parametrize(("plot", "args", "options"), PLOTS)
def test_options_are_keyword_only(
    plot: Callable[..., Axes], args: Callable[[], tuple[Any, ...]], options: dict[str, Any]
) -> None:
    import inspect

    parameters = inspect.signature(plot).parameters
    positional = [
        name
        for name, p in parameters.items()
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]
    assert parameters["ax"].kind is inspect.Parameter.KEYWORD_ONLY
    assert len(positional) == len(args())
    with pytest.raises(kd.WrongArgumentType, match="by keyword"):
        plot(*args(), None)


@pytest.mark.parametrize(
    ("plot", "wanted"),
    [
        (kd.plot_transitions, "History(path).versions()"),
        (kd.plot_waterfall, "History(path).versions()"),
        (kd.plot_time_to_stage, "stage_dates(history.versions())"),
        (kd.plot_cohorts, "stage_dates(history.versions())"),
        (kd.plot_aging, "to_frame(records)"),
    ],
)
def test_a_chart_given_no_frame_says_which_frame_it_takes(
    plot: Callable[..., Axes], wanted: str
) -> None:
    arguments = len(
        [
            p
            for p in inspect.signature(plot).parameters.values()
            if p.kind is p.POSITIONAL_OR_KEYWORD
        ]
    )
    with pytest.raises(kd.WrongArgumentType, match="needs a pandas DataFrame") as info:
        plot([{"status": "new"}], *["2021-11-01"] * (arguments - 1))
    assert wanted in str(info.value)


def test_the_registry_draws_every_movement_chart_from_a_history() -> None:
    from knock_data._charts import MOVEMENT_CHARTS, draw_movement, movement_chart_named

    v = versions()
    frame = v.groupby("prospect_id").tail(1)
    for chart in MOVEMENT_CHARTS:
        ax = draw_movement(chart, versions=v, start=utc(T[0]), end=utc(T[3]), frame=frame)
        assert ax.get_title(), chart.name
    cohorts = draw_movement(
        movement_chart_named("cohorts"), versions=v, start=utc(T[0]), end=utc(T[3])
    )
    assert cohorts.get_ylabel().startswith("Week created")  # three weeks of history: weekly
    assert "within 14 days" in cohorts.get_title()
    with pytest.raises(kd.ConfigurationError, match="needs the prospect frame"):
        draw_movement(movement_chart_named("aging"), versions=v, start=utc(T[0]), end=utc(T[3]))
    with pytest.raises(kd.ConfigurationError, match="'transitions', 'waterfall'"):
        movement_chart_named("sankey")
