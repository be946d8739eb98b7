"""The examples in the package's docstrings run and print what they say, so they cannot
drift from the code."""

from __future__ import annotations

import doctest
import importlib

import matplotlib

matplotlib.use("Agg")

import pytest

MODULES = [
    "knock_data._analysis.breakdowns",
    "knock_data._analysis.filtering",
    "knock_data._analysis.funnel",
    "knock_data._analysis.over_time",
    "knock_data._analysis.periods",
    "knock_data._analysis.statuses",
    "knock_data._charts._text",
    "knock_data._charts._top",
    "knock_data._charts.breakdowns",
    "knock_data._charts.colors",
    "knock_data._charts.funnel",
    "knock_data._charts.over_time",
    "knock_data._charts.registry",
    "knock_data._dashboard",
    "knock_data._dashboard.filters",
    "knock_data._dashboard.summary",
    "knock_data._fetch.cache",
    "knock_data._fetch.client",
    "knock_data._fetch.config",
    "knock_data._fetch.ids",
    "knock_data._fetch.responses",
    "knock_data._fetch.result",
    "knock_data._fetch.retry",
    "knock_data._frame.export",
    "knock_data._frame.frame",
    "knock_data._history.folder",
    "knock_data._history.moments",
    "knock_data._history.policy",
    "knock_data._history.store",
    "knock_data._history.writer",
    "knock_data._analysis.lifecycle",
    "knock_data._report",
    "knock_data._schema",
    "knock_data.sandbox._clock",
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
