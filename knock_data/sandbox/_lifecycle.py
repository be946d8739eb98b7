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
  :mod:`knock_data`: active leads keep moving, a dormant one rarely wakes up (and then
  months after its last change, as a lead that goes quiet later does), a closed one stays
  closed unless a lost lead comes back (weeks after it was lost).
- **Later arrivals** live their whole life by the same rules from their creation.

The steps, their odds and their delays are in ``_rules``. Where today's record leaves less
(or more) time between ``createdAt`` and ``updatedAt`` than they take, the derived past is
squeezed (or stretched) to fit.
"""

from __future__ import annotations

import bisect
import hashlib
import random
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from knock_data.sandbox._rules import (
    COMEBACK,
    FLAGGED_LATER,
    PURGE_WITHIN,
    PURGED,
    UNASSIGNED_AT_FIRST,
    WAKE,
    WAKE_WITHIN,
    Step,
    Walk,
)

__all__ = [
    "Lifecycle",
    "arrival_lifecycle",
    "past_steps",
    "purge_moment",
    "stands_still",
    "today_lifecycle",
    "today_step",
]


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
    from knock_data._analysis.lifecycle import lifecycle_state

    return _stands_still(record, lifecycle_state(record, now=present), seed, present)


def _stands_still(record: Mapping[str, Any], state: str, seed: int, present: datetime) -> bool:
    if state == "active":
        return False
    chance = _chance(seed, record["prospectId"])
    if state == "dormant":
        # A quiet lead wakes within WAKE_WITHIN days of its last change, if at all.
        quiet = present - today_step(record).at
        return chance >= WAKE or quiet >= timedelta(days=WAKE_WITHIN[1])
    lost = record["status"] == "lost" and not (record["isDeleted"] or record["notProspect"])
    return not (lost and chance < COMEBACK)


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
    from knock_data._analysis.lifecycle import lifecycle_state

    today = today_step(record)
    state = lifecycle_state(record, now=present)
    if _stands_still(record, state, seed, present):
        return Lifecycle(record, [today], today=today)
    walk = Walk(_stream(seed, record["prospectId"], "future"), zone, agents)
    walk.walk_in = record["firstContactType"] == "walk-in"
    if state == "dormant":
        future = walk.wake(today, present)
    elif state == "closed":
        future = walk.comeback(today, present)
    else:
        future = walk.onwards(today, not_before=present)
        if walk.rng.random() < FLAGGED_LATER:
            future = walk.flag(today, future, present + timedelta(days=walk.rng.uniform(1, 120)))
    return Lifecycle(record, [today, *future], today=today)


def past_steps(
    record: Mapping[str, Any], *, seed: int, zone: ZoneInfo, agents: Sequence[str]
) -> tuple[Step, ...]:
    """The steps of one of today's prospects before its :func:`today_step`, from creation."""
    steps = Walk(_stream(seed, record["prospectId"], "past"), zone, agents).past(record)
    return tuple(steps[:-1])  # the last is today's step


def purge_moment(record: Mapping[str, Any], *, seed: int, present: datetime) -> datetime | None:
    """When Knock purges one of today's records, so that it answers "does not exist" from
    then on; ``None`` for most. Only records already deleted at the default moment are
    purged (a few of them, :data:`PURGED`), within :data:`PURGE_WITHIN` days after it: a
    deleted record never changes again, so nothing else of its lifecycle moves."""
    if not record["isDeleted"]:
        return None
    chance = _chance(seed, f"{record['prospectId']}/purge")
    if chance >= PURGED:
        return None
    days = 1 + (PURGE_WITHIN - 1) * chance / PURGED  # spread evenly over the window
    return present + timedelta(days=round(days * 24) / 24)  # on the hour


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
    walk = Walk(_stream(seed, card["prospectId"], "life"), zone, agents)
    created = datetime.fromisoformat(card["createdAt"])
    rng = walk.rng
    agent = None if rng.random() < UNASSIGNED_AT_FIRST else rng.choice(agents)
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
        when = created + timedelta(hours=rng.uniform(1, 60 * 24))
        steps = walk.flag(first, steps, when, deleted=bool(card["isDeleted"]))
    return Lifecycle(card, [first, *steps])


def _stream(seed: int, prospect_id: str, part: str) -> random.Random:
    """A prospect's own random stream: the same for the same seed and id, in any process."""
    return random.Random(f"knock-sandbox/{seed}/{prospect_id}/{part}")


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="microseconds")
