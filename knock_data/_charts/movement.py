"""How leads moved between two moments: the transition matrix and the open-leads waterfall.

Both draw what :func:`knock_data.transitions` and :func:`knock_data.waterfall` compute from
the history's versions; a footnote says when some prospects' state at a moment is only
their last one seen before it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.colors import Normalize

from knock_data._analysis.movement import (
    CREATED_LABEL,
    GONE_LABEL,
    NOT_SEEN_LABEL,
    transitions,
    waterfall,
)
from knock_data._charts._args import checks_frame_and_ax
from knock_data._charts._bars import footnote, new_axes, no_data
from knock_data._charts._heatmap import labelled_heatmap
from knock_data._charts._text import chart_title, percent, plural, short_label
from knock_data._charts.labels import capitalised, value_label
from knock_data._schema import STATUS

__all__ = ["moment_text", "plot_transitions", "plot_waterfall"]

_SPECIAL = (CREATED_LABEL, GONE_LABEL, NOT_SEEN_LABEL)
_TOTAL, _IN, _OUT = "#4292c6", "#41ab5d", "#d6604d"


def moment_text(moment: pd.Timestamp) -> str:
    """A moment for a title: its UTC day, with the time when it is not midnight.

    Examples
    --------
    >>> moment_text(pd.Timestamp("2021-11-02", tz="UTC"))
    '2021-11-02'
    >>> moment_text(pd.Timestamp("2021-11-02T15:30", tz="UTC"))
    '2021-11-02 15:30 UTC'
    """
    stamp = moment.tz_convert("UTC")
    if stamp == stamp.normalize():
        return f"{stamp:%Y-%m-%d}"
    return f"{stamp:%Y-%m-%d %H:%M} UTC"


def _unconfirmed_note(attrs: Mapping[Any, Any]) -> str:
    parts = []
    for key, when in (("unconfirmed_start", "start"), ("unconfirmed_end", "end")):
        n = int(attrs.get(key, 0))
        if n:
            parts.append(f"{plural(n, 'prospect')} not observed since the {when}")
    if not parts:
        return ""
    return "; ".join(parts) + ": shown as last seen."


@checks_frame_and_ax
def plot_transitions(
    versions: pd.DataFrame,
    start: object,
    end: object,
    *,
    ax: Axes | None = None,
    level: str = "stage",
    stages: Mapping[str, Any] | None = None,
    title: str | None = None,
) -> Axes:
    """Where leads stood at ``start`` (rows) and at ``end`` (columns), as a heatmap.

    Each cell gives the number of prospects that moved from its row to its column and
    that number's share of the row, and is shaded by the share; the framed diagonal holds
    those that did not move. Leads created in between come from ``(created)``, prospects
    Knock stopped returning go to ``(gone)`` (see :func:`knock_data.transitions`). Rows
    and columns where nobody is are left out.

    Parameters
    ----------
    versions
        The history's versions frame (``history.versions()``).
    start, end
        The two moments (a snapshot's moment shows exactly what it saw).
    ax
        Where to draw; a new figure's Axes when omitted.
    level
        ``"stage"`` or ``"status"`` (Knock's statuses under Knock's labels).
    stages
        Your own status -> stage mapping.
    title
        Replaces the default title.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> import knock_data as kd
    >>> t = pd.to_datetime(["2021-11-01", "2021-11-08"], utc=True)
    >>> versions = pd.DataFrame({
    ...     "prospect_id": ["1", "1"], "status": ["new", "booked"],
    ...     "created_at": pd.to_datetime(["2021-10-30"] * 2, utc=True),
    ...     "valid_from": t, "valid_to": [t[1], pd.NaT], "changed_after": [pd.NaT, t[0]],
    ...     "last_observed_at": t, "gone": False,
    ... })
    >>> ax = kd.plot_transitions(versions, t[0], t[1])
    >>> [label.get_text() for label in ax.get_yticklabels()]
    ['Lead (1)']
    """
    table = transitions(versions, start, end, level=level, stages=stages)
    counts = table.to_numpy()
    total = int(counts.sum())
    when = f"{moment_text(table.attrs['start'])} to {moment_text(table.attrs['end'])}"
    title = title or chart_title(f"Where leads moved, {when}", "prospects", total)
    if not total:
        return no_data(new_axes(ax), title, "prospects")
    keep_rows = counts.sum(axis=1) > 0
    keep_cols = counts.sum(axis=0) > 0
    shown = table.loc[keep_rows, keep_cols]
    values = shown.to_numpy()
    row_totals = values.sum(axis=1)
    shares = values / np.maximum(row_totals, 1)[:, None]
    labels = [
        [f"{n:,}\n{percent(share)}" if n else "" for n, share in zip(row, shares_row, strict=True)]
        for row, shares_row in zip(values, shares, strict=True)
    ]

    def name(label: str) -> str:
        if label in _SPECIAL:
            return label
        return short_label(value_label(STATUS if level == "status" else "stage", label), 20, 1)

    rows = [f"{name(str(r))} ({int(n):,})" for r, n in zip(shown.index, row_totals, strict=True)]
    columns = [name(str(c)) for c in shown.columns]
    diagonal = np.array([[r == c for c in shown.columns] for r in shown.index], dtype=bool)
    n_cols = len(columns)
    if ax is None:
        ax = new_axes(None, len(rows) + 2, width=max(6.5, 1.0 * n_cols + 3))
    labelled_heatmap(
        ax,
        shares,
        labels,
        rows=rows,
        columns=columns,
        cmap="Blues",
        norm=Normalize(0, 1),
        outlined=diagonal,
        fontsize=8 if n_cols <= 8 else 7,
    )
    ax.set_title(title)
    ax.set_ylabel(f"At {moment_text(table.attrs['start'])} (prospects)")
    ax.set_xlabel(f"At {moment_text(table.attrs['end'])}")
    note = _unconfirmed_note(table.attrs)
    if note:
        footnote(ax, note, below=58)
    return ax


@checks_frame_and_ax
def plot_waterfall(
    versions: pd.DataFrame,
    start: object,
    end: object,
    *,
    ax: Axes | None = None,
    title: str | None = None,
) -> Axes:
    """Open leads at ``start``, what came in and went out, and open leads at ``end``.

    Blue bars are the open leads at each moment; green bars what came in (new leads, ids
    first seen, leads reopened) and red bars what went out (leased, lost, deleted or not a
    prospect, gone), floating between the totals so the steps add up visibly (see
    :func:`knock_data.waterfall`).

    Parameters
    ----------
    versions
        The history's versions frame (``history.versions()``).
    start, end
        The two moments.
    ax
        Where to draw; a new figure's Axes when omitted.
    title
        Replaces the default title.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> import knock_data as kd
    >>> t = pd.to_datetime(["2021-11-01", "2021-11-08"], utc=True)
    >>> versions = pd.DataFrame({
    ...     "prospect_id": ["1", "1"], "status": ["booked", "applied_leased"],
    ...     "created_at": pd.to_datetime(["2021-10-30"] * 2, utc=True),
    ...     "is_deleted": False, "not_prospect": False,
    ...     "valid_from": t, "valid_to": [t[1], pd.NaT], "changed_after": [pd.NaT, t[0]],
    ...     "last_observed_at": t, "gone": False,
    ... })
    >>> ax = kd.plot_waterfall(versions, t[0], t[1])
    >>> [round(bar.get_height()) for bar in ax.patches][:5]
    [1, 0, 0, 0, 1]
    """
    table = waterfall(versions, start, end)
    counts = table["count"].to_numpy(dtype=np.int64)
    kinds = table["kind"].tolist()
    when = f"{moment_text(table.attrs['start'])} to {moment_text(table.attrs['end'])}"
    title = title or f"Open leads, {when}: {counts[0]:,} to {counts[-1]:,}"
    if not counts[0] and not counts[-1] and not np.abs(counts[1:-1]).sum():
        return no_data(new_axes(ax), title, "leads")
    if ax is None:
        ax = new_axes(None, 6, width=9.0)
    before = np.r_[0, np.cumsum(counts[:-1])]  # open leads before each step
    bottoms, heights, colours, texts = [], [], [], []
    for kind, count, level in zip(kinds, counts, before, strict=True):
        if kind in ("start", "end"):
            bottoms.append(0)
            heights.append(count)
            colours.append(_TOTAL)
            texts.append(f"{count:,}")
        else:
            bottoms.append(min(level, level + count))
            heights.append(abs(count))
            colours.append(_IN if kind == "in" else _OUT)
            texts.append(f"{count:+,}" if count else "0")
    x = np.arange(len(counts))
    bars = ax.bar(x, heights, bottom=bottoms, color=colours, width=0.7, edgecolor="white")
    ax.bar_label(bars, labels=texts, padding=2, fontsize=8.5)
    for i in range(len(counts) - 1):  # the level carried from one bar to the next
        ax.plot([i + 0.35, i + 0.65], [before[i + 1]] * 2, color="#969696", linewidth=0.8)
    ax.set_xticks(
        x, [short_label(capitalised(step), 12, 3) for step in table["step"]], fontsize=8.5
    )
    top = max(int(np.max(np.array(bottoms) + np.array(heights))), 1)
    ax.set_ylim(0, top * 1.12)
    ax.set_ylabel("Open leads")
    ax.set_title(title)
    ax.spines[["top", "right"]].set_visible(False)
    note = _unconfirmed_note(table.attrs)
    if note:
        footnote(ax, note, below=48)
    return ax
