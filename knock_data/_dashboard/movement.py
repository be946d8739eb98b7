"""The dashboard's Movement tab: a period picker over a history's snapshots, and the movement
charts of the prospects the filters keep.

Its charts are the registry's movement charts on the ``Movement`` tab
(``knock_data._charts.MOVEMENT_CHARTS``), each drawn by ``draw_movement`` from the history's
versions of the rows shown, between the two snapshots picked. Without a history the tab
says how to keep one. Like the other tabs it draws only when open, and keeps what it drew
per rows, period and time zone, so going back costs nothing.
"""

from __future__ import annotations

import io
from collections import OrderedDict
from typing import Any

import ipywidgets as widgets
import numpy as np
import pandas as pd
from matplotlib import rc_context
from matplotlib.figure import Figure

from knock_data._analysis import time_zone
from knock_data._analysis.movement import stage_dates
from knock_data._analysis.periods import COMMUNITY_TIME
from knock_data._charts import MOVEMENT_CHARTS, Chart, draw_movement, tabs
from knock_data._charts.movement import moment_text
from knock_data._exceptions import ConfigurationError, KnockError, WrongArgumentType
from knock_data._schema import PROSPECT_ID

__all__ = ["MOVEMENT_TAB", "MovementTab"]

#: The tab's title, and the registry's charts shown on it.
MOVEMENT_TAB = "Movement"
_SHOWN: tuple[str, ...] = tabs(MOVEMENT_CHARTS).get(MOVEMENT_TAB, ())
_CACHE_SIZE = 16
_SIZE = (8.0, 5.0)  # inches; the figures lay themselves out (their shapes differ)

_NO_HISTORY = """
<div class='knock-movement-help' style='max-width:46em;line-height:1.45'>
<p><b>Movement needs a history.</b> Knock's API shows each prospect only as it is now. Keep
every refresh as a snapshot, and this tab shows where leads moved between two snapshots,
which open leads came in and went out, and how each week's new leads convert:</p>
<pre style='background:#f6f6f6;padding:6px 8px'>history = kd.History("data/history")
client = kd.KnockClient(history=history)
client.fetch_prospects(ids, refresh="due")    # once a week, say
kd.Dashboard(frame, history=history)</pre>
<p>Two snapshots are enough to start; notebook 04 shows twelve weeks of them on the
sandbox.</p>
</div>
"""


class MovementTab:
    """The Movement tab of one dashboard: its widgets, and its charts drawn on demand.

    Parameters
    ----------
    history
        A :class:`knock_data.History` (anything with ``versions()`` and ``snapshots()``),
        or ``None`` for a tab that explains how to keep one.
    frame
        The dashboard's frame: its ``prospect_id`` column ties each row to its versions.
    """

    def __init__(self, history: Any, frame: pd.DataFrame) -> None:
        self.images: dict[str, widgets.Image] = {}
        self.controls: dict[str, widgets.Dropdown] = {}
        self._cache: OrderedDict[tuple[Any, ...], dict[str, bytes]] = OrderedDict()
        self._figures: dict[str, Figure] = {}
        self.note = widgets.HTML()
        self.note.add_class("knock-movement-note")
        if history is None:
            self.versions: pd.DataFrame | None = None
            self.page = widgets.HTML(_NO_HISTORY)
            self.page.add_class("knock-movement")
            return
        if not (
            callable(getattr(history, "versions", None))
            and callable(getattr(history, "observations", None))
        ):
            raise WrongArgumentType(
                f"Dashboard: history must be a kd.History, got {type(history).__name__}.",
                hint='Pass history=kd.History("data/history"), the folder your refreshes '
                "are kept in.",
            )
        if PROSPECT_ID not in frame.columns:
            raise ConfigurationError(
                "Dashboard: a history needs the frame's prospect_id column, to find each "
                "row's versions.",
                hint="Build the frame with knock_data.to_frame(records) or history.as_of(...).",
            )
        self.versions = history.versions()
        self._n_rows = len(frame)
        moments = history.snapshots()  # one per run, in order
        # Each version's row in the dashboard's frame (-1: a prospect the frame does not have).
        # A prospect listed twice in the frame is found by its first row.
        ids = frame[PROSPECT_ID].astype(str)
        first_rows = np.flatnonzero(~ids.duplicated().to_numpy())
        found = pd.Index(ids.iloc[first_rows]).get_indexer(
            pd.Index(self.versions[PROSPECT_ID].astype(str))
        )
        self._row_of = np.where(found >= 0, first_rows[np.maximum(found, 0)], -1)
        options: list[tuple[str, pd.Timestamp | None]] = [(moment_text(m), m) for m in moments]
        options = options or [("no snapshots", None)]
        for name, description, value in (
            ("movement_start", "From snapshot", options[0][1]),
            ("movement_end", "to", options[-1][1]),
        ):
            control = widgets.Dropdown(
                options=options,
                value=value,
                description=description,
                disabled=len(moments) < 2,
                layout=widgets.Layout(width="auto"),
                style={"description_width": "initial"},
            )
            control.add_class(f"knock-{name.replace('_', '-')}")
            self.controls[name] = control
        for name in _SHOWN:
            image = widgets.Image(
                format="svg+xml",
                layout=widgets.Layout(width="100%", height="auto", object_fit="contain"),
            )
            image.add_class(f"knock-chart-{name.replace('_', '-')}")
            self.images[name] = image
            self._figures[name] = Figure(figsize=_SIZE, layout="constrained")
        self._enough = len(moments) >= 2
        if not self._enough:
            self.note.value = (
                f"<i>The history holds {len(moments)} snapshot"
                f"{'' if len(moments) == 1 else 's'}: movement shows from the second one on.</i>"
            )
        grid = widgets.GridBox(
            [self.images[name] for name in _SHOWN],
            layout=widgets.Layout(
                grid_template_columns="repeat(auto-fit, minmax(480px, 1fr))",
                grid_gap="8px",
                width="100%",
            ),
        )
        period = widgets.HBox(
            [self.controls["movement_start"], self.controls["movement_end"], self.note],
            layout=widgets.Layout(align_items="center", flex_flow="row wrap"),
        )
        self.page = widgets.VBox([period, grid], layout=widgets.Layout(width="100%"))
        self.page.add_class("knock-movement")

    @property
    def period(self) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
        """The two snapshots picked (``None`` without a history)."""
        if not self.controls:
            return None, None
        return self.controls["movement_start"].value, self.controls["movement_end"].value

    def draw(self, rows: np.ndarray, rows_key: bytes, shown: pd.DataFrame, zone: str) -> None:
        """Put the tab's charts for the frame rows ``rows`` (positions) in place."""
        if self.versions is None:
            return
        start, end = self.period
        if start is None or end is None:
            return
        if start > end:
            self.note.value = (
                "<i>The first snapshot comes after the second: pick an earlier one.</i>"
            )
            return
        if self._enough:
            self.note.value = ""
        key = (rows_key, start, end, zone)
        drawn = self._cache.get(key)
        if drawn is None:
            drawn = self._cache[key] = self._render(rows, shown, start, end, zone)
            while len(self._cache) > _CACHE_SIZE:
                self._cache.popitem(last=False)
        else:
            self._cache.move_to_end(key)
        for name, svg in drawn.items():
            if self.images[name].value != svg:
                self.images[name].value = svg

    def _render(
        self,
        rows: np.ndarray,
        shown: pd.DataFrame,
        start: pd.Timestamp,
        end: pd.Timestamp,
        zone: str,
    ) -> dict[str, bytes]:
        assert self.versions is not None
        kept = np.zeros(self._n_rows + 1, dtype=bool)
        kept[rows] = True
        versions = self.versions[kept[self._row_of]]  # -1 (not in the frame) is the last: False
        dates = stage_dates(versions)
        tz = None if zone == COMMUNITY_TIME else time_zone(zone)
        return {
            name: self._svg(
                chart, versions=versions, dates=dates, frame=shown, start=start, end=end, tz=tz
            )
            for name in _SHOWN
            for chart in MOVEMENT_CHARTS
            if chart.name == name
        }

    def _svg(self, chart: Chart, **inputs: Any) -> bytes:
        figure = self._figures[chart.name]
        figure.clear()
        ax = figure.add_subplot()
        try:
            draw_movement(chart, ax=ax, **inputs)
        except KnockError as exc:
            ax.clear()
            ax.set_axis_off()
            ax.text(0.5, 0.5, f"{chart.title}: {exc}", ha="center", va="center", wrap=True)
        buffer = io.BytesIO()
        with rc_context({"svg.fonttype": "none"}):
            figure.savefig(buffer, format="svg", facecolor="white", metadata={"Date": None})
        return buffer.getvalue()

    @property
    def note_html(self) -> str:
        """The tab's words: its explanation without a history, else its note."""
        return _NO_HISTORY if self.versions is None else str(self.note.value)

    @property
    def names(self) -> tuple[str, ...]:
        """The charts the tab shows (drawn only with a history)."""
        return _SHOWN

    def svg(self, name: str) -> bytes:
        """The SVG the tab shows now for chart ``name`` (``b""`` before it first draws)."""
        image = self.images.get(name)
        return b"" if image is None else bytes(image.value)

    def close(self) -> None:
        """Free the figures and what was kept."""
        for figure in self._figures.values():
            figure.clear()
        self._figures.clear()
        self._cache.clear()
