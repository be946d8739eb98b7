"""Several processes opening new cache files at once, beside heavy disk writes, never fail."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest

from knock_data._fetch.cache_info import cache_info
from tests.integration import cache_stress

pytestmark = pytest.mark.integration

OPENERS = 6
ROUNDS = 50


def test_processes_opening_new_files_at_once_never_see_a_lock(tmp_path: Path) -> None:
    # Before opening retried on a lock, four runs of this test (300 opens) in five had one
    # that failed with "database is locked".
    spawn = multiprocessing.get_context("spawn")
    barrier = spawn.Barrier(OPENERS)
    stop = spawn.Event()
    results = spawn.Queue()
    writer = spawn.Process(target=cache_stress.write_and_sync, args=(str(tmp_path), stop))
    openers = [
        spawn.Process(
            target=cache_stress.open_fresh_files, args=(str(tmp_path), ROUNDS, barrier, results)
        )
        for _ in range(OPENERS)
    ]
    writer.start()
    try:
        for opener in openers:
            opener.start()
        failures = [failure for _ in openers for failure in results.get(timeout=240)]
        for opener in openers:
            opener.join(timeout=60)
    finally:
        stop.set()
        writer.join(timeout=60)
        for process in (*openers, writer):
            if process.is_alive():
                process.kill()
    assert failures == []
    assert [p.exitcode for p in openers] == [0] * OPENERS
    for number in range(ROUNDS):
        assert cache_info(tmp_path / f"round-{number}.sqlite").exists
