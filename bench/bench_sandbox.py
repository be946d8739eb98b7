"""Sandbox requests/s over HTTP/1.1 keep-alive, against a plain standard-library server.

The obvious alternative is ``http.server``'s ``ThreadingHTTPServer`` with an HTTP/1.1
``BaseHTTPRequestHandler`` answering the default way (``send_response``, ``send_header``,
``end_headers``, then ``wfile.write(body)``): the same JSON bodies, the same key check. Its
headers and body leave in two writes, so on a kept-alive connection Nagle's algorithm holds
the body until the client's delayed ACK, about 40 ms later. The sandbox writes each response
in one ``sendall`` with ``TCP_NODELAY``.

Both servers run in this process beside their clients (as in the tests, the notebooks and
the demo), each for a fixed time per scenario: one connection, then several client threads
with a connection each. Goal: at least 1,000 requests/s for the sandbox.
"""

from __future__ import annotations

import http.client
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from knock_data.sandbox import SandboxServer

SECONDS = 2.5  # per server and scenario: 4 runs, about 10 s in all
THREADS = 4
GOAL = 1000.0


def _plain_server(records: list[dict[str, Any]], api_key: str) -> ThreadingHTTPServer:
    """The stdlib way: same JSON, HTTP/1.1 keep-alive, headers and body written separately."""
    bodies = {r["prospectId"]: json.dumps(r, ensure_ascii=False).encode() for r in records}
    missing = json.dumps({"errorCode": "CORE_API_GET_PROSPECT_FAIL"}).encode()
    forbidden = json.dumps({"message": "Forbidden"}).encode()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            prospect_id = self.path.rsplit("/", 1)[-1]
            if self.headers.get("x-api-key") != api_key:
                status, body = 403, forbidden
            else:
                found = bodies.get(prospect_id)
                status, body = (200, found) if found is not None else (404, missing)
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _client(port: int, ids: list[str], api_key: str, stop_at: float, counts: list[int]) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {"x-api-key": api_key}
    done = 0
    try:
        while time.perf_counter() < stop_at:
            conn.request("GET", f"/prospect/{ids[done % len(ids)]}", headers=headers)
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                raise RuntimeError(f"unexpected HTTP {response.status}")
            done += 1
    finally:
        conn.close()
    counts.append(done)


def _rate(port: int, ids: list[str], api_key: str, threads: int) -> float:
    _client(port, ids, api_key, time.perf_counter() + 0.1, [])  # warm up
    counts: list[int] = []
    start = time.perf_counter()
    stop_at = start + SECONDS
    workers = [
        threading.Thread(target=_client, args=(port, ids[i::threads], api_key, stop_at, counts))
        for i in range(threads)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    if len(counts) != threads:
        raise RuntimeError("a client thread failed; see the traceback above")
    return sum(counts) / (time.perf_counter() - start)


def main() -> None:
    with SandboxServer() as sandbox:
        plain = _plain_server(sandbox.records, sandbox.api_key)
        try:
            ids = sandbox.prospect_ids
            ours_port = int(sandbox.url.rsplit(":", 1)[1])
            plain_port = plain.server_address[1]
            rows = []
            for label, threads in [("one connection", 1), (f"{THREADS} threads", THREADS)]:
                ours = _rate(ours_port, ids, sandbox.api_key, threads)
                theirs = _rate(plain_port, ids, sandbox.api_key, threads)
                rows.append((label, ours, theirs))
        finally:
            plain.shutdown()
            plain.server_close()

    print(f"Requests/s over keep-alive, {SECONDS} s per run (5,000 prospects, one process):")
    print(f"{'':<18}{'sandbox':>10}{'stdlib default':>16}{'ratio':>9}")
    for label, ours, theirs in rows:
        print(f"{label:<18}{ours:>10,.0f}{theirs:>16,.1f}{ours / theirs:>8,.0f}x")
    slowest = min(ours for _, ours, _ in rows)
    verdict = "met" if slowest >= GOAL else "NOT MET"
    print(f"Goal: sandbox >= {GOAL:,.0f} requests/s in every scenario: {verdict}.")


if __name__ == "__main__":
    main()
