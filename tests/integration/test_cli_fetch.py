"""``knock-data fetch`` and ``knock-data cache`` against the sandbox."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from knock_data import KnockClient
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
    ids_file = tmp_path / "ids.txt"
    hostile = ["\x1b[2J\x1b]0;owned\x07", "12\u202e34", "\x9b31m"]
    ids_file.write_text("\n".join([sandbox.prospect_ids[0], *hostile]), encoding="utf-8")
    assert main(_fetch_args(sandbox, tmp_path, ids_file)) == 1
    err = capsys.readouterr().err
    assert "\x1b" not in err
    assert "\x07" not in err
    assert "\u202e" not in err
    assert "\x9b" not in err
    assert "\\x1b[2J\\x1b]0;owned\\x07" in err  # still readable, as escapes
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
    assert err.startswith("knock-data fetch: The API key from $KNOCK_API_KEY has ")
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
    err = capsys.readouterr().err
    assert "plain http:// to another machine" in err
    assert "--allow-insecure" in err
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
