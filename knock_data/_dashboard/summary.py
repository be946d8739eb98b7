"""The dashboard's words and numbers: the summary line, the created range, the empty message.

Pure functions of the rows and the :class:`~.filters.FilterState`: the dashboard puts what
they return on screen, and tests read them without widgets. Each text comes as the HTML
shown and as plain text (``plain``) for the dashboard's read surface.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

import pandas as pd

from knock_data._analysis import consent_breakdown
from knock_data._dashboard.filters import MULTI_FILTERS, FilterState
from knock_data._schema import IS_DELETED, NOT_PROSPECT, SMS_CONSENT

__all__ = [
    "Summary",
    "created_html",
    "empty_html",
    "empty_reason",
    "plain",
    "shown_what",
    "summarise",
    "summary_html",
]

_GREY = "color:#666"
_TAG = re.compile(r"<[^>]+>")


@dataclass(frozen=True)
class Summary:
    """The summary line as numbers (see ``Dashboard.summary``)."""

    leads: int = 0
    prospects: int = 0
    shown: int = 0
    sms_consent_rate: float | None = None

    def as_dict(self) -> dict[str, Any]:
        """The numbers by name, as ``Dashboard.summary`` gives them."""
        return asdict(self)


def summarise(base: pd.DataFrame, shown: pd.DataFrame) -> Summary:
    """Leads and prospects among ``base`` (deleted and not-a-prospect rows in), and ``shown``.

    Examples
    --------
    >>> import pandas as pd
    >>> base = pd.DataFrame({
    ...     "is_deleted": [False, False, True], "not_prospect": [False, True, False],
    ...     "sms_consent": pd.array([True, None, False], dtype="boolean"),
    ... })
    >>> summarise(base, base.iloc[:1])
    Summary(leads=2, prospects=1, shown=1, sms_consent_rate=1.0)
    """
    deleted = base[IS_DELETED].fillna(False).to_numpy(dtype=bool)
    not_prospect = base[NOT_PROSPECT].fillna(False).to_numpy(dtype=bool)
    return Summary(
        leads=int((~deleted).sum()),
        prospects=int((~deleted & ~not_prospect).sum()),
        shown=len(shown),
        sms_consent_rate=consent_rate(shown),
    )


def consent_rate(df: pd.DataFrame) -> float | None:
    """The share of rows that consented to SMS (``None`` for no rows)."""
    if df.empty:
        return None
    table = consent_breakdown(df)
    consented = table.loc[table[SMS_CONSENT] == "consented", "count"].sum()
    return float(consented) / len(df)


def shown_what(state: FilterState, n: int | None = None) -> str:
    """What the shown rows are, by the two toggles (counted when ``n`` is given).

    Examples
    --------
    >>> shown_what(FilterState(include_not_prospect=True))
    'leads (not-a-prospect included, deleted excluded)'
    >>> shown_what(FilterState(), 1)
    '1 prospect: deleted and not-a-prospect excluded'
    """
    if state.include_deleted and state.include_not_prospect:
        noun, detail = "records", "deleted and not-a-prospect included"
    elif state.include_not_prospect:
        noun, detail = "leads", "not-a-prospect included, deleted excluded"
    elif state.include_deleted:
        noun, detail = "records", "prospects and deleted records"
    else:
        noun, detail = "prospects", "deleted and not-a-prospect excluded"
    if n is None:
        return f"{noun} ({detail})"
    return f"{_count(n, noun)}: {detail}"


def _count(n: int, noun: str) -> str:
    """``n`` and ``noun`` (a plural), singular for one: "1 lead", "1,200 leads"."""
    return f"{n:,} {noun if n != 1 else noun.removesuffix('s')}"


def summary_html(summary: Summary, state: FilterState) -> str:
    """The summary line: leads, prospects, SMS consent and what the charts show.

    Examples
    --------
    >>> text = plain(summary_html(Summary(1200, 1000, 1000, 0.5), FilterState()))
    >>> text.split(" (charts")[0]
    '1,200 leads · 1,000 prospects · SMS consent 50.0%'
    >>> plain(summary_html(Summary(1, 1, 1, 1.0), FilterState())).split(" · SMS")[0]
    '1 lead · 1 prospect'
    """
    rate = summary.sms_consent_rate
    rate_text = "n/a" if rate is None else f"{rate:.1%}"
    leads, prospects = _count(summary.leads, "leads"), _count(summary.prospects, "prospects")
    lead_n, lead_word = leads.split(" ", 1)
    prospect_n, prospect_word = prospects.split(" ", 1)
    return (
        f"<b>{lead_n}</b> {lead_word} &middot; <b>{prospect_n}</b> {prospect_word} "
        f"&middot; SMS consent <b>{rate_text}</b> "
        f"<span style='{_GREY}'>(charts show {shown_what(state, summary.shown)})</span>"
    )


def created_html(first: date | None, last: date | None, zone: str = "UTC") -> str:
    """How long the created range is, beside the typed dates, and in which time zone.

    Examples
    --------
    >>> plain(created_html(date(2021, 1, 10), date(2021, 1, 10)))
    '1 day (UTC)'
    """
    if first is None or last is None:
        return f"<span style='{_GREY}'>no creation dates</span>"
    days = (last - first).days + 1
    span = "1 day" if days == 1 else f"{days:,} days"
    where = "each community's local time" if zone == "community" else zone
    return f"<span style='{_GREY}'>{span} ({html.escape(where)})</span>"


def empty_reason(state: FilterState, n_options: Mapping[str, int], n_rows: int) -> str:
    """Why no row is shown, and what to widen: ``n_options`` is each multi-select's count.

    Examples
    --------
    >>> empty_reason(FilterState(statuses=()), {"status": 12}, n_rows=800)
    'Nothing is selected under status: select at least one value.'
    """
    empty = [spec.title.lower() for spec in MULTI_FILTERS if state.chosen(spec) == ()]
    if n_rows == 0:
        return "The frame has no rows: fetch some prospects first."
    if empty:
        return f"Nothing is selected under {', '.join(empty)}: select at least one value."
    narrowed = []
    for spec in MULTI_FILTERS:
        chosen = state.chosen(spec)
        if chosen is not None:
            narrowed.append(f"{spec.title.lower()} ({len(chosen)} of {n_options[spec.name]})")
    if state.created is not None:
        start, end = state.created
        narrowed.append(f"created {start:%Y-%m-%d} to {end:%Y-%m-%d}")
    if not state.include_deleted or not state.include_not_prospect:
        narrowed.append(shown_what(state))
    return (
        "No lead matches all of these filters together: "
        + "; ".join(narrowed)
        + ". Select more values, widen the created range or press Reset filters."
    )


def empty_html(reason: str) -> str:
    """The box shown instead of the charts when no row is left."""
    return (
        "<div style='padding:12px;border:1px solid #ccc;border-radius:4px;"
        f"background:#fafafa'><b>No rows to show.</b> {html.escape(reason)}</div>"
    )


def plain(markup: str) -> str:
    """The text a reader sees in one of these HTML snippets.

    Examples
    --------
    >>> plain(empty_html("The frame has no rows."))
    'No rows to show. The frame has no rows.'
    """
    return html.unescape(_TAG.sub("", markup))
