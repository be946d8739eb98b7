"""The movement analyses on 1,000,000 version rows, beside the obvious pandas approach.

Goal: each function under a second on a million rows of a history's versions frame
(about 320,000 prospects, three versions each on average, two years of weekly snapshots);
the functions that read ``stage_dates`` take its output for those prospects, and ``aging``
takes the million rows as a prospect frame. The frame is
built with numpy in the history's dtypes: distinct prospects whose versions follow real
paths through Knock's statuses (leases, tours that end lost, no-shows rebooked, leads that
never move), observed at weekly snapshots, 0.5% of them gone at the end. Each function runs
against what an analyst would write with pandas (``groupby``, ``merge_asof``,
``crosstab``, ``pd.cut``), and both must give the same numbers first. Figures are the best
of a few runs in one process: the ratio matters more than the absolute time.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
import pandas as pd

import knock_data as kd

N_ROWS = 1_000_000
N_PROSPECTS = 330_000  # drawn; cut at the prospect holding the millionth row
REPEAT = 3
BUDGET_S = 1.0
WEEK = np.timedelta64(7 * 86_400_000_000, "us")
START = np.datetime64("2024-01-01T12:00:00", "us")
N_SNAPSHOTS = 104

# Paths a lead takes through the statuses, with how often: a prospect follows the first k
# steps of one of them (k drawn below), one version per step.
PATHS: list[tuple[float, tuple[str, ...]]] = [
    (22, ("new", "open", "lost")),
    (14, ("new", "open", "booked", "visited", "applied_in_review", "applied_leased")),
    (10, ("new", "open", "waiting", "booked", "visited", "lost")),
    (8, ("new", "open", "booked", "no_show", "booked", "visited", "applied_in_review")),
    (6, ("new", "booked", "canceled_renter", "lost")),
    (5, ("visited", "applied_in_review", "applied_lost")),
    (12, ("new", "open")),
    (8, ("new",)),
    (7, ("open", "booked", "visited", "applied_in_review", "applied_leased")),
    (8, ("new", "open", "waiting", "lost", "open", "booked", "visited")),
]
STATUSES = sorted({status for _, path in PATHS for status in path})


def categorical(codes: np.ndarray, names: list[str]) -> pd.Series:
    values = pd.Categorical.from_codes(
        np.asarray(codes, dtype=np.int64), categories=pd.Index(names)
    )
    return pd.Series(values)


def utc(values: np.ndarray) -> pd.Series:
    return pd.Series(pd.DatetimeIndex(values).tz_localize("UTC"))


def build_versions(n: int = N_PROSPECTS, seed: int = 3) -> pd.DataFrame:
    """A versions frame of ``n`` prospects, sorted by prospect then valid_from."""
    rng = np.random.default_rng(seed)
    weights = np.array([w for w, _ in PATHS])
    path_of = rng.choice(len(PATHS), size=n, p=weights / weights.sum())
    lengths = np.array([len(path) for _, path in PATHS])[path_of]
    k = np.minimum(lengths, 1 + rng.poisson(3.2, size=n))  # versions seen of the path
    first = rng.integers(0, N_SNAPSHOTS - 8, size=n)  # first snapshot showing the prospect
    rows = int(k.sum())
    prospect = np.repeat(np.arange(n), k)
    step = np.arange(rows) - np.repeat(np.cumsum(k) - k, k)  # 0..k-1 within a prospect
    # Versions at increasing snapshots: gaps of 1 to 6 weeks, never past the last one.
    gaps = np.where(step == 0, 0, rng.integers(1, 7, size=rows))
    snap = np.repeat(first, k) + np.cumsum(gaps) - np.repeat(np.cumsum(gaps)[np.cumsum(k) - k], k)
    over = snap >= N_SNAPSHOTS
    # Cut each prospect's versions at the last snapshot.
    keep = ~over
    prospect, step, snap = prospect[keep], step[keep], snap[keep]
    status_table = np.array([[*path, *[""] * (8 - len(path))] for _, path in PATHS])
    status = status_table[path_of[prospect], step]
    last_row = np.r_[prospect[1:] != prospect[:-1], True]
    next_snap = np.r_[snap[1:], N_SNAPSHOTS]
    last_seen = np.where(last_row, N_SNAPSHOTS - 1, next_snap - 1)
    gone = last_row & (rng.random(len(prospect)) < 0.005) & (step > 0)
    valid_from = START + snap * WEEK
    valid_to = np.where(last_row, np.datetime64("NaT", "us"), START + next_snap * WEEK)
    previous_last = np.r_[np.datetime64("NaT", "us"), START + last_seen[:-1] * WEEK]
    changed_after = np.where(step == 0, np.datetime64("NaT", "us"), previous_last)
    created = (
        START
        + first * WEEK
        - rng.integers(0, 7 * 86_400, size=n).astype("timedelta64[s]").astype("timedelta64[us]")
    )
    sources = [f"Source {i:02d}" for i in range(40)]
    source_weights = 1 / np.arange(1, 41)
    source = rng.choice(40, size=n, p=source_weights / source_weights.sum())[prospect]
    ids = np.char.zfill((10_000_000 + np.arange(n)).astype(str), 8)[prospect]
    frame = pd.DataFrame(
        {
            "prospect_id": pd.array(ids, dtype="string"),
            "community_id": categorical((prospect * 7 // n) % 7, [f"{i:016x}" for i in range(7)]),
            "agent_username": categorical(
                rng.integers(0, 50, size=n)[prospect], [f"agent-{i}" for i in range(50)]
            ),
            "source_title": categorical(source, sources),
            "is_deleted": pd.array(np.zeros(len(prospect), bool), dtype="boolean"),
            "not_prospect": pd.array(np.zeros(len(prospect), bool), dtype="boolean"),
            "created_at": utc(created[prospect]),
            "updated_at": utc(valid_from),
            "first_contact_type": categorical(
                rng.integers(0, 3, size=n)[prospect], ["form", "call", "walk-in"]
            ),
            "status": pd.Categorical(status, categories=STATUSES),
            "valid_from": utc(valid_from),
            "valid_to": utc(valid_to),
            "changed_after": utc(changed_after),
            "last_observed_at": utc(START + last_seen * WEEK),
            "gone": pd.array(gone, dtype="boolean"),
        }
    )
    frame.loc[gone, ["status", "source_title", "is_deleted", "not_prospect"]] = None
    if len(frame) > N_ROWS:  # whole prospects up to the one holding the millionth row
        last = prospect[N_ROWS - 1]
        frame = frame.iloc[: int(np.searchsorted(prospect, last, side="right"))]
    return frame


def best(fn: Callable[[], object]) -> float:
    times = []
    for _ in range(REPEAT):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


# -- the obvious pandas, written as an analyst would -------------------------------------

RANK = {s: 0 for s in STATUSES}
for _stage_index, _stage in enumerate(["lead", "engaged", "toured", "applied", "leased"]):
    for _status in kd.DEFAULT_STAGES[_stage]:
        RANK[_status] = _stage_index
LADDER = ["lead", "engaged", "toured", "applied", "leased"]


def pandas_stage_dates(v: pd.DataFrame) -> pd.DataFrame:
    ranked = v.assign(rank=v["status"].map(RANK).astype(float).fillna(-1))
    out = ranked.groupby("prospect_id", sort=False).agg(
        created_at=("created_at", "first"), last_observed_at=("last_observed_at", "max")
    )
    for k, stage in enumerate(LADDER[1:], start=1):
        hits = ranked[ranked["rank"] >= k].groupby("prospect_id", sort=False).head(1)
        hits = hits.set_index("prospect_id")
        out[f"{stage}_by"] = hits["valid_from"]
        out[f"{stage}_after"] = hits["changed_after"].fillna(hits["created_at"])
    return out


def pandas_as_of(v: pd.DataFrame, moment: pd.Timestamp) -> pd.DataFrame:
    wanted = pd.DataFrame({"prospect_id": v["prospect_id"].unique(), "at": moment})
    return pd.merge_asof(
        wanted.sort_values("at"),
        v.sort_values("valid_from"),
        left_on="at",
        right_on="valid_from",
        by="prospect_id",
    )


def pandas_transitions(v: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    stage_of = {s: stage for stage, statuses in kd.DEFAULT_STAGES.items() for s in statuses}
    before, after = pandas_as_of(v, start), pandas_as_of(v, end)
    both = before.merge(after, on="prospect_id", suffixes=("_start", "_end"))
    origin = (
        both["status_start"]
        .map(stage_of)
        .astype(object)
        .where(both["valid_from_start"].notna(), "(created)")
    )
    target = (
        both["status_end"]
        .map(stage_of)
        .astype(object)
        .where(~both["gone_end"].fillna(False).astype(bool), "(gone)")
    )
    kept = both["valid_from_end"].notna()
    return pd.crosstab(origin[kept], target[kept])


def pandas_waterfall(v: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> dict[str, int]:
    before, after = pandas_as_of(v, start), pandas_as_of(v, end)
    both = before.merge(after, on="prospect_id", suffixes=("_start", "_end"))
    closed = {"applied_leased", "applied_lost", "lost"}
    seen = both["valid_from_start"].notna()
    open_start = seen & ~both["status_start"].isin(closed) & ~both["gone_start"].fillna(False)
    known = both["valid_from_end"].notna()
    open_end = known & ~both["status_end"].isin(closed) & ~both["gone_end"].fillna(False)
    leaving = (open_start | (~seen & known)) & ~open_end
    return {
        "open at start": int(open_start.sum()),
        "new leads": int((~seen & known & (both["created_at_end"] > start)).sum()),
        "leased": int((leaving & (both["status_end"] == "applied_leased")).sum()),
        "open at end": int(open_end.sum()),
    }


def pandas_cohorts(sd: pd.DataFrame, days: int) -> pd.DataFrame:
    cohort = sd["created_at"].dt.tz_localize(None).dt.to_period("M")
    deadline = sd["created_at"] + pd.Timedelta(days=days)
    columns = {}
    for stage in LADDER[1:]:
        moment = sd[f"{stage}_after"] + (sd[f"{stage}_by"] - sd[f"{stage}_after"]) / 2
        columns[stage] = moment <= deadline
    return pd.DataFrame(columns).groupby(cohort).mean()


def pandas_kaplan_meier(sd: pd.DataFrame, stage: str) -> pd.Series:
    reached = sd[f"{stage}_by"].notna()
    moment = sd[f"{stage}_after"] + (sd[f"{stage}_by"] - sd[f"{stage}_after"]) / 2
    end = moment.where(reached, sd["last_observed_at"])
    days = (end - sd["created_at"]).dt.total_seconds() / 86_400
    table = (
        pd.DataFrame({"days": days, "event": reached})
        .groupby("days")["event"]
        .agg(["sum", "count"])
    )
    at_risk = table["count"][::-1].cumsum()[::-1]
    return (1 - table["sum"] / at_risk).cumprod()


def pandas_aging(frame: pd.DataFrame, now: pd.Timestamp) -> pd.DataFrame:
    open_leads = frame[~frame["status"].isin(["applied_leased", "applied_lost", "lost"])]
    idle = (now - open_leads["updated_at"].fillna(open_leads["created_at"])).dt.days
    bucket = pd.cut(idle, [-np.inf, 7, 14, 30, 60, np.inf], right=False)
    return pd.crosstab(open_leads["status"], bucket)


def main() -> None:
    start_time = time.perf_counter()
    v = build_versions()
    assert len(v) >= N_ROWS
    print(
        f"{len(v):,} version rows of {v['prospect_id'].nunique():,} prospects built in "
        f"{time.perf_counter() - start_time:.1f} s ({v.memory_usage(deep=True).sum() / 1e6:.0f} MB)"
    )
    start = pd.Timestamp(START + 60 * WEEK).tz_localize("UTC")
    end = pd.Timestamp(START + 90 * WEEK).tz_localize("UTC")
    now = pd.Timestamp(START + (N_SNAPSHOTS - 1) * WEEK).tz_localize("UTC")
    sd = kd.stage_dates(v)
    frame = v  # a million rows of prospect columns: aging needs no history

    # The same numbers as pandas before comparing speed.
    plain = pandas_stage_dates(v)
    ours = sd.set_index("prospect_id")
    for stage in LADDER[1:]:
        assert ours[f"{stage}_by"].equals(plain[f"{stage}_by"].reindex(ours.index)), stage
    grid = kd.transitions(v, start, end)
    crosstab = pandas_transitions(v, start, end)
    for origin in crosstab.index:
        for target in crosstab.columns:
            assert grid.loc[origin, target] == crosstab.loc[origin, target], (origin, target)
    steps = kd.waterfall(v, start, end).set_index("step")["count"]
    for step, n in pandas_waterfall(v, start, end).items():
        assert abs(int(steps[step])) == n, step
    km = kd.time_to_stage(sd, "toured")
    plain_km = pandas_kaplan_meier(sd, "toured")
    for day in (3, 7, 14, 30, 90, 365):  # the curves, read at a few days
        ours_s = 1 - km.loc[km["days"] <= day, "share_reached"].iloc[-1]
        assert abs(ours_s - plain_km[plain_km.index <= day].iloc[-1]) < 1e-9, day

    cases: list[tuple[str, Callable[[], object], str, Callable[[], object]]] = [
        ("stage_dates", lambda: kd.stage_dates(v),
         "groupby.head(1) per stage", lambda: pandas_stage_dates(v)),
        ("transitions", lambda: kd.transitions(v, start, end),
         "merge_asof x2 + crosstab", lambda: pandas_transitions(v, start, end)),
        ("transitions(level=status)", lambda: kd.transitions(v, start, end, level="status"),
         "merge_asof x2 + crosstab", lambda: pandas_transitions(v, start, end)),
        ("waterfall", lambda: kd.waterfall(v, start, end),
         "merge_asof x2 + masks", lambda: pandas_waterfall(v, start, end)),
        ("cohort_conversion(within=30)", lambda: kd.cohort_conversion(sd, within=30),
         "midpoints + groupby(month).mean", lambda: pandas_cohorts(sd, 30)),
        ("cohort_conversion(frame)", lambda: kd.cohort_conversion(frame),
         "map(stage) + groupby(month)", lambda: pd.crosstab(
             frame["created_at"].dt.tz_localize(None).dt.to_period("M"),
             frame["status"].map(RANK))),
        ("time_to_stage", lambda: kd.time_to_stage(sd, "toured"),
         "groupby(days) + cumprod", lambda: pandas_kaplan_meier(sd, "toured")),
        ("time_to_stage(by=source)", lambda: kd.time_to_stage(sd, "toured", by="source_title"),
         "groupby(days) + cumprod per source", lambda: [
             pandas_kaplan_meier(group, "toured") for _, group in sd.groupby("source_title",
                                                                              observed=True)]),
        ("aging", lambda: kd.aging(frame, now=now),
         "pd.cut + crosstab", lambda: pandas_aging(frame, now)),
    ]  # fmt: skip

    print(f"{'knock-data':30} {'time':>8}   {'pandas':36} {'time':>8}   ratio")
    slow = []
    for name, ours_fn, plain_name, plain_fn in cases:
        ours_s = best(ours_fn)
        plain_s = best(plain_fn)
        ratio = plain_s / ours_s
        said = f"{ratio:5.1f}x faster" if ratio >= 1 else f"{1 / ratio:5.1f}x slower"
        print(
            f"{name:30} {ours_s * 1000:7.0f}ms   {plain_name:36} {plain_s * 1000:7.0f}ms   {said}"
        )
        if ours_s >= BUDGET_S:
            slow.append(name)
    print("all under 1 s" if not slow else f"OVER BUDGET: {', '.join(slow)}")


if __name__ == "__main__":
    main()
