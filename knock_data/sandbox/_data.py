"""Deterministic synthetic Knock prospects for the sandbox.

Realistic enough to make the charts worth reading: Knock's status labels in a plausible
lead funnel (lead to visit about 35%, visit to application about 40%, application to lease
about 60%), a long tail of lead sources, SMS consent both ways, twelve-plus months of
``createdAt`` with a weekly and a seasonal rhythm, several communities in US time zones, and
the untidy values real guest cards hold: null agents, sources, emails and phones, deleted and
not-a-prospect records, non-ASCII names and a few hostile ones typed into web forms.
"""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from knock_data._exceptions import ConfigurationError

__all__ = ["DEFAULT_SEED", "EXAMPLE_PROSPECT", "generate_prospects"]

DEFAULT_SEED = 2021

#: The API document's example response, served exactly as printed.
EXAMPLE_PROSPECT: dict[str, Any] = {
    "prospectId": "47569637",
    "communityId": "191b65d2686d11e9",
    "email": "xtest@example.com",
    "phone": "+10551234567",
    "agent": {"username": "2be16a9e-b3ab-4b1f-9632-575aca1a3d20"},
    "address": None,
    "unit": None,
    "city": None,
    "state": None,
    "zip": None,
    "source": {"title": "Property Website"},
    "firstName": "New",
    "lastName": "Lead",
    "moveDate": None,
    "bedrooms": None,
    "pets": None,
    "occupants": None,
    "leaseTermMonths": None,
    "minBudget": None,
    "maxBudget": None,
    "smsConsent": False,
    "isDeleted": False,
    "notProspect": False,
    "createdAt": "2021-10-14T18:10:34.515181+00:00",
    "updatedAt": "2021-10-14T18:10:34.694332+00:00",
    "firstContactType": "form",
    "status": "new",
}

#: The id in the API document's JavaScript example; it exists in every sandbox.
JS_EXAMPLE_ID = "51316"

# (city, state, zip prefix, IANA zone, number of agents)
_COMMUNITIES = [
    ("Austin", "TX", "787", "America/Chicago", 5),
    ("Denver", "CO", "802", "America/Denver", 4),
    ("Phoenix", "AZ", "850", "America/Phoenix", 3),
    ("Atlanta", "GA", "303", "America/New_York", 4),
    ("Seattle", "WA", "981", "America/Los_Angeles", 3),
    ("Boston", "MA", "021", "America/New_York", 3),
    ("Nashville", "TN", "372", "America/Chicago", 2),
]

# Long tail: a few big listing sites, then many small sources.
_SOURCES = [
    ("Property Website", 22),
    ("Zillow", 16),
    ("Apartments.com", 14),
    ("Google Ads", 9),
    ("Facebook", 6),
    ("Rent.com", 5),
    ("ApartmentGuide.com", 4),
    ("Apartment List", 4),
    ("Resident Referral", 3),
    ("Walk-in", 3),
    ("Craigslist", 2),
    ("Zumper", 2),
    ("Yelp", 1),
    ("Instagram", 1),
    ("Drive-by Signage", 1),
    ("Locator: Apartment Experts of Greater Metropolitan Area", 1),
]

# (status as the sandbox spells it, share of leads in %). Knock's labels: New, Open,
# Waiting, Booked, Visited, Canceled (Manager), Canceled (Renter), No Show,
# Applied (in review), Applied (Leased), Applied (Lost), Lost.
_EARLY_STATUSES = [
    ("new", 9),
    ("open", 12),
    ("waiting", 9),
    ("booked", 6),
    ("canceled_manager", 2),
    ("canceled_renter", 5),
    ("no_show", 7),
    ("lost", 15),
]
_VISITED_STATUSES = [("visited", 12), ("lost", 9)]
_APPLIED_STATUSES = [("applied_in_review", 2.5), ("applied_leased", 8.4), ("applied_lost", 3.1)]
_STATUSES = _EARLY_STATUSES + _VISITED_STATUSES + _APPLIED_STATUSES
_RECENT_STATUSES = ["new", "open", "waiting", "booked"]

_CONTACT_TYPES = [
    ("form", 38),
    ("internet", 14),
    ("call", 18),
    ("email", 12),
    ("sms", 8),
    ("chat", 6),
    ("walk-in", 4),
]

# fmt: off
_FIRST_NAMES = [
    "Olivia", "Liam", "Emma", "Noah", "Ava", "Mateo", "Sofia", "Ethan", "Mia", "Lucas",
    "Amelia", "James", "Harper", "Daniel", "Aisha", "Omar", "Priya", "Wei", "Hannah", "Jacob",
    "José", "Zoë", "Renée", "François", "Björn", "Łukasz", "Siobhán", "Søren", "Chloé", "Núria",
    "Dmitrí", "Ngọc", "Yūki", "İbrahim", "Mårten", "Ximena", "Thảo", "Ana-Lucía", "Jean-Luc",
]
_LAST_NAMES = [
    "Smith", "Johnson", "Williams", "Brown", "Garcia", "Miller", "Davis", "Rodriguez",
    "Martinez", "Hernandez", "Lopez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore",
    "Nguyễn", "Müller", "García Márquez", "Østergaard", "Kowalczyk", "Çelik", "Šimková",
    "O'Brien", "Smith, Jr.", "van der Berg", "Pérez", "Dubois", "Ólafsdóttir", "Kim", "Muñoz",
]
# fmt: on
# What people really type into web forms; spreadsheets would run some of these as formulas.
_HOSTILE_FIRST_NAMES = [
    '=HYPERLINK("http://example.com/x","Click me")',
    "@SUM(1+1)",
    "+1 555 call me",
    "-2+3",
    "=1+2",
    '"Danny" ',
    "\tTabby",
]
_STREETS = ["Oak St", "Maple Ave", "Congress Ave", "Lamar Blvd", "Pine St", "Cedar Ln", "5th St"]
_BEDROOMS = ["STUDIO", "1_BEDROOM", "2_BEDROOMS", "3_OR_MORE_BEDROOMS"]
_PETS = ["dog", "cat", "bird", "none"]
_AREA_CODES = ["512", "303", "602", "404", "206", "617", "615", "737", "720", "480"]

# The fifteen months end just after the API document's example lead (created 2021-10-14),
# so that record sits inside the timeline instead of years away from every other lead.
_END = datetime(2021, 10, 31, 23, 59, tzinfo=UTC)
_SPAN_DAYS = 456  # fifteen months of leads
# Leasing peaks in early summer; weekday traffic beats the weekend, Monday the most.
_MONTH_WEIGHT = [0.7, 0.75, 0.9, 1.0, 1.15, 1.3, 1.3, 1.2, 1.0, 0.9, 0.75, 0.65]
_WEEKDAY_WEIGHT = [1.35, 1.2, 1.1, 1.05, 0.95, 0.6, 0.55]
# fmt: off
_HOUR_WEIGHT = [
    0.2, 0.1, 0.1, 0.1, 0.1, 0.2, 0.4, 0.8, 1.2, 1.5, 1.6, 1.6,
    1.5, 1.5, 1.4, 1.3, 1.2, 1.1, 1.1, 1.2, 1.1, 0.9, 0.6, 0.4,
]
# fmt: on


class Community(NamedTuple):
    """One community: its id, where it is, its time zone and its agents' usernames."""

    community_id: str
    city: str
    state: str
    zip3: str
    zone: ZoneInfo
    agents: list[str]


#: How often a lead belongs to each community of :data:`_COMMUNITIES`, in order.
COMMUNITY_WEIGHTS = [5, 4, 3, 4, 3, 2, 2]


def _hex16(rng: random.Random) -> str:
    return f"{rng.getrandbits(64):016x}"


def _uuid(rng: random.Random) -> str:
    h = f"{rng.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) % 4]}{h[17:20]}-{h[20:]}"


def _ascii(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    kept = "".join(c for c in decomposed if c.isascii() and (c.isalnum() or c in "-."))
    return kept.lower() or "guest"


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="microseconds")


def day_weight(day: date) -> float:
    """How busy a day is for new leads, relative to others: season times weekday."""
    return _MONTH_WEIGHT[day.month - 1] * _WEEKDAY_WEIGHT[day.weekday()]


def span_days() -> list[date]:
    """The creation days of the generated leads, latest first."""
    return [(_END - timedelta(days=d)).date() for d in range(_SPAN_DAYS)]


def _created_days(rng: random.Random, n: int) -> list[date]:
    """Lead creation days over the span, weighted by season and weekday."""
    days = span_days()
    return rng.choices(days, weights=[day_weight(d) for d in days], k=n)


def build_communities(rng: random.Random) -> list[Community]:
    """The communities and their agents, drawn first from a seed's random stream.

    The example prospect belongs to the first community and its agent works there, so it
    does not show up as a community or agent of its own in breakdowns.
    """
    communities: list[Community] = []
    for city, state, zip3, zone, n_agents in _COMMUNITIES:
        agents = [_uuid(rng) for _ in range(n_agents)]
        community_id = _hex16(rng)
        if not communities:
            community_id = EXAMPLE_PROSPECT["communityId"]
            agents[0] = EXAMPLE_PROSPECT["agent"]["username"]
        communities.append(Community(community_id, city, state, zip3, ZoneInfo(zone), agents))
    return communities


def _pick(rng: random.Random, table: Sequence[tuple[str, float]]) -> str:
    names, weights = zip(*table, strict=True)
    return rng.choices(names, weights=weights)[0]


def generate_prospects(n: int, seed: int = DEFAULT_SEED) -> list[dict[str, Any]]:
    """Make ``n`` synthetic prospects, the same for the same ``n`` and ``seed``.

    The first is the API document's example prospect ``47569637`` exactly as printed, and
    ``51316`` (the id in the document's JavaScript example) is among them when ``n >= 2``.

    Examples
    --------
    >>> records = generate_prospects(100, seed=7)
    >>> records[0]["prospectId"], len({r["prospectId"] for r in records})
    ('47569637', 100)
    """
    if n < 1:
        raise ConfigurationError(f"n must be at least 1, got {n}")
    rng = random.Random(seed)
    communities = build_communities(rng)

    reserved = {EXAMPLE_PROSPECT["prospectId"], JS_EXAMPLE_ID}
    ids: list[str] = []
    seen = set(reserved)
    while len(ids) < n - 2:
        candidate = str(rng.randrange(100_000, 99_999_999))
        if candidate not in seen:
            seen.add(candidate)
            ids.append(candidate)
    if n >= 2:
        ids.insert(rng.randrange(0, len(ids) + 1), JS_EXAMPLE_ID)

    records: list[dict[str, Any]] = [
        dict(
            EXAMPLE_PROSPECT,
            agent=dict(EXAMPLE_PROSPECT["agent"]),
            source=dict(EXAMPLE_PROSPECT["source"]),
        )
    ]
    days = _created_days(rng, len(ids))
    for prospect_id, day in zip(ids, days, strict=True):
        records.append(one_prospect(rng, prospect_id, day, communities))
    return records[:n]


def one_prospect(
    rng: random.Random, prospect_id: str, day: date, communities: Sequence[Community]
) -> dict[str, Any]:
    """One synthetic guest card created on ``day`` (local time), as the API would serve it.

    Its status, ``updatedAt``, agent and flags are those of a lead seen at the end of the
    generated span; later arrivals replace them with their own lifecycle.
    """
    community_id, city, state, zip3, zone, agents = rng.choices(communities, COMMUNITY_WEIGHTS)[0]
    hour = rng.choices(range(24), weights=_HOUR_WEIGHT)[0]
    local = datetime(
        day.year,
        day.month,
        day.day,
        hour,
        rng.randrange(60),
        rng.randrange(60),
        rng.randrange(1_000_000),
        tzinfo=zone,
    )
    created = local.astimezone(UTC)
    age_days = (_END - created).days

    status = _pick(rng, _STATUSES)
    if age_days < 10 and status not in _RECENT_STATUSES and rng.random() < 0.8:
        status = rng.choice(_RECENT_STATUSES)  # too recent to have toured or leased
    late = status not in ("new", "open")
    updated = created + timedelta(
        seconds=rng.uniform(0.1, 2.0) if not late else rng.uniform(3_600, 45 * 86_400)
    )
    updated = min(updated, _END + timedelta(days=1))

    source = None if rng.random() < 0.04 else {"title": _pick(rng, _SOURCES)}
    contact = _pick(rng, _CONTACT_TYPES)
    if source and source["title"] == "Walk-in":
        contact = "walk-in"

    first = rng.choice(_HOSTILE_FIRST_NAMES) if rng.random() < 0.006 else rng.choice(_FIRST_NAMES)
    last = rng.choice(_LAST_NAMES)
    email = (
        None
        if rng.random() < 0.08
        else (
            f"{_ascii(first)}.{_ascii(last)}{rng.randrange(100)}@"
            f"{rng.choice(['example.com', 'example.net', 'example.org'])}"
        )
    )
    phone = (
        None
        if rng.random() < 0.1
        else (f"+1{rng.choice(_AREA_CODES)}555{rng.randrange(10_000):04d}")
    )
    consent_share = 0.7 if contact in ("form", "sms", "chat") else 0.35
    has_address = rng.random() < 0.25

    bedrooms: Any = None
    if rng.random() < 0.55:
        picks = sorted(rng.sample(_BEDROOMS, rng.choice([1, 1, 1, 2])), key=_BEDROOMS.index)
        bedrooms = picks[0] if rng.random() < 0.15 else picks  # lists or a bare scalar
    pets: Any = None
    if rng.random() < 0.4:
        pets = rng.sample(_PETS[:3], rng.choice([1, 1, 2])) if rng.random() < 0.7 else ["none"]
    min_budget = rng.randrange(9, 25) * 100 if rng.random() < 0.45 else None
    max_budget = (min_budget + rng.randrange(2, 9) * 100) if min_budget else None
    move_date = None
    if rng.random() < 0.6:
        move_date = (created + timedelta(days=rng.randrange(7, 120))).date().isoformat()

    return {
        "prospectId": prospect_id,
        "communityId": community_id,
        "email": email,
        "phone": phone,
        "agent": None
        if rng.random() < (0.3 if status == "new" else 0.04)
        else {"username": rng.choice(agents)},
        "address": f"{rng.randrange(100, 9999)} {rng.choice(_STREETS)}" if has_address else None,
        "unit": (
            f"#{rng.randrange(1, 40)}{rng.choice('ABCD')}"
            if has_address and rng.random() < 0.5
            else None
        ),
        "city": city if has_address else None,
        "state": state if has_address else None,
        "zip": f"{zip3}{rng.randrange(100):02d}" if has_address else None,
        "source": source,
        "firstName": first,
        "lastName": last,
        "moveDate": move_date,
        "bedrooms": bedrooms,
        "pets": pets,
        "occupants": rng.randrange(1, 6) if rng.random() < 0.5 else None,
        "leaseTermMonths": rng.choice([3, 6, 9, 12, 12, 12, 13, 15, 18])
        if rng.random() < 0.5
        else None,
        "minBudget": min_budget,
        "maxBudget": max_budget,
        "smsConsent": rng.random() < consent_share,
        "isDeleted": rng.random() < 0.015,
        "notProspect": rng.random() < 0.03,
        "createdAt": _iso(created),
        "updatedAt": _iso(updated.astimezone(UTC)),
        "firstContactType": contact,
        "status": status,
    }
