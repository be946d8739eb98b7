"""Leads that arrive after the default moment, at the rhythm of today's leads.

Each local calendar day gets as many new leads, on average, as today's data holds for a day
of that month and weekday (the same seasonal and weekly weights, so a June Monday is busy and
a December Sunday quiet); each lead is a guest card like today's, created at the same hourly
rhythm in its community's time zone. A day's leads are drawn from that day's own random
stream the first time the day is needed, so they do not depend on which days were asked for
before.

Their ids are nine-digit numbers above every id of today's data (Knock's own ids grow over
time), in creation order within each day: day ``k`` after the default moment owns the ids
``100,000,000 + k * 100,000`` to ``+ 99,999``. An id that was unknown at the default moment
(such as those in ``data/sample_prospect_ids.csv``) never comes to exist.
"""

from __future__ import annotations

import bisect
import math
import random
import threading
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from knock_data.sandbox._data import Community, day_weight, one_prospect, span_days

__all__ = ["ARRIVAL_ID_BASE", "Arrivals"]

#: The smallest id a later arrival can have.
ARRIVAL_ID_BASE = 100_000_000
_IDS_PER_DAY = 100_000
_HORIZON_DAYS = 100 * 366  # ids of days further ahead are simply unknown


class Arrivals:
    """The leads created after ``present``, generated a day at a time, on demand.

    Parameters
    ----------
    seed
        The sandbox's seed.
    n_leads
        How many generated leads today's data holds: sets the daily rate.
    present
        The default moment; only leads created after it arrive.
    communities
        Where leads arrive, as in today's data.
    """

    def __init__(
        self, *, seed: int, n_leads: int, present: datetime, communities: Sequence[Community]
    ) -> None:
        self._seed = seed
        self._present = present
        self._communities = communities
        self._per_weight = n_leads / sum(day_weight(day) for day in span_days())
        # Day 0 starts a day early: its evening in the western time zones is after `present`.
        self._first_day = (present - timedelta(days=1)).date()
        self._days: dict[int, list[dict[str, Any]]] = {}
        self._by_id: dict[str, dict[str, Any]] = {}
        # Arrivals of days 0.._listed_through, sorted by creation (merged a day at a time).
        self._listed_through = -1
        self._created: list[datetime] = []
        self._ids: list[str] = []
        self._lock = threading.Lock()

    def card(self, prospect_id: str) -> dict[str, Any] | None:
        """The guest card of arrival ``prospect_id``, or ``None`` if no arrival has that id."""
        index = self.day_of(prospect_id)
        if index is None:
            return None
        with self._lock:
            self._day(index)
            return self._by_id.get(prospect_id)

    def day_of(self, prospect_id: str) -> int | None:
        """Which day's id block ``prospect_id`` falls in, or ``None`` outside every block."""
        if not (prospect_id.isascii() and prospect_id.isdigit()) or prospect_id[0] == "0":
            return None
        index = (int(prospect_id) - ARRIVAL_ID_BASE) // _IDS_PER_DAY
        return index if 0 <= index <= _HORIZON_DAYS else None

    def may_exist(self, prospect_id: str, moment: datetime) -> bool:
        """Whether ``prospect_id`` could be an arrival created by ``moment`` (cheap check)."""
        index = self.day_of(prospect_id)
        return index is not None and self._first_day + timedelta(days=index) <= moment.date()

    def ids_until(self, moment: datetime) -> list[str]:
        """Ids of the arrivals created at or before ``moment``, in creation order."""
        if moment <= self._present:
            return []
        # A local day's leads are all created after that day's midnight UTC (every community
        # is west of Greenwich), so no day after moment's UTC date holds one.
        last = min((moment.date() - self._first_day).days, _HORIZON_DAYS)
        with self._lock:
            while self._listed_through < last:
                self._listed_through += 1
                self._merge(self._day(self._listed_through))
            return self._ids[: bisect.bisect_right(self._created, moment)]

    def _merge(self, cards: list[dict[str, Any]]) -> None:
        if not cards:
            return
        new = [(datetime.fromisoformat(c["createdAt"]), c["prospectId"]) for c in cards]
        # Only the tail can overlap: the previous day's latest leads in western time zones.
        start = bisect.bisect_left(self._created, new[0][0])
        merged = sorted([*zip(self._created[start:], self._ids[start:], strict=True), *new])
        self._created[start:] = [created for created, _ in merged]
        self._ids[start:] = [prospect_id for _, prospect_id in merged]

    def _day(self, index: int) -> list[dict[str, Any]]:
        """Day ``index``'s arrivals in creation order (generated once; caller holds the lock)."""
        cards = self._days.get(index)
        if cards is not None:
            return cards
        day = self._first_day + timedelta(days=index)
        rng = random.Random(f"knock-sandbox/{self._seed}/arrivals/{day.isoformat()}")
        count = min(_poisson(rng, self._per_weight * day_weight(day)), _IDS_PER_DAY)
        drawn = [one_prospect(rng, "", day, self._communities) for _ in range(count)]
        drawn = [c for c in drawn if datetime.fromisoformat(c["createdAt"]) > self._present]
        drawn.sort(key=lambda c: c["createdAt"])  # all in UTC, same format: text order is time
        offsets = sorted(rng.sample(range(_IDS_PER_DAY), len(drawn)))
        block = ARRIVAL_ID_BASE + index * _IDS_PER_DAY
        for card, offset in zip(drawn, offsets, strict=True):
            card["prospectId"] = str(block + offset)
            self._by_id[card["prospectId"]] = card
        self._days[index] = drawn
        return drawn

    @property
    def first_day(self) -> date:
        """The local day of the first arrivals."""
        return self._first_day


def _poisson(rng: random.Random, mean: float) -> int:
    """A Poisson count: Knuth's method for small means, the normal approximation above."""
    if mean <= 0:
        return 0
    if mean > 50:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count
