"""The wire: the sessions knock-data builds, and the adapter that adds the API key.

The API key is added by :class:`KeyAdapter`, mounted for the base URL *below* any cache
layer: a cache (requests-cache's or knock-data's) only ever sees requests without it, and a
response or a requests error keeps the request without it, so it cannot reach a cache file,
an exception or a repr. The adapter also takes the key scope off the URL (the query parameter
that keeps tenants apart in a cache, see :mod:`.scope`): Knock never sees it. Redirects are
never followed (a 3xx is an answer to classify), so no body from another address is ever
taken for a prospect. Nothing here can be pickled: a pickle would hold the key.

What a request needs on the way (its key, the rate limiter, its batch's cancel event) travels
on the request itself as a :class:`RequestContext`, set by :func:`send_get` and taken off by
the adapter, as httpx carries per-request state in ``Request.extensions``. The adapter holds
no per-batch state, so two clients may share one session (and so one adapter), each with its
own key, limiter and batches.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any, NoReturn, SupportsIndex

import requests
from requests.adapters import BaseAdapter, HTTPAdapter

import knock_data
from knock_data._fetch.config import transport_settings
from knock_data._fetch.retry import Cancelled, RateLimiter
from knock_data._fetch.scope import unscoped_url

__all__ = [
    "USER_AGENT",
    "KeyAdapter",
    "RequestContext",
    "build_session",
    "is_cached_session",
    "mount_key_adapter",
    "refuse_pickling",
    "send_get",
]

#: Sent with every request of the sessions knock-data builds.
USER_AGENT = f"knock-data/{knock_data.__version__} (+https://github.com/knock-data)"

_CONTEXT = "_knock_context"  # attribute of a PreparedRequest on its way to the adapter


def refuse_pickling(what: str) -> TypeError:
    """The error for pickling an object that holds the API key."""
    return TypeError(
        f"{what} cannot be pickled: it holds the API key, which knock-data never writes "
        "anywhere. Build a KnockClient in each process instead (for example inside the "
        "function a process pool runs)."
    )


@dataclass(frozen=True)
class RequestContext:
    """What one request brings to the adapter: its key, rate limiter and cancel event.

    The key is never shown in the repr, and the context cannot be pickled.
    """

    api_key: str = field(repr=False)
    limiter: RateLimiter | None = None
    cancel: threading.Event | None = None

    def __reduce_ex__(self, protocol: SupportsIndex) -> NoReturn:
        raise refuse_pickling("A knock-data request context")


class KeyAdapter(BaseAdapter):
    """Adds the API key (and waits for the rate limit) right before a request goes out.

    It wraps the adapter that was mounted for the base URL. A request that brings no
    :class:`RequestContext` (``client.session.get(url)`` called directly) uses ``default``:
    the key and limiter of the client that mounted the adapter.
    """

    def __init__(self, inner: BaseAdapter, default: RequestContext) -> None:
        super().__init__()
        self.inner = inner
        self.default = default

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        context: RequestContext = vars(request).pop(_CONTEXT, None) or self.default
        if context.cancel is not None and context.cancel.is_set():
            raise Cancelled
        if context.limiter is not None:
            context.limiter.acquire(context.cancel)
        keyed = request.copy()
        keyed.url, _ = unscoped_url(request.url or "")
        keyed.headers["x-api-key"] = context.api_key
        try:
            response = self.inner.send(keyed, **kwargs)
        except requests.RequestException as exc:
            exc.request = request  # an error, like a response, keeps the request without the key
            raise
        response.request = request
        return response

    def close(self) -> None:
        self.inner.close()

    def __reduce_ex__(self, protocol: SupportsIndex) -> NoReturn:
        raise refuse_pickling("A session with knock-data's key adapter")

    def __repr__(self) -> str:
        return f"<KeyAdapter around {self.inner!r}>"


def build_session(
    base_url: str, *, max_workers: int, adapter: BaseAdapter | None = None
) -> requests.Session:
    """A plain session for ``base_url``: pooled connections, the User-Agent, proxies once.

    ``adapter`` replaces the pooled :class:`~requests.adapters.HTTPAdapter` (for example a
    fake transport in tests). requests re-reads every proxy variable on each request (about
    0.2 ms, most of a cache write's cost), so the environment is read once here instead.
    """
    session = requests.Session()
    if adapter is None:
        size = max(10, max_workers)
        adapter = HTTPAdapter(pool_connections=size, pool_maxsize=size)
    session.mount(base_url + "/", adapter)
    session.headers["User-Agent"] = USER_AGENT
    proxies, verify = transport_settings(base_url)
    session.trust_env = False
    session.proxies.update(proxies)
    session.verify = verify
    return session


def mount_key_adapter(
    session: requests.Session, base_url: str, default: RequestContext
) -> KeyAdapter:
    """Put a :class:`KeyAdapter` in front of the adapter serving ``base_url``.

    A session already fitted (shared with another client) keeps its adapter: each request
    brings its own key, so neither client's key is replaced by the other's.
    """
    current = session.get_adapter(base_url + "/")
    if isinstance(current, KeyAdapter):
        return current
    keyed = KeyAdapter(current, default)
    session.mount(base_url + "/", keyed)
    return keyed


def send_get(
    session: requests.Session,
    url: str,
    context: RequestContext,
    *,
    timeout: float,
    force_refresh: bool = False,
) -> requests.Response:
    """``session.get(url)`` with ``context`` attached to the request on its way down.

    The same steps as :meth:`requests.Session.request` (prepare, merge the environment's
    settings, send), so a caller's own session, a ``requests_cache.CachedSession`` included,
    behaves as with ``session.get``, except that redirects are not followed: a 3xx comes back
    as it is. ``force_refresh`` is passed only to a CachedSession.
    """
    request = session.prepare_request(requests.Request("GET", url))
    vars(request)[_CONTEXT] = context
    settings = session.merge_environment_settings(request.url, {}, None, None, None)
    extra: dict[str, Any] = {"force_refresh": True} if force_refresh else {}
    try:
        return session.send(request, timeout=timeout, allow_redirects=False, **settings, **extra)
    finally:
        vars(request).pop(_CONTEXT, None)  # a cache hit never reached the adapter


def is_cached_session(session: requests.Session) -> bool:
    """True for a requests-cache session (``CachedSession`` or another ``CacheMixin``)."""
    from requests_cache import CacheMixin

    return isinstance(session, CacheMixin)
