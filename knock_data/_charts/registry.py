"""The one list of charts: what the report writes and the dashboard shows, in order, the
charts that compare groups, drawn on request, and the charts of how leads move, drawn from
a history.

A chart added to :data:`CHARTS` is written by the report and shown by the dashboard on its
``tab`` (a new tab name adds a tab), with the dashboard's choices it declares in
``options``. The movement charts (:data:`MOVEMENT_CHARTS`) read a history rather than a
prospect frame: :func:`draw_movement` gives each what it reads.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd
from matplotlib.axes import Axes

from knock_data._analysis.movement import stage_dates
from knock_data._charts.aging import plot_aging
from knock_data._charts.breakdowns import plot_consent, plot_sources, plot_status
from knock_data._charts.cohorts import plot_cohorts
from knock_data._charts.comparisons import plot_comparison, plot_demand, plot_funnels
from knock_data._charts.funnel import plot_funnel
from knock_data._charts.movement import plot_transitions, plot_waterfall
from knock_data._charts.over_time import plot_leads_over_time
from knock_data._charts.survival import plot_time_to_stage
from knock_data._exceptions import ConfigurationError

__all__ = [
    "CHARTS",
    "CHART_NAMES",
    "CHART_OPTIONS",
    "COMPARISON_CHARTS",
    "MOVEMENT_CHARTS",
    "Chart",
    "chart_named",
    "draw_movement",
    "movement_chart_named",
    "tabs",
]

#: The options a dashboard may pass to a chart, by keyword: ``freq`` (the period of a time
#: axis, chosen from the rows shown), ``by`` (the group-by choice), ``tz`` (the time-zone
#: choice, ``"community"`` included) and ``span`` (the days the data covers, so that the
#: first and last periods are marked partial only when they are).
CHART_OPTIONS: tuple[str, ...] = ("freq", "by", "tz", "span")


@dataclass(frozen=True)
class Chart:
    """One chart of a prospect frame, as the report and the dashboard draw it.

    Attributes
    ----------
    name
        Its key: the report's file stem (``funnel.png``) and the dashboard's image.
    title
        What a reader calls it (a tab, a caption, an error in its place).
    plot
        The ``plot_*`` function: ``plot(df, *, ax=None, **options)`` returns the Axes (with
        ``panels``, ``plot(df, *, fig=None, **options)`` returns an array of them).
    tab
        The dashboard tab it is shown on (tabs come in the order their first chart does);
        ``""`` for a chart the dashboard does not show.
    time_axis
        Its x axis is the created date: it is drawn wide.
    panels
        It draws one panel per group on a figure of its own.
    options
        Which of :data:`CHART_OPTIONS` its ``plot`` takes; the dashboard passes only those.
    reads
        What ``plot`` takes first: ``"frame"`` (a prospect frame), ``"versions"`` (a
        history's versions, then the two moments ``start`` and ``end``) or
        ``"stage_dates"`` (:func:`knock_data.stage_dates` output).
    """

    name: str
    title: str
    plot: Callable[..., Any]
    tab: str = ""
    time_axis: bool = False
    panels: bool = False
    reads: str = "frame"
    options: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        unknown = set(self.options) - set(CHART_OPTIONS)
        if unknown:
            raise ConfigurationError(
                f"chart {self.name!r} declares unknown options {sorted(unknown)}; the "
                f"options are {', '.join(CHART_OPTIONS)}."
            )


#: Every chart, in the order the report writes them and the dashboard shows them.
CHARTS: tuple[Chart, ...] = (
    Chart("status", "Status", plot_status, tab="Status and funnel"),
    Chart("sources", "Sources", plot_sources, tab="Sources & consent"),
    Chart(
        "consent",
        "SMS consent",
        plot_consent,
        tab="Sources & consent",
        options=frozenset({"by", "tz"}),
    ),
    Chart("funnel", "Funnel", plot_funnel, tab="Status and funnel"),
    Chart(
        "leads_over_time",
        "Leads over time",
        plot_leads_over_time,
        tab="Leads over time",
        time_axis=True,
        options=frozenset({"freq", "by", "tz", "span"}),
    ),
)

#: The charts of the comparisons (groups side by side, and what renters ask for): drawn on
#: request in notebooks and scripts; the report and the dashboard show the overview above.
COMPARISON_CHARTS: tuple[Chart, ...] = (
    Chart("comparison", "Conversion by group", plot_comparison),
    Chart("funnels", "Funnels by group", plot_funnels, panels=True),
    Chart("demand", "What renters ask for", plot_demand),
)

#: The charts of how leads move, from a history: what the demo writes after its movement run
#: and the dashboard's Movement tab shows (see :func:`draw_movement`).
MOVEMENT_CHARTS: tuple[Chart, ...] = (
    Chart("transitions", "Where leads moved", plot_transitions, tab="Movement", reads="versions"),
    Chart("waterfall", "Open leads", plot_waterfall, tab="Movement", reads="versions"),
    Chart("cohorts", "Cohorts", plot_cohorts, tab="Movement", reads="stage_dates"),
    Chart("time_to_stage", "Time to tour", plot_time_to_stage, reads="stage_dates"),
    Chart("aging", "Aging of open leads", plot_aging),
)

#: The charts' names, in the same order.
CHART_NAMES: tuple[str, ...] = tuple(chart.name for chart in CHARTS)

_BY_NAME = {chart.name: chart for chart in CHARTS}


def chart_named(name: str) -> Chart:
    """The chart called ``name``, or an error listing the names there are.

    Examples
    --------
    >>> chart_named("funnel").title
    'Funnel'
    """
    chart = _BY_NAME.get(name)
    if chart is None:
        choices = ", ".join(repr(n) for n in CHART_NAMES)
        raise ConfigurationError(f"there is no chart {name!r}; the charts are {choices}.")
    return chart


def tabs(charts: tuple[Chart, ...] = CHARTS) -> dict[str, tuple[str, ...]]:
    """Tab title -> the names of its charts, both in the order of ``charts``.

    Examples
    --------
    >>> tabs()["Status and funnel"]
    ('status', 'funnel')
    """
    grouped: dict[str, list[str]] = {}
    for chart in charts:
        if chart.tab:
            grouped.setdefault(chart.tab, []).append(chart.name)
    return {tab: tuple(names) for tab, names in grouped.items()}


_MOVEMENT_BY_NAME = {chart.name: chart for chart in MOVEMENT_CHARTS}
# Cohort windows fit to how long the history has watched: a few months of weekly snapshots
# show weekly cohorts within 14 days; a longer history monthly ones within 30.
_SHORT_HISTORY = pd.Timedelta(days=120)


def movement_chart_named(name: str) -> Chart:
    """The movement chart called ``name``, or an error listing the names there are.

    Examples
    --------
    >>> movement_chart_named("waterfall").title
    'Open leads'
    """
    chart = _MOVEMENT_BY_NAME.get(name)
    if chart is None:
        choices = ", ".join(repr(n) for n in _MOVEMENT_BY_NAME)
        raise ConfigurationError(
            f"there is no movement chart {name!r}; the movement charts are {choices}."
        )
    return chart


def draw_movement(
    chart: Chart,
    *,
    versions: pd.DataFrame,
    start: pd.Timestamp,
    end: pd.Timestamp,
    frame: pd.DataFrame | None = None,
    dates: pd.DataFrame | None = None,
    tz: str | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Draw a movement chart of a history between ``start`` and ``end``.

    Each chart gets what it reads: the versions and the two moments; the stage dates
    (``dates``, or computed from the versions), with cohorts sized to how long the history
    has watched and their weeks or months in ``tz``; or the prospect frame (``frame``;
    aging is measured at ``end``).

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.to_datetime(["2021-11-01", "2021-11-08"], utc=True)
    >>> versions = pd.DataFrame({
    ...     "prospect_id": ["1", "1"], "status": ["new", "booked"],
    ...     "created_at": pd.to_datetime(["2021-10-30"] * 2, utc=True),
    ...     "valid_from": t, "valid_to": [t[1], pd.NaT], "changed_after": [pd.NaT, t[0]],
    ...     "last_observed_at": t, "gone": False,
    ... })
    >>> ax = draw_movement(movement_chart_named("transitions"), versions=versions,
    ...                    start=t[0], end=t[1])
    >>> ax.get_title()
    'Where leads moved, 2021-11-01 to 2021-11-08 (1 prospect)'
    """
    if chart.reads == "versions":
        drawn: Axes = chart.plot(versions, start, end, ax=ax)
        return drawn
    if chart.reads == "stage_dates":
        dates = stage_dates(versions) if dates is None else dates
        if chart.name == "cohorts":
            first = dates["first_observed_at"].min() if len(dates) else end
            short = pd.Timestamp(end) - first < _SHORT_HISTORY
            options: dict[str, Any] = {"freq": "W", "within": 14} if short else {"within": 30}
            options["tz"] = tz
            drawn = chart.plot(dates, ax=ax, **options)
        else:
            drawn = chart.plot(dates, ax=ax)
        return drawn
    if frame is None:
        raise ConfigurationError(f"the {chart.title} chart needs the prospect frame (frame=).")
    drawn = chart.plot(frame, ax=ax, now=end)
    return drawn
