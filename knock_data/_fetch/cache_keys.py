"""Where a prospect lives in requests-cache: its URL taken apart, its cache key, and when a
response was observed and stops being fresh.

A prospect request is ``GET {base_url}/prospect/{id}``, its key scope riding along as a query
parameter (:mod:`.scope`). Everything here is a pure function of a request or a response.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import time
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any, NamedTuple

from requests import PreparedRequest, Response
from requests_cache import DEFAULT_IGNORED_PARAMS
from requests_cache.cache_keys import create_key
from requests_cache.policy.expiration import get_expiration_datetime

from knock_data._fetch.responses import is_prospect_body
from knock_data._fetch.scope import unscoped_url

__all__ = [
    "IGNORED_PARAMETERS",
    "ProspectUrl",
    "cacheable",
    "expiration",
    "fetched_at",
    "prospect_cache_key",
    "split_prospect_url",
]

#: Never stored with a request, should a caller add them (the key adapter already keeps the
#: key out of every request the cache sees).
IGNORED_PARAMETERS = (*DEFAULT_IGNORED_PARAMS, "x-api-key", "X-Api-Key")
_PROSPECT_URL = re.compile(r"(?P<base>https?://.+)/prospect/(?P<id>[0-9]+)")


class ProspectUrl(NamedTuple):
    """A Get Prospect URL taken apart: where, which prospect, and for which key scope."""

    base_url: str
    prospect_id: str
    scope: str | None


def split_prospect_url(url: str | None) -> ProspectUrl | None:
    """``(base_url, prospect_id, scope)`` for a Get Prospect URL, else ``None``.

    Examples
    --------
    >>> split_prospect_url("http://127.0.0.1:8000/prospect/51316")
    ProspectUrl(base_url='http://127.0.0.1:8000', prospect_id='51316', scope=None)
    """
    bare, scope = unscoped_url(url or "")
    match = _PROSPECT_URL.fullmatch(bare)
    return ProspectUrl(match["base"], match["id"], scope) if match else None


def prospect_cache_key(request: PreparedRequest, **kwargs: Any) -> str:
    """Cache key for requests-cache (its ``key_fn``): cheap for prospect GETs.

    requests-cache's default key normalises the URL, headers and body on every lookup (about
    0.3 ms). A prospect request is fully described by its method and URL (the key scope
    included), which knock-data builds itself, so a hash of those is enough. Other requests
    get the default key.
    """
    if request.method == "GET" and split_prospect_url(request.url) and not request.body:
        digest = hashlib.blake2b(f"GET {request.url}".encode(), digest_size=16).digest()
        return "knock-" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    return create_key(request, **kwargs)


def cacheable(response: Response) -> bool:
    """requests-cache ``filter_fn``: store only real prospects, never error bodies or junk."""
    if response.status_code != 200:
        return False
    try:
        return is_prospect_body(json.loads(response.content))
    except ValueError:
        return False


def expiration(expire_after: timedelta | float | None) -> datetime | None:
    """When an entry stored now expires: ``None`` (the default) keeps it until refreshed."""
    return get_expiration_datetime(-1 if expire_after is None else expire_after)


def fetched_at(response: Response) -> float:
    """When a response was observed, in unix seconds: its ``Date`` header (the server's
    clock), else the local clock now.

    Examples
    --------
    >>> import requests
    >>> response = requests.Response()
    >>> response.headers["Date"] = "Tue, 02 Nov 2021 00:00:00 GMT"
    >>> fetched_at(response)
    1635811200.0
    """
    date = response.headers.get("Date")
    if date:
        try:
            when = parsedate_to_datetime(date)
        except (TypeError, ValueError):
            pass
        else:
            if when.tzinfo is not None:
                return when.timestamp()
    return time.time()
