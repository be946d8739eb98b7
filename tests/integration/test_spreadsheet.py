"""The exported CSV opened by a real spreadsheet: LibreOffice Calc, headless.

LibreOffice converts the CSV to .xlsx through its CSV import filter (UTF-8, comma, double
quote), as a person opening the file would; openpyxl then reads what Calc made of each cell.
"""

from __future__ import annotations

import copy
import shutil
import subprocess
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from knock_data import export_csv, to_frame
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


def convert(csv: Path, workdir: Path, column_formats: str = "") -> openpyxl.Workbook:
    soffice = shutil.which("soffice")
    assert soffice, "LibreOffice is needed: run `make sysdeps` (Debian: libreoffice-calc-nogui)"
    profile = workdir / "lo-profile"  # its own profile, so parallel runs do not clash
    outdir = workdir / "xlsx"
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--norestore",
            f"--infilter={_FILTER.format(formats=column_formats)}",
            "--convert-to",
            "xlsx",
            "--outdir",
            str(outdir),
            str(csv),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    return openpyxl.load_workbook(outdir / f"{csv.stem}.xlsx")


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
