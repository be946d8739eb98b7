"""New leads per period: bars, or one line per value of a column, partial periods apart.

The first and last periods often hold only part of their days (the data starts on the
20th, the week is still running): drawn like the others, they read as a drop. They are
drawn hatched (bars) or dotted with an open marker (lines), and the legend says why.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from knock_data._analysis import COMMUNITY_TIME, leads_over_time, period_name
from knock_data._charts._args import checks_frame_and_ax
from knock_data._charts._bars import count_axis, new_axes, no_data
from knock_data._charts._text import chart_title, plural, row_noun, short_label
from knock_data._charts._top import other_label, top_groups
from knock_data._charts.colors import OTHER_COLOR, value_color
from knock_data._charts.labels import by_phrase, label_of, value_label, value_names

__all__ = ["plot_leads_over_time"]

_LINE_STYLES = ("-", "--", ":", "-.")
_BAR_COLOR = "#4292c6"
_PARTIAL_HATCH = "///"
# Up to this many periods, every period gets a tick of its own under its middle.
_TICK_EVERY_PERIOD = 14
_MIN_PERIODS_WIDE = 7
_TICK_FORMATS = {"day": "%b %-d", "week": "%b %-d", "month": "%b %Y"}


@checks_frame_and_ax
def plot_leads_over_time(
    df: pd.DataFrame,
    *,
    ax: Axes | None = None,
    freq: str = "W",
    by: str | None = None,
    tz: str | None = None,
    span: Sequence[Any] | None = None,
    top: int = 6,
    title: str | None = None,
) -> Axes:
    """New leads per period: bars, or one line per value of ``by`` (top N, then "Other").

    The legend (or the title, without ``by``) gives each series' total and share of leads.
    Periods the data covers only in part (``leads_over_time(...).attrs["partial"]``) are
    hatched bars or dotted line ends with open markers, and the legend says so. Quarters
    and years, and any series of a few periods, are ticked one label per period under its
    middle (``2021Q1``); counts are ticked in whole numbers.

    Parameters
    ----------
    df
        A prospect frame (see :func:`knock_data.to_frame`).
    ax
        Where to draw; a new figure's Axes when omitted.
    freq, by, tz, span
        As in :func:`knock_data.leads_over_time`: periods in UTC unless ``tz`` names a zone
        (or ``"community"``: each lead in its community's zone). Grouped by
        ``community_id`` or ``agent_username`` on a frame with names (see
        :func:`knock_data.with_names`), the legend shows the names.
    top
        How many ``by`` values get a line of their own.
    title
        Replaces the default title.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> import knock_data as kd
    >>> df = pd.DataFrame({"created_at": pd.to_datetime(["2026-03-02", "2026-03-03"], utc=True)})
    >>> [round(b.get_height()) for b in kd.plot_leads_over_time(df, freq="W").patches]
    [2]
    """
    noun = row_noun(df)
    series = leads_over_time(df, freq=freq, by=by, tz=tz, span=span)
    total = int(series.to_numpy().sum())
    zone = series.attrs.get("tz", "UTC")
    zone_text = "local time" if zone == COMMUNITY_TIME else zone
    unit = period_name(freq)  # leads_over_time has checked it
    subject = f"New {noun} per {unit}" + (f" {by_phrase(by)}" if by is not None else "")
    title = title or chart_title(subject, noun, total, zone_text)
    if not total:
        return no_data(new_axes(ax, 6, 10.0), title, noun)
    ax = new_axes(ax, 6, 10.0)
    periods = pd.PeriodIndex(series.index)
    starts = mdates.date2num(periods.to_timestamp(how="start").to_pydatetime())
    ends = mdates.date2num((periods + 1).to_timestamp(how="start").to_pydatetime())
    middles = (starts + ends) / 2
    partial = np.array([p in set(series.attrs.get("partial", ())) for p in periods], dtype=bool)
    handles: list[Any] = []
    if by is None:
        _bars(ax, starts, ends - starts, series["leads"].to_numpy(), partial)
    else:
        handles = _lines(ax, df, series, by, middles, partial, total, top)
    if partial.any():
        handles.append(_partial_handle(unit, lines=by is not None))
    if by is not None:
        ax.legend(
            handles=handles,
            title=label_of(by),
            fontsize="small",
            loc="upper left",
            bbox_to_anchor=(1.01, 1),
        )
    elif handles:  # the partial periods' entry alone: in room made above the bars
        ax.set_ylim(0, max(1.0, float(series["leads"].max())) * 1.2)
        ax.legend(handles=handles, fontsize="small", loc="upper left", framealpha=0.9)
    _time_ticks(ax, periods, unit, starts, middles)
    _time_limits(ax, starts, ends)
    ax.set_ylim(bottom=0)
    count_axis(ax.yaxis)
    ax.set_ylabel(noun.capitalize())
    ax.set_title(title)
    zone_words = "each community's local time" if zone == COMMUNITY_TIME else zone
    xlabel = f"{label_of(unit)} created ({zone_words}"
    xlabel += ", Monday to Sunday)" if unit == "week" else ")"
    no_zone = int(series.attrs.get("no_timezone", 0))
    if no_zone:
        xlabel += f"; {plural(no_zone, noun.removesuffix('s'))} without a time zone counted in UTC"
    ax.set_xlabel(xlabel)
    ax.spines[["top", "right"]].set_visible(False)
    return ax


def _bars(
    ax: Axes, starts: np.ndarray, widths: np.ndarray, counts: np.ndarray, partial: np.ndarray
) -> None:
    bars = ax.bar(starts + widths / 2, counts, width=widths * 0.85, color=_BAR_COLOR)
    for bar in np.asarray(bars.patches, dtype=object)[partial]:
        bar.set_facecolor("white")
        bar.set_edgecolor(_BAR_COLOR)
        bar.set_hatch(_PARTIAL_HATCH)


def _lines(
    ax: Axes,
    df: pd.DataFrame,
    series: pd.DataFrame,
    by: str,
    x: np.ndarray,
    partial: np.ndarray,
    total: int,
    top: int,
) -> list[Any]:
    """One line per kept value of ``by`` (and one for "Other"); returns the legend handles."""
    names = value_names(df, by)
    kept, rest = top_groups(series.sum(axis=0).astype(int).tolist(), top)
    lines: list[tuple[str, np.ndarray, str]] = []  # (label, counts, colour)
    for column in series.columns[kept]:
        lines.append(
            (value_label(by, column, names), series[column].to_numpy(), value_color(by, column))
        )
    if rest:
        gathered = series.iloc[:, rest].sum(axis=1).to_numpy()
        lines.append((other_label(len(rest)), gathered, OTHER_COLOR))
    # Colours are fixed per value, so two hashed values may share one: the later line
    # then gets another dash pattern, which the legend shows too.
    drawn: dict[str, int] = {}
    handles = []
    marker = "o" if len(x) < 30 else None
    for name, counts, color in lines:
        count = int(counts.sum())
        same = drawn.get(color, 0)
        drawn[color] = same + 1
        style = _LINE_STYLES[same % len(_LINE_STYLES)]
        whole = np.where(partial, np.nan, counts.astype(float))
        (line,) = ax.plot(
            x,
            whole,
            color=color,
            linestyle=style,
            marker=marker,
            markersize=3,
            label=f"{short_label(name, 30, 2)}: {count:,} ({count / total:.1%})",
        )
        handles.append(line)
        for i in np.flatnonzero(partial):
            j = i + 1 if i == 0 else i - 1  # the complete period beside it
            if 0 <= j < len(x) and not partial[j]:
                ax.plot(x[[j, i]], counts[[j, i]], color=color, linestyle=":", linewidth=1.2)
            ax.plot(x[i], counts[i], marker="o", markersize=4, color=color, markerfacecolor="white")
    return handles


def _partial_handle(unit: str, *, lines: bool) -> Any:
    label = f"Partial {unit}: the data covers only part of it"
    if lines:
        return Line2D(
            [], [], color="#636363", linestyle=":", marker="o", markerfacecolor="white", label=label
        )
    return Patch(facecolor="white", edgecolor=_BAR_COLOR, hatch=_PARTIAL_HATCH, label=label)


def _time_limits(ax: Axes, starts: np.ndarray, ends: np.ndarray) -> None:
    """Room around the periods: a third of one at each end, and never fewer than seven
    periods wide, so that a single day is a bar, not a wall."""
    width = float(np.median(ends - starts))
    shown = max(len(starts), _MIN_PERIODS_WIDE) * width
    pad = max((shown - (ends[-1] - starts[0])) / 2, width / 3)
    ax.set_xlim(starts[0] - pad, ends[-1] + pad)


def _time_ticks(
    ax: Axes, periods: pd.PeriodIndex, unit: str, starts: np.ndarray, middles: np.ndarray
) -> None:
    """A label under the middle of each period (or of every second, third...) for months,
    quarters and years, whose calendar ticks would fall between two bars, and for any few
    periods; calendar ticks for many days or weeks."""
    if unit in ("month", "quarter", "year") or len(periods) <= _TICK_EVERY_PERIOD:
        step = max(1, -(-len(periods) // _TICK_EVERY_PERIOD))
        chosen = list(range(0, len(periods), step))
        labels = []
        previous_year = None
        for i in chosen:
            period = periods[i]
            if unit in ("quarter", "year"):
                labels.append(str(period))
                continue
            start = period.start_time
            text = start.strftime(_TICK_FORMATS[unit])
            if unit != "month" and start.year != previous_year:
                text += f"\n{start.year}"
            previous_year = start.year
            labels.append(text)
        ax.set_xticks(middles[chosen], labels)
        return
    locator = mdates.AutoDateLocator()
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
