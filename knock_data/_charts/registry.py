"""The one list of charts: what the report writes and the dashboard shows, in order, and the
charts that compare groups, drawn on request.

A chart added to :data:`CHARTS` is written by the report and shown by the dashboard on its
``tab`` (a new tab name adds a tab), with the dashboard's choices it declares in
``options``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from knock_data._charts.breakdowns import plot_consent, plot_sources, plot_status
from knock_data._charts.comparisons import plot_comparison, plot_demand, plot_funnels
from knock_data._charts.funnel import plot_funnel
from knock_data._charts.over_time import plot_leads_over_time
from knock_data._exceptions import ConfigurationError

__all__ = [
    "CHARTS",
    "CHART_NAMES",
    "CHART_OPTIONS",
    "COMPARISON_CHARTS",
    "Chart",
    "chart_named",
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
    """

    name: str
    title: str
    plot: Callable[..., Any]
    tab: str = ""
    time_axis: bool = False
    panels: bool = False
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
