"""Time to a stage: Kaplan-Meier step curves with their bands, one per group, medians marked."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import PercentFormatter

from knock_data._analysis import PERIODS
from knock_data._analysis.survival import time_to_stage
from knock_data._charts._args import checks_frame_and_ax
from knock_data._charts._bars import new_axes, no_data
from knock_data._charts._text import chart_title, plural, short_label
from knock_data._charts._top import other_label, top_groups
from knock_data._charts.colors import OTHER_COLOR, stage_color, value_color
from knock_data._charts.labels import label_of, value_label, value_names
from knock_data._schema import is_missing

__all__ = ["plot_time_to_stage"]


@checks_frame_and_ax
def plot_time_to_stage(
    stage_dates: pd.DataFrame,
    *,
    ax: Axes | None = None,
    stage: str = "toured",
    by: str | None = None,
    top: int = 6,
    ci: float = 0.95,
    seen_within: float = 7,
    tz: str | None = None,
    max_days: float | None = None,
    title: str | None = None,
) -> Axes:
    """The share of leads that reached a stage, by days since creation: Kaplan-Meier.

    One step curve per group (the ``top`` largest, then "Other (n more)" for the rest of a
    column's values), each with its confidence band shaded and its median marked where
    the curve crosses half. Leads not there yet count for as long as they were watched
    (see :func:`knock_data.time_to_stage`); the curve is as sharp as the snapshots are
    frequent.

    Parameters
    ----------
    stage_dates
        The output of :func:`knock_data.stage_dates`.
    ax
        Where to draw; a new figure's Axes when omitted.
    stage, by, ci, seen_within, tz
        As in :func:`knock_data.time_to_stage`.
    top
        How many ``by`` groups get a curve of their own.
    max_days
        Where the x axis ends (default: a little after the last lead reached the stage).
    title
        Replaces the default title.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> import knock_data as kd
    >>> day = lambda d: pd.Timestamp(f"2021-11-{d:02d}", tz="UTC")
    >>> dates = pd.DataFrame({
    ...     "created_at": [day(1)] * 3,
    ...     "toured_after": [day(1), day(3), pd.NaT], "toured_by": [day(5), day(5), pd.NaT],
    ...     "last_observed_at": [day(11), day(11), day(9)],
    ... })
    >>> ax = kd.plot_time_to_stage(dates, stage="toured")
    >>> ax.get_legend().get_texts()[0].get_text()
    'All leads: 3 leads, median 3 days'
    """
    km = time_to_stage(stage_dates, stage, by=by, ci=ci, seen_within=seen_within, tz=tz)
    leads = int(km.attrs["leads"])
    reached_label = value_label("stage", stage)
    title = title or chart_title(
        f"Days from creation to {reached_label}", "leads", leads, f"Kaplan-Meier, {ci:.0%} band"
    )
    if not leads:
        return no_data(new_axes(ax, 6, 9.0), title, "leads")
    curves: list[tuple[str, pd.DataFrame, str]] = []  # (name, curve, colour)
    if by is None:
        curves.append(("All leads", km, stage_color(stage)))
    else:
        name = km.columns[0]
        groups = list(km.attrs["medians"])
        sizes = [_leads(km[_member(km[name], g)]) for g in groups]
        kept, rest = top_groups(sizes, top, apart=[is_missing(g) for g in groups])
        names = value_names(stage_dates, by)
        for i in kept:
            group = groups[i]
            label = value_label(name, group, names)
            curve = km[_member(km[name], group)]
            curves.append((label, curve, value_color(None if by in PERIODS else by, group)))
        if rest and by not in PERIODS and by in stage_dates.columns:
            values = [groups[i] for i in rest]
            others = stage_dates[stage_dates[by].isin(values).to_numpy(dtype=bool)]
            rest_curve = time_to_stage(others, stage, ci=ci, seen_within=seen_within)
            curves.append((other_label(len(rest)), rest_curve, OTHER_COLOR))
    ax = new_axes(ax, 6, 9.0)
    longest = 0.0
    for label, curve, colour in curves:
        days = curve["days"].to_numpy(dtype=float)
        median = float(curve["median_days"].iloc[0])
        n = _leads(curve)
        said = f"median {median:.3g} days" if np.isfinite(median) else "median not reached"
        ax.step(
            days,
            curve["share_reached"].to_numpy(dtype=float),
            where="post",
            color=colour,
            linewidth=1.6,
            label=f"{short_label(label, 24, 1)}: {plural(n, 'lead')}, {said}",
        )
        ax.fill_between(
            days,
            curve["share_reached_low"].to_numpy(dtype=float),
            curve["share_reached_high"].to_numpy(dtype=float),
            step="post",
            color=colour,
            alpha=0.15 if len(curves) <= 3 else 0.07,
            linewidth=0,
        )
        if np.isfinite(median):
            ax.plot([median, median], [0, 0.5], color=colour, linestyle=":", linewidth=1)
            ax.plot([median], [0.5], marker="o", color=colour, markersize=5)
        events = days[curve["reached"].to_numpy() > 0]
        longest = max(longest, float(events.max()) if len(events) else float(days.max()))
    ax.axhline(0.5, color="#bdbdbd", linewidth=0.8, linestyle="--", zorder=0)
    # After the last lead reached the stage the curves only run flat: end a little later.
    ax.set_xlim(0, max_days if max_days is not None else max(longest * 1.15, 1.0))
    ax.set_ylim(0, 1)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel("Days since created")
    ax.set_ylabel(f"Leads that reached {reached_label}\n(estimated share)")
    ax.set_title(title)
    if by is None:  # one curve: its legend fits inside, below the half line
        ax.legend(fontsize="small", loc="lower right")
    else:
        ax.legend(title=label_of(by), fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1))
    ax.spines[["top", "right"]].set_visible(False)
    return ax


def _leads(curve: pd.DataFrame) -> int:
    """How many leads a curve counts: each one reached the stage or was censored once."""
    return int(curve["reached"].sum() + curve["censored"].sum())


def _member(values: pd.Series, group: object) -> np.ndarray:
    """Rows of a ``by`` column holding ``group`` (missing matches missing)."""
    if is_missing(group):
        return values.isna().to_numpy(dtype=bool)
    return (values == group).fillna(False).to_numpy(dtype=bool)
