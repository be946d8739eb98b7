"""Groups side by side: conversion rates with their intervals, funnels as small multiples, and
what renters ask for."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure, SubFigure
from matplotlib.lines import Line2D

from knock_data._analysis import (
    PERIODS,
    compare_conversion,
    demand_breakdown,
    funnel_table,
    wilson_interval,
)
from knock_data._charts._args import checks_frame_and_ax
from knock_data._charts._bars import barh, footnote, new_axes, no_data
from knock_data._charts._text import count_rows, row_noun, short_label
from knock_data._charts._top import other_label, top_groups
from knock_data._charts.colors import MISSING_COLOR, stage_color
from knock_data._charts.labels import by_phrase, value_label, value_names
from knock_data._exceptions import ConfigurationError
from knock_data._schema import is_missing, label_of

__all__ = ["column_label", "plot_comparison", "plot_demand", "plot_funnels", "rate_label"]

# The words these charts show for stages and answers; columns take theirs from the one
# table of labels (knock_data._schema.LABELS).
_RATE_LABELS = {
    "engaged": "Engagement rate",
    "toured": "Tour rate",
    "applied": "Application rate",
    "leased": "Lease rate",
}
_DEMAND_TITLES = {
    "bedrooms": "Bedrooms asked for",
    "move_date": "Move date, from first contact",
    "budget": "Maximum budget",
    "pets": "Pets",
}
# The fields where a lead may name several answers, and what the footnote calls them.
_SEVERAL = {"bedrooms": "bedroom choices", "pets": "pets"}
_DEMAND_COLOR = "#4292c6"
_UNSURE_COLOR = "#969696"
_COMPARISON_COLUMNS = ("leads", "reached", "rate", "ci_low", "ci_high", "small_sample")


def column_label(column: object) -> str:
    """What a reader calls a column or a period.

    Examples
    --------
    >>> column_label("agent_username"), column_label("month"), column_label("unit_type")
    ('Agent', 'Month', 'Unit type')
    """
    return label_of(column)


def rate_label(stage: str) -> str:
    """What a reader calls the rate of reaching ``stage``.

    Examples
    --------
    >>> rate_label("leased"), rate_label("signed")
    ('Lease rate', 'Share reaching Signed')
    """
    return _RATE_LABELS.get(stage) or f"Share reaching {_stage_label(stage)}"


def _stage_label(stage: str) -> str:
    """A stage as the charts name it: ``"toured"`` is ``"Toured"``."""
    return value_label("stage", stage)


def _group_name(column: str, value: object, names: dict[object, str] | None = None) -> str:
    return value_label(column, value, names)


def _percent(ax: Axes, upper: float) -> None:
    ax.xaxis.set_major_formatter(lambda x, _: f"{x:.0%}" if 0 <= x <= upper + 1e-9 else "")


@checks_frame_and_ax
def plot_comparison(
    data: pd.DataFrame,
    *,
    ax: Axes | None = None,
    by: str = "agent_username",
    stage: str = "leased",
    within: float | timedelta | None = None,
    min_leads: int = 20,
    stages: Mapping[str, Any] | None = None,
    top: int = 20,
    tz: str | None = None,
    title: str | None = None,
) -> Axes:
    """Conversion rates per group as dots with their interval, small groups marked unsure.

    Each group's rate is a dot on a whisker spanning its Wilson interval, labelled with
    the rate and "reached of leads"; groups under ``min_leads`` are drawn hollow and grey,
    and a dashed line marks the rate of all groups together. Groups keep
    :func:`knock_data.compare_conversion`'s order (rate, highest first; periods in time
    order); beyond the ``top`` largest, the rest are pooled into one "Other" row.

    Parameters
    ----------
    data
        A prospect frame (or a stage-dates frame with ``within=``), or a table
        :func:`knock_data.compare_conversion` returned (drawn as it is).
    ax
        Where to draw; a new figure's Axes when omitted.
    by, stage, within, min_leads, stages, tz
        As in :func:`knock_data.compare_conversion`.
    top
        How many groups, the largest by leads, get a row of their own.
    title
        Replaces the default title.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> import knock_data as kd
    >>> leased, new = ["applied_leased"], ["new"]
    >>> df = pd.DataFrame({"agent_username": ["ana"] * 30 + ["bo"] * 5,
    ...                    "status": leased * 6 + new * 24 + leased * 5})
    >>> ax = kd.plot_comparison(df)
    >>> [t.get_text() for t in ax.get_yticklabels()]
    ['bo\\n(5 leads, unsure)', 'ana\\n(30 leads)']
    """
    if set(_COMPARISON_COLUMNS) <= set(map(str, data.columns)):
        table = data
        noun = str(data.attrs.get("noun", "leads"))
        by_name = str(next(c for c in data.columns if str(c) not in _COMPARISON_COLUMNS))
        stage = str(data.attrs.get("stage", stage))
        within = data.attrs.get("within", within)
        min_leads = int(data.attrs.get("min_leads", min_leads))
    else:
        table = compare_conversion(
            data, by, stage=stage, within=within, min_leads=min_leads, stages=stages, tz=tz
        )
        noun = str(table.attrs["noun"])
        by_name = str(table.columns[0])
    confidence = float(table.attrs.get("confidence", 0.95))
    leads = table["leads"].to_numpy(dtype=np.int64)
    reached = table["reached"].to_numpy(dtype=np.int64)
    total, total_reached = int(leads.sum()), int(reached.sum())
    undecided = int(table["undecided"].sum()) if "undecided" in table.columns else 0
    days = within / timedelta(days=1) if isinstance(within, timedelta) else within
    window = f" within {days:g} days" if days is not None else ""
    what = f"{rate_label(stage)}{window} {by_phrase(by_name)}"
    counted = count_rows(noun, total)
    if undecided:
        counted += f"; {undecided:,} too recent to tell"
    title = title or f"{what} ({counted})"
    if not total:
        return no_data(new_axes(ax), title, noun)

    id_names = value_names(table, by_name)
    groups = [_group_name(by_name, v, id_names) for v in table[by_name]]
    missing = [is_missing(v) for v in table[by_name]]
    if by_name in PERIODS:
        kept, rest = [i for i in range(len(groups)) if leads[i] > 0], list[int]()
    else:
        kept, rest = top_groups(leads.tolist(), top, apart=missing)
        kept = sorted(kept)  # keep the table's order (by rate)
    names = [groups[i] for i in kept]
    n_leads = [int(leads[i]) for i in kept]
    n_reached = [int(reached[i]) for i in kept]
    if rest:
        names.append(other_label(len(rest)))
        n_leads.append(int(leads[rest].sum()))
        n_reached.append(int(reached[rest].sum()))
    k = np.asarray(n_reached)
    n = np.asarray(n_leads)
    rate = k / n
    low, high = wilson_interval(k, n, confidence=confidence)
    small = n < min_leads

    ax = new_axes(ax, len(names) + 1, width=9.0)
    y = np.arange(len(names))
    sure_color = stage_color(stage)
    colors = [_UNSURE_COLOR if s else sure_color for s in small]
    ax.hlines(y, low, high, colors=colors, linewidth=2.4, zorder=2)
    ax.scatter(rate[~small], y[~small], s=42, color=sure_color, zorder=3)
    ax.scatter(rate[small], y[small], s=42, facecolors="white", edgecolors=_UNSURE_COLOR, zorder=3)
    overall = total_reached / total
    ax.axvline(overall, color="#636363", linestyle="--", linewidth=1, zorder=1)
    for i in range(len(names)):
        ax.text(
            high[i] + 0.01,
            y[i],
            f"{rate[i]:.1%}  ({n_reached[i]:,} of {n_leads[i]:,})",
            va="center",
            fontsize="small",
            color=_UNSURE_COLOR if small[i] else "#252525",
        )
    ticks = []
    for name, size, unsure in zip(names, n_leads, small, strict=True):
        detail = count_rows(noun, size) + (", unsure" if unsure else "")
        ticks.append(f"{short_label(name, 26, 1)}\n({detail})")
    ax.set_yticks(y, ticks, fontsize="small")
    ax.invert_yaxis()
    upper = min(1.0, float(np.nanmax(high)))
    ax.set_xlim(0, upper * 1.3 + 0.02)
    _percent(ax, min(1.0, upper * 1.3 + 0.02))
    ax.set_title(title)
    ax.set_xlabel(f"Share of {noun} reaching {_stage_label(stage)}{window}")
    ax.spines[["top", "right"]].set_visible(False)
    handles = [
        Line2D([], [], color=sure_color, marker="o", linewidth=2.4,
               label=f"Rate and {confidence:.0%} interval (Wilson)"),
        Line2D([], [], color="#636363", linestyle="--", linewidth=1,
               label=f"Overall: {overall:.1%}"),
    ]  # fmt: skip
    if small.any():
        unsure = f"Fewer than {count_rows(noun, min_leads)}: unsure"
        handles.insert(1, Line2D([], [], color=_UNSURE_COLOR, marker="o", linewidth=2.4,
                                 markerfacecolor="white", label=unsure))  # fmt: skip
    # Beside the plot, at its top: inside it, any corner can hold a row's dot or label.
    ax.legend(
        handles=handles,
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        fontsize="small",
        frameon=False,
    )
    return ax


def _new_figure(fig: Figure | SubFigure | None, ncols: int, nrows: int, n_stages: int) -> Any:
    if fig is not None:
        return fig
    import matplotlib.pyplot as plt  # only when a figure is made: pyplot picks a backend

    width = 3.7 * ncols + 1.2
    height = 0.9 + nrows * (0.42 * n_stages + 1.0)
    return plt.figure(figsize=(width, min(height, 16.0)), layout="constrained")


@checks_frame_and_ax
def plot_funnels(
    frame: pd.DataFrame,
    *,
    by: str = "source_title",
    top: int = 6,
    stages: Mapping[str, Any] | None = None,
    scale: str = "share",
    tz: str | None = None,
    fig: Figure | SubFigure | None = None,
    title: str | None = None,
) -> np.ndarray:
    """One small funnel per group, all on one shared scale, to compare their shapes.

    The ``top`` largest groups get a panel each (largest first, periods in time order),
    the rest one "Other" panel. Every panel has the same axis: the share of the group's
    leads reaching each step (``scale="share"``, so shapes compare whatever the group's
    size) or the count (``scale="count"``, so sizes compare too); each bar is labelled with
    its count and share.

    Parameters
    ----------
    frame
        A prospect frame (see :func:`knock_data.to_frame`).
    by
        A column or a created period, as in :func:`knock_data.funnel_table`.
    top
        How many groups get a panel of their own.
    stages
        Your own status -> stage mapping (see :func:`knock_data.funnel`).
    scale
        ``"share"`` (default) or ``"count"``.
    tz
        Time zone for ``by`` periods (default UTC).
    fig
        A figure (or sub-figure) to draw into; a new pyplot figure when omitted.
    title
        Replaces the default title.

    Returns
    -------
    numpy.ndarray
        The panels' Axes, in reading order (``axes[0].figure`` is the figure).

    Examples
    --------
    >>> import pandas as pd
    >>> import knock_data as kd
    >>> df = pd.DataFrame({"source_title": ["Zillow"] * 3 + ["Yelp"],
    ...                    "status": ["visited", "applied_leased", "new", "visited"]})
    >>> axes = kd.plot_funnels(df)
    >>> [ax.get_title() for ax in axes], axes[0].get_xlim() == axes[1].get_xlim()
    (['Zillow (3 leads)', 'Yelp (1 lead)'], True)
    """
    if scale not in ("share", "count"):
        raise ConfigurationError(f"plot_funnels: scale must be 'share' or 'count', got {scale!r}.")
    table = funnel_table(frame, by, stages=stages, tz=tz)
    noun = str(table.attrs["noun"])
    by_name = str(table.columns[0])
    ladder = [str(s) for s in table.attrs["steps"]]
    steps = ladder[1:]
    total = int(table["leads"].sum())
    title = title or f"Lead funnel {by_phrase(by_name)} ({count_rows(noun, total)})"
    if not total:
        target = _new_figure(fig, 1, 1, 3)
        return np.array([no_data(target.subplots(), title, noun)], dtype=object)

    leads = table["leads"].to_numpy(dtype=np.int64)
    missing = [is_missing(v) for v in table[by_name]]
    names = value_names(table, by_name)
    if by_name in PERIODS:
        kept, rest = [i for i in range(len(table)) if leads[i] > 0], list[int]()
    else:
        kept, rest = top_groups(leads.tolist(), top, apart=missing)
    panels: list[tuple[str, np.ndarray]] = []  # name, counts (leads first)
    columns = ["leads", *steps]
    counts = table[columns].to_numpy(dtype=np.int64)
    for i in kept:
        panels.append((_group_name(by_name, table[by_name].iloc[i], names), counts[i]))
    if rest:
        panels.append((other_label(len(rest)), counts[rest].sum(axis=0)))
    labels = ladder

    ncols = min(3, len(panels))
    nrows = math.ceil(len(panels) / ncols)
    target = _new_figure(fig, ncols, nrows, len(labels))
    grid = np.asarray(
        target.subplots(nrows, ncols, sharex=True, sharey=True, squeeze=False), dtype=object
    )
    drawn = grid.reshape(-1)[: len(panels)]
    for ax in grid.reshape(-1)[len(panels) :]:
        ax.set_visible(False)
    biggest = max(int(c[0]) for _, c in panels)
    y = np.arange(len(labels))
    colors = [stage_color(s) for s in labels]
    for ax, (name, values) in zip(drawn, panels, strict=True):
        size = int(values[0])
        shares = values / size if size else np.zeros(len(values))
        widths = shares if scale == "share" else values
        bars = ax.barh(y, widths, color=colors, edgecolor="white")
        ax.bar_label(
            bars,
            labels=[f"{int(c):,} ({s:.0%})" for c, s in zip(values, shares, strict=True)],
            padding=2,
            fontsize="small",
        )
        ax.set_title(f"{short_label(name, 30, 1)} ({count_rows(noun, size)})", fontsize="medium")
        ax.spines[["top", "right"]].set_visible(False)
    axis_top = 1.0 if scale == "share" else float(biggest)
    for position, ax in enumerate(drawn):
        ax.set_xlim(0, axis_top * 1.45)
        if scale == "share":
            _percent(ax, 1.0)
        else:
            ax.xaxis.set_major_formatter(lambda x, _: f"{x:,.0f}" if x <= axis_top else "")
        if position + ncols >= len(panels):  # nothing drawn below it: show its scale
            ax.xaxis.set_tick_params(labelbottom=True)
    first = drawn[0]
    first.set_yticks(y, [_stage_label(s) for s in labels])
    first.invert_yaxis()
    target.suptitle(title)
    target.supxlabel(
        f"Share of the group's {noun} reaching each step"
        if scale == "share"
        else f"{noun.capitalize()} reaching each step"
    )
    return np.asarray(drawn, dtype=object)


@checks_frame_and_ax
def plot_demand(
    df: pd.DataFrame,
    field: str,
    *,
    ax: Axes | None = None,
    bands: Any = None,
    tz: str | None = None,
    title: str | None = None,
) -> Axes:
    """What renters ask for: one bar per bedroom choice, move-date band, budget band or pet.

    Bars are labelled with their count and share of all leads, missing answers last. A
    lead naming two bedroom choices (or two pets) counts in both, so those shares can add
    up to more than 100%: a footnote then says so, with how many leads named several.

    Parameters
    ----------
    df
        A prospect frame (see :func:`knock_data.to_frame`).
    field
        ``"bedrooms"``, ``"move_date"``, ``"budget"`` or ``"pets"``, as in
        :func:`knock_data.demand_breakdown`.
    ax
        Where to draw; a new figure's Axes when omitted.
    bands, tz
        As in :func:`knock_data.demand_breakdown`.
    title
        Replaces the default title.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> import knock_data as kd
    >>> df = pd.DataFrame({"max_budget": [950.0, 1200.0, None]})
    >>> ax = kd.plot_demand(df, "budget", bands=(1000, 1500))
    >>> [round(bar.get_width()) for bar in ax.patches]   # under $1,000 ... missing
    [1, 1, 0, 1]
    """
    noun = row_noun(df)
    table = demand_breakdown(df, field, bands=bands, tz=tz)
    leads = len(df)
    title = title or f"{_DEMAND_TITLES[field]} ({count_rows(noun, leads)})"
    if not leads:
        return no_data(new_axes(ax), title, noun)
    values = table[field].tolist()
    labels = [_demand_label(field, v) for v in values]
    drawn = barh(
        new_axes(ax, len(labels)),
        labels,
        table["count"].astype(int).tolist(),
        table["share"].astype(float).tolist(),
        [MISSING_COLOR if is_missing(v) else _DEMAND_COLOR for v in values],
        title=title,
        xlabel=noun.capitalize(),
        ylabel="",
    )
    named = float(table["share"].sum())
    if field in _SEVERAL and table.attrs.get("multiple", 0) and named > 1:
        footnote(
            drawn,
            f"A {noun.removesuffix('s')} may name several {_SEVERAL[field]}: "
            f"{table.attrs['multiple']:,} did, so the shares add up to {named:.0%}.",
        )
    return drawn


def _demand_label(field: str, value: object) -> str:
    """A demand answer as a reader writes it: ``"Studio"``, ``"3 or more bedrooms"``, ``"Cat"``."""
    return value_label(field, value)
