"""The dashboard's filters: what each one narrows, the choices it offers, and their state.

:data:`MULTI_FILTERS` describes the four lists of values; :class:`Facet` is one of them
over a frame (its choices, and each row's choice as an integer code), from which the rows
it keeps and its faceted counts are worked out with numpy; :class:`FilterState` is what
all the filters keep at one moment, a frozen value that the dashboard replaces on every
change and hands to :func:`knock_data.filter_prospects`. Everything here is pure: it reads
a frame or a state and builds choices, never widgets.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from knock_data._analysis import COMMUNITY_TIME, knock_order, normalize_status, status_label
from knock_data._charts.labels import value_names
from knock_data._exceptions import ConfigurationError
from knock_data._frame import with_names
from knock_data._schema import (
    AGENT_NAME,
    AGENT_USERNAME,
    COMMUNITY_ID,
    COMMUNITY_NAME,
    COMMUNITY_TIMEZONE,
    CREATED_AT,
    FIRST_CONTACT_TYPE,
    IS_DELETED,
    NOT_PROSPECT,
    SMS_CONSENT,
    SOURCE_TITLE,
    STATUS,
    is_missing,
    label_of,
    missing_label,
)

__all__ = [
    "CHART_COLUMNS",
    "GROUP_BY",
    "MULTI_FILTERS",
    "NO_GROUPING",
    "REQUIRED_COLUMNS",
    "US_TIME_ZONES",
    "Facet",
    "FilterState",
    "MultiFilter",
    "Narrowed",
    "check_labels",
    "facet_counts",
    "narrow",
    "time_zone_choices",
    "with_labels",
]

#: Time zones offered beside UTC even without a naming table (the US leasing markets').
US_TIME_ZONES: tuple[str, ...] = (
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Phoenix",
    "America/Los_Angeles",
)


@dataclass(frozen=True)
class MultiFilter:
    """A filter over the values of one column: the column it narrows and how it shows.

    Attributes
    ----------
    name
        Its key in ``Dashboard.controls`` and in the ``labels=`` argument.
    column
        The frame's column it filters.
    keyword
        The :func:`knock_data.filter_prospects` keyword it fills (and the
        :class:`FilterState` field that holds its choice).
    """

    name: str
    column: str
    keyword: str

    @property
    def title(self) -> str:
        """Its caption: the column's label ("Community", "Source")."""
        return label_of(self.column)

    @property
    def missing_label(self) -> str:
        """The choice that stands for a missing value ("(no source)")."""
        return missing_label(self.column)


#: The filters over values, in the order they are shown.
MULTI_FILTERS: tuple[MultiFilter, ...] = (
    MultiFilter("community", COMMUNITY_ID, "communities"),
    MultiFilter("source", SOURCE_TITLE, "sources"),
    MultiFilter("status", STATUS, "statuses"),
    MultiFilter("agent", AGENT_USERNAME, "agents"),
)


@dataclass(frozen=True)
class FilterState:
    """What the dashboard's filters keep at one moment.

    A list's field is ``None`` while everything is selected (keep all, missing values
    included) and otherwise the values chosen (``None`` among them stands for missing).
    ``created`` is a pair of days in ``tz``, the dashboard's time zone.

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
    tz: str = "UTC"

    def chosen(self, spec: MultiFilter) -> tuple[Any, ...] | None:
        """The values a list keeps (``None``: all of them)."""
        value: tuple[Any, ...] | None = getattr(self, spec.keyword)
        return value

    @property
    def narrowed(self) -> tuple[str, ...]:
        """The names of the lists that do not keep everything."""
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
        kwargs["tz"] = self.tz
        return kwargs


@dataclass(frozen=True)
class Facet:
    """One list filter over a frame: its choices and each row's choice as a code.

    Choices come most frequent first with the missing one last; statuses in Knock's order
    under Knock's labels, one choice per status however the data spells it (its value is
    the status's canonical key, which :func:`knock_data.filter_prospects` matches to every
    spelling).

    Attributes
    ----------
    spec
        The filter.
    values
        The choices' values (``None`` for the missing value).
    labels
        What each choice is called (a name, a status label, the missing label).
    codes
        Each row's choice, as a position in ``values``.
    """

    spec: MultiFilter
    values: tuple[Any, ...]
    labels: tuple[str, ...]
    codes: np.ndarray

    @classmethod
    def of(
        cls, df: pd.DataFrame, spec: MultiFilter, names: Mapping[Any, str] | None = None
    ) -> Facet:
        """The facet of ``spec`` over ``df``; ``names`` name its values (ids -> names)."""
        codes, uniques = pd.factorize(df[spec.column], use_na_sentinel=False)
        codes = np.asarray(codes, dtype=np.int64)
        totals = np.bincount(codes, minlength=len(uniques))
        status = spec.column == STATUS
        names = {**value_names(df, spec.column), **(names or {})}
        keys: list[Any] = []
        labels: dict[Any, str] = {}
        count: dict[Any, int] = {}
        for i, value in enumerate(uniques):
            missing = is_missing(value)
            key = None if missing else (normalize_status(value) if status else value)
            if key not in count:
                keys.append(key)
                count[key] = 0
                if missing:
                    labels[key] = spec.missing_label
                elif value in names:
                    labels[key] = str(names[value])
                elif status:
                    labels[key] = status_label(value) or str(value)
                else:
                    labels[key] = str(value)
            count[key] += int(totals[i])
        order = sorted(
            range(len(keys)),
            key=lambda j: (
                knock_order(keys[j]) if status else int(keys[j] is None),
                -count[keys[j]],
                labels[keys[j]].casefold(),
            ),
        )
        values = tuple(keys[j] for j in order)
        position = {key: i for i, key in enumerate(values)}
        lookup = np.array(
            [
                position[None if is_missing(v) else (normalize_status(v) if status else v)]
                for v in uniques
            ],
            dtype=np.int64,
        )
        row_codes = lookup[codes] if len(codes) else np.zeros(0, dtype=np.int64)
        return cls(spec, values, tuple(labels[v] for v in values), row_codes)

    def keeps(self, chosen: tuple[Any, ...] | None) -> np.ndarray | None:
        """The rows whose value is among ``chosen`` (``None``: every row, so no mask)."""
        if chosen is None:
            return None
        wanted = {None if is_missing(v) else v for v in chosen}
        hit = np.array([v in wanted for v in self.values], dtype=bool)
        return hit[self.codes] if len(self.codes) else np.zeros(0, dtype=bool)

    def counts(self, rows: np.ndarray) -> np.ndarray:
        """How many of ``rows`` (a boolean mask) hold each choice."""
        return np.bincount(self.codes[rows], minlength=len(self.values))


def facet_counts(
    facets: Mapping[str, Facet], keeps: Mapping[str, np.ndarray | None], others: np.ndarray
) -> dict[str, np.ndarray]:
    """Faceted counts: each list's counts among the rows every *other* filter keeps.

    ``keeps`` is each list's own mask (``None`` when it keeps all) and ``others`` the mask of
    the filters that are not lists (dates, toggles). With one community selected, the
    Source list counts that community's leads, and its own counts still show every
    community, so that a reader sees what selecting another would give.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"community_id": ["a", "a", "b"], "source_title": ["Z", "Y", "Z"]})
    >>> facets = {s.name: Facet.of(df, s) for s in MULTI_FILTERS[:2]}
    >>> keeps = {"community": facets["community"].keeps(("a",)), "source": None}
    >>> {k: v.tolist() for k, v in facet_counts(facets, keeps, np.ones(3, bool)).items()}
    {'community': [2, 1], 'source': [1, 1]}
    """
    counts = {}
    for name, facet in facets.items():
        rows = others.copy()
        for other, mask in keeps.items():
            if other != name and mask is not None:
                rows &= mask
        counts[name] = facet.counts(rows)
    return counts


@dataclass(frozen=True)
class Narrowed:
    """The rows one :class:`FilterState` keeps, as masks over the frame, and the counts.

    Attributes
    ----------
    within
        Rows the lists and the created days keep: leads and prospects are counted here.
    shown
        ``within`` and the two toggles: the rows the charts show.
    counts
        Each list's faceted counts (see :func:`facet_counts`), by its name.
    """

    within: np.ndarray
    shown: np.ndarray
    counts: dict[str, np.ndarray]


def narrow(
    facets: Mapping[str, Facet],
    state: FilterState,
    *,
    dated: np.ndarray,
    deleted: np.ndarray,
    not_prospect: np.ndarray,
) -> Narrowed:
    """What ``state`` keeps of the frame ``facets`` describe, ``dated`` being its created
    days' mask: the same rows :func:`knock_data.filter_prospects` returns, from codes.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"community_id": ["a", "a", "b"], "source_title": ["Z", "Y", "Z"],
    ...                    "status": ["new"] * 3, "agent_username": ["u"] * 3})
    >>> facets = {s.name: Facet.of(df, s) for s in MULTI_FILTERS}
    >>> flags = np.array([False, True, False])
    >>> rows = narrow(facets, FilterState(sources=("Z",)), dated=np.ones(3, bool),
    ...               deleted=flags, not_prospect=np.zeros(3, bool))
    >>> rows.within.tolist(), rows.shown.tolist(), rows.counts["source"].tolist()
    ([True, False, True], [True, False, True], [2, 0])
    """
    keeps = {spec.name: facets[spec.name].keeps(state.chosen(spec)) for spec in MULTI_FILTERS}
    toggles = np.ones(len(dated), dtype=bool)
    if not state.include_deleted:
        toggles &= ~deleted
    if not state.include_not_prospect:
        toggles &= ~not_prospect
    within = dated.copy()
    for mask in keeps.values():
        if mask is not None:
            within &= mask
    return Narrowed(within, within & toggles, facet_counts(facets, keeps, dated & toggles))


def with_labels(df: pd.DataFrame, labels: Mapping[str, Mapping[Any, str]]) -> pd.DataFrame:
    """``Dashboard(labels=...)`` for communities and agents, as :func:`knock_data.with_names`
    adds them (names the frame has already are kept where ``labels`` does not name that id).
    """
    tables: dict[str, dict[Any, str]] = {}
    for name, column, name_column, argument in (
        ("community", COMMUNITY_ID, COMMUNITY_NAME, "communities"),
        ("agent", AGENT_USERNAME, AGENT_NAME, "agents"),
    ):
        if name not in labels:
            continue
        known: dict[Any, str] = {}
        if name_column in df.columns:
            pairs = df[[column, name_column]].dropna().drop_duplicates(column)
            known = dict(
                zip(pairs[column].astype(str), pairs[name_column].astype(str), strict=True)
            )
        tables[argument] = {**known, **{str(k): str(v) for k, v in labels[name].items()}}
    return with_names(df, **tables) if tables else df


def time_zone_choices(df: pd.DataFrame) -> list[tuple[str, str]]:
    """(label, zone) for the time-zone choice: UTC, each community's own zone when the
    frame has them, the zones of its communities, then the US zones."""
    choices = [("UTC", "UTC")]
    zones: list[str] = []
    if COMMUNITY_TIMEZONE in df.columns:
        choices.append(("Each community's local time", COMMUNITY_TIME))
        zones = sorted({str(z) for z in df[COMMUNITY_TIMEZONE].dropna().unique()})
    for zone in (*zones, *US_TIME_ZONES):
        if zone not in {z for _, z in choices}:
            choices.append((zone.replace("_", " "), zone))
    return choices


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


#: Columns the dashboard filters or summarises on (all present in a ``to_frame`` result).
REQUIRED_COLUMNS: tuple[str, ...] = (
    *(spec.column for spec in MULTI_FILTERS),
    CREATED_AT,
    IS_DELETED,
    NOT_PROSPECT,
    SMS_CONSENT,
)

#: The group-by choices for the charts that take ``by``, in the order offered (those whose
#: column the frame has).
GROUP_BY: tuple[str, ...] = (SOURCE_TITLE, COMMUNITY_ID, AGENT_USERNAME, FIRST_CONTACT_TYPE)

#: The group-by choice's value for "No grouping" (a dropdown shows nothing for ``None``).
NO_GROUPING = ""

#: The columns the summary and the charts read; they work on this slice of the frame so
#: that a filter change copies a few compact columns, not every text column.
CHART_COLUMNS: tuple[str, ...] = (
    *REQUIRED_COLUMNS,
    FIRST_CONTACT_TYPE,
    COMMUNITY_NAME,
    AGENT_NAME,
    COMMUNITY_TIMEZONE,
)
