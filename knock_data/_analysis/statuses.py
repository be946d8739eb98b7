"""Knock's status vocabulary: its labels, the funnel stages, and any spelling mapped onto them.

The JSON spelling of Knock's statuses is not documented, so every status is read through
:func:`normalize_status` before it is compared: ``"Canceled (Manager)"``,
``"canceled_manager"`` and ``"CANCELLED-MANAGER"`` are one status. The other layers take
their labels (:func:`status_label`) and their order (:func:`knock_order`) from here too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from knock_data._exceptions import ConfigurationError
from knock_data._schema import is_missing

__all__ = [
    "DEFAULT_STAGES",
    "KNOCK_STATUS_LABELS",
    "LOST",
    "OTHER",
    "StageMap",
    "knock_order",
    "normalize_status",
    "stage_map",
    "stage_of",
    "status_label",
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

#: The default funnel: stage -> statuses, stages in funnel order (read-only; build your own
#: from it with ``{**DEFAULT_STAGES, "toured": (...)}``). ``lost`` is not a step of the
#: funnel (see :func:`knock_data.funnel`). Why each status sits where it does:
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
DEFAULT_STAGES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "lead": ("new",),
        "engaged": (
            "open",
            "waiting",
            "booked",
            "canceled_manager",
            "canceled_renter",
            "no_show",
        ),
        "toured": ("visited",),
        "applied": ("applied_in_review", "applied_lost"),
        "leased": ("applied_leased",),
        "lost": ("lost",),
    }
)

#: The stage name for records whose status leaves the funnel at an unknown step.
LOST = "lost"
#: The stage name for statuses the mapping does not know (and missing statuses).
OTHER = "other"

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
_KNOCK_ORDER = {key: rank for rank, key in enumerate(KNOCK_STATUS_LABELS)}


def normalize_status(value: object) -> str | None:
    """The canonical spelling of a status: Knock's snake_case key when it is a known one.

    Case, spaces, dashes, parentheses, camelCase and a few common variants
    (``cancelled``, ``noshow``) do not matter. Unknown statuses come back normalised the
    same way; a missing one gives ``None``.

    Parameters
    ----------
    value
        A status as the data spells it (text, a category, ``None`` or ``<NA>``).

    Returns
    -------
    str or None
        The key of :data:`knock_data.DEFAULT_STAGES`' statuses for a known status, the same
        normalisation of an unknown one, ``None`` for a missing one.

    Examples
    --------
    >>> import knock_data as kd
    >>> kd.normalize_status("Canceled (Manager)"), kd.normalize_status("no-show")
    ('canceled_manager', 'no_show')
    >>> kd.normalize_status("APPLIED LEASED"), kd.normalize_status("appliedInReview")
    ('applied_leased', 'applied_in_review')
    """
    if is_missing(value):
        return None
    text = _CAMEL.sub("_", str(value).strip())
    key = _NON_WORD.sub("_", text.lower()).strip("_")
    return _STATUS_ALIASES.get(key, key)


def status_label(value: object) -> str | None:
    """Knock's label for a known status, the value as text otherwise, ``None`` if missing.

    Examples
    --------
    >>> status_label("applied_leased"), status_label("On Hold"), status_label(None)
    ('Applied (Leased)', 'On Hold', None)
    """
    key = normalize_status(value)
    if key is None:
        return None
    return KNOCK_STATUS_LABELS.get(key, str(value))


def knock_order(value: object) -> int:
    """Where a status sorts: Knock's statuses in Knock's order, then unknown ones, then missing.

    Unknown statuses all share one rank (callers order them further, by count); a missing
    status ranks after them.

    Examples
    --------
    >>> sorted(["lost", None, "On Hold", "New"], key=knock_order)
    ['New', 'lost', 'On Hold', None]
    """
    key = normalize_status(value)
    if key is None:
        return len(_KNOCK_ORDER) + 1
    return _KNOCK_ORDER.get(key, len(_KNOCK_ORDER))


@dataclass(frozen=True)
class StageMap:
    """A validated status -> stage mapping: ``ladder`` in funnel order, ``lost`` apart."""

    ladder: tuple[str, ...]
    status_stage: dict[str, str]
    has_lost: bool

    @property
    def stages(self) -> tuple[str, ...]:
        """Every stage a record can land in, in report order."""
        return (*self.ladder, *((LOST,) if self.has_lost else ()), OTHER)

    def stage(self, raw: object) -> str:
        """The stage of one raw status value (``other`` for an unknown or missing one)."""
        key = normalize_status(raw)
        return OTHER if key is None else self.status_stage.get(key, OTHER)


def stage_map(stages: Mapping[str, Any] | None) -> StageMap:
    """Validate a user's mapping (stage -> statuses, or status -> stage); ``None``: the default."""
    if stages is None:
        stages = DEFAULT_STAGES
    if not isinstance(stages, Mapping) or not stages:
        raise ConfigurationError(
            f"stages must be a non-empty mapping, got {stages!r}.",
            hint="Pass {stage: [status, ...]} in funnel order, or {status: stage}; "
            "see knock_data.DEFAULT_STAGES.",
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
    return StageMap(tuple(ladder), status_stage, has_lost)


def stage_of(status: object, stages: Mapping[str, Any] | None = None) -> str:
    """The funnel stage a status reaches (``"other"`` for an unknown or missing one).

    Parameters
    ----------
    status
        A status however it is spelt (see :func:`knock_data.normalize_status`).
    stages
        Your own mapping, as :func:`knock_data.funnel` takes it; default
        :data:`knock_data.DEFAULT_STAGES`.

    Returns
    -------
    str
        The stage's name.

    Raises
    ------
    knock_data.ConfigurationError
        ``stages`` is not a valid mapping (the message says why).

    Examples
    --------
    >>> import knock_data as kd
    >>> kd.stage_of("Applied (Lost)"), kd.stage_of("no-show"), kd.stage_of("on hold")
    ('applied', 'engaged', 'other')
    >>> kd.stage_of("visited", {"inquiry": ["new", "open"], "tour": ["visited"]})
    'tour'
    """
    return stage_map(stages).stage(status)
