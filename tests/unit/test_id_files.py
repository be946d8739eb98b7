"""Id files as analysts really have them, each made for real in the test: European CSV,
tab and pipe files, Excel and OpenDocument workbooks with title blocks and several sheets,
Excel's UTF-16 "Unicode Text", Windows-1252 CSV, text files with a header, and files that
are not id lists at all."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from knock_data import ConfigurationError, IdList, WrongArgumentType, read_ids

# -- delimiters ----------------------------------------------------------------------------


def test_a_semicolon_csv_with_decimal_commas_reads_the_id_column_not_a_split_budget(
    tmp_path: Path,
) -> None:
    # What Excel writes in most of Europe: the comma is the decimal mark.
    path = tmp_path / "leads.csv"
    path.write_text(
        "Prospect ID;Name;Budget\n47569637;Ana;1.250,50\n51316;Bo;980,00\n", encoding="utf-8"
    )
    ids = read_ids(path)
    assert ids == ["47569637", "51316"]
    assert (ids.column, ids.sep, ids.positions) == ("Prospect ID", ";", [2, 3])


def test_a_one_column_header_over_semicolon_rows_is_refused_not_read_as_ids(
    tmp_path: Path,
) -> None:
    # Read by commas, this header is one column and every row splits at its budget's
    # decimal comma: the old reader took the "50" after it for an id.
    path = tmp_path / "leads.csv"
    path.write_text("Prospect ID\n47569637;1.250,50\n51316;980,50\n1004;12,50\n")
    with pytest.raises(ConfigurationError, match=r"Most lines of leads\.csv hold") as info:
        read_ids(path)
    assert "sep=" in str(info.value)


@pytest.mark.parametrize("sep", ["\t", "|", ",", ";"])
def test_each_separator_is_found_by_the_table_s_shape(tmp_path: Path, sep: str) -> None:
    path = tmp_path / "ids.txt"
    rows = [["Name", "prospect_id", "Notes"], ["Ana", "1004", "x"], ["Bo", "51316", ""]]
    path.write_text("\n".join(sep.join(row) for row in rows) + "\n")
    ids = read_ids(path)
    assert ids == ["1004", "51316"]
    assert ids.sep == sep


def test_an_ambiguous_file_names_each_reading_and_sep_settles_it(tmp_path: Path) -> None:
    path = tmp_path / "odd.csv"
    path.write_text("a;b,c\n1;2,3\n4;5,6\n")
    with pytest.raises(ConfigurationError, match=r"Cannot tell how odd\.csv is separated") as info:
        read_ids(path)
    message = str(info.value)
    assert "by ',' it has the columns ['a;b', 'c']" in message
    assert "by ';' it has the columns ['a', 'b,c']" in message
    assert "sep=',' or sep=';'" in message
    assert read_ids(path, sep=";", column="a") == ["1", "4"]
    assert read_ids(path, sep=",", column="c") == ["3", "6"]


def test_the_reading_that_names_the_id_column_wins_a_tie(tmp_path: Path) -> None:
    path = tmp_path / "leads.csv"
    path.write_text("Prospect ID;Budget (EUR, monthly)\n1004;1,5\n51316;2,5\n")
    assert read_ids(path) == ["1004", "51316"]


def test_a_row_split_by_an_unquoted_separator_is_refused_naming_its_line(
    tmp_path: Path,
) -> None:
    path = tmp_path / "ids.csv"
    path.write_text('name,prospect_id\n"Ana, Maria",1004\nBo,51316\nSmith, Cy,7\n')
    with pytest.raises(ConfigurationError, match=r"Line 4 of ids\.csv has 3 values") as info:
        read_ids(path)
    assert "header (line 1) has 2" in str(info.value)


@pytest.mark.parametrize(
    ("text", "sep", "line", "values"),
    [
        # A small comma file where one of two rows is too wide: at least half the rows.
        ("prospect_id,name\n1004,a,b\n51316,c\n", ",", 2, 3),
        # A semicolon file with one too-wide row: by commas its header is one column.
        ("prospect_id;budget\n47569637;1.250,50\n51316;2.000;00\n", ";", 3, 3),
    ],
)
def test_a_small_file_with_a_too_wide_row_names_that_line_by_its_own_separator(
    tmp_path: Path, text: str, sep: str, line: int, values: int
) -> None:
    path = tmp_path / "ids.csv"
    path.write_text(text)
    with pytest.raises(ConfigurationError) as info:
        read_ids(path)
    message = str(info.value)
    assert f"Line {line} of ids.csv has {values} values separated by {sep!r}" in message
    assert "header (line 1) has 2" in message
    assert "does not" not in message  # the header does hold the separator
    assert "sep=','" not in message or sep == ","


def test_several_too_wide_rows_are_each_named(tmp_path: Path) -> None:
    path = tmp_path / "ids.csv"
    path.write_text("prospect_id,name\n1004,a,b\n51316,c,d\n7,e\n")
    with pytest.raises(ConfigurationError, match=r"2 lines of ids\.csv have more values") as info:
        read_ids(path)
    assert "line 2 has 3, line 3 has 3" in str(info.value)


def test_a_cell_longer_than_the_csv_module_s_limit_is_read_not_taken_for_one_column(
    tmp_path: Path,
) -> None:
    import csv

    path = tmp_path / "notes.csv"
    note = "x" * 200_000  # over csv's default field size limit of 131,072 characters
    path.write_text(f'prospect_id,note\n1004,"{note}"\n51316,short\n')
    limit = csv.field_size_limit()
    ids = read_ids(path)
    assert ids == ["1004", "51316"]
    assert (ids.column, ids.sep) == ("prospect_id", ",")
    assert read_ids(path, sep=",") == ["1004", "51316"]
    assert csv.field_size_limit() == limit  # restored for the rest of the process


def test_sep_is_one_separating_character(tmp_path: Path) -> None:
    path = tmp_path / "ids.csv"
    path.write_text("prospect_id\n1\n")
    with pytest.raises(ConfigurationError, match=r"sep must be one character .*',', ';'"):
        read_ids(path, sep="::")
    with pytest.raises(ConfigurationError, match="sep must be"):
        read_ids(path, sep="a")


def test_a_one_column_file_keeps_a_cell_with_a_stray_comma_as_a_reported_cell(
    tmp_path: Path,
) -> None:
    path = tmp_path / "ids.csv"
    path.write_text("prospect_id\n1004\n12,3\n51316\n7\n")
    assert read_ids(path) == ["1004", "12,3", "51316", "7"]  # "12,3" is an invalid id


# -- text files ----------------------------------------------------------------------------


def test_a_text_file_whose_first_line_is_a_header(tmp_path: Path) -> None:
    path = tmp_path / "ids.txt"
    path.write_text("Prospect ID\n47569637\n\n51316\n")
    ids = read_ids(path)
    assert ids == ["47569637", "", "51316"]
    assert (ids.column, ids.positions, ids.unit) == ("Prospect ID", [2, 3, 4], "line")


def test_a_mistyped_first_id_is_data_not_a_header(tmp_path: Path) -> None:
    path = tmp_path / "ids.txt"
    path.write_text("12 3\n47569637\n4.5\n")
    assert read_ids(path) == ["12 3", "47569637", "4.5"]


def test_an_id_header_below_ids_is_data_not_the_header(tmp_path: Path) -> None:
    path = tmp_path / "ids.csv"
    path.write_text("1004\nid\n1005\n")
    assert read_ids(path) == ["1004", "id", "1005"]


def test_excel_unicode_text_is_utf16_with_a_bom_and_tabs(tmp_path: Path) -> None:
    # Excel's "Save as Unicode Text": UTF-16 little-endian with a byte-order mark, tabs, CRLF.
    path = tmp_path / "export.txt"
    text = "Name\tProspect ID\tCity\r\nZoë\t47569637\tMünchen\r\nŁukasz\t51316\tKraków\r\n"
    path.write_bytes(text.encode("utf-16"))
    assert path.read_bytes()[:2] == b"\xff\xfe"
    ids = read_ids(path)
    assert ids == ["47569637", "51316"]
    frame = read_ids(path, keep=True)
    assert frame["Name"].tolist() == ["Zoë", "Łukasz"]
    assert frame["City"].tolist() == ["München", "Kraków"]


def test_a_windows_1252_csv_keeps_its_accents(tmp_path: Path) -> None:
    # Excel's plain "CSV" on Western European Windows is in the code page, not UTF-8.
    path = tmp_path / "leads.csv"
    path.write_bytes("prospect_id,first_name\n1004,José\n51316,Renée\n".encode("cp1252"))
    frame = read_ids(path, keep=True)
    assert frame["prospect_id"].tolist() == ["1004", "51316"]
    assert frame["first_name"].tolist() == ["José", "Renée"]


# -- Excel ---------------------------------------------------------------------------------


def _xlsx(path: Path, sheets: dict[str, Any]) -> Path:
    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(name)
        for row in rows:
            sheet.append(list(row))
    workbook.save(path)
    return path


TITLE_BLOCK: list[list[Any]] = [
    ["Prospects export", None, None],
    ["Generated 2021-10-14 by Leasing Ops", None, None],
    [None, None, None],
    ["Name", "Prospect ID", "Budget"],
    ["Ana", 47569637.0, 1250.5],
    ["Bo", None, 980],
    ["Cy", "51316", 1100],
]


def test_excel_header_below_a_title_block_and_sheet_row_numbers(tmp_path: Path) -> None:
    path = _xlsx(tmp_path / "leads.xlsx", {"Leads": TITLE_BLOCK})
    ids = read_ids(path)
    assert ids == ["47569637", "", "51316"]
    assert ids.positions == [5, 6, 7]  # the sheet's own row numbers
    assert (ids.column, ids.sheet, ids.source) == (
        "Prospect ID",
        "Leads",
        "sheet 'Leads' of leads.xlsx",
    )


def test_excel_column_and_header_row_as_the_sheet_shows_them(tmp_path: Path) -> None:
    rows = [["Leads of March"], ["Lead", "Knock #", "Unit"], ["Ana", 1004, "4B"], ["Bo", 7, "2A"]]
    path = _xlsx(tmp_path / "leads.xlsx", {"Sheet1": rows})
    with pytest.raises(ConfigurationError, match="Cannot tell which column") as info:
        read_ids(path, header_row=2)
    assert "['Lead', 'Knock #', 'Unit']" in str(info.value)
    assert "column=" in str(info.value)
    ids = read_ids(path, column="Knock #")  # the header row is found by its name
    assert ids == ["1004", "7"]
    assert ids.positions == [3, 4]
    assert read_ids(path, column="knock #", header_row=2) == ["1004", "7"]  # loose match


def test_a_column_that_is_not_there_lists_the_real_header_below_a_title_block(
    tmp_path: Path,
) -> None:
    sheets = {"Summary": [["Month", "Leads"], ["2021-09", 52]], "Leads": TITLE_BLOCK}
    path = _xlsx(tmp_path / "leads.xlsx", sheets)
    with pytest.raises(ConfigurationError, match=r"No sheet of leads\.xlsx has a column") as info:
        read_ids(path, column="Prospect Idd")
    message = str(info.value)
    assert "'Leads' has the columns ['Name', 'Prospect ID', 'Budget'] (row 4)" in message
    assert "Prospects export" not in message
    with pytest.raises(ConfigurationError, match="No column 'Prospect Idd'") as info:
        read_ids(path, column="Prospect Idd", sheet="Leads")
    assert "['Name', 'Prospect ID', 'Budget'] (the names in row 4)" in str(info.value)
    text = tmp_path / "leads.csv"
    text.write_text("Prospects export\nQ4 2021\n\nName;Prospect ID\nAna;1004\n")
    with pytest.raises(ConfigurationError, match=r"No column 'pid' in leads\.csv") as info:
        read_ids(text, column="pid")
    assert "['Name', 'Prospect ID'] (the names in line 4)" in str(info.value)
    assert read_ids(path, column="Name") == ["Ana", "Bo", "Cy"]  # a column that is there


def test_excel_default_sheet_is_the_first_with_an_id_column(tmp_path: Path) -> None:
    sheets = {
        "Summary": [["Month", "Leads"], ["2021-09", 52]],
        "Empty": [],
        "Leads": TITLE_BLOCK,
    }
    path = _xlsx(tmp_path / "book.xlsx", sheets)
    ids = read_ids(path)
    assert (ids, ids.sheet) == (["47569637", "", "51316"], "Leads")
    assert read_ids(path, sheet=2) == ids
    assert read_ids(path, sheet="leads") == ids  # a loose match of the name
    with pytest.raises(ConfigurationError, match=r"No sheet 'Data' in book\.xlsx") as info:
        read_ids(path, sheet="Data")
    assert "0 'Summary', 1 'Empty', 2 'Leads'" in str(info.value)
    with pytest.raises(ConfigurationError, match="Cannot tell which column"):
        read_ids(path, sheet="Summary")


def test_excel_without_an_id_column_on_any_sheet_lists_the_sheets(tmp_path: Path) -> None:
    sheets = {"Summary": [["Month", "Leads"], ["2021-09", 52]], "Notes": [["Call Ana"]]}
    path = _xlsx(tmp_path / "book.xlsx", sheets)
    with pytest.raises(
        ConfigurationError, match=r"No sheet of book\.xlsx has an id column"
    ) as info:
        read_ids(path)
    message = str(info.value)
    assert "'Summary' has the columns ['Month', 'Leads']" in message
    assert "'Notes'" in message
    assert "sheet=" in message
    assert "column=" in message


def test_a_workbook_under_a_csv_name_is_read_as_a_workbook(tmp_path: Path) -> None:
    workbook = _xlsx(tmp_path / "real.xlsx", {"Leads": TITLE_BLOCK})
    disguised = tmp_path / "leads.csv"
    disguised.write_bytes(workbook.read_bytes())
    assert read_ids(disguised) == ["47569637", "", "51316"]


def test_text_saved_under_an_xls_name_is_read_as_text(tmp_path: Path) -> None:
    # Many web systems export tab-separated text and call it .xls.
    path = tmp_path / "export.xls"
    path.write_text("Prospect ID\tName\n1004\tAna\n")
    assert read_ids(path) == ["1004"]


# -- OpenDocument --------------------------------------------------------------------------


def _ods(path: Path, sheets: dict[str, Any]) -> Path:
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    document = OpenDocumentSpreadsheet()
    for name, rows in sheets.items():
        table = Table(name=name)
        for row in rows:
            table_row = TableRow()
            for value in row:
                if value is None:
                    cell = TableCell()
                elif isinstance(value, int | float):
                    cell = TableCell(valuetype="float", value=value)
                    cell.addElement(P(text=str(value)))
                else:
                    cell = TableCell(valuetype="string")
                    cell.addElement(P(text=str(value)))
                table_row.addElement(cell)
            table.addElement(table_row)
        document.spreadsheet.addElement(table)
    document.save(str(path))
    return path


def test_ods_title_block_second_sheet_and_row_numbers(tmp_path: Path) -> None:
    path = _ods(
        tmp_path / "leads.ods", {"Notes": [["Call everyone"], ["Ana"]], "Leads": TITLE_BLOCK}
    )
    ids = read_ids(path)
    assert ids == ["47569637", "", "51316"]
    assert (ids.sheet, ids.positions) == ("Leads", [5, 6, 7])
    assert read_ids(path, sheet="Leads", column="Prospect ID") == ids


# -- refused by content --------------------------------------------------------------------


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


@pytest.mark.parametrize(
    ("name", "make", "said"),
    [
        (
            "leads.numbers",
            lambda p: _zip(
                p, {"Index/Document.iwa": b"\x00\x01", "Metadata/Properties.plist": b""}
            ),
            "an Apple Numbers document",
        ),
        ("exports.zip", lambda p: _zip(p, {"a.csv": b"prospect_id\n1\n"}), "a zip archive (a.csv)"),
        ("ids.csv", lambda p: p.write_bytes(bytes(range(256)) * 8), "binary data"),
        ("ids.txt", lambda p: p.write_bytes(b"%PDF-1.7\n..."), "a PDF document"),
        (
            "old.xls",
            lambda p: p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600),
            "an old Excel .xls",
        ),
        (
            "report.xls",
            lambda p: p.write_text("<html><table><tr><td>1004</td></tr></table></html>"),
            "a web page (HTML)",
        ),
    ],
)
def test_files_that_are_not_id_lists_are_refused_by_content(
    tmp_path: Path, name: str, make: Any, said: str
) -> None:
    path = tmp_path / name
    make(path)
    with pytest.raises(ConfigurationError, match="not a list of ids") as info:
        read_ids(path)
    assert said in str(info.value)
    assert info.value.hint  # what to do instead


def test_a_numbers_package_folder_is_refused_as_numbers(tmp_path: Path) -> None:
    (tmp_path / "leads.numbers" / "Index").mkdir(parents=True)
    with pytest.raises(ConfigurationError, match="Apple Numbers"):
        read_ids(tmp_path / "leads.numbers")


# -- keeping the input's own columns -------------------------------------------------------


def test_keep_returns_the_table_with_positions_and_the_join_key(tmp_path: Path) -> None:
    path = _xlsx(tmp_path / "leads.xlsx", {"Leads": TITLE_BLOCK})
    frame = read_ids(path, keep=True)
    assert list(frame.columns) == ["position", "prospect_id", "Name", "Prospect ID", "Budget"]
    assert frame["position"].tolist() == [5, 6, 7]
    assert frame["prospect_id"].tolist() == ["47569637", "", "51316"]
    assert frame["Name"].tolist() == ["Ana", "Bo", "Cy"]
    assert str(frame["prospect_id"].dtype) == "string"
    assert frame["prospect_id"].tolist() == list(read_ids(path))


def test_keep_replaces_an_id_column_called_prospect_id_and_renames_clashes(
    tmp_path: Path,
) -> None:
    path = tmp_path / "ids.csv"
    path.write_text("prospect_id,position,Name\n1004.0,Manager,Ana\n")
    frame = read_ids(path, keep=True)
    assert list(frame.columns) == ["position", "prospect_id", "position_input", "Name"]
    assert frame.iloc[0].tolist() == [2, "1004", "Manager", "Ana"]


def test_read_ids_refuses_what_it_cannot_read_with_the_argument_named() -> None:
    with pytest.raises(WrongArgumentType, match="read_ids takes a path") as info:
        read_ids(123)
    assert isinstance(info.value, TypeError)
    with pytest.raises(WrongArgumentType, match="sheet= and header_row= are for files"):
        read_ids([1, 2], sheet="Leads")
    with pytest.raises(WrongArgumentType, match="keep must be True or False"):
        read_ids([1], keep="yes")  # type: ignore[call-overload]


def test_options_that_do_not_fit_the_file_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "ids.csv"
    path.write_text("prospect_id\n1\n")
    with pytest.raises(ConfigurationError, match="text file, which has no sheets"):
        read_ids(path, sheet="Leads")
    with pytest.raises(ConfigurationError, match=r"header_row=9 is past the end of ids\.csv"):
        read_ids(path, header_row=9)
    with pytest.raises(ConfigurationError, match="counting from 1"):
        read_ids(path, header_row=0)
    workbook = _xlsx(tmp_path / "leads.xlsx", {"Leads": TITLE_BLOCK})
    with pytest.raises(ConfigurationError, match="need no separator"):
        read_ids(workbook, sep=";")


def test_the_list_is_a_plain_list_of_str() -> None:
    ids = read_ids(pd.Series([1004.0, None]))
    assert isinstance(ids, IdList)
    assert isinstance(ids, list)
    assert ids == ["1004", ""]
    assert ids.positions == [1, 2]
