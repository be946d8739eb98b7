"""The one list of charts: what the report writes and the dashboard shows, in order."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from matplotlib.axes import Axes

from knock_data._charts.breakdowns import plot_consent, plot_sources, plot_status
from knock_data._charts.funnel import plot_funnel
from knock_data._charts.over_time import plot_leads_over_time
from knock_data._exceptions import ConfigurationError

__all__ = ["CHARTS", "CHART_NAMES", "Chart", "chart_named"]


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
        The ``plot_*`` function: ``plot(df, *, ax=None, **options)`` returns the Axes.
    time_axis
        Its x axis is the created date: it is drawn wide, and takes ``freq=``.
    """

    name: str
    title: str
    plot: Callable[..., Axes]
    time_axis: bool = False


#: Every chart, in the order the report writes them.
CHARTS: tuple[Chart, ...] = (
    Chart("status", "Status", plot_status),
    Chart("sources", "Sources", plot_sources),
    Chart("consent", "SMS consent", plot_consent),
    Chart("funnel", "Funnel", plot_funnel),
    Chart("leads_over_time", "Leads over time", plot_leads_over_time, time_axis=True),
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
