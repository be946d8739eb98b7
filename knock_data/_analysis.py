"""Lead-funnel analysis: pure functions on the prospect frame.

Every function takes the frame :func:`knock_data.to_frame` builds (or any frame with the
same column names: categorical or plain text columns, nullable or plain booleans) and returns
a new pandas object; none modifies its input, fetches, prints or plots.

Missing values are never dropped silently:

- a missing ``status`` or ``source_title`` (or ``by`` value) is a row of its own, keyed by
  ``<NA>``, in the breakdowns;
- a missing ``sms_consent`` counts as ``"unknown"`` (neither consented nor not);
- a status the stage mapping does not know counts in the ``other`` stage, and the funnel's
  ``statuses`` column says which raw values it held;
- a missing ``is_deleted`` or ``not_prospect`` counts as ``False`` (the record stays a
  prospect).

Counting goes through integer codes (:func:`pandas.factorize` and :func:`numpy.bincount`),
so a million rows take tens of milliseconds.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pandas as pd

from knock_data._exceptions import ConfigurationError

__all__ = [
    "CONSENT_VALUES",
    "DEFAULT_STAGES",
    "KNOCK_STATUS_LABELS",
    "PERIODS",
    "consent_breakdown",
    "filter_prospects",
    "funnel",
    "leads_over_time",
    "normalize_status",
    "source_breakdown",
    "stage_of",
    "status_breakdown",
]

#: Knock's statuses as the sandbox spells them (snake_case of the label) -> Knock's label,
#: in the order Knock's help pages list them. Real data may spell them differently:
#: :func:`normalize_status` maps the likely spellings onto these keys.
KNOCK_STATUS_LABELS: dict[str, str] = {
    "new": "New",
    "open": "Open",
    "waiting": "Waiting",
    "booked": "Booked",
    "visited": "Visited",
    "canceled_manager": "Canceled (Manager)",
    "canceled_renter": "Canceled (Renter)",
    "no_show": "No Show",
    "applied_in_review": "Applied (in review)",
    "applied_leased": "Applied (Leased)",
    "applied_lost": "Applied (Lost)",
    "lost": "Lost",
}

#: The default funnel: stage -> statuses, stages in funnel order. ``lost`` is not a step of
#: the funnel (see :func:`funnel`). Why each status sits where it does:
#:
#: - ``new``: nobody on the leasing team has answered yet, so only a lead.
#: - ``open``: the team made first contact; ``waiting`` and ``booked``: a tour was requested
#:   or booked; ``canceled_*`` and ``no_show``: a tour was booked but did not happen. All of
#:   these were engaged but did not tour.
#: - ``visited``: a walk-in or a completed tour.
#: - ``applied_in_review`` and ``applied_lost``: an application was made (the loss came
#:   after it), so they reached ``applied``.
#: - ``applied_leased``: a lease was signed.
#: - ``lost``: dropped from follow-up at some unknown point; it counts as a lead only.
DEFAULT_STAGES: dict[str, tuple[str, ...]] = {
    "lead": ("new",),
    "engaged": ("open", "waiting", "booked", "canceled_manager", "canceled_renter", "no_show"),
    "toured": ("visited",),
    "applied": ("applied_in_review", "applied_lost"),
    "leased": ("applied_leased",),
    "lost": ("lost",),
}

#: The stage name for records whose status leaves the funnel at an unknown step.
LOST = "lost"
#: The stage name for statuses the mapping does not know (and missing statuses).
OTHER = "other"

#: Labels of ``consent_breakdown``'s ``sms_consent`` column, in order. Missing consent is
#: ``"unknown"``: Knock did not say either way.
CONSENT_VALUES: tuple[str, ...] = ("consented", "not consented", "unknown")

#: Period names accepted by ``by`` and ``freq``, and the pandas period each one means.
#: Weeks run Monday to Sunday.
PERIODS: dict[str, str] = {
    "day": "D",
    "week": "W-SUN",
    "month": "M",
    "quarter": "Q-DEC",
    "year": "Y-DEC",
}
_FREQ_ALIASES = {"d": "day", "w": "week", "m": "month", "q": "quarter", "y": "year"}

# Spellings seen or likely in exports that normalise to something other than the key.
_STATUS_ALIASES = {
    "cancelled_manager": "canceled_manager",
    "cancelled_renter": "canceled_renter",
    "canceled_by_manager": "canceled_manager",
    "canceled_by_renter": "canceled_renter",
    "cancelled_by_manager": "canceled_manager",
    "cancelled_by_renter": "canceled_renter",
    "noshow": "no_show",
    "applied_inreview": "applied_in_review",
}
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_NON_WORD = re.compile(r"[^a-z0-9]+")
_PARTIAL_DATE = re.compile(r"^\s*\d{4}(-\d{1,2}(-\d{1,2})?)?\s*$")


def normalize_status(value: object) -> str | None:
    """The canonical spelling of a status: Knock's snake_case key when it is a known one.

    Case, spaces, dashes, parentheses, camelCase and a few common variants
    (``cancelled``, ``noshow``) do not matter. Unknown statuses come back normalised the
    same way; a missing one gives ``None``.

    Examples
    --------
    >>> normalize_status("Canceled (Manager)"), normalize_status("no-show")
    ('canceled_manager', 'no_show')
    >>> normalize_status("APPLIED LEASED"), normalize_status("appliedInReview")
    ('applied_leased', 'applied_in_review')
    """
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    text = _CAMEL.sub("_", str(value).strip())
    key = _NON_WORD.sub("_", text.lower()).strip("_")
    return _STATUS_ALIASES.get(key, key)


@dataclass(frozen=True)
class _StageMap:
    """A validated status -> stage mapping: ``ladder`` in funnel order, ``lost`` apart."""

    ladder: tuple[str, ...]
    status_stage: dict[str, str]
    has_lost: bool

    @property
    def stages(self) -> tuple[str, ...]:
        """Every stage a record can land in, in report order."""
        return (*self.ladder, *((LOST,) if self.has_lost else ()), OTHER)

    def stage(self, raw: object) -> str:
        key = normalize_status(raw)
        return OTHER if key is None else self.status_stage.get(key, OTHER)


def _stage_map(stages: Mapping[str, Any] | None) -> _StageMap:
    """Validate a user's mapping (stage -> statuses, or status -> stage)."""
    if stages is None:
        stages = DEFAULT_STAGES
    if not isinstance(stages, Mapping) or not stages:
        raise ConfigurationError(
            f"stages must be a non-empty mapping, got {stages!r}.",
            hint="Pass {stage: [status, ...]} in funnel order, or {status: stage}; "
            "see knock_data._analysis.DEFAULT_STAGES.",
        )
    values = list(stages.values())
    pairs: list[tuple[str, str]] = []  # (status, stage)
    if all(isinstance(v, str) for v in values):
        pairs = [(str(status), str(stage)) for status, stage in stages.items()]
    elif not any(isinstance(v, str) for v in values):
        for stage, statuses in stages.items():
            if not isinstance(statuses, Iterable):
                raise ConfigurationError(
                    f"stage {stage!r} maps to {statuses!r}, not a list of statuses."
                )
            pairs.extend((str(status), str(stage)) for status in statuses)
        for stage in stages:  # a stage may be listed with no statuses
            pairs.append(("", str(stage)))
    else:
        raise ConfigurationError(
            "stages mixes the two forms: give either {stage: [status, ...]} or "
            "{status: stage}, not both."
        )
    ladder: list[str] = []
    status_stage: dict[str, str] = {}
    has_lost = False
    for status, stage in pairs:
        if stage == OTHER:
            raise ConfigurationError(
                f"{OTHER!r} is reserved for statuses the mapping does not know; rename that stage."
            )
        if stage == LOST:
            has_lost = True
        elif stage not in ladder:
            ladder.append(stage)
        if not status:
            continue
        key = normalize_status(status) or ""
        if status_stage.get(key, stage) != stage:
            raise ConfigurationError(
                f"status {status!r} is mapped to both {status_stage[key]!r} and {stage!r}."
            )
        status_stage[key] = stage
    if not ladder:
        raise ConfigurationError("stages needs at least one stage other than 'lost'.")
    return _StageMap(tuple(ladder), status_stage, has_lost)


def stage_of(status: object, stages: Mapping[str, Any] | None = None) -> str:
    """The funnel stage a status reaches (``"other"`` for an unknown or missing one).

    Examples
    --------
    >>> stage_of("Applied (Lost)"), stage_of("no-show"), stage_of("on hold")
    ('applied', 'engaged', 'other')
    """
    return _stage_map(stages).stage(status)


# --------------------------------------------------------------------------------------
# Integer keys


def _column(df: pd.DataFrame, name: str, what: str) -> pd.Series:
    if not isinstance(df, pd.DataFrame):
        raise ConfigurationError(
            f"{what} needs a pandas DataFrame, got {type(df).__name__}.",
            hint="Build one with knock_data.to_frame(records).",
        )
    if name not in df.columns:
        raise ConfigurationError(
            f"{what} needs a {name!r} column; the frame has {list(df.columns)}.",
            hint="Build the frame with knock_data.to_frame(records).",
        )
    return df[name]


def _factorize(values: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Integer codes 0..k-1 for each row, missing values included as a code of their own."""
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    return np.asarray(codes, dtype=np.int64), pd.Index(uniques)


def _freq_name(freq: object, what: str = "freq") -> str:
    name = str(freq).strip().lower() if isinstance(freq, str) else ""
    name = _FREQ_ALIASES.get(name, name)
    if name not in PERIODS:
        choices = ", ".join(repr(p) for p in PERIODS)
        raise ConfigurationError(
            f"unknown {what} {freq!r}.",
            hint=f"Choose one of {choices} (or D, W, M, Q, Y).",
        )
    return name


def _zone(tz: object) -> str:
    if tz is None:
        return "UTC"
    if isinstance(tz, str):
        try:
            ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ConfigurationError(
                f"unknown time zone {tz!r}.",
                hint="Use an IANA name such as 'America/Chicago', 'America/New_York', "
                "'America/Denver', 'America/Los_Angeles', 'America/Phoenix' or 'UTC'.",
            ) from exc
        return tz
    key = getattr(tz, "key", None)  # a ZoneInfo object
    if isinstance(key, str):
        return key
    raise ConfigurationError(
        f"tz must be an IANA time zone name such as 'America/Chicago', got {tz!r}."
    )


def _created_utc(df: pd.DataFrame, what: str) -> pd.Series:
    """``created_at`` as tz-aware UTC datetimes (naive values are taken as UTC)."""
    created = _column(df, "created_at", what)
    if isinstance(created.dtype, pd.DatetimeTZDtype):
        return created.dt.tz_convert("UTC")
    if pd.api.types.is_datetime64_dtype(created.dtype):
        return created.dt.tz_localize("UTC")
    try:
        return pd.to_datetime(created, utc=True, format="ISO8601")
    except (ValueError, TypeError) as exc:
        raise ConfigurationError(
            f"{what}: created_at holds values that are not ISO-8601 timestamps ({exc}).",
            hint="Build the frame with knock_data.to_frame(records).",
        ) from exc


def _period_codes(
    df: pd.DataFrame, period: str, tz: str, what: str
) -> tuple[np.ndarray, pd.PeriodIndex, np.ndarray]:
    """Each row's created period (in ``tz``) as a code into the sorted periods seen.

    Returns ``(codes, periods, missing)``; rows without ``created_at`` are flagged in
    ``missing`` (their code is 0). Works on whole local days first (one integer per row),
    so only the few hundred distinct days ever become pandas Periods.
    """
    local = _created_utc(df, what).dt.tz_convert(tz).dt.tz_localize(None)
    days = local.to_numpy(dtype="datetime64[D]")
    missing = np.isnat(days)
    freq = PERIODS[period]
    if missing.all():
        return np.zeros(len(days), dtype=np.int64), pd.PeriodIndex([], freq=freq), missing
    day_int = days.astype(np.int64)
    first = int(day_int[~missing].min())
    offset = np.where(missing, 0, day_int - first)
    seen = np.bincount(offset[~missing])
    present = np.flatnonzero(seen)
    periods = pd.DatetimeIndex((present + first).astype("datetime64[D]")).to_period(freq)
    period_codes, uniques = pd.factorize(periods, sort=True)
    lookup = np.zeros(len(seen), dtype=np.int64)
    lookup[present] = period_codes
    return lookup[offset], pd.PeriodIndex(uniques), missing


def _by_codes(
    df: pd.DataFrame, by: str, tz: object, what: str, counted: str | None = None
) -> tuple[np.ndarray, pd.Index, str]:
    """Group codes for ``by`` (a column or a created period), sorted, NA last.

    A period name wins over a column of that name; a short alias (``"W"``, ``"M"``...)
    means the period only when no column is called so.
    """
    period = by.strip().lower() if isinstance(by, str) else ""
    if period not in PERIODS and isinstance(by, str) and by not in df.columns:
        period = _FREQ_ALIASES.get(period, period)
    if period in PERIODS:
        codes, periods, missing = _period_codes(df, period, _zone(tz), what)
        index: pd.Index = pd.Index(periods)
        if missing.any():  # undated rows form a group of their own, keyed <NA>
            codes = np.where(missing, len(periods), codes)
            index = index.append(pd.PeriodIndex([None], freq=periods.freq))
        return codes, index, period
    if not isinstance(by, Hashable) or by not in df.columns:
        choices = ", ".join(repr(p) for p in PERIODS)
        raise ConfigurationError(
            f"{what}: unknown by={by!r}.",
            hint=f"Group by a created period ({choices}, or D, W, M, Q, Y) or a column "
            f"of the frame: {', '.join(map(str, df.columns))}.",
        )
    if by == counted:
        raise ConfigurationError(f"{what}: by={by!r} is the column being counted.")
    codes, uniques = _factorize(df[by])
    order = _sort_order(uniques)
    return _recode(codes, order), uniques.take(order), str(by)


def _sort_order(uniques: pd.Index) -> np.ndarray:
    """Positions that sort ``uniques`` (categories in category order), missing last."""
    # Missing values are set aside rather than left to ``na_position="last"``: pandas 2.2
    # sorts a missing category first whatever ``na_position`` says.
    missing = np.asarray(uniques.isna(), dtype=bool)
    present = np.flatnonzero(~missing)
    values = uniques.take(present)
    try:
        _, order = values.sort_values(return_indexer=True)
    except TypeError:  # mixed types: sort by their text
        order = np.argsort(np.asarray(values.astype(str)), kind="stable")
    return np.concatenate([present[np.asarray(order, dtype=np.int64)], np.flatnonzero(missing)])


def _recode(codes: np.ndarray, order: np.ndarray) -> np.ndarray:
    """Codes into ``uniques`` -> codes into ``uniques.take(order)``."""
    inverse = np.empty(len(order), dtype=np.int64)
    inverse[order] = np.arange(len(order))
    return inverse[codes] if len(codes) else codes


def _count_matrix(
    codes: np.ndarray, n: int, group_codes: np.ndarray | None, n_groups: int
) -> np.ndarray:
    """Counts of shape (groups, values); one group when ungrouped."""
    if group_codes is None:
        return np.bincount(codes, minlength=n).reshape(1, n)
    flat = group_codes * n + codes
    return np.bincount(flat, minlength=n_groups * n).reshape(n_groups, n)


def _tidy(
    values_name: str,
    values: pd.Index,
    counts: np.ndarray,
    by_name: str | None,
    groups: pd.Index | None,
    extra: dict[str, Any] | None = None,
) -> pd.DataFrame:
    """A tidy count/share frame from a (groups, values) matrix."""
    n_groups, n_values = counts.shape
    flat = counts.reshape(-1).astype(np.int64)
    totals = counts.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        shares = np.where(totals > 0, counts / np.maximum(totals, 1), np.nan).reshape(-1)
    data: dict[str, Any] = {}
    if by_name is not None and groups is not None:
        data[by_name] = groups.take(np.repeat(np.arange(n_groups), n_values))
    taken = np.tile(np.arange(n_values), n_groups)
    data[values_name] = values.take(taken)
    for name, column in (extra or {}).items():
        data[name] = pd.Index(pd.array(list(column), dtype="string")).take(taken)
    data["count"] = flat
    data["share"] = shares
    frame = pd.DataFrame(data)
    for name in data:
        if isinstance(frame[name].dtype, pd.CategoricalDtype):
            continue
        if name not in ("count", "share") and frame[name].dtype == object:
            frame[name] = frame[name].astype("string")
    return frame


def _as_text_index(uniques: pd.Index) -> pd.Index:
    """Distinct values as text (categoricals and strings alike), keeping <NA>."""
    values = [None if pd.isna(v) else str(v) for v in uniques]
    return pd.Index(pd.array(values, dtype="string"))


# --------------------------------------------------------------------------------------
# Breakdowns


def status_breakdown(
    df: pd.DataFrame,
    by: str | None = None,
    *,
    stages: Mapping[str, Any] | None = None,
    tz: str | None = None,
) -> pd.DataFrame:
    """Leads per status, with the funnel stage each status reaches.

    Parameters
    ----------
    df
        A prospect frame (see :func:`knock_data.to_frame`).
    by
        Group by a column (``"community_id"``, ``"agent_username"``, ``"source_title"``...)
        or by the period of ``created_at`` (``"day"``, ``"week"``, ``"month"``,
        ``"quarter"``, ``"year"``). Shares are then within each group.
    stages
        A status -> stage mapping for the ``stage`` column (default
        :data:`DEFAULT_STAGES`; see :func:`funnel`).
    tz
        Time zone for ``by`` periods (default UTC).

    Returns
    -------
    pandas.DataFrame
        Columns ``[by,] status, stage, count, share``. ``status`` keeps the raw value; known
        statuses come in Knock's order, unknown ones after them by count, a missing status
        (``<NA>``) last. With ``by``, every status seen anywhere appears in every group
        (count 0 where absent), so shares within a group sum to 1.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"status": pd.Categorical(["new", "visited", "new", "On Hold"])})
    >>> status_breakdown(df)
        status   stage  count  share
    0      new    lead      2   0.50
    1  visited  toured      1   0.25
    2  On Hold   other      1   0.25
    """
    what = "status_breakdown"
    mapping = _stage_map(stages)
    codes, uniques = _factorize(_column(df, "status", what))
    totals = np.bincount(codes, minlength=len(uniques))
    canonical = list(KNOCK_STATUS_LABELS)
    keys = [normalize_status(v) for v in uniques]
    rank = [
        (
            2 if key is None else (0 if key in KNOCK_STATUS_LABELS else 1),
            canonical.index(key) if key in KNOCK_STATUS_LABELS else -int(totals[i]),
            "" if key is None else str(uniques[i]),
        )
        for i, key in enumerate(keys)
    ]
    order = np.array(sorted(range(len(uniques)), key=rank.__getitem__), dtype=np.int64)
    codes = _recode(codes, order)
    values = _as_text_index(uniques.take(order))
    stage = [mapping.stage(v) for v in values]
    group_codes, groups, by_name = (None, None, None)
    if by is not None:
        group_codes, groups, by_name = _by_codes(df, by, tz, what, counted="status")
    counts = _count_matrix(codes, len(values), group_codes, 0 if groups is None else len(groups))
    return _tidy("status", values, counts, by_name, groups, {"stage": stage})


def source_breakdown(
    df: pd.DataFrame, by: str | None = None, *, tz: str | None = None
) -> pd.DataFrame:
    """Leads per lead source (``source_title``), largest first.

    Parameters
    ----------
    df
        A prospect frame (see :func:`knock_data.to_frame`).
    by
        Group by a column or a created period (``"week"``, ``"month"``...); shares are then
        within each group.
    tz
        Time zone for ``by`` periods (default UTC).

    Returns
    -------
    pandas.DataFrame
        Columns ``[by,] source_title, count, share``, sources by overall count (ties by
        name), a missing source (``<NA>``) last. With ``by``, every source appears in every
        group (count 0 where absent).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"source_title": ["Zillow", None, "Zillow", "Yelp"]})
    >>> source_breakdown(df)
      source_title  count  share
    0       Zillow      2   0.50
    1         Yelp      1   0.25
    2         <NA>      1   0.25
    """
    what = "source_breakdown"
    codes, uniques = _factorize(_column(df, "source_title", what))
    totals = np.bincount(codes, minlength=len(uniques))
    names = [None if pd.isna(v) else str(v) for v in uniques]
    order = np.array(
        sorted(
            range(len(uniques)),
            key=lambda i: (names[i] is None, -int(totals[i]), names[i] or ""),
        ),
        dtype=np.int64,
    )
    codes = _recode(codes, order)
    values = _as_text_index(uniques.take(order))
    group_codes, groups, by_name = (None, None, None)
    if by is not None:
        group_codes, groups, by_name = _by_codes(df, by, tz, what, counted="source_title")
    counts = _count_matrix(codes, len(values), group_codes, 0 if groups is None else len(groups))
    return _tidy("source_title", values, counts, by_name, groups)


_TRUE_TEXT = {"true", "t", "yes", "y", "1"}
_FALSE_TEXT = {"false", "f", "no", "n", "0"}


def _consent_codes(consent: pd.Series) -> np.ndarray:
    """0 consented, 1 not consented, 2 unknown (missing)."""
    missing = consent.isna().to_numpy()
    if pd.api.types.is_bool_dtype(consent.dtype):
        given = consent.to_numpy(dtype=bool, na_value=False)
        return np.where(missing, 2, np.where(given, 0, 1)).astype(np.int64)
    codes, uniques = _factorize(consent)
    table = np.empty(len(uniques), dtype=np.int64)
    for i, value in enumerate(uniques):
        if pd.isna(value):
            table[i] = 2
        elif isinstance(value, bool | np.bool_):
            table[i] = 0 if value else 1
        elif str(value).strip().lower() in _TRUE_TEXT:
            table[i] = 0
        elif str(value).strip().lower() in _FALSE_TEXT:
            table[i] = 1
        else:
            row = consent.index.tolist()[int(np.argmax(codes == i))]
            raise ConfigurationError(
                f"sms_consent holds {value!r} (row {row!r}), which is neither true nor false.",
                hint="sms_consent should be a boolean column (True, False or <NA>).",
            )
    return table[codes] if len(codes) else codes


def consent_breakdown(
    df: pd.DataFrame, by: str | None = None, *, tz: str | None = None
) -> pd.DataFrame:
    """Leads by SMS consent: consented, not consented, unknown.

    A missing ``sms_consent`` counts as ``"unknown"``, never as a refusal.

    Parameters
    ----------
    df
        A prospect frame (see :func:`knock_data.to_frame`).
    by
        Group by a column (``"source_title"``, ``"community_id"``, ``"first_contact_type"``...)
        or a created period; shares are then within each group.
    tz
        Time zone for ``by`` periods (default UTC).

    Returns
    -------
    pandas.DataFrame
        Columns ``[by,] sms_consent, count, share``; ``sms_consent`` is one of
        :data:`CONSENT_VALUES`, all three always present (count 0 when none).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"sms_consent": pd.array([True, False, None, True], dtype="boolean")})
    >>> consent_breakdown(df)
         sms_consent  count  share
    0      consented      2   0.50
    1  not consented      1   0.25
    2        unknown      1   0.25
    """
    what = "consent_breakdown"
    codes = _consent_codes(_column(df, "sms_consent", what))
    values = pd.Index(pd.array(list(CONSENT_VALUES), dtype="string"))
    group_codes, groups, by_name = (None, None, None)
    if by is not None:
        group_codes, groups, by_name = _by_codes(df, by, tz, what, counted="sms_consent")
    counts = _count_matrix(codes, 3, group_codes, 0 if groups is None else len(groups))
    return _tidy("sms_consent", values, counts, by_name, groups)


# --------------------------------------------------------------------------------------
# Funnel


def funnel(
    df: pd.DataFrame,
    stages: Mapping[str, Any] | None = None,
    *,
    by: str | None = None,
    tz: str | None = None,
) -> pd.DataFrame:
    """How many leads reached each stage of the funnel, with step and overall conversion.

    Each record's status places it at one stage; a record *reaches* its own stage and every
    stage before it (a signed lease was also a tour and an application). Every record is a
    lead, so the first stage counts them all.

    Two stages are not steps of the funnel:

    - ``lost`` (status Lost): dropped at an unknown point, so counted as a lead only;
      :data:`DEFAULT_STAGES` puts Applied (Lost) at ``applied`` because the application
      happened.
    - ``other``: statuses the mapping does not know and missing statuses, also counted as
      leads only; the ``statuses`` column lists which raw values it held.

    Parameters
    ----------
    df
        A prospect frame (see :func:`knock_data.to_frame`). Pass
        :func:`filter_prospects` output to count prospects rather than leads.
    stages
        Your own mapping, either ``{stage: [status, ...]}`` with stages in funnel order or
        ``{status: stage}`` (stages in order of first appearance). Statuses match however
        they are spelt (see :func:`normalize_status`); a stage named ``"lost"`` is kept off
        the ladder as above. The first stage is where leads enter: every record reaches
        it whatever its status, so start the mapping with your entry stage (``"lead"``,
        ``"inquiry"``), not with a later one such as ``"toured"``. Default
        :data:`DEFAULT_STAGES`.
    by
        Compare funnels per column value (``"source_title"``, ``"community_id"``...) or per
        created period; rates are then within each group.
    tz
        Time zone for ``by`` periods (default UTC).

    Returns
    -------
    pandas.DataFrame
        One row per stage (``[by,] stage``), the ladder in order, then ``lost`` (when the
        mapping has it) and ``other``, with columns

        - ``count``: records that reached the stage (for ``lost``/``other``: records in it);
        - ``at_stage``: records whose status sits at this stage now (where leads stall);
        - ``share_of_leads``: ``count`` over all leads (overall conversion);
        - ``step_conversion``: ``count`` over the previous stage's ``count`` (``<NA>`` for
          the first stage, ``lost`` and ``other``);
        - ``statuses``: the raw status values counted at this stage, most common first.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"status": ["new", "open", "visited", "applied_leased", "lost"]})
    >>> funnel(df)[["stage", "count", "share_of_leads", "step_conversion"]]
         stage  count  share_of_leads  step_conversion
    0     lead      5             1.0              NaN
    1  engaged      3             0.6         0.600000
    2   toured      2             0.4         0.666667
    3  applied      1             0.2         0.500000
    4   leased      1             0.2         1.000000
    5     lost      1             0.2              NaN
    6    other      0             0.0              NaN
    """
    what = "funnel"
    mapping = _stage_map(stages)
    codes, uniques = _factorize(_column(df, "status", what))
    all_stages = mapping.stages
    stage_index = {s: i for i, s in enumerate(all_stages)}
    status_stage = np.array(
        [stage_index[mapping.stage(v)] for v in uniques], dtype=np.int64
    ).reshape(-1)
    group_codes, groups, by_name = (None, None, None)
    n_groups = 1
    if by is not None:
        group_codes, groups, by_name = _by_codes(df, by, tz, what, counted="status")
        n_groups = len(groups)
    # (groups, raw statuses) counts, then folded into (groups, stages).
    per_status = _count_matrix(codes, len(uniques), group_codes, n_groups)
    at_stage = np.zeros((n_groups, len(all_stages)), dtype=np.int64)
    for j in range(len(uniques)):
        at_stage[:, status_stage[j]] += per_status[:, j]
    n_ladder = len(mapping.ladder)
    leads = at_stage.sum(axis=1)
    reached = at_stage.copy()
    # Reaching a ladder stage = sitting at it or any later ladder stage.
    reached[:, :n_ladder] = np.cumsum(at_stage[:, :n_ladder][:, ::-1], axis=1)[:, ::-1]
    reached[:, 0] = leads  # lost and other are leads too
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(leads[:, None] > 0, reached / np.maximum(leads, 1)[:, None], np.nan)
        step = np.full(reached.shape, np.nan)
        prev = reached[:, : n_ladder - 1]
        step[:, 1:n_ladder] = np.where(
            prev > 0, reached[:, 1:n_ladder] / np.maximum(prev, 1), np.nan
        )

    labels = [None if pd.isna(v) else str(v) for v in uniques]
    statuses: list[str] = []
    for g in range(n_groups):
        for s in range(len(all_stages)):
            members = [j for j in range(len(uniques)) if status_stage[j] == s and per_status[g, j]]
            members.sort(key=lambda j: (-per_status[g, j], labels[j] or ""))
            statuses.append(
                ", ".join("<NA>" if labels[j] is None else str(labels[j]) for j in members)
            )

    data: dict[str, Any] = {}
    if by_name is not None and groups is not None:
        data[by_name] = groups.take(np.repeat(np.arange(n_groups), len(all_stages)))
    data["stage"] = pd.array(list(all_stages) * n_groups, dtype="string")
    data["count"] = reached.reshape(-1)
    data["at_stage"] = at_stage.reshape(-1)
    data["share_of_leads"] = share.reshape(-1)
    data["step_conversion"] = step.reshape(-1)
    data["statuses"] = pd.array(statuses, dtype="string")
    result = pd.DataFrame(data)
    totals = per_status.sum(axis=0)
    result.attrs["other_statuses"] = {
        "<NA>" if labels[j] is None else str(labels[j]): int(totals[j])
        for j in range(len(uniques))
        if all_stages[status_stage[j]] == OTHER
    }
    return result


# --------------------------------------------------------------------------------------
# Filtering


def _as_values(arg: object, name: str) -> list[Any] | None:
    if arg is None:
        return None
    if isinstance(arg, str) or not isinstance(arg, Iterable):
        return [arg]
    return list(arg)


def _isin(series: pd.Series, wanted: list[Any]) -> np.ndarray:
    """Rows whose value is one of ``wanted`` (``None`` in ``wanted`` selects missing ones)."""
    want_na = any(v is None or v is pd.NA for v in wanted)
    present = [v for v in wanted if not (v is None or v is pd.NA)]
    codes, uniques = _factorize(series)
    keep = np.array(
        [(want_na if pd.isna(v) else v in present or str(v) in present) for v in uniques],
        dtype=bool,
    )
    return keep[codes] if len(codes) else np.zeros(0, dtype=bool)


def _bound(value: object, *, end: bool) -> tuple[pd.Timestamp, bool] | None:
    """A ``created`` bound as a UTC timestamp and whether it is exclusive (a whole period)."""
    if value is None:
        return None
    if isinstance(value, str) and _PARTIAL_DATE.match(value):
        # "2026", "2026-03" or "2026-03-15": the whole year, month or day, as pandas'
        # partial-string indexing reads them.
        period = pd.Period(value.strip())
        if end:
            return (period + 1).start_time.tz_localize("UTC"), True
        return period.start_time.tz_localize("UTC"), False
    if isinstance(value, date) and not isinstance(value, datetime):
        start = pd.Timestamp(value).tz_localize("UTC")
        return (start + pd.Timedelta(days=1), True) if end else (start, False)
    try:
        stamp = pd.Timestamp(value)  # type: ignore[arg-type]
    except (ValueError, TypeError) as exc:
        raise ConfigurationError(
            f"created bound {value!r} is not a date or timestamp.",
            hint="Use dates, timestamps or strings such as '2026-03-01' or "
            "'2026-03-01T18:00:00-06:00'.",
        ) from exc
    if stamp is pd.NaT:
        raise ConfigurationError(f"created bound {value!r} is not a date or timestamp.")
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    return stamp, False


def filter_prospects(
    df: pd.DataFrame,
    *,
    communities: Iterable[Any] | str | None = None,
    sources: Iterable[Any] | str | None = None,
    statuses: Iterable[Any] | str | None = None,
    agents: Iterable[Any] | str | None = None,
    created: Sequence[Any] | None = None,
    include_deleted: bool = False,
    include_not_prospect: bool = False,
) -> pd.DataFrame:
    """The rows Knock counts as prospects, optionally narrowed further.

    Knock's definitions: *leads* are all records, including those marked not a prospect;
    *prospects* exclude records marked not a prospect and deleted records. By default this
    returns prospects; ``include_not_prospect=True`` (and ``include_deleted=False``) gives
    Knock's leads. A missing ``is_deleted``/``not_prospect`` counts as ``False``.

    Parameters
    ----------
    df
        A prospect frame (see :func:`knock_data.to_frame`).
    communities, sources, agents
        Keep rows whose ``community_id``, ``source_title`` or ``agent_username`` is one of
        these (one value or a list; ``None`` inside the list keeps missing values).
        ``None`` (the default) keeps all; an empty list keeps none.
    statuses
        Keep these statuses, however they are spelt (``"Applied (Leased)"`` matches
        ``applied_leased``).
    created
        ``(start, end)``, both inclusive, either may be ``None``. Dates, timestamps or
        strings; a date-only string or ``datetime.date`` covers that whole day (``"2026-03"``
        the whole month), a naive timestamp is UTC.
    include_deleted, include_not_prospect
        Keep deleted records / records marked not a prospect.

    Returns
    -------
    pandas.DataFrame
        The matching rows (a copy), columns and dtypes unchanged (categoricals keep all
        their categories).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({
    ...     "status": ["new", "Visited", "lost"],
    ...     "is_deleted": pd.array([False, False, True], dtype="boolean"),
    ...     "not_prospect": pd.array([False, None, False], dtype="boolean"),
    ...     "created_at": pd.to_datetime(["2026-03-01", "2026-03-15", "2026-04-01"], utc=True),
    ... })
    >>> len(filter_prospects(df)), len(filter_prospects(df, include_deleted=True))
    (2, 3)
    >>> filter_prospects(df, statuses="visited", created=("2026-03", "2026-03"))["status"].tolist()
    ['Visited']
    """
    what = "filter_prospects"
    if not isinstance(df, pd.DataFrame):
        raise ConfigurationError(f"{what} needs a pandas DataFrame, got {type(df).__name__}.")
    keep = np.ones(len(df), dtype=bool)
    if not include_deleted:
        keep &= ~_column(df, "is_deleted", what).fillna(False).to_numpy(dtype=bool)
    if not include_not_prospect:
        keep &= ~_column(df, "not_prospect", what).fillna(False).to_numpy(dtype=bool)
    for column, arg, name in (
        ("community_id", communities, "communities"),
        ("source_title", sources, "sources"),
        ("agent_username", agents, "agents"),
    ):
        wanted = _as_values(arg, name)
        if wanted is not None:
            keep &= _isin(_column(df, column, what), wanted)
    wanted_status = _as_values(statuses, "statuses")
    if wanted_status is not None:
        keys = {normalize_status(s) for s in wanted_status}
        codes, uniques = _factorize(_column(df, "status", what))
        hit = np.array([normalize_status(v) in keys for v in uniques], dtype=bool)
        keep &= hit[codes] if len(codes) else np.zeros(0, dtype=bool)
    if created is not None:
        if isinstance(created, str) or not isinstance(created, Sequence) or len(created) != 2:
            raise ConfigurationError(
                f"created must be a (start, end) pair, got {created!r}.",
                hint="For example created=('2026-01-01', '2026-03-31') or (None, '2026-03').",
            )
        start = _bound(created[0], end=False)
        stop = _bound(created[1], end=True)
        if (
            start is not None
            and stop is not None
            and (start[0] > stop[0] or (start[0] == stop[0] and stop[1]))
        ):
            raise ConfigurationError(f"created starts after it ends: {tuple(created)!r}.")
        stamps = _created_utc(df, what)
        if start is not None:
            keep &= (stamps >= start[0]).fillna(False).to_numpy(dtype=bool)
        if stop is not None:
            upper = stamps < stop[0] if stop[1] else stamps <= stop[0]
            keep &= upper.fillna(False).to_numpy(dtype=bool)
    return df.loc[keep].copy()


# --------------------------------------------------------------------------------------
# Over time


def leads_over_time(
    df: pd.DataFrame, freq: str = "W", by: str | None = None, tz: str | None = None
) -> pd.DataFrame:
    """Leads created per day, week, month, quarter or year.

    Parameters
    ----------
    df
        A prospect frame (see :func:`knock_data.to_frame`).
    freq
        ``"D"``/``"day"``, ``"W"``/``"week"`` (Monday to Sunday), ``"M"``/``"month"``,
        ``"Q"``/``"quarter"`` or ``"Y"``/``"year"``.
    by
        A column to split the counts by (one output column per value; a missing value is
        the column ``"(missing)"``).
    tz
        The time zone whose calendar defines the periods: UTC by default, or an IANA name
        such as ``"America/Chicago"`` (a Sunday-evening lead in Texas is Monday in UTC).

    Returns
    -------
    pandas.DataFrame
        Indexed by a ``PeriodIndex`` named ``period`` covering every period from the first
        lead to the last (0 where none); one column ``leads``, or one per ``by`` value in
        that column's order. ``attrs["tz"]`` holds the zone and ``attrs["undated"]`` the
        number of rows without ``created_at`` (not placed in any period).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"created_at": pd.to_datetime(["2026-03-02T01:00:00Z"], utc=True)})
    >>> leads_over_time(df, "D").index[0], leads_over_time(df, "D", tz="America/Chicago").index[0]
    (Period('2026-03-02', 'D'), Period('2026-03-01', 'D'))
    """
    what = "leads_over_time"
    period = _freq_name(freq)
    zone = _zone(tz)
    freq_code = PERIODS[period]
    if by is not None and (not isinstance(by, Hashable) or by not in df.columns):
        raise ConfigurationError(
            f"{what}: unknown by={by!r}.",
            hint=f"Split by a column of the frame: {', '.join(map(str, df.columns))}.",
        )
    codes, periods, missing = _period_codes(df, period, zone, what)
    row_dated = ~missing
    if len(periods):
        full = pd.period_range(periods[0], periods[-1], freq=freq_code)
        position = periods.asi8 - full.asi8[0]
        slot = position[codes]
    else:
        full = pd.PeriodIndex([], freq=freq_code)
        slot = np.zeros(len(codes), dtype=np.int64)
    full = full.rename("period")
    if by is None:
        counts = np.bincount(slot[row_dated], minlength=len(full))
        result = pd.DataFrame({"leads": counts.astype(np.int64)}, index=full)
    else:
        g_codes, g_uniques = _factorize(df[by])
        order = _sort_order(g_uniques)
        g_codes = _recode(g_codes, order)
        labels = ["(missing)" if pd.isna(v) else v for v in g_uniques.take(order)]
        n = len(labels)
        matrix = np.bincount(
            slot[row_dated] * n + g_codes[row_dated], minlength=len(full) * n
        ).reshape(len(full), n)
        result = pd.DataFrame(
            matrix.astype(np.int64), index=full, columns=pd.Index(labels, name=by)
        )
    result.attrs["tz"] = zone
    result.attrs["undated"] = int(missing.sum())
    return result
