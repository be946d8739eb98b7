"""Id normalisation and id files."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from knock_data import ConfigurationError, InvalidProspectId, read_ids
from knock_data._fetch.ids import normalize_id, normalize_ids


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1004, "1004"),
        ("1004", "1004"),
        ("  47569637\n", "47569637"),
        (1004.0, "1004"),
        ("1004.0", "1004"),
        ("007", "007"),
        (0, "0"),
    ],
)
def test_normalize_id_accepts_numbers(value: object, expected: str) -> None:
    assert normalize_id(value) == expected


@pytest.mark.parametrize("value", ["abc", "12 34", "-5", -5, 1004.5, True, "1e3", "12/4"])
def test_normalize_id_refuses_everything_else(value: object) -> None:
    with pytest.raises(InvalidProspectId, match="not a valid prospect id") as info:
        normalize_id(value)
    assert info.value.prospect_id == str(value)


@pytest.mark.parametrize("value", [math.nan, None, "", "   ", pd.NA])
def test_normalize_id_refuses_blanks_saying_so(value: object) -> None:
    with pytest.raises(InvalidProspectId, match="A blank cell is not a prospect id") as info:
        normalize_id(value)
    assert info.value.prospect_id == ""


@pytest.mark.parametrize(
    "value",
    [
        10**19,
        "1" * 20,
        "0" * 19 + "1",
        "12345678901234567890.0",
        1e19,
        10**5000,  # too long for str(): Python refuses to write it out
        -(10**5000),
    ],
    ids=["int-20", "text-20", "zeros-20", "float-text-20", "float-1e19", "int-5001", "neg-5001"],
)
def test_an_id_of_more_than_19_digits_is_refused_locally(value: object) -> None:
    with pytest.raises(InvalidProspectId, match="not a valid prospect id") as info:
        normalize_id(value)
    assert "at most 19" in str(info.value) or (isinstance(value, int) and value < 0)
    assert len(info.value.prospect_id or "") < 40  # never the whole of a huge value


def test_the_longest_id_is_19_digits() -> None:
    assert normalize_id("9" * 19) == "9" * 19
    assert normalize_id(10**19 - 1) == "9" * 19


def test_a_huge_int_is_an_invalid_id_and_the_batch_goes_on() -> None:
    result = normalize_ids([1, 10**5000, "2", "3" * 30])
    assert result.ids == ["1", "2"]
    assert [position for position, _ in result.invalid] == [1, 3]
    assert all(error.code == "invalid_id" for _, error in result.invalid)
    assert "about 5,001 digits" in result.invalid[0][1].message


def test_normalize_ids_dedups_in_order_and_keeps_invalid_positions() -> None:
    result = normalize_ids([5, "3", " 5 ", 3.0, "x", "7", None])
    assert result.ids == ["5", "3", "7"]
    assert [position for position, _ in result.invalid] == [4, 6]
    assert result.positions == {"5": 0, "3": 1, "7": 5}


def test_normalize_ids_treats_a_string_as_one_id() -> None:
    assert normalize_ids("1234").ids == ["1234"]


@pytest.mark.parametrize("header", ["prospect_id", "prospectId", "ID", "Prospect ID"])
def test_read_csv_finds_the_id_column(tmp_path, header: str) -> None:
    path = tmp_path / "ids.csv"
    path.write_text(f"name,{header},email\nAna,0012,a@x\nBo,47569637,b@x\n")
    assert read_ids(path) == ["0012", "47569637"]


def test_read_csv_without_header_keeps_the_first_id(tmp_path) -> None:
    path = tmp_path / "ids.csv"
    path.write_text("\n47569637\n51316\n\n51316\n\n\n")
    # Blank lines around the ids are not rows; the one between them is an empty cell.
    assert read_ids(path) == ["47569637", "51316", "", "51316"]


def test_read_csv_ambiguous_columns_lists_them(tmp_path) -> None:
    path = tmp_path / "ids.csv"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(ConfigurationError, match="column") as info:
        read_ids(path)
    assert "['a', 'b']" in str(info.value)
    assert read_ids(path, column="b") == ["2"]
    with pytest.raises(ConfigurationError, match="No column 'c'"):
        read_ids(path, column="c")


def test_read_csv_keeps_bad_cells_as_text_for_the_error_report(tmp_path) -> None:
    path = tmp_path / "ids.csv"
    path.write_text("prospect_id\n 12 \n=cmd()\n1004.0\n")
    assert read_ids(path) == ["12", "=cmd()", "1004"]


def test_read_excel_turns_float_cells_into_ids(tmp_path) -> None:
    import openpyxl  # the `excel` extra, part of the dev install

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Name", "Prospect Id"])
    sheet.append(["Ana", 1004.0])
    sheet.append(["Bo", 47569637])
    sheet.append([None, None])
    sheet.append(["Cy", " 51316 "])
    sheet.append([None, None])
    path = tmp_path / "ids.xlsx"
    workbook.save(path)
    assert read_ids(path) == ["1004", "47569637", "", "51316"]  # the blank row inside counts


def test_read_excel_without_header(tmp_path) -> None:
    import openpyxl  # the `excel` extra, part of the dev install

    workbook = openpyxl.Workbook()
    for value in (1004, 1005.0):
        workbook.active.append([value])
    path = tmp_path / "ids.xlsx"
    workbook.save(path)
    assert read_ids(path) == ["1004", "1005"]


def test_read_text_file_keeps_blank_lines_between_ids_only(tmp_path) -> None:
    path = tmp_path / "ids.txt"
    path.write_text("\ufeff\n1004\n\n  51316  \n\n")
    assert read_ids(path) == ["1004", "", "51316"]


def test_read_series_dataframe_and_iterables() -> None:
    series = pd.Series([1004.0, None, 51316.0])
    assert read_ids(series) == ["1004", "", "51316"]  # the missing cell is kept, to be reported
    frame = pd.DataFrame({"prospectId": ["1", "2"], "x": [3, 4]})
    assert read_ids(frame) == ["1", "2"]
    assert read_ids(iter([7, " 8 "])) == ["7", "8"]
    assert read_ids(pd.array([1, None], dtype="Int64")) == ["1", ""]


def test_read_ids_missing_file(tmp_path) -> None:
    with pytest.raises(FileNotFoundError, match="No id file"):
        read_ids(tmp_path / "nope.csv")


def test_blank_cells_are_reported_with_their_row_not_dropped(tmp_path) -> None:
    from knock_data._fetch.ids import normalize_ids

    # A quoted blank, an empty line (how a spreadsheet writes an empty cell in a one-column
    # CSV) and spaces: three lost ids, each reported at its row; trailing lines are not rows.
    path = tmp_path / "ids.csv"
    path.write_text('prospect_id\n1004\n""\n\n  \n51316\n\n')
    ids = read_ids(path)
    assert ids == ["1004", "", "", "", "51316"]
    result = normalize_ids(ids)
    assert result.ids == ["1004", "51316"]
    assert [(position, str(error)) for position, error in result.invalid] == [
        (
            row - 1,
            f"Item {row} of the input: A blank cell is not a prospect id. Fill in the id or "
            "remove the row from your id list; nothing was sent.",
        )
        for row in (2, 3, 4)
    ]


def test_normalize_ids_takes_one_int_as_one_id_and_refuses_what_is_not_a_list() -> None:
    from knock_data._fetch.ids import normalize_ids

    # One int is taken as one id, although the signature asks for an iterable.
    assert normalize_ids(47569637).ids == ["47569637"]  # type: ignore[arg-type]
    for value, hint in [
        (None, "get_prospect"),
        (4.5, "get_prospect"),
        ({"a": 1}, "read_ids"),
        (pd.DataFrame({"prospect_id": ["1"]}), "df\\['prospect_id'\\]"),
    ]:
        with pytest.raises(TypeError, match=hint):
            normalize_ids(value)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "values",
    [
        ["12", "7", "12", "007", "7"],
        ["1" * 19, "2"],
        ["1" * 20, "2"],  # too long: the careful way, with its error
        ["12", ""],
        ["12", " 7"],
        ["12", "\u0663"],  # an Arabic-Indic digit is not an id
        ["12", 7],
        ["12", "7.0"],
    ],
)
def test_a_list_of_clean_ids_takes_the_quick_way_to_the_same_answer(values: list[object]) -> None:
    quick = normalize_ids(values)
    careful = normalize_ids(iter(values))  # not a list: always the loop
    assert (quick.ids, quick.positions, quick.n_values) == (
        careful.ids,
        careful.positions,
        careful.n_values,
    )
    assert [(i, str(e)) for i, e in quick.invalid] == [(i, str(e)) for i, e in careful.invalid]
