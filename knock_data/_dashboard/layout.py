"""The dashboard's widgets and how they sit: built once, then driven by the wiring.

:func:`build_widgets` makes every control, image and box (and the CSS classes the browser
tests find them by); the dashboard's wiring in ``__init__.py`` observes and fills them.
The tabs and their images come from the charts' registry (``knock_data._charts.CHARTS``):
a chart registered with a new ``tab`` gets a tab here without a change to this module.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import ipywidgets as widgets

from knock_data._analysis import normalize_status
from knock_data._charts import CHARTS, tabs
from knock_data._dashboard.checklist import CheckList
from knock_data._dashboard.filters import MULTI_FILTERS, Facet
from knock_data._frame import PII_CHOICES
from knock_data._schema import STATUS

__all__ = ["STYLE", "TABS", "DashboardWidgets", "build_widgets"]

#: Chart tabs: title -> the registry's charts shown there. Only the open tab is redrawn on a
#: filter change, which keeps a change on 100,000 rows well within a quarter of a second;
#: other tabs draw when opened.
TABS: dict[str, tuple[str, ...]] = tabs(CHARTS)

#: The dashboard's own CSS: checkbox labels on one line, and a focus ring that shows.
STYLE = """
<style>
.knock-dashboard .knock-checklist .widget-checkbox { width: auto; }
.knock-dashboard .knock-checklist .widget-checkbox label { white-space: nowrap; }
.knock-dashboard .knock-checklist input[type=checkbox] { accent-color: #1f77b4; }
.knock-dashboard .widget-datepicker input { width: 9.5em; }
</style>
"""


@dataclass(frozen=True)
class DashboardWidgets:
    """Every widget of one dashboard, by its part."""

    controls: dict[str, Any]  # the filters and choices, as Dashboard.controls
    created_label: widgets.HTML  # how long the created range is, beside the dates
    reset_button: widgets.Button
    summary: widgets.HTML  # the summary line
    export_button: widgets.Button
    export_format: widgets.Dropdown  # CSV or Excel
    export_pii: widgets.Dropdown  # keep, mask or drop personal data
    export_link: widgets.HTML  # the prepared download link
    message: widgets.HTML  # shown instead of the charts when no row is left
    images: dict[str, widgets.Image]  # chart name -> its SVG
    tabs: widgets.Tab  # the chart tabs, in TABS order
    box: widgets.VBox  # all of it: Dashboard.widget


def build_widgets(
    *,
    title: str,
    facets: Mapping[str, Facet],
    days: Sequence[date],
    time_zones: Sequence[tuple[str, str]],
    group_choices: Sequence[tuple[str, str]],
) -> DashboardWidgets:
    """The widgets of a dashboard, with everything selected.

    ``facets`` are the list filters, ``days`` the created days the slider offers (in the
    first of ``time_zones``), ``group_choices`` the (label, column) pairs of the group-by.
    """
    controls: dict[str, Any] = {}
    for spec in MULTI_FILTERS:
        facet = facets[spec.name]
        spelling = normalize_status if spec.column == STATUS else None
        controls[spec.name] = CheckList(spec.title, facet.values, facet.labels, spelling=spelling)
    day_options: list[tuple[str, date | None]] = [(d.isoformat(), d) for d in days]
    controls["created"] = widgets.SelectionRangeSlider(
        options=day_options or [("no dates", None)],
        index=(0, max(len(days) - 1, 0)),
        description="Created",
        disabled=not days,
        continuous_update=False,
        readout=False,  # the typed dates beside it say the days
        layout=widgets.Layout(flex="1 1 auto", min_width="240px"),
        style={"description_width": "initial"},
    )
    first, last = (days[0], days[-1]) if days else (None, None)
    for name, description, value in (
        ("created_start", "from", first),
        ("created_end", "to", last),
    ):
        controls[name] = widgets.DatePicker(
            value=value,
            min=first,
            max=last,
            description=description,
            disabled=not days,
            layout=widgets.Layout(width="auto"),
            style={"description_width": "initial"},
        )
        controls[name].add_class(f"knock-{name.replace('_', '-')}")
    created_label = widgets.HTML(layout=widgets.Layout(margin="0 0 0 8px"))
    controls["tz"] = widgets.Dropdown(
        options=list(time_zones),
        value=time_zones[0][1],
        description="Time zone",
        layout=widgets.Layout(width="auto"),
        style={"description_width": "initial"},
    )
    controls["by"] = widgets.Dropdown(
        options=list(group_choices),
        value=group_choices[0][1],
        description="Group charts by",
        tooltip="Split the SMS consent and the leads-over-time charts by this column",
        layout=widgets.Layout(width="auto"),
        style={"description_width": "initial"},
    )
    controls["tz"].add_class("knock-tz")
    controls["by"].add_class("knock-by")
    controls["include_deleted"] = widgets.Checkbox(
        value=False,
        description="Include deleted records",
        indent=False,
        layout=widgets.Layout(width="auto", margin="0 12px"),
    )
    controls["include_not_prospect"] = widgets.Checkbox(
        value=False,
        description="Include records marked not a prospect",
        indent=False,
        layout=widgets.Layout(width="auto", margin="0 12px 0 0"),
    )

    reset_button = widgets.Button(
        description="Reset filters", icon="undo", tooltip="Select everything again"
    )
    export_button = widgets.Button(
        description="Export",
        icon="download",
        button_style="primary",
        tooltip="Prepare the filtered rows as a file to download",
    )
    export_format = widgets.Dropdown(
        options=[("CSV", "csv"), ("Excel (.xlsx)", "xlsx")],
        value="csv",
        layout=widgets.Layout(width="130px"),
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
    tab_widget = widgets.Tab(
        children=pages, titles=tuple(TABS), layout=widgets.Layout(width="100%")
    )

    lists = [controls[spec.name] for spec in MULTI_FILTERS]
    row = widgets.Layout(align_items="center", flex_flow="row wrap", width="100%")
    box = widgets.VBox(
        [
            widgets.HTML(STYLE + f"<h3 style='margin:0 0 4px 0'>{html.escape(title)}</h3>"),
            widgets.HBox(lists, layout=widgets.Layout(flex_flow="row wrap", width="100%")),
            widgets.HBox(
                [
                    controls["created"],
                    controls["created_start"],
                    controls["created_end"],
                    created_label,
                ],
                layout=row,
            ),
            widgets.HBox(
                [
                    controls["tz"],
                    controls["by"],
                    controls["include_deleted"],
                    controls["include_not_prospect"],
                    reset_button,
                ],
                layout=row,
            ),
            summary,
            widgets.HBox([export_button, export_format, export_pii, export_link], layout=row),
            message,
            tab_widget,
        ],
        layout=widgets.Layout(width="100%"),
    )
    box.add_class("knock-dashboard")
    summary.add_class("knock-summary")
    message.add_class("knock-message")
    export_link.add_class("knock-export-link")
    for spec in MULTI_FILTERS:
        controls[spec.name].add_class(f"knock-filter-{spec.name}")
    for name, image in images.items():
        image.add_class(f"knock-chart-{name.replace('_', '-')}")
    return DashboardWidgets(
        controls=controls,
        created_label=created_label,
        reset_button=reset_button,
        summary=summary,
        export_button=export_button,
        export_format=export_format,
        export_pii=export_pii,
        export_link=export_link,
        message=message,
        images=images,
        tabs=tab_widget,
        box=box,
    )
