"""KnockClient with a fake transport: classification, retries, stopping, secrets."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from typing import Any, Literal

import pytest
import requests

import knock_data
from knock_data import (
    AuthenticationError,
    ConfigurationError,
    InvalidProspectId,
    KnockAPIError,
    KnockClient,
    ProspectNotFound,
    RateLimited,
    RetryPolicy,
)
from knock_data._fetch.cache import ProspectCache
from knock_data._fetch.transport import USER_AGENT
from tests.unit.fake_transport import (
    BASE,
    FAST,
    KEY,
    NOT_FOUND,
    FakeAdapter,
    Reply,
    always,
    make_client,
    prospect,
)


@pytest.mark.parametrize("status", [200, 400, 404, 500])
def test_not_found_is_classified_by_body_whatever_the_status(status: int) -> None:
    adapter = FakeAdapter(always((status, NOT_FOUND, {})))
    client = make_client(adapter)
    with pytest.raises(ProspectNotFound) as info:
        client.get_prospect(9)
    error = info.value
    assert (error.prospect_id, error.status_code) == ("9", status)
    assert error.knock_error_code == "CORE_API_GET_PROSPECT_FAIL"
    assert "Prospect_id 9 missing" in str(error)
    assert adapter.calls["9"] == 1  # never retried


def test_server_refusing_an_id_is_invalid_id_and_not_retried() -> None:
    body = {"errorMessage": "Id 12 is not a valid prospect id. Id must be a number."}
    adapter = FakeAdapter(always((502, body, {})))
    result = make_client(adapter).fetch_prospects(["12"], progress=False)
    assert result.errors["reason"].tolist() == ["invalid_id"]
    assert adapter.calls["12"] == 1


def test_invalid_ids_are_never_sent() -> None:
    adapter = FakeAdapter(lambda pid, attempt: (200, prospect(pid), {}))
    result = make_client(adapter).fetch_prospects(["1", "1 2", "abc", 2.0, 1], progress=False)
    assert [r["prospectId"] for r in result.records] == ["1", "2"]
    assert result.errors["prospect_id"].tolist() == ["1 2", "abc"]
    assert set(adapter.calls) == {"1", "2"}
    assert all(n == 1 for n in adapter.calls.values())  # duplicates fetched once
    with pytest.raises(InvalidProspectId):
        make_client(adapter).get_prospect("x1")


@pytest.mark.parametrize(
    ("first", "code"),
    [
        ((429, {"message": "Too Many Requests"}, {"Retry-After": "0"}), "rate_limited"),
        ((502, {"message": "Internal server error"}, {}), "server_error"),
        ((503, b"<html>down</html>", {}), "server_error"),
        ((504, {"message": "Endpoint request timed out"}, {}), "server_error"),
        ((200, b'{"prospectId": "5", "sta', {}), "bad_response"),
        ((200, b"<html>proxy login</html>", {}), "bad_response"),
        (requests.ConnectionError("reset by peer"), "connection"),
        (requests.ReadTimeout("read timed out"), "timeout"),
    ],
)
def test_transient_failures_are_retried_then_succeed(first: Reply, code: str) -> None:
    adapter = FakeAdapter(lambda pid, attempt: first if attempt < 2 else (200, prospect(pid), {}))
    result = make_client(adapter).fetch_prospects(["5"], progress=False)
    assert result.records == [prospect("5")]
    assert adapter.calls["5"] == 3


def test_transient_failures_give_up_after_max_retries() -> None:
    adapter = FakeAdapter(always((429, {"message": "Too Many Requests"}, {"Retry-After": "0"})))
    client = make_client(adapter, max_retries=2)
    with pytest.raises(RateLimited) as info:
        client.get_prospect(5)
    assert adapter.calls["5"] == 3
    assert info.value.status_code == 429
    result = client.fetch_prospects([6], progress=False)
    row = result.errors.iloc[0]
    assert (row["reason"], row["status_code"]) == ("rate_limited", 429)
    assert "Too Many Requests" in row["server_message"]


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The delays the client waits for between attempts, recorded instead of waited."""
    seen: list[float] = []
    real_wait = threading.Event.wait

    def spy(self: threading.Event, timeout: float | None = None) -> bool:
        if timeout is not None:
            seen.append(timeout)
        return real_wait(self, 0)

    monkeypatch.setattr(threading.Event, "wait", spy)
    return seen


def test_retry_after_is_capped(waits: list[float]) -> None:
    adapter = FakeAdapter(
        lambda pid, attempt: (
            (429, {}, {"Retry-After": "3600"}) if attempt == 0 else (200, prospect(pid), {})
        )
    )
    policy = RetryPolicy(backoff=0.001, max_backoff=0.002, max_retry_after=2.5)
    make_client(adapter, retry=policy).get_prospect(5)
    assert waits
    assert 2.5 <= max(waits) <= 2.51


def test_500_without_a_known_body_is_a_server_error_not_retried() -> None:
    adapter = FakeAdapter(always((500, {"message": "boom"}, {})))
    with pytest.raises(KnockAPIError, match="HTTP 500"):
        make_client(adapter).get_prospect(5)
    assert adapter.calls["5"] == 1


def test_forbidden_stops_the_whole_batch_at_once() -> None:
    adapter = FakeAdapter(always((403, {"message": "Forbidden"}, {})))
    client = make_client(adapter, max_workers=4)
    with pytest.raises(AuthenticationError) as info:
        client.fetch_prospects(range(1, 2001), progress=False)
    assert info.value.status_code == 403
    assert "KNOCK_API_KEY" in str(info.value)
    assert sum(adapter.calls.values()) <= 8  # the requests in flight, not thousands
    assert KEY not in str(info.value)


def test_the_key_is_sent_but_never_shown() -> None:
    adapter = FakeAdapter(lambda pid, attempt: (200, prospect(pid), {}))
    client = make_client(adapter)
    result = client.fetch_prospects([1, 2, "x"], progress=False)
    assert all(h.get("x-api-key") == KEY for h in adapter.headers_seen)
    for text in (repr(client), repr(result), result.errors.to_string(), repr(client.session)):
        assert KEY not in text


def test_a_failed_request_keeps_no_key_in_the_error_chain() -> None:
    class Refusing(FakeAdapter):
        def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
            assert request.headers["x-api-key"] == KEY
            raise requests.exceptions.InvalidHeader("bad header value", request=request)

    with pytest.raises(KnockAPIError) as info:
        make_client(Refusing(always((200, {}, {})))).get_prospect(5)
    chain: list[BaseException] = []
    error: BaseException | None = info.value
    while error is not None:
        chain.append(error)
        error = error.__cause__ or error.__context__
    requests_sent: list[Any] = [r for e in chain if (r := getattr(e, "request", None))]
    assert requests_sent, "the requests error should keep its request"
    assert all("x-api-key" not in r.headers for r in requests_sent)


def test_fetch_result_summary_and_order() -> None:
    adapter = FakeAdapter(
        lambda pid, attempt: (404, NOT_FOUND, {}) if pid == "3" else (200, prospect(pid), {})
    )
    result = make_client(adapter).fetch_prospects([5, 3, "bad", 1, 5], progress=False)
    assert [r["prospectId"] for r in result.records] == ["5", "1"]
    assert result.errors["prospect_id"].tolist() == ["3", "bad"]
    assert result.errors["status_code"].dtype == "Int64"
    assert repr(result) == (
        "FetchResult(2 records: 0 from cache, 2 fetched; 2 errors: invalid_id=1, not_found=1)"
    )
    assert not result.ok
    assert len(result) == 2


def test_progress_bar_shows_counts(capsys: pytest.CaptureFixture[str]) -> None:
    adapter = FakeAdapter(lambda pid, attempt: (200, prospect(pid), {}))
    make_client(adapter).fetch_prospects([1, 2, "x"], progress=True)
    err = capsys.readouterr().err
    assert "cached=0" in err
    assert "fetched=2" in err
    assert "failed=1" in err


def test_own_cache_serves_the_second_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    adapter = FakeAdapter(lambda pid, attempt: (200, prospect(pid), {}))
    client = KnockClient(
        KEY, base_url=BASE, cache=tmp_path / "c.sqlite", retry=FAST, adapter=adapter
    )
    first = client.fetch_prospects([1, 2, 3], progress=False)
    second = client.fetch_prospects([3, 2, 1], progress=False)
    assert (first.n_fetched, second.n_cached, second.n_fetched) == (3, 3, 0)
    assert [r["prospectId"] for r in second.records] == ["3", "2", "1"]
    assert sum(adapter.calls.values()) == 3
    assert client.get_prospect(2) == prospect("2")
    assert sum(adapter.calls.values()) == 3


@pytest.mark.parametrize("cached", [True, False], ids=["cache", "no-cache"])
def test_own_sessions_say_who_is_calling(
    cached: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    adapter = FakeAdapter(lambda pid, attempt: (200, prospect(pid), {}))
    cache: Path | Literal[False] = tmp_path / "c.sqlite" if cached else False
    KnockClient(KEY, base_url=BASE, cache=cache, retry=FAST, adapter=adapter).get_prospect(1)
    assert [h["User-Agent"] for h in adapter.headers_seen] == [USER_AGENT]
    assert USER_AGENT.startswith(f"knock-data/{knock_data.__version__} ")


def test_error_bodies_under_200_are_never_cached(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    adapter = FakeAdapter(always((200, NOT_FOUND, {})))
    client = KnockClient(
        KEY, base_url=BASE, cache=tmp_path / "c.sqlite", retry=FAST, adapter=adapter
    )
    for _ in range(2):
        result = client.fetch_prospects([9], progress=False)
        assert result.errors["reason"].tolist() == ["not_found"]
    assert adapter.calls["9"] == 2


# --- an unusable cache file is a clear error, never a traceback from SQLite ---------------


@pytest.mark.parametrize("make", ["corrupt", "parent_is_a_file"])
def test_an_unusable_cache_file_is_a_clear_error(tmp_path: Path, make: str) -> None:
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"not a database " * 100)
    path = junk if make == "corrupt" else junk / "c.sqlite"
    adapter = FakeAdapter(lambda pid, attempt: (200, prospect(pid), {}))
    client = KnockClient(KEY, base_url=BASE, cache=path, retry=FAST)
    with pytest.raises(ConfigurationError) as info:
        client.fetch_prospects([1], progress=False)
    text = str(info.value)
    assert str(path) in text
    assert ("not a database" if make == "corrupt" else "not a directory") in text
    assert "cache=False" in text
    assert sum(adapter.calls.values()) == 0
    assert junk.read_bytes() == b"not a database " * 100  # left as it was


def test_a_failing_cache_write_stops_the_batch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    adapter = FakeAdapter(lambda pid, attempt: (200, prospect(pid), {}))

    def disk_full(*args: Any, **kwargs: Any) -> None:
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(ProspectCache, "store", disk_full)
    client = KnockClient(
        KEY, base_url=BASE, cache=tmp_path / "c.sqlite", max_workers=2, adapter=adapter
    )
    with pytest.raises(ConfigurationError, match="disk is full") as info:
        client.fetch_prospects(range(1, 501), progress=False)
    assert "writing to the cache file" in str(info.value)
    assert sum(adapter.calls.values()) <= 4  # the requests in flight, not 500


@pytest.mark.parametrize(
    ("failure", "code"),
    [
        (requests.exceptions.InvalidHeader("bad header value"), "connection"),
        (requests.TooManyRedirects("Exceeded 30 redirects."), "bad_response"),
    ],
)
def test_a_request_that_cannot_be_made_is_reported_not_retried(
    failure: Exception, code: str
) -> None:
    adapter = FakeAdapter(always(failure))
    result = make_client(adapter).fetch_prospects([5, 6], progress=False)
    assert result.errors["reason"].tolist() == [code, code]
    assert type(failure).__name__ in result.errors["server_message"].iloc[0]
    assert dict(adapter.calls) == {"5": 1, "6": 1}


def test_a_500_on_refresh_serves_the_cached_copy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    down = threading.Event()
    adapter = FakeAdapter(
        lambda pid, attempt: (
            (500, {"message": "boom"}, {}) if down.is_set() else (200, prospect(pid), {})
        )
    )
    client = KnockClient(
        KEY, base_url=BASE, cache=tmp_path / "c.sqlite", retry=FAST, adapter=adapter
    )
    client.fetch_prospects([1], progress=False)
    down.set()
    result = client.fetch_prospects([1, 2], progress=False, refresh=True)
    assert result.records == [prospect("1")]
    assert (result.n_stale, result.n_fetched) == (1, 0)
    assert result.errors["reason"].tolist() == ["server_error"]  # nothing cached for 2
    assert (adapter.calls["1"], adapter.calls["2"]) == (2, 1)  # a 500 is not retried


def test_retry_after_is_honoured_on_a_503_too(waits: list[float]) -> None:
    adapter = FakeAdapter(
        lambda pid, attempt: (
            (503, {}, {"Retry-After": "2"}) if attempt == 0 else (200, prospect(pid), {})
        )
    )
    policy = RetryPolicy(backoff=0.001, max_backoff=0.002, max_retry_after=60)
    make_client(adapter, retry=policy).get_prospect(5)
    assert waits
    assert 2 <= max(waits) <= 2.01


# --- the errors frame's columns ----------------------------------------------------------


def test_errors_name_knock_datas_reason_and_knocks_own_error_code() -> None:
    adapter = FakeAdapter(always((404, NOT_FOUND, {})))
    errors = make_client(adapter).fetch_prospects([9, "x"], progress=False).errors
    assert list(errors.columns) == [
        "prospect_id",
        "position",
        "reason",
        "knock_error_code",
        "status_code",
        "message",
        "server_message",
        "hint",
        "error_code",
    ]
    assert errors["reason"].tolist() == ["not_found", "invalid_id"]
    assert errors["knock_error_code"].fillna("-").tolist() == ["CORE_API_GET_PROSPECT_FAIL", "-"]
    assert errors["error_code"].tolist() == errors["reason"].tolist()  # the deprecated alias


# --- sessions, keys and options ------------------------------------------------------------


def test_two_clients_sharing_a_session_each_send_their_own_key() -> None:
    adapter = FakeAdapter(lambda pid, attempt: (200, prospect(pid), {}))
    session = requests.Session()
    session.mount(BASE, adapter)
    first = KnockClient("key-of-A", base_url=BASE, session=session, retry=FAST)
    second = KnockClient("key-of-B", base_url=BASE, session=session, retry=FAST)
    first.get_prospect(1)
    second.get_prospect(2)
    first.fetch_prospects([3, 4], progress=False)
    second.fetch_prospects([5], progress=False)
    keys = [h["x-api-key"] for h in adapter.headers_seen]
    assert keys == ["key-of-A", "key-of-B", "key-of-A", "key-of-A", "key-of-B"]


def test_the_clients_session_used_directly_still_sends_the_key() -> None:
    adapter = FakeAdapter(lambda pid, attempt: (200, prospect(pid), {}))
    client = KnockClient(KEY, base_url=BASE, cache=False, adapter=adapter)
    assert client.session.get(f"{BASE}/prospect/7", timeout=5).json() == prospect("7")
    assert adapter.headers_seen[-1]["x-api-key"] == KEY


@pytest.mark.parametrize(("max_retries", "sent"), [(None, 2), (0, 1), (3, 4)])
def test_max_retries_defaults_to_the_policys(max_retries: int | None, sent: int) -> None:
    adapter = FakeAdapter(always((503, {"message": "Service Unavailable"}, {})))
    policy = RetryPolicy(max_retries=1, backoff=0.001, max_backoff=0.002)
    client = make_client(adapter, retry=policy, max_retries=max_retries)
    with pytest.raises(KnockAPIError):
        client.get_prospect(5)
    assert adapter.calls["5"] == sent


def test_a_session_and_an_adapter_together_are_refused() -> None:
    with pytest.raises(ConfigurationError, match="session= or adapter="):
        KnockClient(
            KEY,
            base_url=BASE,
            session=requests.Session(),
            adapter=FakeAdapter(always((200, {}, {}))),
        )
