"""The examples in the package's docstrings run and print what they say, so they cannot
drift from the code."""

from __future__ import annotations

import doctest
import importlib

import matplotlib

matplotlib.use("Agg")

import pytest

MODULES = [
    "knock_data._analysis",
    "knock_data._cache",
    "knock_data._charts",
    "knock_data._client",
    "knock_data._config",
    "knock_data._export",
    "knock_data._frame",
    "knock_data._ids",
    "knock_data._cli.report",
    "knock_data._schema",
    "knock_data.sandbox._data",
    "knock_data.sandbox._server",
]


# Chart examples return a new figure each.
pytestmark = pytest.mark.usefixtures("close_new_figures")


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name: str) -> None:
    module = importlib.import_module(name)
    tests = [t for t in doctest.DocTestFinder().find(module) if t.examples]
    assert tests, f"{name} has no examples"
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    for test in tests:
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples in {name} failed"
