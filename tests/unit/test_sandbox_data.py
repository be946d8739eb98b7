"""The synthetic prospects are deterministic, well-formed and realistic enough to chart."""

from __future__ import annotations

import re
import statistics
import uuid
from collections import Counter
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from knock_data.sandbox import DEFAULT_SEED, EXAMPLE_PROSPECT, generate_prospects

KNOCK_STATUSES = {
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
APPLIED = {"applied_in_review", "applied_leased", "applied_lost"}


@pytest.fixture(scope="module")
def records() -> list[dict[str, Any]]:
    """The default sandbox's prospects."""
    return generate_prospects(5000, DEFAULT_SEED)


@pytest.fixture(scope="module")
def leads(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The synthetic ones (without the document's example)."""
    return records[1:]


def share(items: list[Any], predicate: Any) -> float:
    return sum(1 for item in items if predicate(item)) / len(items)


# -- identity and determinism ---------------------------------------------------------------


def test_ids_are_unique_numeric_strings_with_both_document_ids(
    records: list[dict[str, Any]],
) -> None:
    ids = [r["prospectId"] for r in records]
    assert len(ids) == len(set(ids)) == 5000
    assert all(re.fullmatch(r"[1-9][0-9]*", i) for i in ids)
    assert records[0] == EXAMPLE_PROSPECT
    assert "51316" in ids


def test_same_seed_same_prospects_other_seed_others() -> None:
    assert generate_prospects(400, seed=3) == generate_prospects(400, seed=3)
    other = generate_prospects(400, seed=4)
    assert [r["prospectId"] for r in other] != [r["prospectId"] for r in generate_prospects(400, 3)]


def test_example_record_is_a_copy_not_the_constant() -> None:
    first = generate_prospects(3)[0]
    first["agent"]["username"] = "changed"
    assert EXAMPLE_PROSPECT["agent"]["username"] == "2be16a9e-b3ab-4b1f-9632-575aca1a3d20"


@pytest.mark.parametrize("n", [1, 2, 3, 17])
def test_small_sandboxes(n: int) -> None:
    ids = [r["prospectId"] for r in generate_prospects(n, seed=9)]
    assert len(ids) == n
    assert ids[0] == "47569637"
    assert ("51316" in ids) == (n >= 2)


def test_no_prospects_is_an_error() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        generate_prospects(0)


# -- formats ------------------------------------------------------------------------------


def test_every_record_has_the_documents_fields_types_and_formats(
    records: list[dict[str, Any]],
) -> None:
    fields = list(EXAMPLE_PROSPECT)
    for r in records:
        assert list(r) == fields
        assert re.fullmatch(r"[0-9a-f]{16}", r["communityId"])
        assert r["phone"] is None or re.fullmatch(r"\+1[2-9][0-9]{9}|\+10551234567", r["phone"])
        assert r["email"] is None or re.fullmatch(
            r"[a-z0-9.\-]+@example\.(com|net|org)", r["email"]
        )
        if r["agent"] is not None:
            assert str(uuid.UUID(r["agent"]["username"])) == r["agent"]["username"]
        for stamp in ("createdAt", "updatedAt"):
            assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00", r[stamp])
        assert r["moveDate"] is None or re.fullmatch(r"\d{4}-\d\d-\d\d", r["moveDate"])
        assert r["leaseTermMonths"] is None or 1 <= r["leaseTermMonths"] <= 18
        if r["minBudget"] is not None:
            assert r["minBudget"] < r["maxBudget"]
        assert all(type(r[f]) is bool for f in ("smsConsent", "isDeleted", "notProspect"))


def test_updated_at_is_never_before_created_at(records: list[dict[str, Any]]) -> None:
    for r in records:
        assert datetime.fromisoformat(r["updatedAt"]) >= datetime.fromisoformat(r["createdAt"])


# -- realism ------------------------------------------------------------------------------


def test_statuses_are_knocks_labels_in_a_plausible_funnel(leads: list[dict[str, Any]]) -> None:
    statuses = Counter(r["status"] for r in leads)
    assert set(statuses) == set(KNOCK_STATUSES)  # all twelve, nothing else
    n = len(leads)
    visited = statuses["visited"] + sum(statuses[s] for s in APPLIED)
    applied = sum(statuses[s] for s in APPLIED)
    leased = statuses["applied_leased"]
    # Ranges from Knock's reports and multifamily benchmarks (lead to lease 5 to 12%).
    assert 0.20 <= visited / n <= 0.45
    assert 0.30 <= applied / visited <= 0.60
    assert 0.45 <= leased / applied <= 0.80
    assert 0.05 <= leased / n <= 0.12
    assert statuses["lost"] == max(statuses.values())  # most leads are lost, as in life


def test_sources_have_a_long_tail_and_some_are_missing(leads: list[dict[str, Any]]) -> None:
    titles = Counter(r["source"]["title"] for r in leads if r["source"] is not None)
    total = sum(titles.values())
    ranked = [count / total for _, count in titles.most_common()]
    assert len(titles) >= 8
    assert "Property Website" in titles
    assert ranked[0] < 0.35  # no single source dominates ...
    assert sum(ranked[:3]) > 0.5  # ... but a few big ones carry most leads
    assert sum(1 for s in ranked if s < 0.02) >= 4  # and a long tail of small ones
    assert 0.01 < share(leads, lambda r: r["source"] is None) < 0.1


def test_sms_consent_goes_both_ways(leads: list[dict[str, Any]]) -> None:
    assert 0.25 < share(leads, lambda r: r["smsConsent"]) < 0.75


def test_created_at_spans_over_a_year_with_a_weekly_rhythm(leads: list[dict[str, Any]]) -> None:
    created = [datetime.fromisoformat(r["createdAt"]) for r in leads]
    assert max(created) - min(created) >= timedelta(days=365)
    months = Counter((c.year, c.month) for c in created)
    assert len(months) >= 13
    assert min(months.values()) > 0
    central = ZoneInfo("America/Chicago")
    weekdays = Counter(c.astimezone(central).weekday() for c in created)
    workday = statistics.mean(weekdays[d] for d in range(5))
    weekend = statistics.mean(weekdays[d] for d in (5, 6))
    assert workday > 1.3 * weekend
    # Leasing season: summer months busier than winter ones.
    by_month = Counter(c.month for c in created)
    assert by_month[6] + by_month[7] > 1.3 * (by_month[12] + by_month[1])


def test_example_sits_inside_the_timeline_and_its_community(leads: list[dict[str, Any]]) -> None:
    created = sorted(r["createdAt"] for r in leads)
    assert created[0] < EXAMPLE_PROSPECT["createdAt"] < created[-1]
    assert any(r["communityId"] == EXAMPLE_PROSPECT["communityId"] for r in leads)
    assert any(r["agent"] == EXAMPLE_PROSPECT["agent"] for r in leads)


def test_several_communities_each_with_its_own_agents(leads: list[dict[str, Any]]) -> None:
    communities = Counter(r["communityId"] for r in leads)
    assert len(communities) >= 5
    assert max(communities.values()) < 0.35 * len(leads)
    community_of: dict[str, set[str]] = {}
    for r in leads:
        if r["agent"] is not None:
            community_of.setdefault(r["agent"]["username"], set()).add(r["communityId"])
    assert len(community_of) >= 10
    assert all(len(c) == 1 for c in community_of.values())  # an agent works at one community


@pytest.mark.parametrize("field", ["agent", "source", "email", "phone"])
def test_some_but_few_values_are_missing(leads: list[dict[str, Any]], field: str) -> None:
    assert 0.01 < share(leads, lambda r: r[field] is None) < 0.2


def test_new_leads_are_more_often_unassigned(leads: list[dict[str, Any]]) -> None:
    new = [r for r in leads if r["status"] == "new"]
    others = [r for r in leads if r["status"] != "new"]
    assert share(new, lambda r: r["agent"] is None) > 2 * share(
        others, lambda r: r["agent"] is None
    )


def test_a_few_deleted_and_not_a_prospect_records(leads: list[dict[str, Any]]) -> None:
    assert 0.005 < share(leads, lambda r: r["isDeleted"]) < 0.05
    assert 0.005 < share(leads, lambda r: r["notProspect"]) < 0.06


def test_names_hold_non_ascii_letters(leads: list[dict[str, Any]]) -> None:
    names = [r["firstName"] + " " + r["lastName"] for r in leads]
    assert share(names, lambda n: not n.isascii()) > 0.1
    joined = "".join(names)
    for letter in "éøüłñ":
        assert letter in joined.lower()


def test_a_few_hostile_first_names_as_typed_into_web_forms(leads: list[dict[str, Any]]) -> None:
    firsts = [r["firstName"] for r in leads]
    starts = Counter(f[0] for f in firsts if f[0] in "=@+-\t")
    assert set(starts) == {"=", "@", "+", "-", "\t"}
    assert sum(starts.values()) < 0.02 * len(leads)  # a few, not many


def test_optional_guest_card_fields_are_sometimes_filled(leads: list[dict[str, Any]]) -> None:
    for field in ("address", "moveDate", "bedrooms", "pets", "occupants", "minBudget"):
        assert 0.1 < share(leads, lambda r, f=field: r[f] is not None) < 0.9, field
