"""What a batch keeps: compressed bodies, parsed only when the records or the frame are asked.

A warm rebuild must not build a dict per record (the frame is parsed straight from the
bodies), and a cold batch must not keep one either (each body is compressed as it arrives).
"""

from __future__ import annotations

import itertools
import json
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

import knock_data._fetch.cache as cache_module
from knock_data import KnockClient, to_frame
from knock_data._fetch.cache import ProspectCache
from knock_data._fetch.fetcher import Fetched
from knock_data._fetch.payloads import Bodies, Payloads
from knock_data.sandbox import generate_prospects
from tests.unit.fake_transport import BASE, FAST, KEY, NOT_FOUND, FakeAdapter
from tests.unit.test_cache import SCOPE_A, SCOPE_B, _response

RECORDS = {record["prospectId"]: record for record in generate_prospects(60)}
IDS = list(RECORDS)


def _adapter(down: threading.Event | None = None) -> FakeAdapter:
    def reply(pid: str, attempt: int) -> Any:
        if down is not None and down.is_set():
            return (500, {"message": "boom"}, {})
        if pid not in RECORDS:
            return (404, NOT_FOUND, {})
        return (200, RECORDS[pid], {})

    return FakeAdapter(reply)


def _refuse_records(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(self: Bodies) -> list[dict[str, Any]]:
        raise AssertionError("the records were parsed")

    monkeypatch.setattr(Bodies, "records", refuse)


@pytest.mark.parametrize("cache", [True, False], ids=["cache", "no-cache"])
def test_a_batchs_frame_comes_from_its_bodies_and_its_records_only_when_asked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cache: bool
) -> None:
    client = KnockClient(
        KEY,
        base_url=BASE,
        cache=tmp_path / "c.sqlite" if cache else False,
        retry=FAST,
        adapter=_adapter(),
    )
    asked = [*IDS[40:], "999", "x", *IDS[:40], IDS[3]]
    expected = [RECORDS[pid] for pid in IDS[40:] + IDS[:40]]
    results = [client.fetch_prospects(asked, progress=False) for _ in range(2)]
    assert [(r.n_fetched, r.n_cached) for r in results] == (
        [(60, 0), (0, 60)] if cache else [(60, 0), (60, 0)]
    )
    with monkeypatch.context() as patched:
        _refuse_records(patched)
        for result in results:
            assert result.frame.equals(to_frame(expected))
            assert (len(result), result.ok) == (60, False)
            assert repr(result).startswith("FetchResult(60 records")
    for result in results:
        assert result.records == expected
        assert result.records is result.records  # parsed once
    client.close()


def test_a_stale_copy_kept_as_a_record_joins_the_bodies_in_order(tmp_path: Path) -> None:
    down = threading.Event()
    client = KnockClient(
        KEY, base_url=BASE, cache=tmp_path / "c.sqlite", retry=FAST, adapter=_adapter(down)
    )
    client.fetch_prospects(IDS[:1], progress=False)
    down.set()
    result = client.fetch_prospects(IDS[:1], progress=False, refresh=True)
    down.clear()
    fresh = client.fetch_prospects(IDS[1:3], progress=False)
    assert (result.n_stale, fresh.n_fetched) == (1, 2)
    assert result.records == [RECORDS[IDS[0]]]
    assert result.frame.equals(to_frame([RECORDS[IDS[0]]]))
    client.close()


def test_a_batch_keeps_each_body_compressed_and_a_record_without_one_as_it_is() -> None:
    payloads = Payloads()
    record = RECORDS[IDS[0]]
    body = json.dumps(record).encode()
    payloads.add(IDS[0], Fetched(record, "network", None, body))
    payloads.add(IDS[1], Fetched(RECORDS[IDS[1]], "stale"))
    ids, kept = payloads.in_order([IDS[1], "7", IDS[0]])
    assert ids == [IDS[1], IDS[0]]
    assert kept[0] is RECORDS[IDS[1]]
    assert isinstance(kept[1], bytes)
    assert len(kept[1]) < len(body) / 2
    assert payloads.codec.decompress(kept[1]) == body
    bodies = Bodies(kept, payloads.codec)
    assert not bodies.all_bodies
    assert bodies.records() == [RECORDS[IDS[1]], record]


def test_many_ids_are_read_in_one_pass_or_by_key_with_the_same_answer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cache_module, "_SCAN_FROM", 5)
    monkeypatch.setattr(cache_module, "_SCAN_BLOCK", 4)
    store = ProspectCache(tmp_path / "c.sqlite")
    ids = [str(pid) for pid in range(100, 130)]
    for pid in ids:
        store.store(_response(pid, SCOPE_A))
    store.store(_response(ids[0], SCOPE_B))  # another key's copy of the same prospect
    store.store(_response("7", SCOPE_A), expires=datetime(2000, 1, 1, tzinfo=UTC))
    statements: list[str] = []
    with store.responses.connection() as con:
        con.set_trace_callback(statements.append)
    try:
        for wanted, one_pass in (([*ids[:20], "7", "1"], True), ([*ids[:10], "7"], False)):
            statements.clear()
            found = store.lookup(BASE, SCOPE_A, wanted)
            assert found == {
                pid: json.loads(_response(pid).content) for pid in wanted if pid in ids
            }
            assert set(store.packed_bodies(BASE, SCOPE_A, wanted)) == set(found)
            assert set(store.fetched(BASE, SCOPE_A, wanted)) == {*found, "7"}  # expired too
            by_key = [s for s in statements if "prospect_id IN" in s]
            assert bool(by_key) is not one_pass, statements
        assert store.lookup(BASE, SCOPE_B, ids) == {ids[0]: json.loads(_response(ids[0]).content)}
    finally:
        with store.responses.connection() as con:
            con.set_trace_callback(None)
        store.close()


def test_the_bar_counts_cached_copies_as_each_block_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import knock_data._fetch.client as client_module
    from knock_data._fetch.batch import FetchCounts, Progress

    monkeypatch.setattr(cache_module, "_SCAN_FROM", 5)
    monkeypatch.setattr(cache_module, "_SCAN_BLOCK", 8)
    client = KnockClient(KEY, base_url=BASE, cache=tmp_path / "c.sqlite", adapter=_adapter())
    client.fetch_prospects(IDS[:50], progress=False)
    moves: list[tuple[int, int, int]] = []

    class Watched(Progress):
        def advance(self, n: int, counts: FetchCounts) -> None:
            moves.append((n, counts.cached, counts.fetched))

    monkeypatch.setattr(client_module, "Progress", Watched)
    result = client.fetch_prospects(["x", *IDS], progress=True)
    client.close()
    assert (result.n_cached, result.n_fetched, len(result.errors)) == (50, 10, 1)
    assert moves[0] == (1, 0, 0)  # the invalid id, before the cache is read
    reading = [move for move in moves[1:] if move[2] == 0]
    assert len(reading) >= 50 // 8  # a move per block of the scope's rows, not one at the end
    assert all(0 < n <= 8 for n, _, _ in reading)
    assert [cached for _, cached, _ in reading] == list(
        itertools.accumulate(n for n, _, _ in reading)
    )
    assert reading[-1][1] == 50
    assert sum(n for n, _, _ in moves) == 61
