"""KnockClient: prospect ids in, prospect records out; disk-cached, concurrent, polite.

How a batch runs (:meth:`KnockClient.fetch_prospects`):

1. Ids are normalised; invalid ones become ``invalid_id`` errors and are never sent.
2. Every cached prospect is read in one bulk query of the cache (no request, no waiting).
3. The rest go to a thread pool. Each worker sends its request through the requests-cache
   session and classifies the answer by its body, whatever the status. Transient failures
   (429, 502, 503, 504, timeouts, dropped connections, truncated or non-JSON 200s) are
   retried with exponential backoff and jitter, honouring ``Retry-After`` up to a cap.
4. A 401/403 cancels the whole batch at once and raises :class:`AuthenticationError`.
5. Each response is committed to the cache as it arrives, so an interrupted run loses
   nothing it had received and a rerun fetches only the rest.
6. When Knock fails for an id (after the retries, or at once with a 500), a cached copy,
   even an expired one, is served instead and counted as stale.

The API key is added to each request by a transport adapter, below the cache layer: the
cache only ever sees requests without it, so it cannot reach the cache file.
"""

from __future__ import annotations

import json
import os
import queue
import random
import threading
import time
from collections import Counter
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import quote

import requests
from requests.adapters import BaseAdapter, HTTPAdapter

from knock_data._config import (
    RetryPolicy,
    default_cache_path,
    resolve_connection,
    transport_settings,
)
from knock_data._exceptions import (
    AuthenticationError,
    ConfigurationError,
    InvalidProspectId,
    KnockAPIError,
    KnockError,
    ProspectNotFound,
    RateLimited,
)
from knock_data._ids import normalize_id, normalize_ids

if TYPE_CHECKING:
    import pandas as pd

    from knock_data._cache import ProspectCache

__all__ = ["ERROR_CODES", "ERROR_COLUMNS", "FetchResult", "KnockClient"]

#: ``error_code`` values in :attr:`FetchResult.errors`.
ERROR_CODES = (
    "invalid_id",
    "not_found",
    "rate_limited",
    "server_error",
    "bad_response",
    "timeout",
    "connection",
)
ERROR_COLUMNS = ("prospect_id", "error_code", "status_code", "message", "server_message", "hint")

_NOT_FOUND_CODE = "CORE_API_GET_PROSPECT_FAIL"
_INVALID_TEXT = "is not a valid prospect id"
_RETRY_STATUSES = frozenset({429, 502, 503, 504})
# Answers that are final whatever the status: never retried, never replaced by a cached copy.
_FINAL_ANSWERS = (InvalidProspectId, ProspectNotFound, AuthenticationError)
_USER_AGENT = "knock-data/0.1 (+https://github.com/knock-data)"
_CacheOption = str | os.PathLike[str] | Literal[False] | None

# Set by a worker for the request it is sending, read by the transport adapter.
_local = threading.local()


class _Cancelled(Exception):
    """The batch was cancelled (authentication failure, Ctrl-C) before this id was sent."""


def _code(error: KnockError) -> str:
    """The ``error_code`` of an error raised by this module."""
    if isinstance(error, InvalidProspectId):
        return "invalid_id"
    if isinstance(error, ProspectNotFound):
        return "not_found"
    if isinstance(error, RateLimited):
        return "rate_limited"
    return str(getattr(error, "_knock_code", "server_error"))


def _api_error(code: str, message: str, **context: Any) -> KnockAPIError:
    cls = RateLimited if code == "rate_limited" else KnockAPIError
    error = cls(message, **context)
    error._knock_code = code  # type: ignore[attr-defined]
    return error


class _RateLimiter:
    """Spaces network requests ``1 / rate`` seconds apart, across threads."""

    def __init__(self, rate: float) -> None:
        self.interval = 1.0 / rate
        self._lock = threading.Lock()
        self._next = 0.0

    def acquire(self, cancel: threading.Event | None) -> None:
        with self._lock:
            now = time.monotonic()
            slot = max(now, self._next)
            self._next = slot + self.interval
        delay = slot - now
        if delay > 0:
            if cancel is None:
                time.sleep(delay)
            elif cancel.wait(delay):
                raise _Cancelled


class _KeyAdapter(BaseAdapter):
    """Adds the API key (and the rate limit) right before a request goes on the wire.

    It wraps the adapter that was mounted for the base URL. The response keeps the request
    *without* the key, which is what requests-cache then stores.
    """

    def __init__(self, inner: BaseAdapter, api_key: str, limiter: _RateLimiter | None) -> None:
        super().__init__()
        self.inner = inner
        self._api_key = api_key
        self.limiter = limiter

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        cancel = getattr(_local, "cancel", None)
        if cancel is not None and cancel.is_set():
            raise _Cancelled
        if self.limiter is not None:
            self.limiter.acquire(cancel)
        keyed = request.copy()
        keyed.headers["x-api-key"] = self._api_key
        try:
            response = self.inner.send(keyed, **kwargs)
        except requests.RequestException as exc:
            exc.request = request  # an error, like a response, keeps the request without the key
            raise
        response.request = request
        return response

    def close(self) -> None:
        self.inner.close()

    def __repr__(self) -> str:
        return f"<_KeyAdapter around {self.inner!r}>"


@dataclass
class _Tally:
    cached: int = 0
    fetched: int = 0
    stale: int = 0
    failed: int = 0


class FetchResult:
    """What :meth:`KnockClient.fetch_prospects` returns.

    Attributes
    ----------
    records : list of dict
        One prospect payload per id that succeeded, in input order, each id once.
    errors : pandas.DataFrame
        One row per id that failed, in input order, with columns ``prospect_id``,
        ``error_code`` (one of ``invalid_id``, ``not_found``, ``rate_limited``,
        ``server_error``, ``bad_response``, ``timeout``, ``connection``), ``status_code``,
        ``message``, ``server_message`` and ``hint``.
    n_cached, n_fetched, n_stale : int
        Records read from the cache, fetched from Knock, and cached copies served because
        Knock could not answer (only when refreshing or after expiry).

    Examples
    --------
    >>> from knock_data.sandbox import SandboxServer
    >>> with SandboxServer(n_prospects=5) as server:
    ...     client = KnockClient(server.api_key, base_url=server.url, cache=False)
    ...     result = client.fetch_prospects([*server.prospect_ids, "abc"], progress=False)
    >>> result
    FetchResult(5 records: 0 from cache, 5 fetched; 1 error: invalid_id=1)
    """

    def __init__(
        self,
        records: list[dict[str, Any]],
        errors: pd.DataFrame,
        *,
        n_cached: int = 0,
        n_fetched: int = 0,
        n_stale: int = 0,
    ) -> None:
        self.records = records
        self.errors = errors
        self.n_cached = n_cached
        self.n_fetched = n_fetched
        self.n_stale = n_stale
        self._frame: pd.DataFrame | None = None

    @property
    def frame(self) -> pd.DataFrame:
        """The records as a typed DataFrame (:func:`knock_data.to_frame`), built once."""
        if self._frame is None:
            from knock_data._frame import to_frame

            self._frame = to_frame(self.records)
        return self._frame

    @property
    def ok(self) -> bool:
        """True when every id was fetched."""
        return len(self.errors) == 0

    def summary(self) -> str:
        """One line: how many records, from where, and the errors by code."""
        parts = [
            f"{len(self.records):,} record{'s' * (len(self.records) != 1)}: "
            f"{self.n_cached:,} from cache, {self.n_fetched:,} fetched"
        ]
        if self.n_stale:
            parts[0] += f", {self.n_stale:,} stale copies served"
        n_errors = len(self.errors)
        if n_errors:
            counts = Counter(self.errors["error_code"].tolist())
            detail = ", ".join(f"{code}={n:,}" for code, n in sorted(counts.items()))
            parts.append(f"{n_errors:,} error{'s' * (n_errors != 1)}: {detail}")
        else:
            parts.append("no errors")
        return "; ".join(parts)

    def __repr__(self) -> str:
        return f"FetchResult({self.summary()})"

    def __len__(self) -> int:
        return len(self.records)


def _errors_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame(
        {
            "prospect_id": pd.array([r["prospect_id"] for r in rows], dtype="string"),
            "error_code": pd.array([r["error_code"] for r in rows], dtype="string"),
            "status_code": pd.array([r["status_code"] for r in rows], dtype="Int64"),
            "message": pd.array([r["message"] for r in rows], dtype="string"),
            "server_message": pd.array([r["server_message"] for r in rows], dtype="string"),
            "hint": pd.array([r["hint"] for r in rows], dtype="string"),
        }
    )


def _error_row(prospect_id: str, error: KnockError) -> dict[str, Any]:
    return {
        "prospect_id": prospect_id,
        "error_code": _code(error),
        "status_code": error.status_code,
        "message": error.message,
        "server_message": error.server_message,
        "hint": error.hint,
    }


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


def _excerpt(content: bytes, limit: int = 200) -> str:
    text = content[:limit].decode("utf-8", "replace")
    return text + ("..." if len(content) > limit else "")


class KnockClient:
    """Fetch prospects from Knock's Get Prospect API, through a disk cache.

    Parameters
    ----------
    api_key
        Knock API key; defaults to ``$KNOCK_API_KEY``, and for ``env="stage"`` to Knock's
        public test key. Never stored on disk nor shown in any output.
    env
        ``"prod"`` or ``"stage"``.
    base_url
        Server to talk to, overriding ``env`` (defaults to ``$KNOCK_BASE_URL``), for example
        the local sandbox's ``server.url``.
    cache
        Path of the SQLite cache file; ``None`` (the default) uses ``$KNOCK_DATA_CACHE`` or
        ``~/.cache/knock-data/http_cache.sqlite``; ``False`` turns caching off. The file is
        created on first use, and may be shared by several processes.
    expire_after
        ``None`` keeps cached prospects until refreshed; a :class:`~datetime.timedelta` (or
        seconds) makes them expire.
    max_workers
        Requests in flight at once.
    rate_limit
        Most network requests per second (cache hits never wait); ``None`` for no limit.
    timeout
        Seconds to wait for Knock on each attempt.
    max_retries
        Retries of a transient failure before giving up on an id.
    session
        A ready :class:`requests.Session` (a ``requests_cache.CachedSession`` too) to send
        requests with; ``cache`` and ``expire_after`` are then ignored.
    retry
        Backoff timings (:class:`knock_data._config.RetryPolicy`); ``max_retries`` wins over
        ``retry.max_retries``.

    Raises
    ------
    ConfigurationError
        When there is no key for production, ``env`` is unknown or an option is out of range.

    Examples
    --------
    >>> from knock_data.sandbox import SandboxServer
    >>> with SandboxServer(n_prospects=3) as server:
    ...     client = KnockClient(env="stage", base_url=server.url, cache=False)
    ...     client.get_prospect(47569637)["status"]
    'new'
    """

    def __init__(
        self,
        api_key: str | None = None,
        *,
        env: str = "prod",
        base_url: str | None = None,
        cache: _CacheOption = None,
        expire_after: timedelta | float | None = None,
        max_workers: int = 8,
        rate_limit: float | None = None,
        timeout: float = 30.0,
        max_retries: int = 5,
        session: requests.Session | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        self._connection = resolve_connection(api_key, env=env, base_url=base_url)
        if max_workers < 1:
            raise ConfigurationError(f"max_workers must be 1 or more, got {max_workers}.")
        if rate_limit is not None and rate_limit <= 0:
            raise ConfigurationError(f"rate_limit must be positive, got {rate_limit}.")
        if timeout <= 0:
            raise ConfigurationError(f"timeout must be positive, got {timeout}.")
        base_policy = retry or RetryPolicy()
        self.retry = RetryPolicy(
            max_retries=max_retries,
            backoff=base_policy.backoff,
            max_backoff=base_policy.max_backoff,
            max_retry_after=base_policy.max_retry_after,
        )
        self.max_workers = max_workers
        self.rate_limit = rate_limit
        self.timeout = timeout
        self.expire_after = expire_after
        self.cache_path: Path | None
        if session is not None or cache is False:
            self.cache_path = None
        else:
            self.cache_path = Path(cache) if cache is not None else default_cache_path()
        self._user_session = session
        self._session: requests.Session | None = None
        self._store: ProspectCache | None = None
        self._limiter = _RateLimiter(rate_limit) if rate_limit else None
        self._session_lock = threading.Lock()
        self._rng = random.Random()

    # -- configuration -----------------------------------------------------------------
    @property
    def base_url(self) -> str:
        """The server requests go to."""
        return self._connection.base_url

    @property
    def env(self) -> str:
        """``"prod"`` or ``"stage"``."""
        return self._connection.env

    def __repr__(self) -> str:
        if self._user_session is not None:
            cache = f"session={type(self._user_session).__name__}"
        elif self.cache_path is not None:
            cache = str(self.cache_path)
        else:
            cache = "off"
        return (
            f"KnockClient(base_url={self.base_url!r}, env={self.env!r}, cache={cache!r}, "
            f"max_workers={self.max_workers}, rate_limit={self.rate_limit})"
        )

    # -- session -----------------------------------------------------------------------
    @property
    def session(self) -> requests.Session:
        """The session requests go through, built on first use (this opens the cache)."""
        with self._session_lock:
            if self._session is None:
                self._session = self._build_session()
            return self._session

    def _ensure_session(self) -> None:
        self.session  # noqa: B018 - built on first access

    def _build_session(self) -> requests.Session:
        session: requests.Session
        if self._user_session is not None:
            session = self._user_session
        elif self.cache_path is None:
            session = requests.Session()
            session.mount(self.base_url + "/", self._pooled_adapter())
        else:
            session = self._cached_session(self.cache_path)
        if self._user_session is None:
            session.headers["User-Agent"] = _USER_AGENT
            # Read proxy settings once, not on every request (see transport_settings).
            proxies, verify = transport_settings(self.base_url)
            session.trust_env = False
            session.proxies.update(proxies)
            session.verify = verify
        # The key is added below any cache layer, so no cache ever stores it.
        inner = session.get_adapter(self.base_url + "/")
        if isinstance(inner, _KeyAdapter):  # a session shared by two clients
            inner = inner.inner
        session.mount(
            self.base_url + "/", _KeyAdapter(inner, self._connection.api_key, self._limiter)
        )
        return session

    def _pooled_adapter(self) -> HTTPAdapter:
        size = max(10, self.max_workers)
        return HTTPAdapter(pool_connections=size, pool_maxsize=size)

    def _cached_session(self, path: Path) -> requests.Session:
        from requests_cache import DEFAULT_IGNORED_PARAMS, CachedSession

        from knock_data._cache import ProspectCache, cache_errors, cacheable, prospect_cache_key

        path = path.expanduser().absolute()
        with cache_errors(path, "opening"):
            if not path.parent.exists():
                # The cache holds names, emails and phone numbers: keep it private.
                path.parent.mkdir(parents=True, mode=0o700, exist_ok=True)
            created = not path.exists()
            store = ProspectCache(path, wal=True, busy_timeout=30_000, timeout=30.0)
            if created and os.name == "posix":
                for suffix in ("", "-wal", "-shm"):
                    part = Path(f"{path}{suffix}")
                    if part.exists():
                        part.chmod(0o600)
        expire: Any = -1 if self.expire_after is None else self.expire_after
        session = CachedSession(
            backend=store,
            expire_after=expire,
            allowable_codes=(200,),
            allowable_methods=("GET",),
            # Belt and braces: the key never reaches the cache (see _KeyAdapter), and if a
            # caller adds it to a request, these spellings are redacted.
            ignored_parameters=(*DEFAULT_IGNORED_PARAMS, "x-api-key", "X-Api-Key"),
            key_fn=prospect_cache_key,
            filter_fn=cacheable,
            stale_if_error=False,  # stale copies are served by the client, after retrying
        )
        session.mount(self.base_url + "/", self._pooled_adapter())
        self._store = store
        self.cache_path = Path(store.db_path)  # requests-cache adds .sqlite when no suffix
        return session

    def close(self) -> None:
        """Close the session and the cache connection."""
        with self._session_lock:
            if self._session is not None and self._user_session is None:
                self._session.close()
            self._session = None
            self._store = None

    def __enter__(self) -> KnockClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- one prospect ----------------------------------------------------------------
    def get_prospect(self, prospect_id: Any) -> dict[str, Any]:
        """Fetch one prospect (from the cache when it is there).

        Parameters
        ----------
        prospect_id
            An int, a numeric string or an int-valued float.

        Returns
        -------
        dict
            The prospect payload, as Knock sends it.

        Raises
        ------
        InvalidProspectId
            The id is not a number (nothing is sent).
        ProspectNotFound
            Knock has no prospect with this id.
        AuthenticationError
            The key was refused (401/403).
        KnockAPIError
            Knock failed after every retry (``RateLimited`` for 429s).

        Examples
        --------
        >>> from knock_data.sandbox import SandboxServer
        >>> with SandboxServer(n_prospects=3) as server:
        ...     client = KnockClient(server.api_key, base_url=server.url, cache=False)
        ...     client.get_prospect("51316")["prospectId"]
        '51316'
        """
        pid = normalize_id(prospect_id)
        self._ensure_session()
        cached = self._lookup([pid])
        if pid in cached:
            return cached[pid]
        record, _source = self._fetch_one(pid, refresh=False, cancel=threading.Event())
        return record

    # -- many prospects --------------------------------------------------------------
    def fetch_prospects(
        self, ids: Iterable[Any], *, progress: bool = True, refresh: bool = False
    ) -> FetchResult:
        """Fetch many prospects: cached ones at once, the rest concurrently.

        Parameters
        ----------
        ids
            Prospect ids (see :func:`knock_data.read_ids`). Duplicates are fetched once;
            invalid ids are reported in ``errors`` and never sent.
        progress
            Show a progress bar (notebook or terminal) with cached, fetched and failed counts.
        refresh
            Fetch every id from Knock again, updating the cache. When Knock cannot answer,
            the cached copy is served and counted in ``n_stale``.

        Returns
        -------
        FetchResult
            ``records`` in input order, ``errors`` as a DataFrame, ``frame``.

        Raises
        ------
        AuthenticationError
            At the first 401/403: the batch stops at once. What was fetched stays cached.

        Examples
        --------
        >>> from knock_data.sandbox import SandboxServer
        >>> with SandboxServer(n_prospects=20) as server:
        ...     client = KnockClient(server.api_key, base_url=server.url, cache=False)
        ...     result = client.fetch_prospects(server.prospect_ids + ["0"], progress=False)
        >>> len(result.records), result.errors["error_code"].tolist()
        (20, ['not_found'])
        """
        normalized = normalize_ids(ids)
        records: dict[str, dict[str, Any]] = {}
        failures: dict[str, KnockError] = {}
        tally = _Tally()
        self._ensure_session()  # opens the cache
        if not refresh and normalized.ids:
            records.update(self._lookup(normalized.ids))
            tally.cached = len(records)
        todo = [pid for pid in normalized.ids if pid not in records]
        bar = self._progress_bar(len(normalized.ids) + len(normalized.invalid), progress)
        try:
            bar.update(tally.cached + len(normalized.invalid))
            self._set_postfix(bar, tally, len(normalized.invalid))
            if todo:
                self._run_batch(
                    todo, refresh, records, failures, tally, bar, len(normalized.invalid)
                )
        finally:
            bar.close()

        error_rows = [
            (position, _error_row(str(e.prospect_id), e)) for position, e in normalized.invalid
        ]
        error_rows += [
            (normalized.positions[pid], _error_row(pid, error)) for pid, error in failures.items()
        ]
        error_rows.sort(key=lambda item: item[0])
        return FetchResult(
            [records[pid] for pid in normalized.ids if pid in records],
            _errors_frame([row for _, row in error_rows]),
            n_cached=tally.cached,
            n_fetched=tally.fetched,
            n_stale=tally.stale,
        )

    def _run_batch(
        self,
        todo: list[str],
        refresh: bool,
        records: dict[str, dict[str, Any]],
        failures: dict[str, KnockError],
        tally: _Tally,
        bar: Any,
        n_invalid: int,
    ) -> None:
        cancel = threading.Event()
        executor = ThreadPoolExecutor(
            max_workers=min(self.max_workers, len(todo)), thread_name_prefix="knock-fetch"
        )
        finished: queue.SimpleQueue[Future[tuple[dict[str, Any], str]]] = queue.SimpleQueue()
        try:
            futures: dict[Future[tuple[dict[str, Any], str]], str] = {}
            for pid in todo:
                future = executor.submit(self._fetch_one, pid, refresh, cancel)
                futures[future] = pid
                future.add_done_callback(finished.put)
            for _ in range(len(futures)):
                # A short timeout keeps the main thread responsive to Ctrl-C.
                while True:
                    try:
                        future = finished.get(timeout=0.25)
                        break
                    except queue.Empty:
                        continue
                pid = futures[future]
                try:
                    record, source = future.result()
                except (AuthenticationError, ConfigurationError):
                    raise  # a refused key or an unusable cache file fails every id alike
                except _Cancelled:
                    continue  # the batch is stopping: the error that stopped it follows
                except KnockError as error:
                    failures[pid] = error
                    tally.failed += 1
                else:
                    records[pid] = record
                    if source == "cache":
                        tally.cached += 1
                    elif source == "stale":
                        tally.stale += 1
                    else:
                        tally.fetched += 1
                bar.update(1)
                self._set_postfix(bar, tally, n_invalid)
        except BaseException:
            # Authentication failure, Ctrl-C or a bug: stop everything now. Responses
            # already received are in the cache; the rest is never sent.
            cancel.set()
            executor.shutdown(wait=False, cancel_futures=True)
            raise
        else:
            executor.shutdown(wait=True)

    def _progress_bar(self, total: int, enabled: bool) -> Any:
        if not enabled:
            return _NoBar()
        from tqdm.auto import tqdm

        return tqdm(total=total, desc="Prospects", unit="id", dynamic_ncols=True)

    @staticmethod
    def _set_postfix(bar: Any, tally: _Tally, n_invalid: int) -> None:
        postfix = {"cached": tally.cached, "fetched": tally.fetched}
        if tally.stale:
            postfix["stale"] = tally.stale
        postfix["failed"] = tally.failed + n_invalid
        bar.set_postfix(postfix, refresh=False)

    # -- the retry loop --------------------------------------------------------------
    def _fetch_one(
        self, pid: str, refresh: bool, cancel: threading.Event
    ) -> tuple[dict[str, Any], str]:
        """One id: returns ``(record, source)``, source being cache, network or stale."""
        url = f"{self.base_url}/prospect/{quote(pid, safe='')}"
        session = self.session
        kwargs: dict[str, Any] = {"timeout": self.timeout}
        if refresh and self._store is None and _is_cached_session(session):
            kwargs["force_refresh"] = True
        attempt = 0
        _local.cancel = cancel
        try:
            while True:
                if cancel.is_set():
                    raise _Cancelled
                error: KnockError
                delay_hint: float | None = None
                try:
                    response = self._send(session, url, kwargs)
                except _Cancelled:
                    raise
                except ConfigurationError:
                    cancel.set()  # the cache file cannot be written: every id would fail
                    raise
                except requests.Timeout as exc:
                    error = _api_error(
                        "timeout",
                        f"Knock did not answer within {self.timeout:g} s for prospect {pid}.",
                        prospect_id=pid,
                        server_message=type(exc).__name__,
                        hint="Try again later, or raise timeout=.",
                    )
                except (
                    requests.exceptions.ChunkedEncodingError,
                    requests.exceptions.ContentDecodingError,
                ) as exc:
                    error = _api_error(
                        "bad_response",
                        f"The response for prospect {pid} was cut off.",
                        prospect_id=pid,
                        server_message=str(exc)[:200],
                        hint="Usually transient: run the batch again to fetch the rest.",
                    )
                except requests.ConnectionError as exc:
                    error = _api_error(
                        "connection",
                        f"The connection to {self.base_url} failed for prospect {pid}.",
                        prospect_id=pid,
                        server_message=str(exc)[:200],
                        hint="Check the network and base_url, then run the batch again.",
                    )
                except requests.RequestException as exc:
                    # An unusable URL or header, a redirect loop: sending again cannot help.
                    looped = isinstance(exc, requests.TooManyRedirects)
                    raise _api_error(
                        "bad_response" if looped else "connection",
                        f"The request for prospect {pid} to {self.base_url} could not be made.",
                        prospect_id=pid,
                        server_message=f"{type(exc).__name__}: {str(exc)[:200]}",
                        hint="Check base_url and the network settings (proxies, certificates).",
                    ) from None
                else:
                    result = self._classify(pid, response)
                    if isinstance(result, dict):
                        source = "cache" if getattr(response, "from_cache", False) else "network"
                        return result, source
                    error = result
                    if isinstance(error, AuthenticationError):
                        cancel.set()  # the other workers stop before their next request
                    if isinstance(error, _FINAL_ANSWERS):
                        raise error  # about this id or this key: asking again cannot help
                    status = response.status_code
                    if status != 200 and status not in _RETRY_STATUSES:
                        # Knock failed outright (a 500, an unexpected status): not retried,
                        # but a cached copy is better than nothing.
                        return self._stale_or_raise(pid, error)
                    delay_hint = _retry_after(response)  # 429 and 503 may say when to come back
                if attempt >= self.retry.max_retries:
                    return self._stale_or_raise(pid, error)
                self._sleep(attempt, delay_hint, cancel)
                attempt += 1
        finally:
            _local.cancel = None

    def _send(self, session: requests.Session, url: str, kwargs: dict[str, Any]) -> Any:
        """Send one request; with the client's own cache, straight to the transport.

        The batch already knows which ids are not cached (one bulk read), so a miss skips
        requests-cache's per-request policy evaluation (about 0.3 ms) and is stored with
        the same backend and expiry settings, committed before the worker moves on.
        """
        store = self._store
        if store is None:
            return session.get(url, **kwargs)
        from requests_cache.policy.expiration import get_expiration_datetime

        from knock_data._cache import cache_errors

        request = session.prepare_request(requests.Request("GET", url))
        response = requests.Session.send(session, request, timeout=kwargs["timeout"])
        if response.status_code == 200 and not response.history:
            # ProspectCache.save_response stores prospects only (the session's filter_fn).
            expires = get_expiration_datetime(session.settings.expire_after)  # type: ignore[attr-defined]
            with cache_errors(store.db_path, "writing to"):
                store.save_response(response, store.create_key(request), expires)
        return response

    def _stale_or_raise(self, pid: str, error: KnockError) -> tuple[dict[str, Any], str]:
        """After the last retry: serve the cached copy if there is one, else fail."""
        cached = self._lookup([pid], include_expired=True)
        if pid in cached:
            return cached[pid], "stale"
        raise error

    def _lookup(self, pids: list[str], *, include_expired: bool = False) -> dict[str, Any]:
        """The client's own cache's copies of these prospects (none without that cache)."""
        store = self._store
        if store is None:
            return {}
        from knock_data._cache import cache_errors

        with cache_errors(store.db_path, "reading"):
            return store.lookup(self.base_url, pids, include_expired=include_expired)

    def _sleep(self, attempt: int, retry_after: float | None, cancel: threading.Event) -> None:
        policy = self.retry
        if retry_after is not None:
            delay = min(retry_after, policy.max_retry_after)
            delay += self._rng.uniform(0, min(1.0, policy.backoff))  # spread the herd
        else:
            ceiling = min(policy.max_backoff, policy.backoff * 2**attempt)
            delay = ceiling / 2 + self._rng.uniform(0, ceiling / 2)  # "equal jitter"
        if cancel.wait(delay):
            raise _Cancelled

    def _classify(self, pid: str, response: requests.Response) -> dict[str, Any] | KnockError:
        """A payload, or the error it stands for. The body decides, whatever the status."""
        status = response.status_code
        content = response.content or b""
        try:
            body = json.loads(content)
        except ValueError:
            body = None
        error_code = body.get("errorCode") if isinstance(body, dict) else None
        said = None
        if isinstance(body, dict):
            said = body.get("errorMessage") or body.get("message")
            said = str(said) if said is not None else None
        context: dict[str, Any] = {
            "prospect_id": pid,
            "status_code": status,
            "error_code": str(error_code) if error_code else None,
            "server_message": said,
        }
        if error_code == _NOT_FOUND_CODE:
            return ProspectNotFound(
                f"Prospect {pid} does not exist.",
                hint=f"Check the id, and that it belongs to this environment ({self.base_url}).",
                **context,
            )
        if said and _INVALID_TEXT in said:
            return InvalidProspectId(
                f"Knock refused {pid!r} as a prospect id.",
                hint="Ids are whole numbers written with digits only.",
                **context,
            )
        if status in (401, 403):
            return AuthenticationError(
                f"Knock refused the API key ({self.env} key for {self.base_url}).",
                hint="Check KNOCK_API_KEY (or api_key=): production and stage keys differ. "
                "The batch was stopped; what was fetched before is cached.",
                **context,
            )
        if status == 200:
            if isinstance(body, dict) and error_code is None and "errorMessage" not in body:
                return body
            context["server_message"] = said or _excerpt(content)
            return _api_error(
                "bad_response",
                f"Knock answered 200 for prospect {pid} without a prospect in the body.",
                hint="Usually transient; if it persists, check base_url points at Knock.",
                **context,
            )
        if said is None and content:
            context["server_message"] = _excerpt(content)
        if status == 429:
            return _api_error(
                "rate_limited",
                f"Knock kept answering 429 Too Many Requests for prospect {pid}.",
                hint="Lower rate_limit= or max_workers=, then run the batch again: "
                "what was fetched is cached.",
                **context,
            )
        if status >= 500:
            return _api_error(
                "server_error",
                f"Knock failed with HTTP {status} for prospect {pid}.",
                hint="Usually transient: run the batch again later to fetch the rest.",
                **context,
            )
        return _api_error(
            "bad_response",
            f"Unexpected HTTP {status} for prospect {pid}.",
            hint=f"Check that base_url ({self.base_url}) is Knock's syndication API.",
            **context,
        )


class _NoBar:
    """Stands in for tqdm when ``progress=False``."""

    def update(self, n: int = 1) -> None:
        pass

    def set_postfix(self, *args: Any, **kwargs: Any) -> None:
        pass

    def close(self) -> None:
        pass


def _is_cached_session(session: requests.Session) -> bool:
    from requests_cache import CacheMixin

    return isinstance(session, CacheMixin)
