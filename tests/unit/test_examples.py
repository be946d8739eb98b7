"""The examples in the package's docstrings run and print what they say, so they cannot
drift from the code."""

from __future__ import annotations

import doctest
import importlib
import inspect
from types import ModuleType

import matplotlib

matplotlib.use("Agg")

import pytest

import knock_data

MODULES = [
    "knock_data._analysis.aging",
    "knock_data._analysis.breakdowns",
    "knock_data._analysis.cohorts",
    "knock_data._analysis.comparisons",
    "knock_data._analysis.demand",
    "knock_data._analysis.duplicates",
    "knock_data._analysis.filtering",
    "knock_data._analysis.funnel",
    "knock_data._analysis.movement",
    "knock_data._analysis.over_time",
    "knock_data._analysis.period_changes",
    "knock_data._analysis.periods",
    "knock_data._analysis.spend",
    "knock_data._analysis.statuses",
    "knock_data._analysis.survival",
    "knock_data._charts._text",
    "knock_data._charts._top",
    "knock_data._charts.aging",
    "knock_data._charts.breakdowns",
    "knock_data._charts.cohorts",
    "knock_data._charts.colors",
    "knock_data._charts.comparisons",
    "knock_data._charts.funnel",
    "knock_data._charts.movement",
    "knock_data._charts.over_time",
    "knock_data._charts.registry",
    "knock_data._charts.survival",
    "knock_data._charts.labels",
    "knock_data._charts.over_time",
    "knock_data._charts.registry",
    "knock_data._charts.tables",
    "knock_data._dashboard",
    "knock_data._dashboard.dates",
    "knock_data._dashboard.export",
    "knock_data._dashboard.filters",
    "knock_data._dashboard.summary",
    "knock_data._fetch.cache",
    "knock_data._fetch.cache_file",
    "knock_data._fetch.cache_info",
    "knock_data._fetch.cache_keys",
    "knock_data._fetch.scope",
    "knock_data._fetch.client",
    "knock_data._fetch.config",
    "knock_data._fetch.ids",
    "knock_data._fetch.responses",
    "knock_data._fetch.result",
    "knock_data._fetch.retry",
    "knock_data._frame.excel",
    "knock_data._frame.export",
    "knock_data._frame.frame",
    "knock_data._frame.names",
    "knock_data._history.folder",
    "knock_data._history.moments",
    "knock_data._history.policy",
    "knock_data._history.store",
    "knock_data._history.writer",
    "knock_data._analysis.lifecycle",
    "knock_data._cli.report",
    "knock_data._schema",
    "knock_data.sandbox._clock",
    "knock_data.sandbox._data",
    "knock_data.sandbox._names",
    "knock_data.sandbox._server",
]


# Chart examples return a new figure each.
pytestmark = pytest.mark.usefixtures("close_new_figures")


class _Finder(doctest.DocTestFinder):
    """Also finds the examples of public classes, whose ``__module__`` is ``knock_data``.

    doctest keeps a class only when its ``__module__`` is the module searched; a public class
    shows as ``knock_data.X`` once it has been loaded from the package, so it is this
    module's own when the module defines it and lists it in ``__all__``.
    """

    def _from_module(self, module: ModuleType, object: object) -> bool:
        if inspect.isclass(object) and object.__module__ == knock_data.__name__:
            name = object.__name__
            return name in getattr(module, "__all__", ()) and getattr(module, name) is object
        return bool(super()._from_module(module, object))  # type: ignore[misc]


def _examples(name: str) -> list[doctest.DocTest]:
    for public in knock_data.__all__:
        getattr(knock_data, public)  # shown as knock_data.X from here on, whatever ran before
    return [t for t in _Finder().find(importlib.import_module(name)) if t.examples]


def test_examples_of_public_classes_are_found() -> None:
    names = {t.name for module in MODULES for t in _examples(module)}
    assert any(n.endswith(".KnockClient.fetch_prospects") for n in names), sorted(names)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name: str) -> None:
    tests = _examples(name)
    assert tests, f"{name} has no examples"
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    for test in tests:
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples in {name} failed"
