"""What renters ask for: bedrooms, move dates, budgets and pets, missing answers counted."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

import knock_data as kd
from knock_data import ConfigurationError


def counts(table: pd.DataFrame, field: str) -> dict[Any, int]:
    return {
        ("<NA>" if pd.isna(v) else v): int(c)
        for v, c in zip(table[field], table["count"], strict=True)
    }


def test_bedrooms_split_each_choice_and_count_it_once_per_lead() -> None:
    df = pd.DataFrame(
        {
            "bedrooms": pd.array(
                [
                    "1_BEDROOM, 2_BEDROOMS",  # two choices
                    "STUDIO",
                    "studio, Studio",  # one choice however spelt, counted once
                    "4_BEDROOMS",  # not one of Knock's: after them
                    "2 bedrooms",
                    None,
                    "",  # an empty answer is no answer
                    "2_BEDROOMS",
                ],
                dtype="string",
            )
        }
    )
    table = kd.demand_breakdown(df, "bedrooms")
    assert counts(table, "bedrooms") == {
        "STUDIO": 2,
        "1_BEDROOM": 1,
        "2_BEDROOMS": 3,
        "4_BEDROOMS": 1,
        "<NA>": 2,
    }
    assert list(table["bedrooms"].dropna()) == ["STUDIO", "1_BEDROOM", "2_BEDROOMS", "4_BEDROOMS"]
    assert table["share"].tolist() == [2 / 8, 1 / 8, 3 / 8, 1 / 8, 2 / 8]  # of the 8 leads
    assert table.attrs["multiple"] == 1


def test_pets_by_group_with_every_answer_in_every_group() -> None:
    df = pd.DataFrame(
        {
            "source_title": pd.Categorical(["A", "A", "A", "B", "B"]),
            "pets": ["Dog, cat", "dog", "none", None, "bird"],
        }
    )
    table = kd.demand_breakdown(df, "pets", by="source_title")
    a = table[table["source_title"] == "A"]
    b = table[table["source_title"] == "B"]
    assert counts(a, "pets") == {"dog": 2, "bird": 0, "cat": 1, "none": 1, "<NA>": 0}
    assert counts(b, "pets") == {"dog": 0, "bird": 1, "cat": 0, "none": 0, "<NA>": 1}
    assert a["share"].tolist() == [2 / 3, 0, 1 / 3, 1 / 3, 0]  # within A's 3 leads


def test_move_date_weeks_from_the_creation_day() -> None:
    created = ["2026-03-01T15:00Z"] * 6 + [None]
    move = ["2026-03-05", "2026-03-15", "2026-02-20", None, "2026-09-01", "2026-04-12",
            "2026-03-10"]  # fmt: skip
    df = pd.DataFrame(
        {
            "created_at": pd.to_datetime(pd.Series(created), utc=True),
            "move_date": pd.to_datetime(pd.Series(move)),
        }
    )
    table = kd.demand_breakdown(df, "move_date")
    # 4 days; 14 days = 2 weeks exactly (the next band); before; none; 184 days = 26.3
    # weeks; 42 days = 6 weeks; and a move date with no creation day to count from.
    assert counts(table, "move_date") == {
        "before created": 1,
        "under 2 weeks": 1,
        "2 to 4 weeks": 1,
        "4 to 8 weeks": 1,
        "8 to 12 weeks": 0,
        "12 to 26 weeks": 0,
        "26 weeks or more": 1,
        "<NA>": 2,
    }
    assert table.attrs["no_created_at"] == 1


def test_move_date_counts_days_in_the_time_zone_and_takes_bands() -> None:
    # 03:00 UTC on 1 March is the evening of 28 February in Chicago: 14 days to 14 March.
    df = pd.DataFrame(
        {
            "created_at": pd.to_datetime(["2026-03-01T03:00Z"], utc=True),
            "move_date": pd.to_datetime(["2026-03-14"]),
        }
    )
    assert kd.demand_breakdown(df, "move_date")["count"].iloc[1] == 1  # UTC: 13 days
    chicago = kd.demand_breakdown(df, "move_date", tz="America/Chicago", bands=(1, 2))
    assert counts(chicago, "move_date") == {
        "before created": 0,
        "under 1 week": 0,
        "1 to 2 weeks": 0,
        "2 weeks or more": 1,
        "<NA>": 0,
    }


def test_budget_bands_hold_their_lower_edge() -> None:
    df = pd.DataFrame({"max_budget": pd.array([999.99, 1000, 1499.5, 1500, 3000, None], "Float64")})
    table = kd.demand_breakdown(df, "budget")
    assert counts(table, "budget") == {
        "under $1,000": 1,
        "$1,000 to $1,499": 2,
        "$1,500 to $1,999": 1,
        "$2,000 to $2,499": 0,
        "$2,500 to $2,999": 0,
        "$3,000 or more": 1,
        "<NA>": 1,
    }
    assert table["share"].sum() == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("field", "options", "match"),
    [
        ("rooms", {}, "unknown field 'rooms'.*'bedrooms', 'move_date', 'budget', 'pets'"),
        ("pets", {"bands": (1, 2)}, "bands= applies to 'move_date' and 'budget' only"),
        ("budget", {"bands": (1500, 1000)}, "bands must be increasing numbers above 0"),
        ("budget", {"bands": (999.5,)}, r"whole dollars"),
        ("budget", {"bands": "wide"}, "bands must be a list of numbers"),
        ("bedrooms", {"by": "bedrooms"}, "is the column being counted"),
    ],
)
def test_demand_breakdown_explains_bad_options(field: str, options: dict, match: str) -> None:
    df = pd.DataFrame({"bedrooms": ["STUDIO"], "pets": ["dog"], "max_budget": [1200.0]})
    with pytest.raises(ConfigurationError, match=match):
        kd.demand_breakdown(df, field, **options)


def test_a_frame_without_the_column_says_so() -> None:
    with pytest.raises(ConfigurationError, match="needs the column 'max_budget'"):
        kd.demand_breakdown(pd.DataFrame({"bedrooms": ["STUDIO"]}), "budget")


def test_no_leads_still_lists_every_band_with_zero() -> None:
    table = kd.demand_breakdown(pd.DataFrame({"max_budget": pd.array([], "Float64")}), "budget")
    assert len(table) == 7
    assert table["count"].sum() == 0
    assert table["share"].isna().all()
