"""Names beside the ids: with_names' naming tables, and the sandbox's own."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest

import knock_data as kd
from knock_data import ConfigurationError, with_names
from knock_data.sandbox import generate_prospects, naming_tables
from tests.unit.prospect_frames import prospect_frame


@pytest.fixture
def frame() -> pd.DataFrame:
    return prospect_frame(
        [
            {"community_id": "a1", "agent_username": "u1", "source_title": "Zillow"},
            {"community_id": "a1", "agent_username": "u2", "source_title": "Yelp"},
            {"community_id": "b2", "agent_username": None, "source_title": "Zillow"},
            {"community_id": "zz", "agent_username": "u1"},
            {"community_id": None, "agent_username": "u9"},
        ]
    )


def test_a_mapping_names_ids_and_unknown_ids_keep_their_id(frame: pd.DataFrame) -> None:
    named = with_names(
        frame,
        communities={"a1": "Maple Court", "b2": "Harbor Point"},
        agents={"u1": "Dana Smith"},
    )
    assert named["community_name"].tolist()[:4] == [
        "Maple Court",
        "Maple Court",
        "Harbor Point",
        "zz",  # unknown: its id
    ]
    assert pd.isna(named["community_name"].iloc[4])  # a missing id has no name
    assert named["agent_name"].astype(object).tolist()[:2] == ["Dana Smith", "u2"]
    assert pd.isna(named["agent_name"].iloc[2])
    # Beside their ids, as categoricals; the ids and the input are untouched.
    columns = list(named.columns)
    assert columns.index("community_name") == columns.index("community_id") + 1
    assert columns.index("agent_name") == columns.index("agent_username") + 1
    assert isinstance(named["community_name"].dtype, pd.CategoricalDtype)
    assert named["community_id"].tolist() == frame["community_id"].tolist()
    assert "community_name" not in frame.columns
    assert "community_timezone" not in named.columns  # a mapping gives no time zones


def test_a_series_and_a_frame_with_time_zones(frame: pd.DataFrame) -> None:
    series = pd.Series({"a1": "Maple Court"})
    assert with_names(frame, communities=series)["community_name"].iloc[0] == "Maple Court"
    table = pd.DataFrame(
        {
            "Community ID": ["a1", "b2"],
            "Name": ["Maple Court", "Harbor Point"],
            "Time zone": ["America/Chicago", "America/New_York"],
        }
    )
    named = with_names(frame, communities=table)
    assert named["community_timezone"].astype(object).tolist()[:3] == [
        "America/Chicago",
        "America/Chicago",
        "America/New_York",
    ]
    assert named["community_timezone"].iloc[3:].isna().all()  # unknown or missing: no zone
    again = with_names(named, communities={"a1": "Maple"})  # names are replaced, zones kept
    assert again["community_name"].iloc[0] == "Maple"
    assert list(again.columns).count("community_name") == 1


def test_csv_and_excel_files_keep_ids_as_text(frame: pd.DataFrame, tmp_path: Path) -> None:
    ids = frame.assign(community_id=frame["community_id"].cat.rename_categories({"zz": "1e51"}))
    csv = tmp_path / "communities.csv"
    csv.write_text(
        "community_id;name;timezone\r\na1;Maple Court;America/Chicago\r\n1e51;Élan Lofts;\r\n",
        encoding="utf-8-sig",  # Excel's byte-order mark and semicolons
    )
    named = with_names(ids, communities=csv)
    assert named["community_name"].astype(object).tolist()[:4] == [
        "Maple Court",
        "Maple Court",
        "b2",
        "Élan Lofts",  # 1e51 is an id, not the number 1e+51
    ]
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["username", "name"])
    sheet.append(["u1", "Dana Smith"])
    sheet.append(["u2", "Luis Ortega"])
    workbook.save(tmp_path / "agents.xlsx")
    agents = with_names(frame, agents=tmp_path / "agents.xlsx")
    assert agents["agent_name"].astype(object).tolist()[:2] == ["Dana Smith", "Luis Ortega"]


def test_duplicate_ids_are_an_error_naming_the_rows(frame: pd.DataFrame, tmp_path: Path) -> None:
    csv = tmp_path / "names.csv"
    csv.write_text("id,name\na1,Maple Court\nb2,Harbor Point\na1,Maple Ct\n", encoding="utf-8")
    with pytest.raises(ConfigurationError, match=r"lists id 'a1' twice \(rows 2 and 4\)") as info:
        with_names(frame, communities=csv)
    assert str(csv) in str(info.value)
    assert "one name" in str(info.value.hint)
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (pd.DataFrame({"a": [1], "b": [2], "c": [3]}), r"needs an id and a name column.*'a'"),
        (pd.DataFrame({"id": ["a1"], "name": ["M"], "tz": ["Texas/Austin"]}), "Texas/Austin"),
        (["a1", "Maple"], "must be a mapping"),
        ("no/such/file.csv", "does not exist"),
    ],
)
def test_tables_that_name_nothing_are_refused(
    frame: pd.DataFrame, table: object, message: str
) -> None:
    with pytest.raises(ConfigurationError, match=message):
        with_names(frame, communities=table)


def test_a_frame_without_the_id_column_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="needs the column 'agent_username'"):
        with_names(pd.DataFrame({"status": ["new"]}), agents={"u1": "Dana"})


def test_the_sandbox_names_every_community_and_agent_it_serves() -> None:
    tables = naming_tables()
    records = generate_prospects(5_000)
    communities = {r["communityId"] for r in records}
    agents = {r["agent"]["username"] for r in records if r["agent"]}
    assert set(tables["communities"]["community_id"]) == communities
    assert set(tables["agents"]["agent_username"]) == agents
    assert tables["communities"]["name"].is_unique
    assert tables["agents"]["name"].is_unique
    named = with_names(kd.to_frame(records), **tables)
    # Every id has a name of its own (none fell back to the id) and every community a zone.
    assert not (named["community_name"].astype(str) == named["community_id"].astype(str)).any()
    has_agent = named["agent_username"].notna()
    assert not (
        named.loc[has_agent, "agent_name"].astype(str)
        == named.loc[has_agent, "agent_username"].astype(str)
    ).any()
    assert named["community_timezone"].notna().all()
    # Another seed draws other ids, and its tables follow.
    other = naming_tables(seed=7)
    assert set(other["communities"]["community_id"]) == {
        r["communityId"] for r in generate_prospects(2_000, seed=7)
    }


def test_breakdowns_by_an_id_keep_it_and_add_its_name(frame: pd.DataFrame) -> None:
    named = with_names(frame, communities={"a1": "Maple Court"}, agents={"u1": "Dana Smith"})
    table = kd.source_breakdown(named, by="community_id")
    assert list(table.columns[:2]) == ["community_id", "community_name"]
    by_id = dict(zip(table["community_id"].astype(object), table["community_name"], strict=True))
    assert by_id["a1"] == "Maple Court"
    assert by_id["zz"] == "zz"
    funnel = kd.funnel(named, by="agent_username")
    assert "agent_name" in funnel.columns
    assert set(funnel.loc[funnel["agent_username"] == "u1", "agent_name"]) == {"Dana Smith"}
    plain = kd.source_breakdown(frame, by="community_id")  # no names: nothing added
    assert "community_name" not in plain.columns


def test_dashboard_labels_stay_an_alias_of_with_names(frame: pd.DataFrame) -> None:
    full = kd.to_frame(generate_prospects(300))
    community = full["community_id"].iloc[0]
    dash = kd.Dashboard(full, labels={"community": {community: "Maple Court"}})
    assert dash.filtered["community_name"].astype(str).eq("Maple Court").any()
    assert dict((v, lab) for lab, v in dash.controls["community"].options)[community].startswith(
        "Maple Court ("
    )
    dash.close()
