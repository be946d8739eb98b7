"""The charts layer: prospect frames drawn with matplotlib's object-oriented API.

Every ``plot_*`` function takes a prospect frame and an optional ``ax``. Without one it opens
a new pyplot figure and returns its Axes, as ``DataFrame.plot`` does, so a notebook shows the
chart at the end of the cell; in a script, save it with ``ax.figure.savefig(...)`` and close
it with ``plt.close(ax.figure)``. No function calls ``plt.show()``, none leaves open a figure
it does not return, and none fetches: each draws what the analysis layer computes.
``plot_funnels`` draws one panel per group on a figure of its own (``fig=`` to pass one) and
returns the panels' Axes.

The modules: ``colors.py`` (a fixed colour per value), ``labels.py`` (what a reader calls
each column and value, from the schema's one table of labels), ``_text.py`` (titles),
``_top.py`` (the top N, then "Other (n more)"), ``_bars.py`` (axes and labelled bars), the
charts by family (``breakdowns.py``, ``funnel.py``, ``over_time.py``, ``comparisons.py``;
of a history: ``movement.py``, ``cohorts.py``, ``survival.py``, ``aging.py``, with
``_heatmap.py``) and ``registry.py``,
the one list of charts that the report and the dashboard both read (and the comparison
charts, drawn on request, and the movement charts, drawn from a history).
"""

from __future__ import annotations

from knock_data._charts.breakdowns import NO_SOURCE, plot_consent, plot_sources, plot_status
from knock_data._charts.colors import (
    CONSENT_COLORS,
    MISSING_COLOR,
    OTHER_COLOR,
    STAGE_COLORS,
    STATUS_COLORS,
    source_color,
    stage_color,
    status_color,
    value_color,
)
from knock_data._charts.comparisons import (
    column_label,
    plot_comparison,
    plot_demand,
    plot_funnels,
    rate_label,
)
from knock_data._charts.funnel import plot_funnel
from knock_data._charts.over_time import plot_leads_over_time
from knock_data._charts.registry import (
    CHART_NAMES,
    CHART_OPTIONS,
    CHARTS,
    COMPARISON_CHARTS,
    MOVEMENT_CHARTS,
    Chart,
    chart_named,
    draw_movement,
    movement_chart_named,
    tabs,
)
from knock_data._charts.tables import report_table

__all__ = [
    "CHARTS",
    "CHART_NAMES",
    "CHART_OPTIONS",
    "COMPARISON_CHARTS",
    "CONSENT_COLORS",
    "MISSING_COLOR",
    "MOVEMENT_CHARTS",
    "NO_SOURCE",
    "OTHER_COLOR",
    "STAGE_COLORS",
    "STATUS_COLORS",
    "Chart",
    "chart_named",
    "column_label",
    "draw_movement",
    "movement_chart_named",
    "plot_comparison",
    "plot_consent",
    "plot_demand",
    "plot_funnel",
    "plot_funnels",
    "plot_leads_over_time",
    "plot_sources",
    "plot_status",
    "rate_label",
    "report_table",
    "source_color",
    "stage_color",
    "status_color",
    "tabs",
    "value_color",
]
