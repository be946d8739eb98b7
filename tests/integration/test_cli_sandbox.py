"""`knock-data sandbox` serves until Ctrl-C (or kill) and exits cleanly."""

from __future__ import annotations

import http.client
import json
import re
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest

from knock_data.sandbox import generate_prospects

pytestmark = pytest.mark.integration


class Running:
    """A `knock-data sandbox` process, with the URL and key it printed."""

    def __init__(self, *args: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "knock_data", "sandbox", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        self.banner = ""
        for line in self.process.stdout:  # until it says it is ready
            self.banner += line
            if "Ctrl-C" in line:
                break
        url = re.search(r"URL:\s+(\S+)", self.banner)
        key = re.search(r"API key:\s+(\S+)", self.banner)
        assert url, self.banner + self.process.stderr.read()  # type: ignore[union-attr]
        assert key, self.banner
        self.url, self.key = url.group(1), key.group(1)

    def get(self, path: str) -> tuple[int, dict[str, object]]:
        request = urllib.request.Request(self.url + path, headers={"x-api-key": self.key})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            with error:
                return error.code, json.loads(error.read())

    def stop(self, signum: int) -> tuple[int, str, str]:
        self.process.send_signal(signum)
        out, err = self.process.communicate(timeout=20)
        return self.process.returncode, self.banner + out, err


@pytest.fixture
def running() -> Iterator[list[Running]]:
    started: list[Running] = []
    yield started
    for run in started:
        if run.process.poll() is None:
            run.process.kill()
            run.process.communicate()


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_serves_the_requested_data_then_stops_cleanly(running: list[Running], signum: int) -> None:
    run = Running("--port", "0", "--prospects", "60", "--seed", "7")
    running.append(run)
    assert run.key == "syndication-prospect-TEST-KEY"
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", run.url)
    assert "60 synthetic prospects (seed 7)" in run.banner
    expected = next(r for r in generate_prospects(60, seed=7) if r["prospectId"] == "51316")
    assert run.get("/prospect/51316") == (200, expected)
    assert run.get("/prospect/0")[0] == 404
    code, out, err = run.stop(signum)
    assert code == 0
    assert "Sandbox stopped after 2 requests." in out
    assert "Traceback" not in err
    with pytest.raises(urllib.error.URLError, match="Connection refused"):  # nobody answers
        urllib.request.urlopen(run.url + "/prospect/51316", timeout=5)


def test_latency_and_fault_rate_reach_the_server(running: list[Running]) -> None:
    run = Running("--port", "0", "--prospects", "10", "--latency", "0.05", "--fault-rate", "1")
    running.append(run)
    assert "Latency 0.05 s, fault rate 1.0" in run.banner
    outcomes = set()
    for _ in range(8):
        try:
            outcomes.add(run.get("/prospect/51316")[0])
        except (OSError, http.client.HTTPException):  # dropped or truncated on purpose
            outcomes.add(0)
    assert 200 not in outcomes
    assert run.stop(signal.SIGINT)[0] == 0


def test_a_busy_port_is_a_clear_error_not_a_traceback() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "knock_data", "sandbox", "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert done.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in done.stderr
    assert "--port" in done.stderr
    assert "Traceback" not in done.stderr
