"""time_to_stage: Kaplan-Meier against a hand-worked example, against one minus the
empirical distribution without censoring, and against a plain-Python estimator."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pytest

import knock_data as kd

CREATED = pd.Timestamp("2021-11-01", tz="UTC")


def stage_dates(durations: list[float], reached: list[bool], **columns: Any) -> pd.DataFrame:
    """Stage dates whose toured midpoints (or last observations) fall ``durations`` days
    after creation: each interval runs from a day before to a day after."""
    one = pd.Timedelta(days=1)
    pairs = [(pd.Timedelta(days=d), r) for d, r in zip(durations, reached, strict=True)]
    after = [CREATED + d - one if r else pd.NaT for d, r in pairs]
    by = [CREATED + d + one if r else pd.NaT for d, r in pairs]
    last = [CREATED + d + (one if r else 0 * one) for d, r in pairs]
    frame = pd.DataFrame(
        {
            "created_at": [CREATED] * len(durations),
            "last_observed_at": last,
            "lead_after": [CREATED] * len(durations),
            "lead_by": [CREATED] * len(durations),
            "toured_after": pd.Series(after, dtype="datetime64[us, UTC]"),
            "toured_by": pd.Series(by, dtype="datetime64[us, UTC]"),
            **columns,
        }
    )
    return frame


def test_five_prospects_worked_by_hand() -> None:
    # Toured on days 2, 3 and 5; one left the history on day 3, one on day 8, untoured.
    #   day 2: 5 at risk, 1 tours   S = 4/5            = 0.8
    #   day 3: 4 at risk, 1 tours   S = 0.8 * 3/4      = 0.6   (the one censored on day 3
    #                                                           was at risk on day 3)
    #   day 5: 2 at risk, 1 tours   S = 0.6 * 1/2      = 0.3
    #   day 8: 1 at risk, censored  S = 0.3
    # Greenwood's sum of d / (n (n - d)): 1/20, + 1/12, + 1/2.
    dates = stage_dates([2, 3, 3, 5, 8], [True, True, False, True, False])
    km = kd.time_to_stage(dates, "toured")

    assert km["days"].tolist() == [0.0, 2.0, 3.0, 5.0, 8.0]
    assert km["at_risk"].tolist() == [5, 5, 4, 2, 1]
    assert km["reached"].tolist() == [0, 1, 1, 1, 0]
    assert km["censored"].tolist() == [0, 0, 1, 0, 1]
    survival = np.array([1.0, 0.8, 0.6, 0.3, 0.3])
    np.testing.assert_allclose(km["share_reached"], 1 - survival)
    assert km.attrs["medians"] == {None: 5.0}
    assert (km["median_days"] == 5.0).all()

    greenwood = np.cumsum([0, 1 / 20, 1 / 12, 1 / 2, 0])
    z = 1.959963984540054
    low, high = [1.0], [1.0]
    for s, g in zip(survival[1:], greenwood[1:], strict=True):
        spread = z * math.sqrt(g) / abs(math.log(s))
        low.append(s ** math.exp(spread))
        high.append(s ** math.exp(-spread))
    np.testing.assert_allclose(km["share_reached_high"], 1 - np.array(low))
    np.testing.assert_allclose(km["share_reached_low"], 1 - np.array(high))
    # the day-2 band, worked out on paper: S = 0.8, log(-log) band 0.2038 to 0.9692
    assert round(1 - km["share_reached_high"].iloc[1], 4) == 0.2038
    assert round(1 - km["share_reached_low"].iloc[1], 4) == 0.9692


def test_without_censoring_it_is_one_minus_the_empirical_distribution() -> None:
    rng = np.random.default_rng(11)
    durations = rng.integers(1, 40, size=500).astype(float)
    km = kd.time_to_stage(stage_dates(list(durations), [True] * 500), "toured")
    for days, share in zip(km["days"], km["share_reached"], strict=True):
        assert share == pytest.approx(np.mean(durations <= days))
    assert km["share_reached"].iloc[-1] == pytest.approx(1.0)
    assert km.attrs["medians"][None] == np.sort(durations)[249]  # first time S <= 0.5


def plain_kaplan_meier(durations: list[float], reached: list[bool]) -> dict[float, float]:
    """The estimator written out with a loop: survival after each distinct time."""
    survival, curve = 1.0, {}
    for t in sorted(set(durations)):
        at_risk = sum(1 for d in durations if d >= t)
        events = sum(1 for d, r in zip(durations, reached, strict=True) if d == t and r)
        survival *= 1 - events / at_risk
        curve[t] = survival
    return curve


def test_with_censoring_it_agrees_with_a_plain_loop() -> None:
    rng = np.random.default_rng(5)
    durations = list(rng.integers(1, 30, size=300).astype(float))
    reached = list(rng.random(300) < 0.6)
    km = kd.time_to_stage(stage_dates(durations, reached), "toured")
    expected = plain_kaplan_meier(durations, reached)
    got = dict(zip(km["days"].iloc[1:], km["share_reached"].iloc[1:], strict=True))
    assert set(got) == set(expected)
    for t, s in expected.items():
        assert got[t] == pytest.approx(1 - s)
    assert (km["share_reached_low"] <= km["share_reached"] + 1e-12).all()
    assert (km["share_reached"] <= km["share_reached_high"] + 1e-12).all()


def test_one_curve_and_median_per_group() -> None:
    dates = stage_dates(
        [1, 2, 3, 10, 20, 30],
        [True, True, True, True, True, False],
        source_title=pd.Categorical(["Zillow"] * 3 + ["Yelp"] * 3),
    )
    km = kd.time_to_stage(dates, "toured", by="source_title")
    assert set(km["source_title"]) == {"Zillow", "Yelp"}
    assert km.attrs["medians"] == {"Yelp": 20.0, "Zillow": 2.0}
    yelp = km[km["source_title"] == "Yelp"]
    assert yelp["share_reached"].iloc[-1] == pytest.approx(2 / 3)
    unsourced = stage_dates(
        [1, 2, 3, 4], [True] * 4, source_title=pd.Categorical(["Zillow", "Zillow", None, None])
    )
    medians = kd.time_to_stage(unsourced, "toured", by="source_title").attrs["medians"]
    assert medians[pd.NA] == 3.0  # the leads without a source, found under pd.NA


def test_undated_leads_are_left_out_and_counted() -> None:
    dates = stage_dates([1, 2], [True, True])
    dates.loc[1, "created_at"] = pd.NaT
    km = kd.time_to_stage(dates, "toured")
    assert km.attrs == {**km.attrs, "leads": 1, "undated": 1}


def test_unknown_stage_or_level_is_a_clear_error() -> None:
    dates = stage_dates([1], [True])
    with pytest.raises(kd.ConfigurationError, match=r"no interval for stage 'leased'.*'toured'"):
        kd.time_to_stage(dates, "leased")
    with pytest.raises(kd.ConfigurationError, match="ci="):
        kd.time_to_stage(dates, "toured", ci=95)
    with pytest.raises(kd.ConfigurationError, match=r"kd\.stage_dates"):
        kd.time_to_stage(pd.DataFrame({"status": ["new"]}), "toured")


def test_leads_first_seen_late_enter_late_and_are_left_out_if_already_there() -> None:
    # Three leads seen from creation: toured on day 2, day 4, and censored on day 10.
    # Two created long before the history: one first seen on day 30, open, toured on day 40;
    # one first seen on day 30 already toured (when? nobody knows): left out.
    dates = stage_dates([2, 4, 10, 40, 30], [True, True, False, True, True])
    dates["first_observed_at"] = CREATED + pd.to_timedelta([0, 0, 0, 30, 31], unit="D")
    km = kd.time_to_stage(dates, "toured")
    assert km.attrs["seen_late"] == 1
    assert km.attrs["entered_late"] == 1
    assert km.attrs["leads"] == 4
    # day 2: 3 at risk (the late one has not entered): S = 2/3; day 4: 2 at risk: S = 1/3;
    # day 10: censored; day 40: the late lead alone at risk: S = 0.
    assert km["days"].tolist() == [0.0, 2.0, 4.0, 10.0, 40.0]
    assert km["at_risk"].tolist() == [3, 3, 2, 1, 1]
    np.testing.assert_allclose(km["share_reached"], [0, 1 / 3, 2 / 3, 2 / 3, 1.0])
    # Without delayed entry the late lead would have counted at risk from day 0.
    ignored = kd.time_to_stage(dates, "toured", seen_within=1000)
    assert ignored["at_risk"].tolist()[1] == 5
