"""The exported CSV and Excel files opened by a real spreadsheet: LibreOffice Calc, headless.

LibreOffice converts the CSV to .xlsx through its CSV import filter (UTF-8, comma, double
quote), as a person opening the file would; openpyxl then reads what Calc made of each cell.
The Excel export goes the other way: Calc opens it and saves what it shows as CSV.
"""

from __future__ import annotations

import copy
import csv as csv_module
import io
import shutil
import subprocess
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from knock_data import export_csv, export_excel, libreoffice_csv_filter, to_frame, with_names
from knock_data._frame.export import INVISIBLE_RANGES
from knock_data.sandbox import EXAMPLE_PROSPECT

pytestmark = pytest.mark.spreadsheet

HOSTILE = [
    '=HYPERLINK("http://example.com/x","Click me")',
    "=1+2",
    "+1 555 call me",
    "-2+3",
    "@SUM(1+1)",
    "\tTabby",
    "=cmd|'/c calc'!A1",
    " =1+2",
]

# CSV import filter options: separator 44 (comma), text delimiter 34 ("), charset 76
# (UTF-8), start at line 1, then the column formats ("" = Standard, what a double-click gives).
_FILTER = "CSV:44,34,76,1,{formats},0,false,true,false,false,false"


def soffice(source: Path, workdir: Path, to: str, infilter: str | None) -> Path:
    """Convert ``source`` with LibreOffice headless; returns the converted file."""
    program = shutil.which("soffice")
    assert program, "LibreOffice is needed: run `make sysdeps` (Debian: libreoffice-calc-nogui)"
    profile = workdir / "lo-profile"  # its own profile, so parallel runs do not clash
    outdir = workdir / to
    subprocess.run(
        [
            program,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--norestore",
            *([f"--infilter={infilter}"] if infilter else []),
            "--convert-to",
            to,
            "--outdir",
            str(outdir),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    return outdir / f"{source.stem}.{to.split(':')[0]}"


def convert(csv: Path, workdir: Path, column_formats: str = "") -> openpyxl.Workbook:
    infilter = _FILTER.format(formats=column_formats)
    return openpyxl.load_workbook(soffice(csv, workdir, "xlsx", infilter))


def example(**changes: Any) -> dict[str, Any]:
    record = copy.deepcopy(EXAMPLE_PROSPECT)
    record.update(changes)
    return record


def test_no_cell_is_a_formula_and_the_phone_stays_readable(tmp_path: Path) -> None:
    records = [
        example(prospectId=str(i), firstName=name, source={"title": name}, lastName="Smith, Jr.")
        for i, name in enumerate(HOSTILE)
    ]
    csv = export_csv(to_frame(records), tmp_path / "hostile.csv")

    # Opened as a double-click would: every column "Standard".
    sheet = convert(csv, tmp_path).active
    header = [cell.value for cell in sheet[1]]
    rows = [dict(zip(header, row, strict=True)) for row in sheet.iter_rows(min_row=2)]
    assert len(rows) == len(HOSTILE)

    formulas = [
        cell.coordinate for row in sheet.iter_rows() for cell in row if cell.data_type == "f"
    ]
    assert formulas == []
    for name, row in zip(HOSTILE, rows, strict=True):
        # shown as text, with OWASP's leading apostrophe (Calc normalises a CR in a cell to LF)
        assert row["first_name"].value == "'" + name
        assert row["source_title"].value == "'" + name
        assert row["last_name"].value == "Smith, Jr."
        # Calc reads the E.164 phone as the number it spells: every digit visible
        assert row["phone"].data_type == "n"
        assert row["phone"].value == 10551234567
        assert row["prospect_id"].value is not None

    # Imported with the phone column as Text (column 4, format 2), the + shows too.
    phone_column = header.index("phone") + 1
    as_text = convert(csv, tmp_path / "text", column_formats=f"{phone_column}/2").active
    assert as_text.cell(row=2, column=phone_column).value == "+10551234567"
    assert as_text.cell(row=2, column=phone_column).data_type == "s"


def test_unneutralised_cells_would_be_formulas(tmp_path: Path) -> None:
    """The control: the same cells written naively do become formulas in Calc."""
    csv = tmp_path / "naive.csv"
    csv.write_text("name\r\n=1+2\r\n", encoding="utf-8-sig")
    sheet = convert(csv, tmp_path).active
    assert sheet["A2"].data_type == "f"


def test_no_invisible_leader_lets_a_formula_through(tmp_path: Path) -> None:
    # The first and last character of every range the guard looks past, before each trigger.
    leaders = sorted({chr(code) for pair in INVISIBLE_RANGES for code in pair})
    cells = [lead + trigger for lead in leaders for trigger in ("=1+1", "+1+1", "-1+1", "@SUM(1)")]
    cells += ["\x00\x00 \u200b=1+1", "\ufeff\u2028=1+1"]
    frame = to_frame([example(prospectId=str(i), firstName=cell) for i, cell in enumerate(cells)])
    csv = export_csv(frame, tmp_path / "leaders.csv")
    sheet = convert(csv, tmp_path).active
    formulas = [c.coordinate for row in sheet.iter_rows() for c in row if c.data_type == "f"]
    assert formulas == []
    column = [cell.value for cell in sheet[1]].index("first_name")
    shown = [row[column].value for row in sheet.iter_rows(min_row=2)]
    assert len(shown) == len(cells)
    assert all(str(value).startswith("'") for value in shown)


def test_a_nul_before_a_formula_is_run_by_calc_when_not_neutralised(tmp_path: Path) -> None:
    """The control: LibreOffice skips a leading NUL and runs what follows."""
    csv = tmp_path / "naive.csv"
    csv.write_bytes(b"name\r\n\x00=1+1\r\n")
    sheet = convert(csv, tmp_path).active
    assert sheet["A2"].data_type == "f"


# The import export_csv's docstring and the README give: UTF-8 (76), English (1033), detect
# special numbers (true), and prospect_id, phone and zip (columns 1, 4, 10) as text (2).
_DOCUMENTED_IMPORT = "CSV:44,34,76,1,1/2/4/2/10/2,1033,false,true"


def test_the_documented_csv_import_gives_dates_and_text_zips(tmp_path: Path) -> None:
    records = [example(zip="02108", moveDate="2021-11-15"), example(prospectId="2", zip="90210")]
    csv = export_csv(to_frame(records), tmp_path / "prospects.csv", datetimes="spreadsheet")
    sheet = openpyxl.load_workbook(soffice(csv, tmp_path, "xlsx", _DOCUMENTED_IMPORT)).active
    header = [cell.value for cell in sheet[1]]
    assert header[0] == "prospect_id"  # read as UTF-8: no byte-order mark in the name
    row = dict(zip(header, sheet[2], strict=True))
    assert row["created_at"].is_date
    assert row["created_at"].value.isoformat() == "2021-10-14T18:10:34"
    assert row["move_date"].is_date
    assert row["zip"].value == "02108"
    assert row["zip"].data_type == "s"
    assert row["phone"].value == "+10551234567"
    assert row["prospect_id"].value == "47569637"

    # The controls: ISO timestamps are not dates to Calc, and a plain --convert-to reads
    # the file as Latin-1, so the byte-order mark lands in the first header.
    iso = export_csv(to_frame(records), tmp_path / "iso" / "prospects.csv")
    sheet = openpyxl.load_workbook(soffice(iso, tmp_path / "iso", "xlsx", _DOCUMENTED_IMPORT))
    assert not sheet.active["X2"].is_date
    assert sheet.active["X1"].value == "created_at"
    plain = openpyxl.load_workbook(soffice(iso, tmp_path / "plain", "xlsx", None)).active
    assert plain["A1"].value == "\u00ef\u00bb\u00bfprospect_id"


def test_the_excel_export_opens_in_calc_as_typed_text(tmp_path: Path) -> None:
    records = [
        example(prospectId=str(i), firstName=name, zip="02108", email=f"-{i}.j@example.org")
        for i, name in enumerate([*HOSTILE, "#N/A"])
    ]
    book = export_excel(to_frame(records), tmp_path / "hostile.xlsx")
    text = soffice(book, tmp_path, "csv:Text - txt - csv (StarCalc):44,34,76", None)
    rows = list(csv_module.DictReader(io.StringIO(text.read_text(encoding="utf-8"))))
    assert [row["first_name"] for row in rows] == [*HOSTILE, "#N/A"]  # shown as typed
    assert {row["zip"] for row in rows} == {"02108"}
    assert rows[1]["email"] == "-1.j@example.org"  # no apostrophe in front
    assert rows[0]["created_at"] == "2021-10-14 18:10:34"
    assert rows[0]["sms_consent"] == "FALSE"  # a boolean cell
    # Calc saw no formula: a formula cell would have been calculated, "=1+2" shown as 3.
    assert "3" not in [row["first_name"] for row in rows]


def test_the_filter_worked_out_from_a_named_frame_keeps_its_zips_text(tmp_path: Path) -> None:
    records = [example(zip="02108", unit="0102"), example(prospectId="2", zip="90210")]
    frame = with_names(
        to_frame(records),
        communities={records[0]["communityId"]: "Maple Court"},
        agents={records[0]["agent"]["username"]: "Ana Lima"},
    )
    csv = export_csv(frame, tmp_path / "named.csv", datetimes="spreadsheet")
    infilter = libreoffice_csv_filter(frame)
    sheet = openpyxl.load_workbook(soffice(csv, tmp_path, "xlsx", infilter)).active
    row = dict(zip([cell.value for cell in sheet[1]], sheet[2], strict=True))
    assert (row["zip"].value, row["zip"].data_type) == ("02108", "s")
    assert row["unit"].value == "0102"
    assert row["phone"].value == "+10551234567"
    assert row["community_name"].value == "Maple Court"
    assert row["created_at"].is_date
    # The control: the positions of a plain to_frame frame miss the named frame's zip.
    plain = openpyxl.load_workbook(soffice(csv, tmp_path / "plain", "xlsx", _DOCUMENTED_IMPORT))
    shifted = dict(zip([cell.value for cell in plain.active[1]], plain.active[2], strict=True))
    assert shifted["zip"].value == 2108
