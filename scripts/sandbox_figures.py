"""Print the figures the README gives for the sandbox's lifecycles (default sandbox, seed 2021).

- where today's 5,000 prospects stand at the default moment (active, dormant, closed);
- what share of them move (change status; change anything) in the week after it;
- for leads arriving in the twelve weeks after it, followed through their whole lives: the
  share that tour and lease, and the median days from creation to first contact, to a tour
  and to a signed lease;
- the same medians for today's leads, whose past is derived from their records, and how
  many of the office's steps in that derived past fall in office hours.

Usage: ``python scripts/sandbox_figures.py``
"""

from __future__ import annotations

import statistics
from collections import Counter
from datetime import datetime

import knock_data as kd
from knock_data.sandbox import SandboxServer

TOURED = {"visited", "applied_in_review", "applied_leased", "applied_lost"}


def stage_days(server: SandboxServer, ids: list[str]) -> dict[str, list[float]]:
    """Days from creation to first contact, to a tour and to a lease, for those that did."""
    days: dict[str, list[float]] = {"contact": [], "tour": [], "lease": []}
    for prospect_id in ids:
        timeline = server.timeline(prospect_id)
        created = timeline[0][0]

        def after(moment: datetime, created: datetime = created) -> float:
            return (moment - created).total_seconds() / 86400

        if len(timeline) > 1:
            days["contact"].append(after(timeline[1][0]))
        toured = [m for m, s in timeline if s in TOURED]
        if toured:
            days["tour"].append(after(toured[0]))
        leased = [m for m, s in timeline if s == "applied_leased"]
        if leased:
            days["lease"].append(after(leased[0]))
    return days


def main() -> None:
    today = SandboxServer()
    present = today.now
    states = Counter(kd.lifecycle_state(kd.to_frame(today.records), now=present))
    n = sum(states.values())
    print(f"At the default moment ({present:%Y-%m-%d %H:%M} UTC), {n:,} prospects:")
    print("  " + ", ".join(f"{s} {states[s]:,} ({states[s] / n:.0%})" for s in kd.LIFECYCLE_STATES))

    week = SandboxServer()
    week.advance(days=7)
    end = week.now
    moved = [i for i in today.prospect_ids if any(present < m <= end for m, _ in week.timeline(i))]
    changed = [i for i in today.prospect_ids if week.record_at(i) != today.record_at(i)]
    arrived = len(week.prospect_ids) - n
    print(
        f"In the week after it: {len(moved) / n:.1%} change status, {len(changed) / n:.1%} "
        f"change anything; {arrived:,} new leads arrive."
    )

    life = SandboxServer()
    life.advance(days=84)
    arrivals = life.prospect_ids[n:]
    days = stage_days(life, arrivals)
    print(
        f"Leads arriving in the 12 weeks after it ({len(arrivals):,}): "
        f"{len(days['tour']) / len(arrivals):.0%} tour, "
        f"{len(days['lease']) / len(arrivals):.1%} lease; median "
        f"{statistics.median(days['contact']) * 24:.1f} hours to first contact, "
        f"{statistics.median(days['tour']):.1f} days to a tour, "
        f"{statistics.median(days['lease']):.1f} days to a lease."
    )
    past = stage_days(today, today.prospect_ids[1:])
    print(
        f"Today's leads (past derived from their records): median "
        f"{statistics.median(past['tour']):.1f} days to a tour, "
        f"{statistics.median(past['lease']):.1f} days to a lease."
    )
    derived, inside = office_hours(today)
    print(
        f"  The office's derived steps before each record's last change: {inside:,} of "
        f"{derived:,} ({inside / derived:.1%}) in office hours."
    )


def office_hours(server: SandboxServer) -> tuple[int, int]:
    """How many of the office's steps in today's derived pasts (between each record's
    ``createdAt`` and ``updatedAt``, both the record's own) fall in office hours."""
    import random

    from knock_data.sandbox._data import build_communities
    from knock_data.sandbox._rules import _BY_THE_OFFICE, _OFFICE_HOURS

    zones = {c.community_id: c.zone for c in build_communities(random.Random(server.seed))}
    derived = inside = 0
    for record in server.records:
        updated = datetime.fromisoformat(record["updatedAt"])
        for moment, status in server.timeline(record["prospectId"], until=updated)[1:]:
            if moment == updated or status not in _BY_THE_OFFICE:
                continue
            local = moment.astimezone(zones[record["communityId"]])
            hours = _OFFICE_HOURS.get(local.weekday())
            derived += 1
            inside += bool(hours and hours[0] <= local.hour < hours[1])
    return derived, inside


if __name__ == "__main__":
    main()
