"""A million prospects on one laptop, end to end: each step's time and peak memory, at 100,000
and at 1,000,000, to show how each grows (``make bench-1m``; tens of minutes).

Not part of ``make bench``. The sandbox runs in a process of its own, and so does each step,
so a step's peak memory is the client's alone: the peak resident size during the step
(``VmHWM``, reset once the step's imports and inputs are loaded) minus the resident size
then. The steps, on the sandbox's distinct prospects:

1. cold fetch: ``fetch_prospects(ids).frame`` into an empty cache (and the cache file's size
   then, against the JSON bodies it holds);
2. warm rebuild: the same call again, from the cache (no request made);
3. the reference parse: one ``json.loads`` of the cached bodies (read beforehand, not timed);
4. every breakdown: ``status_breakdown``, ``source_breakdown``, ``consent_breakdown``,
   ``demand_breakdown``, ``funnel``, ``leads_over_time``;
5. the dashboard's filter change (one community left out, two charts redrawn; the median of
   three new states);
6. ``export_csv`` and ``to_parquet`` of the frame;
7. the history: the fetched prospects appended as one run, then 5% of them changed as a
   second run, and ``versions()`` read back.

Steps 4 to 7 start from the warm rebuild's frame, saved in parquet (loading it is not timed).
Run: ``python -m bench.scale_1m`` (``--sizes 20000`` for a quick try); the table is printed
and written to ``data/out/scale_1m.md``.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.peak import frame_mb, measure

SIZES = (100_000, 1_000_000)
CHANGED_SHARE = 0.05
OUT = Path("data/out/scale_1m.md")


# --- one step, inside its own process -------------------------------------------------------


def _step(name: str, folder: Path) -> dict[str, Any]:
    """One step, in this process; what it measured."""
    import pandas as pd

    import knock_data as kd
    from knock_data.sandbox import naming_tables

    server = json.loads((folder / "server.json").read_text())
    ids: list[str] = server["ids"]
    cache = folder / "cache.sqlite"
    frame_path = folder / "frame.parquet"

    if name in ("cold", "warm"):
        client = kd.KnockClient(server["key"], base_url=server["url"], cache=cache, max_workers=8)
        # Imports loaded, the cache opened; "1" does not exist, so nothing is cached yet.
        _ = client.fetch_prospects(["1"], progress=False).frame
        holder: dict[str, Any] = {}

        def fetch() -> dict[str, Any]:
            result = client.fetch_prospects(ids, progress=False)
            holder["frame"] = result.frame
            return {"n_fetched": result.n_fetched, "n_cached": result.n_cached}

        measured = measure(fetch)
        measured["frame_mb"] = frame_mb(holder["frame"])
        if name == "warm":
            holder["frame"].to_parquet(frame_path)
        client.close()
        measured["cache_bytes"] = sum(p.stat().st_size for p in folder.glob("cache.sqlite*"))
        return measured

    if name == "parse":
        from knock_data._fetch.cache import open_cache

        store = open_cache(cache)
        bodies = list(store.bodies(server["url"], store.scope_for(server["key"]), ids).values())
        store.close()
        measured = measure(lambda: {"n": len(json.loads(b"[" + b",".join(bodies) + b"]"))})
        return {**measured, "body_bytes": sum(map(len, bodies))}

    frame = pd.read_parquet(frame_path)
    if name == "breakdowns":
        import matplotlib

        matplotlib.use("Agg")
        from knock_data._analysis.demand import DEMAND_FIELDS

        frame = kd.with_names(frame, **naming_tables())
        each: dict[str, float] = {}

        calls: list[tuple[str, Callable[[], Any]]] = [
            ("status_breakdown", functools.partial(kd.status_breakdown, frame)),
            ("source_breakdown", functools.partial(kd.source_breakdown, frame)),
            ("consent_breakdown", functools.partial(kd.consent_breakdown, frame)),
            *(
                (
                    f"demand_breakdown({field!r})",
                    functools.partial(kd.demand_breakdown, frame, field),
                )
                for field in DEMAND_FIELDS
            ),
            ("funnel", functools.partial(kd.funnel, frame)),
            ("leads_over_time", functools.partial(kd.leads_over_time, frame, "W")),
        ]

        def breakdowns() -> dict[str, Any]:
            for label, call in calls:
                start = time.perf_counter()
                call()
                each[label] = time.perf_counter() - start
            return {}

        measured = measure(breakdowns)
        return {**measured, "each": each}
    if name == "dashboard":
        import matplotlib

        matplotlib.use("Agg")
        from bench.bench_dashboard import _states

        frame = kd.with_names(frame, **naming_tables())
        dash = kd.Dashboard(frame)
        changes = _states(dash, 3)
        times: list[float] = []

        def change() -> dict[str, Any]:
            for one in changes:
                start = time.perf_counter()
                one()
                times.append(time.perf_counter() - start)
            return {}

        measured = measure(change)
        dash.close()
        return {**measured, "seconds": sorted(times)[1], "slowest": max(times)}
    if name == "csv":
        return measure(lambda: _size(kd.export_csv(frame, folder / "out.csv")))
    if name == "parquet":
        return measure(lambda: _size(kd.to_parquet(frame, folder / "out.parquet")))
    if name == "history_append":
        import random

        n_changed = int(len(ids) * CHANGED_SHARE)
        positions = sorted(random.Random(5).sample(range(len(ids)), n_changed))
        statuses = ["booked", "visited", "applied_leased", "lost"]

        def append() -> dict[str, Any]:
            history = kd.History(folder / "history")
            client = kd.KnockClient(server["key"], base_url=server["url"], cache=cache)
            result = client.fetch_prospects(ids, progress=False)  # warm: the cached copies
            history.append(result, observed_at="2021-11-02")
            # A later refresh of 5%: those prospects' records, changed.
            later = client.fetch_prospects([ids[i] for i in positions], progress=False)
            changed = [dict(record) for record in later.records]
            for index, record in enumerate(changed):
                record["status"] = statuses[index % len(statuses)]
            history.append(changed, observed_at="2021-11-09")
            client.close()
            return {"changed": len(changed)}

        return measure(append)
    if name == "versions":
        history = kd.History(folder / "history")
        return measure(lambda: {"versions": len(history.versions())})
    raise SystemExit(f"no step {name!r}")


def _size(path: Path) -> dict[str, Any]:
    return {"file_mb": path.stat().st_size / 1e6}


# --- the run: a sandbox process, then one process per step ----------------------------------


def _serve(n_prospects: int, folder: Path) -> None:
    """The sandbox, in this process, until its standard input closes."""
    from knock_data.sandbox import SandboxServer

    with SandboxServer(n_prospects=n_prospects) as server:
        info = {"url": server.url, "key": server.api_key, "ids": server.prospect_ids}
        (folder / "server.json.tmp").write_text(json.dumps(info))
        (folder / "server.json.tmp").rename(folder / "server.json")
        sys.stdin.read()


def _run_step(name: str, folder: Path) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "bench.scale_1m", "--step", name, "--folder", str(folder)],
        check=True,
        capture_output=True,
        text=True,
    )
    measured: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"  {name:15s} {measured['seconds']:8.2f} s  {measured['peak_mb']:8.0f} MB", flush=True)
    return measured


def _run_size(n: int, folder: Path) -> dict[str, dict[str, Any]]:
    print(f"{n:,} prospects", flush=True)
    sandbox = subprocess.Popen(
        [sys.executable, "-m", "bench.scale_1m", "--serve", str(n), "--folder", str(folder)],
        stdin=subprocess.PIPE,
    )
    try:
        while not (folder / "server.json").exists():
            if sandbox.poll() is not None:
                raise SystemExit("the sandbox did not start")
            time.sleep(0.5)
        results = {"cold": _run_step("cold", folder)}
    finally:
        assert sandbox.stdin is not None
        sandbox.stdin.close()
        sandbox.wait(timeout=60)
    for name in ("warm", "parse", "breakdowns", "dashboard", "csv", "parquet"):
        results[name] = _run_step(name, folder)
    for name in ("history_append", "versions"):
        results[name] = _run_step(name, folder)
    return results


ROWS = (
    ("cold", "Cold fetch from the sandbox, `fetch_prospects(ids).frame`, empty cache"),
    ("warm", "Warm rebuild, the same call from the cache"),
    ("parse", "Reference: one `json.loads` of the cached bodies (parse alone)"),
    ("breakdowns", "Every breakdown (status, source, consent, demand, funnel, weekly leads)"),
    ("dashboard", "Dashboard filter change (median of 3 new states, 2 charts)"),
    ("csv", "`export_csv`"),
    ("parquet", "`to_parquet`"),
    ("history_append", "History: a warm fetch's result appended as a run, 5% changed as a second"),
    ("versions", "History `versions()`"),
)


def table(results: dict[int, dict[str, dict[str, Any]]]) -> str:
    small, large = sorted(results)
    lines = [
        f"| Step | {small:,}: time | peak memory | {large:,}: time | peak memory "
        f"| time growth per {large // small}x |",
        "|---|---|---|---|---|---|",
    ]
    for key, label in ROWS:
        a, b = results[small][key], results[large][key]
        lines.append(
            f"| {label} | {_seconds(a['seconds'])} | {a['peak_mb']:,.0f} MB "
            f"| {_seconds(b['seconds'])} | {b['peak_mb']:,.0f} MB "
            f"| {b['seconds'] / a['seconds']:.1f}x |"
        )
    for size in (small, large):
        frame_mb = results[size]["warm"]["frame_mb"]
        warm, cold = results[size]["warm"]["peak_mb"], results[size]["cold"]["peak_mb"]
        parse_ratio = results[size]["warm"]["seconds"] / results[size]["parse"]["seconds"]
        per_prospect = results[size]["cold"]["cache_bytes"] / size
        body = results[size]["parse"]["body_bytes"] / results[size]["parse"]["n"]
        lines.append(
            f"\n{size:,}: frame {frame_mb:,.0f} MB; warm peak {warm / frame_mb:.1f}x the frame "
            f"(goal <= 6x); cold peak {cold - warm:+,.0f} MB against the warm one (goal <= "
            f"+100 MB); warm rebuild {parse_ratio:.2f}x "
            f"the reference parse's time (goal <= 1x); cache file {per_prospect:,.0f} B per "
            f"prospect for {body:,.0f} B of JSON, {per_prospect / body:.2f}x the bodies (goal "
            "<= 1.5x); breakdowns: "
            + ", ".join(
                f"{k} {_seconds(v)}" for k, v in results[size]["breakdowns"]["each"].items()
            )
        )
    return "\n".join(lines)


def _seconds(value: float) -> str:
    return f"{value * 1000:,.0f} ms" if value < 1 else f"{value:,.1f} s"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.scale_1m")
    parser.add_argument("--sizes", type=int, nargs=2, default=SIZES)
    parser.add_argument("--step")
    parser.add_argument("--serve", type=int)
    parser.add_argument("--folder", type=Path)
    args = parser.parse_args(argv)
    if args.serve:
        _serve(args.serve, args.folder)
        return
    if args.step:
        print(json.dumps(_step(args.step, args.folder)))
        return
    results = {}
    with tempfile.TemporaryDirectory(prefix="knock-1m-", dir=os.environ.get("TMPDIR")) as tmp:
        for n in args.sizes:
            folder = Path(tmp) / str(n)
            folder.mkdir()
            results[n] = _run_size(n, folder)
    text = table(results)
    print(text)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(text + "\n")


if __name__ == "__main__":
    main()
