"""The colour of every value in every chart: fixed per value, whatever else is shown.

Knock's statuses and the funnel stages have set colours, well-known lead sources too, and
any other value (a source, a community, an agent, a stage of your own) gets one chosen
from a hash of its name, so it keeps its colour under any filter and in every chart.
"""

from __future__ import annotations

import hashlib
import re

from knock_data._analysis import LOST, OTHER, normalize_status
from knock_data._schema import (
    MISSING,
    MISSING_LABELS,
    SMS_CONSENT,
    SOURCE_TITLE,
    STATUS,
    is_missing,
)

__all__ = [
    "CONSENT_COLORS",
    "MISSING_COLOR",
    "OTHER_COLOR",
    "STAGE_COLORS",
    "STATUS_COLORS",
    "source_color",
    "stage_color",
    "status_color",
    "value_color",
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
#: The colour of missing values.
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


def _name_key(name: str) -> str:
    """``name`` with case, spaces and punctuation dropped: how names match colours."""
    return _NAME_NOISE.sub("", name.casefold())


_KNOWN_SOURCE_KEYS = {_name_key(name): color for name, color in _KNOWN_SOURCES.items()}


def _hashed(name: str) -> str:
    """A colour from the hash palette, by the name alone."""
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
    if is_missing(stage):
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
    if is_missing(source):
        return MISSING_COLOR
    return _KNOWN_SOURCE_KEYS.get(_name_key(str(source))) or _hashed(str(source))


# What a missing value is called on screen (a column of leads_over_time's split).
_MISSING_TEXT = frozenset({MISSING, *MISSING_LABELS.values()}) - {"unknown"}


def value_color(column: str | None, value: object) -> str:
    """The colour of ``value`` of ``column``: by status, source or consent, else hashed.

    Examples
    --------
    >>> value_color("source_title", "Zillow") == source_color("Zillow")
    True
    >>> value_color("community_id", "(no community)") == MISSING_COLOR
    True
    """
    if isinstance(value, str) and (value in _MISSING_TEXT or value == "Other"):
        return OTHER_COLOR if value == "Other" else MISSING_COLOR
    if column == STATUS:
        return status_color(value)
    if column == SOURCE_TITLE:
        return source_color(value)
    if column == SMS_CONSENT and str(value) in CONSENT_COLORS:
        return CONSENT_COLORS[str(value)]
    if is_missing(value):
        return MISSING_COLOR
    return _hashed(str(value))
