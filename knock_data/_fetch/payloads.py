"""What a batch keeps of each prospect until its records or its frame are asked for.

A parsed record takes about 3 KB of Python objects; its body, LZ4-compressed
(:mod:`.packing`), about 260 bytes. So a batch keeps bodies: the compressed copies the cache
holds, read as they are, and each body that arrives from Knock, compressed as it comes.
:class:`~knock_data.FetchResult` parses them only when asked: its ``frame`` straight into
columns, its ``records`` into dicts. A few prospects come as records already (a cached copy
served because Knock failed, copies read with their fetch time for a smart refresh); they are
kept as they are.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from knock_data._fetch.packing import DEFAULT_BODY_DICTIONARY, BodyCompressor
from knock_data._json import parse_bodies

if TYPE_CHECKING:
    from knock_data._fetch.fetcher import Fetched

__all__ = ["DEFAULT_CODEC", "Bodies", "Payloads", "Received"]

#: The codec of a batch without a cache file (one with a file uses the file's dictionary).
DEFAULT_CODEC = BodyCompressor(DEFAULT_BODY_DICTIONARY)

#: One prospect as kept: a compressed body, or a record already parsed.
Received = bytes | dict[str, Any]


class Payloads:
    """The prospects of one batch by id, each kept as small as it came.

    Parameters
    ----------
    codec
        Compresses the bodies that arrive, and decompresses every body kept: the cache
        file's, so that copies read from it are kept as they are stored.
    cached
        What the cache served before the batch: compressed bodies (bytes, by ``codec``) or
        records (dicts), by id. A dict is taken as it is (a warm batch of a million ids
        copies nothing), and the batch's prospects are added to it.
    """

    def __init__(
        self, codec: BodyCompressor = DEFAULT_CODEC, cached: Mapping[str, Received] | None = None
    ) -> None:
        self.codec = codec
        self._by_id: dict[str, Received] = (
            cached if isinstance(cached, dict) else dict(cached or {})
        )

    def add(self, prospect_id: str, fetched: Fetched) -> None:
        """One prospect a worker fetched: its body compressed, or its record when it has no
        body (a cached copy standing in for Knock)."""
        body = fetched.body
        self._by_id[prospect_id] = self.codec.pack(body) if body is not None else fetched.record

    def __contains__(self, prospect_id: object) -> bool:
        return prospect_id in self._by_id

    def __iter__(self) -> Iterator[str]:
        """The ids kept, in the order they came."""
        return iter(self._by_id)

    def __len__(self) -> int:
        return len(self._by_id)

    def in_order(self, prospect_ids: list[str]) -> tuple[list[str], list[Received]]:
        """The ids among ``prospect_ids`` that are here, in that order, and what is kept of
        each."""
        by_id = self._by_id
        if len(by_id) == len(prospect_ids):
            try:  # every id is here: the usual case, at C speed
                return prospect_ids, list(map(by_id.__getitem__, prospect_ids))
            except KeyError:
                pass
        ids = [pid for pid in prospect_ids if pid in by_id]
        return ids, [by_id[pid] for pid in ids]


class Bodies:
    """A batch's prospects in order, as JSON bodies read afresh at each iteration (what
    :func:`knock_data.to_frame` parses straight into columns); or, when some are records
    already, as records."""

    def __init__(self, items: list[Received], codec: BodyCompressor) -> None:
        self._items = items
        self._codec = codec
        #: True when every prospect is kept as a body (so the frame needs no records).
        self.all_bodies = dict not in set(map(type, items))

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[bytes]:
        """The bodies, decompressed one at a time as they are consumed."""
        return self._codec.unpack_all(self._items)  # type: ignore[arg-type]

    def __contains__(self, item: object) -> bool:
        return any(item == body for body in self)

    def records(self) -> list[dict[str, Any]]:
        """Every prospect as a record, bodies parsed with the collector paused."""
        packed = [item for item in self._items if not isinstance(item, dict)]
        parsed = iter(parse_bodies(self._codec.unpack_all(packed)))
        return [item if isinstance(item, dict) else next(parsed) for item in self._items]
