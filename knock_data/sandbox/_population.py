"""Every prospect a sandbox knows, as it stands at any moment.

Today's records (the deterministic data of :func:`generate_prospects`) are built and encoded
once at start-up, as they always were; each prospect's lifecycle is drawn only when first
needed, and the JSON body of each version is encoded once, the first time it is served. At
the default moment nothing but today's bodies is ever touched.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from typing import Any

from knock_data._exceptions import ProspectNotFound
from knock_data.sandbox._arrivals import Arrivals
from knock_data.sandbox._data import build_communities, generate_prospects
from knock_data.sandbox._lifecycle import (
    Lifecycle,
    arrival_lifecycle,
    past_steps,
    purge_moment,
    stands_still,
    today_lifecycle,
)

__all__ = ["Population", "encode"]

_DAWN = datetime.min.replace(tzinfo=UTC)  # before every prospect: asks for the whole past


def encode(body: dict[str, Any]) -> bytes:
    """A JSON body as the sandbox sends it: UTF-8, non-ASCII letters as they are."""
    return json.dumps(body, ensure_ascii=False).encode("utf-8")


class Population:
    """Today's prospects and the later arrivals, at any moment.

    Parameters
    ----------
    n_prospects
        How many prospects exist at the default moment.
    seed
        Makes the data, the lifecycles and the arrivals.
    """

    def __init__(self, n_prospects: int, seed: int) -> None:
        self.seed = seed
        self.records = generate_prospects(n_prospects, seed)
        self.ids = [r["prospectId"] for r in self.records]
        self.bodies = {r["prospectId"]: encode(r) for r in self.records}
        self._today = {r["prospectId"]: r for r in self.records}
        #: The default moment: the first whole minute after every ``createdAt`` and
        #: ``updatedAt`` of today's data, so each of today's prospects exists as it is.
        self.present = _minute_after(self.records)
        communities = build_communities(random.Random(seed))
        self._places = {c.community_id: (c.zone, c.agents) for c in communities}
        self.arrivals = Arrivals(
            seed=seed, n_leads=n_prospects - 1, present=self.present, communities=communities
        )
        self._lifecycles: dict[str, Lifecycle] = {}
        self._still: dict[str, bool] = {}
        self._still_for_all = False
        self._encoded: dict[tuple[str, datetime], bytes] = {}
        self._created_today: list[str] | None = None
        self._purges: dict[str, datetime] | None = None

    # -- answers --------------------------------------------------------------------------

    def body_at(self, prospect_id: str, moment: datetime) -> bytes | None:
        """The JSON body served for ``prospect_id`` at ``moment``; ``None``: it does not exist."""
        if moment == self.present:
            return self.bodies.get(prospect_id)
        if self.purged(prospect_id, moment):
            return None
        if prospect_id in self._today:
            if moment > self.present and self._stands_still(prospect_id):
                return self.bodies[prospect_id]
        elif not self.arrivals.may_exist(prospect_id, moment):
            return None  # unknown, or an arrival of a later day: no need to draw anything
        life = self.lifecycle(prospect_id, before=moment)
        step = None if life is None else life.step_at(moment)
        if life is None or step is None:
            return None
        if step is life.today:
            return self.bodies[prospect_id]  # today's bytes, exactly
        key = (prospect_id, step.at)
        body = self._encoded.get(key)
        if body is None:
            body = self._encoded.setdefault(key, encode(life.record(step)))
        return body

    def record_at(self, prospect_id: str, moment: datetime) -> dict[str, Any] | None:
        """The record as served at ``moment`` (a new dict), ``None`` before it exists."""
        life = self._known(prospect_id, before=moment)
        step = life.step_at(moment)
        return None if step is None or self.purged(prospect_id, moment) else life.record(step)

    def timeline(self, prospect_id: str) -> list[tuple[datetime, str]]:
        """``[(moment, status), ...]``: the creation, then every change of status."""
        return self._known(prospect_id, before=_DAWN).timeline()

    def ids_at(self, moment: datetime) -> list[str]:
        """The ids created by ``moment``: today's in today's order, then later arrivals (a
        purged id stays listed, as it stays in an analyst's list)."""
        if moment >= self.present:
            return [*self.ids, *self.arrivals.ids_until(moment)]
        if self._created_today is None:
            self._created_today = [r["createdAt"] for r in self.records]
        cutoff = moment.isoformat(timespec="microseconds")  # same format as createdAt
        return [i for i, c in zip(self.ids, self._created_today, strict=True) if c <= cutoff]

    def purges(self) -> dict[str, datetime]:
        """When each purged prospect stops existing (see ``purge_moment``), decided once."""
        if self._purges is None:
            moments = {
                pid: purge_moment(record, seed=self.seed, present=self.present)
                for pid, record in self._today.items()
                if record["isDeleted"]
            }
            self._purges = {pid: moment for pid, moment in moments.items() if moment}
        return self._purges

    def purged(self, prospect_id: str, moment: datetime) -> bool:
        """Whether Knock has purged the prospect by ``moment`` (it then answers 404)."""
        purge = self.purges().get(prospect_id)
        return purge is not None and moment >= purge

    def lifecycle(self, prospect_id: str, *, before: datetime | None = None) -> Lifecycle | None:
        """The prospect's lifecycle (drawn on first use), ``None`` for an unknown id.

        Its past is drawn too when ``before`` is earlier than the step served today.
        """
        life = self._lifecycles.get(prospect_id) or self._draw(prospect_id)
        if life is None or life.past is not None or before is None:
            return life
        if before < life.later[0].at:
            zone, agents = self._places[life.card["communityId"]]
            life.past = past_steps(life.card, seed=self.seed, zone=zone, agents=agents)
        return life

    def prepare_moves(self) -> None:
        """Decide at once, for all of today's prospects, which keep their record after the
        default moment (most do): the first time the clock leaves it, in the caller's
        thread, so requests at a moved clock find the answer ready (a quarter of a second
        for 100,000 prospects)."""
        if self._still_for_all:
            return
        seed, present = self.seed, self.present
        self._still = {
            i: stands_still(r, seed=seed, present=present) for i, r in self._today.items()
        }
        self._still_for_all = True

    def _stands_still(self, prospect_id: str) -> bool:
        """Whether one of today's prospects keeps today's record after the default moment.

        Kept per id as a bool rather than as a lifecycle: most prospects stand still, and
        a moved clock then serves them without allocating anything the garbage collector
        would have to walk through later. :meth:`prepare_moves` fills it in for all.
        """
        still = self._still.get(prospect_id)
        if still is None:
            record = self._today[prospect_id]
            still = stands_still(record, seed=self.seed, present=self.present)
            self._still[prospect_id] = still
        return still

    def _draw(self, prospect_id: str) -> Lifecycle | None:
        record = self._today.get(prospect_id)
        if record is not None:
            zone, agents = self._places[record["communityId"]]
            life = today_lifecycle(
                record, seed=self.seed, present=self.present, zone=zone, agents=agents
            )
        else:
            card = self.arrivals.card(prospect_id)
            if card is None:
                return None
            zone, agents = self._places[card["communityId"]]
            life = arrival_lifecycle(card, seed=self.seed, zone=zone, agents=agents)
        # Two threads may draw the same lifecycle at once: both draw the same, one is kept.
        return self._lifecycles.setdefault(prospect_id, life)

    def _known(self, prospect_id: str, *, before: datetime | None) -> Lifecycle:
        life = self.lifecycle(str(prospect_id), before=before)
        if life is None:
            raise UnknownProspect(
                f"No sandbox prospect has the id {prospect_id!r}, at any moment (seed "
                f"{self.seed}, {len(self.records):,} prospects at the default moment).",
                prospect_id=str(prospect_id),
                hint="server.prospect_ids lists the ids that exist at server.now (it grows as "
                "the clock moves); an id the sandbox never has stays unknown.",
            )
        return life

    def check_known(self, prospect_id: str) -> None:
        """Raise :class:`UnknownProspect` for an id the sandbox never has."""
        if prospect_id not in self._today and self.arrivals.card(prospect_id) is None:
            self._known(prospect_id, before=None)


class UnknownProspect(ProspectNotFound, KeyError):
    """An id the sandbox never has, at any moment: a :class:`~knock_data.ProspectNotFound`,
    and a ``KeyError`` as it was before (callers catching that keep working)."""


def _minute_after(records: list[dict[str, Any]]) -> datetime:
    # Every generated timestamp is UTC in one format, so the latest text is the latest time.
    latest = max(max(r["createdAt"], r["updatedAt"]) for r in records)
    moment = datetime.fromisoformat(latest).replace(second=0, microsecond=0)
    return moment + timedelta(minutes=1)
