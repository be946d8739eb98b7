"""The dashboard's Movement tab: the history's charts of the rows the filters keep, between
two snapshots picked; without a history, how to keep one."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import knock_data as kd
from knock_data.sandbox import SandboxServer

pytestmark = pytest.mark.usefixtures("close_new_figures")

WEEKS = 6


class Snapshots:
    """A history of weekly snapshots of a sandbox that is never started: its records at each
    moment, appended as the client would record them, and the frame of the last one."""

    def __init__(self, folder: Path, n_prospects: int = 400) -> None:
        server = SandboxServer(n_prospects=n_prospects)
        self.moments = [server.now + timedelta(days=7 * week) for week in range(WEEKS)]
        ids = SandboxServer(n_prospects=n_prospects, now=self.moments[-1]).prospect_ids
        self.history = kd.History(folder / "history")
        for moment in self.moments:
            records = [server.record_at(pid, moment) for pid in ids]
            present = [record for record in records if record is not None]
            self.history.append(present, observed_at=moment)
        self.frame = kd.to_frame(present)

    def versions(self) -> pd.DataFrame:
        return self.history.versions()


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Snapshots:
    return Snapshots(tmp_path_factory.mktemp("movement"))


@pytest.fixture
def dash(history: Snapshots) -> Iterator[kd.Dashboard]:
    board = kd.Dashboard(history.frame, history=history.history)
    yield board
    board.close()


def svg_texts(svg: bytes) -> str:
    return " ".join(re.findall(r">([^<>]+)</text>", svg.decode("utf-8")))


def test_a_run_whose_answers_are_seconds_apart_is_one_snapshot(tmp_path: Path) -> None:
    server = SandboxServer(n_prospects=60)
    history = kd.History(tmp_path / "h")
    for week in range(2):  # as a real server stamps them: each answer a second later
        moment = server.now + timedelta(days=7 * week)
        records = [r for r in (server.record_at(p, moment) for p in server.prospect_ids) if r]
        stamps = [moment + timedelta(seconds=i) for i in range(len(records))]
        history.append(records, observed_at=stamps)
    assert len(history.observations()["observed_at"].unique()) > 100
    snapshots = history.snapshots()
    assert len(snapshots) == 2
    assert snapshots[0] == pd.Timestamp(server.now + timedelta(seconds=59))
    board = kd.Dashboard(kd.to_frame(records), history=history)
    try:
        assert [value for _, value in board.controls["movement_start"].options] == snapshots
    finally:
        board.close()


def test_the_tab_draws_when_opened_from_the_snapshots(
    dash: kd.Dashboard, history: Snapshots
) -> None:
    assert dash.tab == "Status and funnel"
    assert dash.chart_svg("transitions") == b""  # not drawn until opened
    options = [value for _, value in dash.controls["movement_start"].options]
    assert options == [pd.Timestamp(m) for m in history.moments]
    assert dash.controls["movement_end"].value == options[-1]
    dash.tab = "Movement"
    words = svg_texts(dash.chart_svg("transitions"))
    # The rows shown: Knock's prospects (deleted and not-a-prospect records left out).
    versions = history.versions()
    shown = versions[versions["prospect_id"].isin(set(dash.filtered["prospect_id"]))]
    expected = kd.transitions(shown, options[0], options[-1])
    assert (
        expected.attrs["prospects"]
        < kd.transitions(versions, options[0], options[-1]).attrs["prospects"]
    )
    assert f"({expected.attrs['prospects']:,} prospects)" in words
    assert "Where leads moved, 2021-11-02 to 2021-12-07" in words
    steps = kd.waterfall(shown, options[0], options[-1])
    assert f"Open leads, 2021-11-02 to 2021-12-07: {steps['count'].iloc[0]:,}" in svg_texts(
        dash.chart_svg("waterfall")
    )
    assert "Leads reaching each stage within 14 days" in svg_texts(dash.chart_svg("cohorts"))


def test_the_filters_narrow_the_movement_charts(dash: kd.Dashboard, history: Snapshots) -> None:
    dash.tab = "Movement"
    dash.controls["source"].value = ("Zillow",)
    kept = set(dash.filtered["prospect_id"])
    versions = history.versions()
    mine = versions[versions["prospect_id"].isin(kept)]
    start, end = dash.controls["movement_start"].value, dash.controls["movement_end"].value
    expected = kd.transitions(mine, start, end).attrs["prospects"]
    assert 0 < expected < kd.transitions(versions, start, end).attrs["prospects"]
    assert f"({expected:,} prospects)" in svg_texts(dash.chart_svg("transitions"))


def test_the_period_picker_redraws_and_refuses_a_backward_period(dash: kd.Dashboard) -> None:
    dash.tab = "Movement"
    first = dash.chart_svg("transitions")
    options = [value for _, value in dash.controls["movement_start"].options]
    dash.controls["movement_start"].value = options[2]
    assert "2021-11-16 to 2021-12-07" in svg_texts(dash.chart_svg("transitions"))
    dash.controls["movement_end"].value = options[1]
    assert "pick an earlier one" in dash.movement_note
    dash.controls["movement_start"].value = options[0]
    dash.controls["movement_end"].value = options[-1]
    assert dash.movement_note == ""
    assert dash.chart_svg("transitions") == first  # kept from before


def test_without_a_history_the_tab_says_how_to_keep_one(history: Snapshots) -> None:
    dash = kd.Dashboard(history.frame)
    try:
        dash.tab = "Movement"
        assert dash.chart_svg("transitions") == b""
        assert "movement_start" not in dash.controls
        assert "Movement needs a history" in dash.movement_note
        assert "kd.Dashboard(frame, history=history)" in dash.movement_note
    finally:
        dash.close()


def test_a_history_that_is_no_history_is_refused(history: Snapshots) -> None:
    not_history: Any = history.frame
    with pytest.raises(kd.WrongArgumentType, match=r"history must be a kd\.History"):
        kd.Dashboard(history.frame, history=not_history)


def test_a_prospect_listed_twice_in_the_frame_still_finds_its_versions(
    history: Snapshots,
) -> None:
    doubled = pd.concat([history.frame, history.frame.iloc[:5]], ignore_index=True)
    dash = kd.Dashboard(doubled, history=history.history)
    try:
        dash.tab = "Movement"
        assert "Where leads moved" in svg_texts(dash.chart_svg("transitions"))
    finally:
        dash.close()
