"""The classifiers are pure: an answer (or a requests error) in, a record or an error out."""

from __future__ import annotations

import json

import pytest
import requests

from knock_data import (
    AuthenticationError,
    BadResponse,
    ConnectionFailed,
    InvalidProspectId,
    ProspectNotFound,
    RateLimited,
    ServerError,
    Timeout,
)
from knock_data._fetch.responses import Answer, Next, classify_failure, classify_response

NOT_FOUND = {"errorCode": "CORE_API_GET_PROSPECT_FAIL", "errorMessage": "Prospect_id 9 missing"}


def classify(status: int, body: object, headers: dict[str, str] | None = None) -> Answer:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return classify_response("9", status, content, headers, base_url="http://k", env="prod")


@pytest.mark.parametrize("status", [200, 400, 404, 500, 502])
def test_not_found_is_decided_by_the_body_whatever_the_status(status: int) -> None:
    answer = classify(status, NOT_FOUND)
    assert answer.next is Next.FAIL
    assert isinstance(answer.error, ProspectNotFound)
    assert (answer.error.status_code, answer.error.knock_error_code) == (
        status,
        "CORE_API_GET_PROSPECT_FAIL",
    )
    assert answer.error.server_message == "Prospect_id 9 missing"


def test_an_id_knock_refuses_is_invalid_and_final() -> None:
    said = "Id 9 is not a valid prospect id. Id must be a number."
    answer = classify(502, {"errorMessage": said})
    assert (answer.next, type(answer.error)) == (Next.FAIL, InvalidProspectId)


@pytest.mark.parametrize("status", [401, 403])
def test_a_refused_key_is_final(status: int) -> None:
    answer = classify(status, {"message": "Forbidden"})
    assert (answer.next, type(answer.error)) == (Next.FAIL, AuthenticationError)
    assert "KNOCK_API_KEY" in str(answer.error)


def test_a_prospect_is_accepted() -> None:
    answer = classify(200, {"prospectId": "9", "status": "new"})
    assert (answer.next, answer.record, answer.error) == (
        Next.ACCEPT,
        {"prospectId": "9", "status": "new"},
        None,
    )


@pytest.mark.parametrize(
    "body", [b'{"prospectId": "9", "sta', b"<html>proxy login</html>", {"errorMessage": "boom"}, []]
)
def test_a_200_without_a_prospect_is_a_bad_response_worth_retrying(body: object) -> None:
    answer = classify(200, body)
    assert (answer.next, type(answer.error)) == (Next.RETRY, BadResponse)
    assert answer.error is not None
    assert answer.error.server_message


@pytest.mark.parametrize(
    ("status", "kind", "next_step"),
    [
        (429, RateLimited, Next.RETRY),
        (502, ServerError, Next.RETRY),
        (503, ServerError, Next.RETRY),
        (504, ServerError, Next.RETRY),
        (500, ServerError, Next.FALL_BACK),
        (501, ServerError, Next.FALL_BACK),
        (418, BadResponse, Next.FALL_BACK),
    ],
)
def test_statuses_map_to_an_error_and_a_next_step(
    status: int, kind: type[Exception], next_step: Next
) -> None:
    answer = classify(status, b"<html>down</html>", {"Retry-After": "7"})
    assert (type(answer.error), answer.next) == (kind, next_step)
    assert answer.error is not None
    assert answer.error.server_message == "<html>down</html>"
    assert answer.retry_after == ("7" if next_step is Next.RETRY else None)


def test_a_long_body_is_cut_to_an_excerpt() -> None:
    answer = classify(502, b"x" * 1000)
    assert answer.error is not None
    assert answer.error.server_message == "x" * 200 + "..."


@pytest.mark.parametrize(
    ("failure", "kind", "next_step"),
    [
        (requests.ReadTimeout("read timed out"), Timeout, Next.RETRY),
        (requests.ConnectTimeout("connect timed out"), Timeout, Next.RETRY),
        (requests.exceptions.ChunkedEncodingError("cut"), BadResponse, Next.RETRY),
        (requests.ConnectionError("reset by peer"), ConnectionFailed, Next.RETRY),
        (requests.exceptions.InvalidHeader("bad header value"), ConnectionFailed, Next.FAIL),
        (requests.TooManyRedirects("Exceeded 30 redirects."), BadResponse, Next.FAIL),
    ],
)
def test_requests_errors_map_to_an_error_and_a_next_step(
    failure: requests.RequestException, kind: type[Exception], next_step: Next
) -> None:
    answer = classify_failure("5", failure, base_url="http://k", timeout=3)
    assert (type(answer.error), answer.next) == (kind, next_step)
    error = answer.error
    assert error is not None
    assert error.prospect_id == "5"
    # Kept for debugging, as `raise ... from None` keeps it: not shown in a traceback.
    assert (error.__context__, error.__suppress_context__) == (failure, True)


def test_errors_that_replace_a_builtin_also_are_one() -> None:
    timeout = classify_failure("5", requests.ReadTimeout(), base_url="h", timeout=1).error
    dropped = classify_failure("5", requests.ConnectionError(), base_url="h", timeout=1).error
    assert isinstance(timeout, TimeoutError)
    assert isinstance(dropped, ConnectionError)
