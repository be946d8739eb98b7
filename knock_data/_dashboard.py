"""An interactive dashboard over a prospect frame: filters, summary, charts and CSV export.

Thin glue over the layers below: the filters call :func:`knock_data.filter_prospects`, the
summary :func:`knock_data.consent_breakdown`, the charts are the ``plot_*`` functions, and the
export is :func:`knock_data.export_csv`. This is the only module that imports ipywidgets.

Charts are drawn on matplotlib figures owned by the dashboard (never registered with pyplot,
so nothing is left open and nothing is shown twice by the inline backend) and rendered to SVG
into ``ipywidgets.Image`` widgets. A filter change replaces each image's bytes in place: the
browser swaps one picture for the next without clearing the area first, so nothing flickers,
and no ``display()`` call is needed.

Speed: a filter change filters a compact slice of the frame, redraws only the open tab's
charts with fixed margins (no layout engine measuring every label) and writes SVG with text
left to the browser (three times faster than rasterising it). Rendered charts are kept per
set of rows shown, so undoing a change is instant. ``python -m bench dashboard`` measures it.
"""

from __future__ import annotations

import base64
import hashlib
import html
import io
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import wraps
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import ipywidgets as widgets
import numpy as np
import pandas as pd
from matplotlib import rc_context
from matplotlib.figure import Figure

from knock_data._analysis import (
    KNOCK_STATUS_LABELS,
    consent_breakdown,
    filter_prospects,
    normalize_status,
)
from knock_data._charts import (
    plot_consent,
    plot_funnel,
    plot_leads_over_time,
    plot_sources,
    plot_status,
)
from knock_data._exceptions import ConfigurationError, KnockError
from knock_data._frame import export_csv

__all__ = ["Dashboard"]

#: Columns the dashboard filters or summarises on (all present in a ``to_frame`` result).
REQUIRED_COLUMNS: tuple[str, ...] = (
    "community_id",
    "source_title",
    "status",
    "agent_username",
    "created_at",
    "is_deleted",
    "not_prospect",
    "sms_consent",
)

#: Multi-select filters: control name -> (column, filter_prospects keyword, title, missing label).
_MULTI_FILTERS: dict[str, tuple[str, str, str, str]] = {
    "community": ("community_id", "communities", "Community", "(no community)"),
    "source": ("source_title", "sources", "Source", "(no source)"),
    "status": ("status", "statuses", "Status", "(no status)"),
    "agent": ("agent_username", "agents", "Agent", "(unassigned)"),
}


# Fixed margins in inches (left, right, bottom, top). A layout engine would measure every
# label on every redraw and triple the drawing time; the charts wrap category labels to a
# bounded width, so fixed margins that fit the widest label are enough.
_BAR_MARGINS = (2.05, 0.45, 0.55, 0.35)


@dataclass(frozen=True)
class _Chart:
    name: str
    title: str
    draw: Callable[..., Any]  # draw(df, ax=ax), as the plot_* functions take them
    size: tuple[float, float] = (6.0, 3.8)  # inches
    margins: tuple[float, float, float, float] = _BAR_MARGINS


def _draw_leads_over_time(df: pd.DataFrame, *, ax: Any) -> Any:
    return plot_leads_over_time(df, freq=_period_for(df), ax=ax)


_CHARTS: tuple[_Chart, ...] = (
    _Chart("status", "Status", plot_status),
    _Chart("sources", "Sources", plot_sources),
    _Chart("consent", "SMS consent", plot_consent),
    _Chart("funnel", "Funnel", plot_funnel),
    _Chart(
        "leads_over_time",
        "Leads over time",
        _draw_leads_over_time,
        (12.0, 3.4),
        (0.75, 0.2, 0.6, 0.35),
    ),
)

_CHART_BY_NAME = {chart.name: chart for chart in _CHARTS}

#: Chart tabs: title -> charts. Only the open tab is redrawn on a filter change, which keeps a
#: change on 100,000 rows well within a quarter of a second; other tabs draw when opened.
_TABS: dict[str, tuple[str, ...]] = {
    "Funnel and status": ("funnel", "status"),
    "Sources & consent": ("sources", "consent"),
    "Leads over time": ("leads_over_time",),
}

#: The columns the summary and the charts read; they work on this slice of the frame so
#: that a filter change copies a few compact columns, not every text column.
_CHART_COLUMNS: tuple[str, ...] = (
    *REQUIRED_COLUMNS,
    "first_contact_type",
)

#: Rendered filter states kept, so that undoing a change redraws at once.
_CACHE_SIZE = 32


def _period_for(df: pd.DataFrame) -> str:
    """Days for a few weeks of leads, weeks up to two years, months beyond."""
    created = df["created_at"]
    if created.notna().sum() < 2:
        return "D"
    span = created.max() - created.min()
    if span <= pd.Timedelta(days=62):
        return "D"
    if span <= pd.Timedelta(days=731):
        return "W"
    return "M"


def _options(
    series: pd.Series,
    missing_label: str,
    *,
    names: Mapping[Any, str] | None = None,
    status: bool = False,
) -> list[tuple[str, Any]]:
    """(label with count, value) for each value present, most frequent first.

    A value's label is its name in ``names`` when it has one. Statuses follow Knock's order
    under Knock's labels (``Applied (Leased)`` for ``applied_leased``), unknown ones after
    them; the values stay as the data spells them.
    """
    counts = series.value_counts(dropna=False, sort=True)
    options: list[tuple[str, Any]] = []
    ranks: list[int] = []
    known = list(KNOCK_STATUS_LABELS)
    for value, count in counts.items():
        if count == 0:  # categories that no row holds
            continue
        if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
            options.append((f"{missing_label} ({count:,})", None))
            ranks.append(len(known) + 1)
            continue
        label, rank = str(value), len(known)
        if status:
            key = normalize_status(value)
            if key in KNOCK_STATUS_LABELS:
                label, rank = KNOCK_STATUS_LABELS[key], known.index(key)
        if names and value in names:
            label = str(names[value])
        options.append((f"{label} ({count:,})", value))
        ranks.append(rank)
    if status:  # a stable sort keeps the most frequent first among unknown statuses
        order = sorted(range(len(options)), key=ranks.__getitem__)
        options = [options[i] for i in order]
    return options


def _created_days(created: pd.Series) -> list[date]:
    """Every UTC calendar day from the first lead to the last."""
    stamps = created.dropna()
    if stamps.empty:
        return []
    if stamps.dt.tz is not None:
        stamps = stamps.dt.tz_convert("UTC")
    first, last = stamps.min().date(), stamps.max().date()
    return [d.date() for d in pd.date_range(first, last, freq="D")]


_P = ParamSpec("_P")
_R = TypeVar("_R")


def _one_at_a_time(method: Callable[_P, _R]) -> Callable[_P, _R]:
    """Run a dashboard method under its lock.

    Widget callbacks arrive one at a time on the kernel's thread, but code may also set
    controls from other threads; the figures and the render cache are shared, so filtering
    and drawing happen one call at a time.
    """

    @wraps(method)
    def locked(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        with args[0]._lock:  # type: ignore[attr-defined]
            return method(*args, **kwargs)

    return locked


class Dashboard:
    """Filter a prospect frame and watch the summary and charts follow, then export.

    Filters: community, source, status and agent (multi-selects, everything selected to
    start with), a created-date range (UTC days, both ends included) and two toggles that
    add deleted records and records marked not a prospect. Below them a summary line
    (leads, prospects and SMS consent rate, by Knock's definitions), an Export button
    offering the filtered rows as a CSV download written by :func:`knock_data.export_csv`
    (personal data kept, masked or dropped), and the funnel, status, source, consent and
    leads-over-time charts in three tabs. When the filters leave no row, a sentence says
    which filters to widen instead of the charts.

    The CSV travels to the browser inside the link, so it suits what a dashboard shows
    (thousands of rows, tens of thousands at most); for larger extracts call
    ``kd.export_csv(dash.filtered, path)``.

    Parameters
    ----------
    df
        A prospect frame, as :func:`knock_data.to_frame` or ``FetchResult.frame`` return.
        Filter choices are read from it once, when the dashboard is made.
    title
        Heading shown above the filters.
    labels
        Names to show in the filter lists instead of the ids the API returns, by filter:
        ``{"community": {"191b65d2686d11e9": "Maple Court"}, "agent": {...}}`` (keys
        ``community``, ``source``, ``status``, ``agent``). A value without a name shows as
        it is; :meth:`filters`, :attr:`filtered` and the export keep the ids.

    Attributes
    ----------
    controls : dict
        The filter widgets by name: ``community``, ``source``, ``status``, ``agent``
        (``SelectMultiple``), ``created`` (``SelectionRangeSlider`` of dates),
        ``include_deleted`` and ``include_not_prospect`` (``Checkbox``). Setting their
        ``value`` filters the dashboard as a click would.
    widget : ipywidgets.VBox
        The whole dashboard, to place inside other widgets.

    Examples
    --------
    >>> import knock_data as kd
    >>> from knock_data.sandbox import generate_prospects
    >>> dash = kd.Dashboard(kd.to_frame(generate_prospects(300)))
    >>> dash.controls["include_not_prospect"].value = True
    >>> dash.summary["shown"] == dash.summary["leads"]
    True
    >>> dash  # in a notebook, this displays the dashboard           # doctest: +SKIP
    """

    def __init__(
        self,
        df: pd.DataFrame,
        *,
        title: str = "Leasing leads",
        labels: Mapping[str, Mapping[Any, str]] | None = None,
    ) -> None:
        if not isinstance(df, pd.DataFrame):
            raise ConfigurationError(
                f"Dashboard needs a pandas DataFrame, got {type(df).__name__}.",
                hint="Pass a frame from knock_data.to_frame(...) or FetchResult.frame.",
            )
        missing = [c for c in REQUIRED_COLUMNS if c not in df.columns]
        if missing:
            raise ConfigurationError(
                f"Dashboard needs the columns {', '.join(missing)}, which the frame lacks.",
                hint="Build the frame with knock_data.to_frame(records) or FetchResult.frame.",
            )
        named = _check_labels(labels)
        self._df = df
        # The summary and charts work on a compact slice of the frame with positions as its
        # index, so that the rows on screen can be recognised by their positions.
        self._slim = df.loc[:, [c for c in _CHART_COLUMNS if c in df.columns]].reset_index(
            drop=True
        )
        self._shown = self._slim.iloc[0:0]
        self._filtered: pd.DataFrame | None = None
        self._summary: dict[str, Any] = {}
        self._suspended = False
        self._lock = threading.RLock()  # see _one_at_a_time
        self._on_screen: bytes | None = None
        self._rendered: OrderedDict[bytes, dict[str, bytes]] = OrderedDict()

        self.controls: dict[str, widgets.ValueWidget] = {}
        for name, (column, _, label, missing_label) in _MULTI_FILTERS.items():
            options = _options(
                df[column], missing_label, names=named.get(name), status=name == "status"
            )
            self.controls[name] = widgets.SelectMultiple(
                options=options,
                value=tuple(value for _, value in options),
                rows=min(6, max(2, len(options))),
                description=label,
                layout=widgets.Layout(width="auto", min_width="220px", flex="1 1 220px"),
                style={"description_width": "initial"},
            )
        self._days = _created_days(df["created_at"])
        day_options: list[tuple[str, date | None]] = [(d.isoformat(), d) for d in self._days]
        self.controls["created"] = widgets.SelectionRangeSlider(
            options=day_options or [("no dates", None)],
            index=(0, max(len(self._days) - 1, 0)),
            description="Created (UTC)",
            disabled=not self._days,
            continuous_update=False,
            readout=False,  # too narrow for two dates: the label beside it says them
            layout=widgets.Layout(flex="1 1 auto"),
            style={"description_width": "initial"},
        )
        self._created_label = widgets.HTML(layout=widgets.Layout(margin="0 0 0 8px"))
        self.controls["include_deleted"] = widgets.Checkbox(
            value=False, description="Include deleted records", indent=False
        )
        self.controls["include_not_prospect"] = widgets.Checkbox(
            value=False, description="Include records marked not a prospect", indent=False
        )

        self._reset_button = widgets.Button(
            description="Reset filters", icon="undo", tooltip="Select everything again"
        )
        self._export_button = widgets.Button(
            description="Export CSV",
            icon="download",
            button_style="primary",
            tooltip="Prepare the filtered rows as a CSV download",
        )
        self._export_pii = widgets.Dropdown(
            options=[
                ("personal data: keep", "keep"),
                ("personal data: mask", "mask"),
                ("personal data: drop", "drop"),
            ],
            value="keep",
            layout=widgets.Layout(width="210px"),
        )
        self._export_link = widgets.HTML(layout=widgets.Layout(margin="0 0 0 8px"))
        self._summary_html = widgets.HTML(layout=widgets.Layout(margin="4px 0"))
        self._message = widgets.HTML(layout=widgets.Layout(display="none"))

        self._figures: dict[str, Figure] = {}
        self._images: dict[str, widgets.Image] = {}
        for chart in _CHARTS:
            self._figures[chart.name] = Figure(figsize=chart.size)
            self._images[chart.name] = widgets.Image(
                format="svg+xml",
                layout=widgets.Layout(width="100%", height="auto", object_fit="contain"),
            )
        pages = []
        for names in _TABS.values():
            pages.append(
                widgets.GridBox(
                    [self._images[name] for name in names],
                    layout=widgets.Layout(
                        grid_template_columns=(
                            "repeat(auto-fit, minmax(420px, 1fr))" if len(names) > 1 else "1fr"
                        ),
                        grid_gap="8px",
                        width="100%",
                    ),
                )
            )
        self._charts_box = widgets.Tab(
            children=pages, titles=tuple(_TABS), layout=widgets.Layout(width="100%")
        )

        selects = [self.controls[name] for name in _MULTI_FILTERS]
        self.widget = widgets.VBox(
            [
                widgets.HTML(f"<h3 style='margin:0 0 4px 0'>{html.escape(title)}</h3>"),
                widgets.HBox(selects, layout=widgets.Layout(flex_flow="row wrap", width="100%")),
                widgets.HBox(
                    [self.controls["created"], self._created_label],
                    layout=widgets.Layout(align_items="center", width="100%"),
                ),
                widgets.HBox(
                    [
                        self.controls["include_deleted"],
                        self.controls["include_not_prospect"],
                        self._reset_button,
                    ],
                    layout=widgets.Layout(align_items="center", flex_flow="row wrap"),
                ),
                self._summary_html,
                widgets.HBox(
                    [self._export_button, self._export_pii, self._export_link],
                    layout=widgets.Layout(align_items="center", flex_flow="row wrap"),
                ),
                self._message,
                self._charts_box,
            ],
            layout=widgets.Layout(width="100%"),
        )
        self.widget.add_class("knock-dashboard")
        self._summary_html.add_class("knock-summary")
        self._message.add_class("knock-message")
        self._export_link.add_class("knock-export-link")
        for name, image in self._images.items():
            image.add_class(f"knock-chart-{name.replace('_', '-')}")

        for control in self.controls.values():
            control.observe(self._on_change, names="value")
        self._reset_button.on_click(lambda _: self.reset())
        self._export_button.on_click(lambda _: self.prepare_export())
        self._export_pii.observe(lambda _: self._clear_export(), names="value")
        self._charts_box.observe(lambda _: self._draw_visible(), names="selected_index")
        self.refresh()

    # -- public API -------------------------------------------------------------------
    @property
    @_one_at_a_time
    def filtered(self) -> pd.DataFrame:
        """The rows the current filters keep: what the charts show and Export writes.

        All the frame's columns, from :func:`knock_data.filter_prospects` with
        :meth:`filters` (made when first read after a change).
        """
        if self._filtered is None:
            self._filtered = filter_prospects(self._df, **self.filters())
        return self._filtered

    @property
    def summary(self) -> dict[str, Any]:
        """The summary line as numbers.

        ``leads`` (Knock's leads: records marked not a prospect included, deleted ones
        not), ``prospects`` (neither), ``shown`` (rows in :attr:`filtered`, which the two
        toggles decide) and ``sms_consent_rate`` (share of the shown rows that consented to
        SMS, ``None`` when no row is shown). All within the community, source, status, agent
        and created filters.
        """
        return dict(self._summary)

    def filters(self) -> dict[str, Any]:
        """The current filters as :func:`knock_data.filter_prospects` keyword arguments.

        A filter with everything selected is ``None`` (keep all, missing values included).
        """
        kwargs: dict[str, Any] = {}
        for name, (_, keyword, _, _) in _MULTI_FILTERS.items():
            control = self.controls[name]
            chosen = tuple(control.value)
            everything = len(chosen) == len(control.options)
            kwargs[keyword] = None if everything else list(chosen)
        created = self.controls["created"]
        if self._days and tuple(created.index) != (0, len(self._days) - 1):
            kwargs["created"] = tuple(created.value)
        else:
            kwargs["created"] = None
        kwargs["include_deleted"] = bool(self.controls["include_deleted"].value)
        kwargs["include_not_prospect"] = bool(self.controls["include_not_prospect"].value)
        return kwargs

    def reset(self) -> None:
        """Select everything again and hide deleted and not-a-prospect records."""
        with self._batch():
            for name in _MULTI_FILTERS:
                control = self.controls[name]
                control.value = tuple(value for _, value in control.options)
            if self._days:
                self.controls["created"].index = (0, len(self._days) - 1)
            self.controls["include_deleted"].value = False
            self.controls["include_not_prospect"].value = False

    @_one_at_a_time
    def refresh(self, *, force: bool = False) -> None:
        """Filter again and redraw what changed (filter changes call this themselves)."""
        kwargs = self.filters()
        # Leads and prospects are counted within the same filters; the toggles only decide
        # which of them are shown, so filter once with both included.
        base = filter_prospects(
            self._slim, **{**kwargs, "include_deleted": True, "include_not_prospect": True}
        )
        deleted = base["is_deleted"].fillna(False).to_numpy(dtype=bool)
        not_prospect = base["not_prospect"].fillna(False).to_numpy(dtype=bool)
        shown = filter_prospects(
            base,
            include_deleted=kwargs["include_deleted"],
            include_not_prospect=kwargs["include_not_prospect"],
        )
        self._shown = shown
        self._filtered = None
        self._summary = {
            "leads": int((~deleted).sum()),
            "prospects": int((~deleted & ~not_prospect).sum()),
            "shown": len(shown),
            "sms_consent_rate": _consent_rate(shown),
        }
        self._summary_html.value = self._summary_text(kwargs)
        self._created_label.value = self._created_text()
        self._clear_export()

        if shown.empty:  # the explanation names the filters, which may change alone
            self._message.value = self._empty_text(kwargs)

        rows = _rows_key(shown)
        if force:
            self._rendered.pop(rows, None)
        if rows == self._on_screen and not force:
            return  # the same rows as on screen (a toggle that changed nothing)
        self._on_screen = rows
        if shown.empty:
            self._message.layout.display = None
            self._charts_box.layout.display = "none"
            return
        self._message.layout.display = "none"
        self._charts_box.layout.display = None
        self._draw_visible()

    @_one_at_a_time
    def prepare_export(self) -> str:
        """Write the filtered rows as :func:`~knock_data.export_csv` does and offer a link.

        The CSV is embedded in the link as a ``data:`` URI, so the download works in
        Jupyter, JupyterLab and Voila alike. Returns the link's HTML.
        """
        rows = self.filtered
        pii = self._export_pii.value
        with tempfile.TemporaryDirectory(prefix="knock-export-") as tmp:
            path = Path(tmp) / "prospects.csv"
            export_csv(rows, path, pii=pii)
            payload = path.read_bytes()
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        filename = f"knock-prospects-{stamp}.csv"
        href = "data:text/csv;charset=utf-8;base64," + base64.b64encode(payload).decode("ascii")
        size = f"{len(payload) / 1024:,.0f} kB" if len(payload) >= 1024 else f"{len(payload)} B"
        link = (
            f'<a download="{filename}" href="{href}" title="{filename}" '
            f'style="font-weight:600">Download {len(rows):,} rows ({size})</a>'
        )
        self._export_link.value = link
        return link

    def close(self) -> None:
        """Close the widgets and free the figures (the dashboard stops updating)."""
        for control in self.controls.values():
            control.unobserve(self._on_change, names="value")
        _close_tree(self.widget)
        for figure in self._figures.values():
            figure.clear()
        self._figures.clear()

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)

    def __repr__(self) -> str:
        return (
            f"<Dashboard: {self._summary.get('shown', 0):,} of {len(self._df):,} rows shown, "
            f"{self._summary.get('leads', 0):,} leads, "
            f"{self._summary.get('prospects', 0):,} prospects>"
        )

    # -- internals --------------------------------------------------------------------
    def _on_change(self, _change: Any) -> None:
        if not self._suspended:
            self.refresh()

    @contextmanager
    def _batch(self) -> Iterator[None]:
        """Change several controls and redraw once at the end."""
        with self._lock:
            self._suspended = True
            try:
                yield
            finally:
                self._suspended = False
            self.refresh()

    def _clear_export(self) -> None:
        self._export_link.value = ""

    @_one_at_a_time
    def _draw_visible(self) -> None:
        """Put the open tab's charts for the rows shown on screen, drawing what is missing.

        Only the open tab is drawn: the others are drawn when opened. Rendered charts are
        kept per set of rows, so going back to an earlier choice costs nothing.
        """
        rows = self._on_screen
        if rows is None or self._shown.empty:
            return
        images = self._rendered.get(rows)
        if images is None:
            images = self._rendered[rows] = {}
            while len(self._rendered) > _CACHE_SIZE:
                self._rendered.popitem(last=False)
        else:
            self._rendered.move_to_end(rows)
        tab = list(_TABS.values())[self._charts_box.selected_index or 0]
        for name in tab:
            svg = images.get(name)
            if svg is None:
                svg = images[name] = self._render(_CHART_BY_NAME[name], self._shown)
            image = self._images[name]
            if image.value != svg:
                image.value = svg

    def _render(self, chart: _Chart, df: pd.DataFrame) -> bytes:
        figure = self._figures[chart.name]
        figure.clear()
        ax = figure.add_subplot()
        width, height = chart.size
        left, right, bottom, top = chart.margins
        figure.subplots_adjust(
            left=left / width, right=1 - right / width, bottom=bottom / height, top=1 - top / height
        )
        try:
            chart.draw(df, ax=ax)
        except KnockError as exc:
            # A chart that cannot be drawn says why in its own place; the others still draw.
            ax.clear()
            ax.set_axis_off()
            ax.text(0.5, 0.5, f"{chart.title}: {exc}", ha="center", va="center", wrap=True)
        buffer = io.BytesIO()
        # Text stays text in the SVG (the browser draws the glyphs): three times faster than
        # rasterising it, and sharp at any zoom.
        with rc_context({"svg.fonttype": "none"}):
            figure.savefig(buffer, format="svg", facecolor="white", metadata={"Date": None})
        return buffer.getvalue()

    def _created_text(self) -> str:
        if not self._days:
            return "<span style='color:#666'>no creation dates</span>"
        first, last = self.controls["created"].value
        days = (last - first).days + 1
        span = "1 day" if days == 1 else f"{days:,} days"
        return f"{first:%Y-%m-%d} to {last:%Y-%m-%d} <span style='color:#666'>({span})</span>"

    def _summary_text(self, kwargs: dict[str, Any]) -> str:
        s = self._summary
        rate = s["sms_consent_rate"]
        rate_text = "n/a" if rate is None else f"{rate:.1%}"
        shown_what = _shown_what(kwargs)
        return (
            f"<b>{s['leads']:,}</b> leads &middot; <b>{s['prospects']:,}</b> prospects "
            f"&middot; SMS consent <b>{rate_text}</b> "
            f"<span style='color:#666'>(charts show {s['shown']:,} {shown_what})</span>"
        )

    def _empty_text(self, kwargs: dict[str, Any]) -> str:
        empty = [
            _MULTI_FILTERS[name][2].lower()
            for name in _MULTI_FILTERS
            if not self.controls[name].value
        ]
        if len(self._df) == 0:
            why = "The frame has no rows: fetch some prospects first."
        elif empty:
            why = f"Nothing is selected under {', '.join(empty)}: select at least one value."
        else:
            narrowed = [
                f"{_MULTI_FILTERS[name][2].lower()} ({len(self.controls[name].value)} of "
                f"{len(self.controls[name].options)})"
                for name in _MULTI_FILTERS
                if len(self.controls[name].value) != len(self.controls[name].options)
            ]
            if kwargs["created"] is not None:
                start, end = kwargs["created"]
                narrowed.append(f"created {start:%Y-%m-%d} to {end:%Y-%m-%d}")
            if not kwargs["include_deleted"] or not kwargs["include_not_prospect"]:
                narrowed.append(_shown_what(kwargs))
            why = (
                "No lead matches all of these filters together: "
                + "; ".join(narrowed)
                + ". Select more values, widen the created range or press Reset filters."
            )
        return (
            "<div style='padding:12px;border:1px solid #ccc;border-radius:4px;"
            f"background:#fafafa'><b>No rows to show.</b> {html.escape(why)}</div>"
        )


def _check_labels(labels: object) -> dict[str, Mapping[Any, str]]:
    if labels is None:
        return {}
    choices = ", ".join(repr(name) for name in _MULTI_FILTERS)
    if not isinstance(labels, Mapping):
        raise ConfigurationError(
            f"labels must be a mapping of filter name to names, got {type(labels).__name__}.",
            hint='For example labels={"community": {"191b65d2686d11e9": "Maple Court"}}.',
        )
    for name, names in labels.items():
        if name not in _MULTI_FILTERS:
            raise ConfigurationError(
                f"labels has no filter {name!r}; the filters that take names are {choices}."
            )
        if not isinstance(names, Mapping):
            raise ConfigurationError(
                f"labels[{name!r}] must map values to names, got {type(names).__name__}.",
                hint='For example {"agent": {"2be16a9e-b3ab-...": "Dana Smith"}}.',
            )
    return dict(labels)


def _shown_what(kwargs: dict[str, Any]) -> str:
    deleted, not_prospect = kwargs["include_deleted"], kwargs["include_not_prospect"]
    if deleted and not_prospect:
        return "records, deleted and not-a-prospect included"
    if not_prospect:
        return "leads (not-a-prospect included, deleted excluded)"
    if deleted:
        return "prospects and deleted records"
    return "prospects (deleted and not-a-prospect excluded)"


def _consent_rate(df: pd.DataFrame) -> float | None:
    if df.empty:
        return None
    table = consent_breakdown(df)
    consented = table.loc[table["sms_consent"] == "consented", "count"].sum()
    return float(consented) / len(df)


def _rows_key(shown: pd.DataFrame) -> bytes:
    """A digest of which rows (by position in the frame) are shown."""
    positions = np.ascontiguousarray(shown.index.to_numpy(dtype=np.int64))
    return hashlib.blake2b(positions.tobytes(), digest_size=16).digest()


def _close_tree(widget: widgets.Widget) -> None:
    for child in getattr(widget, "children", ()):
        _close_tree(child)
    widget.close()
