"""Several tenants, each with its own key, on one cache file and one server over loopback:
a key receives nothing the server did not give it, however it asks and whatever fails."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests_cache

from knock_data import KnockClient, ProspectNotFound, RetryPolicy, ServerError
from knock_data._cli import main
from knock_data._fetch.cache_info import cache_info
from tests.integration.tenant_server import TenantServer

pytestmark = pytest.mark.integration

KEY_A, KEY_B = "manager-A-SECRET-key", "manager-B-SECRET-key"
IDS = [str(n) for n in range(1000, 1060)]
FAST = RetryPolicy(backoff=0.002, max_backoff=0.01)


@pytest.fixture
def server() -> Iterator[TenantServer]:
    with TenantServer({KEY_A: "Ann", KEY_B: "Bob"}, IDS) as tenants:
        yield tenants


def client(server: TenantServer, key: str, cache: Path | None, **kwargs: object) -> KnockClient:
    kwargs.setdefault("retry", FAST)
    return KnockClient(key, base_url=server.url, cache=cache or False, **kwargs)  # type: ignore[arg-type]


def test_each_key_gets_exactly_what_the_server_gave_it(
    server: TenantServer, tmp_path: Path
) -> None:
    cache = tmp_path / "shared.sqlite"
    first = client(server, KEY_A, cache).fetch_prospects(IDS, progress=False)
    assert first.records == [server.record(KEY_A, pid) for pid in IDS]
    second = client(server, KEY_B, cache).fetch_prospects(IDS[::-1], progress=False)
    assert (second.n_cached, second.n_fetched, server.asked(KEY_B)) == (0, 60, 60)
    assert second.records == [server.record(KEY_B, pid) for pid in IDS[::-1]]
    assert client(server, KEY_B, cache).get_prospect(IDS[0]) == server.record(KEY_B, IDS[0])
    # Both stay cached, side by side: neither key asks again.
    for key in (KEY_A, KEY_B):
        warm = client(server, key, cache).fetch_prospects(IDS, progress=False)
        assert (warm.n_cached, warm.records) == (60, [server.record(key, p) for p in IDS])
    assert (server.asked(KEY_A), server.asked(KEY_B)) == (60, 60)
    info = cache_info(cache)
    assert sorted(t.prospects for t in info.tenants) == [60, 60]
    assert len({t.scope_fingerprint for t in info.tenants}) == 2
    data = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.is_file())
    assert KEY_A.encode() not in data
    assert KEY_B.encode() not in data


@pytest.mark.parametrize("status", [404, 500, 502])
def test_a_failing_refresh_serves_a_key_its_own_copies_or_nothing(
    server: TenantServer, tmp_path: Path, status: int
) -> None:
    cache = tmp_path / "shared.sqlite"
    client(server, KEY_A, cache).fetch_prospects(IDS, progress=False)
    client(server, KEY_B, cache).fetch_prospects(IDS[:10], progress=False)
    server.fail[KEY_B] = status
    refreshed = client(server, KEY_B, cache, max_retries=1).fetch_prospects(
        IDS[:20], progress=False, refresh=True
    )
    names = {record["firstName"] for record in refreshed.records}
    assert "Ann" not in names
    if status == 404:  # gone upstream: nothing served, and B's copies dropped
        assert (refreshed.records, refreshed.n_stale) == ([], 0)
        assert set(refreshed.errors["reason"]) == {"not_found"}
    else:  # Knock down: B's own ten copies stand in, the other ten fail
        assert refreshed.records == [server.record(KEY_B, p) for p in IDS[:10]]
        assert (refreshed.n_stale, len(refreshed.errors)) == (10, 10)
    with pytest.raises(ProspectNotFound if status == 404 else ServerError):
        client(server, KEY_B, cache, max_retries=0).get_prospect(IDS[15])


def test_a_prospect_gone_upstream_is_not_served_again(server: TenantServer, tmp_path: Path) -> None:
    cache = tmp_path / "c.sqlite"
    client(server, KEY_A, cache).fetch_prospects(IDS, progress=False)
    server.ids.remove(IDS[3])  # deleted in Knock
    again = client(server, KEY_A, cache).fetch_prospects(IDS[:5], progress=False, refresh=True)
    assert again.errors["prospect_id"].tolist() == [IDS[3]]
    server.fail[KEY_A] = 500
    down = client(server, KEY_A, cache, max_retries=0).fetch_prospects(IDS[:5], progress=False)
    assert [r["prospectId"] for r in down.records] == [IDS[0], IDS[1], IDS[2], IDS[4]]
    assert down.errors["reason"].tolist() == ["server_error"]


def test_a_shared_cached_session_of_ones_own_keeps_keys_apart(
    server: TenantServer, tmp_path: Path
) -> None:
    session = requests_cache.CachedSession(str(tmp_path / "mine.sqlite"))
    a = KnockClient(KEY_A, base_url=server.url, session=session, retry=FAST)
    b = KnockClient(KEY_B, base_url=server.url, session=session, retry=FAST)
    assert a.fetch_prospects(IDS[:5], progress=False).records[0]["firstName"] == "Ann"
    second = b.fetch_prospects(IDS[:5], progress=False)
    assert (second.n_cached, second.records[0]["firstName"]) == (0, "Bob")
    assert (a.fetch_prospects(IDS[:5], progress=False).n_cached, server.asked(KEY_A)) == (5, 5)
    session.close()
    data = (tmp_path / "mine.sqlite").read_bytes()
    assert KEY_A.encode() not in data
    assert KEY_B.encode() not in data


_WORKER = textwrap.dedent(
    """
    import sys
    from knock_data import KnockClient
    url, cache, key = sys.argv[1:4]
    ids = [str(n) for n in range(1000, 1060)]
    with KnockClient(key, base_url=url, cache=cache, max_workers=4) as client:
        result = client.fetch_prospects(ids, progress=False)
    print(len(result.records), {r["firstName"] for r in result.records} == {sys.argv[4]})
    """
)


def test_two_processes_with_two_keys_fill_one_file_at_once(
    server: TenantServer, tmp_path: Path
) -> None:
    cache = tmp_path / "shared.sqlite"
    script = tmp_path / "worker.py"
    script.write_text(_WORKER)
    procs = [
        subprocess.Popen(
            [sys.executable, str(script), server.url, str(cache), key, name],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for key, name in ((KEY_A, "Ann"), (KEY_B, "Bob"))
    ]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert [out.split() for out, _ in outputs] == [["60", "True"], ["60", "True"]], outputs
    for key in (KEY_A, KEY_B):
        warm = client(server, key, cache).fetch_prospects(IDS, progress=False)
        assert (warm.n_cached, warm.records) == (60, [server.record(key, p) for p in IDS])
    assert all(KEY_A not in out + err and KEY_B not in out + err for out, err in outputs)


def test_the_command_line_fetches_and_clears_per_key(
    server: TenantServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cache = tmp_path / "shared.sqlite"
    ids_file = tmp_path / "ids.txt"
    ids_file.write_text("\n".join(IDS))
    common = ["--cache", str(cache)]
    for key, name in ((KEY_A, "Ann"), (KEY_B, "Bob")):
        monkeypatch.setenv("KNOCK_API_KEY", key)
        out = tmp_path / f"{name}.csv"
        args = ["fetch", str(ids_file), "-o", str(out), "--base-url", server.url, *common]
        assert main([*args, "--no-progress"]) == 0
        text = out.read_text(encoding="utf-8-sig")
        assert text.count(f",{name},") == 60
        assert ("Ann" if name == "Bob" else "Bob") not in text
    assert main(["cache", "info", *common]) == 0
    info = capsys.readouterr().out
    assert len(re.findall(rf"{re.escape(server.url)}, key [0-9a-f]{{8}}: 60\n", info)) == 2
    # B clears B's copies; A's stay.
    assert main(["cache", "clear", *common]) == 0
    assert "Cleared 60 cached copies of key" in capsys.readouterr().out
    monkeypatch.setenv("KNOCK_API_KEY", KEY_A)
    warm = client(server, KEY_A, cache).fetch_prospects(IDS, progress=False)
    assert warm.n_cached == 60
    assert cache_info(cache).prospects == 60
    everything = capsys.readouterr()
    assert KEY_A not in everything.out + everything.err
    assert KEY_B not in info
