"""New leads per period: bars, or one line per value of a column."""

from __future__ import annotations

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from knock_data._analysis import leads_over_time, period_name, status_label
from knock_data._charts._args import checks_frame_and_ax
from knock_data._charts._bars import new_axes, no_data
from knock_data._charts._text import count_rows, row_noun, short_label
from knock_data._charts._top import other_label, top_groups
from knock_data._charts.colors import OTHER_COLOR, value_color
from knock_data._schema import STATUS

__all__ = ["plot_leads_over_time"]

_LINE_STYLES = ("-", "--", ":", "-.")


@checks_frame_and_ax
def plot_leads_over_time(
    df: pd.DataFrame,
    *,
    ax: Axes | None = None,
    freq: str = "W",
    by: str | None = None,
    tz: str | None = None,
    top: int = 6,
    title: str | None = None,
) -> Axes:
    """New leads per period: bars, or one line per value of ``by`` (top N, then "Other").

    The legend (or the title, without ``by``) gives each series' total and share of leads.

    Parameters
    ----------
    df
        A prospect frame (see :func:`knock_data.to_frame`).
    ax
        Where to draw; a new figure's Axes when omitted.
    freq, by, tz
        As in :func:`knock_data.leads_over_time` (periods in UTC unless ``tz`` is given).
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
    series = leads_over_time(df, freq=freq, by=by, tz=tz)
    total = int(series.to_numpy().sum())
    zone = series.attrs.get("tz", "UTC")
    unit = period_name(freq)  # leads_over_time has checked it
    title = title or f"New {noun} per {unit} ({count_rows(noun, total)}, {zone})"
    if not total:
        return no_data(new_axes(ax, 6, 10.0), title)
    ax = new_axes(ax, 6, 10.0)
    starts = pd.PeriodIndex(series.index).to_timestamp(how="start")
    x = mdates.date2num(starts.to_pydatetime())
    if by is None:
        widths = np.diff(x, append=x[-1] + (x[-1] - x[-2] if len(x) > 1 else 1.0)) * 0.85
        ax.bar(x, series["leads"].to_numpy(), width=widths, align="edge", color="#4292c6")
        ax.set_ylabel(noun.capitalize())
    else:
        kept, rest = top_groups(series.sum(axis=0).astype(int).tolist(), top)
        lines: list[tuple[str, np.ndarray, str]] = []  # (name, counts, colour)
        for column in series.columns[kept]:
            name = (status_label(column) if by == STATUS else None) or str(column)
            lines.append((name, series[column].to_numpy(), value_color(by, column)))
        if rest:
            gathered = series.iloc[:, rest].sum(axis=1).to_numpy()
            lines.append((other_label(len(rest)), gathered, OTHER_COLOR))
        # Colours are fixed per value, so two hashed values may share one: the later line
        # then gets another dash pattern, which the legend shows too.
        drawn: dict[str, int] = {}
        for name, counts, color in lines:
            count = int(counts.sum())
            same = drawn.get(color, 0)
            drawn[color] = same + 1
            ax.plot(
                x,
                counts,
                color=color,
                linestyle=_LINE_STYLES[same % len(_LINE_STYLES)],
                marker="o" if len(x) < 30 else None,
                markersize=3,
                label=f"{short_label(name, 24, 1)}: {count:,} ({count / total:.1%})",
            )
        ax.legend(title=str(by), fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1))
        ax.set_ylabel(noun.capitalize())
    locator = mdates.AutoDateLocator()
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax.set_ylim(bottom=0)
    ax.set_title(title)
    ax.set_xlabel(f"{unit.capitalize()} starting ({zone})")
    ax.spines[["top", "right"]].set_visible(False)
    return ax
