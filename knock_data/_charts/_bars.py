"""The Axes every chart draws on, the "no data" picture, and labelled horizontal bars."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.axis import Axis
from matplotlib.ticker import FuncFormatter, MaxNLocator

from knock_data._charts._text import count_label, no_data_text, short_label

__all__ = ["barh", "count_axis", "footnote", "new_axes", "no_data"]


def new_axes(ax: Axes | None, n_bars: int = 5, width: float = 8.0) -> Axes:
    """The caller's Axes, or a new one on a new pyplot figure (shown by notebooks).

    A new figure grows with the number of bars, so labels never overlap.
    """
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt  # only when a figure is made: pyplot picks a backend

    height = min(max(2.0 + 0.42 * n_bars, 3.0), 14.0)
    _, created = plt.subplots(figsize=(width, height), layout="constrained")
    return created


def no_data(ax: Axes, title: str, noun: str) -> Axes:
    """A chart that says there are no ``noun`` to show, under its usual title."""
    ax.set_title(title)
    ax.text(
        0.5,
        0.5,
        no_data_text(noun),
        transform=ax.transAxes,
        ha="center",
        va="center",
        color="#636363",
    )
    ax.set_xticks([])
    ax.set_yticks([])
    return ax


def barh(
    ax: Axes,
    labels: Sequence[str],
    counts: Sequence[int],
    shares: Sequence[float],
    colors: Sequence[str],
    *,
    title: str,
    xlabel: str,
    ylabel: str = "",
) -> Axes:
    """Horizontal bars, first on top, each labelled with its count and percentage."""
    y = np.arange(len(labels))
    bars = ax.barh(y, counts, color=list(colors), edgecolor="white")
    ax.bar_label(
        bars, labels=[count_label(c, s) for c, s in zip(counts, shares, strict=True)], padding=3
    )
    ax.set_yticks(y, [short_label(label) for label in labels])
    ax.invert_yaxis()
    top = max(counts) if len(counts) else 0
    ax.set_xlim(0, max(top, 1) * 1.3)  # room for the labels
    count_axis(ax.xaxis)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.spines[["top", "right"]].set_visible(False)
    return ax


def count_axis(axis: Axis) -> None:
    """Ticks of whole numbers only (a count of 3 prospects has no tick at 2.5), as 1,750."""
    axis.set_major_locator(MaxNLocator(integer=True, steps=[1, 2, 5, 10], min_n_ticks=1))
    axis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:,.0f}"))


def footnote(ax: Axes, text: str, *, below: float = 48) -> None:
    """A small grey note under the plot, ``below`` points under its bottom edge (clear of
    the tick labels and the axis label)."""
    ax.annotate(
        text,
        xy=(0, 0),
        xycoords="axes fraction",
        xytext=(0, -below),
        textcoords="offset points",
        fontsize=7.5,
        color="#636363",
        va="top",
    )
