"""``knock-data demo`` end to end on the in-process sandbox: files, tables and errors."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
import pytest

from knock_data._cli import main
from knock_data._cli.demo import MOVEMENT_WEEKS, run_demo
from knock_data._fetch.ids import normalize_ids, read_ids
from knock_data.sandbox import SandboxServer

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "sample_prospect_ids.csv"


@pytest.fixture
def no_key(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("KNOCK_API_KEY", raising=False)
    monkeypatch.delenv("KNOCK_BASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)  # any folder: the sample ids ship with the package


def test_demo_fetches_the_sample_and_writes_everything(no_key: None, tmp_path: Path) -> None:
    out = io.StringIO()
    result = run_demo(None, tmp_path / "out", progress=False, out=out)
    text = out.getvalue()

    ids = read_ids(SAMPLE)
    wanted = normalize_ids(ids)
    existing = set(SandboxServer(n_prospects=5000).prospect_ids)  # not started: data only
    n_found = sum(1 for pid in wanted.ids if pid in existing)
    assert result.n_records == n_found
    assert result.n_errors == len(wanted.ids) - n_found + len(wanted.invalid)

    names = [p.name for p in result.files]
    assert names == [
        "prospects.csv",
        "fetch_errors.csv",
        "status.png",
        "sources.png",
        "consent.png",
        "funnel.png",
        "leads_over_time.png",
        "transitions.png",
        "waterfall.png",
        "cohorts.png",
        "time_to_stage.png",
        "aging.png",
    ]
    prospects = pd.read_csv(tmp_path / "out" / "prospects.csv", dtype=str, encoding="utf-8-sig")
    assert len(prospects) == n_found
    assert prospects["prospect_id"].is_unique
    errors = pd.read_csv(tmp_path / "out" / "fetch_errors.csv", dtype=str, encoding="utf-8-sig")
    assert errors["reason"].value_counts().to_dict() == {
        "not_found": len(wanted.ids) - n_found,
        "invalid_id": len(wanted.invalid),
    }
    for png in result.files[2:]:
        assert png.read_bytes()[:4] == b"\x89PNG"

    assert "No KNOCK_API_KEY set: using the built-in sandbox" in text
    assert (
        "Read 2,000 ids from sample_prospect_ids.csv, column 'prospect_id' "
        f"({wanted.n_duplicates} duplicates fetched once, {len(wanted.invalid)} cells are not ids)."
    ) in text
    for heading in ("== status ==", "== sources ==", "== consent ==", "== funnel =="):
        assert heading in text
    assert "%" in text.split("== funnel ==")[1]  # rates printed as percentages
    for raw in ("<NA>", "NaN", "None", "source_title", "status_share"):
        assert raw not in text  # the tables speak as the charts do
    assert "(no source)" in text.split("== sources ==")[1]
    assert f"{len(errors)} ids failed" in text
    # The movement run: weekly snapshots into a history, then where leads moved.
    movement = text.split("Movement:")[1]
    assert movement.count(" not due") == MOVEMENT_WEEKS + 1
    moved = movement.split("== where leads moved, 2021-11-02 to ")[1]
    assert "(created)" in moved.split("== open leads ==")[0]
    assert "open at end" in moved


def test_demo_command_line(no_key: None, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    ids = tmp_path / "ids.csv"
    with ids.open("w", newline="") as handle:
        csv.writer(handle).writerows([["prospect_id"], ["47569637"], ["51316"], ["abc"]])
    command = ["demo", str(ids), "--out", str(tmp_path / "o"), "--no-progress", "--weeks", "1"]
    assert main(command) == 0
    printed = capsys.readouterr().out
    assert "2 records: 0 from cache, 2 fetched; 1 error: invalid_id=1" in printed
    assert (tmp_path / "o" / "funnel.png").is_file()
    assert "Movement: 1 simulated week on the sandbox" in printed
    assert (tmp_path / "o" / "waterfall.png").is_file()
    assert main(["demo", str(ids), "--out", str(tmp_path / "p"), "--weeks", "0"]) == 0
    assert not (tmp_path / "p" / "waterfall.png").exists()
    with pytest.raises(SystemExit):
        main(["demo", "--weeks", "-1"])
    assert "--weeks: must be 0 or more, got -1" in capsys.readouterr().err


def test_demo_from_any_folder_writes_to_data_out_there(
    no_key: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert not (tmp_path / "data").exists()
    assert main(["demo", "--no-progress"]) == 0
    assert (tmp_path / "data" / "out" / "prospects.csv").is_file()
    assert "Read 2,000 ids from sample_prospect_ids.csv" in capsys.readouterr().out


def test_the_packaged_sample_is_the_repository_s_sample() -> None:
    from knock_data._cli.inputs import sample_ids

    with sample_ids() as packaged:
        assert packaged.read_bytes() == SAMPLE.read_bytes()
