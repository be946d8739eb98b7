"""The one list of charts: what the report writes and the dashboard shows, in order, and the
charts that compare groups, drawn on request."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from knock_data._charts.breakdowns import plot_consent, plot_sources, plot_status
from knock_data._charts.comparisons import plot_comparison, plot_demand, plot_funnels
from knock_data._charts.funnel import plot_funnel
from knock_data._charts.over_time import plot_leads_over_time
from knock_data._exceptions import ConfigurationError

__all__ = ["CHARTS", "CHART_NAMES", "COMPARISON_CHARTS", "Chart", "chart_named"]


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
        The ``plot_*`` function: ``plot(df, ax=None, **options)`` returns the Axes (with
        ``panels``, ``plot(df, fig=None, **options)`` returns an array of them).
    time_axis
        Its x axis is the created date: it is drawn wide, and takes ``freq=``.
    panels
        It draws one panel per group on a figure of its own.
    """

    name: str
    title: str
    plot: Callable[..., Any]
    time_axis: bool = False
    panels: bool = False


#: Every chart, in the order the report writes them.
CHARTS: tuple[Chart, ...] = (
    Chart("status", "Status", plot_status),
    Chart("sources", "Sources", plot_sources),
    Chart("consent", "SMS consent", plot_consent),
    Chart("funnel", "Funnel", plot_funnel),
    Chart("leads_over_time", "Leads over time", plot_leads_over_time, time_axis=True),
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
