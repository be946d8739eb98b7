"""One fetch run's recording into a history, and the refresh policy's verdict on each copy.

The fetch layer sits below the history layer and never imports it: it is handed a
``History`` (anything with ``open_run(api_key=)`` and ``last_observed()``) and a refresh
policy (anything with ``due(copies, now=)``), as requests-cache is handed a backend.

What a run records (:class:`Recorder`):

1. At the start, every cached copy the history has not seen yet (fetched after the
   prospect's last observation, or never observed): what a run killed before its last chunk
   fetched, and what was cached before the history existed. Each is recorded at its
   ``fetched_at``.
2. Every record fetched from the network, at its answer's ``Date``.
3. Every "does not exist" for an id the history has seen before, as gone.

Cache hits are not observations: nothing new was seen.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

from knock_data._exceptions import KnockError, ProspectNotFound
from knock_data._fetch.copies import Copy
from knock_data._fetch.fetcher import Fetched

__all__ = ["Recorder", "due_ids"]


class Recorder:
    """Records one run into a history: opened before the batch, closed after it (always)."""

    def __init__(self, history: Any, api_key: str) -> None:
        self.writer = history.open_run(api_key=api_key)
        last = history.last_observed()
        self._last_seen: dict[str, Any] = dict(zip(last.index, last.array, strict=True))
        self.recovered = 0

    def recover(self, copies: Mapping[str, Copy]) -> int:
        """Record the cached copies the history has not seen; returns how many."""
        missed = [
            (pid, copy)
            for pid, copy in copies.items()
            if (seen := self._last_seen.get(pid)) is None or copy.fetched_at > seen
        ]
        if not missed:
            return 0
        # What interrupted runs (or runs without the history) fetched: a run of its own per
        # UTC day they were fetched on, so each lands in its day's partition and this run's
        # partition and run id stay its own start's.
        by_day: dict[date, list[tuple[str, Copy]]] = {}
        for pid, copy in missed:
            by_day.setdefault(copy.fetched_at.astimezone(UTC).date(), []).append((pid, copy))
        for day in sorted(by_day):
            late = self.writer.another_run()
            try:
                for pid, copy in by_day[day]:
                    late.add(copy.record, copy.fetched_at)
                    self._last_seen[pid] = copy.fetched_at
            finally:
                late.close()
        self.recovered += len(missed)
        return len(missed)

    def settled(self, prospect_id: str, fetched: Fetched | None, error: KnockError | None) -> None:
        """An id finished: record what Knock said, if it is an observation."""
        if fetched is not None and fetched.source == "network":
            moment = fetched.observed_at or datetime.now(UTC)
            self.writer.add(fetched.record, moment)
            self._last_seen[prospect_id] = moment
        elif isinstance(error, ProspectNotFound) and prospect_id in self._last_seen:
            moment = error.observed_at or datetime.now(UTC)
            self.writer.add_gone(prospect_id, moment)
            self._last_seen[prospect_id] = moment

    def close(self) -> None:
        """Write what is left."""
        self.writer.close()


def due_ids(policy: Any, copies: Mapping[str, Copy], now: object) -> set[str]:
    """The cached ids the policy finds due at ``now`` (ids not cached are always due)."""
    if not copies:
        return set()
    import knock_data  # the frame and the policy live above this layer

    ids = list(copies)
    frame = knock_data.to_frame([copies[pid].record for pid in ids])
    frame["fetched_at"] = [copies[pid].fetched_at for pid in ids]
    due = policy.due(frame, now=now).to_numpy(dtype=bool)
    return {pid for pid, is_due in zip(ids, due, strict=True) if is_due}
