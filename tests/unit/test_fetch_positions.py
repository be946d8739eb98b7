"""What the fetch keeps of the input: each error at its line or row, the frame read with
``keep=True`` joined back on ``prospect_id``, and a batch that stops at once when nothing
listens at the server's address."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
import requests
from urllib3.exceptions import MaxRetryError, NameResolutionError, NewConnectionError

from knock_data import ConnectionFailed, read_ids
from knock_data._fetch.batch import DEAD_SERVER_REQUESTS
from tests.unit.fake_transport import NOT_FOUND, FakeAdapter, make_client, prospect


def _ids_file(tmp_path: Path) -> Path:
    path = tmp_path / "ids.csv"
    path.write_text("Name,Prospect ID\nAna,1004\nBo,\nCy,9\nDi,1004\nEd,abc\nFay,51316\n")
    return path


def _adapter() -> FakeAdapter:
    return FakeAdapter(
        lambda pid, attempt: (404, NOT_FOUND, {}) if pid == "9" else (200, prospect(pid), {})
    )


def test_errors_sit_at_the_file_s_own_lines(tmp_path: Path) -> None:
    result = make_client(_adapter()).fetch_prospects(read_ids(_ids_file(tmp_path)), progress=False)
    errors = result.errors
    assert errors[["prospect_id", "position", "reason"]].values.tolist() == [
        ["", 3, "invalid_id"],
        ["9", 4, "not_found"],
        ["abc", 6, "invalid_id"],
    ]
    assert str(errors["position"].dtype) == "Int64"
    assert errors["message"].iloc[0].startswith("Line 3 of ids.csv: A blank cell")


def test_a_plain_list_s_errors_are_at_item_numbers() -> None:
    errors = make_client(_adapter()).fetch_prospects(["1004", "x", "9"], progress=False).errors
    assert errors["position"].tolist() == [2, 3]
    assert errors["message"].iloc[0].startswith("Item 2 of the input:")


def test_the_kept_frame_is_fetched_whole_and_joins_back_on_prospect_id(tmp_path: Path) -> None:
    sheet = read_ids(_ids_file(tmp_path), keep=True)
    result = make_client(_adapter()).fetch_prospects(sheet, progress=False)
    assert result.errors["position"].tolist() == [3, 4, 6]
    joined = sheet.merge(result.frame, on="prospect_id", how="left")
    assert joined["position"].tolist() == [2, 3, 4, 5, 6, 7]  # every row of the sheet, in order
    assert joined["Name"].tolist() == ["Ana", "Bo", "Cy", "Di", "Ed", "Fay"]
    assert joined["email"].fillna("-").tolist() == [
        "p1004@example.com", "-", "-", "p1004@example.com", "-", "p51316@example.com",
    ]  # fmt: skip
    # A filtered sheet keeps its rows' own positions.
    some = sheet[sheet["Name"].isin(["Cy", "Ed"])]
    errors = make_client(_adapter()).fetch_prospects(some, progress=False).errors
    assert errors["position"].tolist() == [4, 6]


def test_a_frame_that_read_ids_did_not_make_is_still_refused() -> None:
    with pytest.raises(TypeError, match=r"df\['prospect_id'\]"):
        make_client(_adapter()).fetch_prospects(pd.DataFrame({"prospect_id": ["1"]}))


# -- a server that is not there ------------------------------------------------------------


def _refused() -> requests.ConnectionError:
    reason = NewConnectionError(None, "Failed to establish a new connection: [Errno 111] refused")  # type: ignore[arg-type]
    return requests.ConnectionError(MaxRetryError(None, "/prospect/1", reason))  # type: ignore[arg-type]


def _unresolved() -> requests.ConnectionError:
    reason = NameResolutionError("knock.test", None, OSError("Name or service not known"))  # type: ignore[arg-type]
    return requests.ConnectionError(MaxRetryError(None, "/prospect/1", reason))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("error", "why"),
    [(_refused, "the connection was refused"), (_unresolved, "the host name does not resolve")],
)
def test_a_dead_server_stops_the_batch_after_its_first_requests(
    error: Callable[[], requests.ConnectionError], why: str
) -> None:
    adapter = FakeAdapter(lambda pid, attempt: error())
    started = time.monotonic()
    with pytest.raises(ConnectionFailed) as info:
        make_client(adapter, max_workers=4).fetch_prospects(range(400), progress=False)
    assert time.monotonic() - started < 10
    attempts = sum(adapter.calls.values())
    assert DEAD_SERVER_REQUESTS <= attempts < DEAD_SERVER_REQUESTS + 40  # not 400 ids x 6
    message = str(info.value)
    assert "Cannot connect to https://knock.test: the first" in message
    assert why in message
    assert "Is the server running" in message


def test_connection_failures_after_an_answer_stay_per_id_errors() -> None:
    def reply(pid: str, attempt: int) -> object:
        return (200, prospect(pid), {}) if pid == "0" else _refused()

    adapter = FakeAdapter(reply)  # type: ignore[arg-type]
    result = make_client(adapter, max_workers=1, max_retries=1).fetch_prospects(
        range(30), progress=False
    )
    assert [r["prospectId"] for r in result.records] == ["0"]
    assert set(result.errors["reason"]) == {"connection"}
    assert len(result.errors) == 29


def test_dropped_connections_are_not_a_dead_server() -> None:
    # A connection reset after it opened: the server is there, each id fails on its own.
    adapter = FakeAdapter(lambda pid, attempt: requests.ConnectionError("reset by peer"))
    result = make_client(adapter, max_workers=2, max_retries=0).fetch_prospects(
        range(30), progress=False
    )
    assert len(result.errors) == 30
    assert sum(adapter.calls.values()) == 30
