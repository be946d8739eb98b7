"""The comparisons on 1,000,000 rows, side by side with the pandas groupby an analyst would write.

The frame is ``bench_analysis``' million prospects (the sandbox's statuses and sources, 40
sources, seven communities, 456 days) plus what the comparisons read, in ``to_frame``'s
dtypes: 120 agents, bedrooms and pets as comma-joined text, budgets and move dates, and an
email and a phone for every row, distinct except for 2% of people written twice (another
case, another phone format). The stage-dates frame is one row per prospect with the tour
and lease intervals a weekly refresh would give. Each function runs against the plain
pandas expression in the same process, after checking that both give the same numbers;
the figures are the best of a few runs, so the ratio matters more than the absolute time.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
import pandas as pd

from bench.bench_analysis import best, build_frame
from knock_data import (
    DEFAULT_STAGES,
    compare_conversion,
    compare_periods,
    demand_breakdown,
    funnel_table,
    possible_duplicates,
    source_roi,
)

N_ROWS = 1_000_000
BUDGET_S = 1.0
DAY_US = 86_400 * 1_000_000

BEDROOMS = ["STUDIO", "1_BEDROOM", "2_BEDROOMS", "3_OR_MORE_BEDROOMS"]
PETS = ["dog", "cat", "bird", "none"]


def _choices(rng: np.random.Generator, names: list[str], n: int, given: float) -> pd.Series:
    """Comma-joined picks of one or two names, missing for the rest."""
    combos = [*names, *(f"{a}, {b}" for i, a in enumerate(names) for b in names[i + 1 :])]
    weights = np.array([4.0] * len(names) + [1.0] * (len(combos) - len(names)))
    codes = rng.choice(len(combos), size=n, p=weights / weights.sum())
    codes[rng.random(n) >= given] = -1
    text = np.asarray(pd.Categorical.from_codes(codes, categories=pd.Index(combos)), dtype=object)
    return pd.Series(pd.array(text, dtype="string[pyarrow]"))


def _people(rng: np.random.Generator, n: int) -> tuple[pd.Series, pd.Series]:
    """A distinct email and phone per row, 2% of rows being someone else written again."""
    person = np.arange(n)
    again = rng.random(n) < 0.02
    person[again] = rng.integers(0, n, size=int(again.sum()))
    emails = np.array([f"renter{p}@example.com" for p in person], dtype=object)
    shouted = again & (rng.random(n) < 0.5)
    emails[shouted] = [e.upper() for e in emails[shouted]]
    emails[rng.random(n) < 0.08] = None
    digits = 2_000_000_000 + person
    phones = np.array([f"+1{d}" for d in digits], dtype=object)
    dotted = again & ~shouted
    phones[dotted] = [
        f"({d // 10**7}) {d // 10**4 % 1000:03d}-{d % 10**4:04d}" for d in digits[dotted]
    ]
    phones[rng.random(n) < 0.1] = None
    return (
        pd.Series(pd.array(emails, dtype="string[pyarrow]")),
        pd.Series(pd.array(phones, dtype="string[pyarrow]")),
    )


def build_comparison_frame(n: int = N_ROWS, seed: int = 2) -> pd.DataFrame:
    df = build_frame(n)
    rng = np.random.default_rng(seed)
    agents = [f"{i:08x}-agent" for i in range(120)]
    codes = rng.integers(0, len(agents), size=n)
    codes[rng.random(n) < 0.05] = -1
    df["agent_username"] = pd.Categorical.from_codes(codes, categories=pd.Index(agents))
    df["bedrooms"] = _choices(rng, BEDROOMS, n, 0.55)
    df["pets"] = _choices(rng, PETS, n, 0.4)
    budget = rng.integers(9, 40, size=n) * 100.0
    df["max_budget"] = pd.arrays.FloatingArray(budget, rng.random(n) >= 0.45)
    move = df["created_at"].dt.tz_localize(None).dt.normalize() + pd.to_timedelta(
        rng.integers(7, 200, size=n), unit="D"
    )
    df["move_date"] = move.where(rng.random(n) < 0.6).astype("datetime64[us]")
    df["email"], df["phone"] = _people(rng, n)
    return df


def build_stage_dates(df: pd.DataFrame, seed: int = 3) -> pd.DataFrame:
    """One row per prospect: tour and lease intervals as weekly snapshots would bound them."""
    rng = np.random.default_rng(seed)
    n = len(df)
    created = df["created_at"].to_numpy(dtype="datetime64[us]").astype(np.int64)
    end = pd.Timestamp("2026-11-01", tz="UTC").value // 1000
    status = df["status"].astype(str).to_numpy()
    leased = status == "applied_leased"
    toured = leased | np.isin(status, ["visited", "applied_in_review", "applied_lost"])
    columns: dict[str, object] = {
        "prospect_id": pd.array([str(i) for i in range(n)], dtype="string[pyarrow]"),
        "created_at": df["created_at"],
        "agent_username": df["agent_username"],
        "source_title": df["source_title"],
    }
    tour_at = created + rng.integers(1, 60, size=n) * DAY_US
    lease_at = tour_at + rng.integers(3, 45, size=n) * DAY_US
    for stage, reached, at in (("toured", toured, tour_at), ("leased", leased, lease_at)):
        seen = at + rng.integers(0, 7, size=n) * DAY_US  # the next weekly snapshot
        before = np.maximum(seen - 7 * DAY_US, created)
        for suffix, stamps in (("after", before), ("by", seen)):
            stamps = np.where(reached & (seen < end), stamps, np.iinfo(np.int64).min)
            columns[f"{stage}_{suffix}"] = pd.to_datetime(stamps, unit="us", utc=True)
    last = np.minimum(created + rng.integers(0, 400, size=n) * DAY_US, end)
    last = np.maximum(last, np.where(leased, lease_at + 7 * DAY_US, created))
    columns["last_observed_at"] = pd.to_datetime(last, unit="us", utc=True)
    return pd.DataFrame(columns)


def spend_table(df: pd.DataFrame) -> pd.DataFrame:
    months = pd.period_range("2025-08", "2026-10", freq="M")
    sources = [str(s) for s in df["source_title"].cat.categories[:30]]
    return pd.DataFrame(
        [(s, str(m), 100.0 * (i + 1)) for i, s in enumerate(sources) for m in months],
        columns=["source", "month", "cost"],
    )


def main() -> None:
    start = time.perf_counter()
    df = build_comparison_frame()
    dates = build_stage_dates(df)
    spend = spend_table(df)
    print(f"{N_ROWS:,} rows and stage dates built in {time.perf_counter() - start:.1f} s")
    stage_of = {s: stage for stage, statuses in DEFAULT_STAGES.items() for s in statuses}
    ladder = ["lead", "engaged", "toured", "applied", "leased"]
    rank = {stage: i for i, stage in enumerate(ladder)}

    def reached(frame: pd.DataFrame, stage: str) -> pd.Series:
        # The obvious way: map each status to its stage, compare positions on the ladder.
        position = frame["status"].map(stage_of).map(rank).astype(float).fillna(-1)
        return position >= rank[stage]

    def plain_conversion() -> pd.DataFrame:
        hit = reached(df, "leased")
        return hit.groupby(df["agent_username"], observed=True, dropna=False).agg(["size", "sum"])

    def plain_within() -> pd.DataFrame:
        # cohort_conversion's rule the obvious way: seen leased by day 30, or watched across
        # day 30 with the change's interval centred before it.
        deadline = dates["created_at"] + pd.Timedelta(days=30)
        by_at, after = dates["leased_by"], dates["leased_after"].fillna(dates["leased_by"])
        surely = by_at <= deadline
        watched = (dates["created_at"] <= deadline) & (dates["last_observed_at"] >= deadline)
        hit = surely | (watched & (after + (by_at - after) / 2 <= deadline))
        decided = surely | watched
        by = dates["agent_username"]
        return (
            pd.DataFrame({"hit": hit, "decided": decided})
            .groupby(by, observed=True, dropna=False)
            .sum()
        )

    def plain_funnel_table() -> pd.DataFrame:
        return pd.crosstab(df["source_title"], df["status"].map(stage_of)).cumsum(axis=1)

    def plain_periods() -> pd.DataFrame:
        month = df["created_at"].dt.tz_localize(None).dt.to_period("M")
        wide = df.groupby([df["source_title"], month], observed=True).size().unstack(fill_value=0)
        return pd.concat({"change": wide.diff(axis=1), "year": wide.diff(12, axis=1)}, axis=1)

    def plain_roi() -> pd.DataFrame:
        month = df["created_at"].dt.tz_localize(None).dt.to_period("M")
        counts = (
            pd.DataFrame({"toured": reached(df, "toured"), "leased": reached(df, "leased")})
            .groupby([df["source_title"].astype(str), month], observed=True)
            .agg(leads=("toured", "size"), toured=("toured", "sum"), leased=("leased", "sum"))
            .reset_index()
        )
        costs = spend.assign(month=pd.PeriodIndex(spend["month"], freq="M"))
        joined = counts.merge(
            costs, left_on=["source_title", "created_at"], right_on=["source", "month"],
            how="outer",
        )  # fmt: skip
        return joined.assign(cost_per_lead=joined["cost"] / joined["leads"])

    def plain_bedrooms() -> pd.Series:
        return df["bedrooms"].str.split(", ").explode().value_counts(dropna=False)

    def plain_budget() -> pd.Series:
        bins = [-np.inf, 1000, 1500, 2000, 2500, 3000, np.inf]
        return pd.cut(df["max_budget"], bins, right=False).value_counts(dropna=False)

    def plain_move() -> pd.Series:
        days = (df["move_date"] - df["created_at"].dt.tz_localize(None).dt.normalize()).dt.days
        return pd.cut(days, [-np.inf, 0, 14, 28, 56, 84, 182, np.inf], right=False).value_counts(
            dropna=False
        )

    def plain_duplicates() -> pd.DataFrame:
        email = df["email"].str.strip().str.lower()
        phone = df["phone"].str.replace(r"\D", "", regex=True).str[-10:]
        twice = (email.duplicated(keep=False) & email.notna()) | (
            phone.duplicated(keep=False) & phone.notna()
        )
        return df[twice]

    # Same numbers as pandas before comparing speed.
    ours = compare_conversion(df).set_index("agent_username")
    theirs = plain_conversion()
    assert ours["leads"].sum() == theirs["size"].sum() == N_ROWS
    assert ours["reached"].sum() == theirs["sum"].sum()
    within = compare_conversion(dates, within=30)
    plain = plain_within()
    assert within["reached"].sum() == plain["hit"].sum()
    assert within["leads"].sum() == plain["decided"].sum()
    wide = funnel_table(df, by="source_title").set_index("source_title")
    crosstab = plain_funnel_table()
    assert wide["leads"].drop(index=[np.nan], errors="ignore").sum() == crosstab.iloc[:, -1].sum()
    bedrooms = demand_breakdown(df, "bedrooms").set_index("bedrooms")["count"]
    exploded = plain_bedrooms()
    assert int(bedrooms.iloc[-1]) == int(exploded[exploded.index.isna()].iloc[0])
    assert int(bedrooms.iloc[:-1].sum()) == int(exploded[exploded.index.notna()].sum())
    found = possible_duplicates(df)
    assert len(found) >= len(plain_duplicates())  # chains find at least as many

    cases: list[tuple[str, Callable[[], object], str, Callable[[], object]]] = [
        ("compare_conversion(by=agent)", lambda: compare_conversion(df),
         "map(stage) + groupby.agg", plain_conversion),
        ("compare_conversion(within=30)", lambda: compare_conversion(dates, within=30),
         "deadline, midpoint + groupby.sum", plain_within),
        ("funnel_table(by=source)", lambda: funnel_table(df, by="source_title"),
         "crosstab(source, stage).cumsum", plain_funnel_table),
        ("compare_periods(M, by=source)", lambda: compare_periods(df, "M", by="source_title"),
         "groupby(source, month) + diff", plain_periods),
        ("source_roi", lambda: source_roi(df, spend),
         "groupby(source, month) + merge", plain_roi),
        ("demand_breakdown(bedrooms)", lambda: demand_breakdown(df, "bedrooms"),
         "str.split.explode.value_counts", plain_bedrooms),
        ("demand_breakdown(budget)", lambda: demand_breakdown(df, "budget"),
         "pd.cut(bins).value_counts", plain_budget),
        ("demand_breakdown(move_date)", lambda: demand_breakdown(df, "move_date"),
         "days + pd.cut.value_counts", plain_move),
        ("possible_duplicates", lambda: possible_duplicates(df),
         "str.lower/replace + duplicated", plain_duplicates),
    ]  # fmt: skip

    print(f"{'knock-data':32} {'time':>8}   {'pandas':32} {'time':>8}   ratio")
    slow = []
    for name, ours_fn, plain_name, plain_fn in cases:
        ours_s = best(ours_fn)
        plain_s = best(plain_fn)
        print(
            f"{name:32} {ours_s * 1000:7.0f}ms   {plain_name:32} {plain_s * 1000:7.0f}ms"
            f"   {ours_s / plain_s:5.2f}x"
        )
        if ours_s >= BUDGET_S:
            slow.append(name)
    print("all under 1 s" if not slow else f"OVER BUDGET: {', '.join(slow)}")
