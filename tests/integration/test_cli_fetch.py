"""``knock-data fetch`` and ``knock-data cache`` against the sandbox."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from knock_data._cli import main
from knock_data.sandbox import SandboxServer

pytestmark = pytest.mark.integration


def _fetch_args(server: SandboxServer, tmp_path: Path, ids_file: Path) -> list[str]:
    return [
        "fetch", str(ids_file), "-o", str(tmp_path / "out.csv"),
        "--env", "stage", "--base-url", server.url,
        "--cache", str(tmp_path / "c.sqlite"), "--no-progress", "--workers", "4",
    ]  # fmt: skip


def test_fetch_writes_prospects_and_errors(
    sandbox: SandboxServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ids = sandbox.prospect_ids[:25]
    ids_file = tmp_path / "ids.csv"
    ids_file.write_text("prospect_id\n" + "\n".join([*ids, "0", "=HYPERLINK(1)"]) + "\n")
    args = _fetch_args(sandbox, tmp_path, ids_file)
    status = main([*args, "--errors", str(tmp_path / "errors.csv")])
    assert status == 1  # some ids failed
    out = pd.read_csv(tmp_path / "out.csv", dtype=str)
    assert out["prospect_id"].tolist() == ids
    errors = pd.read_csv(tmp_path / "errors.csv", dtype=str)
    assert errors["error_code"].tolist() == ["not_found", "invalid_id"]
    assert not errors["prospect_id"].str.startswith("=").any()  # spreadsheet-safe
    err = capsys.readouterr().err
    assert "25 records: 0 from cache, 25 fetched" in err
    assert sandbox.api_key not in err

    status = main(["cache", "info", "--cache", str(tmp_path / "c.sqlite")])
    assert status == 0
    info = capsys.readouterr().out
    assert "Prospects: 25" in info
    assert re.search(rf"{re.escape(sandbox.url)}, key [0-9a-f]{{8}}: 25\n", info)

    # The copies of the key that fetched them (the stage test key, as fetch --env stage).
    assert main(["cache", "clear", "--env", "stage", "--cache", str(tmp_path / "c.sqlite")]) == 0
    assert re.match(r"Cleared 25 cached copies of key [0-9a-f]{8} from ", capsys.readouterr().out)
    main(["cache", "info", "--cache", str(tmp_path / "c.sqlite")])
    assert "Prospects: 0" in capsys.readouterr().out


def test_fetch_all_good_exits_zero_and_reports_on_stderr(
    sandbox: SandboxServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ids_file = tmp_path / "ids.txt"
    ids_file.write_text("\n".join(sandbox.prospect_ids[:5]))
    assert main(_fetch_args(sandbox, tmp_path, ids_file)) == 0
    assert main(_fetch_args(sandbox, tmp_path, ids_file)) == 0
    assert "5 records: 5 from cache, 0 fetched" in capsys.readouterr().err


def test_fetch_missing_file_and_missing_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("KNOCK_API_KEY", raising=False)
    monkeypatch.delenv("KNOCK_BASE_URL", raising=False)
    assert main(["fetch", str(tmp_path / "nope.csv"), "-o", str(tmp_path / "o.csv")]) == 1
    assert "No id file" in capsys.readouterr().err
    ids_file = tmp_path / "ids.txt"
    ids_file.write_text("1\n")
    args = ["fetch", str(ids_file), "-o", str(tmp_path / "o.csv"), "--no-cache"]
    assert main(args) == 1
    assert "KNOCK_API_KEY" in capsys.readouterr().err


@pytest.mark.parametrize("action", ["info", "clear"])
def test_cache_commands_on_a_corrupt_file_say_what_to_do(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], action: str
) -> None:
    junk = tmp_path / "c.sqlite"
    junk.write_bytes(b"not a database " * 100)
    assert main(["cache", action, "--cache", str(junk)]) == 1
    err = capsys.readouterr().err
    assert "knock-data cache: Error " in err
    assert "not a database" in err
    assert "delete the file" in err
    assert junk.read_bytes() == b"not a database " * 100
