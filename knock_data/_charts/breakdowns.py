"""Bar charts of the breakdowns: leads per status, per source, and by SMS consent."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from knock_data._analysis import (
    PERIODS,
    consent_breakdown,
    normalize_status,
    source_breakdown,
    status_breakdown,
)
from knock_data._charts._args import checks_frame_and_ax
from knock_data._charts._bars import barh, new_axes, no_data
from knock_data._charts._text import chart_title, plural, row_noun, short_label
from knock_data._charts._top import other_label, top_groups
from knock_data._charts.colors import CONSENT_COLORS, OTHER_COLOR, source_color, status_color
from knock_data._charts.labels import by_phrase, label_of, value_label, value_names
from knock_data._schema import SMS_CONSENT, SOURCE_TITLE, STATUS, is_missing, missing_label

__all__ = ["NO_SOURCE", "plot_consent", "plot_sources", "plot_status"]

#: The bar of leads without a source (the missing label of ``source_title``).
NO_SOURCE = missing_label(SOURCE_TITLE)


@checks_frame_and_ax
def plot_status(
    df: pd.DataFrame,
    *,
    ax: Axes | None = None,
    stages: Mapping[str, Any] | None = None,
    title: str | None = None,
) -> Axes:
    """Leads per status, in Knock's order, each bar labelled with count and share.

    Spellings of one status (``no_show`` and ``No Show``) share a bar, named with Knock's
    label; unknown statuses follow under their own names, missing ones as ``(no status)``.

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
    >>> import knock_data as kd
    >>> df = pd.DataFrame({"status": ["new", "visited", "new"]})
    >>> [t.get_text() for t in kd.plot_status(df).get_yticklabels()]
    ['New', 'Visited']
    """
    noun = row_noun(df)
    table = status_breakdown(df, stages=stages)
    table = table[table["count"] > 0]
    total = int(table["count"].sum())
    title = title or chart_title(f"{noun.capitalize()} by status", noun, total)
    if not total:
        return no_data(new_axes(ax), title, noun)
    keys = [normalize_status(v) for v in table[STATUS]]
    labels = [value_label(STATUS, v) for v in table[STATUS]]
    merged = (
        pd.DataFrame({"label": labels, "key": keys, "count": table["count"].to_numpy()})
        .groupby("label", sort=False, dropna=False)
        .agg(key=("key", "first"), count=("count", "sum"))
    )
    counts = merged["count"].astype(int).tolist()
    ax = new_axes(ax, len(merged))
    return barh(
        ax,
        list(merged.index),
        counts,
        [c / total for c in counts],
        [status_color(k) for k in merged["key"]],
        title=title,
        xlabel=noun.capitalize(),
        ylabel=label_of(STATUS),
    )


@checks_frame_and_ax
def plot_sources(
    df: pd.DataFrame, *, ax: Axes | None = None, top: int = 12, title: str | None = None
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
    >>> import knock_data as kd
    >>> df = pd.DataFrame({"source_title": ["Zillow", "Zillow", "Yelp", "Craigslist"]})
    >>> [t.get_text() for t in kd.plot_sources(df, top=1).get_yticklabels()]
    ['Zillow', 'Other (2 more)']
    """
    noun = row_noun(df)
    table = source_breakdown(df)
    total = int(table["count"].sum())
    n_sources = int(table[SOURCE_TITLE].notna().sum())
    title = title or chart_title(
        f"{noun.capitalize()} by source", noun, total, plural(n_sources, "source")
    )
    if not total:
        return no_data(new_axes(ax), title, noun)
    names = [None if is_missing(v) else str(v) for v in table[SOURCE_TITLE]]
    counts = table["count"].astype(int).tolist()
    shares = table["share"].astype(float).tolist()
    kept, rest = top_groups(counts, top, apart=[n is None for n in names])
    labels = [value_label(SOURCE_TITLE, names[i]) for i in kept]
    colors = [source_color(names[i]) for i in kept]
    bar_counts = [counts[i] for i in kept]
    bar_shares = [shares[i] for i in kept]
    if rest:
        labels.append(other_label(len(rest)))
        colors.append(OTHER_COLOR)
        bar_counts.append(sum(counts[i] for i in rest))
        bar_shares.append(sum(shares[i] for i in rest))
    return barh(
        new_axes(ax, len(labels)),
        labels,
        bar_counts,
        bar_shares,
        colors,
        title=title,
        xlabel=noun.capitalize(),
        ylabel=label_of(SOURCE_TITLE),
    )


@checks_frame_and_ax
def plot_consent(
    df: pd.DataFrame,
    *,
    ax: Axes | None = None,
    by: str | None = None,
    tz: str | None = None,
    top: int = 10,
    title: str | None = None,
) -> Axes:
    """Who consented to SMS: one bar per answer, or 100% bars per group with ``by``.

    Missing consent is ``unknown``, never a refusal. Grouped by ``community_id`` or
    ``agent_username`` on a frame with names (:func:`knock_data.with_names`), the bars are
    labelled with the names.

    Parameters
    ----------
    df
        A prospect frame (see :func:`knock_data.to_frame`).
    ax
        Where to draw; a new figure's Axes when omitted.
    by
        A column (``"source_title"``, ``"community_id"``, ``"first_contact_type"``...) or a
        created period: one stacked bar per group, the ``top`` largest groups then "Other".
    tz
        Time zone of ``by`` periods: one IANA zone, or ``"community"`` for each lead's
        community's (default UTC).
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
    >>> import knock_data as kd
    >>> df = pd.DataFrame({"sms_consent": pd.array([True, False, None], dtype="boolean")})
    >>> [round(b.get_width()) for b in kd.plot_consent(df).patches]
    [1, 1, 1]
    """
    noun = row_noun(df)
    if by is None:
        table = consent_breakdown(df)
        total = int(table["count"].sum())
        title = title or chart_title("SMS consent", noun, total)
        if not total:
            return no_data(new_axes(ax), title, noun)
        values = table[SMS_CONSENT].tolist()
        return barh(
            new_axes(ax, 3),
            [value_label(SMS_CONSENT, v) for v in values],
            table["count"].astype(int).tolist(),
            table["share"].astype(float).tolist(),
            [CONSENT_COLORS[v] for v in values],
            title=title,
            xlabel=noun.capitalize(),
            ylabel=label_of(SMS_CONSENT),
        )
    table = consent_breakdown(df, by=by, tz=tz)
    by_name = table.columns[0]
    names = value_names(df, by_name)
    groups = [value_label(by_name, v, names) for v in table[by_name]]
    missing_groups = {g for g, v in zip(groups, table[by_name], strict=True) if is_missing(v)}
    wide = (
        pd.DataFrame(
            {
                "group": groups,
                SMS_CONSENT: table[SMS_CONSENT].astype(str),
                "count": table["count"].to_numpy(),
            }
        )
        .groupby(["group", SMS_CONSENT], sort=False)["count"]
        .sum()  # two ids of one name share a bar
        .unstack()
        .reindex(index=list(dict.fromkeys(groups)), columns=list(CONSENT_COLORS))
        .fillna(0)
        .astype(int)
    )
    wide = wide[wide.sum(axis=1) > 0]
    total = int(wide.to_numpy().sum())
    title = title or chart_title(f"SMS consent {by_phrase(by_name)}", noun, total)
    if not total:
        return no_data(new_axes(ax), title, noun)
    # Periods stay in time order, all of them; other groups: the largest, then "Other".
    kept, rest = top_groups(
        wide.sum(axis=1).tolist(), top, apart=[g in missing_groups for g in wide.index]
    )
    if by_name not in PERIODS:
        gathered = wide.iloc[rest].sum().to_numpy()
        wide = wide.iloc[kept]
        if rest:
            wide.loc[other_label(len(rest))] = gathered
    sizes = wide.sum(axis=1).to_numpy()
    ax = new_axes(ax, len(wide))
    y = np.arange(len(wide))
    left = np.zeros(len(wide))
    for value in CONSENT_COLORS:
        counts = wide[value].to_numpy()
        share = counts / np.maximum(sizes, 1)
        bars = ax.barh(
            y, share, left=left, color=CONSENT_COLORS[value], label=value_label(SMS_CONSENT, value)
        )
        ax.bar_label(
            bars,
            labels=[f"{s:.0%}" if s >= 0.06 else "" for s in share],
            label_type="center",
            fontsize="small",
        )
        left += share
    for i, size in enumerate(sizes):
        ax.text(1.01, i, f"n={int(size):,}", va="center", fontsize="small")
    ax.set_yticks(y, [short_label(v) for v in wide.index])
    ax.invert_yaxis()
    ax.set_xlim(0, 1.12)
    ax.xaxis.set_major_formatter(lambda x, _: f"{x:.0%}" if x <= 1 else "")
    ax.set_title(title)
    ax.set_xlabel(f"Share of {noun}")
    ax.set_ylabel(label_of(by_name))
    ax.legend(
        loc="upper center",
        bbox_to_anchor=(0.5, -0.2),
        ncols=3,
        frameon=False,
        fontsize="small",
        columnspacing=1.2,
    )
    ax.spines[["top", "right"]].set_visible(False)
    return ax
