"""The sandbox's HTTP side: one request handler and a threading server on loopback.

Each response is written to the socket in one ``sendall`` with ``TCP_NODELAY`` set: the
standard library's handler writes headers and body separately, which on a keep-alive
connection stalls every response for about 40 ms (Nagle's algorithm meeting delayed ACK).

Routes: ``GET``/``HEAD /prospect/{id}`` (the Get Prospect contract) and the admin endpoint
``POST /_sandbox/advance?days=N``, which moves the clock and answers
``{"now": ..., "prospects": ...}``. Both need the key; every answer carries a ``Date``
header at the sandbox's present, read once per request so the body and the header agree.
"""

from __future__ import annotations

import contextlib
import re
import socket
import sys
import threading
import time
from collections.abc import Sequence
from datetime import datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, unquote, urlsplit

from knock_data.sandbox._population import encode

if TYPE_CHECKING:  # pragma: no cover
    from knock_data.sandbox._server import SandboxServer

__all__ = ["ADVANCE_PATH", "FAULT_KINDS", "READ_TIMEOUT"]

#: What a faulty response can be, chosen at random among these.
FAULT_KINDS = ("rate_limited", "bad_gateway", "unavailable", "truncated", "dropped")

#: The admin endpoint that moves a running sandbox's clock: ``POST`` with ``?days=N``.
ADVANCE_PATH = "/_sandbox/advance"
#: Seconds a connection may stay silent (a half-sent request, an idle keep-alive) before the
#: sandbox hangs up, so that no client can hold a thread for long.
READ_TIMEOUT = 10.0
_MAX_BODY = 1 << 20  # bytes of request body read (and thrown away) at most

_NUMBER = re.compile(r"[0-9]+")
_PATH = re.compile(r"/prospect/(?P<id>[^/]*)")
_json = encode

_FORBIDDEN = _json({"message": "Forbidden"})
_NOT_FOUND_ROUTE = _json({"message": "Not Found"})
_NOT_ALLOWED = _json({"message": "Method Not Allowed"})
_TOO_MANY = _json({"message": "Too Many Requests"})
_BAD_GATEWAY = _json({"message": "Internal server error"})
_UNAVAILABLE = _json({"message": "Service Unavailable"})
_REASONS = {
    200: "OK",
    400: "Bad Request",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    429: "Too Many Requests",
    502: "Bad Gateway",
    503: "Service Unavailable",
}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    timeout = READ_TIMEOUT  # on every read of the socket: see StreamRequestHandler.setup
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet: the sandbox runs inside tests, notebooks and the demo

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        # What the standard library rejects before a handler runs (a garbled request line,
        # an unknown method, oversized headers) is answered in JSON too, then hung up on.
        self.close_connection = True
        self._reply(code, _json({"message": message or HTTPStatus(code).phrase}))

    def _reply(
        self,
        status: int,
        body: bytes,
        extra: Sequence[tuple[str, str]] = (),
        *,
        moment: datetime | None = None,
    ) -> None:
        sandbox = self.server.sandbox
        head = [
            f"HTTP/1.1 {status} {_REASONS.get(status) or HTTPStatus(status).phrase}",
            f"Date: {sandbox._http_date(sandbox.now if moment is None else moment)}",
            "Content-Type: application/json",
            f"Content-Length: {len(body)}",
            *(f"{name}: {value}" for name, value in extra),
        ]
        if self.close_connection:
            head.append("Connection: close")
        elif self.request_version == "HTTP/1.0":  # an HTTP/1.0 client that asked to keep alive
            head.append("Connection: keep-alive")
        payload = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1")
        if self.command != "HEAD":
            payload += body
        self.wfile.write(payload)

    def do_GET(self) -> None:
        sandbox = self.server.sandbox
        path = urlsplit(self.path).path
        match = _PATH.fullmatch(path)
        sandbox._count(path, prospect_id=unquote(match["id"]) if match else None)
        if "Content-Length" in self.headers and not self._discard_body():
            return  # a GET's body, if sent, is read (and dropped) so the next request is whole
        if sandbox.latency > 0:
            time.sleep(sandbox.latency)
        moment = sandbox.now  # one reading per request: the body and its Date header agree
        if match is None:
            if path == ADVANCE_PATH:
                self._reply(405, _NOT_ALLOWED, [("Allow", "POST")], moment=moment)
            else:
                self._reply(404, _NOT_FOUND_ROUTE, moment=moment)
            return
        if self.headers.get("x-api-key") != sandbox.api_key:
            self._reply(403, _FORBIDDEN, moment=moment)
            return
        # API Gateway hands the function the decoded path parameter: /prospect/12%203
        # is reported as "Id 12 3 is not a valid prospect id".
        prospect_id = unquote(match["id"])
        body = sandbox._population.body_at(prospect_id, moment)
        if sandbox._should_fail():
            self._fault(sandbox, body, moment)
        elif body is not None:
            self._reply(200, body, moment=moment)
        elif not _NUMBER.fullmatch(prospect_id):
            message = f"Id {prospect_id} is not a valid prospect id. Id must be a number."
            self._reply(400, _json({"errorMessage": message}), moment=moment)
        else:
            message = f"Unable to get prospect upstream - Prospect_id {prospect_id} does not exist."
            body = _json({"errorCode": "CORE_API_GET_PROSPECT_FAIL", "errorMessage": message})
            self._reply(404, body, moment=moment)

    do_HEAD = do_GET

    def do_POST(self) -> None:
        if urlsplit(self.path).path != ADVANCE_PATH:
            self._refuse()
            return
        sandbox = self.server.sandbox
        sandbox._count(ADVANCE_PATH)
        if not self._discard_body():
            return
        if self.headers.get("x-api-key") != sandbox.api_key:
            self._reply(403, _FORBIDDEN)
            return
        days = parse_qs(urlsplit(self.path).query).get("days", [])
        try:
            if len(days) != 1:
                raise ValueError("give days once")
            now = sandbox.advance(days=float(days[0]))
        except ValueError as error:
            message = (
                f"days must be a number of days, zero or more, given once, as in "
                f"POST {ADVANCE_PATH}?days=7 ({error})"
            )
            self._reply(400, _json({"message": message}))
            return
        answer = {"now": now.isoformat(), "prospects": len(sandbox._population.ids_at(now))}
        self._reply(200, _json(answer), moment=now)

    def _refuse(self) -> None:
        path = urlsplit(self.path).path
        self.server.sandbox._count(path)
        if not self._discard_body():
            return
        allow = "POST" if path == ADVANCE_PATH else "GET, HEAD"
        self._reply(405, _NOT_ALLOWED, [("Allow", allow)])

    do_PUT = do_PATCH = do_DELETE = do_OPTIONS = _refuse

    def _discard_body(self) -> bool:
        """Read the request's body and drop it; False (after a 400 and a hang-up) when its
        ``Content-Length`` is not a length, or more than is worth reading."""
        text = self.headers.get("Content-Length", "0").strip()
        length = int(text) if text.isascii() and text.isdigit() else -1
        if not 0 <= length <= _MAX_BODY:
            # What follows on the connection cannot be told from the body: hang up.
            self.close_connection = True
            self._reply(400, _json({"message": "Bad Request: invalid Content-Length"}))
            return False
        if length:
            self.rfile.read(length)
        return True

    def _fault(self, sandbox: SandboxServer, body: bytes | None, moment: datetime) -> None:
        kind = sandbox._fault_kind()
        if kind == "rate_limited":
            retry = [("Retry-After", str(sandbox.retry_after))]
            self._reply(429, _TOO_MANY, retry, moment=moment)
        elif kind == "bad_gateway":
            self._reply(502, _BAD_GATEWAY, moment=moment)
        elif kind == "unavailable":
            self._reply(503, _UNAVAILABLE, moment=moment)
        elif kind == "truncated":
            # Promise the whole prospect, send half of it, hang up.
            if body is None:
                body = sandbox._population.bodies[sandbox._population.ids[0]]
            head = (
                f"HTTP/1.1 200 OK\r\nDate: {sandbox._http_date(moment)}\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
            ).encode("latin-1")
            self.wfile.write(head + body[: len(body) // 2])
            self.close_connection = True
        else:  # dropped: hang up without a word
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 128
    sandbox: SandboxServer

    def __init__(self, address: tuple[str, int]) -> None:
        super().__init__(address, _Handler)
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def close_open_connections(self) -> None:
        """Hang up on keep-alive clients, so a stopped sandbox answers nobody."""
        with self._open_lock:
            connections = list(self._open)
        for connection in connections:
            with contextlib.suppress(OSError):  # the client may have gone already
                connection.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client hanging up mid-response is routine (timeouts, our own faults): stay quiet.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)
