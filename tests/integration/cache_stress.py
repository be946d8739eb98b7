"""Processes for the shared-cache stress test (importable, so that ``spawn`` can start them)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any


def open_fresh_files(root: str, rounds: int, barrier: Any, results: Any) -> None:
    """Open a new cache file each round, at the same moment as the other openers."""
    from knock_data import KnockClient, KnockError

    failures = []
    for number in range(rounds):
        barrier.wait(timeout=120)
        path = Path(root) / f"round-{number}.sqlite"
        # Nothing is sent: opening the session opens the cache file, and that is all.
        client = KnockClient(env="stage", base_url="http://127.0.0.1:9", cache=path)
        try:
            client.session  # noqa: B018
        except KnockError as error:
            failures.append(f"round {number}: {error}")
        finally:
            client.close()
    results.put(failures)


def write_and_sync(root: str, stop: Any) -> None:
    """Write and fsync a large file over and over, until ``stop`` is set."""
    chunk = os.urandom(4 << 20)
    path = Path(root) / "large.bin"
    while not stop.is_set():
        with path.open("wb") as file:
            for _ in range(8):
                file.write(chunk)
            file.flush()
            os.fsync(file.fileno())
    path.unlink()
