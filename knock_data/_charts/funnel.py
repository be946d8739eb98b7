"""The lead funnel as bars: leads reaching each stage, with step and overall conversion."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd
from matplotlib.axes import Axes

from knock_data._analysis import LOST, OTHER, funnel
from knock_data._charts._args import checks_frame_and_ax
from knock_data._charts._bars import barh, new_axes, no_data
from knock_data._charts._text import chart_title, row_noun, short_label
from knock_data._charts.colors import stage_color
from knock_data._charts.labels import value_label

__all__ = ["plot_funnel"]


@checks_frame_and_ax
def plot_funnel(
    df: pd.DataFrame,
    *,
    ax: Axes | None = None,
    stages: Mapping[str, Any] | None = None,
    title: str | None = None,
) -> Axes:
    """The lead funnel: leads reaching each stage, with overall and step conversion.

    Each bar is labelled with its count and share of all leads; the tick labels give the
    conversion from the previous stage. Lost and unknown statuses follow as separate bars
    when there are any (see :func:`knock_data.funnel`).

    Parameters
    ----------
    df
        A prospect frame (see :func:`knock_data.to_frame`).
    ax
        Where to draw; a new figure's Axes when omitted.
    stages
        Your own status -> stage mapping (see :func:`knock_data.funnel`).
    title
        Replaces the default title.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> import knock_data as kd
    >>> df = pd.DataFrame({"status": ["new", "open", "visited", "applied_leased"]})
    >>> [round(b.get_width()) for b in kd.plot_funnel(df).patches]
    [4, 3, 2, 1, 1]
    """
    noun = row_noun(df)
    table = funnel(df, stages=stages)
    leads = int(table["count"].iloc[0]) if len(table) else 0
    title = title or chart_title("Lead funnel", noun, leads)
    if not leads:
        return no_data(new_axes(ax), title, noun)
    side = table["stage"].isin([LOST, OTHER]).to_numpy()
    shown = table[~side | (table["count"] > 0).to_numpy()]
    labels = []
    for stage, step, statuses, off in zip(
        shown["stage"],
        shown["step_conversion"],
        shown["statuses"],
        shown["stage"].isin([LOST, OTHER]),
        strict=True,
    ):
        name = value_label("stage", stage)
        if off:
            detail = f"not a step: {statuses}" if stage == OTHER else "not a step"
            labels.append(f"{name}\n({short_label(detail, 30, 1)})")
        elif pd.notna(step):
            labels.append(f"{name}\n{step:.0%} of previous")
        else:
            labels.append(name)
    ax = new_axes(ax, len(shown) + 2)
    return barh(
        ax,
        labels,
        shown["count"].astype(int).tolist(),
        shown["share_of_leads"].astype(float).tolist(),
        [stage_color(s) for s in shown["stage"]],
        title=title,
        xlabel=f"{noun.capitalize()} reaching the stage",
        ylabel="",
    )
