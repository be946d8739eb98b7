"""People counted twice: rows sharing a normalised email or E.164 phone, never merged."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import knock_data as kd
from knock_data import ConfigurationError
from knock_data._analysis.duplicates import normalize_email, normalize_phone


def cards() -> pd.DataFrame:
    """A, B and C are one person through a chain; E and F share a phone; D and G are alone."""
    return pd.DataFrame(
        {
            "prospect_id": pd.array(["A", "B", "C", "D", "E", "F", "G"], dtype="string"),
            "email": pd.array(
                ["Ana.Diaz@Example.com", " ana.diaz@example.com", None, "dee@example.org",
                 "n/a", "n/a", "gee@example.org"],
                dtype="string",
            ),
            "phone": pd.array(
                [None, "+1 512 555 0123", "(512) 555-0123 ext. 4", "+16175550100",
                 "303.555.0199", "1-303-555-0199", "555-0199"],
                dtype="string",
            ),
            "community_id": pd.Categorical(["c1", "c2", "c1", "c1", "c1", "c1", "c1"]),
            "created_at": pd.to_datetime(
                ["2026-03-05", "2026-03-01", "2026-03-09", "2026-03-02", "2026-03-04",
                 "2026-03-03", "2026-03-06"], utc=True,
            ),
        },
        index=pd.Index([10, 11, 12, 13, 14, 15, 16], name="row"),
    )  # fmt: skip


def test_groups_follow_chains_of_shared_email_or_phone() -> None:
    df = cards()
    found = kd.possible_duplicates(df)

    # A and B share an email (case and spaces aside), B and C a phone (+15125550123):
    # one group of three, the largest, numbered 1; E and F share +13035550199.
    assert found["prospect_id"].tolist() == ["B", "A", "C", "F", "E"]  # by created_at
    assert found["duplicate_group"].tolist() == [1, 1, 1, 2, 2]
    assert found["group_size"].tolist() == [3, 3, 3, 2, 2]
    assert found["matched_on"].tolist() == ["email, phone", "email", "phone", "phone", "phone"]
    assert found["phone_e164"].tolist() == [
        "+15125550123", pd.NA, "+15125550123", "+13035550199", "+13035550199"
    ]  # fmt: skip
    assert found["email_normalized"].iloc[0] == "ana.diaz@example.com"
    assert found.index.tolist() == [11, 10, 12, 15, 14]  # the caller's rows, to look them up
    assert found.attrs["groups"] == 2
    # Never merged: every original column and value is there as it was, the input unchanged.
    pd.testing.assert_frame_equal(found[df.columns], df.loc[found.index])
    pd.testing.assert_frame_equal(df, cards())


def test_on_one_column_only() -> None:
    by_email = kd.possible_duplicates(cards(), on="email")
    assert by_email["prospect_id"].tolist() == ["B", "A"]
    assert by_email["phone_e164"].isna().all()  # phones were not read
    by_phone = kd.possible_duplicates(cards(), on=("phone",))
    assert sorted(by_phone["prospect_id"]) == ["B", "C", "E", "F"]


def test_a_value_shared_by_too_many_rows_is_a_placeholder_not_a_person() -> None:
    df = pd.DataFrame(
        {
            "prospect_id": [str(i) for i in range(5)],
            "email": ["noemail@example.com"] * 4 + ["x@example.com"],
            "phone": [None, None, None, "+15125550100", "+15125550100"],
        }
    )
    found = kd.possible_duplicates(df, max_shared=3)
    assert found["prospect_id"].tolist() == ["3", "4"]  # only through the phone
    assert found["matched_on"].tolist() == ["phone", "phone"]
    assert found.attrs["placeholders"] == {"email": {"noemail@example.com": 4}}
    everyone = kd.possible_duplicates(df, max_shared=4)
    assert everyone["group_size"].tolist() == [5] * 5


def test_no_duplicates_gives_an_empty_table_with_the_columns() -> None:
    found = kd.possible_duplicates(cards().iloc[[3, 6]])
    assert found.empty
    assert list(found.columns[:3]) == ["duplicate_group", "group_size", "matched_on"]
    assert found.attrs["groups"] == 0


@pytest.mark.parametrize(
    ("raw", "country_code", "e164"),
    [
        ("+1 (512) 555-0123", "1", "+15125550123"),
        ("512.555.0123", "1", "+15125550123"),
        ("1 512 555 0123", "1", "+15125550123"),
        ("011 44 20 7946 0958", "1", "+442079460958"),
        ("0044 20 7946 0958", "1", "+442079460958"),
        ("512-555-0123 x12", "1", "+15125550123"),
        ("555-0123", "1", None),  # seven digits: no area code
        ("+1 512 555 012", "1", None),  # North American numbers have 10 digits
        ("020 7946 0958", "44", "+442079460958"),
        ("+44 20 7946 0958", "44", "+442079460958"),
        ("call me", "1", None),
        ("", "1", None),
    ],
)
def test_phones_become_e164(raw: str, country_code: str, e164: str | None) -> None:
    got = normalize_phone(pd.Series([raw], dtype="string"), country_code)
    assert (None if pd.isna(got.iloc[0]) else got.iloc[0]) == e164


def test_emails_match_without_case_spaces_or_mailto() -> None:
    got = normalize_email(pd.Series(["  A@B.com ", "MAILTO:a@b.com", "a@b", "@b.com", None]))
    assert got.tolist() == ["a@b.com", "a@b.com", pd.NA, pd.NA, pd.NA]


def test_categorical_and_object_columns_work_too() -> None:
    df = cards().astype({"email": "category", "phone": object})
    assert kd.possible_duplicates(df)["prospect_id"].tolist() == ["B", "A", "C", "F", "E"]


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"on": "name"}, "on must name 'email', 'phone' or both"),
        ({"on": ()}, "on must name"),
        ({"max_shared": 1}, "max_shared must be a whole number >= 2"),
        ({"country_code": "+1"}, "country_code must be 1 to 3 digits"),
    ],
)
def test_possible_duplicates_explains_bad_options(options: dict, match: str) -> None:
    with pytest.raises(ConfigurationError, match=match):
        kd.possible_duplicates(cards(), **options)


def test_a_frame_without_the_column_says_so() -> None:
    with pytest.raises(ConfigurationError, match="needs the column 'phone'"):
        kd.possible_duplicates(cards().drop(columns="phone"))


def union_find_groups(emails: list[str | None], phones: list[str | None]) -> list[set[int]]:
    """The groups by the textbook method: union every row with the first row of its key."""
    parent = list(range(len(emails)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for column in (emails, phones):
        first: dict[str, int] = {}
        for i, key in enumerate(column):
            if key is not None:
                parent[root(i)] = root(first.setdefault(key, i))
    groups: dict[int, set[int]] = {}
    for i in range(len(emails)):
        groups.setdefault(root(i), set()).add(i)
    return sorted((g for g in groups.values() if len(g) > 1), key=min)


@pytest.mark.parametrize("seed", range(5))
def test_groups_equal_a_textbook_union_find_on_random_cards(seed: int) -> None:
    # 400 cards drawing from 150 emails and 150 phones: long chains that zigzag between
    # the two columns, and rows sharing nothing.
    rng = np.random.default_rng(seed)
    n = 400
    emails = [f"p{k}@example.com" if k < 150 else None for k in rng.integers(0, 260, n)]
    phones = [f"+1512555{k:04d}" if k < 150 else None for k in rng.integers(0, 260, n)]
    df = pd.DataFrame({"prospect_id": [str(i) for i in range(n)], "email": emails, "phone": phones})
    found = kd.possible_duplicates(df, max_shared=n)
    ours = sorted(
        ({int(i) for i in rows} for _, rows in found.groupby("duplicate_group")["prospect_id"]),
        key=min,
    )
    expected = union_find_groups(emails, phones)
    assert ours == expected
    assert max(len(g) for g in expected) > 20  # the chains are long enough to matter
