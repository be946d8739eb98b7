"""The sandbox lives in time: deterministic lifecycles, a forward clock, later arrivals.

Nothing here listens on a port: a ``SandboxServer`` that is not started still answers
``now``, ``prospect_ids``, ``timeline`` and ``record_at``.
"""

from __future__ import annotations

import csv
import itertools
import statistics
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

import knock_data as kd
from knock_data.sandbox import DEFAULT_SEED, EXAMPLE_PROSPECT, SandboxServer, generate_prospects
from knock_data.sandbox._clock import SandboxClock

DEFAULT_MOMENT = datetime(2021, 11, 2, tzinfo=UTC)
SAMPLE_IDS = Path(__file__).resolve().parents[2] / "data" / "sample_prospect_ids.csv"

# The steps the issue describes, written out here independently of the sandbox's own table:
# first contact, a tour asked for and booked, a visit or a no-show/cancellation and a rebook,
# an application and its decision; lost after silence; a lost lead that comes back.
ALLOWED = {
    "new": {"open", "waiting", "booked", "visited", "lost"},
    "open": {"waiting", "booked", "visited", "lost"},
    "waiting": {"booked", "lost"},
    "booked": {"visited", "no_show", "canceled_manager", "canceled_renter", "lost"},
    "no_show": {"booked", "lost"},
    "canceled_manager": {"booked", "lost"},
    "canceled_renter": {"booked", "lost"},
    "visited": {"applied_in_review", "lost"},
    "applied_in_review": {"applied_leased", "applied_lost"},
    "applied_leased": set(),
    "applied_lost": set(),
    "lost": {"open"},
}
TOURED = {"visited", "applied_in_review", "applied_leased", "applied_lost"}


@pytest.fixture(scope="module")
def server() -> SandboxServer:
    """The default sandbox's data and clock (never started, never advanced)."""
    return SandboxServer()


@pytest.fixture(scope="module")
def later(server: SandboxServer) -> SandboxServer:
    """The default sandbox 120 days on (a year of arrivals is drawn by some tests)."""
    moved = SandboxServer()
    moved.advance(days=120)
    return moved


# -- the default moment is today --------------------------------------------------------------


def test_default_moment_serves_todays_generator_output_exactly(server: SandboxServer) -> None:
    today = generate_prospects(5000, DEFAULT_SEED)  # the generator, as it always ran
    assert server.now == DEFAULT_MOMENT
    assert server.prospect_ids == [r["prospectId"] for r in today]
    assert server.records == today
    for expected in today:
        served = server.record_at(expected["prospectId"], DEFAULT_MOMENT)
        assert served == expected
        assert list(served) == list(expected)  # field order too


def test_default_moment_is_the_first_whole_minute_after_every_change() -> None:
    for n, seed in [(5000, DEFAULT_SEED), (40, 3)]:
        records = generate_prospects(n, seed)
        latest = max(
            datetime.fromisoformat(r[field])
            for r in records
            for field in ("createdAt", "updatedAt")
        )
        now = SandboxServer(n_prospects=n, seed=seed).now
        assert now.second == now.microsecond == 0
        assert now - timedelta(minutes=1) <= latest < now


def test_the_documents_examples_keep_their_contract(server: SandboxServer) -> None:
    assert server.record_at("47569637") == EXAMPLE_PROSPECT
    assert server.timeline("47569637", until=DEFAULT_MOMENT) == [
        (datetime.fromisoformat(EXAMPLE_PROSPECT["createdAt"]), "new")
    ]
    assert server.record_at(51316)["prospectId"] == "51316"  # type: ignore[index]


def test_the_sample_ids_file_still_holds(server: SandboxServer, later: SandboxServer) -> None:
    with SAMPLE_IDS.open(encoding="utf-8") as handle:
        cells = [row[0] for row in csv.reader(handle) if row][1:]
    ids = {c for c in cells if c.isdigit()}
    known = set(server.prospect_ids)
    assert len(ids - known) == 60  # the file's ids that do not exist ...
    assert not (ids - known) & set(later.prospect_ids)  # ... never come to exist


# -- timelines ------------------------------------------------------------------------------


def test_statuses_only_follow_allowed_steps(server: SandboxServer, later: SandboxServer) -> None:
    ids = server.prospect_ids + later.prospect_ids[5000:]
    seen: Counter[tuple[str, str]] = Counter()
    for prospect_id in ids:
        timeline = later.timeline(prospect_id)
        assert timeline[0][1] == "new", prospect_id
        for (start, before), (end, after) in itertools.pairwise(timeline):
            assert start < end, prospect_id
            assert after in ALLOWED[before], (prospect_id, before, after)
            seen[before, after] += 1
    assert len(seen) >= 25  # most of the allowed steps really happen
    assert seen["lost", "open"] > 0


def test_timelines_end_in_todays_record_at_its_updated_at(server: SandboxServer) -> None:
    for record in server.records[::7]:
        timeline = server.timeline(record["prospectId"])
        before = [(m, s) for m, s in timeline if m <= DEFAULT_MOMENT]
        assert before[-1][1] == record["status"]
        assert before[0][0] == datetime.fromisoformat(record["createdAt"])
        assert before[-1][0] <= datetime.fromisoformat(record["updatedAt"])


def test_timelines_are_deterministic_per_seed() -> None:
    one, two = SandboxServer(n_prospects=300), SandboxServer(n_prospects=300)
    other = SandboxServer(n_prospects=300, seed=DEFAULT_SEED + 1)
    for sandbox in (one, two, other):
        sandbox.advance(days=60)
    assert len(one.prospect_ids) > 300
    assert one.prospect_ids == two.prospect_ids
    assert [one.timeline(i) for i in one.prospect_ids] == [
        two.timeline(i) for i in two.prospect_ids
    ]
    assert [one.record_at(i) for i in one.prospect_ids] == [
        two.record_at(i) for i in two.prospect_ids
    ]
    assert one.prospect_ids[300:] != other.prospect_ids[300:]
    # The document's example is the same record in every seed, with each seed's own story.
    assert one.timeline("47569637") != other.timeline("47569637")


def test_the_same_story_whatever_is_asked_first() -> None:
    asked_late = SandboxServer(n_prospects=500)
    asked_late.advance(days=90)
    asked_early = SandboxServer(n_prospects=500)
    early = [asked_early.record_at(i, "2021-07-01") for i in asked_early.prospect_ids]
    asked_early.advance(days=90)
    assert [asked_late.timeline(i) for i in asked_late.prospect_ids] == [
        asked_early.timeline(i) for i in asked_early.prospect_ids
    ]
    assert early == [asked_late.record_at(i, "2021-07-01") for i in asked_late.prospect_ids[:500]]


def test_record_at_follows_the_timeline_and_updated_at_is_the_last_change(
    later: SandboxServer,
) -> None:
    checked = 0
    for prospect_id in later.prospect_ids[::37]:
        timeline = later.timeline(prospect_id)
        created = timeline[0][0]
        for moment in [created, *(m for m, _ in timeline[1:]), created + timedelta(days=20)]:
            if moment > later.now:
                continue
            record = later.record_at(prospect_id, moment)
            assert record is not None
            status = [s for m, s in timeline if m <= moment][-1]
            assert record["status"] == status
            updated = datetime.fromisoformat(record["updatedAt"])
            assert created <= updated
            assert updated <= moment or moment - created < timedelta(seconds=3)
            checked += 1
        assert later.record_at(prospect_id, created - timedelta(microseconds=1)) is None
    assert checked > 300


def test_only_lifecycle_fields_change_over_time(
    server: SandboxServer, later: SandboxServer
) -> None:
    moving = {"agent", "smsConsent", "isDeleted", "notProspect", "updatedAt", "status"}
    changed: Counter[str] = Counter()
    for record in server.records:
        now = later.record_at(record["prospectId"])
        purge = later.purged_at(record["prospectId"])
        if purge is not None and purge <= later.now:
            assert now is None  # Knock purged it: it no longer exists
            continue
        assert now is not None
        assert list(now) == list(record)
        for field in record:
            if now[field] != record[field]:
                assert field in moving, field
                changed[field] += 1
    assert set(changed) == moving  # every one of them does change for some prospects


def test_unknown_ids_are_a_key_error_and_not_yet_created_is_none(server: SandboxServer) -> None:
    for unknown in ["0", "051316", "abc", "99999999999999"]:
        with pytest.raises(KeyError, match="no sandbox prospect"):
            server.timeline(unknown)
        with pytest.raises(KeyError, match="no sandbox prospect"):
            server.record_at(unknown)
    assert server.record_at("51316", "2019-01-01") is None


# -- movement -------------------------------------------------------------------------------


def changes_between(
    server: SandboxServer, ids: list[str], start: datetime, end: datetime
) -> set[str]:
    return {i for i in ids if any(start < m <= end for m, _ in server.timeline(i))}


def test_advancing_moves_some_prospects_and_rarely_closed_ones(
    server: SandboxServer, later: SandboxServer
) -> None:
    states = dict(
        zip(
            server.prospect_ids,
            kd.lifecycle_state(kd.to_frame(server.records), now=DEFAULT_MOMENT),
            strict=True,
        )
    )
    end = DEFAULT_MOMENT + timedelta(days=30)
    moved = changes_between(later, server.prospect_ids, DEFAULT_MOMENT, end)
    by_state = Counter(states[i] for i in moved)
    share = {
        s: by_state[s] / sum(1 for v in states.values() if v == s) for s in kd.LIFECYCLE_STATES
    }
    assert share["active"] > 0.5  # most active leads move within a month
    assert share["dormant"] < 0.02  # a dormant lead rarely wakes up
    assert share["closed"] < 0.01  # a closed one, more rarely still ...
    for prospect_id in moved:
        if states[prospect_id] == "closed":  # ... and only a lost lead coming back
            before = server.record_at(prospect_id)
            assert before is not None
            assert before["status"] == "lost"
            assert not before["isDeleted"]
            assert not before["notProspect"]
            first_change = next(s for m, s in later.timeline(prospect_id) if m > DEFAULT_MOMENT)
            assert first_change == "open"


def test_a_dormant_lead_wakes_months_after_its_last_change_as_any_quiet_lead(
    server: SandboxServer,
) -> None:
    """Today's dormant leads follow the walk's rule for a lead that goes quiet: if it ever
    changes again, it does 45 to 240 days after its last change (plus the office's opening
    hours), so a lead quiet for longer than that at the default moment never moves."""
    frame = kd.to_frame(server.records)
    dormant = frame.loc[kd.is_dormant(frame, now=DEFAULT_MOMENT), "prospect_id"].tolist()
    gaps = []
    for prospect_id in dormant:
        future = [m for m, _ in server.timeline(prospect_id) if m > DEFAULT_MOMENT]
        if future:
            today = server.record_at(prospect_id)
            assert today is not None
            last = datetime.fromisoformat(today["updatedAt"])
            gaps.append((future[0] - last) / timedelta(days=1))
    assert len(gaps) > 20  # some do wake up (a few percent of 2,800)
    assert len(gaps) < 0.05 * len(dormant)
    assert min(gaps) >= 45 - 1 / 1440
    assert max(gaps) <= 240 + 4  # the office may open a few days later


def test_answers_change_after_a_week_but_mostly_stay(server: SandboxServer) -> None:
    week = SandboxServer()
    week.advance(days=7)
    before = {r["prospectId"]: r for r in server.records}
    after = {r["prospectId"]: r for r in week.records}
    changed = [i for i in before if after.get(i) != before[i]]  # or purged (gone)
    assert 0.01 < len(changed) / len(before) < 0.10
    assert len(after) > len(before)  # leads arrived


# -- later arrivals -------------------------------------------------------------------------


def test_prospect_ids_grow_with_the_clock(server: SandboxServer, later: SandboxServer) -> None:
    today = server.prospect_ids
    ids = later.prospect_ids
    assert ids[: len(today)] == today
    arrivals = ids[len(today) :]
    assert len(set(ids)) == len(ids)
    created = [later.timeline(i)[0][0] for i in arrivals]
    assert created == sorted(created)  # in creation order
    assert created[0] > DEFAULT_MOMENT
    assert created[-1] <= later.now
    assert later.n_prospects == 5000
    midway = SandboxServer()
    midway.advance(days=60)
    assert ids[: len(midway.prospect_ids)] == midway.prospect_ids  # it only ever appends
    for prospect_id in arrivals[::50]:
        record = later.record_at(prospect_id)
        assert record is not None
        assert list(record) == list(EXAMPLE_PROSPECT)
        assert record["prospectId"] == prospect_id
        assert later.record_at(prospect_id, DEFAULT_MOMENT) is None


def test_arrivals_keep_todays_seasonal_weekly_and_hourly_rhythm() -> None:
    year = SandboxServer(n_prospects=5000)
    year.advance(days=365)
    arrivals = year.prospect_ids[5000:]
    records = [year.record_at(i) for i in arrivals]
    created = [datetime.fromisoformat(r["createdAt"]) for r in records if r is not None]
    # About as many a day as today's data holds (5,000 leads over fifteen months).
    assert 3000 < len(created) < 5000
    central = ZoneInfo("America/Chicago")
    weekdays = Counter(c.astimezone(central).weekday() for c in created)
    assert statistics.mean(weekdays[d] for d in range(5)) > 1.3 * statistics.mean(
        weekdays[d] for d in (5, 6)
    )
    months = Counter(c.month for c in created)
    assert months[6] + months[7] > 1.3 * (months[12] + months[1])
    hours = Counter(c.astimezone(central).hour for c in created)
    assert sum(hours[h] for h in range(9, 17)) > 4 * sum(hours[h] for h in range(8))


def test_arrivals_move_through_the_funnel_at_benchmark_rates() -> None:
    sandbox = SandboxServer()
    sandbox.advance(days=90)
    arrivals = sandbox.prospect_ids[5000:]
    toured = leased = 0
    to_tour, to_lease, to_contact = [], [], []
    for prospect_id in arrivals:
        timeline = sandbox.timeline(prospect_id)
        created = timeline[0][0]
        days = {s: (m - created).total_seconds() / 86400 for m, s in reversed(timeline)}
        if TOURED & set(days):
            toured += 1
            to_tour.append(min(d for s, d in days.items() if s in TOURED))
        if "applied_leased" in days:
            leased += 1
            to_lease.append(days["applied_leased"])
        if len(timeline) > 1:
            to_contact.append(days[timeline[1][1]])
    n = len(arrivals)
    # ../shared/knock-domain.md: lead to visit 25 to 45%, lead to lease 5 to 12%.
    assert 0.25 <= toured / n <= 0.45
    assert 0.05 <= leased / n <= 0.12
    # First contact within hours (a day at most, counting nights and weekends); a tour within
    # days to two weeks; a lease within about a month (application, decision in 1-3 weeks).
    assert statistics.median(to_contact) < 1
    assert 2 <= statistics.median(to_tour) <= 14
    assert 14 <= statistics.median(to_lease) <= 40


def test_new_leads_are_more_often_unassigned_over_time(later: SandboxServer) -> None:
    unassigned: dict[bool, list[bool]] = {True: [], False: []}
    for prospect_id in later.prospect_ids[5000:]:
        record = later.record_at(prospect_id)
        assert record is not None
        unassigned[record["status"] == "new"].append(record["agent"] is None)
    new, others = (statistics.mean(unassigned[k]) for k in (True, False))
    assert new > 2 * others


# -- a clock in the past, and the clock itself ------------------------------------------------


def test_a_clock_in_the_past_serves_the_past() -> None:
    june = SandboxServer(n_prospects=2000, now="2021-06-01")
    everyone = SandboxServer(n_prospects=2000)
    assert june.now == datetime(2021, 6, 1, tzinfo=UTC)
    created = {r["prospectId"]: r["createdAt"] for r in everyone.records}
    expected = [i for i in everyone.prospect_ids if created[i] <= "2021-06-01T00:00:00"]
    assert june.prospect_ids == expected
    assert 0 < len(expected) < 2000
    for record in june.records[::20]:
        status = [s for m, s in june.timeline(record["prospectId"]) if m <= june.now][-1]
        assert record["status"] == status
        assert record["updatedAt"] <= "2021-06-01T00:00:00.000000+00:00"


def test_the_clock_moves_forward_only(server: SandboxServer) -> None:
    sandbox = SandboxServer(n_prospects=10)
    start = sandbox.now
    assert sandbox.advance(days=0) == start
    assert sandbox.advance(timedelta(hours=12)) == start + timedelta(hours=12)
    assert sandbox.advance(days=1.5) == start + timedelta(days=2)
    with pytest.raises(ValueError, match="forward only"):
        sandbox.advance(days=-1)
    with pytest.raises(ValueError, match="forward only"):
        sandbox.advance(timedelta(seconds=-1))
    with pytest.raises(ValueError, match="finite"):
        sandbox.advance(days=float("nan"))
    with pytest.raises(ValueError, match="9999"):
        sandbox.advance(days=10**7)
    with pytest.raises(TypeError, match="not both or neither"):
        sandbox.advance()
    assert sandbox.now == start + timedelta(days=2)
    assert server.now == DEFAULT_MOMENT  # another sandbox's clock is its own


def test_now_accepts_days_times_and_text_and_is_utc() -> None:
    assert SandboxServer(n_prospects=5, now="2021-12-31").now == datetime(2021, 12, 31, tzinfo=UTC)
    eastern = datetime(2021, 12, 31, 9, 30, tzinfo=ZoneInfo("America/New_York"))
    assert SandboxServer(n_prospects=5, now=eastern).now.isoformat() == "2021-12-31T14:30:00+00:00"
    assert SandboxServer(n_prospects=5, now=datetime(2021, 12, 31, 9)).now.hour == 9  # naive: UTC
    with pytest.raises(ValueError, match="such as 2021-12-31"):
        SandboxServer(n_prospects=5, now="next week")


def test_a_running_clock_counts_simulated_days_per_real_minute() -> None:
    real = [100.0]
    clock = SandboxClock(DEFAULT_MOMENT, days_per_minute=7, monotonic=lambda: real[0])
    assert clock.now == DEFAULT_MOMENT
    real[0] += 60  # one real minute: one simulated week
    assert clock.now == DEFAULT_MOMENT + timedelta(days=7)
    real[0] += 0.004  # whole seconds only: 0.004 s real is 40.32 s simulated
    assert clock.now == DEFAULT_MOMENT + timedelta(days=7, seconds=40)
    assert clock.advance(timedelta(days=1)) == DEFAULT_MOMENT + timedelta(days=8, seconds=40)
    with pytest.raises(ValueError, match="zero or more"):
        SandboxClock(DEFAULT_MOMENT, days_per_minute=-1)


def test_a_sandbox_with_speed_runs_by_itself() -> None:
    sandbox = SandboxServer(n_prospects=10, speed=1440)  # a simulated day per real second
    start = sandbox.now
    assert sandbox.speed == 1440
    deadline = datetime.now(UTC) + timedelta(seconds=10)
    while sandbox.now < start + timedelta(hours=2) and datetime.now(UTC) < deadline:
        pass
    assert sandbox.now >= start + timedelta(hours=2)


# -- purges ----------------------------------------------------------------------------------


def test_a_few_long_deleted_records_are_purged_in_the_months_after_the_default_moment(
    server: SandboxServer, later: SandboxServer
) -> None:
    purged: dict[str, datetime] = {}
    for record in server.records:
        moment = server.purged_at(record["prospectId"])
        if moment is not None:
            purged[record["prospectId"]] = moment
    deleted = [r["prospectId"] for r in server.records if r["isDeleted"]]
    assert set(purged) <= set(deleted)  # only records deleted today
    assert 0.15 < len(purged) / len(deleted) < 0.45  # a few of them
    assert all(DEFAULT_MOMENT < m <= DEFAULT_MOMENT + timedelta(days=120) for m in purged.values())
    pid, moment = next(iter(purged.items()))
    assert server.record_at(pid) is not None  # the default moment is untouched
    assert server.record_at(pid, moment - timedelta(seconds=1)) == server.record_at(pid)
    assert server.record_at(pid, moment) is None
    assert later.record_at(pid) is None
    assert pid in later.prospect_ids  # still on an analyst's list
    assert pid not in {r["prospectId"] for r in later.records}
    again = SandboxServer()  # the same seed purges the same records at the same moments
    assert {p: again.purged_at(p) for p in purged} == purged
