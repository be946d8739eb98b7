"""Pure classifiers: what one answer from Knock means, and what to do about it.

Knock's body decides, whatever the HTTP status: ``CORE_API_GET_PROSPECT_FAIL`` is a missing
prospect under a 200, a 404 or a 500 alike, and ``"... is not a valid prospect id"`` an id
Knock refuses. Each answer becomes an :class:`Answer`: a record, or the
:class:`~knock_data.KnockError` it stands for together with what the fetcher does next
(:class:`Next`). Nothing here sends, waits or stores; every function is tested on plain
values.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import requests

from knock_data._exceptions import (
    AuthenticationError,
    BadResponse,
    ConnectionFailed,
    InvalidProspectId,
    KnockError,
    ProspectNotFound,
    RateLimited,
    ServerError,
    Timeout,
)

__all__ = [
    "NOT_FOUND_CODE",
    "RETRY_STATUSES",
    "Answer",
    "Next",
    "classify_failure",
    "classify_response",
    "connect_failure",
    "is_prospect_body",
    "response_date",
]

#: Knock's ``errorCode`` for a prospect id it does not know.
NOT_FOUND_CODE = "CORE_API_GET_PROSPECT_FAIL"
#: Statuses that are worth asking again after a pause.
RETRY_STATUSES = frozenset({429, 502, 503, 504})
_INVALID_TEXT = "is not a valid prospect id"


class Next(enum.Enum):
    """What the fetcher does with an answer."""

    #: A prospect: keep it (and cache it).
    ACCEPT = "accept"
    #: Transient (429, 502-504, a timeout, a drop, a bad 200): ask again after a pause; after
    #: the last retry, as FALL_BACK.
    RETRY = "retry"
    #: Knock failed outright (a 500, an unexpected status): not retried, but a cached copy,
    #: even an expired one, may stand in.
    FALL_BACK = "fall_back"
    #: About this id, this key or this request: neither retried nor replaced by a cached copy.
    FAIL = "fail"


@dataclass(frozen=True)
class Answer:
    """One attempt's outcome: a record, or an error and what to do next.

    Attributes
    ----------
    next : Next
        ``ACCEPT`` exactly when ``record`` is set.
    record : dict or None
        The prospect payload.
    error : KnockError or None
        The error the answer stands for.
    retry_after : str or None
        The server's ``Retry-After`` header, as sent (the retry policy decides what it is
        worth).
    observed_at : datetime or None
        When the server answered, by its own clock: the ``Date`` header (see
        :func:`response_date`).
    """

    next: Next
    record: dict[str, Any] | None = None
    error: KnockError | None = None
    retry_after: str | None = None
    observed_at: datetime | None = None


def response_date(headers: Mapping[str, str] | None) -> datetime | None:
    """The moment an answer's ``Date`` header names, tz-aware UTC; ``None`` without a usable
    one. It is the server's clock (the sandbox sends its simulated time), so what a client
    saw is stamped on the same clock as the data.

    Examples
    --------
    >>> response_date({"Date": "Tue, 02 Nov 2021 00:00:00 GMT"}).isoformat()
    '2021-11-02T00:00:00+00:00'
    >>> response_date({"Date": "yesterday"}) is None, response_date(None) is None
    (True, True)
    """
    value = (headers or {}).get("Date")
    if not value:
        return None
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:  # "-0000": UTC by RFC 5322
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def is_prospect_body(body: object) -> bool:
    """True for a parsed body that is a prospect: a JSON object without Knock's error fields.

    Examples
    --------
    >>> is_prospect_body({"prospectId": "5"}), is_prospect_body({"errorMessage": "no"})
    (True, False)
    """
    return isinstance(body, dict) and "errorCode" not in body and "errorMessage" not in body


def classify_response(
    prospect_id: str,
    status_code: int,
    content: bytes,
    headers: Mapping[str, str] | None = None,
    *,
    base_url: str,
    env: str,
) -> Answer:
    """What an HTTP answer for one prospect means. The body decides, whatever the status.

    Parameters
    ----------
    prospect_id
        The id asked for (normalised).
    status_code, content, headers
        The answer.
    base_url, env
        Where it came from, for the messages.

    Examples
    --------
    >>> body = b'{"errorCode": "CORE_API_GET_PROSPECT_FAIL", "errorMessage": "missing"}'
    >>> answer = classify_response("9", 500, body, base_url="http://h", env="prod")
    >>> answer.next, answer.error.code, answer.error.knock_error_code
    (<Next.FAIL: 'fail'>, 'not_found', 'CORE_API_GET_PROSPECT_FAIL')
    >>> classify_response("9", 200, b'{"prospectId": "9"}', base_url="h", env="prod").record
    {'prospectId': '9'}
    """
    answer = _classify(prospect_id, status_code, content, headers, base_url=base_url, env=env)
    observed_at = response_date(headers)
    if observed_at is None:
        return answer
    if isinstance(answer.error, ProspectNotFound):
        answer.error.observed_at = observed_at
    return replace(answer, observed_at=observed_at)


def _classify(
    prospect_id: str,
    status_code: int,
    content: bytes,
    headers: Mapping[str, str] | None,
    *,
    base_url: str,
    env: str,
) -> Answer:
    try:
        body = json.loads(content)
    except ValueError:
        body = None
    fields = body if isinstance(body, dict) else {}
    knock_code = fields.get("errorCode")
    said = fields.get("errorMessage") or fields.get("message")
    context: dict[str, Any] = {
        "prospect_id": prospect_id,
        "status_code": status_code,
        "knock_error_code": str(knock_code) if knock_code else None,
        "server_message": str(said) if said is not None else None,
    }
    if knock_code == NOT_FOUND_CODE:
        return _fail(
            ProspectNotFound(
                f"Prospect {prospect_id} does not exist.",
                hint=f"Check the id, and that it belongs to this environment ({base_url}).",
                **context,
            )
        )
    if said and _INVALID_TEXT in str(said):
        return _fail(
            InvalidProspectId(
                f"Knock refused {prospect_id!r} as a prospect id.",
                hint="Ids are whole numbers written with digits only.",
                **context,
            )
        )
    if status_code in (401, 403):
        return _fail(
            AuthenticationError(
                f"Knock refused the API key ({env} key for {base_url}).",
                hint="Check the key (api_key= or $KNOCK_API_KEY): production and stage keys "
                "differ. "
                "The batch was stopped; what was fetched before is cached.",
                **context,
            )
        )
    if status_code == 200:
        if is_prospect_body(body):
            return Answer(Next.ACCEPT, record=body)
        context["server_message"] = context["server_message"] or _excerpt(content)
        return _retry(
            BadResponse(
                f"Knock answered 200 for prospect {prospect_id} without a prospect in the body.",
                hint="Usually transient; if it persists, check base_url points at Knock.",
                **context,
            )
        )
    if said is None and content:
        context["server_message"] = _excerpt(content)
    retry_after = (headers or {}).get("Retry-After")
    if status_code == 429:
        limited = RateLimited(
            f"Knock kept answering 429 Too Many Requests for prospect {prospect_id}.",
            hint="Lower rate_limit= or max_workers=, then run the batch again: "
            "what was fetched is cached.",
            **context,
        )
        return _retry(limited, retry_after)
    if status_code >= 500:
        failed = ServerError(
            f"Knock failed with HTTP {status_code} for prospect {prospect_id}.",
            hint="Usually transient: run the batch again later to fetch the rest.",
            **context,
        )
        if status_code in RETRY_STATUSES:
            return _retry(failed, retry_after)  # 503 may say when to come back
        return Answer(Next.FALL_BACK, error=failed)
    if 300 <= status_code < 400:
        location = (headers or {}).get("Location")
        where = _origin(location) if location else None
        context["server_message"] = f"Location: {where}" if where else context["server_message"]
        redirect = BadResponse(
            f"Knock answered HTTP {status_code} (a redirect) for prospect {prospect_id}; "
            "knock-data follows no redirect, so nothing from another address is stored as a "
            "prospect.",
            hint=f"Check base_url ({base_url}): it should be Knock's API itself, not an "
            "address that forwards to it.",
            **context,
        )
        return Answer(Next.FALL_BACK, error=redirect)
    unexpected = BadResponse(
        f"Unexpected HTTP {status_code} for prospect {prospect_id}.",
        hint=f"Check that base_url ({base_url}) is Knock's syndication API.",
        **context,
    )
    return Answer(Next.FALL_BACK, error=unexpected)


def classify_failure(
    prospect_id: str, error: requests.RequestException, *, base_url: str, timeout: float
) -> Answer:
    """What a request that got no usable answer means (a requests exception).

    The requests error is kept as the new error's (suppressed) context, as ``raise ... from
    None`` would keep it: there for debugging, not shown in a traceback.

    Examples
    --------
    >>> answer = classify_failure("5", requests.ReadTimeout("slow"), base_url="h", timeout=3)
    >>> answer.next, type(answer.error).__name__, answer.error.message
    (<Next.RETRY: 'retry'>, 'Timeout', 'Knock did not answer within 3 s for prospect 5.')
    """
    failure: KnockError
    next_step = Next.RETRY
    if isinstance(error, requests.Timeout):
        failure = Timeout(
            f"Knock did not answer within {timeout:g} s for prospect {prospect_id}.",
            prospect_id=prospect_id,
            server_message=type(error).__name__,
            hint="Try again later, or raise timeout=.",
        )
    elif isinstance(
        error, requests.exceptions.ChunkedEncodingError | requests.exceptions.ContentDecodingError
    ):
        failure = BadResponse(
            f"The response for prospect {prospect_id} was cut off.",
            prospect_id=prospect_id,
            server_message=str(error)[:200],
            hint="Usually transient: run the batch again to fetch the rest.",
        )
    elif isinstance(error, requests.ConnectionError):
        failure = ConnectionFailed(
            f"The connection to {base_url} failed for prospect {prospect_id}.",
            prospect_id=prospect_id,
            server_message=str(error)[:200],
            hint="Check the network and base_url, then run the batch again.",
        )
    else:
        # An unusable URL or header, a redirect loop: sending again cannot help.
        kind = BadResponse if isinstance(error, requests.TooManyRedirects) else ConnectionFailed
        failure = kind(
            f"The request for prospect {prospect_id} to {base_url} could not be made.",
            prospect_id=prospect_id,
            server_message=f"{type(error).__name__}: {str(error)[:200]}",
            hint="Check base_url and the network settings (proxies, certificates).",
        )
        next_step = Next.FAIL
    failure.__context__ = error
    failure.__suppress_context__ = True
    return Answer(next_step, error=failure)


def connect_failure(error: requests.RequestException) -> str | None:
    """Why no connection could be made at all, or None when one was (or may have been).

    Refused connections, host names that do not resolve and connections that time out
    before they open say the server is not there; a connection dropped after it opened, a
    read timeout or any answer says it is.

    Examples
    --------
    >>> connect_failure(requests.ConnectTimeout("no answer")), connect_failure(
    ...     requests.ReadTimeout("slow"))
    ('the connection timed out', None)
    """
    from urllib3 import exceptions as urllib3_errors

    # NameResolutionError (urllib3 2) is a NewConnectionError; urllib3 1.26 has only the latter.
    unresolved = getattr(urllib3_errors, "NameResolutionError", ())
    if isinstance(error, requests.exceptions.ConnectTimeout):
        return "the connection timed out"
    if not isinstance(error, requests.ConnectionError):
        return None
    reason = error.args[0] if error.args else None
    if isinstance(reason, urllib3_errors.MaxRetryError):
        reason = reason.reason
    if isinstance(reason, unresolved):
        return "the host name does not resolve"
    if isinstance(reason, urllib3_errors.NewConnectionError):
        return "the connection was refused"
    return None


def _fail(error: KnockError) -> Answer:
    return Answer(Next.FAIL, error=error)


def _retry(error: KnockError, retry_after: str | None = None) -> Answer:
    return Answer(Next.RETRY, error=error, retry_after=retry_after)


def _origin(url: str) -> str | None:
    """``scheme://host[:port]`` of a URL, without any user name, password, path or query."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if not parts.hostname:
        return None
    return f"{parts.scheme}://{parts.hostname}{f':{port}' if port else ''}"


def _excerpt(content: bytes, limit: int = 200) -> str:
    text = content[:limit].decode("utf-8", "replace")
    return text + ("..." if len(content) > limit else "")
