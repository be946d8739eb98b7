"""A real HTTP server that behaves like Knock's Get Prospect endpoint.

It honours the contract in the API document: ``GET /prospect/{id}`` with an ``x-api-key``
header, the documented bodies for malformed and unknown ids, and an API-Gateway-style
``403 {"message": "Forbidden"}`` for a missing or wrong key. ``latency`` and
``fault_rate`` make it slow and flaky on purpose, so clients can be tested for real.

Each response is written to the socket in one ``sendall`` with ``TCP_NODELAY`` set: the
standard library's handler writes headers and body separately, which on a keep-alive
connection stalls every response for about 40 ms (Nagle's algorithm meeting delayed ACK).
"""

from __future__ import annotations

import contextlib
import json
import random
import re
import socket
import sys
import threading
import time
from collections import Counter
from collections.abc import Sequence
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote, urlsplit

from knock_data._fetch.config import STAGE_TEST_KEY
from knock_data.sandbox._data import DEFAULT_SEED, generate_prospects

__all__ = ["DEFAULT_API_KEY", "FAULT_KINDS", "SandboxServer"]

#: The public stage test key from the API document.
DEFAULT_API_KEY = STAGE_TEST_KEY

#: What a faulty response can be, chosen at random among these.
FAULT_KINDS = ("rate_limited", "bad_gateway", "unavailable", "truncated", "dropped")

_NUMBER = re.compile(r"[0-9]+")
_PATH = re.compile(r"/prospect/(?P<id>[^/]*)")
#: Seconds a connection may stay silent (a half-sent request, an idle keep-alive) before the
#: sandbox hangs up, so that no client can hold a thread for long.
READ_TIMEOUT = 10.0
#: Distinct paths counted one by one besides the prospects that exist; the rest share one
#: counter, so that requests for random paths cannot grow the counts without bound.
MAX_OTHER_PATHS = 10_000
#: Where requests for paths past that bound are counted.
OTHER_PATHS = "(other paths)"
_MAX_BODY = 1 << 20  # bytes of request body read (and thrown away) before hanging up


def _json(body: dict[str, Any]) -> bytes:
    return json.dumps(body, ensure_ascii=False).encode("utf-8")


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

    def _reply(self, status: int, body: bytes, extra: Sequence[tuple[str, str]] = ()) -> None:
        head = [
            f"HTTP/1.1 {status} {_REASONS.get(status) or HTTPStatus(status).phrase}",
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
        # API Gateway hands the function the decoded path parameter: /prospect/12%203
        # is reported as "Id 12 3 is not a valid prospect id".
        prospect_id = unquote(match["id"]) if match else ""
        body = sandbox._bodies.get(prospect_id) if match else None
        sandbox._count(path, known=body is not None)
        if sandbox.latency > 0:
            time.sleep(sandbox.latency)
        if match is None:
            self._reply(404, _NOT_FOUND_ROUTE)
            return
        if self.headers.get("x-api-key") != sandbox.api_key:
            self._reply(403, _FORBIDDEN)
            return
        if sandbox._should_fail():
            self._fault(sandbox, body)
        elif body is not None:
            self._reply(200, body)
        elif not _NUMBER.fullmatch(prospect_id):
            message = f"Id {prospect_id} is not a valid prospect id. Id must be a number."
            self._reply(400, _json({"errorMessage": message}))
        else:
            message = f"Unable to get prospect upstream - Prospect_id {prospect_id} does not exist."
            self._reply(
                404, _json({"errorCode": "CORE_API_GET_PROSPECT_FAIL", "errorMessage": message})
            )

    do_HEAD = do_GET

    def _refuse(self) -> None:
        self.server.sandbox._count(urlsplit(self.path).path, known=False)
        text = self.headers.get("Content-Length", "0").strip()
        length = int(text) if text.isascii() and text.isdigit() else -1
        if not 0 <= length <= _MAX_BODY:
            # Not a length, or more than is worth reading: say so and hang up, since what
            # follows on the connection cannot be told from the body.
            self.close_connection = True
            self._reply(400, _json({"message": "Bad Request: invalid Content-Length"}))
            return
        if length:
            self.rfile.read(length)
        self._reply(405, _NOT_ALLOWED, [("Allow", "GET, HEAD")])

    do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = _refuse

    def _fault(self, sandbox: SandboxServer, body: bytes | None) -> None:
        kind = sandbox._fault_kind()
        if kind == "rate_limited":
            self._reply(429, _TOO_MANY, [("Retry-After", str(sandbox.retry_after))])
        elif kind == "bad_gateway":
            self._reply(502, _BAD_GATEWAY)
        elif kind == "unavailable":
            self._reply(503, _UNAVAILABLE)
        elif kind == "truncated":
            # Promise the whole prospect, send half of it, hang up.
            if body is None:
                body = sandbox._example_body
            head = (
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\n\r\n"
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


class SandboxServer:
    """A local stand-in for Knock's Get Prospect endpoint, serving synthetic prospects.

    Parameters
    ----------
    host, port
        Where to listen; ``port=0`` picks a free port (read it from :attr:`url`).
    n_prospects
        How many prospects exist. The API document's example ``47569637`` is always the
        first, and ``51316`` (the id in its JavaScript example) exists when ``n >= 2``.
    seed
        Makes the data: the same seed gives the same prospects.
    api_key
        The key clients must send in ``x-api-key``.
    latency
        Seconds to wait before each response.
    fault_rate
        Share of authorised prospect requests that fail on purpose: 429 with
        ``Retry-After``, 502, 503, a truncated 200 body or a dropped connection.
    fault_seed
        Seed for choosing the faults, for repeatable runs.
    retry_after
        Seconds announced in ``Retry-After`` on a 429.
    fault_kinds
        Which faults to draw from, among :data:`FAULT_KINDS` (``"rate_limited"``,
        ``"bad_gateway"``, ``"unavailable"``, ``"truncated"``, ``"dropped"``); all by
        default. ``fault_kinds=("rate_limited",)`` tests a client's handling of 429 alone.

    ``latency``, ``fault_rate`` and ``fault_kinds`` may be changed while the server runs.
    :attr:`requests` counts the requests received per path (every prospect that exists, and
    up to :data:`MAX_OTHER_PATHS` other paths; the rest under :data:`OTHER_PATHS`),
    :attr:`records` holds the prospects as served. A connection silent for
    :data:`READ_TIMEOUT` seconds is closed.

    Examples
    --------
    >>> import requests
    >>> with SandboxServer(n_prospects=10) as server:
    ...     r = requests.get(f"{server.url}/prospect/47569637",
    ...                      headers={"x-api-key": server.api_key}, timeout=5)
    >>> r.json()["status"]
    'new'
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        n_prospects: int = 5000,
        seed: int = DEFAULT_SEED,
        api_key: str = DEFAULT_API_KEY,
        latency: float = 0.0,
        fault_rate: float = 0.0,
        fault_seed: int | None = None,
        retry_after: int = 1,
        fault_kinds: Sequence[str] = FAULT_KINDS,
    ) -> None:
        if not 0.0 <= fault_rate <= 1.0:
            raise ValueError(f"fault_rate must be between 0 and 1, got {fault_rate}")
        if latency < 0:
            raise ValueError(f"latency must be zero or more seconds, got {latency}")
        unknown = [kind for kind in fault_kinds if kind not in FAULT_KINDS]
        if unknown or not fault_kinds:
            raise ValueError(
                f"fault_kinds must be one or more of {', '.join(FAULT_KINDS)}; got {fault_kinds!r}"
            )
        self.host = host
        self.port = port
        self.n_prospects = n_prospects
        self.seed = seed
        self.api_key = api_key
        self.latency = latency
        self.fault_rate = fault_rate
        self.retry_after = retry_after
        self.fault_kinds = tuple(fault_kinds)
        self.records = generate_prospects(n_prospects, seed)
        self._bodies = {r["prospectId"]: _json(r) for r in self.records}
        self._example_body = self._bodies[self.records[0]["prospectId"]]
        self._rng = random.Random(fault_seed)
        self._lock = threading.Lock()
        self.requests: Counter[str] = Counter()
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def prospect_ids(self) -> list[str]:
        """The ids that exist, in a stable order (the order they were made)."""
        return [r["prospectId"] for r in self.records]

    @property
    def url(self) -> str:
        """Base URL to give a client, such as ``http://127.0.0.1:54321``."""
        if self._httpd is None:
            raise RuntimeError("The sandbox is not running: call start() or use `with`.")
        host, port = self._httpd.socket.getsockname()[:2]
        return f"http://{host}:{port}"

    @property
    def request_count(self) -> int:
        """Requests received so far, all paths together."""
        with self._lock:
            return sum(self.requests.values())

    def start(self) -> SandboxServer:
        """Start serving on a background thread; returns ``self``."""
        if self._httpd is not None:
            return self
        httpd = _Server((self.host, self.port))
        httpd.sandbox = self
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever,
            kwargs={"poll_interval": 0.1},
            name=f"knock-sandbox-{httpd.server_address[1]}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, hang up on kept-alive connections and free the port."""
        httpd, self._httpd = self._httpd, None
        if httpd is not None:
            httpd.shutdown()
            httpd.server_close()
            httpd.close_open_connections()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def serve_forever(self) -> None:
        """Serve on the calling thread until interrupted (the CLI's ``sandbox`` command)."""
        self.start()
        try:
            while self._thread is not None and self._thread.is_alive():
                self._thread.join(timeout=0.5)
        finally:
            self.stop()

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        where = self.url if self._httpd is not None else "stopped"
        return (
            f"SandboxServer({where}, n_prospects={self.n_prospects}, seed={self.seed}, "
            f"latency={self.latency}, fault_rate={self.fault_rate})"
        )

    # -- used by the handler ---------------------------------------------------------
    def _count(self, path: str, *, known: bool) -> None:
        """Count a request: per path for the prospects that exist, and for up to
        :data:`MAX_OTHER_PATHS` other paths; past that under :data:`OTHER_PATHS`."""
        with self._lock:
            room = len(self.requests) < len(self._bodies) + MAX_OTHER_PATHS
            self.requests[path if known or room or path in self.requests else OTHER_PATHS] += 1

    def _should_fail(self) -> bool:
        if self.fault_rate <= 0:
            return False
        with self._lock:
            return self._rng.random() < self.fault_rate

    def _fault_kind(self) -> str:
        with self._lock:
            return self._rng.choice(self.fault_kinds)
