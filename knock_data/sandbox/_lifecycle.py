"""How each sandbox lead moves through the funnel: its lifecycle, drawn once and kept.

A lifecycle is the list of every version of one prospect's record: created as ``new``, then
the steps a real lead takes (first contact, a tour asked for and booked, a visit or a no-show
and a rebook, an application, a decision; lost after silence; now and then a lost lead that
comes back, a record deleted or marked not a prospect). Each prospect draws its lifecycle
from its own random streams, seeded by the sandbox's seed and its id, the first time anyone
asks, so start-up costs nothing and the same seed always tells the same story.

- **Today's prospects** (the records served at the default moment) keep their record exactly:
  the past is derived *from* it (its status, ``createdAt``, ``updatedAt``, agent, consent and
  flags), with the last step at its ``updatedAt``, and drawn only when a moment before it is
  asked about; the future goes on from there, by the one definition of closed and dormant in
  :mod:`knock_data`: active leads keep moving, a dormant one rarely wakes up, a closed one
  stays closed unless a lost lead comes back.
- **Later arrivals** live their whole life by the same rules from their creation.

Delays follow the funnel benchmarks: first contact within hours in office hours, tours days to
two weeks after booking, applications within days of a tour, decisions in one to three weeks,
lost after two or three weeks of silence. Where today's record leaves less (or more) time
between ``createdAt`` and ``updatedAt``, the derived past is squeezed (or stretched) to fit.
"""

from __future__ import annotations

import bisect
import hashlib
import itertools
import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

__all__ = [
    "ALLOWED_STEPS",
    "Lifecycle",
    "Step",
    "arrival_lifecycle",
    "past_steps",
    "stands_still",
    "today_lifecycle",
    "today_step",
]

_STAY = ""  # the lead stops changing (it goes dormant)

# Where a lead goes from each status, with weights; _STAY ends the walk. The weights give a
# funnel inside the benchmarks (about 30% of leads tour, 9% lease).
_NEXT: dict[str, tuple[tuple[str, float], ...]] = {
    "new": (("open", 70), ("waiting", 5), ("booked", 5), ("visited", 1), ("lost", 7), (_STAY, 12)),
    "open": (("waiting", 18), ("booked", 25), ("visited", 5), ("lost", 30), (_STAY, 22)),
    "waiting": (("booked", 55), ("lost", 25), (_STAY, 20)),
    "booked": (
        ("visited", 62),
        ("no_show", 14),
        ("canceled_renter", 11),
        ("canceled_manager", 5),
        ("lost", 2),
        (_STAY, 6),
    ),
    "no_show": (("booked", 30), ("lost", 35), (_STAY, 35)),
    "canceled_renter": (("booked", 30), ("lost", 35), (_STAY, 35)),
    "canceled_manager": (("booked", 50), ("lost", 25), (_STAY, 25)),
    "visited": (("applied_in_review", 45), ("lost", 30), (_STAY, 25)),
    "applied_in_review": (("applied_leased", 72), ("applied_lost", 28)),
    "applied_leased": (),
    "applied_lost": (),
    "lost": (),  # closed; a few come back (_COMEBACK)
}

#: Every status change a sandbox lead can make: status -> the statuses it may go to next.
ALLOWED_STEPS: dict[str, frozenset[str]] = {
    status: frozenset(to for to, _ in options if to) | ({"open"} if status == "lost" else set())
    for status, options in _NEXT.items()
}

_COMEBACK = 0.04  # lost leads that write back, weeks later
_WAKE = 0.05  # quiet leads (dormant, or stopped in a walk) that change once more, months later
_FLAGGED_LATER = 0.03  # active leads of today later deleted or marked not a prospect
_CLEANED_UP = 0.2  # dormant leads that wake up only to be deleted or marked not a prospect
_WALK_IN = 0.85  # walk-in leads recorded as visited at once
_UNASSIGNED_AT_FIRST = 0.3  # leads created without an agent, assigned at first contact
_MAX_STEPS = 40
# Where a quiet lead goes when it wakes up.
_WAKES_TO = {"new": "open", "open": "booked", "waiting": "booked", "visited": "applied_in_review"}

_MINUTE, _HOUR, _DAY = 60.0, 3600.0, 86400.0
# Leasing office hours, local time: weekday -> (opens, closes); closed on Sundays.
_OFFICE_HOURS = {0: (9, 18), 1: (9, 18), 2: (9, 18), 3: (9, 18), 4: (9, 18), 5: (10, 17)}
# Changes the office records (snapped to office hours); the others come from leads online.
_BY_THE_OFFICE = frozenset(
    {
        *("open", "booked", "visited", "no_show", "canceled_manager", "canceled_renter"),
        *("lost", "applied_leased", "applied_lost"),
    }
)


@dataclass(frozen=True, slots=True)
class Step:
    """One version of a prospect's record: what changed at ``at`` and holds until the next."""

    at: datetime
    status: str
    agent: str | None
    sms_consent: bool
    is_deleted: bool
    not_prospect: bool
    updated_at: datetime

    @property
    def flagged(self) -> bool:
        """Deleted or marked not a prospect."""
        return self.is_deleted or self.not_prospect


class Lifecycle:
    """Every version of one prospect's record, in time order.

    ``card`` is the record's unchanging part (name, contact, community...); each
    :class:`Step` adds the status, agent, SMS consent, flags and ``updatedAt`` it holds from
    ``step.at`` on. ``later`` holds every step for an arrival; for one of today's prospects
    it starts at ``today``, the step served at the default moment, and ``past`` (the steps
    before it) is drawn only when a moment before it is asked about (see
    :func:`past_steps`): serving the present and the future never needs it.
    """

    __slots__ = ("card", "later", "past", "today")

    def __init__(
        self, card: Mapping[str, Any], later: Sequence[Step], *, today: Step | None = None
    ) -> None:
        self.card = card
        self.later = tuple(later)
        self.today = today
        self.past: tuple[Step, ...] | None = None if today is not None else ()

    @property
    def steps(self) -> tuple[Step, ...]:
        """Every step, creation first (the past must have been drawn)."""
        assert self.past is not None, "draw the past first"
        return (*self.past, *self.later)

    def step_at(self, moment: datetime) -> Step | None:
        """The step in force at ``moment``; ``None`` before the prospect exists.

        A moment before :attr:`later` needs :attr:`past`, drawn beforehand.
        """
        index = bisect.bisect_right(self.later, moment, key=_at) - 1
        if index >= 0:
            return self.later[index]
        assert self.past is not None, "draw the past first"
        index = bisect.bisect_right(self.past, moment, key=_at) - 1
        return self.past[index] if index >= 0 else None

    def record(self, step: Step) -> dict[str, Any]:
        """The record as served while ``step`` holds (a new dict)."""
        return dict(
            self.card,
            agent=None if step.agent is None else {"username": step.agent},
            smsConsent=step.sms_consent,
            isDeleted=step.is_deleted,
            notProspect=step.not_prospect,
            updatedAt=_iso(step.updated_at),
            status=step.status,
        )

    def timeline(self) -> list[tuple[datetime, str]]:
        """``[(moment, status), ...]``: the creation, then every change of status."""
        changes: list[tuple[datetime, str]] = []
        for step in self.steps:
            if not changes or step.status != changes[-1][1]:
                changes.append((step.at, step.status))
        return changes


def _at(step: Step) -> datetime:
    return step.at


def stands_still(record: Mapping[str, Any], *, seed: int, present: datetime) -> bool:
    """Whether ``record`` never changes after ``present``: true of most closed and dormant
    leads, and decided without drawing anything (a moved clock asks it of every prospect)."""
    from knock_data._lifecycle import lifecycle_state

    return _stands_still(record, lifecycle_state(record, now=present), seed)


def _stands_still(record: Mapping[str, Any], state: str, seed: int) -> bool:
    if state == "active":
        return False
    chance = _chance(seed, record["prospectId"])
    if state == "dormant":
        return chance >= _WAKE
    lost = record["status"] == "lost" and not (record["isDeleted"] or record["notProspect"])
    return not (lost and chance < _COMEBACK)


def today_lifecycle(
    record: Mapping[str, Any],
    *,
    seed: int,
    present: datetime,
    zone: ZoneInfo,
    agents: Sequence[str],
) -> Lifecycle:
    """The future of one of today's prospects, from ``record`` on, after ``present``.

    By :func:`knock_data.lifecycle_state` at ``present``: an active lead keeps moving, a
    dormant one rarely changes again and a closed one stays closed unless a lost lead comes
    back (see :func:`stands_still`); those that move walk on with their own random stream.
    """
    from knock_data._lifecycle import lifecycle_state

    today = today_step(record)
    state = lifecycle_state(record, now=present)
    if _stands_still(record, state, seed):
        return Lifecycle(record, [today], today=today)
    walk = _Walk(_stream(seed, record["prospectId"], "future"), zone, agents)
    walk.walk_in = record["firstContactType"] == "walk-in"
    if state == "dormant":
        future = walk.wake(today, present)
    elif state == "closed":
        future = walk.comeback(today, present)
    else:
        future = walk.onwards(today, not_before=present)
        if walk.rng.random() < _FLAGGED_LATER:
            future = walk.flag(today, future, present + timedelta(days=walk.rng.uniform(1, 120)))
    return Lifecycle(record, [today, *future], today=today)


def past_steps(
    record: Mapping[str, Any], *, seed: int, zone: ZoneInfo, agents: Sequence[str]
) -> tuple[Step, ...]:
    """The steps of one of today's prospects before its :func:`today_step`, from creation."""
    steps = _Walk(_stream(seed, record["prospectId"], "past"), zone, agents).past(record)
    return tuple(steps[:-1])  # the last is today's step


def _chance(seed: int, prospect_id: str) -> float:
    """A uniform number in [0, 1) for the prospect, without building a random stream."""
    digest = hashlib.blake2b(f"{seed}/{prospect_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest) / 2**64


def today_step(record: Mapping[str, Any]) -> Step:
    """The step that shows ``record`` exactly: from its last change (its ``updatedAt``, or
    its creation for a lead that is still as it was created)."""
    created = datetime.fromisoformat(record["createdAt"])
    updated = datetime.fromisoformat(record["updatedAt"])
    flagged = bool(record["isDeleted"] or record["notProspect"])
    as_created = record["status"] == "new" and not flagged
    return Step(
        created if as_created else updated,
        record["status"],
        record["agent"]["username"] if record["agent"] else None,
        bool(record["smsConsent"]),
        bool(record["isDeleted"]),
        bool(record["notProspect"]),
        updated,
    )


def arrival_lifecycle(
    card: Mapping[str, Any], *, seed: int, zone: ZoneInfo, agents: Sequence[str]
) -> Lifecycle:
    """The lifecycle of a lead arriving after the default moment, from its creation.

    ``card`` is a generated guest card: its ``createdAt``, contact and static fields are
    kept; its ``isDeleted``/``notProspect`` say whether it gets flagged later in life.
    """
    walk = _Walk(_stream(seed, card["prospectId"], "life"), zone, agents)
    created = datetime.fromisoformat(card["createdAt"])
    rng = walk.rng
    agent = None if rng.random() < _UNASSIGNED_AT_FIRST else rng.choice(agents)
    first = Step(
        created,
        "new",
        agent,
        bool(card["smsConsent"]),
        False,
        False,
        created + timedelta(seconds=rng.uniform(0.1, 2.0)),
    )
    walk.walk_in = card["firstContactType"] == "walk-in"
    steps = walk.onwards(first, not_before=None)
    if card["isDeleted"] or card["notProspect"]:
        when = created + timedelta(seconds=rng.uniform(_HOUR, 60 * _DAY))
        steps = walk.flag(first, steps, when, deleted=bool(card["isDeleted"]))
    return Lifecycle(card, [first, *steps])


def _stream(seed: int, prospect_id: str, part: str) -> random.Random:
    """A prospect's own random stream: the same for the same seed and id, in any process."""
    return random.Random(f"knock-sandbox/{seed}/{prospect_id}/{part}")


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="microseconds")


class _Walk:
    """Draws one prospect's steps from its random stream."""

    def __init__(self, rng: random.Random, zone: ZoneInfo, agents: Sequence[str]) -> None:
        self.rng = rng
        self.zone = zone
        self.agents = agents
        self.walk_in = False

    # -- the past of today's prospects ----------------------------------------------------

    def past(self, record: Mapping[str, Any]) -> list[Step]:
        """Steps from creation to ``record``, the last one at its ``updatedAt``."""
        rng = self.rng
        created = datetime.fromisoformat(record["createdAt"])
        updated = datetime.fromisoformat(record["updatedAt"])
        self.walk_in = record["firstContactType"] == "walk-in"
        path = self._path_to(record["status"])
        flagged = bool(record["isDeleted"] or record["notProspect"])
        gaps = [self._delay(a, b) for a, b in itertools.pairwise(path)]
        if flagged:
            gaps.append(rng.lognormvariate(math.log(3 * _DAY), 1.0))
        # Squeeze or stretch the natural delays into the time the record shows.
        span = (updated - created).total_seconds()
        moments = [created]
        if gaps:
            scale, elapsed = span / sum(gaps), 0.0
            for gap in gaps[:-1]:
                elapsed += gap * scale
                moments.append(created + timedelta(seconds=elapsed))
            moments.append(updated)

        agent = record["agent"]["username"] if record["agent"] else None
        consent = bool(record["smsConsent"])
        n = len(moments)
        agents = [agent] * n
        consents = [consent] * n
        if n > 1 and agent is not None and rng.random() < _UNASSIGNED_AT_FIRST:
            agents[0] = None  # assigned at first contact
        if n > 1 and consent and rng.random() < 0.25:
            consents[0] = False  # opted in when first texted
        elif n > 2 and not consent and rng.random() < 0.08:
            revoked = rng.randrange(1, n)
            consents[:revoked] = [True] * revoked  # opted out (STOP) later

        statuses = path + ([path[-1]] if flagged else [])
        first_update = created + timedelta(seconds=rng.uniform(0.1, 2.0))
        if n == 1:
            first_update = updated
        elif first_update >= moments[1]:
            first_update = created + (moments[1] - created) / 2
        steps = []
        for i, (at, status) in enumerate(zip(moments, statuses, strict=True)):
            last = i == n - 1
            steps.append(
                Step(
                    at,
                    status,
                    agents[i],
                    consents[i],
                    bool(record["isDeleted"]) and last,
                    bool(record["notProspect"]) and last,
                    first_update if i == 0 else at,
                )
            )
        return steps

    def _path_to(self, final: str) -> list[str]:
        """Statuses from ``new`` to ``final`` that a lead plausibly went through."""
        rng = self.rng
        if final == "new":
            return ["new"]
        if final == "open":
            return ["new", "open"]
        if final == "waiting":
            return ["new", "open", "waiting"] if rng.random() < 0.85 else ["new", "waiting"]
        if final == "booked":
            return self._to_booked(rebook=0.0)
        if final in ("no_show", "canceled_manager", "canceled_renter"):
            return [*self._to_booked(rebook=0.1), final]
        if final == "visited":
            return self._to_visited()
        if final == "applied_in_review":
            return [*self._to_visited(), "applied_in_review"]
        if final in ("applied_leased", "applied_lost"):
            return [*self._to_visited(), "applied_in_review", final]
        if final == "lost":
            if rng.random() < 9 / 24:  # the generator's share of leads lost after a visit
                return [*self._to_visited(), "lost"]
            before = rng.choices(
                ["new", "open", "waiting", "no_show", "canceled_renter"], [15, 45, 10, 18, 12]
            )[0]
            return [*self._path_to(before), "lost"]
        return ["new", final]  # a status the sandbox does not draw: created, then set

    def _to_booked(self, *, rebook: float) -> list[str]:
        roll = self.rng.random()
        if roll < 0.55:
            path = ["new", "open", "booked"]
        elif roll < 0.8:
            path = ["new", "open", "waiting", "booked"]
        elif roll < 0.9:
            path = ["new", "booked"]  # booked online at once
        else:
            path = ["new", "waiting", "booked"]
        if self.rng.random() < rebook:
            path += [self.rng.choice(["no_show", "canceled_renter"]), "booked"]
        return path

    def _to_visited(self) -> list[str]:
        if self.walk_in and self.rng.random() < _WALK_IN:
            return ["new", "visited"]
        if self.rng.random() < 0.06:
            return ["new", "open", "visited"]
        return [*self._to_booked(rebook=0.12), "visited"]

    # -- the future ---------------------------------------------------------------------------

    def onwards(self, last: Step, *, not_before: datetime | None) -> list[Step]:
        """Walk on from ``last``; the first change comes after ``not_before`` when given.

        A change that would have fallen before ``not_before`` did not happen by then (the
        record shows none), so it is drawn again after it.
        """
        rng = self.rng
        steps: list[Step] = []
        while len(steps) < _MAX_STEPS:
            options = _NEXT.get(last.status, ())
            if last.status == "lost":
                if last.flagged or rng.random() >= _COMEBACK:
                    break
                to, delay = "open", rng.uniform(21, 84) * _DAY
            elif not options:
                break  # leased or lost an application: closed for good
            else:
                to = self._choose(last.status, options)
                if to == _STAY:
                    if rng.random() >= _WAKE:
                        break
                    to = self._late_change(last.status)
                    delay = rng.uniform(45, 240) * _DAY
                else:
                    delay = self._delay(last.status, to)
            at = last.at + timedelta(seconds=delay)
            if not_before is not None and at <= not_before:
                at = not_before + timedelta(seconds=delay * rng.random())
            not_before = None
            step = self._change(last, self._office(at) if to in _BY_THE_OFFICE else at, to)
            steps.append(step)
            last = step
            if step.flagged:
                break
        return steps

    def wake(self, last: Step, present: datetime) -> list[Step]:
        """A dormant lead that changes once more (a few do), months later: the office closes
        it, deletes it or marks it not a prospect, or the lead comes back to life."""
        rng = self.rng
        at = present + timedelta(days=rng.uniform(1, 240))
        if rng.random() < _CLEANED_UP:
            return self.flag(last, [], at)
        woken = self._change(last, self._office(at), self._late_change(last.status))
        return [woken, *self.onwards(woken, not_before=None)]

    def comeback(self, last: Step, present: datetime) -> list[Step]:
        """A lost lead that writes back (a few do) weeks later, if that is still to come."""
        rng = self.rng
        at = last.at + timedelta(days=rng.uniform(21, 84))
        if at <= present:
            return []  # the record shows it stayed lost
        back = self._change(last, at, "open")
        return [back, *self.onwards(back, not_before=None)]

    def flag(
        self, before: Step, steps: list[Step], at: datetime, *, deleted: bool | None = None
    ) -> list[Step]:
        """``steps`` up to ``at``, then the record deleted or marked not a prospect."""
        kept = [step for step in steps if step.at < at]
        last = kept[-1] if kept else before
        if deleted is None:
            deleted = self.rng.random() < 1 / 3
        at = max(self._office(at), last.at + timedelta(seconds=1))
        flagged = replace(
            last,
            at=at,
            updated_at=at,
            is_deleted=last.is_deleted or deleted,
            not_prospect=last.not_prospect or not deleted,
        )
        return [*kept, flagged]

    def _choose(self, status: str, options: tuple[tuple[str, float], ...]) -> str:
        if status == "new" and self.walk_in and self.rng.random() < _WALK_IN:
            return "visited"
        names, weights = zip(*options, strict=True)
        return self.rng.choices(names, weights)[0]

    def _late_change(self, status: str) -> str:
        """What finally happens to a quiet lead: the office closes it, or it wakes up."""
        if status == "applied_in_review":
            return "applied_lost"  # an application nobody decided on is declined at last
        if self.rng.random() < 0.7 or status not in _WAKES_TO:
            return "lost"
        return _WAKES_TO[status]

    def _change(self, last: Step, at: datetime, status: str) -> Step:
        rng = self.rng
        agent, consent = last.agent, last.sms_consent
        if last.status == "new" and agent is None and rng.random() < 0.96:
            agent = rng.choice(self.agents)  # assigned at first contact
        if last.status == "new" and not consent and rng.random() < 0.2:
            consent = True
        elif rng.random() < 0.02:
            consent = not consent
        return Step(at, status, agent, consent, last.is_deleted, last.not_prospect, at)

    def _delay(self, frm: str, to: str) -> float:
        """Seconds from ``frm`` to ``to``, as leasing offices see them."""
        rng = self.rng
        if to == "lost":
            return rng.lognormvariate(math.log(16 * _DAY), 0.3)  # after silence
        if frm == "new":
            if to == "open":
                return rng.lognormvariate(math.log(1.5 * _HOUR), 1.0)  # first contact
            return rng.uniform(10 * _MINUTE, _HOUR)  # a tour booked online, or a walk-in
        if to == "open":
            return rng.uniform(21, 84) * _DAY  # a lost lead comes back
        if frm == "booked":  # the day of the tour: days to two weeks after booking
            tour = min(max(rng.lognormvariate(math.log(4 * _DAY), 0.6), 0.5 * _DAY), 16 * _DAY)
            return tour * rng.uniform(0.2, 0.9) if to.startswith("canceled") else tour
        if to in ("waiting", "booked"):
            if frm == "waiting":
                return rng.lognormvariate(math.log(0.5 * _DAY), 0.8)
            if frm == "open":
                return rng.lognormvariate(math.log(1.5 * _DAY), 0.8)
            return rng.lognormvariate(math.log(2 * _DAY), 0.7)  # rebooked
        if to == "visited":
            return rng.lognormvariate(math.log(3 * _DAY), 0.8)  # dropped in after contact
        if to == "applied_in_review":
            return rng.lognormvariate(math.log(1.5 * _DAY), 0.7)
        return rng.uniform(7, 21) * _DAY  # the application's decision

    def _office(self, moment: datetime) -> datetime:
        """``moment``, or the next opening of the office (plus a little) when it is closed."""
        local = moment.astimezone(self.zone)
        hours = _OFFICE_HOURS.get(local.weekday())
        if hours and hours[0] <= local.hour < hours[1]:
            return moment
        day: date = local.date()
        if not (hours and local.hour < hours[0]):
            day += timedelta(days=1)
        while day.weekday() not in _OFFICE_HOURS:
            day += timedelta(days=1)
        opens = datetime(
            day.year, day.month, day.day, _OFFICE_HOURS[day.weekday()][0], tzinfo=self.zone
        )
        return (opens + timedelta(seconds=self.rng.uniform(0, 90 * _MINUTE))).astimezone(UTC)
