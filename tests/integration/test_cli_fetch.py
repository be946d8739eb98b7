"""``knock-data fetch`` and ``knock-data cache`` against the sandbox."""

from __future__ import annotations

import re
import socket
import time
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from knock_data import History, KnockClient
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
    assert errors["reason"].tolist() == ["not_found", "invalid_id"]
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


# --- secrets and hostile input on the command line ----------------------------------------


def test_ids_from_the_file_are_escaped_on_the_terminal(
    sandbox: SandboxServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # C0 controls make a file binary (refused whole); what a text file can still carry: C1
    # controls (U+009B is CSI to a terminal), direction overrides, zero-width characters.
    ids_file = tmp_path / "ids.txt"
    hostile = ["12\u202e34", "\x9b2J\x9b31mred", "\u200b\u2066x"]
    ids_file.write_text("\n".join([sandbox.prospect_ids[0], *hostile]), encoding="utf-8")
    assert main(_fetch_args(sandbox, tmp_path, ids_file)) == 1
    err = capsys.readouterr().err
    assert not any(char in err for char in "\u202e\x9b\u200b\u2066")
    assert "12\\u202e34" in err  # still readable, as escapes
    assert "\\x9b2J\\x9b31mred" in err
    assert err.count(": invalid_id: ") == 3


@pytest.mark.parametrize("key", ["abc\ndef-SECRET", "abc\x1bdef-SECRET", "clé-SECRET"])
def test_a_bad_key_is_a_message_without_the_key_not_a_traceback(
    sandbox: SandboxServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    key: str,
) -> None:
    monkeypatch.setenv("KNOCK_API_KEY", key)
    ids_file = tmp_path / "ids.txt"
    ids_file.write_text(sandbox.prospect_ids[0])
    args = ["fetch", str(ids_file), "-o", str(tmp_path / "o.csv"), "--base-url", sandbox.url]
    assert main([*args, "--no-cache"]) == 1
    err = capsys.readouterr().err
    assert "knock-data fetch: The API key from $KNOCK_API_KEY has " in err
    assert "SECRET" not in err
    assert "Traceback" not in err


def test_a_key_with_a_trailing_newline_just_works(
    make_sandbox: Any,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server = make_sandbox(n_prospects=5, api_key="from-a-file-SECRET")
    monkeypatch.setenv("KNOCK_API_KEY", "from-a-file-SECRET\r\n")  # a CRLF .env
    ids_file = tmp_path / "ids.txt"
    ids_file.write_text("\n".join(server.prospect_ids))
    args = ["fetch", str(ids_file), "-o", str(tmp_path / "o.csv"), "--base-url", server.url]
    assert main([*args, "--no-cache", "--no-progress"]) == 0
    assert "5 records" in capsys.readouterr().err


def test_plain_http_elsewhere_needs_allow_insecure(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import knock_data._fetch.client as client_module

    ids_file = tmp_path / "ids.txt"
    ids_file.write_text("5\n")
    args = ["fetch", str(ids_file), "-o", str(tmp_path / "o.csv"), "--no-cache", "--no-progress"]
    args += ["--base-url", "http://knock.test", "--env", "stage"]
    assert main(args) == 1
    err = _err(capsys)
    assert "plain http:// to another machine" in err
    assert "pass --allow-insecure if this is on purpose" in err
    assert "--base-url 'http://knock.test'" in err
    built: list[KnockClient] = []

    class Recording(KnockClient):
        """Built as the command line builds it; fetches nothing (no host outside this one)."""

        def __init__(self, *a: Any, **kw: Any) -> None:
            super().__init__(*a, **kw)
            built.append(self)

        def fetch_prospects(self, ids: Any, **kwargs: Any) -> Any:
            return KnockClient("k", base_url="http://127.0.0.1:9", cache=False).fetch_prospects(
                [], progress=False
            )

    monkeypatch.setattr(client_module, "KnockClient", Recording)
    assert main([*args, "--allow-insecure"]) == 0
    assert [c.base_url for c in built] == ["http://knock.test"]


def test_upgrading_an_old_cache_file_is_a_note_on_stderr(
    sandbox: SandboxServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.unit.test_cache import _v1_file

    _v1_file(tmp_path / "c.sqlite", ["1", "2"])
    ids_file = tmp_path / "ids.txt"
    ids_file.write_text(sandbox.prospect_ids[0])
    assert main(_fetch_args(sandbox, tmp_path, ids_file)) == 0
    err = capsys.readouterr().err
    assert "knock-data fetch: note: Upgraded the cache file" in err
    assert "2 cached copies were dropped" in err


# -- files by suffix, messages in the command line's words ---------------------------------

PYTHON_SPELLING = re.compile(
    r"\b(column|sheet|header_row|sep|env|base_url|api_key|allow_insecure)=|\bbase_url\b"
)


def _err(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert not PYTHON_SPELLING.search(err), err
    return err


def test_fetch_writes_parquet_and_excel_by_suffix_and_reads_a_sheet(
    sandbox: SandboxServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.active.title = "Notes"
    workbook.active.append(["Nothing here"])
    sheet = workbook.create_sheet("Leads")
    for row in [["Leads export"], [], ["Name", "Prospect ID"], ["Ana", 47569637.0], ["Bo", "0"]]:
        sheet.append(row)
    workbook.save(tmp_path / "ids.xlsx")
    args = _fetch_args(sandbox, tmp_path, tmp_path / "ids.xlsx")
    args[3] = str(tmp_path / "out.parquet")
    status = main([*args, "--sheet", "Leads", "--errors", str(tmp_path / "errors.xlsx")])
    assert status == 1
    assert pd.read_parquet(tmp_path / "out.parquet")["prospect_id"].tolist() == ["47569637"]
    errors = pd.read_excel(tmp_path / "errors.xlsx", dtype={"prospect_id": str})
    assert errors[["prospect_id", "position", "reason"]].values.tolist() == [["0", 5, "not_found"]]
    err = _err(capsys)
    assert "Read 2 ids from sheet 'Leads' of ids.xlsx, column 'Prospect ID'." in err


@pytest.mark.parametrize(
    ("name", "said"),
    [
        ("out.xls", "old .xls workbooks are not written; name it with .csv, .xlsx or .parquet"),
        ("out.txt", "'.txt' is not a file type knock-data writes; name it with .csv, .xlsx or"),
        ("out", "it has no suffix"),
    ],
)
def test_an_output_suffix_not_written_is_refused_before_fetching(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, said: str
) -> None:
    for option in ("-o", "--errors"):
        args = ["fetch", "ids.csv", "-o", "out.csv", option, str(tmp_path / name)]
        with pytest.raises(SystemExit) as exit_info:
            main(args)
        assert exit_info.value.code == 2
        err = capsys.readouterr().err
        assert said in err
        assert f"argument {'-o/--output' if option == '-o' else '--errors'}: cannot write" in err


def test_file_messages_name_the_flags_and_show_no_traceback(
    sandbox: SandboxServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    two_columns = tmp_path / "ids.csv"
    two_columns.write_text("a,b\n1,2\n")
    assert main(_fetch_args(sandbox, tmp_path, two_columns)) == 1
    err = _err(capsys)
    assert "Cannot tell which column of ids.csv holds the prospect ids" in err
    assert "Pass --column with one of them" in err
    assert "--header-row" in err

    ambiguous = tmp_path / "odd.csv"
    ambiguous.write_text("a;b,c\n1;2,3\n")
    assert main(_fetch_args(sandbox, tmp_path, ambiguous)) == 1
    assert "Pass --sep ',' or --sep ';'" in _err(capsys)

    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.active.append(["prospect_id"])
    workbook.save(tmp_path / "book.xlsx")
    assert main([*_fetch_args(sandbox, tmp_path, tmp_path / "book.xlsx"), "--sheet", "Leads"]) == 1
    err = _err(capsys)
    assert "No sheet 'Leads' in book.xlsx" in err
    assert "Pass --sheet with a name" in err

    assert main([*_fetch_args(sandbox, tmp_path, two_columns), "--debug"]) == 1
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err
    assert "Pass --column with one of them" in err


def test_no_key_is_said_with_the_environment_variable_and_env_stage(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("KNOCK_API_KEY", raising=False)
    monkeypatch.delenv("KNOCK_BASE_URL", raising=False)
    ids_file = tmp_path / "ids.txt"
    ids_file.write_text("1\n")
    assert main(["fetch", str(ids_file), "-o", str(tmp_path / "o.csv"), "--no-cache"]) == 1
    err = _err(capsys)
    assert "No API key: set KNOCK_API_KEY (export KNOCK_API_KEY=...)" in err
    assert "--env stage" in err
    assert "KnockClient" not in err


def test_a_key_knock_refuses_is_said_with_the_environment_variable(
    sandbox: SandboxServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KNOCK_API_KEY", "not-the-sandbox-key")
    ids_file = tmp_path / "ids.txt"
    ids_file.write_text(sandbox.prospect_ids[0])
    args = ["fetch", str(ids_file), "-o", str(tmp_path / "o.csv"), "--base-url", sandbox.url]
    assert main([*args, "--no-cache"]) == 1
    err = _err(capsys)
    assert "Knock refused the API key" in err
    assert "Check the key ($KNOCK_API_KEY)" in err


def test_without_a_key_a_bad_history_is_said_as_it_is_not_as_a_missing_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("KNOCK_API_KEY", raising=False)
    ids_file = tmp_path / "ids.txt"
    ids_file.write_text("1\n")
    args = ["fetch", str(ids_file), "-o", str(tmp_path / "o.csv"), "--env", "stage"]
    assert main([*args, "--base-url", "http://127.0.0.1:9", "--history", str(ids_file)]) == 1
    err = _err(capsys)
    assert "No API key" not in err
    assert "ids.txt" in err
    assert "not a history folder" in err


def test_the_error_list_is_capped_and_duplicates_are_counted(
    sandbox: SandboxServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ids_file = tmp_path / "ids.csv"
    good = sandbox.prospect_ids[:5]
    bad = [f"x{i}" for i in range(30)]
    ids_file.write_text("prospect_id\n" + "\n".join([*good, *good[:2], *bad]) + "\n")
    assert main(_fetch_args(sandbox, tmp_path, ids_file)) == 1
    err = _err(capsys)
    read = "Read 37 ids from ids.csv, column 'prospect_id'"
    assert f"{read} (2 duplicates fetched once, 30 cells are not ids)." in err
    listed = [line for line in err.splitlines() if line.startswith("  line ")]
    assert len(listed) == 20
    assert listed[0].startswith("  line 9: x0: invalid_id: 'x0' is not a valid prospect id")
    assert "  and 10 more; see --errors FILE to write them all" in err


def test_a_dead_server_fails_fast_naming_the_url(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as probe:  # a port on loopback that nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    ids_file = tmp_path / "ids.txt"
    ids_file.write_text("\n".join(str(1000 + i) for i in range(400)))
    url = f"http://127.0.0.1:{port}"
    started = time.monotonic()
    args = ["fetch", str(ids_file), "-o", str(tmp_path / "o.csv"), "--env", "stage"]
    status = main([*args, "--base-url", url, "--no-cache", "--no-progress"])
    assert time.monotonic() - started < 20  # not minutes of retries for 400 ids
    assert status == 1
    err = _err(capsys)
    assert f"Cannot connect to {url}: the first 20 requests all failed" in err
    assert "the connection was refused" in err
    assert f"Is the server running, and is --base-url {url} right?" in err
    assert not (tmp_path / "o.csv").exists()


def test_pii_reaches_a_new_history_and_an_existing_one_keeps_its_rule(
    sandbox: SandboxServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ids_file = tmp_path / "ids.txt"
    ids_file.write_text("\n".join(sandbox.prospect_ids[:20]) + "\n")
    history = tmp_path / "h"
    args = [*_fetch_args(sandbox, tmp_path, ids_file), "--history", str(history)]
    assert main([*args, "--pii", "drop"]) == 0
    assert History(history).pii == "drop"
    emails = [r["email"] for r in sandbox.records if r.get("email")]
    stored = b"".join(p.read_bytes() for p in history.rglob("*.parquet"))
    assert emails
    assert not any(email.encode() in stored for email in emails)
    capsys.readouterr()
    assert main([*args, "--pii", "mask", "--refresh", "all"]) == 1
    err = _err(capsys)
    assert "--pii drop" in err
    assert "pii=" not in err
    assert main([*args, "--refresh", "all"]) == 0  # without --pii: the folder's own rule
    assert main([*args, "--no-cache"]) == 2
    assert "--history needs the cache" in capsys.readouterr().err


def test_history_info_on_a_folder_that_does_not_exist_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["history", "info", str(tmp_path / "nowhere")]) == 1
    err = _err(capsys)
    assert f"There is no history folder at {tmp_path / 'nowhere'}" in err
    assert "--history DIR" in err
