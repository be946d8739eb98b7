"""to_frame: column names, order and dtypes; the API document's example; untidy records."""

from __future__ import annotations

import copy
from collections import OrderedDict
from typing import Any

import numpy as np
import pandas as pd
import pytest

import knock_data as kd
from knock_data import RecordError, to_frame
from knock_data._frame.columns import empty_dtypes
from knock_data._schema import CATEGORICAL_COLUMNS, COLUMN_KINDS, COLUMNS, FIELD_TO_COLUMN
from knock_data.sandbox import EXAMPLE_PROSPECT, generate_prospects

STRING = pd.StringDtype("pyarrow")

# The contract other layers rely on, spelled out rather than derived from the code.
EXPECTED_DTYPES = {
    "prospect_id": "string",
    "community_id": "category",
    "email": "string",
    "phone": "string",
    "agent_username": "category",
    "address": "string",
    "unit": "string",
    "city": "string",
    "state": "string",
    "zip": "string",
    "source_title": "category",
    "first_name": "string",
    "last_name": "string",
    "move_date": "datetime64[us]",
    "bedrooms": "string",
    "pets": "string",
    "occupants": "Int64",
    "lease_term_months": "Int64",
    "min_budget": "Float64",
    "max_budget": "Float64",
    "sms_consent": "boolean",
    "is_deleted": "boolean",
    "not_prospect": "boolean",
    "created_at": "datetime64[us, UTC]",
    "updated_at": "datetime64[us, UTC]",
    "first_contact_type": "category",
    "status": "category",
}


def example(**changes: Any) -> dict[str, Any]:
    """The API document's example prospect, deep-copied, with top-level fields changed."""
    record = copy.deepcopy(EXAMPLE_PROSPECT)
    record.update(changes)
    return record


def assert_documented_dtypes(df: pd.DataFrame) -> None:
    assert {c: str(df[c].dtype) for c in COLUMNS} == EXPECTED_DTYPES
    for column in COLUMNS:
        if EXPECTED_DTYPES[column] == "string":
            assert df[column].dtype == STRING, column  # Arrow-backed, pd.NA for missing


@pytest.fixture(scope="module")
def sandbox_frame() -> pd.DataFrame:
    return to_frame(generate_prospects(400))


# --- schema and dtypes -------------------------------------------------------------------


def test_columns_are_the_documented_ones_in_order(sandbox_frame: pd.DataFrame) -> None:
    assert list(sandbox_frame.columns) == list(COLUMNS)
    assert list(COLUMNS)[:5] == [
        "prospect_id",
        "community_id",
        "email",
        "phone",
        "agent_username",
    ]
    assert isinstance(sandbox_frame.index, pd.RangeIndex)
    assert len(sandbox_frame) == 400


def test_dtypes_are_the_documented_ones(sandbox_frame: pd.DataFrame) -> None:
    assert_documented_dtypes(sandbox_frame)


def test_schema_tables_agree() -> None:
    assert set(COLUMN_KINDS) == set(COLUMNS)


@pytest.mark.parametrize("empty", [[], (), iter([])], ids=["list", "tuple", "iterator"])
def test_empty_input_gives_the_full_schema(empty: Any) -> None:
    df = to_frame(empty)
    assert df.shape == (0, len(COLUMNS))
    assert list(df.columns) == list(COLUMNS)
    assert_documented_dtypes(df)
    assert df.dtypes.to_dict() == empty_dtypes()


def test_categoricals_are_sorted_unordered_and_keep_raw_status(
    sandbox_frame: pd.DataFrame,
) -> None:
    records = generate_prospects(400)
    for column in CATEGORICAL_COLUMNS:
        dtype = sandbox_frame[column].dtype
        assert isinstance(dtype, pd.CategoricalDtype)
        assert not dtype.ordered
        assert list(dtype.categories) == sorted(dtype.categories)
    raw = sorted({r["status"] for r in records})
    assert list(sandbox_frame["status"].cat.categories) == raw
    assert sandbox_frame["status"].tolist() == [r["status"] for r in records]
    expected_agents = [(r["agent"] or {}).get("username") for r in records]
    got_agents = [None if pd.isna(v) else v for v in sandbox_frame["agent_username"]]
    assert got_agents == expected_agents


def test_frame_is_lean(sandbox_frame: pd.DataFrame) -> None:
    untyped = pd.json_normalize(generate_prospects(400))
    assert sandbox_frame.memory_usage(deep=True).sum() < untyped.memory_usage(deep=True).sum()


# --- the API document's example, field by field --------------------------------------------


def test_example_payload_flattens_field_by_field() -> None:
    df = to_frame([EXAMPLE_PROSPECT])
    row = df.iloc[0]
    assert df.shape == (1, len(COLUMNS))
    assert row["prospect_id"] == "47569637"
    assert row["community_id"] == "191b65d2686d11e9"
    assert row["email"] == "xtest@example.com"
    assert row["phone"] == "+10551234567"
    assert row["agent_username"] == "2be16a9e-b3ab-4b1f-9632-575aca1a3d20"
    for column in ("address", "unit", "city", "state", "zip", "bedrooms", "pets"):
        assert row[column] is pd.NA, column
    assert row["source_title"] == "Property Website"
    assert row["first_name"] == "New"
    assert row["last_name"] == "Lead"
    assert row["move_date"] is pd.NaT
    for column in ("occupants", "lease_term_months", "min_budget", "max_budget"):
        assert row[column] is pd.NA, column
    for column in ("sms_consent", "is_deleted", "not_prospect"):
        assert row[column] is np.False_ or row[column] is False, column
    assert row["created_at"] == pd.Timestamp("2021-10-14T18:10:34.515181Z")
    assert row["created_at"].microsecond == 515181
    assert row["updated_at"] == pd.Timestamp("2021-10-14T18:10:34.694332Z")
    assert str(row["updated_at"].tz) == "UTC"
    assert row["first_contact_type"] == "form"
    assert row["status"] == "new"
    assert_documented_dtypes(df)
    # every documented field was read from its documented path
    assert set(FIELD_TO_COLUMN.values()) == set(df.columns)


# --- nulls, missing fields -----------------------------------------------------------------


def test_null_nested_objects_give_missing_values() -> None:
    df = to_frame([example(agent=None, source=None), example(agent={}, source={"title": None})])
    assert df["agent_username"].isna().all()
    assert df["source_title"].isna().all()
    assert list(df["agent_username"].cat.categories) == []


def test_missing_fields_give_na_and_keep_dtypes() -> None:
    df = to_frame([{"prospectId": "1"}, example(), {}])
    assert df["prospect_id"].tolist()[:2] == ["1", "47569637"]
    assert df.loc[2, "prospect_id"] is pd.NA
    assert df.loc[0, "created_at"] is pd.NaT
    assert df.loc[0, "sms_consent"] is pd.NA
    assert df.loc[0, "email"] is pd.NA
    assert df.loc[1, "email"] == "xtest@example.com"
    assert df["status"].isna().iloc[0]
    assert_documented_dtypes(df)


def test_all_null_columns_keep_their_dtypes() -> None:
    nulls = {field.split(".")[0]: None for field in FIELD_TO_COLUMN}
    df = to_frame([nulls, nulls])
    assert df.isna().all().all()
    assert_documented_dtypes(df)


# --- identifiers, numbers, booleans ------------------------------------------------------------


def test_numeric_ids_and_zips_stay_text() -> None:
    df = to_frame([example(prospectId=47569637, zip="02108"), example(zip=78701)])
    assert df["prospect_id"].tolist() == ["47569637", "47569637"]
    assert df["zip"].tolist() == ["02108", "78701"]
    assert df["prospect_id"].dtype == STRING


def test_counts_and_budgets_are_nullable_numbers() -> None:
    df = to_frame(
        [
            example(occupants=3, leaseTermMonths=12.0, minBudget=1200, maxBudget=1450.5),
            example(occupants=None, leaseTermMonths=None, minBudget=None, maxBudget=None),
        ]
    )
    assert df["occupants"].tolist() == [3, pd.NA]
    assert df["lease_term_months"].tolist() == [12, pd.NA]
    assert df["min_budget"].tolist() == [1200.0, pd.NA]
    assert df["max_budget"].tolist() == [1450.5, pd.NA]
    assert df["occupants"].sum() == 3


def test_booleans_are_nullable() -> None:
    df = to_frame([example(smsConsent=True), example(smsConsent=None), example()])
    assert df["sms_consent"].tolist() == [True, pd.NA, False]
    assert df["sms_consent"].sum() == 1


# --- timestamps and days ---------------------------------------------------------------------


def test_timestamps_are_converted_to_utc_keeping_microseconds() -> None:
    df = to_frame(
        [
            example(createdAt="2021-10-14T13:10:34.515181-05:00"),
            example(createdAt="2021-10-14T18:10:34Z"),
            example(createdAt="2021-10-15T00:40:34.000001+05:30"),
        ]
    )
    assert df["created_at"].tolist() == [
        pd.Timestamp("2021-10-14T18:10:34.515181Z"),
        pd.Timestamp("2021-10-14T18:10:34Z"),
        pd.Timestamp("2021-10-14T19:10:34.000001Z"),
    ]
    assert str(df["created_at"].dtype) == "datetime64[us, UTC]"


def test_timestamps_without_offset_are_taken_as_utc() -> None:
    # not what Knock sends: handled by pandas' parser rather than Arrow's
    df = to_frame([example(createdAt="2021-10-14T18:10:34.5"), example(createdAt=None)])
    assert df.loc[0, "created_at"] == pd.Timestamp("2021-10-14T18:10:34.5Z")
    assert df.loc[1, "created_at"] is pd.NaT
    assert str(df["created_at"].dtype) == "datetime64[us, UTC]"


def test_move_date_is_a_filterable_day() -> None:
    df = to_frame(
        [
            example(moveDate="2021-11-15"),
            example(moveDate="2021-10-01T00:00:00-05:00"),
            example(moveDate=None),
        ]
    )
    assert str(df["move_date"].dtype) == "datetime64[us]"
    assert df["move_date"].tolist()[:2] == [pd.Timestamp("2021-11-15"), pd.Timestamp("2021-10-01")]
    assert df["move_date"].tolist()[2] is pd.NaT
    assert df[df["move_date"] >= "2021-11-01"].index.tolist() == [0]
    assert df["move_date"].dt.to_period("M").astype(str).tolist()[:2] == ["2021-11", "2021-10"]


# --- lists, scalars, unicode -------------------------------------------------------------------


def test_bedrooms_and_pets_lists_or_scalars_become_readable_text() -> None:
    df = to_frame(
        [
            example(bedrooms=["1_BEDROOM", "2_BEDROOMS"], pets=["dog", "cat"]),
            example(bedrooms="STUDIO", pets="none"),
            example(bedrooms=[], pets=["none"]),
            example(bedrooms=[2, None], pets=None),
        ]
    )
    assert df["bedrooms"].tolist() == ["1_BEDROOM, 2_BEDROOMS", "STUDIO", pd.NA, "2"]
    assert df["pets"].tolist() == ["dog, cat", "none", "none", pd.NA]
    assert df["bedrooms"].dtype == STRING
    assert df["bedrooms"].str.contains("2_BEDROOMS").tolist() == [True, False, pd.NA, False]


def test_unicode_survives() -> None:
    names = [
        ("Zoë", "Nguyễn"),
        ("Łukasz", "Ólafsdóttir"),
        ("Yūki", "O'Brien"),
        ("İbrahim", "Çelik"),
    ]
    df = to_frame(
        [example(firstName=f, lastName=last, source={"title": "Café ☕"}) for f, last in names]
    )
    assert list(zip(df["first_name"], df["last_name"], strict=True)) == names
    assert df["source_title"].tolist() == ["Café ☕"] * 4


def test_sandbox_lists_and_scalars_are_all_readable() -> None:
    records = generate_prospects(400)
    df = to_frame(records)
    for record, text in zip(records, df["bedrooms"], strict=True):
        value = record["bedrooms"]
        if value is None:
            assert text is pd.NA
        elif isinstance(value, list):
            assert text == ", ".join(value)
        else:
            assert text == value


# --- fields the API adds ---------------------------------------------------------------------


def test_extra_fields_follow_alphabetically_under_the_naming_rule() -> None:
    df = to_frame(
        [
            example(
                preferredContactMethod="sms",
                agent={"username": "u1", "fullName": "Ada Lovelace"},
                leadScore=7,
                utm={"campaignName": "spring", "source": {"siteURL": "x.example"}},
            ),
            example(preferredContactMethod=None, leadScore=None),
        ]
    )
    extras = list(df.columns[len(COLUMNS) :])
    assert list(df.columns[: len(COLUMNS)]) == list(COLUMNS)
    assert extras == [
        "agent_full_name",
        "lead_score",
        "preferred_contact_method",
        "utm_campaign_name",
        "utm_source_site_url",
    ]
    assert df["agent_full_name"].tolist() == ["Ada Lovelace", pd.NA]
    assert df["agent_username"].tolist()[0] == "u1"
    assert df["preferred_contact_method"].tolist() == ["sms", pd.NA]
    assert df["utm_source_site_url"].tolist() == ["x.example", pd.NA]
    assert str(df["lead_score"].dtype) == "Int64"
    assert df["agent_full_name"].dtype == STRING


def test_extra_fields_are_typed_by_their_values() -> None:
    df = to_frame(
        [
            example(flag=True, ratio=0.5, count=1, tags=["a", "b"], mixed=1, nothing=None),
            example(flag=None, ratio=2, count=None, tags="c", mixed="two", nothing=None),
        ]
    )
    assert str(df["flag"].dtype) == "boolean"
    assert str(df["ratio"].dtype) == "Float64"
    assert str(df["count"].dtype) == "Int64"
    assert df["tags"].tolist() == ["a, b", "c"]
    assert df["mixed"].tolist() == ["1", "two"]
    for column in ("tags", "mixed", "nothing"):
        assert df[column].dtype == STRING, column
    assert df["nothing"].isna().all()


def test_extra_field_with_objects_and_scalars_gives_both_columns() -> None:
    df = to_frame([example(meta={"a": 1}), example(meta="plain")])
    assert df["meta"].tolist() == [pd.NA, "plain"]
    assert df["meta_a"].tolist() == [1, pd.NA]


def test_extra_field_clashing_with_a_column_keeps_its_raw_spelling() -> None:
    df = to_frame([example(agent_username="flat", firstName_="x")])
    assert df["agent_username"].tolist() == ["2be16a9e-b3ab-4b1f-9632-575aca1a3d20"]
    assert "agent_username_2" in df.columns
    assert df["agent_username_2"].tolist() == ["flat"]
    assert df["first_name_"].tolist() == ["x"]


# --- inputs that are not records -------------------------------------------------------------


@pytest.mark.parametrize("item", [["a", "list"], "a string", None, 42])
def test_non_object_item_is_an_error_naming_its_position(item: Any) -> None:
    with pytest.raises(RecordError) as caught:
        to_frame([example(), example(), item])
    error = caught.value
    assert error.position == 2
    assert "position 2" in str(error)
    assert type(item).__name__ in str(error)
    assert isinstance(error, TypeError)
    assert isinstance(error, kd.KnockError)


def test_a_single_record_is_refused_with_a_hint() -> None:
    with pytest.raises(RecordError, match=r"to_frame\(\[record\]\)"):
        to_frame(example())  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", ["not records", 3, pd.DataFrame()])
def test_other_inputs_are_refused(bad: Any) -> None:
    with pytest.raises(RecordError, match="to_frame was given"):
        to_frame(bad)


def test_mappings_other_than_dict_are_records() -> None:
    df = to_frame([OrderedDict(example()), example()])
    assert df["prospect_id"].tolist() == ["47569637", "47569637"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("createdAt", "yesterday"),
        ("createdAt", 1634235034),
        ("moveDate", "2021-02-30"),
        ("moveDate", "next month"),
        ("occupants", "three"),
        ("occupants", 2.5),
        ("occupants", True),
        ("minBudget", "1200"),
        ("smsConsent", "true"),
        ("smsConsent", 1),
        ("agent", "bob"),
        ("email", {"address": "x@example.com"}),
        ("bedrooms", {"min": 1}),
    ],
)
def test_a_value_the_column_cannot_hold_names_position_prospect_and_field(
    field: str, value: Any
) -> None:
    records = [example(prospectId=str(100 + i)) for i in range(4)]
    records[3][field] = value
    with pytest.raises(RecordError) as caught:
        to_frame(records)
    error = caught.value
    assert (error.position, error.prospect_id, error.field) == (3, "103", field)
    message = str(error)
    assert "position 3" in message
    assert "prospect 103" in message
    assert field in message


def test_a_bad_nested_value_names_its_path() -> None:
    with pytest.raises(RecordError) as caught:
        to_frame([example(agent={"username": ["a", "b"]})])
    assert caught.value.field == "agent.username"
    assert caught.value.position == 0


def test_public_name() -> None:
    assert kd.to_frame is to_frame


@pytest.mark.parametrize("gap", [0, 1023, 1024, 2500])
def test_a_field_missing_from_one_record_of_many_is_na_there_only(gap: int) -> None:
    # Records are read in chunks of 1,024: the gap may fall in any chunk, at any edge.
    records = [copy.deepcopy(r) for r in generate_prospects(3000, seed=3)]
    del records[gap]["email"]
    del records[-1]["status"]
    df = to_frame(records)
    expected = [r.get("email") for r in records]
    assert df["email"].isna().tolist() == [value is None for value in expected]
    assert df["email"].dropna().tolist() == [value for value in expected if value is not None]
    assert df["email"].isna().iloc[gap]
    assert pd.isna(df["status"].iloc[-1])
    assert df["status"].iloc[:-1].astype(str).tolist() == [r["status"] for r in records[:-1]]
