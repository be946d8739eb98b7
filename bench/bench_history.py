"""History on 1,000,000 observations (100,000 prospects x 10 weekly snapshots).

Goals, each measured beside the obvious pandas approach in the same run (best of a few
alternating rounds, wall time, reading the folder included):

- ``versions()`` under 2 s and at least 3x faster than ``pd.read_parquet`` of the folder,
  ``sort_values``, ``shift`` and compare;
- ``as_of()`` under 1 s and at least 3x faster than ``pd.read_parquet``, filter, sort and
  ``drop_duplicates(keep="last")``;
- appending a run of 100,000 records under 1 s (against writing the same frame with
  ``DataFrame.to_parquet``, which is neither crash-safe nor hashed).

The prospects are distinct (``bench_frame.make_records``); each week about 5% of them change
status, as a portfolio does. Run: ``python -m bench history``.
"""

from __future__ import annotations

import gc
import random
import shutil
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import knock_data as kd
from bench.bench_frame import make_records
from knock_data._history.columns import COMPARED_COLUMNS

N_PROSPECTS = 100_000
SNAPSHOTS = 10
WEEKLY_CHANGE = 0.05
ROUNDS = 3
START = datetime(2021, 11, 2, tzinfo=UTC)
STATUSES = ("open", "booked", "visited", "applied_in_review", "applied_leased", "lost")


def _best(fn: Callable[[], Any], times: list[float]) -> Any:
    gc.collect()
    start = time.perf_counter()
    out = fn()
    times.append(time.perf_counter() - start)
    return out


def build(folder: Path) -> tuple[kd.History, list[float], list[float]]:
    """The history, the append times, and the times of ``to_parquet`` of the same frames."""
    records = make_records(N_PROSPECTS)
    rng = random.Random(10)
    history = kd.History(folder / "history")
    appends: list[float] = []
    plain: list[float] = []
    for week in range(SNAPSHOTS):
        if week:
            for i in rng.sample(range(N_PROSPECTS), int(N_PROSPECTS * WEEKLY_CHANGE)):
                records[i] = dict(records[i], status=rng.choice(STATUSES))
        moment = START + timedelta(weeks=week)
        plain_file = folder / f"plain-{week}.parquet"

        def append() -> str:
            return history.append(records, observed_at=moment)  # noqa: B023 - called at once

        def write_plain() -> None:
            kd.to_frame(records).to_parquet(plain_file)  # noqa: B023 - called at once

        _best(append, appends)
        _best(write_plain, plain)
    return history, appends, plain


def pandas_versions(path: Path) -> pd.DataFrame:
    """The obvious approach: read everything, sort, shift and compare."""
    df = pd.read_parquet(path)
    df = df.sort_values(["prospect_id", "observed_at"], ignore_index=True)
    compared = df[[*COMPARED_COLUMNS, "gone"]].astype(object)
    previous = compared.shift()
    new_prospect = df["prospect_id"] != df["prospect_id"].shift()
    same = (compared == previous) | (compared.isna() & previous.isna())
    start = new_prospect | ~same.all(axis=1)
    version = start.cumsum()
    starts = df[start].copy()
    starts["valid_from"] = starts["observed_at"]
    starts["last_observed_at"] = df.groupby(version)["observed_at"].max().to_numpy()
    following = starts["prospect_id"].shift(-1) == starts["prospect_id"]
    starts["valid_to"] = starts["valid_from"].shift(-1).where(following)
    changed_after = df["observed_at"].shift().where(~new_prospect)
    starts["changed_after"] = changed_after[start].to_numpy()
    return starts


def pandas_as_of(path: Path, moment: datetime) -> pd.DataFrame:
    """The obvious approach: read everything, filter, sort, keep each prospect's last row."""
    df = pd.read_parquet(path)
    df = df[df["observed_at"] <= pd.Timestamp(moment)]
    df = df.sort_values("observed_at").drop_duplicates("prospect_id", keep="last")
    return df[~df["gone"]].sort_values("prospect_id")


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="knock-bench-history-"))
    try:
        history, appends, plain = build(folder)
        moment = START + timedelta(weeks=SNAPSHOTS // 2, days=3)
        ours_v: list[float] = []
        theirs_v: list[float] = []
        ours_a: list[float] = []
        theirs_a: list[float] = []
        for _ in range(ROUNDS):
            versions = _best(lambda: kd.History(history.path).versions(), ours_v)
            baseline = _best(lambda: pandas_versions(history.path), theirs_v)
            known = _best(lambda: kd.History(history.path).as_of(moment), ours_a)
            baseline_as_of = _best(lambda: pandas_as_of(history.path, moment), theirs_a)
        assert len(versions) == len(baseline), (len(versions), len(baseline))
        assert np.array_equal(
            versions["valid_from"].to_numpy(), baseline["valid_from"].to_numpy()
        ), "the two versions disagree"
        assert known["prospect_id"].tolist() == baseline_as_of["prospect_id"].tolist()

        n = history.info().observations
        size = sum(p.stat().st_size for p in history.path.rglob("*.parquet")) / 1e6
        print(f"{n:,} observations ({N_PROSPECTS:,} prospects x {SNAPSHOTS}), {size:.0f} MB")
        print(f"  versions(): {len(versions):,} versions")
        _report("versions()", min(ours_v), "read_parquet+sort+shift", min(theirs_v), 2.0)
        _report("as_of()", min(ours_a), "read_parquet+sort+drop_dup", min(theirs_a), 1.0)
        print(
            f"  append 100,000 records: best {min(appends):.2f} s, median "
            f"{float(np.median(appends)):.2f} s (goal < 1 s); to_frame + to_parquet of the same "
            f"records {float(np.median(plain)):.2f} s"
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _report(name: str, ours: float, their_name: str, theirs: float, goal: float) -> None:
    ratio = theirs / ours
    verdict = "meets" if ours < goal and ratio >= 3 else "MISSES"
    print(
        f"  {name:<11} {ours:6.2f} s   {their_name} {theirs:6.2f} s   {ratio:4.1f}x "
        f"({verdict} < {goal:g} s and >= 3x)"
    )


if __name__ == "__main__":
    main()
