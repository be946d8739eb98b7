"""The sandbox honours the Get Prospect contract, over real HTTP on loopback."""

from __future__ import annotations

import http.client
import json
import re
import socket
import time
import uuid
from collections import Counter
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from knock_data.sandbox import DEFAULT_API_KEY, FAULT_KINDS, SandboxServer

pytestmark = pytest.mark.integration

# The example response of GET /prospect/{prospectId}, verbatim from the API document.
DOCUMENT_EXAMPLE = """
{
"prospectId": "47569637",
"communityId": "191b65d2686d11e9",
"email": "xtest@example.com",
"phone": "+10551234567",
"agent": {
"username": "2be16a9e-b3ab-4b1f-9632-575aca1a3d20"
},
"address": null,
"unit": null,
"city": null,
"state": null,
"zip": null,
"source": {
"title": "Property Website"
},
"firstName": "New",
"lastName": "Lead",
"moveDate": null,
"bedrooms": null,
"pets": null,
"occupants": null,
"leaseTermMonths": null,
"minBudget": null,
"maxBudget": null,
"smsConsent": false,
"isDeleted": false,
"notProspect": false,
"createdAt": "2021-10-14T18:10:34.515181+00:00",
"updatedAt": "2021-10-14T18:10:34.694332+00:00",
"firstContactType": "form",
"status": "new"
}
"""

KNOCK_STATUSES = {
    "new",
    "open",
    "waiting",
    "booked",
    "visited",
    "canceled_manager",
    "canceled_renter",
    "no_show",
    "applied_in_review",
    "applied_leased",
    "applied_lost",
    "lost",
}
HEX16 = re.compile(r"[0-9a-f]{16}")
E164 = re.compile(r"\+[1-9][0-9]{7,14}")
TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}[+-]\d\d:\d\d")
DAY = re.compile(r"\d{4}-\d\d-\d\d")


class Reply:
    """One HTTP answer, read in full."""

    def __init__(self, response: http.client.HTTPResponse) -> None:
        self.status = response.status
        self.headers = response.headers
        self.body = response.read()

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8"))


def connect(server: SandboxServer) -> http.client.HTTPConnection:
    parts = urlsplit(server.url)
    assert parts.hostname is not None
    return http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)


def call(
    server: SandboxServer,
    path: str,
    *,
    key: str | None = DEFAULT_API_KEY,
    method: str = "GET",
    body: bytes | None = None,
    conn: http.client.HTTPConnection | None = None,
) -> Reply:
    """Send one request (on ``conn`` when given, else on a fresh connection)."""
    headers = {} if key is None else {"x-api-key": key}
    own = conn is None
    conn = conn or connect(server)
    try:
        conn.request(method, path, body=body, headers=headers)
        return Reply(conn.getresponse())
    finally:
        if own:
            conn.close()


def not_valid(prospect_id: str) -> dict[str, str]:
    return {"errorMessage": f"Id {prospect_id} is not a valid prospect id. Id must be a number."}


def does_not_exist(prospect_id: str) -> dict[str, str]:
    return {
        "errorCode": "CORE_API_GET_PROSPECT_FAIL",
        "errorMessage": (
            f"Unable to get prospect upstream - Prospect_id {prospect_id} does not exist."
        ),
    }


def check_prospect_shape(record: dict[str, Any]) -> None:
    """Every field of the document's example, with the example's types and formats."""
    example = json.loads(DOCUMENT_EXAMPLE)
    assert list(record) == list(example)
    assert record["prospectId"].isascii()
    assert record["prospectId"].isdigit()
    assert HEX16.fullmatch(record["communityId"])
    assert record["email"] is None or re.fullmatch(r"[^@\s]+@[^@\s]+\.[a-z]+", record["email"])
    assert record["phone"] is None or E164.fullmatch(record["phone"])
    if record["agent"] is not None:
        assert list(record["agent"]) == ["username"]
        assert str(uuid.UUID(record["agent"]["username"])) == record["agent"]["username"]
    if record["source"] is not None:
        assert list(record["source"]) == ["title"]
        assert isinstance(record["source"]["title"], str)
        assert record["source"]["title"]
    for field in ("firstName", "lastName", "firstContactType"):
        assert isinstance(record[field], str)
    for field in ("address", "unit", "city", "state", "zip"):
        assert record[field] is None or isinstance(record[field], str)
    assert record["moveDate"] is None or DAY.fullmatch(record["moveDate"])
    for field in ("occupants", "leaseTermMonths", "minBudget", "maxBudget"):
        assert record[field] is None or type(record[field]) is int
    for field in ("smsConsent", "isDeleted", "notProspect"):
        assert type(record[field]) is bool
    for field in ("createdAt", "updatedAt"):
        assert TIMESTAMP.fullmatch(record[field]), record[field]
        assert datetime.fromisoformat(record[field]).utcoffset() is not None
    assert record["status"] in KNOCK_STATUSES


# -- 200 ------------------------------------------------------------------------------


def test_document_example_is_served_exactly_as_printed(sandbox: SandboxServer) -> None:
    reply = call(sandbox, "/prospect/47569637")
    assert reply.status == 200
    assert reply.headers["Content-Type"] == "application/json"
    served = reply.json()
    expected = json.loads(DOCUMENT_EXAMPLE)
    assert served == expected
    assert list(served) == list(expected)  # same field order too
    assert list(served["agent"]) == ["username"]


def test_javascript_example_id_exists(sandbox: SandboxServer) -> None:
    reply = call(sandbox, "/prospect/51316")
    assert reply.status == 200
    assert reply.json()["prospectId"] == "51316"
    assert "51316" in sandbox.prospect_ids


def test_every_prospect_served_has_the_documented_fields_and_formats(
    sandbox: SandboxServer,
) -> None:
    by_id = {r["prospectId"]: r for r in sandbox.records}
    conn = connect(sandbox)
    try:
        for prospect_id in sandbox.prospect_ids[::25]:  # 200 of the 5,000
            reply = call(sandbox, f"/prospect/{prospect_id}", conn=conn)
            assert reply.status == 200, prospect_id
            served = reply.json()
            check_prospect_shape(served)
            assert served == by_id[prospect_id]
    finally:
        conn.close()


def test_non_ascii_names_travel_as_utf8(sandbox: SandboxServer) -> None:
    record = next(r for r in sandbox.records if not (r["firstName"] + r["lastName"]).isascii())
    reply = call(sandbox, f"/prospect/{record['prospectId']}")
    assert reply.status == 200
    assert reply.json()["firstName"] + reply.json()["lastName"] == (
        record["firstName"] + record["lastName"]
    )
    assert record["firstName"].encode("utf-8") in reply.body or (
        record["lastName"].encode("utf-8") in reply.body
    )


def test_a_real_client_library_gets_the_prospect(sandbox: SandboxServer) -> None:
    response = requests.get(
        f"{sandbox.url}/prospect/51316",
        headers={"Content-Type": "application/json", "x-api-key": sandbox.api_key},
        timeout=10,
    )
    assert response.status_code == 200
    assert response.json()["prospectId"] == "51316"


def test_query_strings_are_ignored(sandbox: SandboxServer) -> None:
    assert call(sandbox, "/prospect/51316?utm_source=x").json()["prospectId"] == "51316"


def test_head_answers_headers_only(sandbox: SandboxServer) -> None:
    reply = call(sandbox, "/prospect/51316", method="HEAD")
    get = call(sandbox, "/prospect/51316")
    assert reply.status == 200
    assert reply.body == b""
    assert int(reply.headers["Content-Length"]) == len(get.body)


# -- errors -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path_id", "echoed"),
    [
        ("abc", "abc"),
        ("12%203", "12 3"),  # URL-encoded space: the decoded id is echoed
        ("4.5", "4.5"),
        ("-7", "-7"),
        ("1e5", "1e5"),
        ("0x1F", "0x1F"),
        ("51316%20", "51316 "),
        ("%C3%A9", "é"),
        ("", ""),
    ],
)
def test_malformed_id_is_400_with_the_documented_message(
    sandbox: SandboxServer, path_id: str, echoed: str
) -> None:
    reply = call(sandbox, f"/prospect/{path_id}")
    assert reply.status == 400
    assert reply.json() == not_valid(echoed)


@pytest.mark.parametrize("prospect_id", ["0", "1", "99999999999", "051316"])
def test_unknown_id_is_404_with_the_documented_body(
    sandbox: SandboxServer, prospect_id: str
) -> None:
    assert prospect_id not in sandbox.prospect_ids
    reply = call(sandbox, f"/prospect/{prospect_id}")
    assert reply.status == 404
    assert reply.json() == does_not_exist(prospect_id)


@pytest.mark.parametrize(
    "key", [None, "", "wrong", DEFAULT_API_KEY.lower(), "syndication-prospect-PROD-KEY"]
)
@pytest.mark.parametrize("prospect_id", ["51316", "0", "abc"])
def test_missing_or_wrong_key_is_403_forbidden(
    sandbox: SandboxServer, key: str | None, prospect_id: str
) -> None:
    reply = call(sandbox, f"/prospect/{prospect_id}", key=key)
    assert reply.status == 403
    assert reply.json() == {"message": "Forbidden"}


def test_key_header_name_is_case_insensitive(sandbox: SandboxServer) -> None:
    conn = connect(sandbox)
    try:
        conn.request("GET", "/prospect/51316", headers={"X-API-KEY": sandbox.api_key})
        assert Reply(conn.getresponse()).status == 200
    finally:
        conn.close()


def test_a_custom_key_is_required_when_set(make_sandbox: Any) -> None:
    server = make_sandbox(n_prospects=20, api_key="my-own-key")
    assert server.api_key == "my-own-key"
    assert call(server, "/prospect/51316", key=DEFAULT_API_KEY).status == 403
    assert call(server, "/prospect/51316", key="my-own-key").status == 200


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
def test_other_methods_are_refused_and_change_nothing(make_sandbox: Any, method: str) -> None:
    server = make_sandbox(n_prospects=20)
    before = call(server, "/prospect/51316").body
    conn = connect(server)
    try:
        reply = call(
            server,
            "/prospect/51316",
            method=method,
            body=b'{"firstName": "Changed", "status": "applied_leased"}',
            conn=conn,
        )
        assert reply.status == 405
        assert reply.headers["Allow"] == "GET, HEAD"
        assert reply.json() == {"message": "Method Not Allowed"}
        # The refused body was consumed: the same connection still serves a GET.
        assert call(server, "/prospect/51316", conn=conn).body == before
    finally:
        conn.close()


def test_unknown_method_is_refused_in_json(sandbox: SandboxServer) -> None:
    reply = call(sandbox, "/prospect/51316", method="BREW")
    assert reply.status == 501
    assert reply.headers["Connection"] == "close"
    assert reply.json() == {"message": "Unsupported method ('BREW')"}


def test_a_garbled_request_is_400_in_json(sandbox: SandboxServer) -> None:
    parts = urlsplit(sandbox.url)
    assert parts.hostname is not None
    assert parts.port is not None
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(b"GET /prospect/51316 HTTP/9.x\r\n\r\n")
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400 Bad Request")
    assert b"Content-Type: application/json" in head
    assert json.loads(body)["message"].startswith("Bad request version")


@pytest.mark.parametrize("path", ["/", "/prospects/51316", "/prospect/51316/", "/prospect"])
def test_other_paths_are_404(sandbox: SandboxServer, path: str) -> None:
    reply = call(sandbox, path)
    assert reply.status == 404
    assert reply.json() == {"message": "Not Found"}


# -- transport ----------------------------------------------------------------------------


def test_many_requests_share_one_keep_alive_connection(sandbox: SandboxServer) -> None:
    conn = connect(sandbox)
    try:
        conn.connect()
        first_socket = conn.sock
        statuses: Counter[int] = Counter()
        for i, prospect_id in enumerate(sandbox.prospect_ids[:150]):
            path = f"/prospect/{prospect_id}" if i % 10 else "/prospect/0"  # errors too
            reply = call(sandbox, path, conn=conn)
            statuses[reply.status] += 1
            assert reply.headers.get("Connection", "").lower() != "close"
            assert conn.sock is first_socket  # never reconnected
        assert statuses == {200: 135, 404: 15}
    finally:
        conn.close()


def test_http10_client_gets_its_answer_and_the_connection_closed(sandbox: SandboxServer) -> None:
    parts = urlsplit(sandbox.url)
    assert parts.hostname is not None
    assert parts.port is not None
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(
            f"GET /prospect/51316 HTTP/1.0\r\nx-api-key: {sandbox.api_key}\r\n\r\n".encode()
        )
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 OK")
    assert json.loads(body)["prospectId"] == "51316"


def test_http10_client_asking_for_keep_alive_gets_it(sandbox: SandboxServer) -> None:
    parts = urlsplit(sandbox.url)
    assert parts.hostname is not None
    assert parts.port is not None
    request = (
        f"GET /prospect/51316 HTTP/1.0\r\nConnection: keep-alive\r\n"
        f"x-api-key: {sandbox.api_key}\r\n\r\n"
    ).encode()
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        reader = sock.makefile("rb")
        for _ in range(2):  # the second answer arrives on the same socket
            sock.sendall(request)
            status = reader.readline()
            headers = http.client.parse_headers(reader)
            body = reader.read(int(headers["Content-Length"]))
            assert status.startswith(b"HTTP/1.1 200")
            assert headers["Connection"] == "keep-alive"
            assert json.loads(body)["prospectId"] == "51316"
        reader.close()


def test_latency_delays_each_response(make_sandbox: Any) -> None:
    server = make_sandbox(n_prospects=20, latency=0.25)
    conn = connect(server)
    try:
        for _ in range(2):
            start = time.perf_counter()
            assert call(server, "/prospect/51316", conn=conn).status == 200
            assert time.perf_counter() - start >= 0.25
    finally:
        conn.close()


def test_requests_are_counted_per_path(make_sandbox: Any) -> None:
    server = make_sandbox(n_prospects=20)
    for path in ["/prospect/51316", "/prospect/51316", "/prospect/0", "/nowhere"]:
        call(server, path)
    call(server, "/prospect/51316", key=None)
    assert server.requests == Counter({"/prospect/51316": 3, "/prospect/0": 1, "/nowhere": 1})
    assert server.request_count == 5


def _raw(server: SandboxServer, data: bytes, *, timeout: float = 10) -> bytes:
    """Send ``data`` on a socket of its own and read until the sandbox hangs up."""
    parts = urlsplit(server.url)
    with socket.create_connection((parts.hostname, parts.port), timeout=timeout) as sock:
        sock.sendall(data)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


@pytest.mark.parametrize("method", ["POST", "GET", "HEAD"])
@pytest.mark.parametrize("length", ["abc", "-5", "1e3", " ", "99999999999"])
def test_a_bad_content_length_is_400_and_hung_up_on(
    make_sandbox: Any, length: str, method: str
) -> None:
    server = make_sandbox(n_prospects=5)
    start = time.monotonic()
    request = f"{method} /prospect/51316 HTTP/1.1\r\nHost: x\r\nContent-Length: {length}\r\n\r\n"
    answer = _raw(server, request.encode())
    assert time.monotonic() - start < 5  # answered, not waiting for a body that never comes
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400 ")
    assert b"Connection: close" in head
    if method != "HEAD":
        assert "Content-Length" in json.loads(body)["message"]
    assert call(server, "/prospect/51316").status == 200  # and the sandbox carries on


def test_a_half_sent_request_is_hung_up_on_after_the_read_timeout(
    make_sandbox: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from knock_data.sandbox import _http

    monkeypatch.setattr(_http._Handler, "timeout", 0.5)
    server = make_sandbox(n_prospects=5)
    start = time.monotonic()
    answer = _raw(server, b"GET /prospect/51316 HTTP/1.1\r\nHost: x\r\n")  # no blank line
    waited = time.monotonic() - start
    assert answer == b""  # nothing to answer: the request never ended
    assert 0.4 <= waited < 5
    assert _http._Handler.timeout == 0.5
    monkeypatch.undo()
    assert _http._Handler.timeout == _http.READ_TIMEOUT == 10.0


def test_the_per_path_counts_stay_bounded(
    make_sandbox: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from knock_data.sandbox import _server

    monkeypatch.setattr(_server, "MAX_OTHER_PATHS", 20)
    server = make_sandbox(n_prospects=30)
    conn = connect(server)
    try:
        for pid in server.prospect_ids:
            call(server, f"/prospect/{pid}", conn=conn)
        for n in range(200):
            call(server, f"/random-{n}", conn=conn)
            call(server, f"/prospect/{900_000 + n}", conn=conn)
    finally:
        conn.close()
    assert len(server.requests) == 30 + 20 + 1
    assert all(server.requests[f"/prospect/{pid}"] == 1 for pid in server.prospect_ids)
    assert server.requests[_server.OTHER_PATHS] == 400 - 20
    assert server.request_count == 30 + 400


# -- faults -------------------------------------------------------------------------------


def outcome(server: SandboxServer, path: str = "/prospect/51316") -> str:
    """What a fresh client sees: a status, or the transport error it hit."""
    try:
        reply = call(server, path)
    except http.client.IncompleteRead:
        return "truncated"
    except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
        return "dropped"
    return str(reply.status)


def test_rate_limited_is_429_with_retry_after(make_sandbox: Any) -> None:
    server = make_sandbox(
        n_prospects=20, fault_rate=1.0, fault_kinds=["rate_limited"], retry_after=7
    )
    reply = call(server, "/prospect/51316")
    assert reply.status == 429
    assert reply.headers["Retry-After"] == "7"
    assert reply.json() == {"message": "Too Many Requests"}


@pytest.mark.parametrize(
    ("kind", "status", "body"),
    [
        ("bad_gateway", 502, {"message": "Internal server error"}),
        ("unavailable", 503, {"message": "Service Unavailable"}),
    ],
)
def test_gateway_faults(make_sandbox: Any, kind: str, status: int, body: dict[str, str]) -> None:
    server = make_sandbox(n_prospects=20, fault_rate=1.0, fault_kinds=[kind])
    reply = call(server, "/prospect/51316")
    assert reply.status == status
    assert reply.json() == body


def test_truncated_body_promises_more_than_it_sends(make_sandbox: Any) -> None:
    server = make_sandbox(n_prospects=20, fault_rate=1.0, fault_kinds=["truncated"])
    conn = connect(server)
    try:
        conn.request("GET", "/prospect/51316", headers={"x-api-key": server.api_key})
        response = conn.getresponse()
        assert response.status == 200
        with pytest.raises(http.client.IncompleteRead) as caught:
            response.read()
    finally:
        conn.close()
    full = json.dumps(next(r for r in server.records if r["prospectId"] == "51316"))
    assert caught.value.partial  # half of the prospect arrived ...
    assert full.encode().startswith(caught.value.partial)  # ... the one asked for
    with pytest.raises(json.JSONDecodeError):
        json.loads(caught.value.partial)


def test_dropped_connection_sends_nothing(make_sandbox: Any) -> None:
    server = make_sandbox(n_prospects=20, fault_rate=1.0, fault_kinds=["dropped"])
    with pytest.raises((http.client.RemoteDisconnected, ConnectionResetError)):
        call(server, "/prospect/51316")


def test_all_fault_kinds_are_drawn_at_full_fault_rate(make_sandbox: Any) -> None:
    server = make_sandbox(n_prospects=20, fault_rate=1.0, fault_seed=3)
    seen = Counter(outcome(server) for _ in range(60))
    assert set(seen) == {"429", "502", "503", "truncated", "dropped"}
    assert len(FAULT_KINDS) == 5


def test_fault_rate_is_a_share_and_repeatable_with_a_fault_seed(make_sandbox: Any) -> None:
    runs = []
    for _ in range(2):
        server = make_sandbox(n_prospects=20, fault_rate=0.3, fault_seed=11)
        runs.append([outcome(server) for _ in range(200)])
    assert runs[0] == runs[1]
    healthy = runs[0].count("200")
    assert 110 <= healthy <= 170  # about 70% of 200


def test_faults_come_after_the_key_check(make_sandbox: Any) -> None:
    server = make_sandbox(n_prospects=20, fault_rate=1.0)
    for _ in range(10):
        assert call(server, "/prospect/51316", key="wrong").status == 403


def test_knobs_change_while_running(make_sandbox: Any) -> None:
    server = make_sandbox(n_prospects=20, fault_rate=1.0, fault_kinds=["unavailable"])
    assert call(server, "/prospect/51316").status == 503
    server.fault_rate = 0.0
    assert call(server, "/prospect/51316").status == 200


def test_invalid_settings_are_refused() -> None:
    with pytest.raises(ValueError, match="fault_rate"):
        SandboxServer(n_prospects=5, fault_rate=1.5)
    with pytest.raises(ValueError, match="latency"):
        SandboxServer(n_prospects=5, latency=-1)
    with pytest.raises(ValueError, match="rate_limited, bad_gateway"):
        SandboxServer(n_prospects=5, fault_kinds=["slow"])
    with pytest.raises(ValueError, match="at least 1"):
        SandboxServer(n_prospects=0)


# -- data and life cycle ----------------------------------------------------------------


def test_same_seed_serves_the_same_prospects(make_sandbox: Any) -> None:
    one = make_sandbox(n_prospects=300, seed=5)
    two = make_sandbox(n_prospects=300, seed=5)
    other = make_sandbox(n_prospects=300, seed=6)
    assert one.prospect_ids == two.prospect_ids
    assert one.prospect_ids != other.prospect_ids
    for prospect_id in one.prospect_ids[1:300:30]:
        assert call(one, f"/prospect/{prospect_id}").body == (
            call(two, f"/prospect/{prospect_id}").body
        )
    assert {"47569637", "51316"} <= set(other.prospect_ids)


def test_prospect_ids_are_the_ids_that_exist(make_sandbox: Any) -> None:
    server = make_sandbox(n_prospects=40)
    assert len(server.prospect_ids) == len(set(server.prospect_ids)) == 40
    assert server.prospect_ids[0] == "47569637"
    assert all(call(server, f"/prospect/{i}").status == 200 for i in server.prospect_ids)


def test_url_needs_a_running_server() -> None:
    server = SandboxServer(n_prospects=5)
    with pytest.raises(RuntimeError, match="not running"):
        _ = server.url
    assert "stopped" in repr(server)


def test_context_manager_serves_then_frees_the_port() -> None:
    with SandboxServer(n_prospects=5) as server:
        assert server.start() is server  # starting twice is harmless
        url = server.url
        assert call(server, "/prospect/47569637").status == 200
        kept = connect(server)
        assert call(server, "/prospect/47569637", conn=kept).status == 200
    parts = urlsplit(url)
    assert parts.hostname is not None
    assert parts.port is not None
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((parts.hostname, parts.port), timeout=2)

    # A connection kept alive from before the stop is hung up on, not served.
    def ask_again() -> None:
        kept.request("GET", "/prospect/47569637", headers={"x-api-key": DEFAULT_API_KEY})
        kept.getresponse()

    with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
        ask_again()
    kept.close()
    server.stop()  # stopping twice is harmless


def test_repr_names_the_url_but_not_the_key(make_sandbox: Any) -> None:
    server = make_sandbox(n_prospects=5, api_key="secret-key-123")
    assert server.url in repr(server)
    assert "secret-key-123" not in repr(server)
