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

The clock costs nothing where it stands still and little where it moved:

- **Requests/s at a moved clock** against the default moment, in the same run: a
  100,000-prospect sandbox 30 days after the default moment against one at the default
  moment, in alternating rounds of fresh ids, so every request at the moved clock is the
  first for its prospect (it draws the lifecycle and encodes a new body where the record
  changed: the worst case, a refresh after the clock moved), medians compared. Goal: at
  least 0.8x.
- **Start-up at 100,000 prospects** against today's static way (generate the records and
  encode every body, all the sandbox did before it had a clock), best of two each. Goal: at
  most 1.5x, at the default moment and at a moved one.
"""

from __future__ import annotations

import http.client
import json
import statistics
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from knock_data.sandbox import SandboxServer, generate_prospects

SECONDS = 2.5  # per server and scenario: 4 runs, about 10 s in all
THREADS = 4
GOAL = 1000.0

CLOCK_PROSPECTS = 100_000
CLOCK_SLICE = 4_500  # ids per round: more than a round asks for, so none is asked twice
CLOCK_SECONDS = 0.3  # short rounds, alternating, so both clocks see the same machine load
CLOCK_ROUNDS = 10  # per scenario and clock
MOVED_DAYS = 30
CLOCK_GOAL = 0.8  # moved / default requests/s
STARTUP_PROSPECTS = 100_000
STARTUP_GOAL = 1.5  # sandbox start-up / static generation


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


def _rate(
    port: int,
    ids: list[str],
    api_key: str,
    threads: int,
    *,
    seconds: float = SECONDS,
    warm_up: list[str] | None = None,
) -> float:
    warm_for = 0.1 if warm_up is None else 0.02
    _client(port, ids if warm_up is None else warm_up, api_key, time.perf_counter() + warm_for, [])
    counts: list[int] = []
    start = time.perf_counter()
    stop_at = start + seconds
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


def _clock_rates() -> list[tuple[str, float, float]]:
    """Median requests/s at the default moment and at a moved clock, per scenario.

    One sandbox stays at the default moment, one is moved; rounds alternate between them,
    and each round asks a fresh slice of ids, so every request at the moved clock is the
    first for its prospect (its lifecycle is drawn, its new body encoded).
    """
    today = SandboxServer(n_prospects=CLOCK_PROSPECTS).start()
    moved = SandboxServer(n_prospects=CLOCK_PROSPECTS)
    moved.advance(days=MOVED_DAYS)
    moved.start()
    try:
        ids = today.prospect_ids
        # Each sandbox gets every slice once (id 0 only warms connections up).
        starts = range(1, CLOCK_PROSPECTS - CLOCK_SLICE + 1, CLOCK_SLICE)
        slices = {False: iter(starts), True: iter(starts)}
        rows = []
        for label, threads in [("one connection", 1), (f"{THREADS} threads", THREADS)]:
            rates: dict[bool, list[float]] = {False: [], True: []}
            for _ in range(CLOCK_ROUNDS):
                for is_moved, sandbox in ((False, today), (True, moved)):
                    start = next(slices[is_moved])
                    port = int(sandbox.url.rsplit(":", 1)[1])
                    rate = _rate(
                        port,
                        ids[start : start + CLOCK_SLICE],
                        sandbox.api_key,
                        threads,
                        seconds=CLOCK_SECONDS,
                        warm_up=ids[:1],  # the connection only: id 0 is never timed
                    )
                    rates[is_moved].append(rate)
            rows.append((label, statistics.median(rates[False]), statistics.median(rates[True])))
    finally:
        today.stop()
        moved.stop()
    return rows


def _startup_times() -> tuple[float, float, float]:
    """Best-of-two seconds: static generation, sandbox at the default moment, moved."""
    static, default, moved = [], [], []
    for _ in range(2):
        start = time.perf_counter()
        records = generate_prospects(STARTUP_PROSPECTS)
        bodies = {r["prospectId"]: json.dumps(r, ensure_ascii=False).encode() for r in records}
        static.append(time.perf_counter() - start)
        del records, bodies
        start = time.perf_counter()
        SandboxServer(n_prospects=STARTUP_PROSPECTS).start().stop()
        default.append(time.perf_counter() - start)
        start = time.perf_counter()
        sandbox = SandboxServer(n_prospects=STARTUP_PROSPECTS)
        sandbox.advance(days=MOVED_DAYS)
        sandbox.start().stop()
        moved.append(time.perf_counter() - start)
    return min(static), min(default), min(moved)


def main() -> None:
    _keep_alive_rates()
    _clock()


def _clock() -> None:
    rows = _clock_rates()
    print(
        f"\nRequests/s, each id asked once, {CLOCK_PROSPECTS:,} prospects, median of "
        f"{CLOCK_ROUNDS} rounds of {CLOCK_SECONDS} s:"
    )
    print(f"{'':<18}{'default moment':>16}{f'+{MOVED_DAYS} days':>12}{'ratio':>9}")
    for label, today, moved in rows:
        print(f"{label:<18}{today:>16,.0f}{moved:>12,.0f}{moved / today:>8.2f}x")
    worst = min(moved / today for _, today, moved in rows)
    verdict = "met" if worst >= CLOCK_GOAL else "NOT MET"
    print(f"Goal: moved clock >= {CLOCK_GOAL}x the default moment's requests/s: {verdict}.")

    static, default, moved = _startup_times()
    print(f"\nStart-up at {STARTUP_PROSPECTS:,} prospects, best of 2:")
    print(f"  static records + bodies (no clock): {static:.2f} s")
    print(f"  SandboxServer, default moment:      {default:.2f} s  ({default / static:.2f}x)")
    print(f"  SandboxServer, +{MOVED_DAYS} days:            {moved:.2f} s  ({moved / static:.2f}x)")
    verdict = "met" if max(default, moved) / static <= STARTUP_GOAL else "NOT MET"
    print(f"Goal: start-up <= {STARTUP_GOAL}x the static generation: {verdict}.")


def _keep_alive_rates() -> None:
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
