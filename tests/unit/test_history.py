"""kd.History on plain records: the stored folder, versions, as_of, PII, owners, bad files."""

from __future__ import annotations

import copy
import hashlib
import json
import os
import threading
import time
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import knock_data as kd
from knock_data import HistoryError, RecordError
from knock_data._fetch.scope import key_scope
from knock_data._frame.arrow import frame_from_arrow, frame_to_arrow
from knock_data._history.folder import MANIFEST, OWNER, Folder
from knock_data._history.writer import RunWriter
from knock_data._schema import COLUMNS, PII_COLUMNS
from knock_data.sandbox import EXAMPLE_PROSPECT, generate_prospects

KEY = "key-of-portfolio-a"
OTHER_KEY = "key-of-portfolio-b"


def prospect(pid: str = "47569637", **changes: Any) -> dict[str, Any]:
    record = copy.deepcopy(EXAMPLE_PROSPECT)
    record["prospectId"] = pid
    record.update(changes)
    return record


def utc(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


def chunk_files(path: Path) -> list[Path]:
    return sorted(path.glob("observed_date=*/*.parquet"))


# -- storage -----------------------------------------------------------------------------


def test_frame_columns_survive_the_stored_types_exactly() -> None:
    frame = kd.to_frame([*generate_prospects(300), prospect("1", agent=None, source=None)])
    back = pd.DataFrame(frame_from_arrow(frame_to_arrow(frame, COLUMNS), COLUMNS))
    pd.testing.assert_frame_equal(back, frame)


def test_appended_records_come_back_as_the_frame_with_observation_columns(
    tmp_path: Path,
) -> None:
    records = generate_prospects(200)
    history = kd.History(tmp_path / "h")
    run = history.append(records, observed_at="2021-11-02T00:00:00Z")

    observed = history.observations()
    frame = kd.to_frame(records)
    assert list(observed.columns) == [*frame.columns, "observed_at", "run_id", "row_hash", "gone"]
    by_id = observed.sort_values("prospect_id", ignore_index=True)
    expected = frame.sort_values("prospect_id", ignore_index=True)
    pd.testing.assert_frame_equal(by_id[list(frame.columns)], expected)
    assert str(observed["observed_at"].dtype) == "datetime64[us, UTC]"
    assert set(observed["observed_at"]) == {utc("2021-11-02")}
    assert set(observed["run_id"]) == {run}
    assert run.startswith("20211102T000000Z-")
    assert str(observed["gone"].dtype) == "boolean"
    assert not observed["gone"].any()
    assert [p.parent.name for p in chunk_files(history.path)] == ["observed_date=2021-11-02"]
    assert chunk_files(history.path)[0].name == f"part-{run}-00000.parquet"


def test_row_hash_is_the_documented_digest_of_the_compared_columns(tmp_path: Path) -> None:
    record = prospect(agent=None)
    history = kd.History(tmp_path)
    history.append([record], observed_at="2021-11-02")
    # gone, status, source_title, agent_username (missing), community_id, the three flags
    values = ["false", "new", "Property Website", "\x00", "191b65d2686d11e9"]
    values += ["false", "false", "false"]
    expected = hashlib.blake2b("\x1f".join(values).encode(), digest_size=16).hexdigest()
    assert history.observations()["row_hash"].tolist() == [expected]


def test_a_run_is_written_in_chunks_as_it_goes(tmp_path: Path) -> None:
    history = kd.History(tmp_path)
    writer = history.open_run()
    writer.chunk_rows = 40
    records = generate_prospects(100)
    for record in records[:90]:
        writer.add(record, utc("2021-11-02"))
    assert len(chunk_files(tmp_path)) == 2  # written before the run ends
    for record in records[90:]:
        writer.add(record, utc("2021-11-02"))
    writer.close()
    assert [f.name[-13:] for f in chunk_files(tmp_path)] == [
        "00000.parquet",
        "00001.parquet",
        "00002.parquet",
    ]
    assert sorted(history.observations()["prospect_id"]) == sorted(r["prospectId"] for r in records)


def test_a_run_that_spans_midnight_stays_under_its_first_day(tmp_path: Path) -> None:
    history = kd.History(tmp_path)
    history.append(
        [prospect("1"), prospect("2")],
        observed_at=["2021-11-02T23:59:59Z", "2021-11-03T00:00:01Z"],
    )
    assert [f.parent.name for f in chunk_files(tmp_path)] == ["observed_date=2021-11-02"]
    assert len(history.as_of("2021-11-03T00:00:00Z")) == 1


# -- versions ------------------------------------------------------------------------------


def make_story(history: kd.History) -> None:
    """Prospect 1: new, new (only updated_at and phone changed), open, gone, back as open.
    Prospect 2: seen in the first run only."""
    history.append([prospect("1"), prospect("2", status="booked")], observed_at="2021-11-02")
    quiet = prospect("1", updatedAt="2021-11-05T10:00:00+00:00", phone="+10550000000")
    history.append([quiet], observed_at="2021-11-09")
    history.append([prospect("1", status="open")], observed_at="2021-11-16")
    writer = history.open_run()
    writer.add_gone("1", utc("2021-11-23"))
    writer.close()
    history.append([prospect("1", status="open")], observed_at="2021-11-30")


def test_versions_are_one_row_per_change_of_what_matters(tmp_path: Path) -> None:
    history = kd.History(tmp_path)
    make_story(history)
    versions = history.versions()
    shown = [
        [None if pd.isna(value) else value for value in row]
        for row in versions[["prospect_id", "status", "gone"]].astype(object).values.tolist()
    ]
    assert shown == [
        ["1", "new", False],
        ["1", "open", False],
        ["1", None, True],
        ["1", "open", False],
        ["2", "booked", False],
    ]
    times = versions[["valid_from", "valid_to", "changed_after", "last_observed_at"]]
    nat = pd.NaT
    assert times.values.tolist() == [
        [utc("2021-11-02"), utc("2021-11-16"), nat, utc("2021-11-09")],
        [utc("2021-11-16"), utc("2021-11-23"), utc("2021-11-09"), utc("2021-11-16")],
        [utc("2021-11-23"), utc("2021-11-30"), utc("2021-11-16"), utc("2021-11-23")],
        [utc("2021-11-30"), nat, utc("2021-11-23"), utc("2021-11-30")],
        [utc("2021-11-02"), nat, nat, utc("2021-11-02")],  # not fetched later: not retired
    ]
    # Carried from the version's first observation, not compared.
    assert versions.loc[0, "updated_at"] == pd.Timestamp(EXAMPLE_PROSPECT["updatedAt"])
    assert versions.loc[0, "phone"] == EXAMPLE_PROSPECT["phone"]
    frame = kd.to_frame([prospect()])
    assert list(versions.columns) == [
        *frame.columns,
        "valid_from",
        "valid_to",
        "changed_after",
        "last_observed_at",
        "gone",
    ]
    assert (versions[list(frame.columns)].dtypes.astype(str) == frame.dtypes.astype(str)).all()
    for name in ("valid_from", "valid_to", "changed_after", "last_observed_at"):
        assert str(versions[name].dtype) == "datetime64[us, UTC]"


@pytest.mark.parametrize(
    "change",
    [
        {"source": {"title": "Zillow"}},
        {"agent": {"username": "someone-else"}},
        {"communityId": "0000000000000000"},
        {"smsConsent": True},
        {"isDeleted": True},
        {"notProspect": True},
    ],
)
def test_each_compared_column_makes_a_version(tmp_path: Path, change: dict[str, Any]) -> None:
    history = kd.History(tmp_path)
    history.append([prospect()], observed_at="2021-11-02")
    history.append([prospect(**change)], observed_at="2021-11-09")
    assert len(history.versions()) == 2


def test_versions_of_an_empty_history_have_the_columns_and_dtypes(tmp_path: Path) -> None:
    history = kd.History(tmp_path / "new")
    versions = history.versions()
    assert len(versions) == 0
    assert list(versions.columns)[-5:] == [
        "valid_from",
        "valid_to",
        "changed_after",
        "last_observed_at",
        "gone",
    ]
    assert str(versions["valid_to"].dtype) == "datetime64[us, UTC]"
    empty = kd.to_frame([])
    assert (history.as_of("2021-11-02").dtypes.drop("observed_at") == empty.dtypes).all()
    assert not (tmp_path / "new").exists()  # reading creates nothing


# -- as_of ----------------------------------------------------------------------------------


def test_as_of_between_two_snapshots_returns_the_earlier_one(tmp_path: Path) -> None:
    history = kd.History(tmp_path)
    make_story(history)
    assert history.as_of("2021-11-01").empty
    at = history.as_of("2021-11-20T12:00:00Z")
    assert at[["prospect_id", "status"]].astype(object).values.tolist() == [
        ["1", "open"],
        ["2", "booked"],
    ]
    assert at["observed_at"].tolist() == [utc("2021-11-16"), utc("2021-11-02")]
    assert history.as_of("2021-11-16")["status"].tolist() == ["open", "booked"]  # inclusive
    assert history.as_of("2021-11-25")["prospect_id"].tolist() == ["2"]  # 1 is gone
    assert history.as_of(pd.Timestamp("2021-12-31", tz="US/Central"))["status"].tolist() == [
        "open",
        "booked",
    ]
    frame = kd.to_frame([prospect()])
    assert list(at.columns) == [*frame.columns, "observed_at"]


def test_a_moment_that_is_not_one_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(kd.ConfigurationError, match="not a moment"):
        kd.History(tmp_path).as_of("next tuesday")


# -- personal data --------------------------------------------------------------------------


def all_bytes(path: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file())


def test_pii_drop_leaves_no_personal_data_in_any_byte(tmp_path: Path) -> None:
    records = generate_prospects(300)
    history = kd.History(tmp_path, pii="drop")
    history.append(records, observed_at="2021-11-02")
    data = all_bytes(tmp_path)
    for record in records:
        for field in ("email", "phone", "firstName", "lastName", "address"):
            value = record[field]
            if value and len(value) > 3:
                assert value.encode() not in data, (field, value)
    observed = history.observations()
    assert not set(PII_COLUMNS) & set(observed.columns)
    assert kd.History(tmp_path).pii == "drop"  # the folder remembers


def test_pii_mask_keeps_the_masked_forms(tmp_path: Path) -> None:
    history = kd.History(tmp_path, pii="mask")
    history.append([prospect()], observed_at="2021-11-02")
    row = history.observations().iloc[0]
    assert row["email"].startswith("***@")
    assert EXAMPLE_PROSPECT["email"].encode() not in all_bytes(tmp_path)


def test_a_folder_never_mixes_pii_rules(tmp_path: Path) -> None:
    kd.History(tmp_path, pii="drop").append([prospect()], observed_at="2021-11-02")
    with pytest.raises(HistoryError, match=r"pii='drop', not pii='keep'"):
        kd.History(tmp_path, pii="keep")
    with pytest.raises(kd.ConfigurationError, match="'keep', 'mask', 'drop'"):
        kd.History(tmp_path, pii="hide")


# -- owners ---------------------------------------------------------------------------------


def test_a_history_belongs_to_the_first_key_that_writes_to_it(tmp_path: Path) -> None:
    history = kd.History(tmp_path)
    history.append([prospect()], observed_at="2021-11-02", api_key=KEY)
    history.append([prospect()], observed_at="2021-11-03", api_key=KEY)
    with pytest.raises(HistoryError, match="belongs to another API key") as caught:
        history.append([prospect("2")], observed_at="2021-11-04", api_key=OTHER_KEY)
    assert KEY not in str(caught.value)
    assert OTHER_KEY not in str(caught.value)
    assert len(history.observations()) == 2  # nothing of the refused run was written
    data = all_bytes(tmp_path)
    assert KEY.encode() not in data
    assert OTHER_KEY.encode() not in data
    owner = json.loads((tmp_path / OWNER).read_text())
    assert len(owner["scope"]) == 32


def test_the_owner_is_the_fetch_layers_key_scope_under_the_folders_own_salt(
    tmp_path: Path,
) -> None:
    kd.History(tmp_path / "a").append([prospect()], observed_at="2021-11-02", api_key=KEY)
    kd.History(tmp_path / "b").append([prospect()], observed_at="2021-11-02", api_key=KEY)
    scopes = []
    for name in ("a", "b"):
        salt = bytes.fromhex(json.loads((tmp_path / name / MANIFEST).read_text())["salt"])
        owner = json.loads((tmp_path / name / OWNER).read_text())["scope"]
        assert owner == key_scope(KEY, salt)
        # The derivation folders have always been written with: they stay the key's.
        assert owner == hashlib.scrypt(KEY.encode(), salt=salt, n=2**14, r=8, p=1, dklen=16).hex()
        scopes.append(owner)
    assert scopes[0] != scopes[1]  # each folder its own salt: unrelated scopes


def test_records_of_your_own_leave_the_owner_unset_until_a_key_claims_it(
    tmp_path: Path,
) -> None:
    history = kd.History(tmp_path)
    history.append([prospect()], observed_at="2021-11-02")
    assert not (tmp_path / OWNER).exists()
    history.append([prospect()], observed_at="2021-11-03", api_key=OTHER_KEY)
    with pytest.raises(HistoryError, match="another API key"):
        history.open_run(api_key=KEY)


def test_two_writers_at_once_both_land(tmp_path: Path) -> None:
    history = kd.History(tmp_path)
    errors: list[BaseException] = []

    def write(start: int) -> None:
        try:
            for n in range(5):
                pid = str(start + n)
                kd.History(tmp_path).append([prospect(pid)], observed_at="2021-11-02", api_key=KEY)
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=write, args=(1000 * i,)) for i in range(1, 5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(history.observations()) == 20
    assert history.info().runs == 20


# -- files that do not belong ----------------------------------------------------------------


def test_a_foreign_file_is_a_clear_error_naming_it(tmp_path: Path) -> None:
    history = kd.History(tmp_path)
    history.append([prospect()], observed_at="2021-11-02")
    stray = tmp_path / "observed_date=2021-11-02" / "notes.txt"
    stray.write_text("mine")
    with pytest.raises(HistoryError, match=r"notes\.txt is not part of the knock-data history"):
        history.versions()
    stray.unlink()
    export = tmp_path / "prospects.parquet"
    kd.to_parquet(kd.to_frame([prospect()]), export)
    with pytest.raises(HistoryError, match=r"prospects\.parquet is not part"):
        history.observations()
    with pytest.raises(HistoryError, match="move that file elsewhere"):
        history.append([prospect()], observed_at="2021-11-03")
    export.unlink()
    (tmp_path / ".DS_Store").write_bytes(b"\0")  # a file manager's litter is no history data
    assert len(history.observations()) == 1


def test_a_parquet_file_that_is_not_a_snapshot_is_named(tmp_path: Path) -> None:
    history = kd.History(tmp_path)
    history.append([prospect()], observed_at="2021-11-02")
    impostor = (
        tmp_path / "observed_date=2021-11-02" / "part-20211102T000000Z-0badf00d-00000.parquet"
    )
    kd.to_parquet(kd.to_frame([prospect()]), impostor)
    with pytest.raises(HistoryError, match="no knock-data history marker") as caught:
        history.observations()
    assert impostor.name in str(caught.value)


def test_a_corrupt_chunk_is_a_clear_error_naming_it(tmp_path: Path) -> None:
    history = kd.History(tmp_path)
    history.append(generate_prospects(50), observed_at="2021-11-02")
    chunk = chunk_files(tmp_path)[0]
    chunk.write_bytes(chunk.read_bytes()[: chunk.stat().st_size // 2])
    with pytest.raises(HistoryError, match="cannot be read as Parquet") as caught:
        history.versions()
    assert chunk.name in str(caught.value)


def test_a_folder_that_is_not_a_history_is_refused(tmp_path: Path) -> None:
    (tmp_path / "report.xlsx").write_bytes(b"PK")
    with pytest.raises(HistoryError, match=r"not a knock-data history: it holds report\.xlsx"):
        kd.History(tmp_path)
    (tmp_path / "file").write_text("x")
    with pytest.raises(HistoryError, match="is a file, not a history folder"):
        kd.History(tmp_path / "file")


def test_a_damaged_manifest_is_named(tmp_path: Path) -> None:
    kd.History(tmp_path).append([prospect()], observed_at="2021-11-02")
    (tmp_path / MANIFEST).write_text("{")
    with pytest.raises(HistoryError, match=r"_knock_data_history\.json is corrupt"):
        kd.History(tmp_path)


def test_a_record_without_an_id_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    history = kd.History(tmp_path)
    with pytest.raises(RecordError, match="position 1 has no prospectId"):
        history.append([prospect(), {"status": "new"}], observed_at="2021-11-02")
    assert not tmp_path.joinpath(MANIFEST).exists() or history.observations().empty


# -- temporaries ------------------------------------------------------------------------------


def test_leftover_temporaries_are_ignored_then_cleaned_by_the_next_append(tmp_path: Path) -> None:
    history = kd.History(tmp_path)
    history.append([prospect()], observed_at="2021-11-02")
    partition = tmp_path / "observed_date=2021-11-02"
    dead = partition / ".part-20211102T000000Z-deadbeef-00000.tmp"
    dead.write_bytes(b"PAR1 half a chunk")
    fresh = partition / ".part-20211102T000000Z-cafebabe-00000.tmp"
    fresh.write_bytes(b"PAR1 being written")
    old = time.time() - 3600
    os.utime(dead, (old, old))
    assert len(history.observations()) == 1  # readers skip them
    history.append([prospect()], observed_at="2021-11-03")
    assert not dead.exists()
    assert fresh.exists()  # young: perhaps a live writer's


def test_a_temporary_held_by_a_live_writer_is_never_cleaned(tmp_path: Path) -> None:
    import fcntl

    history = kd.History(tmp_path)
    history.append([prospect()], observed_at="2021-11-02")
    held = tmp_path / "observed_date=2021-11-02" / ".part-20211102T000000Z-0000aaaa-00000.tmp"
    with open(held, "wb") as file:
        fcntl.flock(file.fileno(), fcntl.LOCK_EX)
        old = time.time() - 3600
        os.utime(held, (old, old))
        assert Folder(tmp_path).clean_temporaries() == 0
        assert held.exists()
    assert Folder(tmp_path).clean_temporaries() == 1


# -- info -------------------------------------------------------------------------------------


def test_info_counts_runs_prospects_versions_and_the_span(tmp_path: Path) -> None:
    history = kd.History(tmp_path)
    make_story(history)
    info = history.info()
    assert (info.runs, info.observations, info.prospects, info.versions) == (5, 6, 2, 5)
    assert info.first_observed_at == utc("2021-11-02")
    assert info.last_observed_at == utc("2021-11-30")
    assert info.size_bytes == sum(p.stat().st_size for p in chunk_files(tmp_path))
    text = str(info)
    assert "Runs: 5" in text
    assert "Versions: 5" in text
    assert "2021-11-30 00:00:00 UTC" in text
    assert "No observations yet" in str(kd.History(tmp_path / "none").info())


def test_repr_names_the_folder_and_rule(tmp_path: Path) -> None:
    assert repr(kd.History(tmp_path, pii="mask")) == f"History({str(tmp_path)!r}, pii='mask')"


def test_stored_files_read_as_plain_parquet_types(tmp_path: Path) -> None:
    history = kd.History(tmp_path)
    history.append([prospect()], observed_at="2021-11-02")
    schema = pq.read_schema(chunk_files(tmp_path)[0])
    assert schema.field("status").type == pa.string()
    assert schema.field("move_date").type == pa.date32()
    assert schema.field("observed_at").type == pa.timestamp("us", tz="UTC")
    assert json.loads(schema.metadata[b"knock_data"]) == {
        "format": "knock-data history",
        "version": 1,
    }
    assert b"pandas" not in schema.metadata


def test_run_writer_refuses_naive_moments(tmp_path: Path) -> None:
    folder = Folder(tmp_path)
    folder.create("keep")
    writer = RunWriter(folder, "keep")
    writer.add(prospect(), pd.Timestamp("2021-11-02").to_pydatetime())
    with pytest.raises(ValueError, match="tz-aware"):
        writer.close()
