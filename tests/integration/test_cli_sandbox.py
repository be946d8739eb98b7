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
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest

from knock_data.sandbox import SandboxServer, generate_prospects

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
        status, _, body = self.send(path)
        return status, body

    def send(self, path: str, method: str = "GET") -> tuple[int, datetime, dict[str, object]]:
        """Status, the moment of the Date header, and the JSON body."""
        request = urllib.request.Request(
            self.url + path, headers={"x-api-key": self.key}, method=method
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                date = parsedate_to_datetime(response.headers["Date"])
                return response.status, date, json.loads(response.read())
        except urllib.error.HTTPError as error:
            with error:
                date = parsedate_to_datetime(error.headers["Date"])
                return error.code, date, json.loads(error.read())

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


def test_now_starts_the_clock_at_a_moment_and_the_endpoint_moves_it(
    running: list[Running],
) -> None:
    run = Running("--port", "0", "--prospects", "500", "--now", "2021-12-31")
    running.append(run)
    expected = SandboxServer(n_prospects=500, now="2021-12-31")
    assert f"Clock:    2021-12-31 00:00:00 UTC, {len(expected.prospect_ids):,} prospects" in (
        run.banner
    )
    assert f"curl -X POST -H 'x-api-key: {run.key}' '{run.url}/_sandbox/advance?days=7'" in (
        run.banner
    )
    newest = expected.prospect_ids[-1]  # a lead that arrived after the default moment
    status, date, body = run.send(f"/prospect/{newest}")
    assert (status, date, body) == (
        200,
        datetime(2021, 12, 31, tzinfo=UTC),
        expected.record_at(newest),
    )
    status, date, body = run.send("/_sandbox/advance?days=7", method="POST")
    assert status == 200
    assert body["now"] == "2022-01-07T00:00:00+00:00"
    assert run.send("/prospect/51316")[1] == datetime(2022, 1, 7, tzinfo=UTC)
    assert run.stop(signal.SIGINT)[0] == 0


def test_speed_lets_the_clock_run_by_itself(running: list[Running]) -> None:
    run = Running("--port", "0", "--prospects", "50", "--speed", "1440")
    running.append(run)
    assert "running at 1440 days per minute" in run.banner
    first = run.send("/prospect/51316")[1]
    deadline = datetime.now(UTC) + timedelta(seconds=15)
    later = first
    while later < first + timedelta(hours=3) and datetime.now(UTC) < deadline:
        later = run.send("/prospect/51316")[1]
    assert later >= first + timedelta(hours=3)  # a simulated day per real second
    assert run.stop(signal.SIGTERM)[0] == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--now", "tomorrow"], "argument --now: expected a day or a moment such as 2021-12-31"),
        (["--speed", "-1"], "argument --speed: expected zero or more simulated days per minute"),
        (["--speed", "fast"], "argument --speed: expected zero or more simulated days per minute"),
    ],
)
def test_a_bad_clock_option_is_a_clear_usage_error(args: list[str], message: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "knock_data", "sandbox", "--port", "0", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr


def test_the_banner_s_fetch_recipe_works_as_printed(
    running: list[Running],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import shlex

    import pandas as pd

    from knock_data._cli import main

    run = Running("--port", "0")
    running.append(run)
    (recipe,) = re.findall(r"Fetch:\s+(knock-data fetch .+)", run.banner)
    words = shlex.split(recipe)
    assert words[-2:] == ["--base-url", run.url]
    monkeypatch.delenv("KNOCK_API_KEY", raising=False)
    monkeypatch.chdir(tmp_path)
    status = main([*words[1:], "--no-progress", "--no-cache"])
    assert status == 1  # the sample holds ids that do not exist, reported as such
    assert len(pd.read_csv(tmp_path / "prospects.csv", dtype=str)) > 1900
    assert "Read 2,000 ids from sample_prospect_ids.csv" in capsys.readouterr().err


def test_a_smaller_sandbox_s_recipe_fetches_its_own_ids_not_the_default_sample(
    running: list[Running],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # The packaged sample is ids of the default 5,000 prospects: against 300 most of its
    # ids do not exist. The recipe reads a file of this sandbox's own ids instead.
    import shlex

    import pandas as pd

    from knock_data._cli import main

    run = Running("--port", "0", "--prospects", "300")
    running.append(run)
    (recipe,) = re.findall(r"Fetch:\s+(knock-data fetch .+)", run.banner)
    words = shlex.split(recipe)
    ids_file = Path(words[2])
    assert "sample_prospect_ids" not in ids_file.name
    assert "this sandbox's 300 ids" in run.banner
    monkeypatch.delenv("KNOCK_API_KEY", raising=False)
    monkeypatch.chdir(tmp_path)
    status = main([*words[1:], "--no-progress", "--no-cache"])
    assert status == 0, capsys.readouterr().err  # every id exists: no not_found
    assert len(pd.read_csv(tmp_path / "prospects.csv", dtype=str)) == 300
    code, _, _ = run.stop(signal.SIGTERM)
    assert code == 0
    assert not ids_file.exists()  # removed when the sandbox stops
