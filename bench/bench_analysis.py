"""Breakdowns and the funnel on 1,000,000 rows, side by side with the pandas one-liners.

The frame is built directly with numpy in the dtypes ``to_frame`` produces (categorical
text, nullable booleans, UTC timestamps), with statuses, sources and consent drawn in the
sandbox's proportions and 40 lead sources. Each function runs against the plain pandas
expression an analyst would write; the figures are the best of a few runs, measured in the
same process, so the ratio matters more than the absolute time.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
import pandas as pd

from knock_data import (
    DEFAULT_STAGES,
    consent_breakdown,
    funnel,
    leads_over_time,
    normalize_status,
    source_breakdown,
    status_breakdown,
)

N_ROWS = 1_000_000
REPEAT = 3
BUDGET_S = 1.0  # "well under a second" on one core

STATUSES = {
    "new": 9, "open": 12, "waiting": 9, "booked": 6, "canceled_manager": 2,
    "canceled_renter": 5, "no_show": 7, "lost": 24, "visited": 12,
    "applied_in_review": 2.5, "applied_leased": 8.4, "applied_lost": 3.1,
}  # fmt: skip


# Each of the seven communities' time zone.
ZONES = [
    "America/Chicago",
    "America/Denver",
    "America/Phoenix",
    "America/New_York",
    "America/Los_Angeles",
    "America/New_York",
    "America/Chicago",
]


def by_community_time(df: pd.DataFrame) -> pd.Series:
    """The obvious way to count weeks in each row's own zone: one resample per zone."""
    parts = [
        rows.set_index(rows["created_at"].dt.tz_convert(str(zone)).dt.tz_localize(None))
        .resample("W-SUN")
        .size()
        for zone, rows in df.groupby("community_timezone", observed=True)
    ]
    return pd.concat(parts).groupby(level=0).sum()


def build_frame(n: int = N_ROWS, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    names = list(STATUSES)
    weights = np.array(list(STATUSES.values()))
    status = pd.Categorical.from_codes(
        rng.choice(len(names), size=n, p=weights / weights.sum()), categories=pd.Index(names)
    )
    sources = [f"Source {i:02d}" for i in range(40)]
    source_weights = 1 / np.arange(1, 41)
    source_codes = rng.choice(40, size=n, p=source_weights / source_weights.sum())
    source_codes[rng.random(n) < 0.04] = -1  # missing source
    source = pd.Categorical.from_codes(source_codes, categories=pd.Index(sources))
    consent = pd.arrays.BooleanArray(rng.random(n) < 0.5, mask=rng.random(n) < 0.05)
    communities = [f"{i:016x}" for i in range(7)]
    community_codes = rng.integers(0, 7, size=n)
    community = pd.Categorical.from_codes(community_codes, categories=pd.Index(communities))
    zones = pd.Categorical(np.array(ZONES)[community_codes])
    start = pd.Timestamp("2025-08-01", tz="UTC").value // 1000
    span_us = 456 * 86_400 * 1_000_000
    created = pd.to_datetime(start + rng.integers(0, span_us, size=n), unit="us", utc=True)
    return pd.DataFrame(
        {
            "community_id": community,
            "community_timezone": zones,  # as with_names adds it from a naming table
            "source_title": source,
            "sms_consent": consent,
            "is_deleted": pd.arrays.BooleanArray(rng.random(n) < 0.015, mask=np.zeros(n, bool)),
            "not_prospect": pd.arrays.BooleanArray(rng.random(n) < 0.03, mask=np.zeros(n, bool)),
            "created_at": created,
            "status": status,
        }
    )


def best(fn: Callable[[], object]) -> float:
    times = []
    for _ in range(REPEAT):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    start = time.perf_counter()
    df = build_frame()
    print(f"{N_ROWS:,} rows built in {time.perf_counter() - start:.2f} s "
          f"({df.memory_usage(deep=True).sum() / 1e6:.0f} MB)")  # fmt: skip
    as_text = df.assign(
        status=df["status"].astype("string"), source_title=df["source_title"].astype("string")
    )
    stage_of = {s: stage for stage, statuses in DEFAULT_STAGES.items() for s in statuses}

    def plain_funnel(frame: pd.DataFrame) -> object:
        # The hand-written funnel: map each status to its stage, count, cumulate.
        def stage(status: object) -> str:
            return stage_of.get(normalize_status(status) or "", "other")

        return frame["status"].map(stage).value_counts()

    cases: list[tuple[str, Callable[[], object], str, Callable[[], object]]] = [
        ("status_breakdown", lambda: status_breakdown(df),
         "status.value_counts(normalize)", lambda: df["status"].value_counts(normalize=True)),
        ("status_breakdown (text col)", lambda: status_breakdown(as_text),
         "status.value_counts(normalize)", lambda: as_text["status"].value_counts(normalize=True)),
        ("source_breakdown", lambda: source_breakdown(df),
         "value_counts(dropna=False)",
         lambda: df["source_title"].value_counts(dropna=False, normalize=True)),
        ("consent_breakdown", lambda: consent_breakdown(df),
         "value_counts(dropna=False)",
         lambda: df["sms_consent"].value_counts(dropna=False, normalize=True)),
        ("status_breakdown(by=community)",
         lambda: status_breakdown(df, by="community_id"),
         "crosstab(normalize=index)",
         lambda: pd.crosstab(df["community_id"], df["status"], normalize="index")),
        ("source_breakdown(by=month)", lambda: source_breakdown(df, by="month"),
         "crosstab(month, source)",
         lambda: pd.crosstab(
             df["created_at"].dt.tz_localize(None).dt.to_period("M"), df["source_title"]
         )),
        ("funnel", lambda: funnel(df),
         "status.map(stage).value_counts", lambda: plain_funnel(df)),
        ("funnel(by=source)", lambda: funnel(df, by="source_title"),
         "crosstab(source, stage)",
         lambda: pd.crosstab(df["source_title"], df["status"].map(stage_of))),
        ("leads_over_time(W)", lambda: leads_over_time(df, "W"),
         "resample('W').size()",
         lambda: df.set_index("created_at").resample("W-SUN").size()),
        ("leads_over_time(W, tz)", lambda: leads_over_time(df, "W", tz="America/Chicago"),
         "tz_convert + resample",
         lambda: df.set_index(df["created_at"].dt.tz_convert("America/Chicago"))
         .resample("W-SUN").size()),
        ("leads_over_time(W, 'community')", lambda: leads_over_time(df, "W", tz="community"),
         "per zone: tz_convert + resample", lambda: by_community_time(df)),
    ]  # fmt: skip

    # Same numbers as pandas before comparing speed.
    counts = status_breakdown(df).set_index("status")["count"]
    assert counts.to_dict() == df["status"].value_counts().to_dict()
    by_source = source_breakdown(df).set_index("source_title")["count"]
    assert int(by_source.iloc[-1]) == int(df["source_title"].isna().sum())
    crosstab = pd.crosstab(df["community_id"], df["status"])
    table = status_breakdown(df, by="community_id")
    assert table["count"].sum() == crosstab.to_numpy().sum() == N_ROWS
    weekly = leads_over_time(df, "W")["leads"]
    assert weekly.to_numpy().tolist() == (
        df.set_index("created_at").resample("W-SUN").size().to_numpy().tolist()
    )

    local = leads_over_time(df, "W", tz="community")["leads"]
    assert local.to_numpy().tolist() == by_community_time(df).to_numpy().tolist()

    print(f"{'knock-data':32} {'time':>8}   {'pandas one-liner':32} {'time':>8}   ratio")
    slow = []
    for name, ours, plain_name, plain in cases:
        ours_s = best(ours)
        plain_s = best(plain)
        print(
            f"{name:32} {ours_s * 1000:7.0f}ms   {plain_name:32} {plain_s * 1000:7.0f}ms"
            f"   {ours_s / plain_s:5.2f}x"
        )
        if ours_s >= BUDGET_S:
            slow.append(name)
    print("all under 1 s" if not slow else f"OVER BUDGET: {', '.join(slow)}")
