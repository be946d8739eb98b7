"""The sandbox's clock over real HTTP: Date headers, the advance endpoint, later arrivals."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import pytest
import requests

from knock_data.sandbox import ADVANCE_PATH, DEFAULT_API_KEY, SandboxServer, generate_prospects
from tests.integration.test_sandbox import call, connect, does_not_exist

pytestmark = pytest.mark.integration

DEFAULT_MOMENT = datetime(2021, 11, 2, tzinfo=UTC)


def served_moment(reply: Any) -> datetime:
    return parsedate_to_datetime(reply.headers["Date"])


def test_default_moment_serves_todays_bytes_for_every_prospect(sandbox: SandboxServer) -> None:
    today = generate_prospects(5000)  # the generator's output, as the sandbox always served it
    conn = connect(sandbox)
    try:
        for record in today:
            reply = call(sandbox, f"/prospect/{record['prospectId']}", conn=conn)
            assert reply.status == 200
            assert reply.body == json.dumps(record, ensure_ascii=False).encode("utf-8")
    finally:
        conn.close()


def test_every_answer_has_a_date_header_at_the_sandboxs_now(make_sandbox: Any) -> None:
    server = make_sandbox(n_prospects=50)
    paths = ["/prospect/51316", "/prospect/0", "/prospect/abc", "/nowhere"]
    for path in paths:
        assert call(server, path).headers["Date"] == "Tue, 02 Nov 2021 00:00:00 GMT"
    forbidden = call(server, "/prospect/51316", key="wrong")
    assert forbidden.headers["Date"] == "Tue, 02 Nov 2021 00:00:00 GMT"
    server.advance(days=7)
    for path in paths:
        assert served_moment(call(server, path)) == DEFAULT_MOMENT + timedelta(days=7)
    assert served_moment(call(server, "/prospect/51316", method="DELETE")) == server.now


def test_answers_follow_the_clock(make_sandbox: Any) -> None:
    server = make_sandbox(n_prospects=400)
    ids = server.prospect_ids
    before = {i: call(server, f"/prospect/{i}").json() for i in ids}
    server.advance(days=30)
    conn = connect(server)
    try:
        after = {i: call(server, f"/prospect/{i}", conn=conn).json() for i in ids}
    finally:
        conn.close()
    changed = [i for i in ids if after[i] != before[i]]
    assert changed  # some prospects moved ...
    assert len(changed) < len(ids) / 4  # ... most did not
    for prospect_id in ids:  # and each answer is the ground truth at the new moment
        assert after[prospect_id] == server.record_at(prospect_id)
    assert all(before[i] == server.record_at(i, DEFAULT_MOMENT) for i in changed)


def test_a_prospect_created_after_now_is_not_found_until_the_clock_passes_it(
    make_sandbox: Any,
) -> None:
    server = make_sandbox(n_prospects=2000)
    later = SandboxServer(n_prospects=2000)
    later.advance(days=3)
    arrival = later.prospect_ids[2000]
    created = later.timeline(arrival)[0][0]
    assert arrival not in server.prospect_ids
    reply = call(server, f"/prospect/{arrival}")
    assert reply.status == 404
    assert reply.json() == does_not_exist(arrival)
    server.advance(created - server.now)  # to the second it was created (or just after)
    if server.now < created:
        server.advance(timedelta(seconds=1))
    reply = call(server, f"/prospect/{arrival}")
    assert reply.status == 200
    assert reply.json() == server.record_at(arrival)
    assert reply.json()["createdAt"] == created.isoformat(timespec="microseconds")
    assert arrival in server.prospect_ids


def test_a_clock_started_later_serves_that_moment(make_sandbox: Any) -> None:
    server = make_sandbox(n_prospects=300, now="2021-12-31")
    reply = call(server, "/prospect/47569637")
    assert reply.headers["Date"] == "Fri, 31 Dec 2021 00:00:00 GMT"
    assert reply.json() == server.record_at("47569637", "2021-12-31")
    arrivals = server.prospect_ids[300:]
    assert arrivals
    assert call(server, f"/prospect/{arrivals[-1]}").status == 200


def test_a_clock_started_earlier_has_not_met_later_leads_yet(make_sandbox: Any) -> None:
    server = make_sandbox(n_prospects=300, now="2021-03-01")
    everyone = SandboxServer(n_prospects=300).prospect_ids
    absent = [i for i in everyone if i not in server.prospect_ids]
    assert absent
    assert call(server, f"/prospect/{absent[0]}").json() == does_not_exist(absent[0])
    met = server.prospect_ids
    assert 0 < len(met) < 300
    assert met == [i for i in everyone if i in set(met)]  # today's order
    for prospect_id in met[:20]:
        assert call(server, f"/prospect/{prospect_id}").json() == server.record_at(prospect_id)


# -- POST /_sandbox/advance -------------------------------------------------------------------


def test_the_advance_endpoint_moves_the_clock(make_sandbox: Any) -> None:
    server = make_sandbox(n_prospects=100)
    reply = call(server, f"{ADVANCE_PATH}?days=7", method="POST")
    assert reply.status == 200
    assert reply.json() == {
        "now": "2021-11-09T00:00:00+00:00",
        "prospects": len(server.prospect_ids),
    }
    assert reply.headers["Date"] == "Tue, 09 Nov 2021 00:00:00 GMT"
    assert server.now == DEFAULT_MOMENT + timedelta(days=7)
    assert call(server, f"{ADVANCE_PATH}?days=0.5", method="POST").json()["now"] == (
        "2021-11-09T12:00:00+00:00"
    )
    assert served_moment(call(server, "/prospect/51316")) == server.now
    assert server.requests[ADVANCE_PATH] == 2


@pytest.mark.parametrize("key", [None, "wrong", DEFAULT_API_KEY.lower()])
def test_the_advance_endpoint_needs_the_key(make_sandbox: Any, key: str | None) -> None:
    server = make_sandbox(n_prospects=20)
    reply = call(server, f"{ADVANCE_PATH}?days=7", method="POST", key=key)
    assert reply.status == 403
    assert reply.json() == {"message": "Forbidden"}
    assert server.now == DEFAULT_MOMENT


@pytest.mark.parametrize(
    "query", ["", "?days=", "?days=abc", "?days=-1", "?days=nan", "?days=inf", "?days=1&days=2"]
)
def test_a_bad_advance_is_a_clear_400_and_moves_nothing(make_sandbox: Any, query: str) -> None:
    server = make_sandbox(n_prospects=20)
    reply = call(server, f"{ADVANCE_PATH}{query}", method="POST")
    assert reply.status == 400
    assert "POST /_sandbox/advance?days=7" in reply.json()["message"]
    assert server.now == DEFAULT_MOMENT


def test_the_advance_endpoint_takes_post_only_and_prospects_stay_read_only(
    make_sandbox: Any,
) -> None:
    server = make_sandbox(n_prospects=20)
    for method in ("GET", "PUT", "DELETE"):
        reply = call(server, f"{ADVANCE_PATH}?days=1", method=method)
        assert reply.status == 405
        assert reply.headers["Allow"] == "POST"
    reply = call(server, "/prospect/51316?days=1", method="POST")
    assert reply.status == 405
    assert reply.headers["Allow"] == "GET, HEAD"
    assert server.now == DEFAULT_MOMENT


def test_a_post_body_is_read_and_the_connection_kept(make_sandbox: Any) -> None:
    server = make_sandbox(n_prospects=20)
    conn = connect(server)
    try:
        first = call(server, f"{ADVANCE_PATH}?days=1", method="POST", body=b"{}", conn=conn)
        second = call(server, "/prospect/51316", conn=conn)
    finally:
        conn.close()
    assert first.status == 200
    assert second.status == 200
    assert served_moment(second) == DEFAULT_MOMENT + timedelta(days=1)


# -- speed ----------------------------------------------------------------------------------


def test_a_running_clock_shows_in_the_date_headers(make_sandbox: Any) -> None:
    server = make_sandbox(n_prospects=20, speed=1440)  # a simulated day per real second
    first = served_moment(call(server, "/prospect/51316"))
    deadline = datetime.now(UTC) + timedelta(seconds=10)
    while server.now < first + timedelta(hours=3) and datetime.now(UTC) < deadline:
        pass
    second = call(server, "/prospect/51316")
    assert served_moment(second) >= first + timedelta(hours=3)
    assert second.json() == server.record_at("51316", served_moment(second))


def test_a_purged_prospect_answers_not_found_over_http() -> None:
    with SandboxServer(n_prospects=2000) as server:
        pid = next(p for p in server.prospect_ids if server.purged_at(p))
        url = f"{server.url}/prospect/{pid}"
        headers = {"x-api-key": server.api_key}
        assert requests.get(url, headers=headers, timeout=5).status_code == 200
        purge = server.purged_at(pid)
        assert purge is not None
        server.advance(purge - server.now)
        answer = requests.get(url, headers=headers, timeout=5)
    assert answer.status_code == 404
    assert answer.json()["errorCode"] == "CORE_API_GET_PROSPECT_FAIL"
