"""The movement analyses against the clocked sandbox's ground truth.

Every prospect is fetched over HTTP into a history at weekly moments, with full refreshes
(``refresh=True``) and with the refresh policy (``refresh="due"``); the sandbox's
``timeline(id)`` says what truly happened. What the history saw must agree with it exactly
at the snapshot moments for every prospect observed there, and every true change must lie
inside the interval the history gives for it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import cast

import pandas as pd
import pytest

import knock_data as kd
from knock_data.sandbox import SandboxServer

pytestmark = pytest.mark.integration

N_SNAPSHOTS = 7
LADDER = [stage for stage in kd.DEFAULT_STAGES if stage != "lost"]
GONE = "(gone)"


@dataclass
class Snapshots:
    server: SandboxServer
    moments: list[datetime]
    history: kd.History
    versions: pd.DataFrame


def take_snapshots(folder: Path, refresh: bool | str) -> Iterator[Snapshots]:
    """Weekly fetches of every prospect the sandbox has, recorded into a history."""
    with SandboxServer(n_prospects=1000) as server:
        history = kd.History(folder / "history")
        client = kd.KnockClient(
            server.api_key, base_url=server.url, cache=folder / "cache.sqlite", history=history
        )
        moments = []
        for week in range(N_SNAPSHOTS):
            if week:
                server.advance(days=7)
            result = client.fetch_prospects(
                server.prospect_ids, progress=False, refresh=refresh, now=server.now
            )
            # Only "does not exist" for a prospect Knock purged since.
            for pid in result.errors["prospect_id"]:
                purged = server.purged_at(pid)
                assert purged is not None, pid
                assert purged <= server.now, pid
            moments.append(server.now)
        client.close()
        yield Snapshots(server, moments, history, history.versions())


@pytest.fixture(scope="module")
def snapshots(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Snapshots]:
    """Full refreshes: every prospect observed at every snapshot."""
    yield from take_snapshots(tmp_path_factory.mktemp("full"), refresh=True)


@pytest.fixture(scope="module")
def due_snapshots(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Snapshots]:
    """The refresh policy: only the copies due are fetched again each week."""
    yield from take_snapshots(tmp_path_factory.mktemp("due"), refresh="due")


def ids_at(server: SandboxServer, moment: datetime) -> list[str]:
    """The ids that existed at ``moment`` (the server's clock is at the last snapshot)."""
    return [pid for pid in server.prospect_ids if server.timeline(pid)[0][0] <= moment]


def true_status(server: SandboxServer, prospect_id: str, moment: datetime) -> str | None:
    """The status at ``moment``; ``None`` before creation; GONE once Knock purged it."""
    purged = server.purged_at(prospect_id)
    if purged is not None and moment >= purged:
        return GONE
    steps = server.timeline(prospect_id, until=moment)
    return steps[-1][1] if steps else None


def rank(status: str) -> int:
    if status == GONE:
        return -1
    stage = kd.stage_of(status)
    return LADDER.index(stage) if stage in LADDER else 0


@pytest.mark.parametrize(("first", "last"), [(0, 1), (0, N_SNAPSHOTS - 1), (2, 5)])
def test_transitions_equal_the_truth_at_snapshot_moments(
    snapshots: Snapshots, first: int, last: int
) -> None:
    server = snapshots.server
    start, end = snapshots.moments[first], snapshots.moments[last]
    pids = ids_at(server, end)
    for level in ("stage", "status"):
        table = kd.transitions(snapshots.versions, start, end, level=level)
        truth = truth_table(server, pids, start, end, level)
        assert counted(table) == truth, level
        assert table.attrs["unconfirmed_start"] == table.attrs["unconfirmed_end"] == 0
        moved = sum(n for (a, b), n in truth.items() if a != b)
        assert moved > 20  # the window saw real movement, so the equality means something
        if last - first == N_SNAPSHOTS - 1:  # and Knock purged a few deleted records
            assert any(target == GONE for _, target in truth)


def truth_table(
    server: SandboxServer, pids: list[str], start: datetime, end: datetime, level: str
) -> dict[tuple[str, str], int]:
    """Where each prospect truly stood at both moments, counted."""
    truth: dict[tuple[str, str], int] = {}
    for pid in pids:
        before, after = true_status(server, pid, start), true_status(server, pid, end)
        assert after is not None
        if before == after == GONE:
            continue  # gone at both moments: left out
        if level == "stage":
            before = before if before in (None, GONE) else kd.stage_of(before)
            after = after if after == GONE else kd.stage_of(after)
        key = ("(created)" if before is None else before, after)
        truth[key] = truth.get(key, 0) + 1
    return truth


def counted(table: pd.DataFrame) -> dict[tuple[str, str], int]:
    return {cast(tuple[str, str], cell): int(n) for cell, n in table.stack().items() if n}


@pytest.mark.parametrize(("first", "last"), [(0, N_SNAPSHOTS - 1), (2, 4)])
def test_with_the_refresh_policy_transitions_equal_the_truth_where_observed(
    due_snapshots: Snapshots, first: int, last: int
) -> None:
    server, history = due_snapshots.server, due_snapshots.history
    start, end = due_snapshots.moments[first], due_snapshots.moments[last]
    observations = history.observations()
    seen_at = {
        moment: set(observations.loc[observations["observed_at"] == moment, "prospect_id"])
        for moment in (start, end)
    }
    created = {pid: server.timeline(pid)[0][0] for pid in ids_at(server, end)}
    # Observed at both moments (or created in between and observed at the end).
    both = sorted(pid for pid in seen_at[end] if pid in seen_at[start] or created[pid] > start)
    versions = due_snapshots.versions
    for level in ("stage", "status"):
        table = kd.transitions(
            versions[versions["prospect_id"].isin(both)], start, end, level=level
        )
        assert counted(table) == truth_table(server, both, start, end, level), level
    everyone = kd.transitions(versions, start, end)
    others = len(created) - len(both)
    assert len(both) > 50  # active leads and arrivals, refreshed every week
    assert others > 100  # the policy left many unrefreshed, so this says something
    assert everyone.attrs["prospects"] == len(created)
    not_seen_at_end = [pid for pid in created if pid not in seen_at[end]]
    if last == N_SNAPSHOTS - 1:  # nothing after the last snapshot could confirm them
        assert everyone.attrs["unconfirmed_end"] == len(not_seen_at_end)
    assert everyone.attrs["unconfirmed_start"] + everyone.attrs["unconfirmed_end"] <= others


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
