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

Then where the changes seen late come from: what the copy held when the change happened
showed (the lead's state and how long it had been quiet when it was fetched), and whether
the change was the lead's first since that copy or a further step of a lead already moving.

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
import pandas as pd

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
        became = {
            (pid, at): status
            for pid in ids
            for at, status in server.timeline(pid, until=moments[-1])[1:]
            if at > moments[0]
        }
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
        "became": became,
        "fetched": fetched,
        "observed": observed,
    }


def seen(result: dict[str, Any], longest: timedelta) -> tuple[float, float, list[Any]]:
    """Shares of the status changes seen at the next refresh, and within ``longest``; and
    the changes not seen at the next refresh.

    The second share counts the changes at least ``longest`` before the last refresh: for a
    later one, the twelve weeks end before its time is up (right-censoring).
    """
    moments = np.array([np.datetime64(m.replace(tzinfo=None), "us") for m in result["moments"]])
    window = np.timedelta64(longest)
    at_next = within = judged = 0
    late = []
    for pid, at in result["changes"]:
        when = np.datetime64(at.replace(tzinfo=None), "us")
        following = moments[np.searchsorted(moments, when, side="left")]
        times = result["fetched"].get(pid, np.array([], dtype="datetime64[us]"))
        later = times[times >= when]
        on_time = bool(len(later)) and later.min() == following
        at_next += on_time
        if not on_time:
            late.append((pid, at))
        if when + window <= moments[-1]:
            judged += 1
            within += bool(len(later)) and later.min() - when <= window
    return at_next / len(result["changes"]), within / judged, late


def late_changes(result: dict[str, Any], late: list[Any]) -> pd.DataFrame:
    """The changes seen late, each beside the copy held when it happened: the lead's state
    and quiet time when that copy was fetched, and whether the change was its first since."""
    observed = result["observed"]
    observed = observed[~observed["gone"]].sort_values(["prospect_id", "observed_at"])
    by_id = dict(list(observed.groupby("prospect_id", observed=True)))
    rows = []
    for pid, at in late:
        copies = by_id[pid]
        copy = copies[copies["observed_at"] < at].tail(1)
        fetched = copy["observed_at"].iloc[0]
        state = kd.lifecycle_state(copy, now=copy["observed_at"]).iloc[0]
        quiet = (fetched - copy["updated_at"].iloc[0]) / timedelta(days=1)
        since = sorted(m for p, m in result["became"] if p == pid and m > fetched)
        status = str(copy["status"].iloc[0])
        rows.append(
            {
                "state": state,
                "quiet_days": quiet,
                "first_since": since[0] == at,
                "comeback": status == "lost" and result["became"][(pid, since[0])] == "open",
            }
        )
    return pd.DataFrame(rows)


def _late_summary(late: pd.DataFrame) -> list[str]:
    if late.empty:
        return ["  no change seen late"]
    first = late[late["first_since"]]
    quiet = pd.cut(first["quiet_days"], [0, 45, 90, 180, 365, np.inf], right=False)
    spans = ["under 45", "45 to 89", "90 to 179", "180 to 364", "365 or more"]
    counts = "; ".join(
        f"{spans[i]} days: {n}" for i, n in enumerate(quiet.value_counts(sort=False)) if n
    )
    return [
        f"  changes seen late: {len(late):,}; by the copy held: "
        + ", ".join(f"{state} {n}" for state, n in late["state"].value_counts().items() if n),
        f"    the lead's first change since that copy: {len(first):,} (a lost lead coming "
        f"back {int(first['comeback'].sum())}); quiet when that copy was fetched for {counts}",
        f"    a further step of a lead already moving since that copy: "
        f"{int((~late['first_since']).sum()):,}",
    ]


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
    next_full, within_full, _ = seen(full, policy.longest)
    next_smart, within_smart, late = seen(smart, policy.longest)
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
    print("\n".join(_late_summary(late_changes(smart, late))))


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
