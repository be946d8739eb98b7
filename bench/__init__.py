"""Benchmarks: each module ``bench/bench_*.py`` has a ``main()`` that measures knock-data
against the obvious alternative side by side in one run and prints the ratio."""
