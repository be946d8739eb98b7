"""An interactive dashboard over a prospect frame: filters, summary, charts and export.

Thin glue over the layers below: the filters mean what :func:`knock_data.filter_prospects`
means, the summary is :func:`knock_data.consent_breakdown`'s, the charts are the
registry's ``plot_*`` functions, and the export is :func:`knock_data.export_csv` or
:func:`knock_data.export_excel`. This package is the only one that imports ipywidgets. Its
modules: ``filters.py`` (the columns it needs, what each filter narrows, faceted counts,
and the state of all of them), ``dates.py`` (the created days in a time zone),
``checklist.py`` (a list filter as checkboxes), ``summary.py`` (the summary line and
messages, pure), ``render.py`` (the charts as SVG, the cache of them, the lock), ``export.py``
(the download link), ``layout.py`` (the widgets) and this wiring: the public class, whose
documented properties are most of its length.

Charts are rendered to SVG into ``ipywidgets.Image`` widgets. A filter change replaces each
image's bytes in place: the browser swaps one picture for the next without clearing the
area first, so nothing flickers, and no ``display()`` call is needed.

Speed: a filter change works on integer codes of a compact slice of the frame (one mask per
filter, one ``bincount`` per list for the faceted counts), redraws only the open tab's
charts and keeps what it drew per set of rows and choices (see ``render.py``), so undoing a
change is instant. ``python -m bench dashboard`` measures it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import ipywidgets as widgets
import numpy as np
import pandas as pd

from knock_data._analysis import filter_prospects, time_zone
from knock_data._charts import CHARTS, chart_named
from knock_data._dashboard.dates import CreatedDays, CreatedRange
from knock_data._dashboard.export import EXPORT_FORMATS, download_link, export_choice
from knock_data._dashboard.filters import (
    CHART_COLUMNS,
    GROUP_BY,
    MULTI_FILTERS,
    NO_GROUPING,
    REQUIRED_COLUMNS,
    Facet,
    FilterState,
    check_labels,
    narrow,
    time_zone_choices,
    with_labels,
)
from knock_data._dashboard.layout import TABS, build_widgets
from knock_data._dashboard.movement import MOVEMENT_TAB, MovementTab
from knock_data._dashboard.render import ChartRenderer, one_at_a_time, rows_key
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
from knock_data._frame import PII_CHOICES
from knock_data._schema import (
    IS_DELETED,
    NOT_PROSPECT,
    label_of,
)

__all__ = ["GROUP_BY", "NO_GROUPING", "REQUIRED_COLUMNS", "Dashboard"]


class Dashboard:
    """Filter a prospect frame and watch the summary and charts follow, then export.

    Filters: community, source, status and agent (checkbox lists with a search box, every
    value ticked to start with, each value's count *faceted*: among the rows the other
    filters keep, so counts agree with the charts beside them), a created-date range (a
    slider and typed start and end dates, whole days in the chosen time zone, both
    included) and two toggles that add deleted records and records marked not a prospect.
    A time-zone choice (UTC, each community's own zone when the frame has them, or one
    zone) sets the days of the range and of the charts, and a group-by choice (source,
    community, agent, first contact type) splits the charts that take ``by``. Below them a
    summary line (leads, prospects and SMS consent rate, by Knock's definitions), an Export
    button offering the filtered rows as a CSV or Excel download written by
    :func:`knock_data.export_csv` or :func:`knock_data.export_excel` (personal data kept,
    masked or dropped), and the registry's charts in tabs. When the filters leave no row,
    a sentence says which filters to widen instead of the charts.

    Communities and agents show by name where the frame has names
    (:func:`knock_data.with_names`); the filters, :attr:`filtered` and the export keep the
    ids.

    The download travels to the browser inside the link, so it suits what a dashboard
    shows (thousands of rows, tens of thousands at most); for larger extracts call
    ``kd.export_csv(dash.filtered, path)``.

    Code reads what the dashboard shows through :attr:`filtered`, :attr:`summary`,
    :attr:`summary_text`, :attr:`message`, :meth:`chart_svg` and :attr:`export_link`, and
    acts as a click would by setting a control's ``value``, :attr:`tab` or
    :attr:`export_pii`.

    Parameters
    ----------
    df
        A prospect frame, as :func:`knock_data.to_frame` or ``FetchResult.frame`` return,
        with names from :func:`knock_data.with_names` where you have them. Filter choices
        are read from it once, when the dashboard is made.
    title
        Heading shown above the filters.
    labels
        An older spelling of :func:`knock_data.with_names`, kept working: names by filter,
        ``{"community": {"191b65d2686d11e9": "Maple Court"}, "agent": {...}}``; community
        and agent names are added as ``with_names`` adds them, and ``source`` and
        ``status`` names rename those filters' values on screen. A value without a name
        shows as it is.
    history
        A :class:`knock_data.History` of these prospects: the **Movement** tab then shows,
        for the rows the filters keep, where leads moved between two of its snapshots
        (picked in ``controls["movement_start"]`` and ``controls["movement_end"]``), the
        open leads that came in and went out, and the cohorts' conversion. Without one
        the tab says how to keep a history.

    Attributes
    ----------
    controls : dict
        The controls by name: ``community``, ``source``, ``status``, ``agent`` (checkbox
        lists: ``value`` is the tuple of values kept, ``options`` the (label, value) pairs
        with their counts), ``created`` (a ``SelectionRangeSlider`` of days),
        ``created_start`` and ``created_end`` (``DatePicker``), ``tz`` and ``by``
        (``Dropdown``; ``by`` is a column of :data:`GROUP_BY`, or ``""`` for no grouping),
        ``include_deleted`` and ``include_not_prospect`` (``Checkbox``); with a history,
        ``movement_start`` and ``movement_end`` (``Dropdown`` of its snapshots).
        Setting their ``value`` acts as a click would.
    widget : ipywidgets.VBox
        The whole dashboard, to place inside other widgets.

    Examples
    --------
    >>> import knock_data as kd
    >>> from knock_data.sandbox import generate_prospects, naming_tables
    >>> frame = kd.with_names(kd.to_frame(generate_prospects(300)), **naming_tables())
    >>> dash = kd.Dashboard(frame)
    >>> dash.controls["include_not_prospect"].value = True
    >>> dash.summary["shown"] == dash.summary["leads"]
    True
    >>> dash.controls["status"].value = ()
    >>> dash.message
    'No rows to show. Nothing is selected under status: select at least one value.'
    >>> dash.reset()
    >>> dash.controls["by"].value = "community_id"   # the group-by choice
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
        history: Any = None,
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
        df = with_labels(df, named)
        self._df = df
        # The summary and charts work on a compact slice of the frame with positions as its
        # index, so that the rows on screen can be recognised by their positions.
        self._slim = df.loc[:, [c for c in CHART_COLUMNS if c in df.columns]].reset_index(drop=True)
        self._facets = {
            spec.name: Facet.of(self._slim, spec, named.get(spec.name)) for spec in MULTI_FILTERS
        }
        self._deleted = self._slim[IS_DELETED].fillna(False).to_numpy(dtype=bool)
        self._not_prospect = self._slim[NOT_PROSPECT].fillna(False).to_numpy(dtype=bool)
        self._shown = self._slim.iloc[0:0]
        self._filtered: pd.DataFrame | None = None
        self._summary = Summary()
        self._reason = ""
        self._suspended = False
        self._lock = threading.RLock()  # see _one_at_a_time
        self._on_screen: tuple[bytes, tuple[tuple[str, Any], ...]] | None = None
        self._renderer = ChartRenderer(CHARTS)
        self._dates: dict[str, CreatedDays] = {}

        zones = time_zone_choices(df)
        groups = [("No grouping", NO_GROUPING)] + [
            (label_of(column), column) for column in GROUP_BY if column in df.columns
        ]
        self._w = build_widgets(
            title=title,
            facets=self._facets,
            days=self._created_days(zones[0][1]).days,
            time_zones=zones,
            group_choices=groups,
        )
        self.controls = self._w.controls
        self.widget = self._w.box
        # The Movement tab, after the registry's tabs: the history's charts of the rows shown.
        self._movement = MovementTab(history, df)
        self._tab_titles = [*TABS, MOVEMENT_TAB]
        self._w.tabs.children = (*self._w.tabs.children, self._movement.page)
        self._w.tabs.titles = tuple(self._tab_titles)
        self._range = CreatedRange(
            self.controls["created"],
            self.controls["created_start"],
            self.controls["created_end"],
            self._created_days,
            zones[0][1],
        )

        for name, control in self.controls.items():
            if name == "tz":
                control.observe(self._on_time_zone, names="value")
            elif name not in ("created_start", "created_end"):  # the range's own
                control.observe(self._on_change, names="value")
        self._w.reset_button.on_click(lambda _: self.reset())
        self._w.export_button.on_click(lambda _: self.prepare_export())
        self._w.export_pii.observe(lambda _: self._clear_export(), names="value")
        self._w.export_format.observe(lambda _: self._clear_export(), names="value")
        self._w.tabs.observe(lambda _: self._draw_visible(), names="selected_index")
        for name, control in self._movement.controls.items():  # the period picker
            self.controls[name] = control
            control.observe(self._on_period, names="value")
        self.refresh()

    # -- public API -------------------------------------------------------------------
    @property
    @one_at_a_time
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

    @property
    def movement_note(self) -> str:
        """What the Movement tab says beside its charts, as plain text: how to keep a history
        when there is none, why nothing is drawn (one snapshot, a backward period), else
        ``""``."""
        return plain(self._movement.note_html)

    def chart_svg(self, name: str) -> bytes:
        """The SVG chart ``name`` shows now (``b""`` until its tab is first opened).

        ``name`` is one of the registry's charts: ``"status"``, ``"sources"``,
        ``"consent"``, ``"funnel"``, ``"leads_over_time"``, and with a history the Movement
        tab's ``"transitions"``, ``"waterfall"`` and ``"cohorts"``. Charts on a closed tab
        are drawn when it opens, so theirs may be of earlier filters.
        """
        if name in self._movement.names:  # b"" without a history: the tab explains
            return self._movement.svg(name)
        return bytes(self._w.images[chart_named(name).name].value)

    @property
    def tab(self) -> str:
        """The open tab's title; set it to open another tab (its charts draw then)."""
        return self._tab_titles[self._w.tabs.selected_index or 0]

    @tab.setter
    def tab(self, title: str) -> None:
        if title not in self._tab_titles:
            choices = ", ".join(repr(t) for t in self._tab_titles)
            raise ConfigurationError(f"there is no tab {title!r}; the tabs are {choices}.")
        self._w.tabs.selected_index = self._tab_titles.index(title)

    @property
    def export_pii(self) -> str:
        """What Export does with personal data: ``"keep"``, ``"mask"`` or ``"drop"``.

        Setting it works as choosing in the list beside the button (a prepared link goes).
        """
        return str(self._w.export_pii.value)

    @export_pii.setter
    def export_pii(self, choice: str) -> None:
        self._w.export_pii.value = export_choice("export_pii", choice, PII_CHOICES)

    @property
    def export_format(self) -> str:
        """What Export writes: ``"csv"`` or ``"xlsx"`` (set it as the list beside it does)."""
        return str(self._w.export_format.value)

    @export_format.setter
    def export_format(self, choice: str) -> None:
        self._w.export_format.value = export_choice("export_format", choice, EXPORT_FORMATS)

    @property
    def export_link(self) -> str:
        """The download link :meth:`prepare_export` made (HTML), ``""`` once filters change."""
        return str(self._w.export_link.value)

    def filters(self) -> dict[str, Any]:
        """The current filters as :func:`knock_data.filter_prospects` keyword arguments.

        A filter with everything selected is ``None`` (keep all, missing values included);
        ``created`` is a pair of days in ``tz``.
        """
        return self._state().as_kwargs()

    def reset(self) -> None:
        """Select everything again and hide deleted and not-a-prospect records.

        The time zone and the group-by stay as chosen.
        """
        with self._batch():
            for spec in MULTI_FILTERS:
                control = self.controls[spec.name]
                control.value = tuple(value for _, value in control.options)
            self._range.whole()
            self.controls["include_deleted"].value = False
            self.controls["include_not_prospect"].value = False

    @one_at_a_time
    def refresh(self, *, force: bool = False) -> None:
        """Filter again and redraw what changed (filter changes call this themselves)."""
        state = self._state()
        rows = narrow(
            self._facets,
            state,
            dated=self._created_mask(state),
            deleted=self._deleted,
            not_prospect=self._not_prospect,
        )
        shown = self._slim[rows.shown]
        self._shown = shown
        self._filtered = None
        self._summary = summarise(self._slim[rows.within], shown)
        for name, counts in rows.counts.items():
            self.controls[name].set_counts(counts)
        self._w.summary.value = summary_html(self._summary, state)
        self._w.created_label.value = created_html(*self._range.shown(), state.tz)
        self._clear_export()

        if shown.empty:  # the explanation names the filters, which may change alone
            n_options = {spec.name: len(self.controls[spec.name].options) for spec in MULTI_FILTERS}
            self._reason = empty_reason(state, n_options, len(self._df))
            self._w.message.value = empty_html(self._reason)

        view = (rows_key(shown), tuple(sorted(self._choices().items())))
        if force:
            self._renderer.forget(view[0])
        if view == self._on_screen and not force:
            return  # the same rows and choices as on screen (a toggle that changed nothing)
        self._on_screen = view
        if shown.empty:
            self._w.message.layout.display = None
            self._w.tabs.layout.display = "none"
            return
        self._w.message.layout.display = "none"
        self._w.tabs.layout.display = None
        self._draw_visible()

    @one_at_a_time
    def prepare_export(self) -> str:
        """Write the filtered rows as :func:`~knock_data.export_csv` (or, with
        :attr:`export_format` ``"xlsx"``, :func:`~knock_data.export_excel`) does and offer a
        link.

        The file is embedded in the link as a ``data:`` URI, so the download works in
        Jupyter, JupyterLab and Voila alike. Returns the link's HTML.
        """
        link = download_link(self.filtered, file_format=self.export_format, pii=self.export_pii)
        self._w.export_link.value = link
        return link

    def close(self) -> None:
        """Close the widgets and free the figures (the dashboard stops updating)."""
        self._range.close()
        for name, control in self._movement.controls.items():
            control.unobserve(self._on_period, names="value")
            self.controls.pop(name, None)
        self._movement.close()
        for name, control in self.controls.items():
            if name == "tz":
                control.unobserve(self._on_time_zone, names="value")
            elif name not in ("created_start", "created_end"):
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
    @property
    def _zone(self) -> str:
        return str(self.controls["tz"].value)

    def _created_days(self, zone: str) -> CreatedDays:
        """The local created days in ``zone``, worked out once per zone."""
        if zone not in self._dates:
            self._dates[zone] = CreatedDays.of(self._slim, time_zone(zone))
        return self._dates[zone]

    def _state(self) -> FilterState:
        """The filters as the controls hold them now."""
        chosen: dict[str, tuple[Any, ...] | None] = {}
        for spec in MULTI_FILTERS:
            control = self.controls[spec.name]
            values = tuple(control.value)
            chosen[spec.keyword] = None if len(values) == len(control.options) else values
        return FilterState(
            **chosen,
            created=self._range.chosen(),
            include_deleted=bool(self.controls["include_deleted"].value),
            include_not_prospect=bool(self.controls["include_not_prospect"].value),
            tz=self._zone,
        )

    def _created_mask(self, state: FilterState) -> np.ndarray:
        if state.created is None:
            return np.ones(len(self._slim), dtype=bool)
        return self._created_days(state.tz).between(*state.created)

    def _choices(self) -> dict[str, Any]:
        """The dashboard's choices for the charts that declare them (see the registry)."""
        first, last = self._range.shown()
        return {
            "by": self.controls["by"].value or None,
            "tz": self._zone,
            "span": None if first is None else (first, last),
        }

    def _on_change(self, _change: Any) -> None:
        if not self._suspended:
            self.refresh()

    def _on_period(self, _change: Any) -> None:
        """Another snapshot picked: the Movement tab redraws (when it is open)."""
        if not self._suspended:
            self._draw_visible()

    def _on_time_zone(self, change: Any) -> None:
        """A new time zone: the range offers that zone's days, keeping the chosen ones."""
        with self._batch():
            self._range.rezone(str(change["new"]))

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

    @one_at_a_time
    def _draw_visible(self) -> None:
        """Put the open tab's charts for the rows shown on screen, drawing what is missing.

        Only the open tab is drawn: the others are drawn when opened. Rendered charts are
        kept per set of rows and choices, so going back to an earlier choice costs nothing.
        """
        view = self._on_screen
        if view is None or self._shown.empty:
            return
        if self.tab == MOVEMENT_TAB:
            positions = self._shown.index.to_numpy(dtype=np.int64)
            self._movement.draw(positions, view[0], self._shown, self._zone)
            return
        choices = self._choices()
        for name in TABS[self.tab]:
            svg = self._renderer.svg(chart_named(name), view[0], self._shown, choices)
            image = self._w.images[name]
            if image.value != svg:
                image.value = svg


def _close_tree(widget: widgets.Widget) -> None:
    for child in getattr(widget, "children", ()):
        _close_tree(child)
    widget.close()
