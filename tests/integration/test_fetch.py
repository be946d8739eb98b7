"""KnockClient against the real sandbox over loopback: faults, latency, cache, processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from datetime import timedelta
from pathlib import Path

import pytest
import requests_cache

from knock_data import AuthenticationError, KnockClient, RetryPolicy
from knock_data._fetch.cache_info import cache_info
from knock_data.sandbox import SandboxServer

pytestmark = pytest.mark.integration

FAST = RetryPolicy(backoff=0.002, max_backoff=0.01, max_retry_after=0.01)


def client_for(server: SandboxServer, cache: Path | bool = False, **kwargs: object) -> KnockClient:
    kwargs.setdefault("retry", FAST)
    return KnockClient(server.api_key, base_url=server.url, cache=cache, **kwargs)  # type: ignore[arg-type]


def test_fetch_returns_records_in_input_order(sandbox: SandboxServer) -> None:
    ids = sandbox.prospect_ids[:40][::-1]
    result = client_for(sandbox).fetch_prospects([*ids, ids[0], "0", "12a"], progress=False)
    assert [r["prospectId"] for r in result.records] == ids
    expected = {r["prospectId"]: r for r in sandbox.records}
    assert all(r == expected[r["prospectId"]] for r in result.records)
    assert result.errors[["prospect_id", "error_code"]].values.tolist() == [
        ["0", "not_found"],
        ["12a", "invalid_id"],
    ]
    assert result.errors["status_code"].tolist()[0] == 404


def test_cache_hits_send_nothing_and_refresh_fetches_again(make_sandbox, tmp_path: Path) -> None:
    server = make_sandbox(n_prospects=60)
    cache = tmp_path / "c.sqlite"
    ids = server.prospect_ids
    first = client_for(server, cache).fetch_prospects(ids, progress=False)
    assert (first.n_fetched, server.request_count) == (60, 60)
    second = client_for(server, cache).fetch_prospects(ids, progress=False)
    assert (second.n_cached, second.n_fetched, server.request_count) == (60, 0, 60)
    assert second.records == first.records
    refreshed = client_for(server, cache).fetch_prospects(ids[:10], progress=False, refresh=True)
    assert (refreshed.n_fetched, server.request_count) == (10, 70)
    assert cache_info(cache).prospects == 60


def test_faults_are_retried_until_everything_arrives(make_sandbox, tmp_path: Path) -> None:
    server = make_sandbox(n_prospects=150, fault_rate=0.3, fault_seed=7, latency=0.002)
    client = client_for(server, tmp_path / "c.sqlite", max_workers=8, max_retries=12)
    result = client.fetch_prospects(server.prospect_ids, progress=False)
    assert result.ok, result.errors
    assert [r["prospectId"] for r in result.records] == server.prospect_ids
    assert server.request_count > 150  # faults happened, and were retried


def test_api_down_serves_cached_copies(make_sandbox, tmp_path: Path) -> None:
    server = make_sandbox(n_prospects=20)
    cache = tmp_path / "c.sqlite"
    ids = server.prospect_ids
    client = client_for(server, cache, max_retries=1)
    client.fetch_prospects(ids, progress=False)
    server.fault_rate = 1.0
    result = client.fetch_prospects(ids, progress=False, refresh=True)
    assert result.ok
    assert (result.n_stale, result.n_fetched) == (20, 0)
    assert "20 stale copies served" in repr(result)
    assert [r["prospectId"] for r in result.records] == ids


def test_expired_entries_are_fetched_again_or_served_stale(make_sandbox, tmp_path: Path) -> None:
    server = make_sandbox(n_prospects=10)
    client = client_for(server, tmp_path / "c.sqlite", expire_after=timedelta(0), max_retries=1)
    client.fetch_prospects(server.prospect_ids, progress=False)
    again = client.fetch_prospects(server.prospect_ids, progress=False)
    assert (again.n_cached, again.n_fetched) == (0, 10)
    server.fault_rate = 1.0
    down = client.fetch_prospects(server.prospect_ids, progress=False)
    assert (down.n_stale, len(down.errors)) == (10, 0)


def test_without_cache_a_failure_is_reported(make_sandbox) -> None:
    server = make_sandbox(n_prospects=5, fault_rate=1.0, fault_seed=1)
    result = client_for(server, max_retries=1).fetch_prospects(server.prospect_ids, progress=False)
    assert len(result.records) == 0
    assert set(result.errors["error_code"]) <= {
        "rate_limited",
        "server_error",
        "bad_response",
        "connection",
    }
    assert len(result.errors) == 5


def test_wrong_key_stops_the_batch(make_sandbox, tmp_path: Path) -> None:
    server = make_sandbox(n_prospects=3000, latency=0.01)
    client = KnockClient(
        "wrong-key", base_url=server.url, cache=tmp_path / "c.sqlite", max_workers=8
    )
    with pytest.raises(AuthenticationError) as info:
        client.fetch_prospects(server.prospect_ids, progress=False)
    assert info.value.status_code == 403
    time.sleep(0.05)
    assert server.request_count <= 16


def test_rate_limit_throttles_the_network_but_not_cache_hits(make_sandbox, tmp_path: Path) -> None:
    server = make_sandbox(n_prospects=200)
    cache = tmp_path / "c.sqlite"
    ids = server.prospect_ids
    start = time.perf_counter()
    client_for(server, cache, rate_limit=20).fetch_prospects(ids[:10], progress=False)
    assert time.perf_counter() - start >= 9 / 20 * 0.95
    client_for(server, cache).fetch_prospects(ids, progress=False)
    start = time.perf_counter()
    result = client_for(server, cache, rate_limit=1).fetch_prospects(ids, progress=False)
    assert result.n_cached == 200
    assert time.perf_counter() - start < 5  # 200 requests at 1/s would take minutes


def _file_bytes(path: Path) -> bytes:
    return b"".join(
        Path(f"{path}{suffix}").read_bytes()
        for suffix in ("", "-wal", "-shm")
        if Path(f"{path}{suffix}").exists()
    )


def test_the_key_never_reaches_the_cache_file(make_sandbox, tmp_path: Path) -> None:
    secret = "integration-SECRET-key-4242"
    server = make_sandbox(n_prospects=30, api_key=secret, fault_rate=0.2, fault_seed=3)
    cache = tmp_path / "c.sqlite"
    client = client_for(server, cache, max_retries=10)
    result = client.fetch_prospects(server.prospect_ids, progress=False)
    client.fetch_prospects(server.prospect_ids[:5], progress=False, refresh=True)
    assert result.ok
    data = _file_bytes(cache)
    assert b"47569637" in data  # the cache really holds the prospects...
    assert secret.encode() not in data  # ...and not the key

    # Control: requests-cache's defaults do store a lowercase x-api-key header.
    control = tmp_path / "control.sqlite"
    session = requests_cache.CachedSession(str(control))
    session.get(f"{server.url}/prospect/47569637", headers={"x-api-key": secret})
    session.close()
    assert secret.encode() in _file_bytes(control)


def test_a_cached_session_of_ones_own_serves_hits_and_refresh_goes_past_it(
    make_sandbox, tmp_path: Path
) -> None:
    secret = "own-session-SECRET-key"
    server = make_sandbox(n_prospects=30, api_key=secret)
    ids = server.prospect_ids
    path = tmp_path / "mine.sqlite"
    session = requests_cache.CachedSession(str(path))
    client = client_for(server, session=session)
    first = client.fetch_prospects(ids, progress=False)
    assert (first.n_fetched, server.request_count) == (30, 30)
    again = client.fetch_prospects(ids, progress=False)
    assert (again.n_cached, again.n_fetched, server.request_count) == (30, 0, 30)
    refreshed = client.fetch_prospects(ids[:10], progress=False, refresh=True)
    assert (refreshed.n_cached, refreshed.n_fetched, server.request_count) == (0, 10, 40)
    assert refreshed.records == first.records[:10]
    assert client.cache_path is None  # the session's cache is the caller's, not the client's
    session.close()
    assert secret.encode() not in _file_bytes(path)


def test_cache_is_private_to_the_user(make_sandbox, tmp_path: Path) -> None:
    server = make_sandbox(n_prospects=3)
    cache = tmp_path / "new" / "c.sqlite"
    client_for(server, cache).fetch_prospects(server.prospect_ids, progress=False)
    if os.name == "posix":
        assert (cache.parent.stat().st_mode & 0o777) == 0o700
        assert (cache.stat().st_mode & 0o777) == 0o600


_WORKER = textwrap.dedent(
    """
    import sys
    from knock_data import KnockClient
    url, cache, first, last = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    client = KnockClient(env="stage", base_url=url, cache=cache, max_workers=4)
    ids = [str(i) for i in range(first, last)]
    result = client.fetch_prospects(ids, progress=False)
    print(len(result.records), len(result.errors))
    """
)


def _spawn(server: SandboxServer, cache: Path, ids: list[str]) -> subprocess.Popen[str]:
    script = cache.parent / f"worker-{len(list(cache.parent.glob('worker-*.py')))}.py"
    script.write_text(
        _WORKER.replace("ids = [str(i) for i in range(first, last)]", f"ids = {ids!r}")
    )
    return subprocess.Popen(
        [sys.executable, str(script), server.url, str(cache), "0", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_several_processes_share_one_cache_file(make_sandbox, tmp_path: Path) -> None:
    server = make_sandbox(n_prospects=300, latency=0.002)
    cache = tmp_path / "shared.sqlite"
    ids = server.prospect_ids
    procs = [_spawn(server, cache, ids[:200]), _spawn(server, cache, ids[100:])]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    assert [out.split() for out, _ in outputs] == [["200", "0"], ["200", "0"]]
    before = server.request_count
    result = client_for(server, cache).fetch_prospects(ids, progress=False)
    assert (result.n_cached, server.request_count) == (300, before)
    assert cache_info(cache).prospects == 300


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT])
def test_interrupted_run_keeps_what_it_received(
    make_sandbox, tmp_path: Path, sig: signal.Signals
) -> None:
    server = make_sandbox(n_prospects=400, latency=0.03)
    cache = tmp_path / "c.sqlite"
    ids = server.prospect_ids
    proc = _spawn(server, cache, ids)
    deadline = time.monotonic() + 60
    while server.request_count < 80 and time.monotonic() < deadline:
        time.sleep(0.01)
    proc.send_signal(sig)
    proc.communicate(timeout=30)
    assert proc.returncode != 0
    time.sleep(0.1)  # let the server finish answering requests the worker had sent
    sent = server.request_count
    kept = cache_info(cache).prospects
    assert 0 < kept <= sent < 400
    assert sent - kept <= 4  # at most the requests in flight (4 workers) were lost

    server.requests.clear()
    result = client_for(server, cache).fetch_prospects(ids, progress=False)
    assert result.ok
    assert [r["prospectId"] for r in result.records] == ids
    assert (result.n_cached, result.n_fetched) == (kept, 400 - kept)
    assert server.request_count == 400 - kept  # the rerun fetched only the rest
    assert all(server.requests[f"/prospect/{pid}"] <= 1 for pid in ids)
