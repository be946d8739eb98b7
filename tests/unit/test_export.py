"""export_csv and to_parquet: encoding, formats, formula neutralising, round trips, PII."""

from __future__ import annotations

import copy
import csv
from pathlib import Path
from typing import Any, Literal

import pandas as pd
import pytest

import knock_data as kd
from knock_data import ConfigurationError, export_csv, to_frame, to_parquet
from knock_data._frame.export import INVISIBLE_RANGES
from knock_data._schema import COLUMNS, PII_COLUMNS
from knock_data.sandbox import EXAMPLE_PROSPECT, generate_prospects
from tests.parquet_read import PANDAS_2, read_parquet

# What people type into web forms that a spreadsheet would run (OWASP's list and friends).
HOSTILE = [
    '=HYPERLINK("http://example.com/x","Click me")',
    "=1+2",
    "+1 555 call me",
    "-2+3",
    "@SUM(1+1)",
    "\tTabby",
    "\r=1+2",
    " =1+2",
    "\n@SUM(1)",
    "=cmd|'/c calc'!A1",
    "\uff1d1+2",  # full-width equals sign
]
BENIGN = [
    "Smith, Jr.",
    'Say "hi"',
    "line one\nline two",
    "O'Brien",
    "José Núñez",
    "a=b",
    "x+y",
    "1-2",
    "",
]


def invisible_characters() -> list[str]:
    """Every character the guard looks past: controls, spaces, zero-width and format ones."""
    return [chr(code) for start, end in INVISIBLE_RANGES for code in range(start, end + 1)]


def example(**changes: Any) -> dict[str, Any]:
    record = copy.deepcopy(EXAMPLE_PROSPECT)
    record.update(changes)
    return record


def read_back(path: Path) -> pd.DataFrame:
    """The CSV as text, exactly as written (no NA guessing)."""
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")


@pytest.fixture
def frame() -> pd.DataFrame:
    return to_frame(
        [
            example(
                moveDate="2021-11-15",
                minBudget=1200,
                maxBudget=1450.5,
                occupants=2,
                bedrooms=["1_BEDROOM", "2_BEDROOMS"],
                address="1234 Oak St",
            ),
            example(prospectId="51316", phone=None, email=None, agent=None, smsConsent=None),
        ]
    )


# --- file format ---------------------------------------------------------------------------


def test_utf8_bom_crlf_and_no_index(tmp_path: Path, frame: pd.DataFrame) -> None:
    out = export_csv(frame, tmp_path / "p.csv")
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfprospect_id,community_id,")
    assert raw.count(b"\r\n") == 3  # header and two rows
    assert read_back(out).columns.tolist() == list(COLUMNS)
    # pandas' default reader strips the BOM too
    assert pd.read_csv(out).columns[0] == "prospect_id"


def test_returns_the_path_and_creates_parent_directories(
    tmp_path: Path, frame: pd.DataFrame
) -> None:
    out = export_csv(frame, str(tmp_path / "new" / "dir" / "p.csv"))
    assert out == tmp_path / "new" / "dir" / "p.csv"
    assert out.is_file()


def test_values_are_written_in_iso_and_plain_forms(tmp_path: Path, frame: pd.DataFrame) -> None:
    back = read_back(export_csv(frame, tmp_path / "p.csv"))
    first, second = back.iloc[0], back.iloc[1]
    assert first["created_at"] == "2021-10-14T18:10:34.515181+00:00"
    assert first["updated_at"] == "2021-10-14T18:10:34.694332+00:00"
    assert first["move_date"] == "2021-11-15"
    assert second["move_date"] == ""
    assert first["min_budget"] == "1200"
    assert first["max_budget"] == "1450.5"
    assert first["occupants"] == "2"
    assert first["sms_consent"] == "False"
    assert second["sms_consent"] == ""
    assert first["prospect_id"] == "47569637"
    assert first["phone"] == "+10551234567"
    assert first["bedrooms"] == "1_BEDROOM, 2_BEDROOMS"
    assert second["agent_username"] == ""


def test_offsets_other_than_utc_are_written_with_a_colon(tmp_path: Path) -> None:
    df = pd.DataFrame({"at": pd.to_datetime(["2021-10-14T13:10:34.5-05:00"]).tz_convert("-05:00")})
    back = read_back(export_csv(df, tmp_path / "p.csv"))
    assert back.loc[0, "at"] == "2021-10-14T13:10:34.500000-05:00"


def test_pandas_reads_the_types_back(tmp_path: Path) -> None:
    df = to_frame(generate_prospects(300))
    back = pd.read_csv(
        export_csv(df, tmp_path / "p.csv"),
        dtype={"prospect_id": str, "zip": str, "phone": str},
        parse_dates=["move_date"],
    )
    assert back["prospect_id"].tolist() == df["prospect_id"].tolist()
    created = pd.to_datetime(back["created_at"], format="ISO8601", utc=True)
    assert created.tolist() == df["created_at"].tolist()
    assert back["move_date"].tolist() == df["move_date"].tolist()
    assert back["sms_consent"].tolist() == df["sms_consent"].tolist()
    assert back["min_budget"].isna().tolist() == df["min_budget"].isna().tolist()


# --- formula neutralising ------------------------------------------------------------------


@pytest.mark.parametrize("name", HOSTILE)
def test_formula_cells_get_a_leading_apostrophe(tmp_path: Path, name: str) -> None:
    df = to_frame([example(firstName=name, source={"title": name})])
    back = read_back(export_csv(df, tmp_path / "p.csv"))
    assert back.loc[0, "first_name"] == "'" + name
    assert back.loc[0, "source_title"] == "'" + name  # categoricals too


@pytest.mark.parametrize("text", BENIGN)
def test_ordinary_text_round_trips_unchanged(tmp_path: Path, text: str) -> None:
    df = to_frame([example(lastName=text, address=text)])
    back = read_back(export_csv(df, tmp_path / "p.csv"))
    assert back.loc[0, "last_name"] == text
    assert back.loc[0, "address"] == text


@pytest.mark.parametrize("number", ["+10551234567", "+447911123456", "-5", "+3.5", "12"])
def test_plain_numbers_such_as_e164_phones_are_left_alone(tmp_path: Path, number: str) -> None:
    df = to_frame([example(phone=number, unit=number)])
    back = read_back(export_csv(df, tmp_path / "p.csv"))
    assert back.loc[0, "phone"] == number
    assert back.loc[0, "unit"] == number


def test_formatted_phones_with_spaces_are_neutralised(tmp_path: Path) -> None:
    df = to_frame([example(phone="+1 (055) 123-4567")])
    assert read_back(export_csv(df, tmp_path / "p.csv")).loc[0, "phone"] == "'+1 (055) 123-4567"


def test_hostile_headers_and_object_columns_are_neutralised(tmp_path: Path) -> None:
    df = to_frame([example(**{"=cmd": "=1+2"})])
    assert "=cmd" in df.columns
    df["notes"] = pd.Series(["@SUM(1)"], dtype=object)
    back = read_back(export_csv(df, tmp_path / "p.csv"))
    assert "'=cmd" in back.columns
    assert back.loc[0, "'=cmd"] == "'=1+2"
    assert back.loc[0, "notes"] == "'@SUM(1)"


def test_the_frame_itself_is_not_changed(tmp_path: Path) -> None:
    df = to_frame([example(firstName="=1+2")])
    export_csv(df, tmp_path / "p.csv", pii="mask")
    assert df.loc[0, "first_name"] == "=1+2"
    assert df.loc[0, "email"] == "xtest@example.com"


# --- round trip through read_csv -----------------------------------------------------------


def test_commas_quotes_newlines_and_unicode_round_trip(tmp_path: Path) -> None:
    texts = ["a, b", 'say "hi", then go', "two\nlines", "crlf\r\ninside", "Zoë 🏠 Nguyễn", ""]
    df = to_frame([example(prospectId=str(i), lastName=t) for i, t in enumerate(texts)])
    out = export_csv(df, tmp_path / "p.csv")
    for encoding in ("utf-8-sig", "utf-8"):
        back = pd.read_csv(out, dtype=str, keep_default_na=False, encoding=encoding)
        assert back["last_name"].tolist() == texts
        assert back["prospect_id"].tolist() == [str(i) for i in range(len(texts))]
        assert back.columns[0] == "prospect_id"


def test_a_sandbox_pull_round_trips(tmp_path: Path) -> None:
    """Every text cell comes back as written, except the neutralised ones, which gain "'"."""
    df = to_frame(generate_prospects(3000))
    back = read_back(export_csv(df, tmp_path / "p.csv"))
    assert len(back) == len(df)
    for column in ("first_name", "last_name", "email", "phone", "address", "source_title"):
        original = ["" if pd.isna(v) else str(v) for v in df[column]]
        for before, after in zip(original, back[column], strict=True):
            expected = "'" + before if before[:1] in ("=", "-", "@", "\t", "\r") else before
            if before.startswith("+") and not before[1:].isdigit():
                expected = "'" + before
            assert after == expected
    # the sandbox's hostile names are there, and were neutralised
    assert sum(v.startswith("'") for v in back["first_name"]) >= 5


# --- PII -------------------------------------------------------------------------------------


def test_mask_keeps_a_useful_trace(tmp_path: Path, frame: pd.DataFrame) -> None:
    back = read_back(export_csv(frame, tmp_path / "p.csv", pii="mask"))
    first, second = back.iloc[0], back.iloc[1]
    assert first["email"] == "***@example.com"
    assert first["phone"] == "*********67"
    assert first["first_name"] == "N."
    assert first["last_name"] == "L."
    assert first["address"] == "*** Oak St"
    assert second["email"] == ""
    assert second["phone"] == ""
    assert first["prospect_id"] == "47569637"  # not personal data
    assert first["agent_username"] == "2be16a9e-b3ab-4b1f-9632-575aca1a3d20"
    assert back.columns.tolist() == list(COLUMNS)


def test_mask_hides_every_original_value(tmp_path: Path) -> None:
    df = to_frame(generate_prospects(300))
    text = export_csv(df, tmp_path / "p.csv", pii="mask").read_text(encoding="utf-8-sig")
    for column in ("email", "phone"):
        for value in df[column].dropna():
            assert value not in text, (column, value)
    for value in df["address"].dropna():
        assert value not in text


def test_mask_odd_values() -> None:
    from knock_data._frame.export import _mask_address, _mask_email, _mask_name, _mask_phone

    assert _mask_email("no-at-sign") == "***"
    assert _mask_email("a@b@example.com") == "***@example.com"
    assert _mask_phone("5") == "5"
    assert _mask_phone("(055) 123-45") == "******45"
    assert _mask_phone("none") == "***"
    assert _mask_name("  Łukasz ") == "Ł."
    assert _mask_name("   ") == ""
    assert _mask_address("Apt 5, 12 Main St") == "Apt ***, *** Main St"


def test_drop_removes_exactly_the_pii_columns(tmp_path: Path, frame: pd.DataFrame) -> None:
    back = read_back(export_csv(frame, tmp_path / "p.csv", pii="drop"))
    assert back.columns.tolist() == [c for c in COLUMNS if c not in PII_COLUMNS]
    assert set(PII_COLUMNS) == {"email", "phone", "first_name", "last_name", "address"}


@pytest.mark.parametrize("writer", [export_csv, to_parquet])
@pytest.mark.parametrize("bad", ["hide", "MASK", "", None])
def test_an_unknown_pii_choice_lists_the_choices(
    tmp_path: Path, frame: pd.DataFrame, writer: Any, bad: Any
) -> None:
    with pytest.raises(ConfigurationError) as caught:
        writer(frame, tmp_path / "p.out", pii=bad)
    message = str(caught.value)
    for choice in ("'keep'", "'mask'", "'drop'"):
        assert choice in message
    assert isinstance(caught.value, ValueError)
    assert not (tmp_path / "p.out").exists()


def test_a_non_frame_is_a_type_error(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match="DataFrame"):
        export_csv([{"a": 1}], tmp_path / "p.csv")  # type: ignore[arg-type]


# --- parquet ---------------------------------------------------------------------------------


def test_parquet_round_trip_keeps_values_and_dtypes(tmp_path: Path) -> None:
    df = to_frame([*generate_prospects(300), example(extraScore=3, agent={"fullName": "Ada"})])
    back = read_parquet(to_parquet(df, tmp_path / "p.parquet"))
    pd.testing.assert_frame_equal(back, df)
    assert back.dtypes.to_dict() == df.dtypes.to_dict()


def test_parquet_round_trip_of_an_empty_frame(tmp_path: Path) -> None:
    df = to_frame([])
    back = read_parquet(to_parquet(df, tmp_path / "empty.parquet"))
    assert back.shape == (0, len(COLUMNS))
    categorical = [c for c in df.columns if isinstance(df[c].dtype, pd.CategoricalDtype)]
    assert categorical
    # pandas reads an empty category list back as object-typed (pandas 2: the whole column is
    # object); every other dtype is exact
    expected = df.dtypes.astype(str).to_dict()
    if PANDAS_2:
        expected.update(dict.fromkeys(categorical, "object"))
    assert back.dtypes.astype(str).to_dict() == expected
    pd.testing.assert_frame_equal(back.drop(columns=categorical), df.drop(columns=categorical))


def test_parquet_mask_and_drop(tmp_path: Path, frame: pd.DataFrame) -> None:
    masked = read_parquet(to_parquet(frame, tmp_path / "m.parquet", pii="mask"))
    assert masked.loc[0, "email"] == "***@example.com"
    assert masked["email"].dtype == pd.StringDtype("pyarrow")
    assert masked["created_at"].iloc[0] == frame["created_at"].iloc[0]
    dropped = read_parquet(to_parquet(frame, tmp_path / "d.parquet", pii="drop"))
    assert not set(PII_COLUMNS) & set(dropped.columns)
    assert len(dropped.columns) == len(COLUMNS) - len(PII_COLUMNS)


def test_public_names() -> None:
    assert kd.export_csv is export_csv
    assert kd.to_parquet is to_parquet


# --- the whole family of invisible leaders, and symbolic links ----------------------------


@pytest.mark.parametrize("storage", ["pyarrow", "python"])
def test_a_trigger_after_any_run_of_invisible_characters_is_neutralised(
    tmp_path: Path, storage: Literal["pyarrow", "python"]
) -> None:
    # "\x00=1+1" got through once, and LibreOffice runs it: skips the NUL, sees a formula.
    leaders = invisible_characters()
    assert {"\x00", "\u200b", "\ufeff", "\u2028", "\U000e0001"} <= set(leaders)
    assert len(leaders) > 4000  # every range, every code point (the tags too)
    cells = [lead + trigger + "1+1" for lead in leaders for trigger in "=+-@\uff1d"]
    cells += [lead * 3 + "\u200b =SUM(1)" for lead in leaders[:200]]  # runs, mixed
    frame = pd.DataFrame({"note": cells}).astype(pd.StringDtype(storage))
    out = export_csv(frame, tmp_path / "family.csv")
    with out.open(encoding="utf-8-sig", newline="") as handle:
        written = [row[0] for row in csv.reader(handle)][1:]
    assert len(written) == len(cells)
    unguarded = [cell for cell in written if not cell.startswith("'")]
    assert unguarded == []
    assert written == ["'" + cell for cell in cells]  # the rest kept exactly


def test_visible_text_before_a_trigger_is_left_alone(tmp_path: Path) -> None:
    cells = ["x\u200b=1", "Ann=Bob", "a\x00=1", "1-2", "+10551234567", "\u00e9=1"]
    out = export_csv(pd.DataFrame({"note": cells}), tmp_path / "ok.csv")
    with out.open(encoding="utf-8-sig", newline="") as handle:
        assert [row[0] for row in csv.reader(handle)][1:] == cells


@pytest.mark.parametrize(
    "write", [export_csv, to_parquet, kd.export_excel], ids=["csv", "parquet", "excel"]
)
def test_an_export_never_writes_through_a_symbolic_link(
    tmp_path: Path, frame: pd.DataFrame, write: Any
) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    link = tmp_path / "export.out"
    link.symlink_to(victim)
    with pytest.raises(ConfigurationError, match="symbolic link") as info:
        write(frame, link)
    assert str(link) in str(info.value)
    assert victim.read_text() == "keep me"
    dangling = tmp_path / "dangling.out"
    dangling.symlink_to(tmp_path / "nowhere" / "new.txt")
    with pytest.raises(ConfigurationError, match="symbolic link"):
        write(frame, dangling)
    assert not (tmp_path / "nowhere").exists()
    write(frame, tmp_path / "plain.out")  # a plain path, existing or not, is written
    write(frame, tmp_path / "plain.out")


def test_the_libreoffice_filter_follows_the_frames_own_columns() -> None:

    plain = pd.DataFrame(columns=["prospect_id", "email", "phone", "zip", "city"])
    assert kd.libreoffice_csv_filter(plain) == "CSV:44,34,76,1,1/2/3/2/4/2,1033,false,true"
    # Names beside the ids move zip along; dropping personal data moves it back.
    named = pd.DataFrame(
        columns=["prospect_id", "community_id", "community_name", "email", "phone", "zip"]
    )
    assert kd.libreoffice_csv_filter(named) == "CSV:44,34,76,1,1/2/2/2/5/2/6/2,1033,false,true"
    dropped = kd.libreoffice_csv_filter(named, pii="drop")
    assert dropped == "CSV:44,34,76,1,1/2/2/2/4/2,1033,false,true"
