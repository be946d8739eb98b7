"""The exception tree: one class per failure kind, each with its own code and docstring."""

from __future__ import annotations

import re

import pytest

import knock_data
from knock_data import _exceptions

ERRORS = [
    error
    for error in (getattr(knock_data, name) for name in _exceptions.__all__)
    if issubclass(error, knock_data.KnockError)
]


@pytest.mark.parametrize("error", ERRORS, ids=lambda e: e.__name__)
def test_each_class_has_its_own_code_and_docstring(error: type[Exception]) -> None:
    assert "code" in vars(error), f"{error.__name__} inherits its code"
    assert vars(error).get("__doc__"), f"{error.__name__} has no docstring of its own"


def test_codes_are_distinct_snake_case_names() -> None:
    codes = [e.code for e in ERRORS]
    assert len(set(codes)) == len(codes)
    assert all(re.fullmatch(r"[a-z]+(_[a-z]+)*", code) for code in codes)


def test_the_tree_in_the_docstring_lists_every_class_with_its_code() -> None:
    tree = (_exceptions.__doc__ or "").split("::\n\n", 1)[1].split("\n\n", 1)[0]
    rows = [re.sub(r"^[\s│├└─]+", "", line) for line in tree.splitlines()]
    drawn: dict[str, str] = {}
    for row in rows:
        match = re.match(r"([A-Z][A-Za-z]+)(?: \([A-Za-z]+\))?\s+([a-z_]+)\b", row)
        if match:
            drawn[match[1]] = match[2]
    assert drawn == {e.__name__: e.code for e in ERRORS}


def test_api_failures_sit_under_knock_api_error_and_builtins_they_replace() -> None:
    for name in ("RateLimited", "ServerError", "BadResponse", "Timeout", "ConnectionFailed"):
        assert issubclass(getattr(knock_data, name), knock_data.KnockAPIError)
    assert issubclass(knock_data.Timeout, TimeoutError)
    assert issubclass(knock_data.ConnectionFailed, ConnectionError)


def test_public_errors_show_as_knock_data_names() -> None:
    error = knock_data.ServerError("boom")
    assert type(error).__module__ == "knock_data"
    assert repr(error) == "ServerError('boom', prospect_id=None)"


def test_knock_error_code_is_knocks_own_and_error_code_a_deprecated_alias() -> None:
    error = knock_data.ProspectNotFound(
        "gone", prospect_id="9", knock_error_code="CORE_API_GET_PROSPECT_FAIL"
    )
    assert error.code == "not_found"
    assert "CORE_API_GET_PROSPECT_FAIL" in str(error)
    with pytest.warns(DeprecationWarning, match="knock_error_code"):
        assert error.error_code == "CORE_API_GET_PROSPECT_FAIL"
