"""Run every benchmark (``make bench``) or the ones named: ``python -m bench fetch frame``."""

from __future__ import annotations

import importlib
import pkgutil
import sys
import time
from pathlib import Path


def main(argv: list[str]) -> int:
    here = Path(__file__).parent
    names = sorted(m.name for m in pkgutil.iter_modules([str(here)]) if m.name.startswith("bench_"))
    wanted = [n for n in names if not argv or n.removeprefix("bench_") in argv]
    if argv and not wanted:
        print(f"No benchmark named {argv}; choose from {[n[6:] for n in names]}", file=sys.stderr)
        return 2
    for name in wanted:
        print(f"\n== {name.removeprefix('bench_')} ==", flush=True)
        start = time.perf_counter()
        importlib.import_module(f"bench.{name}").main()
        print(f"({time.perf_counter() - start:.1f} s)", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
