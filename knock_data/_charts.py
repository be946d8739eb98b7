"""Charts of the lead funnel, drawn with matplotlib's object-oriented API.

Every ``plot_*`` function takes a prospect frame and an optional ``ax``. Without one it opens
a new pyplot figure and returns its Axes, as ``DataFrame.plot`` does, so a notebook shows the
chart at the end of the cell; in a script, save it with ``ax.figure.savefig(...)`` and close
it with ``plt.close(ax.figure)``. No function calls ``plt.show()``, and none leaves open a
figure it does not return.

Colours are fixed per value, so a status, stage or source keeps its colour in every chart
and under any filter: Knock's statuses and the funnel stages have set colours, well-known
lead sources too, and any other source gets one chosen from a hash of its name.
"""

from __future__ import annotations

import hashlib
import re
import textwrap
from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from knock_data._analysis import (
    KNOCK_STATUS_LABELS,
    LOST,
    OTHER,
    consent_breakdown,
    funnel,
    leads_over_time,
    normalize_status,
    source_breakdown,
    status_breakdown,
)
from knock_data._exceptions import ConfigurationError

__all__ = [
    "CONSENT_COLORS",
    "OTHER_COLOR",
    "STAGE_COLORS",
    "STATUS_COLORS",
    "plot_consent",
    "plot_funnel",
    "plot_leads_over_time",
    "plot_sources",
    "plot_status",
    "source_color",
    "stage_color",
    "status_color",
]

#: Funnel stages: blues while the lead is being worked, greens once it applies, red lost.
STAGE_COLORS: dict[str, str] = {
    "lead": "#9ecae1",
    "engaged": "#4292c6",
    "toured": "#08519c",
    "applied": "#74c476",
    "leased": "#006d2c",
    LOST: "#d62728",
    OTHER: "#969696",
}

#: Knock's statuses (by their canonical key, see ``normalize_status``).
STATUS_COLORS: dict[str, str] = {
    "new": "#aec7e8",
    "open": "#1f77b4",
    "waiting": "#9467bd",
    "booked": "#17becf",
    "visited": "#2ca02c",
    "canceled_manager": "#ff9896",
    "canceled_renter": "#e377c2",
    "no_show": "#ff7f0e",
    "applied_in_review": "#bcbd22",
    "applied_leased": "#006d2c",
    "applied_lost": "#8c564b",
    "lost": "#d62728",
}

#: SMS consent values of ``consent_breakdown``.
CONSENT_COLORS: dict[str, str] = {
    "consented": "#2ca02c",
    "not consented": "#ff7f0e",
    "unknown": "#bdbdbd",
}

#: The colour of "Other" (the sources or groups beyond the top N) and of missing values.
OTHER_COLOR = "#bdbdbd"
MISSING_COLOR = "#e0e0e0"

# Well-known lead sources keep these colours. Names match however they are spelt: case,
# spaces and punctuation do not count ("Walk In" is "walk-in"). Every colour here differs
# from every other and from the greys of "Other" and missing values, so sources that appear
# together never share a colour; they come from matplotlib's tab10, tab20 and Dark2.
_KNOWN_SOURCES: dict[str, str] = {
    "property website": "#1f77b4",
    "zillow": "#ff7f0e",
    "apartments.com": "#2ca02c",
    "google ads": "#d62728",
    "facebook": "#9467bd",
    "rent.com": "#8c564b",
    "apartmentguide.com": "#e377c2",
    "apartment list": "#17becf",
    "resident referral": "#bcbd22",
    "walk-in": "#aec7e8",
    "craigslist": "#ffbb78",
    "zumper": "#98df8a",
    "yelp": "#ff9896",
    "instagram": "#c5b0d5",
    "drive-by signage": "#c49c94",
    "google": "#f7b6d2",
    "referral": "#dbdb8d",
    "apartment finder": "#9edae5",
    "forrent.com": "#1b9e77",
    "hotpads": "#d95f02",
    "trulia": "#7570b3",
    "realtor.com": "#e7298a",
    "rentcafe": "#66a61e",
    "padmapper": "#e6ab02",
    "redfin": "#a6761d",
}
# Any other source (and an unknown status, a stage of your own, a community or an agent)
# hashes into this palette: matplotlib's tab20b and tab20c without their greys, none of
# them a well-known source's colour. A name always gets the same colour, whatever else is
# in the chart; two names outside the list above may still share one.
_HASH_PALETTE = (
    "#393b79", "#5254a3", "#6b6ecf", "#9c9ede", "#637939", "#8ca252", "#b5cf6b",
    "#cedb9c", "#8c6d31", "#bd9e39", "#e7ba52", "#e7cb94", "#843c39", "#ad494a",
    "#d6616b", "#e7969c", "#7b4173", "#a55194", "#ce6dbd", "#de9ed6", "#3182bd",
    "#6baed6", "#9ecae1", "#c6dbef", "#e6550d", "#fd8d3c", "#fdae6b", "#fdd0a2",
    "#31a354", "#74c476", "#a1d99b", "#c7e9c0", "#756bb1", "#9e9ac8", "#bcbddc",
    "#dadaeb",
)  # fmt: skip
_NAME_NOISE = re.compile(r"[\W_]+")
_LINE_STYLES = ("-", "--", ":", "-.")

_LABEL_WIDTH = 28  # characters per line of a category label
_NO_DATA = "No leads to show"


def _missing(value: object) -> bool:
    """True for None, NaN, NaT and <NA> (scalars only)."""
    return value is None or bool(pd.api.types.is_scalar(value) and pd.isna(value))  # type: ignore[call-overload]


def _name_key(name: str) -> str:
    """``name`` with case, spaces and punctuation dropped: how names match colours."""
    return _NAME_NOISE.sub("", name.casefold())


_KNOWN_SOURCE_KEYS = {_name_key(name): color for name, color in _KNOWN_SOURCES.items()}


def _hashed(name: str) -> str:
    digest = hashlib.blake2s(_name_key(name).encode("utf-8"), digest_size=8).digest()
    return _HASH_PALETTE[int.from_bytes(digest, "big") % len(_HASH_PALETTE)]


def status_color(status: object) -> str:
    """The colour of a status in every chart (spelling does not matter).

    Examples
    --------
    >>> status_color("Applied (Leased)") == status_color("applied_leased")
    True
    """
    key = normalize_status(status)
    if key is None:
        return MISSING_COLOR
    return STATUS_COLORS.get(key) or _hashed(key)


def stage_color(stage: object) -> str:
    """The colour of a funnel stage (a hashed one for a stage of your own mapping).

    Examples
    --------
    >>> stage_color("leased")
    '#006d2c'
    """
    if _missing(stage):
        return MISSING_COLOR
    return STAGE_COLORS.get(str(stage)) or _hashed(str(stage))


def source_color(source: object) -> str:
    """The colour of a lead source in every chart: fixed for well-known ones, else hashed.

    The colour depends on the name alone (not on which other sources a chart shows), and
    case, spaces and punctuation do not count.

    Examples
    --------
    >>> source_color("Zillow") == source_color("zillow "), source_color(None)
    (True, '#e0e0e0')
    >>> source_color("Walk In") == source_color("walk-in")
    True
    """
    if _missing(source):
        return MISSING_COLOR
    return _KNOWN_SOURCE_KEYS.get(_name_key(str(source))) or _hashed(str(source))


def _value_color(column: str | None, value: object) -> str:
    if isinstance(value, str) and value in ("Other", "(missing)"):
        return OTHER_COLOR if value == "Other" else MISSING_COLOR
    if column == "status":
        return status_color(value)
    if column == "source_title":
        return source_color(value)
    if column == "sms_consent" and str(value) in CONSENT_COLORS:
        return CONSENT_COLORS[str(value)]
    if _missing(value):
        return MISSING_COLOR
    return _hashed(str(value))


# --------------------------------------------------------------------------------------
# Helpers


def _short(text: object, width: int = _LABEL_WIDTH, lines: int = 2) -> str:
    """A category label wrapped to ``lines`` lines of ``width``, cut with an ellipsis.

    Line breaks already in ``text`` are kept (each part wrapped on its own); ``$`` is
    escaped so that matplotlib does not read it as mathtext.
    """
    parts = []
    for part in str(text).split("\n"):
        wrapped = textwrap.wrap(part, width=width) or [""]
        if len(wrapped) > lines:
            wrapped = wrapped[:lines]
            wrapped[-1] = wrapped[-1][: width - 1].rstrip() + "…"
        parts.extend(wrapped)
    return "\n".join(parts).replace("$", r"\$")


def _noun(df: pd.DataFrame) -> str:
    """What the rows are, by Knock's definitions, for titles.

    Prospects exclude deleted and not-a-prospect records; leads include not-a-prospect
    records but not deleted ones; with deleted records in, the rows are just records.
    """

    def any_true(column: str) -> bool:
        return column in df.columns and bool(df[column].fillna(False).astype(bool).any())

    if any_true("is_deleted"):
        return "records"
    if any_true("not_prospect") or "not_prospect" not in df.columns:
        return "leads"
    return "prospects"


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def _rows(noun: str, n: int) -> str:
    """``n`` rows counted with their plural ``noun``: "1 prospect", "1,826 prospects"."""
    return _plural(n, noun.removesuffix("s"))


def _count_label(count: int, share: float) -> str:
    return f"{count:,} ({share:.1%})" if np.isfinite(share) else f"{count:,}"


def _axes(ax: Axes | None, n_bars: int = 5, width: float = 8.0) -> Axes:
    """The caller's Axes, or a new one on a new pyplot figure (shown by notebooks)."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt  # only when a figure is made: pyplot picks a backend

    height = min(max(2.0 + 0.42 * n_bars, 3.0), 14.0)
    _, new_ax = plt.subplots(figsize=(width, height), layout="constrained")
    return new_ax


def _no_data(ax: Axes, title: str) -> Axes:
    ax.set_title(title)
    ax.text(0.5, 0.5, _NO_DATA, transform=ax.transAxes, ha="center", va="center", color="#636363")
    ax.set_xticks([])
    ax.set_yticks([])
    return ax


def _barh(
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
        bars, labels=[_count_label(c, s) for c, s in zip(counts, shares, strict=True)], padding=3
    )
    ax.set_yticks(y, [_short(label) for label in labels])
    ax.invert_yaxis()
    top = max(counts) if len(counts) else 0
    ax.set_xlim(0, max(top, 1) * 1.3)  # room for the labels
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.spines[["top", "right"]].set_visible(False)
    return ax


def _top(table: pd.DataFrame, column: str, top: int) -> pd.DataFrame:
    """The ``top`` largest rows (missing ones kept apart) plus one "Other" row."""
    if top < 1:
        raise ConfigurationError(f"top must be at least 1, got {top!r}.")
    present = table[table["count"] > 0].assign(is_other=False)
    if len(present) <= top + 1:  # an "Other" row of a single value helps no one
        return present.reset_index(drop=True)
    named = present[present[column].notna()]
    kept = named.nlargest(top, "count", keep="first")
    rest = present.drop(index=kept.index)
    n_rest = int(rest[column].notna().sum())
    missing = rest[rest[column].isna()]
    other = pd.DataFrame(
        {
            column: [f"Other ({n_rest} more)"],
            "count": [int(rest[rest[column].notna()]["count"].sum())],
            "share": [float(rest[rest[column].notna()]["share"].sum())],
            "is_other": [True],
        }
    )
    columns = [column, "count", "share", "is_other"]
    pieces = [kept[columns], missing[columns]]
    if n_rest:
        pieces.append(other)
    return pd.concat(pieces, ignore_index=True)


# --------------------------------------------------------------------------------------
# Charts


def plot_status(
    df: pd.DataFrame,
    ax: Axes | None = None,
    *,
    stages: Mapping[str, Any] | None = None,
    title: str | None = None,
) -> Axes:
    """Leads per status, in Knock's order, each bar labelled with count and share.

    Spellings of one status (``no_show`` and ``No Show``) share a bar, named with Knock's
    label; unknown statuses follow under their own names, missing ones as ``(missing)``.

    Parameters
    ----------
    df
        A prospect frame (see :func:`knock_data.to_frame`).
    ax
        Where to draw; a new figure's Axes when omitted.
    stages
        Status -> stage mapping passed to :func:`knock_data.status_breakdown`.
    title
        Replaces the default title.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"status": ["new", "visited", "new"]})
    >>> [t.get_text() for t in plot_status(df).get_yticklabels()]
    ['New', 'Visited']
    """
    noun = _noun(df)
    table = status_breakdown(df, stages=stages)
    table = table[table["count"] > 0]
    total = int(table["count"].sum())
    title = title or f"{noun.capitalize()} by status ({total:,})"
    if not total:
        return _no_data(_axes(ax), title)
    keys = [normalize_status(v) for v in table["status"]]
    labels = [
        "(missing)" if k is None else KNOCK_STATUS_LABELS.get(k, str(raw))
        for k, raw in zip(keys, table["status"], strict=True)
    ]
    merged = (
        pd.DataFrame({"label": labels, "key": keys, "count": table["count"].to_numpy()})
        .groupby("label", sort=False, dropna=False)
        .agg(key=("key", "first"), count=("count", "sum"))
    )
    counts = merged["count"].astype(int).tolist()
    ax = _axes(ax, len(merged))
    return _barh(
        ax,
        list(merged.index),
        counts,
        [c / total for c in counts],
        [status_color(k) for k in merged["key"]],
        title=title,
        xlabel=noun.capitalize(),
        ylabel="Status",
    )


def plot_sources(
    df: pd.DataFrame, ax: Axes | None = None, *, top: int = 12, title: str | None = None
) -> Axes:
    """Leads per source: the ``top`` largest, then one "Other" bar for the rest.

    Long source names are wrapped and cut; each bar is labelled with count and share of all
    leads. A missing source is its own bar, ``(no source)``.

    Parameters
    ----------
    df
        A prospect frame (see :func:`knock_data.to_frame`).
    ax
        Where to draw; a new figure's Axes when omitted.
    top
        How many sources get a bar of their own.
    title
        Replaces the default title.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"source_title": ["Zillow", "Zillow", "Yelp", "Craigslist"]})
    >>> [t.get_text() for t in plot_sources(df, top=1).get_yticklabels()]
    ['Zillow', 'Other (2 more)']
    """
    noun = _noun(df)
    table = source_breakdown(df)
    total = int(table["count"].sum())
    n_sources = int(table["source_title"].notna().sum())
    title = title or (
        f"{noun.capitalize()} by source ({_rows(noun, total)}, {_plural(n_sources, 'source')})"
    )
    if not total:
        return _no_data(_axes(ax), title)
    shown = _top(table, "source_title", top)
    names = [None if pd.isna(v) else str(v) for v in shown["source_title"]]
    colors = [
        OTHER_COLOR if is_other else source_color(n)
        for n, is_other in zip(names, shown["is_other"], strict=True)
    ]
    ax = _axes(ax, len(shown))
    return _barh(
        ax,
        ["(no source)" if n is None else n for n in names],
        shown["count"].astype(int).tolist(),
        shown["share"].astype(float).tolist(),
        colors,
        title=title,
        xlabel=noun.capitalize(),
        ylabel="Source",
    )


def plot_consent(
    df: pd.DataFrame,
    ax: Axes | None = None,
    *,
    by: str | None = None,
    top: int = 10,
    title: str | None = None,
) -> Axes:
    """Who consented to SMS: one bar per answer, or 100% bars per group with ``by``.

    Missing consent is ``unknown``, never a refusal.

    Parameters
    ----------
    df
        A prospect frame (see :func:`knock_data.to_frame`).
    ax
        Where to draw; a new figure's Axes when omitted.
    by
        A column (``"source_title"``, ``"community_id"``, ``"first_contact_type"``...) or a
        created period: one stacked bar per group, the ``top`` largest groups then "Other".
    top
        How many groups get a bar of their own when ``by`` is given.
    title
        Replaces the default title.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"sms_consent": pd.array([True, False, None], dtype="boolean")})
    >>> [round(b.get_width()) for b in plot_consent(df).patches]
    [1, 1, 1]
    """
    noun = _noun(df)
    if by is None:
        table = consent_breakdown(df)
        total = int(table["count"].sum())
        title = title or f"SMS consent ({_rows(noun, total)})"
        if not total:
            return _no_data(_axes(ax), title)
        values = table["sms_consent"].tolist()
        return _barh(
            _axes(ax, 3),
            values,
            table["count"].astype(int).tolist(),
            table["share"].astype(float).tolist(),
            [CONSENT_COLORS[v] for v in values],
            title=title,
            xlabel=noun.capitalize(),
            ylabel="SMS consent",
        )
    table = consent_breakdown(df, by=by)
    by_name = next(c for c in table.columns if c not in ("sms_consent", "count", "share"))
    groups = ["(missing)" if pd.isna(v) else str(v) for v in table[by_name]]
    wide = (
        pd.DataFrame(
            {
                "group": groups,
                "sms_consent": table["sms_consent"].astype(str),
                "count": table["count"].to_numpy(),
            }
        )
        .pivot(index="group", columns="sms_consent", values="count")
        .reindex(index=list(dict.fromkeys(groups)), columns=list(CONSENT_COLORS))
        .fillna(0)
        .astype(int)
    )
    wide = wide[wide.sum(axis=1) > 0]
    total = int(wide.to_numpy().sum())
    title = title or f"SMS consent by {by_name} ({_rows(noun, total)})"
    if not total:
        return _no_data(_axes(ax), title)
    if top < 1:
        raise ConfigurationError(f"top must be at least 1, got {top!r}.")
    if by_name not in ("day", "week", "month", "quarter", "year"):
        wide = wide.loc[wide.sum(axis=1).sort_values(ascending=False, kind="stable").index]
        if len(wide) > top + 1:
            rest = wide.iloc[top:]
            wide = wide.iloc[:top]
            wide.loc[f"Other ({len(rest)} more)"] = rest.sum().to_numpy()
    sizes = wide.sum(axis=1).to_numpy()
    ax = _axes(ax, len(wide))
    y = np.arange(len(wide))
    left = np.zeros(len(wide))
    for value in CONSENT_COLORS:
        counts = wide[value].to_numpy()
        share = counts / np.maximum(sizes, 1)
        bars = ax.barh(y, share, left=left, color=CONSENT_COLORS[value], label=value)
        ax.bar_label(
            bars,
            labels=[f"{s:.0%}" if s >= 0.06 else "" for s in share],
            label_type="center",
            fontsize="small",
        )
        left += share
    for i, size in enumerate(sizes):
        ax.text(1.01, i, f"n={int(size):,}", va="center", fontsize="small")
    ax.set_yticks(y, [_short(v) for v in wide.index])
    ax.invert_yaxis()
    ax.set_xlim(0, 1.12)
    ax.xaxis.set_major_formatter(lambda x, _: f"{x:.0%}" if x <= 1 else "")
    ax.set_title(title)
    ax.set_xlabel(f"Share of {noun}")
    ax.set_ylabel(by_name)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncols=3, frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    return ax


def plot_funnel(
    df: pd.DataFrame,
    ax: Axes | None = None,
    *,
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
    >>> df = pd.DataFrame({"status": ["new", "open", "visited", "applied_leased"]})
    >>> [round(b.get_width()) for b in plot_funnel(df).patches]
    [4, 3, 2, 1, 1]
    """
    noun = _noun(df)
    table = funnel(df, stages=stages)
    leads = int(table["count"].iloc[0]) if len(table) else 0
    title = title or f"Lead funnel ({_rows(noun, leads)})"
    if not leads:
        return _no_data(_axes(ax), title)
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
        if off:
            detail = f"not a step: {statuses}" if stage == OTHER else "not a step"
            labels.append(f"{stage}\n({_short(detail, 30, 1)})")
        elif pd.notna(step):
            labels.append(f"{stage}\n{step:.0%} of previous")
        else:
            labels.append(str(stage))
    ax = _axes(ax, len(shown) + 2)
    return _barh(
        ax,
        labels,
        shown["count"].astype(int).tolist(),
        shown["share_of_leads"].astype(float).tolist(),
        [stage_color(s) for s in shown["stage"]],
        title=title,
        xlabel=f"{noun.capitalize()} reaching the stage",
        ylabel="",
    )


def plot_leads_over_time(
    df: pd.DataFrame,
    ax: Axes | None = None,
    *,
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
    >>> df = pd.DataFrame({"created_at": pd.to_datetime(["2026-03-02", "2026-03-03"], utc=True)})
    >>> [round(b.get_height()) for b in plot_leads_over_time(df, freq="W").patches]
    [2]
    """
    noun = _noun(df)
    series = leads_over_time(df, freq=freq, by=by, tz=tz)
    total = int(series.to_numpy().sum())
    zone = series.attrs.get("tz", "UTC")
    period_name = {"D": "day", "W": "week", "M": "month", "Q": "quarter", "Y": "year"}
    unit = period_name.get(str(freq).upper()[:1], str(freq))
    title = title or f"New {noun} per {unit} ({_rows(noun, total)}, {zone})"
    if not total:
        return _no_data(_axes(ax, 6, 10.0), title)
    ax = _axes(ax, 6, 10.0)
    starts = pd.PeriodIndex(series.index).to_timestamp(how="start")
    x = mdates.date2num(starts.to_pydatetime())
    if by is None:
        widths = np.diff(x, append=x[-1] + (x[-1] - x[-2] if len(x) > 1 else 1.0)) * 0.85
        ax.bar(x, series["leads"].to_numpy(), width=widths, align="edge", color="#4292c6")
        ax.set_ylabel(noun.capitalize())
    else:
        if top < 1:
            raise ConfigurationError(f"top must be at least 1, got {top!r}.")
        sums = series.sum(axis=0).sort_values(ascending=False, kind="stable")
        keep = [c for c in sums.index if sums[c] > 0][:top]
        rest = [c for c in series.columns if c not in keep and sums[c] > 0]
        lines = series[keep].copy()
        if len(rest) == 1:
            lines[rest[0]] = series[rest[0]]
        elif rest:
            lines[f"Other ({len(rest)} more)"] = series[rest].sum(axis=1)
        # Colours are fixed per value, so two hashed values may share one: the later line
        # then gets another dash pattern, which the legend shows too.
        drawn: dict[str, int] = {}
        for column in lines.columns:
            name = str(column)
            color = (
                OTHER_COLOR if name.startswith("Other (") and column not in series.columns
                else _value_color(by, column)
            )  # fmt: skip
            count = int(lines[column].sum())
            if by == "status" and normalize_status(column) in KNOCK_STATUS_LABELS:
                name = KNOCK_STATUS_LABELS[str(normalize_status(column))]
            same = drawn.get(color, 0)
            drawn[color] = same + 1
            ax.plot(
                x,
                lines[column].to_numpy(),
                color=color,
                linestyle=_LINE_STYLES[same % len(_LINE_STYLES)],
                marker="o" if len(x) < 30 else None,
                markersize=3,
                label=f"{_short(name, 24, 1)}: {count:,} ({count / total:.1%})",
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
