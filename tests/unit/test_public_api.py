"""The public surface is pinned: a name added to or dropped from ``knock_data`` is a decision."""

from __future__ import annotations

import importlib
import inspect
import itertools
import re
import subprocess
import sys
import tomllib
import traceback
from importlib.metadata import version
from pathlib import Path

import pytest

import knock_data

EXPECTED = [
    "CLOSED_STATUSES",
    "DEFAULT_STAGES",
    "DORMANT_AFTER",
    "LIFECYCLE_STATES",
    "AuthenticationError",
    "BadResponse",
    "ConfigurationError",
    "ConnectionFailed",
    "Dashboard",
    "FetchResult",
    "History",
    "HistoryError",
    "IdList",
    "InvalidProspectId",
    "KnockAPIError",
    "KnockClient",
    "KnockError",
    "KnockWarning",
    "ProspectNotFound",
    "RateLimited",
    "RecordError",
    "RefreshPolicy",
    "RetryPolicy",
    "ServerError",
    "Timeout",
    "WrongArgumentType",
    "__version__",
    "aging",
    "cohort_conversion",
    "compare_conversion",
    "compare_periods",
    "consent_breakdown",
    "demand_breakdown",
    "export_csv",
    "export_excel",
    "filter_prospects",
    "funnel",
    "funnel_table",
    "is_closed",
    "is_dormant",
    "leads_over_time",
    "lifecycle_state",
    "normalize_status",
    "plot_aging",
    "plot_cohorts",
    "plot_comparison",
    "plot_consent",
    "plot_demand",
    "plot_funnel",
    "plot_funnels",
    "plot_leads_over_time",
    "plot_sources",
    "plot_status",
    "plot_time_to_stage",
    "plot_transitions",
    "plot_waterfall",
    "possible_duplicates",
    "read_ids",
    "report_table",
    "sandbox",
    "source_breakdown",
    "source_roi",
    "stage_dates",
    "stage_of",
    "status_breakdown",
    "time_to_stage",
    "to_frame",
    "to_parquet",
    "transitions",
    "waterfall",
    "wilson_interval",
    "with_names",
]


def test_all_is_pinned_and_sorted() -> None:
    assert knock_data.__all__ == EXPECTED
    # sorted as ruff's RUF022 sorts: CONSTANTS, then Classes, then everything else
    group = {name: 0 if name.isupper() else 1 if name[0].isupper() else 2 for name in EXPECTED}
    assert sorted(EXPECTED, key=lambda name: (group[name], name)) == knock_data.__all__


@pytest.mark.parametrize("name", EXPECTED)
def test_every_public_name_resolves_and_is_documented(name: str) -> None:
    value = getattr(knock_data, name)
    if name == "__version__":
        assert isinstance(value, str)
        return
    if not callable(value) and not inspect.ismodule(value):
        # A constant has no docstring of its own (inspect.getdoc would give its type's):
        # its documentation is the ``#:`` comment above its definition.
        assert constant_comment(name), f"knock_data.{name} has no #: comment"
        return
    # Its own docstring: inspect.getdoc falls back to a parent class's, and @dataclass
    # writes the signature into a class that has none.
    doc = value.__doc__
    assert doc, f"knock_data.{name} has no docstring"
    assert not doc.startswith(f"{name}("), f"knock_data.{name} has no docstring"


def constant_comment(name: str) -> str:
    """The ``#:`` lines above ``name``'s definition in the module ``_LAZY`` names for it."""
    module = importlib.import_module(knock_data._LAZY[name])
    path = Path(module.__file__ or "")
    sources = sorted(path.parent.glob("*.py")) if path.name == "__init__.py" else [path]
    for source in sources:
        lines = source.read_text(encoding="utf-8").splitlines()
        for i, line in enumerate(lines):
            if re.match(rf"{name}\s*[:=]", line):
                above = list(itertools.takewhile(lambda s: s.startswith("#:"), lines[:i][::-1]))
                return "\n".join(reversed(above))
    raise AssertionError(f"knock_data.{name} is not defined in {module.__name__}")


def test_lazy_names_are_exactly_the_public_ones_not_imported_eagerly() -> None:
    eager = {n for n in EXPECTED if n in vars(knock_data._exceptions)} | {"__version__"}
    assert set(knock_data._LAZY) == set(EXPECTED) - eager


def test_exceptions_share_one_root() -> None:
    errors = [
        getattr(knock_data, n)
        for n in EXPECTED
        if n.endswith("Error")
        or n
        in (
            "BadResponse",
            "ConnectionFailed",
            "InvalidProspectId",
            "ProspectNotFound",
            "RateLimited",
            "Timeout",
        )
    ]
    assert all(issubclass(e, knock_data.KnockError) for e in errors)
    assert issubclass(knock_data.InvalidProspectId, ValueError)
    assert issubclass(knock_data.ProspectNotFound, LookupError)
    assert issubclass(knock_data.AuthenticationError, PermissionError)
    assert issubclass(knock_data.RateLimited, knock_data.KnockAPIError)


def test_unknown_attribute_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        knock_data.nope  # noqa: B018


CLASSES = [n for n in EXPECTED if n[0].isupper() and not n.isupper()]  # CamelCase


@pytest.mark.parametrize("name", CLASSES)
def test_public_classes_show_as_knock_data_not_their_private_module(name: str) -> None:
    value = getattr(knock_data, name)
    assert isinstance(value, type)
    assert value.__module__ == "knock_data"
    assert repr(value) == f"<class 'knock_data.{name}'>"


def test_exceptions_show_as_knock_data_in_tracebacks_before_any_other_name_is_used() -> None:
    probe = (
        "import knock_data._exceptions as private, knock_data, traceback\n"
        "print(traceback.format_exception_only(private.ProspectNotFound('No prospect 5.'))[0])"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == "knock_data.ProspectNotFound: No prospect 5."
    error = knock_data.RateLimited("Still 429.")
    assert traceback.format_exception_only(error) == ["knock_data.RateLimited: Still 429.\n"]


def test_version_is_the_installed_metadata_which_is_pyproject_s() -> None:
    pyproject = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text())
    assert knock_data.__version__ == version("knock-data") == pyproject["project"]["version"]
    # Read from the metadata, not written a second time in the package.
    probe = (
        "import importlib.metadata as m\n"
        "m.version = lambda name: '9.9.9' if name == 'knock-data' else None\n"
        "import knock_data\n"
        "print(knock_data.__version__)"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == "9.9.9"
