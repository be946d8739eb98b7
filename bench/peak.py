"""Peak memory of one step, in the process that runs it (Linux: ``/proc/self``)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any


def _status(field: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f"{field} not in /proc/self/status")


def measure(run: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Time ``run`` and its peak resident memory beyond what the process held before it."""
    import gc

    gc.collect()
    with open("/proc/self/clear_refs", "w") as refs:
        refs.write("5")  # resets VmHWM to the current resident size
    before = _status("VmRSS:")
    start = time.perf_counter()
    extra = run()
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "peak_mb": (_status("VmHWM:") - before) / 1e6, **extra}


def frame_mb(frame: Any) -> float:
    return float(frame.memory_usage(deep=True).sum()) / 1e6
