"""The dashboard's filters: what each one narrows, the choices it offers, and their state.

:data:`MULTI_FILTERS` describes the four multi-selects; :class:`FilterState` is what all
the filters keep at one moment, a frozen value that the dashboard replaces on every change
and hands to :func:`knock_data.filter_prospects`. The functions here are pure: they read a
frame or a state and build choices, never widgets.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd

from knock_data._analysis import knock_order, status_label
from knock_data._charts import NO_SOURCE
from knock_data._exceptions import ConfigurationError
from knock_data._schema import AGENT_USERNAME, COMMUNITY_ID, SOURCE_TITLE, STATUS, is_missing

__all__ = [
    "MULTI_FILTERS",
    "FilterState",
    "MultiFilter",
    "check_labels",
    "created_days",
    "filter_options",
]


@dataclass(frozen=True)
class MultiFilter:
    """A multi-select filter: the column it narrows and how it shows.

    Attributes
    ----------
    name
        Its key in ``Dashboard.controls`` and in the ``labels=`` argument.
    column
        The frame's column it filters.
    keyword
        The :func:`knock_data.filter_prospects` keyword it fills (and the
        :class:`FilterState` field that holds its choice).
    title
        Its caption.
    missing_label
        The choice that stands for a missing value.
    """

    name: str
    column: str
    keyword: str
    title: str
    missing_label: str


#: The multi-select filters, in the order they are shown.
MULTI_FILTERS: tuple[MultiFilter, ...] = (
    MultiFilter("community", COMMUNITY_ID, "communities", "Community", "(no community)"),
    MultiFilter("source", SOURCE_TITLE, "sources", "Source", NO_SOURCE),
    MultiFilter("status", STATUS, "statuses", "Status", "(no status)"),
    MultiFilter("agent", AGENT_USERNAME, "agents", "Agent", "(unassigned)"),
)


@dataclass(frozen=True)
class FilterState:
    """What the dashboard's filters keep at one moment.

    A multi-select's field is ``None`` while everything is selected (keep all, missing values
    included) and otherwise the values chosen (``None`` among them stands for missing).

    Examples
    --------
    >>> state = FilterState(sources=("Zillow", None), include_not_prospect=True)
    >>> state.as_kwargs()["sources"], state.as_kwargs()["communities"]
    (['Zillow', None], None)
    >>> state.narrowed
    ('source',)
    """

    communities: tuple[Any, ...] | None = None
    sources: tuple[Any, ...] | None = None
    statuses: tuple[Any, ...] | None = None
    agents: tuple[Any, ...] | None = None
    created: tuple[date, date] | None = None
    include_deleted: bool = False
    include_not_prospect: bool = False

    def chosen(self, spec: MultiFilter) -> tuple[Any, ...] | None:
        """The values a multi-select keeps (``None``: all of them)."""
        value: tuple[Any, ...] | None = getattr(self, spec.keyword)
        return value

    @property
    def narrowed(self) -> tuple[str, ...]:
        """The names of the multi-selects that do not keep everything."""
        return tuple(spec.name for spec in MULTI_FILTERS if self.chosen(spec) is not None)

    def as_kwargs(self) -> dict[str, Any]:
        """The state as :func:`knock_data.filter_prospects` keyword arguments."""
        kwargs: dict[str, Any] = {}
        for spec in MULTI_FILTERS:
            chosen = self.chosen(spec)
            kwargs[spec.keyword] = None if chosen is None else list(chosen)
        kwargs["created"] = self.created
        kwargs["include_deleted"] = self.include_deleted
        kwargs["include_not_prospect"] = self.include_not_prospect
        return kwargs


def filter_options(
    series: pd.Series,
    missing_label: str,
    *,
    names: Mapping[Any, str] | None = None,
    status: bool = False,
) -> list[tuple[str, Any]]:
    """(label with count, value) for each value present, most frequent first.

    A value's label is its name in ``names`` when it has one. Statuses follow Knock's order
    under Knock's labels (``Applied (Leased)`` for ``applied_leased``), unknown ones after
    them, the missing one last; the values stay as the data spells them.

    Examples
    --------
    >>> import pandas as pd
    >>> filter_options(pd.Series(["b", "a", "b", None]), "(none)", names={"a": "Apple"})
    [('b (2)', 'b'), ('Apple (1)', 'a'), ('(none) (1)', None)]
    >>> [label for label, _ in filter_options(pd.Series(["lost", "new"]), "-", status=True)]
    ['New (1)', 'Lost (1)']
    """
    counts = series.value_counts(dropna=False, sort=True)
    options: list[tuple[str, Any]] = []
    ranks: list[int] = []
    for value, count in counts.items():
        if count == 0:  # categories that no row holds
            continue
        if is_missing(value):
            options.append((f"{missing_label} ({count:,})", None))
            ranks.append(knock_order(None))
            continue
        label = (status_label(value) if status else None) or str(value)
        if names and value in names:
            label = str(names[value])
        options.append((f"{label} ({count:,})", value))
        ranks.append(knock_order(value) if status else 0)
    if status:  # a stable sort keeps the most frequent first among unknown statuses
        order = sorted(range(len(options)), key=ranks.__getitem__)
        options = [options[i] for i in order]
    return options


def created_days(created: pd.Series) -> list[date]:
    """Every UTC calendar day from the first lead to the last."""
    stamps = created.dropna()
    if stamps.empty:
        return []
    if stamps.dt.tz is not None:
        stamps = stamps.dt.tz_convert("UTC")
    first, last = stamps.min().date(), stamps.max().date()
    return [d.date() for d in pd.date_range(first, last, freq="D")]


def check_labels(labels: object) -> dict[str, Mapping[Any, str]]:
    """The ``labels=`` argument, checked: filter name -> {value: name}."""
    if labels is None:
        return {}
    choices = ", ".join(repr(spec.name) for spec in MULTI_FILTERS)
    if not isinstance(labels, Mapping):
        raise ConfigurationError(
            f"labels must be a mapping of filter name to names, got {type(labels).__name__}.",
            hint='For example labels={"community": {"191b65d2686d11e9": "Maple Court"}}.',
        )
    for name, names in labels.items():
        if name not in {spec.name for spec in MULTI_FILTERS}:
            raise ConfigurationError(
                f"labels has no filter {name!r}; the filters that take names are {choices}."
            )
        if not isinstance(names, Mapping):
            raise ConfigurationError(
                f"labels[{name!r}] must map values to names, got {type(names).__name__}.",
                hint='For example {"agent": {"2be16a9e-b3ab-...": "Dana Smith"}}.',
            )
    return dict(labels)
