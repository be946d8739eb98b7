"""export_excel read back cell by cell with openpyxl: types, layout, and never a formula."""

from __future__ import annotations

import copy
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest

import knock_data as kd
from knock_data import ConfigurationError, export_excel, to_frame
from knock_data._frame import excel as excel_module
from knock_data.sandbox import EXAMPLE_PROSPECT

# What prospects type into web forms, and what openpyxl would turn into formulas or errors.
HOSTILE = [
    '=HYPERLINK("http://example.com/x","Click me")',
    "=1+2",
    "=cmd|' /C calc'!A0",
    "+1 555 call me",
    "-2+3",
    "@SUM(1+1)",
    "\tTabby",
    "#N/A",
    "#DIV/0!",
    " =1+2",
]


def example(**changes: Any) -> dict[str, Any]:
    record = copy.deepcopy(EXAMPLE_PROSPECT)
    record.update(changes)
    return record


def hostile_frame() -> pd.DataFrame:
    records = [
        example(
            prospectId=str(1000 + i),
            firstName=name,
            lastName="Smith, Jr.",
            source={"title": name},
            email=f"-{i}.johnson@example.org",
            zip="02108",
            moveDate="2021-11-15",
            smsConsent=i % 2 == 0,
            occupants=i,
            minBudget=1200 if i else None,
        )
        for i, name in enumerate(HOSTILE)
    ]
    return to_frame(records)


def read(path: Path, sheet: str | None = None) -> tuple[list[str], list[dict[str, Any]], Any]:
    workbook = openpyxl.load_workbook(path)
    ws = workbook[sheet] if sheet else workbook.worksheets[0]
    header = [cell.value for cell in ws[1]]
    rows = [dict(zip(header, row, strict=True)) for row in ws.iter_rows(min_row=2)]
    return header, rows, ws


def test_no_cell_is_ever_a_formula_and_text_needs_no_apostrophe(tmp_path: Path) -> None:
    df = hostile_frame()
    # A hostile header too: a column named like a formula.
    df["=SUM(A1:A9)"] = "x"
    out = export_excel(df, tmp_path / "hostile.xlsx")
    header, rows, ws = read(out)
    kinds = {cell.data_type for row in ws.iter_rows() for cell in row}
    assert "f" not in kinds
    assert "e" not in kinds
    assert header[-1] == "=SUM(A1:A9)"
    assert ws.cell(row=1, column=len(header)).data_type == "s"
    for i, (name, row) in enumerate(zip(HOSTILE, rows, strict=True)):
        assert row["first_name"].value == name  # exactly as typed, no leading apostrophe
        assert row["first_name"].data_type == "s"
        assert row["source_title"].value == name
        assert row["email"].value == f"-{i}.johnson@example.org"
        assert row["last_name"].value == "Smith, Jr."


def test_cells_keep_their_types(tmp_path: Path) -> None:
    df = hostile_frame()
    out = export_excel(df, tmp_path / "typed.xlsx")
    header, rows, _ = read(out)
    assert header == list(df.columns)
    first, second = rows[0], rows[1]
    assert first["prospect_id"].value == "1000"  # an id is text
    assert first["prospect_id"].data_type == "s"
    assert first["zip"].value == "02108"  # keeps its leading zero
    assert first["phone"].value == "+10551234567"
    assert first["created_at"].value == datetime(2021, 10, 14, 18, 10, 34, 515000)  # UTC
    assert first["created_at"].number_format == "yyyy-mm-dd hh:mm:ss"
    assert first["move_date"].value == datetime(2021, 11, 15)
    assert first["move_date"].number_format == "yyyy-mm-dd"
    assert first["sms_consent"].value is True
    assert second["sms_consent"].value is False
    assert first["occupants"].value == 0
    assert second["min_budget"].value == 1200
    assert first["min_budget"].value is None  # missing stays empty
    assert first["address"].value is None


def test_layout_frozen_header_filter_and_widths(tmp_path: Path) -> None:
    df = hostile_frame()
    _, _, ws = read(export_excel(df, tmp_path / "layout.xlsx"))
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == f"A1:AA{len(df) + 1}"
    assert ws["A1"].font.bold
    widths = {letter: dim.width for letter, dim in ws.column_dimensions.items()}
    assert widths["A"] >= len("prospect_id")
    assert widths["C"] >= len("-9.johnson@example.org")  # email: as wide as its values
    assert max(widths.values()) <= 60


def test_one_sheet_per_frame_with_valid_distinct_names(tmp_path: Path) -> None:
    df = kd.to_frame(kd.sandbox.generate_prospects(60))
    frames = {
        "=prospects": df,
        "status: [all]": kd.status_breakdown(df),
        "status_ _all_": kd.funnel(df),
        "a" * 40: kd.leads_over_time(df, "M"),
        "quarters": kd.leads_over_time(df, "Q"),
    }
    out = export_excel(frames, tmp_path / "book.xlsx")
    workbook = openpyxl.load_workbook(out)
    assert workbook.sheetnames == [
        "=prospects",
        "status_ _all_",
        "status_ _all_ (2)",
        "a" * 31,
        "quarters",
    ]
    status = workbook["status_ _all_"]
    assert [c.value for c in status[1]] == ["status", "stage", "count", "share"]
    assert status["D2"].number_format == "0.0%"
    monthly = workbook["a" * 31]
    assert [c.value for c in monthly[1]] == ["period", "leads"]  # the named index comes first
    assert monthly["A2"].value == datetime(2020, 8, 1)
    assert monthly["A2"].number_format == "yyyy-mm"
    assert workbook["quarters"]["A2"].value == "2020Q3"
    assert workbook["=prospects"].max_row == len(df) + 1


def test_personal_data_is_masked_or_dropped_as_in_csv(tmp_path: Path) -> None:
    df = hostile_frame()
    _, rows, _ = read(export_excel(df, tmp_path / "masked.xlsx", pii="mask"))
    assert rows[0]["email"].value == "***@example.org"
    header, _, _ = read(export_excel(df, tmp_path / "dropped.xlsx", pii="drop"))
    assert "email" not in header
    assert "prospect_id" in header
    with pytest.raises(ConfigurationError, match="'keep', 'mask', 'drop'"):
        export_excel(df, tmp_path / "x.xlsx", pii="hide")


def test_what_a_cell_cannot_hold_is_said_not_lost(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    df = pd.DataFrame({"note": ["bell\x07 here", "fine"]})
    _, rows, _ = read(export_excel(df, tmp_path / "control.xlsx"))
    assert rows[0]["note"].value == "bell\ufffd here"  # XML cannot hold a bell
    too_long = pd.DataFrame({"note": ["x" * 40_000]})
    with pytest.raises(ConfigurationError, match=r"column 'note', row 2 holds 40,000 characters"):
        export_excel(too_long, tmp_path / "long.xlsx")
    monkeypatch.setattr(excel_module, "MAX_ROWS", 3)
    with pytest.raises(ConfigurationError, match="has 4 rows; an Excel sheet holds 3") as info:
        export_excel(pd.DataFrame({"a": range(4)}), tmp_path / "big.xlsx")
    assert "to_parquet" in str(info.value.hint)


def test_bad_input_and_a_missing_openpyxl_are_clear_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(ConfigurationError, match="DataFrame or a non-empty dict"):
        export_excel({}, tmp_path / "x.xlsx")
    with pytest.raises(ConfigurationError, match="sheet 'a' is a list"):
        export_excel({"a": [1, 2]}, tmp_path / "x.xlsx")  # type: ignore[dict-item]
    monkeypatch.setitem(sys.modules, "openpyxl", None)  # as if not installed
    with pytest.raises(ConfigurationError, match="needs openpyxl") as info:
        export_excel(pd.DataFrame({"a": [1]}), tmp_path / "x.xlsx")
    assert "knock-data[excel]" in str(info.value.hint)


def test_names_travel_with_the_ids(tmp_path: Path) -> None:
    df = kd.to_frame(kd.sandbox.generate_prospects(40))
    named = kd.with_names(df, **kd.sandbox.naming_tables())
    header, rows, _ = read(export_excel(named, tmp_path / "named.xlsx"))
    assert header[1:4] == ["community_id", "community_name", "community_timezone"]
    assert rows[0]["community_name"].value == "Maple Court (Austin)"
    assert rows[0]["community_id"].value == "191b65d2686d11e9"
