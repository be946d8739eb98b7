"""The one definition of closed, dormant and active: per record and per frame, the same."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pandas as pd
import pytest

import knock_data as kd
from knock_data.sandbox import generate_prospects

NOW = datetime(2021, 11, 2, tzinfo=UTC)


def record(**fields: Any) -> dict[str, Any]:
    """A Get Prospect record with only what the definition reads."""
    base: dict[str, Any] = {
        "status": "open",
        "isDeleted": False,
        "notProspect": False,
        "createdAt": "2021-09-01T15:00:00.000000+00:00",
        "updatedAt": "2021-10-20T15:00:00.000000+00:00",
    }
    return base | fields


# -- closed ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "closed"),
    [
        ("applied_leased", True),
        ("Applied (Leased)", True),
        ("applied_lost", True),
        ("APPLIED LOST", True),
        ("lost", True),
        ("Lost", True),
        ("applied_in_review", False),
        ("visited", False),
        ("new", False),
        ("On Hold", False),  # unknown to Knock's list: nobody can say it is closed
        (None, False),
    ],
)
def test_closed_statuses_however_spelt(status: str | None, closed: bool) -> None:
    assert kd.is_closed(record(status=status)) is closed


def test_closed_statuses_are_knocks_three() -> None:
    assert kd.CLOSED_STATUSES == ("applied_leased", "applied_lost", "lost")
    assert kd.DORMANT_AFTER / timedelta(days=1) == 30
    assert kd.LIFECYCLE_STATES == ("active", "dormant", "closed")


@pytest.mark.parametrize("flag", ["isDeleted", "notProspect"])
def test_deleted_or_not_a_prospect_is_closed_whatever_the_status(flag: str) -> None:
    assert kd.is_closed(record(status="booked", **{flag: True}))
    assert not kd.is_closed(record(status="booked", **{flag: None}))  # missing: not flagged


# -- dormant --------------------------------------------------------------------------------


def test_dormant_from_thirty_days_without_a_change_to_the_second() -> None:
    quiet = record(updatedAt="2021-10-03T00:00:00.000000+00:00")
    assert kd.is_dormant(quiet, now="2021-11-02T00:00:00Z")  # exactly 30 days
    assert not kd.is_dormant(quiet, now="2021-11-01T23:59:59Z")
    assert kd.lifecycle_state(quiet, now=NOW) == "dormant"
    assert kd.lifecycle_state(quiet, now=NOW - timedelta(seconds=1)) == "active"


def test_a_closed_lead_is_never_dormant() -> None:
    old_lease = record(status="applied_leased", updatedAt="2020-01-01T00:00:00+00:00")
    assert not kd.is_dormant(old_lease, now=NOW)
    assert kd.lifecycle_state(old_lease, now=NOW) == "closed"


def test_without_updated_at_the_creation_counts_and_without_both_nobody_can_tell() -> None:
    assert kd.is_dormant(record(updatedAt=None), now=NOW)  # created 2021-09-01
    assert not kd.is_dormant(record(updatedAt=None, createdAt=None), now=NOW)
    assert kd.lifecycle_state(record(updatedAt=None, createdAt=None), now=NOW) == "active"


def test_dormant_after_and_now_in_other_forms() -> None:
    lead = record()  # updated 2021-10-20 15:00 UTC
    assert not kd.is_dormant(lead, now=NOW)  # 12.4 days
    assert kd.is_dormant(lead, now=NOW, dormant_after=12)
    assert kd.is_dormant(lead, now=NOW, dormant_after=timedelta(days=12, hours=9))
    assert not kd.is_dormant(lead, now=NOW, dormant_after=pd.Timedelta(days=13))
    # Naive is UTC; another offset is converted.
    assert kd.is_dormant(lead, now=datetime(2021, 11, 19, 15), dormant_after=30)
    assert not kd.is_dormant(lead, now="2021-11-19T10:59:59-04:00", dormant_after=30)
    assert kd.is_dormant(lead, now=pd.Timestamp("2021-11-19T11:00-04:00"), dormant_after=30)


def test_now_defaults_to_this_machines_clock() -> None:
    yesterday = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    month_ago = (datetime.now(UTC) - timedelta(days=31)).isoformat()
    assert not kd.is_dormant(record(updatedAt=yesterday))
    assert kd.is_dormant(record(updatedAt=month_ago))


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"now": "next tuesday"}, "now is not a moment"),
        ({"now": 20211102}, "now must be a datetime"),
        ({"dormant_after": 0}, "dormant_after must be a positive"),
        ({"dormant_after": -3}, "dormant_after must be a positive"),
        ({"dormant_after": float("nan")}, "dormant_after must be a positive"),
        ({"dormant_after": "30 days"}, "dormant_after must be a positive"),
    ],
)
def test_bad_options_are_clear_errors(options: dict[str, Any], message: str) -> None:
    with pytest.raises(kd.ConfigurationError, match=message):
        kd.is_dormant(record(), **options)
    with pytest.raises(kd.ConfigurationError, match=message):
        kd.lifecycle_state(pd.DataFrame([record()]).rename(columns=SNAKE), **options)


def test_a_timestamp_that_is_not_one_is_a_clear_error() -> None:
    with pytest.raises(kd.ConfigurationError, match="updatedAt is not a moment"):
        kd.is_dormant(record(updatedAt="last week"), now=NOW)


def test_anything_but_a_frame_or_a_record_is_refused() -> None:
    with pytest.raises(kd.ConfigurationError, match=r"row\.to_dict\(\)"):
        kd.is_closed(pd.Series({"status": "lost"}))  # type: ignore[call-overload]


# -- frames ---------------------------------------------------------------------------------

SNAKE = {
    "isDeleted": "is_deleted",
    "notProspect": "not_prospect",
    "createdAt": "created_at",
    "updatedAt": "updated_at",
}


@pytest.fixture(scope="module")
def records() -> list[dict[str, Any]]:
    return generate_prospects(3000, seed=11)


@pytest.fixture(scope="module")
def frame(records: list[dict[str, Any]]) -> pd.DataFrame:
    return kd.to_frame(records)


def test_a_frame_gets_each_rows_own_answer(records: list[dict[str, Any]], frame: Any) -> None:
    closed = kd.is_closed(frame)
    dormant = kd.is_dormant(frame, now=NOW)
    state = kd.lifecycle_state(frame, now=NOW)
    assert closed.tolist() == [kd.is_closed(r) for r in records]
    assert dormant.tolist() == [kd.is_dormant(r, now=NOW) for r in records]
    assert state.tolist() == [kd.lifecycle_state(r, now=NOW) for r in records]
    assert set(state) == set(kd.LIFECYCLE_STATES)  # the data holds all three
    assert (state == "closed").equals(closed.rename("lifecycle_state"))
    assert not (closed & dormant).any()


def test_frame_rows_as_dicts_give_the_same_answers(frame: pd.DataFrame) -> None:
    rows = frame.head(300)
    expected = kd.lifecycle_state(rows, now=NOW).tolist()
    as_dicts = cast(list[dict[str, Any]], rows.to_dict("records"))  # the columns are str
    assert [kd.lifecycle_state(row, now=NOW) for row in as_dicts] == expected


def test_results_keep_the_frames_index_and_a_name(frame: pd.DataFrame) -> None:
    shuffled = frame.sample(frac=1.0, random_state=3).set_index("prospect_id")
    closed = kd.is_closed(shuffled)
    assert closed.index.equals(shuffled.index)
    assert closed.name == "closed"
    assert kd.is_dormant(shuffled, now=NOW).name == "dormant"
    state = kd.lifecycle_state(shuffled, now=NOW)
    assert state.name == "lifecycle_state"
    assert list(state.cat.categories) == list(kd.LIFECYCLE_STATES)
    assert list(state.value_counts(sort=False).index) == list(kd.LIFECYCLE_STATES)


def test_a_frame_of_text_and_plain_types_works_too() -> None:
    plain = pd.DataFrame(
        {
            "status": ["open", "Lost", None, "visited"],
            "is_deleted": [False, False, False, None],
            "not_prospect": [False, None, True, False],
            "created_at": ["2021-09-01T00:00Z", "2021-09-01T00:00Z", None, "2021-10-30"],
            "updated_at": ["2021-09-02T00:00Z", None, None, None],
        }
    )
    assert kd.lifecycle_state(plain, now=NOW).tolist() == ["dormant", "closed", "closed", "active"]


def test_a_naive_timestamp_column_is_utc() -> None:
    frame = pd.DataFrame(
        {
            "status": ["open"],
            "is_deleted": [False],
            "not_prospect": [False],
            "created_at": pd.to_datetime(["2021-10-01 00:00"]),
            "updated_at": pd.to_datetime(["2021-10-03 00:00"]),
        }
    )
    assert kd.is_dormant(frame, now="2021-11-02T00:00Z").tolist() == [True]
    assert kd.is_dormant(frame, now="2021-11-01T23:59:59Z").tolist() == [False]


def test_each_row_at_its_own_moment_is_each_record_at_that_moment(
    records: list[dict[str, Any]], frame: pd.DataFrame
) -> None:
    # Such as each copy of a cache at its fetch time, or each observation of a history.
    moments = pd.Series(
        pd.Timestamp(NOW) - pd.to_timedelta(range(len(frame)), unit="D"), index=frame.index
    ).where(frame.index != frame.index[7])  # a missing moment: nobody can tell, not dormant
    state = kd.lifecycle_state(frame, now=moments)
    dormant = kd.is_dormant(frame, now=moments)
    at_own = [
        "active" if m is pd.NaT and not kd.is_closed(r) else kd.lifecycle_state(r, now=m)
        for r, m in zip(records, moments, strict=True)
    ]
    assert state.tolist() == at_own
    assert (dormant == (state == "dormant")).all()
    assert set(state) == set(kd.LIFECYCLE_STATES)
    assert kd.is_dormant(frame, now=moments.dt.tz_localize(None)).equals(dormant)  # naive: UTC


def test_moments_on_another_index_are_refused(frame: pd.DataFrame) -> None:
    moments = pd.Series([pd.Timestamp(NOW)] * len(frame))
    with pytest.raises(kd.ConfigurationError, match="index is not the frame's"):
        kd.lifecycle_state(frame.set_index("prospect_id"), now=moments)


@pytest.mark.parametrize("missing", ["status", "is_deleted", "not_prospect", "updated_at"])
def test_a_missing_column_is_named(frame: pd.DataFrame, missing: str) -> None:
    with pytest.raises(kd.ConfigurationError, match=f"needs a '{missing}' column"):
        kd.lifecycle_state(frame.drop(columns=missing), now=NOW)


def test_unreadable_values_in_a_frame_are_clear_errors() -> None:
    frame = pd.DataFrame(
        {
            "status": ["open"],
            "is_deleted": ["perhaps"],
            "not_prospect": [False],
            "created_at": ["2021-10-01"],
            "updated_at": ["yesterday"],
        }
    )
    with pytest.raises(kd.ConfigurationError, match="is_deleted holds values"):
        kd.is_closed(frame)
    with pytest.raises(kd.ConfigurationError, match="updated_at holds values"):
        kd.is_dormant(frame.assign(is_deleted=False), now=NOW)


def test_an_empty_frame_gives_empty_answers(frame: pd.DataFrame) -> None:
    empty = frame.iloc[0:0]
    assert kd.is_closed(empty).empty
    assert kd.lifecycle_state(empty, now=NOW).empty
