"""History against the clocked sandbox: weekly snapshots, as_of, gone, smart refresh, kill -9,
two processes at once, DuckDB, the command line."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import knock_data as kd
from knock_data._cli import main
from knock_data._history.folder import Folder
from knock_data.sandbox import SandboxServer

pytestmark = pytest.mark.integration

WEEKS = 8
REPO = Path(__file__).resolve().parents[2]


def portfolio(server: SandboxServer, n: int = 250) -> list[str]:
    """The first ``n`` ids and every id Knock purges within the weeks simulated."""
    end = server.now + timedelta(weeks=WEEKS)
    purged = [i for i in server.prospect_ids if (p := server.purged_at(i)) and p <= end]
    return [*server.prospect_ids[:n], *[i for i in purged if i not in server.prospect_ids[:n]]]


@pytest.fixture(scope="module")
def weekly(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Eight weekly full refreshes of a portfolio, recorded: the ids, the snapshot moments."""
    folder = tmp_path_factory.mktemp("weekly")
    with SandboxServer(n_prospects=3000) as server:
        ids = portfolio(server)
        # Arrivals join the list from the second week: unknown before, never "gone".
        server_later = SandboxServer(n_prospects=3000)
        server_later.advance(days=7)
        ids += server_later.prospect_ids[3000:3020]
        client = kd.KnockClient(
            server.api_key,
            base_url=server.url,
            cache=folder / "cache.sqlite",
            history=folder / "history",
        )
        moments = []
        for week in range(WEEKS + 1):
            if week:
                server.advance(days=7)
            moments.append(server.now)
            client.fetch_prospects(ids, progress=False, refresh=True)
        client.close()
        truth = {
            pid: {"timeline": server.timeline(pid), "purged_at": server.purged_at(pid)}
            for pid in ids
        }
    return {"ids": ids, "moments": moments, "history": kd.History(folder / "history"),
            "truth": truth}  # fmt: skip


def status_at(timeline: list[tuple[datetime, str]], moment: datetime) -> str | None:
    seen = [status for at, status in timeline if at <= moment]
    return seen[-1] if seen else None


def test_weekly_snapshots_give_the_versions_the_timelines_imply(weekly: dict[str, Any]) -> None:
    versions = weekly["history"].versions()
    moments = weekly["moments"]
    checked_changes = 0
    for pid, truth in weekly["truth"].items():
        mine = versions[versions["prospect_id"] == pid]
        purge = truth["purged_at"]
        expected: list[tuple[str | None, datetime]] = []
        for moment in moments:
            if purge is not None and moment >= purge:
                shown = None  # gone
            else:
                shown = status_at(truth["timeline"], moment)
                if shown is None:
                    continue  # not created yet: 404 for an id never seen, not recorded
            if not expected or expected[-1][0] != shown:
                expected.append((shown, moment))
        statuses = [None if g else s for s, g in zip(mine["status"], mine["gone"], strict=True)]
        # Versions also change with the agent, consent or flags: collapse to status changes.
        collapsed = [
            (status, start)
            for i, (status, start) in enumerate(zip(statuses, mine["valid_from"], strict=True))
            if i == 0 or statuses[i - 1] != status
        ]
        assert collapsed == expected, pid
        # Each status change happened in (changed_after, valid_from] by the true timeline.
        for (_, start), (_, before) in zip(expected[1:], expected[:-1], strict=True):
            row = mine[mine["valid_from"] == start].iloc[0]
            previous = moments[moments.index(start) - 1]
            assert row["changed_after"] == previous
            assert before <= row["changed_after"] < row["valid_from"]
            checked_changes += 1
    assert checked_changes > 50  # the portfolio moved
    assert versions["gone"].sum() >= 1  # and Knock purged some of it


def test_as_of_between_two_snapshots_returns_the_earlier_one(weekly: dict[str, Any]) -> None:
    history = weekly["history"]
    first, second = weekly["moments"][2], weekly["moments"][3]
    between = history.as_of(first + (second - first) / 2)
    at_first = history.as_of(first)
    pd.testing.assert_frame_equal(between, at_first)
    assert set(between["observed_at"]) == {pd.Timestamp(first)}
    truth = weekly["truth"]
    for row in between.itertuples():
        assert row.status == status_at(truth[row.prospect_id]["timeline"], first)
    assert len(history.as_of(second)) >= len(at_first) - 3  # arrivals in, purged out


def test_the_history_belongs_to_its_key(weekly: dict[str, Any], tmp_path: Path) -> None:
    with SandboxServer(n_prospects=20) as server:
        other = kd.KnockClient("another-portfolio-key", base_url=server.url,
                               cache=tmp_path / "c.sqlite", history=weekly["history"])  # fmt: skip
        with pytest.raises(kd.HistoryError, match="belongs to another API key"):
            other.fetch_prospects(server.prospect_ids, progress=False)
        assert server.request_count == 0  # refused before anything was sent


def test_duckdb_reads_the_folder_without_knock_data(weekly: dict[str, Any]) -> None:
    import duckdb

    history = weekly["history"]
    # A temporary left by a writer that died does not end in .parquet: engines skip it.
    partition = next(history.path.glob("observed_date=*"))
    (partition / ".part-20211102T000000Z-deadbeef-00099.tmp").write_bytes(b"PAR1 half")
    glob = f"{history.path}/**/*.parquet"
    con = duckdb.connect()
    counted = con.execute(
        f"SELECT count(*), count(DISTINCT prospect_id), count(DISTINCT observed_date) "
        f"FROM read_parquet('{glob}', hive_partitioning=true)"
    ).fetchone()
    assert counted is not None
    rows, prospects, days = counted
    observations = history.observations()
    assert rows == len(observations)
    assert prospects == observations["prospect_id"].nunique()
    assert days == WEEKS + 1
    current = con.execute(
        f"SELECT prospect_id, status FROM read_parquet('{glob}', hive_partitioning=true) "
        "QUALIFY row_number() OVER (PARTITION BY prospect_id ORDER BY observed_at DESC) = 1 "
        "AND NOT gone ORDER BY prospect_id"
    ).fetchall()
    latest = history.as_of(weekly["moments"][-1])
    assert current == list(zip(latest["prospect_id"], latest["status"].astype(str), strict=True))


def test_smart_refresh_sends_fewer_requests_and_records_what_it_fetched(tmp_path: Path) -> None:
    with SandboxServer(n_prospects=600) as server:
        ids = server.prospect_ids
        client = kd.KnockClient(server.api_key, base_url=server.url, cache=tmp_path / "c.sqlite",
                                history=tmp_path / "h")  # fmt: skip
        first = client.fetch_prospects(ids, progress=False)
        assert (first.n_fetched, first.n_refreshed, first.n_not_due) == (600, 0, 0)
        server.advance(days=7)
        before = server.request_count
        result = client.fetch_prospects(ids, progress=False, refresh="due", now=server.now)
        sent = server.request_count - before
    assert sent == result.n_fetched == result.n_refreshed
    assert result.n_not_due == 600 - sent
    assert 0 < sent < 300  # active leads, not the dormant and closed ones
    assert 0 < result.n_unchanged < result.n_refreshed
    assert f"{sent:,} refreshed ({result.n_unchanged:,} unchanged)" in result.summary()
    assert len(result.records) == 600
    history = kd.History(tmp_path / "h")
    assert history.info().observations == 600 + sent  # cache hits are not observations


def test_a_refresh_records_gone_only_for_ids_seen_before(tmp_path: Path) -> None:
    with SandboxServer(n_prospects=3000) as server:
        purged = next(i for i in server.prospect_ids if server.purged_at(i))
        client = kd.KnockClient(server.api_key, base_url=server.url,
                                cache=tmp_path / "c.sqlite", history=tmp_path / "h")  # fmt: skip
        client.fetch_prospects([purged, "0"], progress=False)  # "0" never existed
        moment = server.purged_at(purged)
        assert moment is not None
        server.advance(moment - server.now)
        result = client.fetch_prospects([purged, "0"], progress=False, refresh=True)
    assert result.errors["reason"].tolist() == ["not_found", "not_found"]
    observed = kd.History(tmp_path / "h").observations()
    assert observed["prospect_id"].tolist() == [purged, purged]
    assert observed["gone"].tolist() == [False, True]
    assert observed["observed_at"].iloc[1] == pd.Timestamp(moment)  # the server's Date


# -- crashes and concurrency ------------------------------------------------------------------

CHILD = textwrap.dedent(
    """
    import sys
    import knock_data as kd
    import knock_data._history.writer as writer

    writer.CHUNK_SECONDS = 0.1  # a chunk every tenth of a second
    url, key, cache, history, ids = sys.argv[1:6]
    client = kd.KnockClient(key, base_url=url, cache=cache, history=history, max_workers=2)
    client.fetch_prospects(ids.split(","), progress=False)
    """
)


def test_kill_9_mid_run_loses_no_observation(tmp_path: Path) -> None:
    history_dir, cache = tmp_path / "h", tmp_path / "c.sqlite"
    with SandboxServer(n_prospects=400, latency=0.01) as server:
        ids = server.prospect_ids
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, server.url, server.api_key, str(cache),
             str(history_dir), ",".join(ids)],
            cwd=REPO,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while len(list(history_dir.glob("*/*.parquet"))) < 3 and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(0.05)  # some records received since the last chunk: not written yet
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=10)
        assert child.returncode == -signal.SIGKILL
        written = kd.History(history_dir).observations()  # readable: whole chunks only
        assert 0 < len(written) < len(ids)
        with kd.KnockClient(server.api_key, base_url=server.url, cache=cache) as reader:
            cached = reader._open().lookup(ids)
        assert len(cached) > len(written)  # received (so cached) but not yet in a chunk
        # The rerun finds them cached: what the killed run fetched but never wrote is
        # recovered, once, at the moment it was fetched; the rest is fetched and recorded.
        with kd.KnockClient(server.api_key, base_url=server.url, cache=cache,
                            history=history_dir) as rerun:  # fmt: skip
            result = rerun.fetch_prospects(ids, progress=False)
        assert result.n_cached == len(cached)
    observed = kd.History(history_dir).observations()
    assert set(observed["prospect_id"]) == set(ids)
    assert observed["prospect_id"].is_unique  # nothing recorded twice
    assert set(written["prospect_id"]) <= set(cached)


APPENDER = textwrap.dedent(
    """
    import sys
    import knock_data as kd
    from knock_data.sandbox import generate_prospects

    folder, start = sys.argv[1], int(sys.argv[2])
    records = generate_prospects(40)
    for run in range(15):
        batch = [dict(r, prospectId=str(start + 100 * run + i)) for i, r in enumerate(records)]
        kd.History(folder).append(batch, observed_at="2021-11-02", api_key="portfolio-key")
    """
)


def test_two_processes_appending_at_once_both_land(tmp_path: Path) -> None:
    folder = tmp_path / "h"
    children = [
        subprocess.Popen([sys.executable, "-c", APPENDER, str(folder), str(start)], cwd=REPO)
        for start in (1_000_000, 2_000_000)
    ]
    assert [child.wait(timeout=120) for child in children] == [0, 0]
    history = kd.History(folder)
    info = history.info()
    assert (info.runs, info.observations, info.prospects) == (30, 1200, 1200)
    assert Folder(folder).clean_temporaries() == 0


# -- command line -------------------------------------------------------------------------------


def test_fetch_keeps_a_history_and_history_info_describes_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with SandboxServer(n_prospects=80) as server:
        ids_file = tmp_path / "ids.txt"
        ids_file.write_text("\n".join(server.prospect_ids) + "\n")
        common = [
            "fetch", str(ids_file), "-o", str(tmp_path / "out.csv"), "--base-url", server.url,
            "--env", "stage", "--cache", str(tmp_path / "c.sqlite"), "--no-progress",
            "--history", str(tmp_path / "h"),
        ]  # fmt: skip
        assert main(common) == 0
        server.advance(days=7)
        assert main([*common, "--refresh", "due", "--now", server.now.isoformat()]) == 0
        err = capsys.readouterr().err
        assert "not due" in err
        assert f"History kept in {tmp_path / 'h'}" in err
    assert main(["history", "info", str(tmp_path / "h")]) == 0
    out = capsys.readouterr().out
    assert "Runs: 2" in out
    assert "Prospects: 80" in out
    assert "First observation: 2021-11-02 00:00:00 UTC" in out


def test_a_foreign_file_in_the_history_is_a_clear_error_on_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    history = kd.History(tmp_path / "h")
    history.append([kd.sandbox.EXAMPLE_PROSPECT], observed_at="2021-11-02")
    (tmp_path / "h" / "summary.csv").write_text("a,b\n")
    assert main(["history", "info", str(tmp_path / "h")]) == 1
    err = capsys.readouterr().err
    assert "summary.csv is not part of the knock-data history" in err
    assert "Traceback" not in err
