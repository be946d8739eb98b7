"""The charts drawn to SVG on figures the dashboard owns, and kept per set of rows shown.

Figures here are never registered with pyplot, so nothing is left open and nothing is
shown twice by the inline backend. Each chart of the registry (``knock_data._charts.CHARTS``)
has its own figure of a fixed size with fixed margins: a layout engine would measure every
label on every redraw and triple the drawing time, and the charts wrap category labels to a
bounded width, so margins that fit the widest label are enough. SVG is written with text
left to the browser (three times faster than rasterising it, and sharp at any zoom).
Rendered charts are kept per set of rows shown and choices made (time zone, group-by), so
undoing a change costs nothing. Each chart gets only the choices its registry entry declares
(``Chart.options``).
"""

from __future__ import annotations

import functools
import hashlib
import io
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from typing import Any, ParamSpec, TypeVar

import numpy as np
import pandas as pd
from matplotlib import rc_context
from matplotlib.figure import Figure

from knock_data._charts import CHARTS, Chart
from knock_data._exceptions import KnockError
from knock_data._schema import CREATED_AT

__all__ = ["CACHE_SIZE", "ChartRenderer", "one_at_a_time", "period_for", "rows_key"]

#: Rendered sets of rows kept, so that undoing a change redraws at once.
CACHE_SIZE = 32

# Size in inches and margins in inches (left, right, bottom, top), by chart shape.
_BARS = ((6.0, 3.8), (2.5, 0.45, 0.55, 0.35))
_TIME_AXIS = ((12.0, 3.6), (0.75, 0.2, 0.6, 0.55))
# With a legend beside the plot (lines per group, partial periods), room for it on the right.
_LEGEND_RIGHT = 3.2


def period_for(df: pd.DataFrame, *, grouped: bool = False) -> str:
    """The period of a time chart: days for a few weeks of leads, weeks up to two years,
    months beyond (a name of ``PERIODS``). Lines per group read best with fewer points, so
    ``grouped`` moves to weeks after a month and to months after half a year."""
    created = df[CREATED_AT]
    if created.notna().sum() < 2:
        return "day"
    span = created.max() - created.min()
    day_limit, week_limit = (31, 183) if grouped else (62, 731)
    if span <= pd.Timedelta(days=day_limit):
        return "day"
    if span <= pd.Timedelta(days=week_limit):
        return "week"
    return "month"


def rows_key(shown: pd.DataFrame) -> bytes:
    """A digest of which rows (by position in the frame) are shown."""
    positions = np.ascontiguousarray(shown.index.to_numpy(dtype=np.int64))
    return hashlib.blake2b(positions.tobytes(), digest_size=16).digest()


class ChartRenderer:
    """Draws charts as SVG, each on a figure of its own, and keeps what it drew per rows key.

    Parameters
    ----------
    charts
        The charts to draw (default: every chart of the registry).
    cache_size
        How many sets of rows to keep rendered charts for (least recently used go first).
    """

    def __init__(self, charts: Iterable[Chart] = CHARTS, *, cache_size: int = CACHE_SIZE) -> None:
        self._figures = {
            chart.name: Figure(figsize=(_TIME_AXIS if chart.time_axis else _BARS)[0])
            for chart in charts
        }
        self._cache: OrderedDict[bytes, dict[tuple[str, tuple[Any, ...]], bytes]] = OrderedDict()
        self._cache_size = cache_size

    def svg(
        self,
        chart: Chart,
        rows: bytes,
        df: pd.DataFrame,
        choices: Mapping[str, Any] | None = None,
    ) -> bytes:
        """``chart`` of ``df`` (whose rows ``rows`` names), drawn now or kept from before.

        ``choices`` are the dashboard's (``by``, ``tz``, ``span``); the chart gets those it
        declares, and the time period of its axis when it has one.
        """
        options = self.options(chart, df, choices or {})
        images = self._cache.get(rows)
        if images is None:
            images = self._cache[rows] = {}
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        else:
            self._cache.move_to_end(rows)
        key = (chart.name, tuple(sorted(options.items())))
        svg = images.get(key)
        if svg is None:
            svg = images[key] = self.render(chart, df, options)
        return svg

    @staticmethod
    def options(chart: Chart, df: pd.DataFrame, choices: Mapping[str, Any]) -> dict[str, Any]:
        """The keyword options ``chart`` is drawn with: the choices it declares."""
        options = {k: v for k, v in choices.items() if k in chart.options and v is not None}
        if "freq" in chart.options and "freq" not in options:
            options["freq"] = period_for(df, grouped="by" in options)
        return options

    def forget(self, rows: bytes) -> None:
        """Drop what was kept for ``rows`` (the next :meth:`svg` draws again)."""
        self._cache.pop(rows, None)

    def render(
        self, chart: Chart, df: pd.DataFrame, options: Mapping[str, Any] | None = None
    ) -> bytes:
        """Draw ``chart`` of ``df`` with ``options`` on its figure and return the SVG.

        A chart that cannot be drawn (a :class:`knock_data.KnockError`) says why in its own
        place; the other charts still draw.
        """
        figure = self._figures[chart.name]
        figure.clear()
        ax = figure.add_subplot()
        (width, height), (left, right, bottom, top) = _TIME_AXIS if chart.time_axis else _BARS
        figure.subplots_adjust(
            left=left / width, right=1 - right / width, bottom=bottom / height, top=1 - top / height
        )
        try:
            chart.plot(df, ax=ax, **(options or {}))
            # Room for what the chart put outside its plot: a two-line title, a legend.
            lines = ax.get_title().count("\n") + 1
            legend = ax.get_legend() is not None
            right_margin = _LEGEND_RIGHT if legend and chart.time_axis else right
            figure.subplots_adjust(
                top=1 - (top + 0.2 * (lines - 1)) / height,
                right=1 - right_margin / width,
                bottom=(bottom + (0.4 if legend and not chart.time_axis else 0.0)) / height,
            )
            # The title is centred on the figure, not on the plot, which the labels on its
            # left push aside: a long title then still fits.
            plot_width = width - left - right_margin
            ax.title.set_x((width / 2 - left) / plot_width)
        except KnockError as exc:
            ax.clear()
            ax.set_axis_off()
            ax.text(0.5, 0.5, f"{chart.title}: {exc}", ha="center", va="center", wrap=True)
        buffer = io.BytesIO()
        with rc_context({"svg.fonttype": "none"}):  # text stays text: the browser draws it
            figure.savefig(buffer, format="svg", facecolor="white", metadata={"Date": None})
        return buffer.getvalue()

    def close(self) -> None:
        """Free the figures and what was kept."""
        for figure in self._figures.values():
            figure.clear()
        self._figures.clear()
        self._cache.clear()


_P = ParamSpec("_P")
_R = TypeVar("_R")


def one_at_a_time(method: Callable[_P, _R]) -> Callable[_P, _R]:
    """Run a dashboard method under its lock.

    Widget callbacks arrive one at a time on the kernel's thread, but code may also set
    controls from other threads; the figures and the render cache are shared, so filtering
    and drawing happen one call at a time.
    """

    @functools.wraps(method)
    def locked(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        with args[0]._lock:  # type: ignore[attr-defined]
            return method(*args, **kwargs)

    return locked
