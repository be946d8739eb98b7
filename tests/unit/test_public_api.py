"""The public surface is pinned: a name added to or dropped from ``knock_data`` is a decision."""

from __future__ import annotations

import importlib
import inspect
import itertools
import re
from pathlib import Path

import pytest

import knock_data

EXPECTED = [
    "DEFAULT_STAGES",
    "AuthenticationError",
    "BadResponse",
    "ConfigurationError",
    "ConnectionFailed",
    "Dashboard",
    "FetchResult",
    "InvalidProspectId",
    "KnockAPIError",
    "KnockClient",
    "KnockError",
    "KnockWarning",
    "ProspectNotFound",
    "RateLimited",
    "RecordError",
    "RetryPolicy",
    "ServerError",
    "Timeout",
    "__version__",
    "consent_breakdown",
    "export_csv",
    "filter_prospects",
    "funnel",
    "leads_over_time",
    "normalize_status",
    "plot_consent",
    "plot_funnel",
    "plot_leads_over_time",
    "plot_sources",
    "plot_status",
    "read_ids",
    "sandbox",
    "source_breakdown",
    "stage_of",
    "status_breakdown",
    "to_frame",
    "to_parquet",
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
    assert inspect.getdoc(value), f"knock_data.{name} has no docstring"


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
