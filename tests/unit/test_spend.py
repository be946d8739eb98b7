"""Cost per lead, tour and lease by source and month, from a spend frame or file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import knock_data as kd
from knock_data import ConfigurationError
from tests.unit.prospect_frames import prospect_frame

RENTPATH = {"RentPath": ["Rent.com", "ApartmentGuide.com"]}


def leads() -> pd.DataFrame:
    rows = [
        ("Rent.com", "2026-03-02T10:00Z", "applied_leased"),
        ("Rent.com", "2026-03-20T10:00Z", "new"),
        ("ApartmentGuide.com", "2026-03-09T10:00Z", "visited"),
        ("Zillow", "2026-03-05T10:00Z", "visited"),
        ("Zillow", "2026-04-05T10:00Z", "applied_leased"),
        ("Property Website", "2026-03-07T10:00Z", "new"),
        (None, "2026-03-08T10:00Z", "lost"),
        ("Zillow", None, "new"),
    ]
    return prospect_frame([{"source_title": s, "created_at": c, "status": st} for s, c, st in rows])


def spend() -> pd.DataFrame:
    # Zillow's April spend comes in two lines, one spelt differently: they add up.
    return pd.DataFrame(
        {
            "Source": ["RentPath", "Zillow", "Zillow", " zillow ", "Craigslist"],
            "Month": ["2026-03", "2026-03", "2026-04", "Apr 2026", "2026-03-01"],
            "Cost": [900, 500, 200, "$100.00", 50],
        }
    )


def test_cost_per_lead_tour_and_lease_worked_by_hand() -> None:
    roi = kd.source_roi(leads(), spend(), parents=RENTPATH)

    shown = roi[["source_title", "month", "cost", "leads", "toured", "leased", "match"]]
    plain = shown.astype(object).where(shown.notna(), None)  # NaN and <NA> as None
    assert [tuple(row) for row in plain.itertuples(index=False)] == [
        # RentPath in March: Rent.com's 2 leads (one leased, so toured) + ApartmentGuide's visit.
        ("RentPath", pd.Period("2026-03", "M"), 900.0, 3, 2, 1, "both"),
        ("Zillow", pd.Period("2026-03", "M"), 500.0, 1, 1, 0, "both"),
        ("Zillow", pd.Period("2026-04", "M"), 300.0, 1, 1, 1, "both"),
        ("Craigslist", pd.Period("2026-03", "M"), 50.0, 0, 0, 0, "spend only"),
        ("Property Website", pd.Period("2026-03", "M"), None, 1, 0, 0, "leads only"),
        (None, pd.Period("2026-03", "M"), None, 1, 0, 0, "leads only"),
    ]
    rentpath, zillow_march, zillow_april = roi.iloc[0], roi.iloc[1], roi.iloc[2]
    assert (rentpath["cost_per_lead"], rentpath["cost_per_toured"]) == (300.0, 450.0)
    assert rentpath["cost_per_leased"] == 900.0
    assert zillow_march["cost_per_toured"] == 500.0
    assert np.isnan(zillow_march["cost_per_leased"])  # no lease: not a cost of infinity
    assert zillow_april["cost_per_leased"] == 300.0
    assert roi.loc[3:, "cost_per_lead"].isna().all()
    assert roi.attrs["undated"] == 1  # Zillow's lead without created_at is in no month


def test_without_parents_the_listing_sites_and_their_parent_stay_apart() -> None:
    roi = kd.source_roi(leads(), spend()).set_index("source_title")
    assert roi.loc["RentPath", "match"] == "spend only"
    assert roi.loc["Rent.com", "match"] == "leads only"
    assert roi.loc["Rent.com", "leads"] == 2
    assert roi.loc["ApartmentGuide.com", "match"] == "leads only"


def test_parents_in_either_form_and_conflicts() -> None:
    other_form = {"Rent.com": "RentPath", "apartmentguide.com": "RentPath"}
    a = kd.source_roi(leads(), spend(), parents=RENTPATH)
    b = kd.source_roi(leads(), spend(), parents=other_form)
    pd.testing.assert_frame_equal(a, b)
    with pytest.raises(ConfigurationError, match="under both 'RentPath' and 'Other'"):
        kd.source_roi(leads(), spend(), parents={"RentPath": ["Rent.com"], "Other": ["rent.com"]})


def test_stages_and_months_in_the_leads_time_zone() -> None:
    late = prospect_frame(
        [{"source_title": "Zillow", "created_at": "2026-04-01T03:00Z", "status": "applied_lost"}]
    )
    cost = pd.DataFrame({"source": ["Zillow"], "month": ["2026-03"], "cost": [100]})
    utc = kd.source_roi(late, cost, stages=("applied",))
    assert utc["match"].tolist() == ["spend only", "leads only"]  # April in UTC
    chicago = kd.source_roi(late, cost, stages="applied", tz="America/Chicago")
    assert chicago[["leads", "applied", "cost_per_applied"]].iloc[0].tolist() == [1, 1, 100.0]
    assert "cost_per_toured" not in chicago.columns


def write_spend(path: Path, kind: str) -> Path:
    table = pd.DataFrame(
        {"Source Title": ["Zillow", "Zillow"], "Month": ["Mar 2026", "2026-04"],
         "Total Cost": ["$1,250.00", "300"]}
    )  # fmt: skip
    if kind == "csv":
        table.to_csv(path, index=False, encoding="utf-8-sig")  # as Excel saves CSV
    elif kind == "xlsx":
        table.to_excel(path, index=False)
    else:
        table.to_parquet(path)
    return path


@pytest.mark.parametrize("kind", ["csv", "xlsx", "parquet"])
def test_spend_from_a_file(tmp_path: Path, kind: str) -> None:
    path = write_spend(tmp_path / f"spend.{kind}", kind)
    roi = kd.source_roi(leads(), path)
    zillow = roi[roi["source_title"] == "Zillow"]
    assert zillow["month"].astype(str).tolist()[:2] == ["2026-03", "2026-04"]
    assert zillow["cost"].tolist()[:2] == [1250.0, 300.0]
    assert zillow["cost_per_leased"].tolist()[1] == 300.0


@pytest.mark.parametrize(
    ("table", "match"),
    [
        (pd.DataFrame({"source": ["Zillow"], "month": ["2026-03"]}), "no cost column; its columns"),
        (pd.DataFrame({"source": ["Zillow"], "month": ["2026-03"], "cost": ["lots"]}),
         "row 0 of the spend frame has cost 'lots'"),
        (pd.DataFrame({"source": ["Zillow"], "month": ["2026-03"], "cost": [-5]}),
         "not an amount of dollars >= 0"),
        (pd.DataFrame({"source": ["Zillow", "Zillow"], "month": ["2026-03", "soon"],
                       "cost": [1, 2]}), "row 1 of the spend frame has month 'soon'"),
        (pd.DataFrame({"source": ["", "Zillow"], "month": ["2026-03"] * 2, "cost": [1, 2]}),
         "row 0 of the spend frame has no source"),
        ("nowhere.csv", "there is no spend file 'nowhere.csv'"),
        (42, "spend must be a DataFrame or the path"),
    ],
)  # fmt: skip
def test_bad_spend_says_which_row_and_what_to_do(table: Any, match: str) -> None:
    with pytest.raises(ConfigurationError, match=match):
        kd.source_roi(leads(), table)


def test_a_bad_row_in_a_file_is_named_by_its_line(tmp_path: Path) -> None:
    path = tmp_path / "spend.csv"
    path.write_text("source,month,cost\nZillow,2026-03,100\nZillow,2026-04,n/a\n", "utf-8")
    with pytest.raises(ConfigurationError, match=r"row 3 of the spend file '.*spend.csv'"):
        kd.source_roi(leads(), path)


def test_an_unknown_stage_lists_the_steps() -> None:
    with pytest.raises(ConfigurationError, match="'tour' is not a step"):
        kd.source_roi(leads(), spend(), stages=("tour",))


def test_an_unquoted_amount_with_a_comma_is_said_as_such(tmp_path: Path) -> None:
    path = tmp_path / "spend.csv"
    path.write_text("source,month,cost\nZillow,2026-03,100\nZillow,2026-04,$1,250.00\n", "utf-8")
    with pytest.raises(ConfigurationError, match=r"row 3 of the spend file .* has 4 fields, more "
                       r"than the header's 3 \(source, month, cost\)") as caught:  # fmt: skip
        kd.source_roi(leads(), path)
    assert '"$1,250.00"' in str(caught.value.hint)
    quoted = tmp_path / "quoted.csv"
    quoted.write_text('source,month,cost\nZillow,2026-03,"$1,250.00"\n', "utf-8")
    roi = kd.source_roi(leads(), quoted)
    assert roi.loc[roi["source_title"] == "Zillow", "cost"].sum() == 1250.0
