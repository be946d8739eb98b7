"""Open leads by how long nobody touched them: stacked bars per stage, older in darker red."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from knock_data._analysis.aging import DEFAULT_BUCKETS, aging
from knock_data._charts._args import checks_frame_and_ax
from knock_data._charts._bars import new_axes, no_data
from knock_data._charts._text import chart_title, short_label
from knock_data._charts._top import other_label, top_groups
from knock_data._charts.labels import label_of, value_label, value_names
from knock_data._charts.movement import moment_text
from knock_data._schema import is_missing

__all__ = ["plot_aging"]


@checks_frame_and_ax
def plot_aging(
    frame: pd.DataFrame,
    *,
    ax: Axes | None = None,
    now: object = None,
    buckets: Sequence[float] = DEFAULT_BUCKETS,
    by: str | None = None,
    stages: Mapping[str, Any] | None = None,
    top: int = 15,
    title: str | None = None,
) -> Axes:
    """Open leads per stage (or per ``by`` value), split by days since their last update.

    Each bar stacks the buckets from the freshest (pale) to the longest untouched (dark
    red), labelled with their counts; the total sits at the bar's end. See
    :func:`knock_data.aging`.

    Parameters
    ----------
    frame
        A prospect frame.
    ax
        Where to draw; a new figure's Axes when omitted.
    now, buckets, by, stages
        As in :func:`knock_data.aging` (on the sandbox pass ``now=server.now``).
    top
        With ``by``, how many groups (those with most open leads) get a bar of their own;
        the rest share one "Other (n more)" bar.
    title
        Replaces the default title.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> import knock_data as kd
    >>> frame = pd.DataFrame({
    ...     "status": ["new", "open", "open"], "is_deleted": False, "not_prospect": False,
    ...     "created_at": pd.to_datetime(["2021-10-01"] * 3, utc=True),
    ...     "updated_at": pd.to_datetime(["2021-10-30", "2021-10-20", "2021-09-01"], utc=True),
    ... })
    >>> ax = kd.plot_aging(frame, now="2021-11-01")
    >>> [label.get_text() for label in ax.get_yticklabels()][:2]
    ['Lead', 'Engaged']
    """
    table = aging(frame, now=now, buckets=buckets, by=by, stages=stages)
    total = int(table.attrs["open"])
    moment = moment_text(table.attrs["now"].tz_convert("UTC"))
    title = title or chart_title(f"Open leads by days since last update, {moment}", "leads", total)
    if not total:
        return no_data(new_axes(ax), title, "leads")
    names = value_names(frame, by) if by is not None else {}
    labels = [short_label(value_label(by or "stage", v, names), 24, 1) for v in table.index]
    counts = table.to_numpy()
    if by is not None:  # the busiest groups first, then "Other"; an empty one says nothing
        kept, rest = top_groups(
            counts.sum(axis=1).tolist(), top, apart=[is_missing(v) for v in table.index]
        )
        labels = [labels[i] for i in kept]
        gathered = [counts[rest].sum(axis=0)] if rest else []
        counts = np.array([*counts[kept], *gathered], dtype=np.int64)
        labels += [other_label(len(rest))] if rest else []
    n_rows, n_buckets = counts.shape
    colours = mpl.colormaps["YlOrRd"](np.linspace(0.15, 0.9, n_buckets))
    ax = new_axes(ax, n_rows + 1, width=9.0)
    y = np.arange(n_rows)
    left = np.zeros(n_rows)
    widest = max(int(counts.sum(axis=1).max()), 1)
    for j, label in enumerate(table.columns):
        bars = ax.barh(
            y, counts[:, j], left=left, color=colours[j], edgecolor="white", label=str(label)
        )
        texts = [f"{n:,}" if n and n >= widest * 0.04 else "" for n in counts[:, j]]
        dark = j >= n_buckets * 0.6
        ax.bar_label(
            bars, labels=texts, label_type="center", fontsize=8, color="white" if dark else "black"
        )
        left += counts[:, j]
    for i, row_total in enumerate(counts.sum(axis=1)):
        ax.text(row_total + widest * 0.01, i, f"{int(row_total):,}", va="center", fontsize=8.5)

    ax.set_yticks(y, labels)
    ax.invert_yaxis()
    ax.set_xlim(0, widest * 1.12)
    ax.set_xlabel("Open leads")
    ax.set_ylabel("" if by is None else label_of(by))
    ax.set_title(title)
    ax.legend(
        title="Days since last update",
        fontsize="small",
        loc="upper left",
        bbox_to_anchor=(1.01, 1),
    )
    ax.spines[["top", "right"]].set_visible(False)
    return ax
