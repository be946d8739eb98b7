"""Smart refresh on the clocked sandbox: twelve weekly refreshes of 20,000 prospects.

Two sandboxes with the same seed live the same twelve weeks; one portfolio is refreshed with
``refresh=True`` every week, the other with ``refresh="due"`` under the default
:class:`~knock_data.RefreshPolicy`, both after the same first full fetch, both recording into
a history. The sandbox's timelines are the truth: every status change of the portfolio in
those weeks. Measured:

- the share of requests ``refresh="due"`` sends, against ``refresh=True`` (goal <= 40%);
- the share of status changes it sees at the next refresh after they happen, that is, the
  prospect was fetched at that refresh (goal >= 95%);
- the share it sees within the policy's longest interval of happening (goal: all), of the
  changes that happened at least that long before the last refresh.

Run: ``python -m bench refresh`` (about ten minutes: some 360,000 requests over loopback).
"""

from __future__ import annotations

import shutil
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np

import knock_data as kd
from knock_data.sandbox import SandboxServer

N_PROSPECTS = 20_000
WEEKS = 12
WORKERS = 8


def run(mode: bool | str, folder: Path) -> dict[str, Any]:
    """The first fetch and twelve weekly refreshes; requests per refresh and what was seen."""
    with SandboxServer(n_prospects=N_PROSPECTS) as server:
        ids = server.prospect_ids
        client = kd.KnockClient(
            server.api_key,
            base_url=server.url,
            cache=folder / "cache.sqlite",
            history=folder / "history",
            max_workers=WORKERS,
        )
        client.fetch_prospects(ids, progress=False)
        moments = [server.now]
        requests = []
        start = time.perf_counter()
        for _ in range(WEEKS):
            server.advance(days=7)
            moments.append(server.now)
            before = server.request_count
            client.fetch_prospects(ids, progress=False, refresh=mode, now=server.now)
            requests.append(server.request_count - before)
        seconds = time.perf_counter() - start
        client.close()
        changes = [
            (pid, at)
            for pid in ids
            for at, _ in server.timeline(pid, until=moments[-1])[1:]
            if at > moments[0]
        ]
    observed = kd.History(folder / "history").observations()
    fetched: dict[str, np.ndarray] = {
        str(pid): group.to_numpy(dtype="datetime64[us]")
        for pid, group in observed.groupby("prospect_id", observed=True)["observed_at"]
    }
    return {
        "requests": requests,
        "seconds": seconds,
        "moments": moments,
        "changes": changes,
        "fetched": fetched,
    }


def seen(result: dict[str, Any], longest: timedelta) -> tuple[float, float]:
    """Shares of the status changes seen at the next refresh, and within ``longest``.

    The second share counts the changes at least ``longest`` before the last refresh: for a
    later one, the twelve weeks end before its time is up (right-censoring).
    """
    moments = np.array([np.datetime64(m.replace(tzinfo=None), "us") for m in result["moments"]])
    window = np.timedelta64(longest)
    at_next = within = judged = 0
    for pid, at in result["changes"]:
        when = np.datetime64(at.replace(tzinfo=None), "us")
        following = moments[np.searchsorted(moments, when, side="left")]
        times = result["fetched"].get(pid, np.array([], dtype="datetime64[us]"))
        later = times[times >= when]
        at_next += bool(len(later)) and later.min() == following
        if when + window <= moments[-1]:
            judged += 1
            within += bool(len(later)) and later.min() - when <= window
    return at_next / len(result["changes"]), within / judged


def main() -> None:
    policy = kd.RefreshPolicy()
    folder = Path(tempfile.mkdtemp(prefix="knock-bench-refresh-"))
    try:
        (folder / "all").mkdir()
        (folder / "due").mkdir()
        full = run(True, folder / "all")
        smart = run("due", folder / "due")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    share = sum(smart["requests"]) / sum(full["requests"])
    next_full, within_full = seen(full, policy.longest)
    next_smart, within_smart = seen(smart, policy.longest)
    print(f"{N_PROSPECTS:,} prospects, {WEEKS} weekly refreshes after a first full fetch")
    print(f"  policy: {_describe(policy)}")
    print(f"  status changes in those weeks (the sandbox's timelines): {len(full['changes']):,}")
    print(
        f"  refresh=True : {sum(full['requests']):7,} requests, {full['seconds']:5.0f} s; "
        f"changes seen at the next refresh {next_full:.1%}, within "
        f"{policy.longest.days} days {within_full:.1%}"
    )
    print(
        f"  refresh='due': {sum(smart['requests']):7,} requests, {smart['seconds']:5.0f} s; "
        f"changes seen at the next refresh {next_smart:.1%}, within "
        f"{policy.longest.days} days {within_smart:.1%}"
    )
    print(f"  per week: {', '.join(f'{n:,}' for n in smart['requests'])}")
    goals = share <= 0.40, next_smart >= 0.95, within_smart >= 1.0
    verdicts = ["meets" if ok else "MISSES" for ok in goals]
    print(f"  requests sent {share:.1%} of refresh=True ({verdicts[0]} <= 40%)")
    print(f"  changes seen at the next refresh {next_smart:.1%} ({verdicts[1]} >= 95%)")
    print(
        f"  changes seen within {policy.longest.days} days {within_smart:.1%} ({verdicts[2]} 100%; "
        f"of those at least {policy.longest.days} days before the last refresh)"
    )


def _describe(policy: kd.RefreshPolicy) -> str:
    def days(value: timedelta) -> str:
        return f"{value / timedelta(days=1):g} d"

    scaled = (
        "fixed intervals"
        if policy.quiet_fraction is None
        else f"dormant and closed after {policy.quiet_fraction:g} of the quiet time"
    )
    return (
        f"active {days(policy.active)}, dormant at most {days(policy.dormant)}, closed at most "
        f"{days(policy.closed)}, recent {days(policy.recent)}, dormant after "
        f"{days(policy.dormant_after)}; {scaled}"
    )


if __name__ == "__main__":
    main()
