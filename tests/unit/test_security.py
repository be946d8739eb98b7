"""Tenants and secrets, with a fake transport: each key sees only what the server gave it,
and no key or password shows anywhere."""

from __future__ import annotations

import hashlib
import pickle
import threading
from pathlib import Path
from typing import Any, ClassVar

import pytest
import requests
import requests_cache

from knock_data import ConfigurationError, KnockClient, ProspectNotFound
from knock_data._fetch.cache import ProspectCache
from knock_data._fetch.config import STAGE_TEST_KEY, resolve_connection
from tests.unit.fake_transport import BASE, FAST, NOT_FOUND, FakeAdapter, Reply, prospect

KEY_A, KEY_B = "tenant-A-SECRET-key", "tenant-B-SECRET-key"


class TenantAdapter(FakeAdapter):
    """Each key has its own prospects: A's prospect 1 is Ann, B's is Bob. ``failing[key]``
    makes every answer to that key this status (404: "does not exist")."""

    NAMES: ClassVar[dict[str, str]] = {KEY_A: "Ann", KEY_B: "Bob"}

    def __init__(self) -> None:
        super().__init__(lambda pid, attempt: (500, {}, {}))
        self.failing: dict[str, int] = {}
        self.keys_seen: list[str] = []

    def reply_for(self, request: requests.PreparedRequest, pid: str, attempt: int) -> Reply:
        key = str(request.headers["x-api-key"])
        with self._lock:
            self.keys_seen.append(key)
        status = self.failing.get(key)
        if status == 404:
            return (404, NOT_FOUND, {})
        if status:
            return (status, {"message": "down"}, {})
        return (200, dict(prospect(pid), firstName=self.NAMES[key]), {})


def _client(key: str, cache: Path, adapter: FakeAdapter, **kwargs: Any) -> KnockClient:
    return KnockClient(key, base_url=BASE, cache=cache, retry=FAST, adapter=adapter, **kwargs)


def _names(records: list[dict[str, Any]]) -> set[str]:
    return {r["firstName"] for r in records}


# --- tenants --------------------------------------------------------------------------------


def test_a_second_key_on_the_same_file_gets_nothing_the_server_did_not_give_it(
    tmp_path: Path,
) -> None:
    cache = tmp_path / "shared.sqlite"
    adapter = TenantAdapter()
    first = _client(KEY_A, cache, adapter).fetch_prospects([1, 2, 3], progress=False)
    assert _names(first.records) == {"Ann"}
    second = _client(KEY_B, cache, adapter).fetch_prospects([1, 2, 3], progress=False)
    assert (second.n_cached, second.n_fetched) == (0, 3)  # the server was asked
    assert _names(second.records) == {"Bob"}
    assert _client(KEY_B, cache, adapter).get_prospect(2)["firstName"] == "Bob"
    again = _client(KEY_A, cache, adapter).fetch_prospects([1, 2, 3], progress=False)
    assert (again.n_cached, _names(again.records)) == (3, {"Ann"})  # A's copies kept


@pytest.mark.parametrize("status", [404, 500, 502])
def test_a_failing_refresh_never_serves_another_keys_copies(tmp_path: Path, status: int) -> None:
    cache = tmp_path / "shared.sqlite"
    adapter = TenantAdapter()
    _client(KEY_A, cache, adapter).fetch_prospects([1, 2], progress=False)
    adapter.failing[KEY_B] = status
    client_b = _client(KEY_B, cache, adapter, max_retries=1)
    result = client_b.fetch_prospects([1, 2], progress=False, refresh=True)
    assert result.records == []
    assert result.n_stale == 0
    assert len(result.errors) == 2
    with pytest.raises(ProspectNotFound if status == 404 else Exception) as info:
        client_b.get_prospect(1)
    assert "Ann" not in str(info.value)


def test_a_prospect_knock_says_does_not_exist_is_dropped_from_the_cache(tmp_path: Path) -> None:
    cache = tmp_path / "c.sqlite"
    adapter = TenantAdapter()
    client = _client(KEY_A, cache, adapter)
    client.fetch_prospects([1, 2], progress=False)
    adapter.failing[KEY_A] = 404  # deleted upstream
    refreshed = client.fetch_prospects([1], progress=False, refresh=True)
    assert refreshed.errors["reason"].tolist() == ["not_found"]
    adapter.failing.pop(KEY_A)
    adapter.failing[KEY_A] = 500  # and then Knock is down: the deleted one is not served
    again = client.fetch_prospects([1, 2], progress=False)
    assert [r["prospectId"] for r in again.records] == ["2"]
    assert again.n_cached == 1
    assert again.errors["reason"].tolist() == ["server_error"]


def test_two_keys_sharing_a_cached_session_of_their_own_are_kept_apart(tmp_path: Path) -> None:
    adapter = TenantAdapter()
    session = requests_cache.CachedSession(str(tmp_path / "mine.sqlite"))
    session.mount(BASE, adapter)
    client_a = KnockClient(KEY_A, base_url=BASE, session=session, retry=FAST)
    client_b = KnockClient(KEY_B, base_url=BASE, session=session, retry=FAST)
    assert _names(client_a.fetch_prospects([1, 2], progress=False).records) == {"Ann"}
    second = client_b.fetch_prospects([1, 2], progress=False)
    assert (second.n_cached, _names(second.records)) == (0, {"Bob"})
    assert client_a.get_prospect(1)["firstName"] == "Ann"  # from the session's cache
    assert client_b.get_prospect(1)["firstName"] == "Bob"
    assert adapter.keys_seen == [KEY_A, KEY_A, KEY_B, KEY_B]
    adapter.failing[KEY_B] = 404
    client_b.fetch_prospects([1], progress=False, refresh=True)
    adapter.failing[KEY_B] = 500
    with pytest.raises(Exception, match="HTTP 500"):
        client_b.get_prospect(1)  # B's copy went with the 404; A's was never B's
    assert client_a.get_prospect(1)["firstName"] == "Ann"
    session.close()


def test_a_cached_session_on_knock_datas_backend_uses_the_files_salt(tmp_path: Path) -> None:
    adapter = TenantAdapter()
    path = tmp_path / "c.sqlite"
    _client(KEY_A, path, adapter).fetch_prospects([1], progress=False)
    session = requests_cache.CachedSession(backend=ProspectCache(path))
    session.mount(BASE, adapter)
    sent = len(adapter.keys_seen)
    own = KnockClient(KEY_A, base_url=BASE, session=session, retry=FAST)
    assert own.fetch_prospects([1], progress=False).n_cached == 1  # the same scope
    other = KnockClient(KEY_B, base_url=BASE, session=session, retry=FAST)
    assert other.get_prospect(1)["firstName"] == "Bob"
    assert adapter.keys_seen[sent:] == [KEY_B]
    session.close()


def test_the_scope_is_derived_once_per_client(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[bytes] = []
    real = hashlib.scrypt

    def counting(password: bytes, **kwargs: Any) -> bytes:
        calls.append(password)
        return real(password, **kwargs)

    monkeypatch.setattr(hashlib, "scrypt", counting)
    client = _client(KEY_A, tmp_path / "c.sqlite", TenantAdapter())
    for _ in range(3):
        client.fetch_prospects([1, 2, 3], progress=False, refresh=True)
    client.get_prospect(4)
    assert len(calls) == 1


# --- secrets --------------------------------------------------------------------------------


@pytest.mark.parametrize("padded", [f"{KEY_A}\n", f"{KEY_A}\r\n", f"  {KEY_A}\t"])
def test_a_key_read_from_a_file_loses_its_surrounding_whitespace(padded: str) -> None:
    adapter = TenantAdapter()
    client = KnockClient(padded, base_url=BASE, cache=False, retry=FAST, adapter=adapter)
    assert client.get_prospect(1)["firstName"] == "Ann"
    assert adapter.keys_seen == [KEY_A]


@pytest.mark.parametrize(
    ("key", "what"),
    [
        ("tenant-A\nSECRET", "control character"),
        ("tenant-A\rSECRET", "control character"),
        ("tenant-A\x00SECRET", "control character"),
        ("tenant-A\x1b[2JSECRET", "control character"),
        ("tenant-Ä-SECRET", "non-ASCII"),
        ("tenant-A\u200bSECRET", "non-ASCII"),
    ],
)
def test_a_key_that_cannot_be_sent_is_refused_without_showing_it(key: str, what: str) -> None:
    for source in ({"api_key": key}, {"environ": {"KNOCK_API_KEY": key}}):
        with pytest.raises(ConfigurationError, match=what) as info:
            resolve_connection(**source)
        text = f"{info.value} {info.value!r} {info.value.hint}"
        assert "SECRET" not in text
        assert "tenant-A" not in text


@pytest.mark.parametrize(
    "url", ["https://ann:hunter2@knock.test", "https://ann@knock.test", "http://:pw@127.0.0.1:1"]
)
def test_a_base_url_with_credentials_is_refused_and_redacted(url: str) -> None:
    for source in ({"base_url": url}, {"environ": {"KNOCK_BASE_URL": url, "KNOCK_API_KEY": "k"}}):
        with pytest.raises(ConfigurationError, match="user name or password") as info:
            resolve_connection("k", **source)
        assert "hunter2" not in str(info.value)
        assert "pw@" not in str(info.value)


@pytest.mark.parametrize(
    ("url", "refused"),
    [
        ("http://knock.test", True),
        ("http://10.0.0.5:8000", True),
        ("http://0.0.0.0:8000", True),
        ("http://127.0.0.1:8000", False),
        ("http://127.8.9.1:8000", False),
        ("http://localhost:8000", False),
        ("http://[::1]:8000", False),
        ("https://knock.test", False),
    ],
)
def test_plain_http_to_another_machine_needs_allow_insecure(url: str, refused: bool) -> None:
    if refused:
        with pytest.raises(ConfigurationError, match="plain http:// to another machine") as info:
            KnockClient("k", base_url=url, cache=False)
        assert "allow_insecure=True" in str(info.value)  # the command line says --allow-insecure
    else:
        KnockClient("k", base_url=url, cache=False)
    assert KnockClient("k", base_url=url, cache=False, allow_insecure=True).base_url == url


def test_stage_never_reads_the_production_key_from_the_environment() -> None:
    connection = resolve_connection(env="stage", environ={"KNOCK_API_KEY": "prod-SECRET"})
    assert connection.api_key == STAGE_TEST_KEY
    assert resolve_connection("mine", env="stage", environ={}).api_key == "mine"
    assert resolve_connection(environ={"KNOCK_API_KEY": "prod-SECRET"}).api_key == "prod-SECRET"


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirect_is_never_followed_nor_stored(tmp_path: Path, status: int) -> None:
    elsewhere = FakeAdapter(lambda pid, attempt: (200, prospect("666"), {}))
    adapter = FakeAdapter(
        lambda pid, attempt: (
            status,
            b"",
            {"Location": f"https://user:pw@evil.test/prospect/{pid}?token=abc"},
        )
    )
    client = _client(KEY_A, tmp_path / "c.sqlite", adapter)
    client.session.mount("https://evil.test", elsewhere)
    result = client.fetch_prospects([5], progress=False)
    row = result.errors.iloc[0]
    assert (row["reason"], row["status_code"]) == ("bad_response", status)
    assert row["server_message"] == "Location: https://evil.test"
    assert "redirect" in row["message"]
    assert sum(elsewhere.calls.values()) == 0
    assert client.fetch_prospects([5], progress=False).n_cached == 0  # nothing was stored


def test_a_client_and_its_session_cannot_be_pickled(tmp_path: Path) -> None:
    adapter = TenantAdapter()
    client = _client(KEY_A, tmp_path / "c.sqlite", adapter)
    client.get_prospect(1)
    plain = KnockClient(KEY_A, base_url=BASE, cache=False)
    for thing in (client, client.session, client._open(), plain, plain.session, plain._connection):
        with pytest.raises(TypeError, match="cannot be pickled: it holds the API key") as info:
            pickle.dumps(thing)
        assert KEY_A not in str(info.value)


def test_a_key_or_salt_never_reaches_reprs_errors_or_the_cache_rows(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    adapter = TenantAdapter()
    client = _client(KEY_A, path, adapter)
    result = client.fetch_prospects([1, 2, "x"], progress=False)
    store = client._open().store
    assert store is not None
    salt = store._file.salt
    texts = [repr(client), repr(client._open()), repr(result), result.errors.to_string()]
    assert not any(KEY_A in text or salt.hex() in text for text in texts)
    client.close()
    data = b"".join(p.read_bytes() for p in tmp_path.iterdir())
    assert KEY_A.encode() not in data
    assert data.count(salt) == 1  # the salt, once, in knock_meta: its only place


def test_the_adapter_strips_the_scope_so_knock_never_sees_it(tmp_path: Path) -> None:
    adapter = TenantAdapter()
    _client(KEY_A, tmp_path / "c.sqlite", adapter).fetch_prospects([1], progress=False)
    assert adapter.urls_seen == [f"{BASE}/prospect/1"]


def test_many_threads_storing_for_two_keys_never_mix(tmp_path: Path) -> None:
    cache = tmp_path / "c.sqlite"
    adapter = TenantAdapter()
    clients = [_client(k, cache, adapter, max_workers=8) for k in (KEY_A, KEY_B)]
    results: dict[str, Any] = {}

    def run(client: KnockClient, key: str) -> None:
        results[key] = client.fetch_prospects(range(1, 301), progress=False)

    threads = [
        threading.Thread(target=run, args=(c, k))
        for c, k in zip(clients, (KEY_A, KEY_B), strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for client, key in zip(clients, (KEY_A, KEY_B), strict=True):
        warm = client.fetch_prospects(range(1, 301), progress=False)
        assert warm.n_cached == 300
        assert _names(warm.records) == {TenantAdapter.NAMES[key]}
