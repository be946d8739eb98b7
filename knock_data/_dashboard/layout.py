"""The dashboard's widgets and how they sit: built once, then driven by the wiring.

:func:`build_widgets` makes every control, image and box (and the CSS classes the browser
tests find them by); the dashboard's wiring in ``__init__.py`` observes and fills them.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import ipywidgets as widgets
import pandas as pd

from knock_data._charts import CHARTS
from knock_data._dashboard.filters import MULTI_FILTERS, filter_options
from knock_data._frame import PII_CHOICES
from knock_data._schema import STATUS

__all__ = ["TABS", "DashboardWidgets", "build_widgets"]

#: Chart tabs: title -> the registry's charts shown there. Only the open tab is redrawn on a
#: filter change, which keeps a change on 100,000 rows well within a quarter of a second;
#: other tabs draw when opened.
TABS: dict[str, tuple[str, ...]] = {
    "Funnel and status": ("funnel", "status"),
    "Sources & consent": ("sources", "consent"),
    "Leads over time": ("leads_over_time",),
}


@dataclass(frozen=True)
class DashboardWidgets:
    """Every widget of one dashboard, by its part."""

    controls: dict[str, widgets.ValueWidget]  # the filters, as Dashboard.controls
    created_label: widgets.HTML  # the created range in words, beside its slider
    reset_button: widgets.Button
    summary: widgets.HTML  # the summary line
    export_button: widgets.Button
    export_pii: widgets.Dropdown  # keep, mask or drop personal data
    export_link: widgets.HTML  # the prepared download link
    message: widgets.HTML  # shown instead of the charts when no row is left
    images: dict[str, widgets.Image]  # chart name -> its SVG
    tabs: widgets.Tab  # the chart tabs, in TABS order
    box: widgets.VBox  # all of it: Dashboard.widget


def build_widgets(
    df: pd.DataFrame, *, title: str, names: Mapping[str, Mapping[Any, str]], days: list[date]
) -> DashboardWidgets:
    """The widgets of a dashboard over ``df``, with everything selected.

    ``names`` are the ``labels=`` of the dashboard (checked), ``days`` the created days the
    slider offers.
    """
    controls: dict[str, widgets.ValueWidget] = {}
    for spec in MULTI_FILTERS:
        options = filter_options(
            df[spec.column],
            spec.missing_label,
            names=names.get(spec.name),
            status=spec.column == STATUS,
        )
        controls[spec.name] = widgets.SelectMultiple(
            options=options,
            value=tuple(value for _, value in options),
            rows=min(6, max(2, len(options))),
            description=spec.title,
            layout=widgets.Layout(width="auto", min_width="220px", flex="1 1 220px"),
            style={"description_width": "initial"},
        )
    day_options: list[tuple[str, date | None]] = [(d.isoformat(), d) for d in days]
    controls["created"] = widgets.SelectionRangeSlider(
        options=day_options or [("no dates", None)],
        index=(0, max(len(days) - 1, 0)),
        description="Created (UTC)",
        disabled=not days,
        continuous_update=False,
        readout=False,  # too narrow for two dates: the label beside it says them
        layout=widgets.Layout(flex="1 1 auto"),
        style={"description_width": "initial"},
    )
    created_label = widgets.HTML(layout=widgets.Layout(margin="0 0 0 8px"))
    controls["include_deleted"] = widgets.Checkbox(
        value=False, description="Include deleted records", indent=False
    )
    controls["include_not_prospect"] = widgets.Checkbox(
        value=False, description="Include records marked not a prospect", indent=False
    )

    reset_button = widgets.Button(
        description="Reset filters", icon="undo", tooltip="Select everything again"
    )
    export_button = widgets.Button(
        description="Export CSV",
        icon="download",
        button_style="primary",
        tooltip="Prepare the filtered rows as a CSV download",
    )
    export_pii = widgets.Dropdown(
        options=[(f"personal data: {choice}", choice) for choice in PII_CHOICES],
        value="keep",
        layout=widgets.Layout(width="210px"),
    )
    export_link = widgets.HTML(layout=widgets.Layout(margin="0 0 0 8px"))
    summary = widgets.HTML(layout=widgets.Layout(margin="4px 0"))
    message = widgets.HTML(layout=widgets.Layout(display="none"))

    images: dict[str, widgets.Image] = {
        chart.name: widgets.Image(
            format="svg+xml",
            layout=widgets.Layout(width="100%", height="auto", object_fit="contain"),
        )
        for chart in CHARTS
    }
    pages = [
        widgets.GridBox(
            [images[name] for name in names],
            layout=widgets.Layout(
                grid_template_columns=(
                    "repeat(auto-fit, minmax(420px, 1fr))" if len(names) > 1 else "1fr"
                ),
                grid_gap="8px",
                width="100%",
            ),
        )
        for names in TABS.values()
    ]
    tabs = widgets.Tab(children=pages, titles=tuple(TABS), layout=widgets.Layout(width="100%"))

    selects = [controls[spec.name] for spec in MULTI_FILTERS]
    box = widgets.VBox(
        [
            widgets.HTML(f"<h3 style='margin:0 0 4px 0'>{html.escape(title)}</h3>"),
            widgets.HBox(selects, layout=widgets.Layout(flex_flow="row wrap", width="100%")),
            widgets.HBox(
                [controls["created"], created_label],
                layout=widgets.Layout(align_items="center", width="100%"),
            ),
            widgets.HBox(
                [
                    controls["include_deleted"],
                    controls["include_not_prospect"],
                    reset_button,
                ],
                layout=widgets.Layout(align_items="center", flex_flow="row wrap"),
            ),
            summary,
            widgets.HBox(
                [export_button, export_pii, export_link],
                layout=widgets.Layout(align_items="center", flex_flow="row wrap"),
            ),
            message,
            tabs,
        ],
        layout=widgets.Layout(width="100%"),
    )
    box.add_class("knock-dashboard")
    summary.add_class("knock-summary")
    message.add_class("knock-message")
    export_link.add_class("knock-export-link")
    for name, image in images.items():
        image.add_class(f"knock-chart-{name.replace('_', '-')}")
    return DashboardWidgets(
        controls=controls,
        created_label=created_label,
        reset_button=reset_button,
        summary=summary,
        export_button=export_button,
        export_pii=export_pii,
        export_link=export_link,
        message=message,
        images=images,
        tabs=tabs,
        box=box,
    )
