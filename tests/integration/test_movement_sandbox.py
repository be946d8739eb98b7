"""The movement analyses against the clocked sandbox's ground truth.

Snapshots of every prospect are taken over HTTP at weekly moments with full refreshes; the
sandbox's ``timeline(id)`` says what truly happened. What the history saw must agree with
it exactly at the snapshot moments, and every true change must lie inside the interval the
history gives for it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import cast

import pandas as pd
import pytest

import knock_data as kd
from knock_data.sandbox import SandboxServer
from tests.history_frames import stacked, versions_from_observations

pytestmark = pytest.mark.integration

N_SNAPSHOTS = 7
LADDER = [stage for stage in kd.DEFAULT_STAGES if stage != "lost"]


@dataclass
class Snapshots:
    server: SandboxServer
    moments: list[datetime]
    versions: pd.DataFrame


@pytest.fixture(scope="module")
def snapshots() -> Iterator[Snapshots]:
    """Weekly full refreshes of every prospect the sandbox has, stacked into versions."""
    with SandboxServer(n_prospects=1000) as server:
        client = kd.KnockClient(server.api_key, base_url=server.url, cache=False)
        taken, moments = [], []
        for week in range(N_SNAPSHOTS):
            if week:
                server.advance(days=7)
            result = client.fetch_prospects(server.prospect_ids, progress=False, refresh=True)
            assert not len(result.errors)
            taken.append((server.now, result.frame))
            moments.append(server.now)
        client.close()
        yield Snapshots(server, moments, versions_from_observations(stacked(taken)))


def ids_at(server: SandboxServer, moment: datetime) -> list[str]:
    """The ids that existed at ``moment`` (the server's clock is at the last snapshot)."""
    return [pid for pid in server.prospect_ids if server.timeline(pid)[0][0] <= moment]


def true_status(server: SandboxServer, prospect_id: str, moment: datetime) -> str | None:
    steps = server.timeline(prospect_id, until=moment)
    return steps[-1][1] if steps else None


def rank(status: str) -> int:
    stage = kd.stage_of(status)
    return LADDER.index(stage) if stage in LADDER else 0


@pytest.mark.parametrize(("first", "last"), [(0, 1), (0, N_SNAPSHOTS - 1), (2, 5)])
def test_transitions_equal_the_truth_at_snapshot_moments(
    snapshots: Snapshots, first: int, last: int
) -> None:
    server = snapshots.server
    start, end = snapshots.moments[first], snapshots.moments[last]
    for level, label in (("stage", kd.stage_of), ("status", lambda s: s)):
        table = kd.transitions(snapshots.versions, start, end, level=level)
        truth: dict[tuple[str, str], int] = {}
        for pid in ids_at(server, end):
            before = true_status(server, pid, start)
            after = true_status(server, pid, end)
            assert after is not None
            key = ("(created)" if before is None else label(before), label(after))
            truth[key] = truth.get(key, 0) + 1
        got = {
            cast(tuple[str, str], cell): int(n)
            for cell, n in table.stack().items()
            if n  # the matrix lists every stage; the truth only what happened
        }
        assert got == truth, level
        assert table.attrs["unconfirmed_start"] == table.attrs["unconfirmed_end"] == 0
        moved = sum(n for (a, b), n in truth.items() if a != b)
        assert moved > 20  # the window saw real movement, so the equality means something


def test_every_true_stage_moment_lies_inside_its_interval(snapshots: Snapshots) -> None:
    server, moments = snapshots.server, snapshots.moments
    dates = kd.stage_dates(snapshots.versions).set_index("prospect_id")
    checked = before_history = between_snapshots = 0
    for pid, row in dates.iterrows():
        steps = server.timeline(str(pid), until=moments[-1])
        created, first_seen = steps[0][0], row["first_observed_at"]
        assert row["created_at"] == pd.Timestamp(created)
        for k, stage in enumerate(LADDER):
            # Every moment the prospect entered this stage or a later one from below.
            entries = [
                moment
                for i, (moment, status) in enumerate(steps)
                if rank(status) >= k and (i == 0 or rank(steps[i - 1][1]) < k)
            ]
            after, by = row[f"{stage}_after"], row[f"{stage}_by"]
            if pd.isna(by):
                # Not seen there: at every snapshot it truly stood below the stage ...
                for moment in moments:
                    status = true_status(server, str(pid), moment)
                    assert status is None or rank(status) < k, (pid, stage, moment)
                unseen = entries
            else:
                checked += 1
                assert entries, (pid, stage)
                assert entries[0] <= by, (pid, stage)
                inside = [m for m in entries if after < m <= by or m == after == created]
                assert inside, (pid, stage, after, by, entries)
                # As tight as the snapshots allow: both ends are snapshots (or the creation)
                # on either side of the change, with no snapshot between them.
                assert rank(true_status(server, str(pid), by) or "") >= k
                if after != created:
                    assert rank(true_status(server, str(pid), after) or "") < k
                assert not [m for m in moments if after < m < by], (pid, stage)
                unseen = [m for m in entries if m < inside[0]]
            # ... and an entry outside the interval is one no snapshot could show: before the
            # history's first look at the prospect, or left again before the next snapshot.
            for moment in unseen:
                if moment < first_seen:
                    before_history += 1
                    continue
                following = next(m for m in moments if m >= moment)
                status = true_status(server, str(pid), following)
                assert status is not None
                assert rank(status) < k, (pid, stage, moment)
                between_snapshots += 1
    assert checked > 2000
    assert before_history > 0  # leads of today have a past the history never saw
    assert between_snapshots <= checked / 100


def test_waterfall_open_leads_equal_the_truth(snapshots: Snapshots) -> None:
    server = snapshots.server
    start, end = snapshots.moments[1], snapshots.moments[-1]
    table = kd.waterfall(snapshots.versions, start, end).set_index("step")["count"]

    def truly_open(moment: datetime) -> int:
        records = [server.record_at(pid, moment) for pid in ids_at(server, moment)]
        return sum(1 for record in records if record is not None and not kd.is_closed(record))

    assert table["open at start"] == truly_open(start)
    assert table["open at end"] == truly_open(end)
    assert table.iloc[:-1].sum() == table["open at end"]
    created = [pid for pid in ids_at(server, end) if server.timeline(pid)[0][0] > start]
    assert table["new leads"] == len(created) > 0
    assert table["leased"] < 0
    assert table["lost"] < 0
