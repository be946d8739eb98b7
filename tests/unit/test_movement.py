"""stage_dates, transitions and waterfall on versions frames written by hand.

Each versions frame comes from observations stated in the test (``observe``) through the
plain-pandas SCD-2 derivation in ``tests/history_frames.py``, so every expected number can
be checked by reading the stories.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import knock_data as kd
from tests.history_frames import observe, stacked, typed, versions_from_observations

T = [f"2021-11-{day:02d}T12:00:00Z" for day in (1, 8, 15, 22, 29)]  # weekly snapshots


def utc(text: str) -> pd.Timestamp:
    return pd.Timestamp(text).tz_convert("UTC")


def versions(stories, *, created, extra=None) -> pd.DataFrame:
    return versions_from_observations(observe(stories, created=created, extra=extra))


STORIES: dict[str, list[tuple[str, str | None]]] = {
    # new -> open -> visited -> leased, one step per snapshot
    "1": [(T[0], "new"), (T[1], "open"), (T[2], "visited"), (T[3], "applied_leased")],
    # first seen already visited, then lost
    "2": [(T[0], "visited"), (T[1], "visited"), (T[2], "lost"), (T[3], "lost")],
    # created after the first snapshot, booked later, then Knock stopped returning it
    "3": [(T[1], "new"), (T[2], "booked"), (T[3], None)],
}
CREATED = {"1": "2021-10-30T09:00:00Z", "2": "2021-10-20T09:00:00Z", "3": "2021-11-05T10:00:00Z"}


# -- stage_dates -----------------------------------------------------------------------------


def test_stage_dates_are_intervals_between_the_snapshots_around_each_change() -> None:
    dates = kd.stage_dates(versions(STORIES, created=CREATED)).set_index("prospect_id")

    one = dates.loc["1"]
    assert one["lead_after"] == one["lead_by"] == utc(CREATED["1"])
    assert (one["engaged_after"], one["engaged_by"]) == (utc(T[0]), utc(T[1]))
    assert (one["toured_after"], one["toured_by"]) == (utc(T[1]), utc(T[2]))
    # the lease reached applied and leased in the same step
    assert (one["applied_after"], one["applied_by"]) == (utc(T[2]), utc(T[3]))
    assert (one["leased_after"], one["leased_by"]) == (utc(T[2]), utc(T[3]))
    assert one["stage"] == "leased"
    assert one["status"] == "applied_leased"


def test_a_stage_already_shown_at_the_first_observation_starts_at_creation() -> None:
    dates = kd.stage_dates(versions(STORIES, created=CREATED)).set_index("prospect_id")
    two = dates.loc["2"]
    for stage in ("engaged", "toured"):
        assert (two[f"{stage}_after"], two[f"{stage}_by"]) == (utc(CREATED["2"]), utc(T[0]))
    # lost later does not undo the tour, and reaches nothing further
    assert two["applied_after"] is pd.NaT
    assert two["applied_by"] is pd.NaT
    assert two["stage"] == "lost"


def test_gone_prospects_keep_their_last_returned_record() -> None:
    dates = kd.stage_dates(versions(STORIES, created=CREATED)).set_index("prospect_id")
    three = dates.loc["3"]
    assert bool(three["gone"])
    assert three["status"] == "booked"
    assert three["source_title"] == "Zillow"
    assert three["last_observed_at"] == utc(T[3])
    assert three["first_observed_at"] == utc(T[1])
    assert (three["engaged_after"], three["engaged_by"]) == (utc(T[1]), utc(T[2]))
    assert not bool(dates.loc["1", "gone"])


def test_a_change_of_another_column_narrows_nothing_wrongly() -> None:
    # The source changes at T[1] (a second version), the status at T[2]: the change to
    # engaged happened after T[1], the last observation still showing new.
    obs = pd.concat(
        [
            observe({"9": [(T[0], "new")]}, created={"9": "2021-10-31T00:00:00Z"}),
            observe(
                {"9": [(T[1], "new"), (T[2], "open")]},
                created={"9": "2021-10-31T00:00:00Z"},
                extra={"9": {"source_title": "Zumper"}},
            ),
        ],
        ignore_index=True,
    )
    v = versions_from_observations(typed(obs))
    assert len(v) == 3
    row = kd.stage_dates(v).iloc[0]
    assert (row["engaged_after"], row["engaged_by"]) == (utc(T[1]), utc(T[2]))
    assert row["source_title"] == "Zumper"


def test_stage_dates_sorts_what_comes_unsorted() -> None:
    v = versions(STORIES, created=CREATED)
    shuffled = v.sample(frac=1.0, random_state=3)
    expected = kd.stage_dates(v)
    got = kd.stage_dates(shuffled).sort_values("prospect_id").reset_index(drop=True)
    pd.testing.assert_frame_equal(got, expected.sort_values("prospect_id").reset_index(drop=True))


def test_stage_dates_columns_are_what_other_analyses_read() -> None:
    dates = kd.stage_dates(versions(STORIES, created=CREATED))
    assert list(dates.columns[:4]) == [
        "prospect_id",
        "created_at",
        "first_observed_at",
        "last_observed_at",
    ]
    assert set(kd.DEFAULT_STAGES) - {"lost"} == set(dates.attrs["stages"])
    for stage in dates.attrs["stages"]:
        assert str(dates[f"{stage}_after"].dtype) == "datetime64[us, UTC]"
        assert str(dates[f"{stage}_by"].dtype) == "datetime64[us, UTC]"
    # the frame works with the prospect-frame functions too
    assert kd.is_closed(dates).tolist() == [True, True, False]
    assert len(kd.filter_prospects(dates, sources="Zillow")) == 3


def test_stage_dates_with_a_mapping_of_ones_own() -> None:
    mine = {"inquiry": ["new", "open"], "tour": ["visited"], "lease": ["applied_leased"]}
    dates = kd.stage_dates(versions(STORIES, created=CREATED), mine).set_index("prospect_id")
    assert dates.attrs["stages"] == ("inquiry", "tour", "lease")
    assert (dates.loc["1", "tour_after"], dates.loc["1", "tour_by"]) == (utc(T[1]), utc(T[2]))
    # booked is not in this mapping: prospect 3 stays at the first stage
    assert dates.loc["3", "tour_by"] is pd.NaT
    assert dates.loc["3", "stage"] == "other"


def test_a_prospect_frame_is_not_a_versions_frame() -> None:
    frame = typed(pd.DataFrame({"prospect_id": ["1"], "status": ["new"], "created_at": [T[0]]}))
    with pytest.raises(kd.ConfigurationError, match=r"versions frame.*valid_from") as info:
        kd.stage_dates(frame)
    assert "history.versions()" in str(info.value)


# -- transitions -----------------------------------------------------------------------------


def test_transitions_count_where_each_prospect_stood_at_both_moments() -> None:
    v = versions(STORIES, created=CREATED)
    table = kd.transitions(v, T[0], T[3])
    assert table.index.name == "from"
    assert table.columns.name == "to"
    assert table.loc["lead", "leased"] == 1  # prospect 1
    assert table.loc["toured", "lost"] == 1  # prospect 2
    assert table.loc["(created)", "(gone)"] == 1  # prospect 3
    assert int(table.to_numpy().sum()) == 3
    stages = ["lead", "engaged", "toured", "applied", "leased", "lost"]
    assert list(table.index) == [*stages, "(created)"]
    assert list(table.columns)[-1] == "(gone)"
    assert table.attrs["prospects"] == 3
    assert table.attrs["start"] == utc(T[0])


def test_a_transitions_report_table_names_its_stages_and_statuses() -> None:
    v = versions(STORIES, created=CREATED)
    stages = kd.report_table(kd.transitions(v, T[0], T[3]))
    assert list(stages.columns[:3]) == ["From", "Lead", "Engaged"]
    assert stages["From"].tolist()[-1] == "(created)"
    assert list(stages.columns)[-1] == "(gone)"
    statuses = kd.report_table(kd.transitions(v, T[0], T[3], level="status"))
    assert "Applied (Leased)" in statuses.columns
    assert "New" in statuses["From"].tolist()


def test_transitions_between_moments_that_are_not_snapshots_use_the_latest_before() -> None:
    v = versions(STORIES, created=CREATED)
    table = kd.transitions(v, "2021-11-10", "2021-11-16", level="status")
    # at Nov 10 prospect 1 was open (seen Nov 8), prospect 2 visited, 3 new
    assert table.loc["open", "visited"] == 1
    assert table.loc["visited", "lost"] == 1
    assert table.loc["new", "booked"] == 1
    # On Nov 10 all three stood where Nov 8 (or Nov 1) showed them, and each had changed by
    # Nov 15: none was confirmed. On Nov 16, prospect 2 was seen lost again on Nov 22; the
    # others had changed (visited to leased, booked to gone) by then.
    assert table.attrs["unconfirmed_start"] == 3
    assert table.attrs["unconfirmed_end"] == 2
    confirmed = kd.transitions(v, T[1], T[2], level="status")
    assert confirmed.attrs["unconfirmed_start"] == confirmed.attrs["unconfirmed_end"] == 0


def test_a_prospect_not_observed_since_is_counted_as_unconfirmed() -> None:
    stories = {"1": [(T[0], "new"), (T[1], "open")], "2": [(T[0], "new"), (T[3], "new")]}
    created = {"1": "2021-10-01T00:00:00Z", "2": "2021-10-01T00:00:00Z"}
    table = kd.transitions(versions(stories, created=created), T[0], T[3])
    assert table.loc["lead", "engaged"] == 1
    assert table.loc["lead", "lead"] == 1
    assert table.attrs["unconfirmed_end"] == 1  # prospect 1: last seen at T[1]
    assert table.attrs["unconfirmed_start"] == 0


def test_an_id_added_to_the_list_later_is_not_seen_not_created() -> None:
    stories = {"1": [(T[0], "new")], "2": [(T[2], "open")]}
    created = {"1": "2021-10-01T00:00:00Z", "2": "2021-10-01T00:00:00Z"}
    table = kd.transitions(versions(stories, created=created), T[1], T[3])
    assert table.loc["(not seen)", "engaged"] == 1
    assert table.loc["(created)"].sum() == 0


def test_transitions_arguments_are_checked() -> None:
    v = versions(STORIES, created=CREATED)
    with pytest.raises(kd.ConfigurationError, match=r"start .* is after end"):
        kd.transitions(v, T[3], T[0])
    with pytest.raises(kd.ConfigurationError, match="'stage' or 'status'"):
        kd.transitions(v, T[0], T[3], level="stages")
    with pytest.raises(kd.ConfigurationError, match="not a moment"):
        kd.transitions(v, "last tuesday", T[3])


# -- waterfall -------------------------------------------------------------------------------


WATERFALL_STORIES: dict[str, list[tuple[str, str | None]]] = {
    "open-open": [(T[0], "open"), (T[3], "booked")],
    "open-leased": [(T[0], "visited"), (T[3], "applied_leased")],
    "open-lost": [(T[0], "booked"), (T[3], "applied_lost")],
    "open-deleted": [(T[0], "new"), (T[3], "new")],
    "open-gone": [(T[0], "new"), (T[3], None)],
    "lost-reopened": [(T[0], "lost"), (T[3], "open")],
    "lost-lost": [(T[0], "lost"), (T[3], "lost")],
    "new-open": [(T[2], "new")],
    "new-lost": [(T[1], "new"), (T[3], "lost")],
    "seen-later": [(T[2], "open")],
}


def test_waterfall_steps_add_up_and_count_each_kind_of_move() -> None:
    created = {pid: "2021-10-15T00:00:00Z" for pid in WATERFALL_STORIES}
    created.update({"new-open": "2021-11-14T00:00:00Z", "new-lost": "2021-11-02T00:00:00Z"})
    obs = observe(WATERFALL_STORIES, created=created)
    deleted = (obs["prospect_id"] == "open-deleted") & (obs["observed_at"] == utc(T[3]))
    obs.loc[deleted, "is_deleted"] = True
    table = kd.waterfall(versions_from_observations(obs), T[0], T[3])
    counts = table.set_index("step")["count"].to_dict()
    assert counts == {
        "open at start": 5,
        "new leads": 2,
        "first seen": 1,
        "reopened": 1,
        "leased": -1,
        "lost": -2,
        "deleted or not a prospect": -1,
        "gone": -1,
        "open at end": 4,  # open-open, lost-reopened, new-open, seen-later
    }
    assert table["count"].iloc[:-1].sum() == table["count"].iloc[-1]
    assert table["running_total"].iloc[-2] == table["running_total"].iloc[-1] == 4
    assert table["kind"].tolist()[0] == "start"
    assert table["kind"].tolist()[-1] == "end"


def random_versions(n_prospects: int, seed: int) -> pd.DataFrame:
    """Observations of random walks through Knock's statuses at ten weekly snapshots."""
    rng = np.random.default_rng(seed)
    moments = pd.date_range("2021-11-01", periods=10, freq="7D", tz="UTC")
    rows = []
    for i in range(n_prospects):
        created = moments[0] - pd.Timedelta(days=30) + pd.Timedelta(days=int(rng.integers(0, 90)))
        first = int(moments.searchsorted(created))
        status = "new"
        flags = {"is_deleted": False, "not_prospect": False}
        gone = seen = False
        for moment in moments[first:]:
            if rng.random() < 0.4:
                options = sorted(kd.sandbox.ALLOWED_STEPS[status]) or [status]
                status = str(rng.choice(options))
            if rng.random() < 0.02:
                flags["is_deleted"] = True
            if rng.random() < 0.01 and seen:
                gone = True  # Knock stops returning an id the history has seen
            if rng.random() < 0.15:
                continue  # not fetched in this run
            seen = True
            rows.append(
                {
                    "prospect_id": f"{i:06d}",
                    "status": None if gone else status,
                    "created_at": None if gone else created,
                    "updated_at": None if gone else moment,
                    "is_deleted": None if gone else flags["is_deleted"],
                    "not_prospect": None if gone else flags["not_prospect"],
                    "source_title": None if gone else "Zillow",
                    "observed_at": moment,
                    "gone": gone,
                }
            )
    return versions_from_observations(typed(pd.DataFrame(rows)))


def as_of(v: pd.DataFrame, moment: pd.Timestamp) -> pd.DataFrame:
    """The version in force at ``moment`` per prospect, the plain-pandas way."""
    seen = v[v["valid_from"] <= moment]
    return seen.sort_values("valid_from").groupby("prospect_id").tail(1)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_waterfall_agrees_with_as_of_frames_counted_by_hand(seed: int) -> None:
    v = random_versions(300, seed)
    start, end = pd.Timestamp("2021-11-22", tz="UTC"), pd.Timestamp("2021-12-27", tz="UTC")
    table = kd.waterfall(v, start, end).set_index("step")["count"]
    assert table.iloc[:-1].sum() == table["open at end"]

    def n_open(frame: pd.DataFrame) -> int:
        return int((~kd.is_closed(frame) & ~frame["gone"].astype(bool)).sum())

    assert table["open at start"] == n_open(as_of(v, start))
    assert table["open at end"] == n_open(as_of(v, end))
    grid = kd.transitions(v, start, end)
    assert table["new leads"] == grid.loc["(created)"].sum()


@pytest.mark.parametrize("seed", [4, 5])
def test_transitions_agree_with_merge_asof_and_crosstab(seed: int) -> None:
    v = random_versions(300, seed)
    start, end = pd.Timestamp("2021-11-16", tz="UTC"), pd.Timestamp("2021-12-21", tz="UTC")
    table = kd.transitions(v, start, end, level="status")
    before = as_of(v, start).set_index("prospect_id")
    after = as_of(v, end).set_index("prospect_id")
    both = before.index.intersection(after.index)
    label_before = (
        before.loc[both, "status"]
        .astype("string")
        .where(~before.loc[both, "gone"].astype(bool), "(gone)")
    )
    label_after = (
        after.loc[both, "status"]
        .astype("string")
        .where(~after.loc[both, "gone"].astype(bool), "(gone)")
    )
    kept = ~((label_before == "(gone)") & (label_after == "(gone)"))
    expected = pd.crosstab(label_before[kept], label_after[kept])
    for origin in expected.index:
        for target in expected.columns:
            assert table.loc[origin, target] == expected.loc[origin, target], (origin, target)
    created = v.groupby("prospect_id")["created_at"].first()  # gone rows have none
    created_between = created[after.index.difference(before.index)] > start
    assert table.loc["(created)"].sum() == created_between.sum() > 0
    assert table.loc["(not seen)"].sum() == (~created_between).sum() > 0


def test_the_hand_made_versions_are_those_the_history_keeps(tmp_path: Path) -> None:
    """The derivation these tests build versions with agrees with kd.History's."""
    server = kd.sandbox.SandboxServer(n_prospects=300)  # never started: records at moments
    moments = [server.now + pd.Timedelta(days=7 * week) for week in range(5)]
    ids = kd.sandbox.SandboxServer(n_prospects=300, now=moments[-1]).prospect_ids
    history = kd.History(tmp_path / "history")
    snapshots = []
    for moment in moments:
        records = [r for r in (server.record_at(pid, moment) for pid in ids) if r is not None]
        history.append(records, observed_at=moment)
        snapshots.append((moment, kd.to_frame(records)))
    columns = ["prospect_id", "status", "valid_from", "valid_to", "changed_after",
               "last_observed_at", "gone"]  # fmt: skip
    kept = history.versions()[columns].astype({"status": "string", "prospect_id": "string"})
    mine = versions_from_observations(stacked(snapshots))[columns].astype(
        {"status": "string", "prospect_id": "string"}
    )
    assert len(kept) > len(ids)  # prospects moved
    pd.testing.assert_frame_equal(
        kept.reset_index(drop=True), mine.reset_index(drop=True), check_dtype=False
    )
