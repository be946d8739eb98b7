"""KnockClient's recording and smart refresh, with a fake transport and a real cache file."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import knock_data as kd
from knock_data._fetch.copies import cached_copies
from tests.unit.fake_transport import BASE, FAST, KEY, NOT_FOUND, FakeAdapter, Reply, prospect

NOV_2 = "Tue, 02 Nov 2021 00:00:00 GMT"
NOV_9 = "Tue, 09 Nov 2021 00:00:00 GMT"


def record(pid: str, **changes: Any) -> dict[str, Any]:
    base = prospect(pid)
    base.update(
        {
            "createdAt": "2021-06-01T00:00:00+00:00",
            "updatedAt": "2021-10-31T00:00:00+00:00",
            "isDeleted": False,
            "notProspect": False,
        }
    )
    base.update(changes)
    return base


class Knock:
    """Scripted answers that change when told: ``knock.date`` and ``knock.records``."""

    def __init__(self, records: dict[str, dict[str, Any]]) -> None:
        self.records = records
        self.date: str | None = NOV_2

    def __call__(self, pid: str, attempt: int) -> Reply:
        headers = {"Date": self.date} if self.date else {}
        if pid in self.records:
            return (200, self.records[pid], headers)
        return (404, NOT_FOUND, headers)


def client_for(
    tmp_path: Path, replies: Callable[[str, int], Reply], **kwargs: Any
) -> tuple[kd.KnockClient, FakeAdapter]:
    adapter = FakeAdapter(replies)
    client = kd.KnockClient(
        KEY,
        base_url=BASE,
        cache=tmp_path / "c.sqlite",
        retry=FAST,
        adapter=adapter,
        history=tmp_path / "h",
        **kwargs,
    )
    return client, adapter


def test_records_fetched_from_the_network_are_kept_at_their_date_header(tmp_path: Path) -> None:
    knock = Knock({"1": record("1"), "2": record("2")})
    client, adapter = client_for(tmp_path, knock)
    client.fetch_prospects(["1", "2"], progress=False)
    client.fetch_prospects(["1", "2"], progress=False)  # cache hits: not observations
    assert client.get_prospect(1)["prospectId"] == "1"  # a cache hit too
    observed = kd.History(tmp_path / "h").observations()
    assert observed["prospect_id"].tolist() == ["1", "2"]
    assert set(observed["observed_at"]) == {pd.Timestamp("2021-11-02", tz="UTC")}
    assert sum(adapter.calls.values()) == 2


def test_without_a_date_header_the_local_clock_stamps_the_observation(tmp_path: Path) -> None:
    knock = Knock({"1": record("1")})
    knock.date = None
    client, _ = client_for(tmp_path, knock)
    before = datetime.now(UTC)
    client.get_prospect("1")
    stamp = kd.History(tmp_path / "h").observations()["observed_at"].iloc[0]
    assert before <= stamp <= datetime.now(UTC)


def test_does_not_exist_is_recorded_as_gone_only_for_ids_seen_before(tmp_path: Path) -> None:
    knock = Knock({"1": record("1")})
    client, _ = client_for(tmp_path, knock)
    client.fetch_prospects(["1", "7"], progress=False)
    del knock.records["1"]
    knock.date = NOV_9
    result = client.fetch_prospects(["1", "7"], progress=False, refresh=True)
    assert result.errors["reason"].tolist() == ["not_found", "not_found"]
    with pytest.raises(kd.ProspectNotFound) as caught:
        client.get_prospect("1")  # still cached? no: refresh=True found it gone, so ask Knock
    assert caught.value.observed_at == datetime(2021, 11, 9, tzinfo=UTC)
    observed = kd.History(tmp_path / "h").observations()
    assert observed[["prospect_id", "gone"]].values.tolist() == [
        ["1", False],
        ["1", True],
        ["1", True],
    ]
    assert observed["status"].isna().tolist() == [False, True, True]


def test_refresh_due_fetches_only_what_the_policy_finds_due(tmp_path: Path) -> None:
    knock = Knock(
        {
            "1": record("1"),  # active
            "2": record("2", status="lost", updatedAt="2021-05-01T00:00:00+00:00"),  # closed
            "3": record("3", updatedAt="2021-05-01T00:00:00+00:00"),  # dormant
        }
    )
    client, adapter = client_for(tmp_path, knock)
    client.fetch_prospects(["1", "2", "3"], progress=False)
    knock.date = NOV_9
    knock.records["1"] = record("1", status="booked")
    result = client.fetch_prospects(["1", "2", "3", "4"], progress=False, refresh="due",
                                    now="2021-11-09")  # fmt: skip
    assert adapter.calls == {"1": 2, "2": 1, "3": 1, "4": 1}  # 4: never fetched, always due
    assert (result.n_refreshed, result.n_unchanged, result.n_not_due) == (1, 0, 2)
    assert (result.n_cached, result.n_fetched) == (2, 1)
    assert [r["status"] for r in result.records] == ["booked", "lost", "new"]
    later = client.fetch_prospects(["2", "3"], progress=False, refresh="due", now="2021-12-31")
    assert (later.n_refreshed, later.n_unchanged, later.n_not_due) == (2, 2, 0)
    observed = kd.History(tmp_path / "h").observations()
    assert observed["prospect_id"].tolist() == ["1", "2", "3", "1", "2", "3"]


def test_refresh_true_counts_refreshed_and_unchanged(tmp_path: Path) -> None:
    knock = Knock({"1": record("1"), "2": record("2")})
    client, _ = client_for(tmp_path, knock)
    client.fetch_prospects(["1", "2"], progress=False)
    knock.records["2"] = record("2", status="open")
    result = client.fetch_prospects(["1", "2"], progress=False, refresh=True)
    assert (result.n_refreshed, result.n_unchanged, result.n_not_due) == (2, 1, 0)
    assert "2 refreshed (1 unchanged), 0 not due" in result.summary()


@pytest.mark.parametrize("bad", ["yes", "all", 1, None])
def test_refresh_takes_false_true_or_due(tmp_path: Path, bad: Any) -> None:
    client, adapter = client_for(tmp_path, Knock({}))
    with pytest.raises(kd.ConfigurationError, match="use False, True or 'due'"):
        client.fetch_prospects(["1"], progress=False, refresh=bad)
    assert adapter.calls == {}


def test_a_custom_policy_is_used(tmp_path: Path) -> None:
    knock = Knock({"1": record("1", status="lost", updatedAt="2021-05-01T00:00:00+00:00")})
    eager = kd.RefreshPolicy(closed=1)
    client, adapter = client_for(tmp_path, knock, refresh_policy=eager)
    assert client.refresh_policy is eager
    client.fetch_prospects(["1"], progress=False)
    client.fetch_prospects(["1"], progress=False, refresh="due", now="2021-11-03")
    assert adapter.calls["1"] == 2


def test_the_cache_knows_when_each_copy_was_fetched(tmp_path: Path) -> None:
    knock = Knock({"1": record("1")})
    client, _ = client_for(tmp_path, knock)
    client.fetch_prospects(["1"], progress=False)
    store = client._open().store
    assert store is not None
    assert cached_copies(store, BASE, None, ["1"]) == {}  # no key scope: no copy of anyone's
    copies = cached_copies(store, BASE, client._open().scope, ["1", "2"])
    assert list(copies) == ["1"]
    assert copies["1"].fetched_at == datetime(2021, 11, 2, tzinfo=UTC)
    assert copies["1"].record == record("1")


def test_copies_the_history_missed_are_recovered_once(tmp_path: Path) -> None:
    knock = Knock({"1": record("1"), "2": record("2")})
    plain = kd.KnockClient(KEY, base_url=BASE, cache=tmp_path / "c.sqlite", retry=FAST,
                           adapter=FakeAdapter(knock))  # fmt: skip
    plain.fetch_prospects(["1", "2"], progress=False)  # cached before any history existed
    client, adapter = client_for(tmp_path, knock)
    client.fetch_prospects(["1", "2"], progress=False)
    client.fetch_prospects(["1", "2"], progress=False)
    assert adapter.calls == {}
    observed = kd.History(tmp_path / "h").observations()
    assert observed["prospect_id"].tolist() == ["1", "2"]
    assert set(observed["observed_at"]) == {pd.Timestamp("2021-11-02", tz="UTC")}


def test_recovered_copies_are_a_run_of_their_own_and_the_run_keeps_its_own_day(
    tmp_path: Path,
) -> None:
    knock = Knock({"1": record("1"), "2": record("2"), "3": record("3")})
    plain = kd.KnockClient(KEY, base_url=BASE, cache=tmp_path / "c.sqlite", retry=FAST,
                           adapter=FakeAdapter(knock))  # fmt: skip
    plain.fetch_prospects(["1"], progress=False)  # cached on Nov 2, before the history
    knock.date = "Wed, 03 Nov 2021 09:00:00 GMT"
    plain.fetch_prospects(["3"], progress=False)  # and one on Nov 3
    knock.date = NOV_9
    client, _ = client_for(tmp_path, knock)
    client.fetch_prospects(["1", "2", "3"], progress=False)  # "2" is fetched on Nov 9
    days = sorted(p.parent.name for p in (tmp_path / "h").glob("observed_date=*/*.parquet"))
    assert days == [f"observed_date=2021-11-0{day}" for day in (2, 3, 9)]
    observed = kd.History(tmp_path / "h").observations().set_index("prospect_id")
    assert observed.loc["2", "observed_at"] == pd.Timestamp("2021-11-09", tz="UTC")
    runs = {pid: str(observed.loc[pid, "run_id"]) for pid in ("1", "2")}
    assert runs["1"] != runs["2"]
    assert runs["2"].startswith("20211109")


def test_the_repr_names_the_history(tmp_path: Path) -> None:
    client, _ = client_for(tmp_path, Knock({}))
    assert f"history={str(tmp_path / 'h')!r}" in repr(client)
    assert KEY not in repr(client)


def test_a_history_that_is_not_one_fails_when_the_client_is_made(tmp_path: Path) -> None:
    (tmp_path / "h").mkdir()
    (tmp_path / "h" / "budget.xlsx").write_bytes(b"PK")
    with pytest.raises(kd.HistoryError, match=r"budget\.xlsx"):
        client_for(tmp_path, Knock({}))


def test_a_cache_that_keeps_fetch_times_and_scopes_is_asked_through_its_own_methods() -> None:
    from types import SimpleNamespace

    when = datetime(2021, 11, 2, tzinfo=UTC)

    class ScopedCache:  # the interface of the cache file's schema 2
        def fetched(self, base_url: str, scope: str, ids: list[str]) -> dict[str, Any]:
            assert (base_url, scope) == (BASE, "0123abcd")
            copy = SimpleNamespace(record=record("1"), fetched_at=when, expires=None)
            return {"1": copy} if "1" in ids else {}

    store: Any = ScopedCache()
    copies = cached_copies(store, BASE, "0123abcd", ["1", "2"])
    assert {pid: (c.fetched_at, c.record) for pid, c in copies.items()} == {
        "1": (when, record("1"))
    }


def test_a_history_without_a_cache_is_refused_as_it_could_lose_observations(
    tmp_path: Path,
) -> None:
    with pytest.raises(kd.ConfigurationError, match="history= needs the cache"):
        kd.KnockClient(KEY, base_url=BASE, cache=False, history=tmp_path / "h")
    assert not (tmp_path / "h").exists()


@pytest.mark.parametrize("pii", ["keep", "drop"])
def test_a_fetch_result_is_appended_from_its_frame_as_its_records_would_be(
    tmp_path: Path, pii: str
) -> None:
    records = {str(i): record(str(i), status="open" if i % 2 else "new") for i in range(1, 60)}
    client = kd.KnockClient(KEY, base_url=BASE, cache=tmp_path / "c.sqlite", retry=FAST,
                            adapter=FakeAdapter(Knock(records)))  # fmt: skip
    client.fetch_prospects(list(records), progress=False)
    result = client.fetch_prospects(list(records), progress=False)  # warm: compressed bodies
    by_frame = kd.History(tmp_path / "a", pii=pii)
    by_frame.append(result, observed_at="2021-11-02")
    assert result._records is None  # no record dict was made for the history
    by_records = kd.History(tmp_path / "b", pii=pii)
    by_records.append(result.records, observed_at="2021-11-02")
    a = by_frame.observations().drop(columns="run_id")
    b = by_records.observations().drop(columns="run_id")
    pd.testing.assert_frame_equal(a, b)
    assert len(a) == 59
    small = kd.History(tmp_path / "c")
    small.open_run().close()  # a folder, then chunks of 20 rows: the same rows
    writer = small.open_run()
    writer.chunk_rows = 20
    writer.add_frame(result.frame, [pd.Timestamp("2021-11-02", tz="UTC").to_pydatetime()] * 59)
    writer.close()
    assert len(list((tmp_path / "c").rglob("*.parquet"))) == 3
    pd.testing.assert_frame_equal(
        small.observations().drop(columns="run_id"),
        kd.History(tmp_path / "a" if pii == "keep" else tmp_path / "c")
        .observations()
        .drop(columns="run_id"),
    )
