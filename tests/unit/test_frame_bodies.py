"""to_frame's fast path, on records and on JSON bodies: always exactly the careful answer.

Every test compares against ``to_frame``'s field-by-field way (``_frame_by_fields``, every
check made) on the records ``json.loads`` makes of the same bodies: the fast path must never
give another frame, and anything it cannot take must give that way's frame or its error.
"""

from __future__ import annotations

import copy
import gc
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import knock_data._frame.bodies as bodies_module
import knock_data._frame.frame as frame_module
import knock_data._json as json_module
from knock_data import RecordError, to_frame
from knock_data._frame.bodies import frame_from_bodies
from knock_data._json import collector_paused, loads, parse_bodies
from knock_data.sandbox import EXAMPLE_PROSPECT, generate_prospects


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Chunks of a few records, so that a few hundred records cross many chunk boundaries."""
    monkeypatch.setattr(bodies_module, "_PARSE_ROWS", 7)
    monkeypatch.setattr(bodies_module, "_ARROW_ROWS", 50)


def encode(records: list[Any]) -> list[bytes]:
    return [json.dumps(record, ensure_ascii=False).encode() for record in records]


def example(**changes: Any) -> dict[str, Any]:
    record = copy.deepcopy(EXAMPLE_PROSPECT)
    record.update(changes)
    return record


class Forbidden(AssertionError):
    pass


def careful(records: list[Any]) -> pd.DataFrame:
    """The field-by-field way, every check made: the answer the fast path must give."""
    return frame_module._frame_by_fields(records)


def no_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fast path must take these: neither bodies parsed into records for to_frame, nor
    the field-by-field way."""

    def refuse(records: object) -> pd.DataFrame:
        raise Forbidden("the fast path gave up")

    monkeypatch.setattr(bodies_module, "to_frame", refuse)
    monkeypatch.setattr(frame_module, "_frame_by_fields", refuse)


def test_sandbox_records_and_bodies_take_the_fast_path_to_the_careful_frame(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    records = generate_prospects(700)
    expected = careful(records)
    bodies = encode(records)
    no_fallback(monkeypatch)
    for frame in (to_frame(records), frame_from_bodies(bodies), to_frame(bodies)):
        pd.testing.assert_frame_equal(frame, expected)
        assert frame.equals(expected)


def test_to_frame_takes_bodies_from_a_list_a_generator_and_a_json_lines_file(
    tmp_path: Path,
) -> None:
    records = generate_prospects(120)
    expected = to_frame(records)
    path = tmp_path / "prospects.jsonl"
    path.write_bytes(b"\n".join(encode(records)) + b"\n")
    assert to_frame(encode(records)).equals(expected)
    assert to_frame(body for body in encode(records)).equals(expected)
    with path.open("rb") as lines:
        assert to_frame(lines).equals(expected)


class View:
    """A collection that reads its bodies afresh at each iteration, as a FetchResult's."""

    def __init__(self, bodies: list[bytes]) -> None:
        self.bodies = bodies
        self.iterations = 0

    def __len__(self) -> int:
        return len(self.bodies)

    def __contains__(self, item: object) -> bool:
        return item in self.bodies

    def __iter__(self) -> Iterator[bytes]:
        self.iterations += 1
        return iter(list(self.bodies))


def test_a_view_of_bodies_is_read_once_when_regular_and_again_when_not() -> None:
    records = generate_prospects(60)
    regular = View(encode(records))
    assert to_frame(regular).equals(to_frame(records))
    assert regular.iterations == 2  # the first item looked at, then the one pass

    records[40]["referral"] = {"code": "X1"}  # a field the API added: an extra column
    irregular = View(encode(records))
    frame = to_frame(irregular)
    assert frame.equals(to_frame(records))
    assert "referral_code" in frame.columns
    assert irregular.iterations == 3


@pytest.mark.parametrize(
    "changes",
    [
        {"prospectId": 47569637},  # a number where text is expected: its digits
        {"zip": 2108},
        {"occupants": 2.0},  # whole numbers sent as decimals
        {"minBudget": 1500},
        {"bedrooms": "STUDIO"},  # a bare value
        {"bedrooms": []},
        {"bedrooms": [""]},
        {"bedrooms": ["STUDIO", None]},  # a null inside a list
        {"pets": ["dog", 1]},
        {"agent": None},
        {"agent": {}},
        {"agent": {"username": "u", "fullName": "Ann Lee"}},  # a nested field added
        {"source": {"id": 3}},
        {"createdAt": "2021-10-14T18:10:34"},  # no offset: pandas' parser
        {"moveDate": "2021-12-06T00:00:00Z"},
        {"extra": True},
    ],
    ids=repr,
)
def test_untidy_records_give_to_frames_frame(changes: dict[str, Any]) -> None:
    records = generate_prospects(30)
    records.insert(17, example(**changes))
    del records[3]["unit"]  # a record without a field
    expected = careful(records)
    assert frame_from_bodies(encode(records)).equals(expected)
    assert to_frame(records).equals(expected)
    del records[3]
    assert to_frame(records).equals(careful(records))  # the untidy record alone


def test_counts_whole_in_one_chunk_and_decimal_in_another_are_one_int_column(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    records = [example(prospectId=str(i), occupants=i % 4) for i in range(120)]
    records[110]["occupants"] = 3.0
    records[111]["minBudget"] = None
    expected = careful(records)
    no_fallback(monkeypatch)
    for frame in (frame_from_bodies(encode(records)), to_frame(records)):
        assert frame.equals(expected)
        assert str(frame["occupants"].dtype) == "Int64"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"agent": "bob"}, "agent"),
        ({"createdAt": "yesterday"}, "createdAt"),
        ({"occupants": "three"}, "occupants"),
        ({"occupants": 2.5}, "occupants"),
        ({"smsConsent": 1}, "smsConsent"),
        ({"moveDate": "soon"}, "moveDate"),
    ],
)
def test_a_bad_value_is_to_frames_error(changes: dict[str, Any], field: str) -> None:
    records = generate_prospects(40)
    records[23] = example(**changes)
    with pytest.raises(RecordError) as expected:
        careful(records)
    for source in (encode(records), records):
        with pytest.raises(RecordError) as raised:
            to_frame(source)
        assert (raised.value.position, raised.value.field) == (23, field)
        assert str(raised.value) == str(expected.value)


def test_a_body_that_is_not_json_or_not_an_object_is_named_by_its_position() -> None:
    bodies = encode(generate_prospects(20))
    with pytest.raises(RecordError, match="position 12 is not valid JSON") as raised:
        frame_from_bodies([*bodies[:12], b'{"prospectId": "1"', *bodies[12:]])
    assert raised.value.position == 12
    with pytest.raises(RecordError, match="position 3 is a list, not a JSON object"):
        frame_from_bodies([*bodies[:3], b"[1, 2]"])


def test_what_orjson_refuses_is_read_as_json_reads_it() -> None:
    body = json.dumps(example(minBudget=float("nan"), extra=10**20)).encode()
    assert b"NaN" in body
    assert repr(loads(body)) == repr(json.loads(body))
    wide = json.dumps(example(extra=-(10**19) + 1, other=18446744073709551615)).encode()
    many = [*encode(generate_prospects(300)), body, wide]
    assert repr(parse_bodies(many)) == repr([json.loads(b) for b in many])  # ints stay ints
    assert frame_from_bodies([body]).equals(careful([json.loads(body)]))


def test_a_count_beyond_64_bits_is_refused_not_wrapped() -> None:
    records = [example(occupants=10**20), example(occupants=2.5e19)]
    for record in records:
        with pytest.raises(RecordError, match="occupants"):
            to_frame([record])
        with pytest.raises(RecordError, match="occupants"):
            frame_from_bodies(encode([record]))


def test_no_bodies_give_the_empty_frame() -> None:
    assert frame_from_bodies([]).equals(careful([]))
    assert to_frame([]).equals(careful([]))


# --- the garbage collector ----------------------------------------------------------------


def test_the_bulk_parse_runs_with_the_collector_paused_and_restores_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bodies = encode(generate_prospects(300))
    seen: list[bool] = []

    def watched(parse: Any) -> Any:
        def parse_one(body: bytes) -> Any:
            seen.append(gc.isenabled())
            return parse(body)

        return parse_one

    monkeypatch.setattr(bodies_module, "fast_loads", watched(bodies_module.fast_loads))
    monkeypatch.setattr(json_module, "_orjson_or_json", watched(json_module._orjson_or_json))
    frame_from_bodies(bodies)
    assert len(seen) == 300
    parse_bodies(bodies)
    assert len(seen) == 600
    assert not any(seen)
    assert gc.isenabled()


def test_the_collector_is_restored_after_an_error_and_left_off_if_it_was() -> None:
    with pytest.raises(RecordError):
        frame_from_bodies([b"not json"])
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()
