"""Creation cohorts as a heatmap: each cohort's share reaching each stage, immature hatched."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.colors import PowerNorm

from knock_data._analysis import period_name
from knock_data._analysis.cohorts import cohort_conversion, recorded_stages, window_days
from knock_data._charts._args import checks_frame_and_ax
from knock_data._charts._bars import footnote, new_axes, no_data
from knock_data._charts._heatmap import labelled_heatmap
from knock_data._charts._text import chart_title, percent, plural
from knock_data._charts.labels import capitalised, value_label
from knock_data._exceptions import ConfigurationError

__all__ = ["MAX_COHORTS", "cohort_label", "plot_cohorts"]

#: The most cohorts one heatmap shows (the latest ones); older cohorts are left out.
MAX_COHORTS = 36


def cohort_label(period: pd.Period) -> str:
    """A cohort's name on an axis: ``2021-09`` for a month, ``week of 2021-09-06``.

    Examples
    --------
    >>> cohort_label(pd.Period("2021-09", "M")), cohort_label(pd.Period("2021-09-08", "W-SUN"))
    ('2021-09', 'week of 2021-09-06')
    """
    code = period.freqstr.split("-")[0]
    if code.startswith("W"):
        return f"week of {period.start_time:%Y-%m-%d}"
    if code.startswith("D"):
        return f"{period.start_time:%Y-%m-%d}"
    return str(period)


@checks_frame_and_ax
def plot_cohorts(
    data: pd.DataFrame,
    *,
    ax: Axes | None = None,
    freq: str = "M",
    within: object = None,
    stages: Mapping[str, Any] | None = None,
    tz: str | None = None,
    title: str | None = None,
) -> Axes:
    """Each creation cohort's share of leads reaching each stage, as a heatmap.

    One row per cohort (the oldest on top, at most :data:`MAX_COHORTS`, the latest), one
    column per stage after the first; each cell gives the share and the number of leads,
    shaded by the share. With ``within``, a cell whose share is not known yet (a lead
    younger than the window, or not observed that long) is hatched and labelled
    ``immature`` with the count so far (see :func:`knock_data.cohort_conversion`).

    Parameters
    ----------
    data
        A prospect frame (reached by now), or :func:`knock_data.stage_dates` output.
    ax
        Where to draw; a new figure's Axes when omitted.
    freq, within, stages, tz
        As in :func:`knock_data.cohort_conversion`; one window only.
    title
        Replaces the default title.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> import knock_data as kd
    >>> df = pd.DataFrame({
    ...     "status": ["new", "visited", "applied_leased", "open"],
    ...     "created_at": pd.to_datetime(["2021-09-03", "2021-09-20", "2021-09-28",
    ...                                   "2021-10-02"], utc=True),
    ... })
    >>> ax = kd.plot_cohorts(df)
    >>> [label.get_text() for label in ax.get_yticklabels()]
    ['2021-09 (3 leads)', '2021-10 (1 lead)']
    """
    if within is not None and len(window_days(within, "plot_cohorts")) > 1:
        raise ConfigurationError(
            f"plot_cohorts draws one window, got within={within!r}.",
            hint="Draw one chart per window, or pick one: within=30.",
        )
    table = cohort_conversion(data, freq, within=within, stages=stages, tz=tz)
    ladder = table.attrs["stages"]
    unit = period_name(freq)
    leads = int(table["leads"].sum())
    days = window_days(within, "plot_cohorts")[0] if within is not None else 0.0
    if within is not None:
        question = f"within {days:g} days of creation"
    elif recorded_stages(data):
        question = "as the history saw them"
    else:
        question = "by now"
    title = title or chart_title(f"Leads reaching each stage {question}", "leads", leads)
    if not leads or len(ladder) < 2:
        return no_data(new_axes(ax), title, "leads")
    stages_shown = list(ladder[1:])
    # Cohorts created before the history began, of which nothing is known, say nothing.
    known = np.ones(len(table), dtype=bool)
    if within is not None:
        unknown = np.all(
            [table[f"{s}_share"].isna().to_numpy() & (table[s] == 0) for s in stages_shown],
            axis=0,
        )
        known = np.cumsum(~unknown) > 0  # from the first cohort with anything known on
    unseen = int(np.sum(~known))
    table = table[known]
    if not len(table):
        return no_data(new_axes(ax), title, "leads")
    left_out = max(len(table) - MAX_COHORTS, 0)
    shown = table.iloc[left_out:]
    shares = np.array(
        [shown[f"{s}_share"].to_numpy(dtype=float, na_value=np.nan) for s in stages_shown]
    ).T
    counts = np.array([shown[s].to_numpy() for s in stages_shown]).T
    immature = np.isnan(shares)
    labels = [
        [
            f"immature\n{n:,} so far" if np.isnan(share) else f"{percent(share)}\n{n:,}"
            for share, n in zip(share_row, count_row, strict=True)
        ]
        for share_row, count_row in zip(shares, counts, strict=True)
    ]
    rows = [
        f"{cohort_label(p)} ({plural(int(n), 'lead')})"
        for p, n in zip(shown["cohort"], shown["leads"], strict=True)
    ]
    if ax is None:
        ax = new_axes(None, len(rows) + 2, width=max(6.5, 1.3 * len(stages_shown) + 3.5))
    labelled_heatmap(
        ax,
        shares,
        labels,
        rows=rows,
        columns=[value_label("stage", stage) for stage in stages_shown],
        cmap="Blues",
        norm=PowerNorm(0.6, vmin=0, vmax=1),
        hatched=immature,
        fontsize=8 if len(rows) <= 18 else 6.5,
    )
    ax.tick_params(axis="x", labelrotation=0)
    for label in ax.get_xticklabels():
        label.set_horizontalalignment("center")
    ax.xaxis.set_ticks_position("top")
    ax.set_title(title, pad=24)
    zone = table.attrs.get("tz", "UTC")
    older = f"; {plural(left_out, 'older cohort')} not shown" if left_out else ""
    ax.set_ylabel(f"{capitalised(unit)} created ({zone}){older}")
    notes = []
    if immature.any():
        notes.append(
            f"Hatched: not known yet (some leads are younger than {days:g} days, or were not "
            "watched through them)."
        )
    if unseen:
        notes.append(
            f"{plural(unseen, 'older cohort')} left out: created before the history began, "
            "so nothing is known of their first days."
        )
    if notes:
        footnote(ax, "\n".join(notes), below=8)
    return ax
