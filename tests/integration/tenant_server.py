"""A loopback server that gives each API key its own prospects (several property managers
on one Knock-like endpoint), for the tenant-isolation tests.

Key ``k`` sees prospect ``p`` as ``{"prospectId": p, "firstName": <k's name>, ...}``; the
same ids exist for every key, with different people behind them. ``fail[k] = status`` makes
every answer to ``k`` that status (404 with Knock's "does not exist" body).
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from knock_data.sandbox import EXAMPLE_PROSPECT

NOT_FOUND = {
    "errorCode": "CORE_API_GET_PROSPECT_FAIL",
    "errorMessage": "Unable to get prospect upstream - Prospect_id {} does not exist.",
}


class TenantServer:
    """``TenantServer({"key-A": "Ann", "key-B": "Bob"}, ids)``: every id exists for every key."""

    def __init__(self, names: dict[str, str], ids: list[str]) -> None:
        self.names = dict(names)
        self.ids = list(ids)
        self.fail: dict[str, int] = {}
        self.requests: Counter[tuple[str, str]] = Counter()  # (key's name, id) -> count
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def record(self, key: str, prospect_id: str) -> dict[str, Any]:
        """The prospect ``prospect_id`` as key ``key`` sees it."""
        name = self.names[key]
        return dict(
            EXAMPLE_PROSPECT,
            prospectId=prospect_id,
            firstName=name,
            email=f"{name.lower()}.{prospect_id}@example.com",
        )

    def asked(self, key: str) -> int:
        """Requests received with ``key``."""
        with self._lock:
            return sum(n for (name, _), n in self.requests.items() if name == self.names[key])

    def __enter__(self) -> TenantServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)


def _handler(server: TenantServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            key = self.headers.get("x-api-key", "")
            prospect_id = self.path.rsplit("/", 1)[-1]
            if key not in server.names or not self.path.startswith("/prospect/"):
                self._send(403, {"message": "Forbidden"})
                return
            with server._lock:
                server.requests[(server.names[key], prospect_id)] += 1
            status = server.fail.get(key)
            if status == 404 or (status is None and prospect_id not in server.ids):
                body = {k: v.format(prospect_id) for k, v in NOT_FOUND.items()}
                self._send(404, body)
            elif status is not None:
                self._send(status, {"message": "Internal server error"})
            else:
                self._send(200, server.record(key, prospect_id))

        def _send(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return Handler
