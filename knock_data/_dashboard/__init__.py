"""An interactive dashboard over a prospect frame: filters, summary, charts and CSV export.

Thin glue over the layers below: the filters call :func:`knock_data.filter_prospects`, the
summary :func:`knock_data.consent_breakdown`, the charts are the registry's ``plot_*``
functions, and the export is :func:`knock_data.export_csv`. This package is the only one
that imports ipywidgets. Its modules: ``filters.py`` (what each filter narrows, and the
state of all of them), ``summary.py`` (the summary line and messages, pure),
``render.py`` (the charts as SVG and the cache of them) and this wiring.

Charts are rendered to SVG into ``ipywidgets.Image`` widgets. A filter change replaces each
image's bytes in place: the browser swaps one picture for the next without clearing the
area first, so nothing flickers, and no ``display()`` call is needed.

Speed: a filter change filters a compact slice of the frame, redraws only the open tab's
charts and keeps what it drew per set of rows shown (see ``render.py``), so undoing a
change is instant. ``python -m bench dashboard`` measures it.
"""

from __future__ import annotations

import base64
import tempfile
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, date, datetime
from functools import wraps
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import ipywidgets as widgets
import pandas as pd

from knock_data._analysis import filter_prospects
from knock_data._charts import CHARTS, chart_named
from knock_data._dashboard.filters import (
    MULTI_FILTERS,
    FilterState,
    check_labels,
    created_days,
)
from knock_data._dashboard.layout import TABS, build_widgets
from knock_data._dashboard.render import ChartRenderer, rows_key
from knock_data._dashboard.summary import (
    Summary,
    created_html,
    empty_html,
    empty_reason,
    plain,
    summarise,
    summary_html,
)
from knock_data._exceptions import ConfigurationError, WrongArgumentType
from knock_data._frame import PII_CHOICES, export_csv
from knock_data._schema import (
    CREATED_AT,
    FIRST_CONTACT_TYPE,
    IS_DELETED,
    NOT_PROSPECT,
    SMS_CONSENT,
)

__all__ = ["REQUIRED_COLUMNS", "Dashboard"]

#: Columns the dashboard filters or summarises on (all present in a ``to_frame`` result).
REQUIRED_COLUMNS: tuple[str, ...] = (
    *(spec.column for spec in MULTI_FILTERS),
    CREATED_AT,
    IS_DELETED,
    NOT_PROSPECT,
    SMS_CONSENT,
)

#: The columns the summary and the charts read; they work on this slice of the frame so
#: that a filter change copies a few compact columns, not every text column.
_CHART_COLUMNS: tuple[str, ...] = (*REQUIRED_COLUMNS, FIRST_CONTACT_TYPE)

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

    Code reads what the dashboard shows through :attr:`filtered`, :attr:`summary`,
    :attr:`summary_text`, :attr:`message`, :meth:`chart_svg` and :attr:`export_link`, and
    acts as a click would by setting a control's ``value``, :attr:`tab` or
    :attr:`export_pii`.

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
    >>> dash.controls["status"].value = ()
    >>> dash.message
    'No rows to show. Nothing is selected under status: select at least one value.'
    >>> dash.reset()
    >>> dash.message is None, dash.chart_svg("funnel").startswith(b"<?xml")
    (True, True)
    >>> dash  # in a notebook, this displays the dashboard           # doctest: +SKIP
    >>> dash.close()
    """

    def __init__(
        self,
        df: pd.DataFrame,
        *,
        title: str = "Leasing leads",
        labels: Mapping[str, Mapping[Any, str]] | None = None,
    ) -> None:
        if not isinstance(df, pd.DataFrame):
            raise WrongArgumentType(
                f"Dashboard needs a pandas DataFrame, got {type(df).__name__}.",
                hint="Pass a frame from knock_data.to_frame(...) or FetchResult.frame.",
            )
        if not isinstance(title, str):
            raise WrongArgumentType(
                f"title must be text, got {type(title).__name__} {title!r:.40}."
            )
        missing = [c for c in REQUIRED_COLUMNS if c not in df.columns]
        if missing:
            raise ConfigurationError(
                f"Dashboard needs the columns {', '.join(missing)}, which the frame lacks.",
                hint="Build the frame with knock_data.to_frame(records) or FetchResult.frame.",
            )
        named = check_labels(labels)
        self._df = df
        # The summary and charts work on a compact slice of the frame with positions as its
        # index, so that the rows on screen can be recognised by their positions.
        self._slim = df.loc[:, [c for c in _CHART_COLUMNS if c in df.columns]].reset_index(
            drop=True
        )
        self._shown = self._slim.iloc[0:0]
        self._filtered: pd.DataFrame | None = None
        self._summary = Summary()
        self._reason = ""
        self._suspended = False
        self._lock = threading.RLock()  # see _one_at_a_time
        self._on_screen: bytes | None = None
        self._renderer = ChartRenderer(CHARTS)

        self._days = created_days(df[CREATED_AT])
        self._w = build_widgets(df, title=title, names=named, days=self._days)
        self.controls = self._w.controls
        self.widget = self._w.box

        for control in self.controls.values():
            control.observe(self._on_change, names="value")
        self._w.reset_button.on_click(lambda _: self.reset())
        self._w.export_button.on_click(lambda _: self.prepare_export())
        self._w.export_pii.observe(lambda _: self._clear_export(), names="value")
        self._w.tabs.observe(lambda _: self._draw_visible(), names="selected_index")
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
        return self._summary.as_dict()

    @property
    def summary_text(self) -> str:
        """The summary line as a reader sees it: ``"1,234 leads · 1,180 prospects · ..."``."""
        return plain(self._w.summary.value)

    @property
    def message(self) -> str | None:
        """The sentence shown instead of the charts when no row is left, else ``None``.

        It says which filters to widen (or that the frame has no rows).
        """
        return plain(empty_html(self._reason)) if self._shown.empty else None

    def chart_svg(self, name: str) -> bytes:
        """The SVG chart ``name`` shows now (``b""`` until its tab is first opened).

        ``name`` is one of ``"status"``, ``"sources"``, ``"consent"``, ``"funnel"``,
        ``"leads_over_time"``. Charts on a closed tab are drawn when it opens, so theirs
        may be of earlier filters.
        """
        return bytes(self._w.images[chart_named(name).name].value)

    @property
    def tab(self) -> str:
        """The open tab's title; set it to open another tab (its charts draw then)."""
        return list(TABS)[self._w.tabs.selected_index or 0]

    @tab.setter
    def tab(self, title: str) -> None:
        if title not in TABS:
            choices = ", ".join(repr(t) for t in TABS)
            raise ConfigurationError(f"there is no tab {title!r}; the tabs are {choices}.")
        self._w.tabs.selected_index = list(TABS).index(title)

    @property
    def export_pii(self) -> str:
        """What Export does with personal data: ``"keep"``, ``"mask"`` or ``"drop"``.

        Setting it works as choosing in the list beside the button (a prepared link goes).
        """
        return str(self._w.export_pii.value)

    @export_pii.setter
    def export_pii(self, choice: str) -> None:
        if choice not in PII_CHOICES:
            choices = ", ".join(repr(c) for c in PII_CHOICES)
            raise ConfigurationError(
                f"export_pii={choice!r} is not a choice; use one of {choices}."
            )
        self._w.export_pii.value = choice

    @property
    def export_link(self) -> str:
        """The download link :meth:`prepare_export` made (HTML), ``""`` once filters change."""
        return str(self._w.export_link.value)

    def filters(self) -> dict[str, Any]:
        """The current filters as :func:`knock_data.filter_prospects` keyword arguments.

        A filter with everything selected is ``None`` (keep all, missing values included).
        """
        return self._state().as_kwargs()

    def reset(self) -> None:
        """Select everything again and hide deleted and not-a-prospect records."""
        with self._batch():
            for spec in MULTI_FILTERS:
                control = self.controls[spec.name]
                control.value = tuple(value for _, value in control.options)
            if self._days:
                self.controls["created"].index = (0, len(self._days) - 1)
            self.controls["include_deleted"].value = False
            self.controls["include_not_prospect"].value = False

    @_one_at_a_time
    def refresh(self, *, force: bool = False) -> None:
        """Filter again and redraw what changed (filter changes call this themselves)."""
        state = self._state()
        # Leads and prospects are counted within the same filters; the toggles only decide
        # which of them are shown, so filter once with both included.
        base = filter_prospects(
            self._slim,
            **{**state.as_kwargs(), "include_deleted": True, "include_not_prospect": True},
        )
        shown = filter_prospects(
            base,
            include_deleted=state.include_deleted,
            include_not_prospect=state.include_not_prospect,
        )
        self._shown = shown
        self._filtered = None
        self._summary = summarise(base, shown)
        self._w.summary.value = summary_html(self._summary, state)
        self._w.created_label.value = created_html(*self._created_range())
        self._clear_export()

        if shown.empty:  # the explanation names the filters, which may change alone
            n_options = {spec.name: len(self.controls[spec.name].options) for spec in MULTI_FILTERS}
            self._reason = empty_reason(state, n_options, len(self._df))
            self._w.message.value = empty_html(self._reason)

        rows = rows_key(shown)
        if force:
            self._renderer.forget(rows)
        if rows == self._on_screen and not force:
            return  # the same rows as on screen (a toggle that changed nothing)
        self._on_screen = rows
        if shown.empty:
            self._w.message.layout.display = None
            self._w.tabs.layout.display = "none"
            return
        self._w.message.layout.display = "none"
        self._w.tabs.layout.display = None
        self._draw_visible()

    @_one_at_a_time
    def prepare_export(self) -> str:
        """Write the filtered rows as :func:`~knock_data.export_csv` does and offer a link.

        The CSV is embedded in the link as a ``data:`` URI, so the download works in
        Jupyter, JupyterLab and Voila alike. Returns the link's HTML.
        """
        rows = self.filtered
        with tempfile.TemporaryDirectory(prefix="knock-export-") as tmp:
            path = Path(tmp) / "prospects.csv"
            export_csv(rows, path, pii=self.export_pii)
            payload = path.read_bytes()
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        filename = f"knock-prospects-{stamp}.csv"
        href = "data:text/csv;charset=utf-8;base64," + base64.b64encode(payload).decode("ascii")
        size = f"{len(payload) / 1024:,.0f} kB" if len(payload) >= 1024 else f"{len(payload)} B"
        link = (
            f'<a download="{filename}" href="{href}" title="{filename}" '
            f'style="font-weight:600">Download {len(rows):,} rows ({size})</a>'
        )
        self._w.export_link.value = link
        return link

    def close(self) -> None:
        """Close the widgets and free the figures (the dashboard stops updating)."""
        for control in self.controls.values():
            control.unobserve(self._on_change, names="value")
        _close_tree(self.widget)
        self._renderer.close()

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)

    def __repr__(self) -> str:
        s = self._summary
        return (
            f"<Dashboard: {s.shown:,} of {len(self._df):,} rows shown, "
            f"{s.leads:,} leads, {s.prospects:,} prospects>"
        )

    # -- internals --------------------------------------------------------------------
    def _state(self) -> FilterState:
        """The filters as the controls hold them now."""
        chosen: dict[str, tuple[Any, ...] | None] = {}
        for spec in MULTI_FILTERS:
            control = self.controls[spec.name]
            values = tuple(control.value)
            chosen[spec.keyword] = None if len(values) == len(control.options) else values
        created = self.controls["created"]
        whole_range = not self._days or tuple(created.index) == (0, len(self._days) - 1)
        return FilterState(
            **chosen,
            created=None if whole_range else tuple(created.value),
            include_deleted=bool(self.controls["include_deleted"].value),
            include_not_prospect=bool(self.controls["include_not_prospect"].value),
        )

    def _created_range(self) -> tuple[date | None, date | None]:
        if not self._days:
            return None, None
        first, last = self.controls["created"].value
        return first, last

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
        self._w.export_link.value = ""

    @_one_at_a_time
    def _draw_visible(self) -> None:
        """Put the open tab's charts for the rows shown on screen, drawing what is missing.

        Only the open tab is drawn: the others are drawn when opened. Rendered charts are
        kept per set of rows, so going back to an earlier choice costs nothing.
        """
        rows = self._on_screen
        if rows is None or self._shown.empty:
            return
        for name in TABS[self.tab]:
            svg = self._renderer.svg(chart_named(name), rows, self._shown)
            image = self._w.images[name]
            if image.value != svg:
                image.value = svg


def _close_tree(widget: widgets.Widget) -> None:
    for child in getattr(widget, "children", ()):
        _close_tree(child)
    widget.close()
