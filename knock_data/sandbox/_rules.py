"""How a sandbox lead moves: the steps it may take, how likely and how long, and the walk
that draws them from a prospect's random stream.

The weights give a funnel inside the benchmarks of ``knock-domain.md`` (about 30% of leads
tour, 10% lease); the delays are those leasing offices see (first contact within hours in
office hours, tours days to two weeks after booking, applications within days of a tour,
decisions in one to three weeks, lost after two or three weeks of silence).
"""

from __future__ import annotations

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
    "COMEBACK",
    "FLAGGED_LATER",
    "PURGED",
    "PURGE_WITHIN",
    "UNASSIGNED_AT_FIRST",
    "WAKE",
    "WAKE_WITHIN",
    "Step",
    "Walk",
]

_STAY = ""  # the lead stops changing (it goes dormant)

# Where a lead goes from each status, with weights; _STAY ends the walk.
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
    "lost": (),  # closed; a few come back (COMEBACK)
}

#: Every status change a sandbox lead can make: status -> the statuses it may go to next.
ALLOWED_STEPS: dict[str, frozenset[str]] = {
    status: frozenset(to for to, _ in options if to) | ({"open"} if status == "lost" else set())
    for status, options in _NEXT.items()
}

COMEBACK = 0.04  # lost leads that write back, weeks later
WAKE = 0.05  # quiet leads (dormant, or stopped in a walk) that change once more, months later
#: Days after its last change within which a quiet lead that wakes up does (uniformly).
WAKE_WITHIN = (45.0, 240.0)
FLAGGED_LATER = 0.03  # active leads of today later deleted or marked not a prospect
PURGED = 0.3  # records deleted at the default moment that Knock purges later (then 404)
PURGE_WITHIN = 120.0  # days after the default moment by which those purges have happened
_CLEANED_UP = 0.2  # dormant leads that wake up only to be deleted or marked not a prospect
_WALK_IN = 0.85  # walk-in leads recorded as visited at once
UNASSIGNED_AT_FIRST = 0.3  # leads created without an agent, assigned at first contact
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


class Walk:
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
        if n > 1 and agent is not None and rng.random() < UNASSIGNED_AT_FIRST:
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
                if last.flagged or rng.random() >= COMEBACK:
                    break
                to, delay = "open", rng.uniform(21, 84) * _DAY
            elif not options:
                break  # leased or lost an application: closed for good
            else:
                to = self._choose(last.status, options)
                if to == _STAY:
                    if rng.random() >= WAKE:
                        break
                    to = self._late_change(last.status)
                    delay = rng.uniform(*WAKE_WITHIN) * _DAY
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
        it, deletes it or marks it not a prospect, or the lead comes back to life.

        By the same rule as a lead that goes quiet in :meth:`onwards`: it wakes
        :data:`WAKE_WITHIN` days after its last change, if that is still to come (a lead
        quiet for longer stays as it is), as :meth:`comeback` does for lost leads.
        """
        rng = self.rng
        at = last.at + timedelta(days=rng.uniform(*WAKE_WITHIN))
        if at <= present:
            return []  # the record shows it stayed quiet
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
