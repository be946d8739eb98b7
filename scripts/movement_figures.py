"""Print the figures the README gives for the movement analyses against the sandbox's truth.

Twelve weekly snapshots of the default sandbox (every id, full refreshes) go into a history
in a temporary folder; for the leads created after the first snapshot, the share that
reached a stage within N days of creation is estimated by Kaplan-Meier from the history's
stage dates (``time_to_stage``: interval midpoints, right-censoring) and counted from the
sandbox's true timelines. The gap is what "intervals as wide as the refresh cadence" costs.

Usage: ``python scripts/movement_figures.py``
"""

from __future__ import annotations

import tempfile
from datetime import timedelta
from pathlib import Path

import pandas as pd

import knock_data as kd
from knock_data.sandbox import SandboxServer

WEEKS = 12
LADDER = [stage for stage in kd.DEFAULT_STAGES if stage != "lost"]
QUESTIONS = (("engaged", 1), ("engaged", 3), ("toured", 7), ("toured", 14), ("toured", 30))


def rank(status: str) -> int:
    stage = kd.stage_of(status)
    return LADDER.index(stage) if stage in LADDER else 0


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp, SandboxServer() as server:
        history = kd.History(Path(tmp) / "history")
        with kd.KnockClient(
            server.api_key, base_url=server.url, cache=Path(tmp) / "cache.sqlite", history=history
        ) as client:
            for week in range(WEEKS):
                if week:
                    server.advance(days=7)
                client.fetch_prospects(server.prospect_ids, refresh=True, progress=False)
        dates = kd.stage_dates(history.versions())
        first = dates["first_observed_at"].min()
        last = pd.Timestamp(server.now)
        arrivals = dates[dates["created_at"] > first]
        print(
            f"{WEEKS} weekly snapshots, {len(dates):,} prospects; {len(arrivals):,} created "
            "after the first snapshot"
        )
        print(f"{'question':28} {'estimated':>9} {'true':>6} {'leads':>6}")
        for stage, days in QUESTIONS:
            curve = kd.time_to_stage(arrivals, stage)
            estimate = float(curve.loc[curve["days"] <= days, "share_reached"].iloc[-1])
            horizon = timedelta(days=days)
            watched = arrivals[arrivals["created_at"] + horizon <= last]
            reached = sum(
                any(
                    rank(status) >= LADDER.index(stage)
                    for _, status in server.timeline(pid, until=created + horizon)
                )
                for pid, created in zip(watched["prospect_id"], watched["created_at"], strict=True)
            )
            truth = reached / len(watched)
            print(
                f"{stage + f' within {days} day' + ('s' if days > 1 else ''):28} "
                f"{estimate:9.1%} {truth:6.1%} "
                f"{len(watched):6,}"
            )


if __name__ == "__main__":
    main()
