"""One prospect id, start to finish: send, classify, store, retry, or serve a cached copy.

1. The request goes out through the session (:func:`.transport.send_get`), carrying the key,
   the rate limiter and the batch's cancel event, its URL the client's key scope.
2. The answer is classified by the pure functions of :mod:`.responses`.
3. A prospect that came from the network is committed to the client's cache at once, for the
   client's key scope; one Knock says does not exist is dropped from the cache.
4. Transient failures are retried by :func:`.retry.with_retries`.
5. When Knock fails for good (after the retries, or at once with a 500), a cached copy of the
   same key scope, even an expired one, is served instead and counted as stale; failures
   about the id, the key or the request itself are raised as they are.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal, NamedTuple, NoReturn, SupportsIndex
from urllib.parse import quote

import requests

from knock_data._exceptions import ProspectNotFound
from knock_data._fetch.packing import BodyCompressor
from knock_data._fetch.payloads import DEFAULT_CODEC
from knock_data._fetch.responses import (
    Answer,
    Next,
    classify_failure,
    classify_response,
    connect_failure,
)
from knock_data._fetch.retry import RateLimiter, RetryPolicy, with_retries
from knock_data._fetch.scope import scoped_url
from knock_data._fetch.transport import (
    RequestContext,
    is_cached_session,
    refuse_pickling,
    send_get,
)

if TYPE_CHECKING:
    from knock_data._fetch.cache import ProspectCache

__all__ = ["AttemptHook", "Fetched", "Fetcher", "Source"]

#: Where a record came from: the cache, Knock, or the cache standing in for Knock.
Source = Literal["cache", "network", "stale"]
#: Told after each request: None when the server was reached, else why no connection could
#: be made (:func:`~.responses.connect_failure`). The batch's dead-server watch is one.
AttemptHook = Callable[[str | None], None]


class Fetched(NamedTuple):
    """A record, where it came from, and when Knock sent it (for a record from the network:
    the answer's ``Date`` header, else this machine's clock when it arrived); and the body
    it was parsed from, when it came in an answer (what a batch keeps, compressed)."""

    record: dict[str, Any]
    source: Source
    observed_at: datetime | None = None
    body: bytes | None = None


@dataclass
class Fetcher:
    """Fetches one prospect at a time through a ready session (and the client's cache).

    ``scope`` is the key scope of ``api_key`` (:mod:`.scope`) when a cache is in play, the
    client's own ``store`` or a caller's requests-cache session; ``None`` without a cache.
    """

    session: requests.Session
    store: ProspectCache | None
    base_url: str
    env: str
    api_key: str = field(repr=False)
    timeout: float
    policy: RetryPolicy
    limiter: RateLimiter | None = None
    expire_after: timedelta | float | None = None
    scope: str | None = None
    _rng: random.Random = field(default_factory=random.Random, repr=False)

    def __reduce_ex__(self, protocol: SupportsIndex) -> NoReturn:
        raise refuse_pickling("A knock-data fetcher")

    def fetch(
        self,
        prospect_id: str,
        *,
        refresh: bool,
        cancel: threading.Event,
        on_attempt: AttemptHook | None = None,
    ) -> Fetched:
        """The prospect, from Knock (or, when Knock fails, a cached copy), or the error.

        ``on_attempt`` is told how each request went (see :data:`AttemptHook`).

        Raises
        ------
        KnockError
            The error the last answer stood for.
        Cancelled
            ``cancel`` was set before or while this id was being fetched.
        """
        url = scoped_url(f"{self.base_url}/prospect/{quote(prospect_id, safe='')}", self.scope)
        context = RequestContext(self.api_key, self.limiter, cancel)
        force_refresh = refresh and self.store is None and is_cached_session(self.session)

        served_by_session_cache = False
        body = b""

        def attempt() -> Answer:
            nonlocal served_by_session_cache, body
            answer, served_by_session_cache, body = self._attempt(
                prospect_id, url, context, force_refresh, on_attempt
            )
            return answer

        answer = with_retries(attempt, self.policy, cancel=cancel, rng=self._rng)
        if answer.record is not None:
            if served_by_session_cache:
                return Fetched(answer.record, "cache", body=body)
            observed_at = answer.observed_at or datetime.now(UTC)
            return Fetched(answer.record, "network", observed_at, body)
        assert answer.error is not None  # every answer but ACCEPT has one
        if answer.next is not Next.FAIL:
            cached = self.lookup([prospect_id], include_expired=True)
            if prospect_id in cached:
                return Fetched(cached[prospect_id], "stale")
        raise answer.error

    def _attempt(
        self,
        prospect_id: str,
        url: str,
        context: RequestContext,
        force_refresh: bool,
        on_attempt: AttemptHook | None = None,
    ) -> tuple[Answer, bool, bytes]:
        """One request: its answer, whether a requests-cache session served it, and the body."""
        try:
            response = send_get(
                self.session, url, context, timeout=self.timeout, force_refresh=force_refresh
            )
        except requests.RequestException as error:
            if on_attempt is not None:
                on_attempt(connect_failure(error))
            failure = classify_failure(
                prospect_id, error, base_url=self.base_url, timeout=self.timeout
            )
            return failure, False, b""
        if on_attempt is not None:
            on_attempt(None)
        body = response.content or b""
        answer = classify_response(
            prospect_id,
            response.status_code,
            body,
            response.headers,
            base_url=self.base_url,
            env=self.env,
        )
        if getattr(response, "from_cache", False):
            return answer, True, body
        if answer.record is not None and self.store is not None and not response.history:
            from knock_data._fetch.cache_file import cache_errors  # loads requests-cache
            from knock_data._fetch.cache_keys import expiration

            with cache_errors(self.store.db_path, "writing to"):
                self.store.store(response, scope=self.scope, expires=expiration(self.expire_after))
        elif isinstance(answer.error, ProspectNotFound):
            self._forget(prospect_id, response)
        return answer, False, body

    def _forget(self, prospect_id: str, response: requests.Response) -> None:
        """Drop the cached copy of a prospect Knock says does not exist (deleted upstream)."""
        if self.store is not None and self.scope is not None:
            from knock_data._fetch.cache_file import cache_errors

            with cache_errors(self.store.db_path, "writing to"):
                self.store.forget(self.base_url, self.scope, [prospect_id])
        elif is_cached_session(self.session):
            # A caller's requests-cache session: its copy lives under this request's key.
            self.session.cache.delete(requests=[response.request])  # type: ignore[attr-defined]

    @property
    def codec(self) -> BodyCompressor:
        """How the client's cache file compresses bodies (a batch keeps its copies as they
        are stored), or the default without one."""
        return self.store.codec if self.store is not None else DEFAULT_CODEC

    def lookup_packed(
        self, prospect_ids: list[str], *, on_block: Callable[[int], None] | None = None
    ) -> dict[str, bytes]:
        """The client's cache's copies of these prospects, for this client's key scope, as
        compressed bodies (:attr:`codec`): what a warm batch keeps. ``on_block`` is told
        how many copies each block read held, as it is read."""
        if self.store is None or self.scope is None:
            return {}
        from knock_data._fetch.cache_file import cache_errors

        with cache_errors(self.store.db_path, "reading"):
            return self.store.packed_bodies(
                self.base_url, self.scope, prospect_ids, on_block=on_block
            )

    def lookup(self, prospect_ids: list[str], *, include_expired: bool = False) -> dict[str, Any]:
        """The client's cache's copies of these prospects, for this client's key scope (none
        without that cache)."""
        if self.store is None or self.scope is None:
            return {}
        from knock_data._fetch.cache_file import cache_errors

        with cache_errors(self.store.db_path, "reading"):
            return self.store.lookup(
                self.base_url, self.scope, prospect_ids, include_expired=include_expired
            )
