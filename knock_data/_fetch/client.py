"""KnockClient: prospect ids in, prospect records out; disk-cached, concurrent, polite.

A facade over the fetch layer. How a batch runs (:meth:`KnockClient.fetch_prospects`):

1. Ids are normalised (:mod:`.ids`); invalid ones become ``invalid_id`` errors, never sent.
2. Every cached prospect of the client's key scope is read in one bulk query of the cache
   (:mod:`.cache`; a copy fetched with another key is never seen, :mod:`.scope`); with
   ``refresh="due"``, with its fetch time (:mod:`.copies`), and the refresh policy says
   which copies are due (:mod:`.recording`).
3. With a history, a run is opened, and the cached copies it has not seen are recorded.
4. The rest go through a bounded window to a thread pool (:mod:`.batch`); each id is sent,
   classified, stored, retried or replaced by a cached copy (:mod:`.fetcher`), and recorded
   as it settles.
5. A 401/403 cancels the whole batch at once and raises :class:`AuthenticationError`; the
   history's run is closed whatever happens, so what was received is kept.

The module is long because the facade is the package's most used public class: most of its
lines are the documentation of its options, methods and errors; the work is in the modules
named above.
"""

from __future__ import annotations

import dataclasses
import os
import threading
from collections.abc import Callable, Iterable, Mapping
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, NoReturn, SupportsIndex

import requests
from requests.adapters import BaseAdapter

from knock_data._exceptions import (
    ConfigurationError,
    KnockError,
    ProspectNotFound,
    WrongArgumentType,
)
from knock_data._fetch.batch import Batch, FetchCounts, Progress, ServerWatch
from knock_data._fetch.config import default_cache_path, resolve_connection
from knock_data._fetch.copies import Copy, cached_copies
from knock_data._fetch.fetcher import Fetched, Fetcher
from knock_data._fetch.ids import normalize_id, normalize_ids, origin_of
from knock_data._fetch.payloads import Payloads, Received
from knock_data._fetch.recording import Recorder, due_ids
from knock_data._fetch.result import FetchResult, fetch_result
from knock_data._fetch.retry import RateLimiter, RetryPolicy
from knock_data._fetch.transport import (
    RequestContext,
    build_session,
    is_cached_session,
    mount_key_adapter,
    refuse_pickling,
)

if TYPE_CHECKING:
    from knock_data._fetch.cache import ProspectCache

__all__ = ["KnockClient"]

_CacheOption = str | os.PathLike[str] | Literal[False] | None


class KnockClient:
    """Fetch prospects from Knock's Get Prospect API, through a disk cache.

    Parameters
    ----------
    api_key
        Knock API key; for ``env="prod"`` defaults to ``$KNOCK_API_KEY``; ``env="stage"``
        without a key uses Knock's public test key (never ``$KNOCK_API_KEY``). Surrounding
        whitespace is stripped. Never stored on disk nor shown in any output.
    env
        ``"prod"`` or ``"stage"``.
    base_url
        Server to talk to, overriding ``env`` (defaults to ``$KNOCK_BASE_URL``), for example
        the local sandbox's ``server.url``. A URL with a user name or password is refused,
        and so is plain ``http://`` to another machine unless ``allow_insecure``.
    allow_insecure
        Allow a plain ``http://`` base URL to a host other than this machine (the key would
        travel unencrypted).
    cache
        Path of the SQLite cache file; ``None`` (the default) uses ``$KNOCK_DATA_CACHE`` or
        ``~/.cache/knock-data/http_cache.sqlite``; ``False`` turns caching off. The file is
        created on first use, private to the user, and may be shared by several processes
        and several keys: each key only ever sees the copies it fetched.
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
        Retries of a transient failure before giving up on an id; ``None`` (the default)
        takes ``retry.max_retries`` (5 unless ``retry`` says otherwise).
    retry
        Backoff timings, a :class:`knock_data.RetryPolicy`.
    session
        A ready :class:`requests.Session` (a ``requests_cache.CachedSession`` too) to send
        requests with; ``cache`` and ``expire_after`` are then ignored. Several clients may
        share one; each sends its own key, and in a CachedSession each key's copies are
        kept apart.
    adapter
        A transport adapter for the session the client builds (for example a fake one in
        tests); by default a pooled :class:`requests.adapters.HTTPAdapter`.
    history
        A :class:`knock_data.History` (or the path of its folder) to record into: every
        prospect fetched from Knock, at the answer's ``Date``, and every "does not exist"
        for an id the history has seen before. Cache hits are not recorded. The history
        belongs to the first key that records into it; another key is refused. It needs
        the cache (not ``cache=False``), from which a run recovers what an interrupted one
        fetched but had not written yet.
    refresh_policy
        A :class:`knock_data.RefreshPolicy`: which cached copies ``refresh="due"`` fetches
        again (default ``RefreshPolicy()``).

    Raises
    ------
    ConfigurationError
        When there is no key for production, the key or base URL cannot be used, ``env`` is
        unknown or an option is out of range.
    HistoryError
        ``history`` is a file, or a folder that is not a history.

    Notes
    -----
    A client cannot be pickled (it holds the key): build one in each process.

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
        allow_insecure: bool = False,
        cache: _CacheOption = None,
        expire_after: timedelta | float | None = None,
        max_workers: int = 8,
        rate_limit: float | None = None,
        timeout: float = 30.0,
        max_retries: int | None = None,
        retry: RetryPolicy | None = None,
        session: requests.Session | None = None,
        adapter: BaseAdapter | None = None,
        history: Any = None,
        refresh_policy: Any = None,
    ) -> None:
        self._connection = resolve_connection(
            api_key, env=env, base_url=base_url, allow_insecure=allow_insecure
        )
        _check_types(max_workers=max_workers, rate_limit=rate_limit, timeout=timeout, cache=cache)
        if max_workers < 1:
            raise ConfigurationError(f"max_workers must be 1 or more, got {max_workers}.")
        if rate_limit is not None and rate_limit <= 0:
            raise ConfigurationError(f"rate_limit must be positive, got {rate_limit}.")
        if timeout <= 0:
            raise ConfigurationError(f"timeout must be positive, got {timeout}.")
        if session is not None and adapter is not None:
            raise ConfigurationError(
                "Pass session= or adapter=, not both: mount the adapter on your session."
            )
        if history is not None and cache is False and session is None:
            raise ConfigurationError(
                "history= needs the cache: a run interrupted by Ctrl-C, a crash or kill -9 "
                "leaves its last observations unwritten, and the next run recovers them from "
                "the cache's copies. Without a cache they would be lost.",
                hint="Leave cache= out (the default cache file) or pass cache=<path>.",
            )
        self.retry = retry or RetryPolicy()
        if max_retries is not None:
            self.retry = dataclasses.replace(self.retry, max_retries=max_retries)
        self.max_workers = max_workers
        self.rate_limit = rate_limit
        self.timeout = timeout
        self.expire_after = expire_after
        self.cache_path: Path | None = None
        if session is None and cache is not False:
            self.cache_path = Path(cache) if cache is not None else default_cache_path()
        self._user_session = session
        self._adapter = adapter
        self._limiter = RateLimiter(rate_limit) if rate_limit else None
        self._fetcher: Fetcher | None = None
        self._lock = threading.Lock()
        if history is not None:
            import knock_data  # History lives in the layer above this one

            if not isinstance(history, knock_data.History):
                history = knock_data.History(history)
        self.history = history
        self._refresh_policy = refresh_policy

    @property
    def refresh_policy(self) -> Any:
        """The :class:`knock_data.RefreshPolicy` that ``refresh="due"`` follows (the default
        one unless another was given)."""
        if self._refresh_policy is None:
            import knock_data  # RefreshPolicy lives in the layer above this one

            self._refresh_policy = knock_data.RefreshPolicy()
        return self._refresh_policy

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
        else:
            cache = str(self.cache_path) if self.cache_path is not None else "off"
        history = f", history={str(self.history.path)!r}" if self.history is not None else ""
        return (
            f"KnockClient(base_url={self.base_url!r}, env={self.env!r}, cache={cache!r}, "
            f"max_workers={self.max_workers}, rate_limit={self.rate_limit}{history})"
        )

    def __reduce_ex__(self, protocol: SupportsIndex) -> NoReturn:
        raise refuse_pickling("A KnockClient")

    @property
    def session(self) -> requests.Session:
        """The session requests go through, built on first use (this opens the cache)."""
        return self._open().session

    def _open(self) -> Fetcher:
        with self._lock:
            if self._fetcher is None:
                from knock_data._fetch.cache import open_cache  # loads requests-cache

                store = open_cache(self.cache_path) if self.cache_path is not None else None
                session = self._user_session or build_session(
                    self.base_url, max_workers=self.max_workers, adapter=self._adapter
                )
                default = RequestContext(self._connection.api_key, self._limiter)
                mount_key_adapter(session, self.base_url, default)
                if store is not None:
                    self.cache_path = Path(store.db_path)
                self._fetcher = Fetcher(
                    scope=self._key_scope(store, session),
                    session=session,
                    store=store,
                    base_url=self.base_url,
                    env=self.env,
                    api_key=self._connection.api_key,
                    timeout=self.timeout,
                    policy=self.retry,
                    limiter=self._limiter,
                    expire_after=self.expire_after,
                )
            return self._fetcher

    def _key_scope(self, store: ProspectCache | None, session: requests.Session) -> str | None:
        """This key's scope in the cache in play: the client's file, or a caller's
        requests-cache session (under its file's salt when it is knock-data's backend)."""
        from knock_data._fetch.cache import ProspectCache
        from knock_data._fetch.scope import FOREIGN_CACHE_SALT, key_scope

        key = self._connection.api_key
        if store is not None:
            return store.scope_for(key)
        if not is_cached_session(session):
            return None  # no cache: nothing to keep apart
        backend = session.cache  # type: ignore[attr-defined]
        if isinstance(backend, ProspectCache):
            return backend.scope_for(key)
        return key_scope(key, FOREIGN_CACHE_SALT)

    def close(self) -> None:
        """Close the session (unless it was given) and the cache file."""
        with self._lock:
            fetcher, self._fetcher = self._fetcher, None
        if fetcher is not None:
            if self._user_session is None:
                fetcher.session.close()
            if fetcher.store is not None:
                fetcher.store.close()

    def __enter__(self) -> KnockClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

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
            Knock failed after every retry: a :class:`RateLimited`, :class:`ServerError`,
            :class:`BadResponse`, :class:`Timeout` or :class:`ConnectionFailed`.

        Examples
        --------
        >>> from knock_data.sandbox import SandboxServer
        >>> with SandboxServer(n_prospects=3) as server:
        ...     client = KnockClient(server.api_key, base_url=server.url, cache=False)
        ...     client.get_prospect("51316")["prospectId"]
        '51316'
        """
        pid = normalize_id(prospect_id)
        fetcher = self._open()
        cached = fetcher.lookup([pid])
        if pid in cached:
            return cached[pid]
        recorder = self._recorder()
        try:
            fetched = fetcher.fetch(pid, refresh=False, cancel=threading.Event())
            if recorder is not None:
                recorder.settled(pid, fetched, None)
            return fetched.record
        except ProspectNotFound as error:
            if recorder is not None:
                recorder.settled(pid, None, error)
            raise
        finally:
            if recorder is not None:
                recorder.close()

    def fetch_prospects(
        self,
        ids: Iterable[Any],
        *,
        progress: bool = True,
        refresh: bool | str = False,
        now: object = None,
    ) -> FetchResult:
        """Fetch many prospects: cached ones at once, the rest concurrently.

        Parameters
        ----------
        ids
            Prospect ids: what :func:`knock_data.read_ids` returns (its list, or its frame
            with ``keep=True``), or any iterable of ids. Duplicates are fetched once;
            invalid ids are reported in ``errors`` (at their line or row in the file read)
            and never sent.
        progress
            Show a progress bar (notebook or terminal) with cached, fetched and failed counts.
        refresh
            ``False`` (the default): cached prospects are served from the cache. ``True``:
            fetch every id from Knock again, updating the cache. ``"due"``: fetch again only
            the cached copies the client's ``refresh_policy`` finds due (and every id never
            fetched); the others are served from the cache. When Knock cannot answer, the
            cached copy is served and counted in ``n_stale``.
        now
            The moment ``refresh="due"`` judges a copy's age at: a tz-aware datetime or
            ISO-8601 text; default this machine's clock. The cache records fetch times on
            the server's clock (its ``Date`` header), so a simulation passes the sandbox's
            ``server.now``.

        Returns
        -------
        FetchResult
            ``records`` in input order, ``errors`` as a DataFrame, ``frame``, and the counts:
            ``n_refreshed`` (copies fetched again), ``n_unchanged`` (of those, the same as
            before) and ``n_not_due`` (copies served because they were not due).

        Raises
        ------
        AuthenticationError
            At the first 401/403: the batch stops at once. What was fetched stays cached
            (and recorded, with a history).
        ConfigurationError
            ``refresh`` is not a choice, or the cache file cannot be used: before anything
            is sent, or at the first write that fails (the batch then stops as for a
            refused key).
        HistoryError
            The history belongs to another key, holds a file knock-data did not write, or
            cannot be written (before anything is sent, or at the first chunk that fails).
        ConnectionFailed
            When the first 20 requests all fail to connect (nothing listens at
            ``base_url``, or its host name does not resolve): the batch stops at once.
            Connection failures after a request reached the server are per-id errors.
        WrongArgumentType
            When ``ids`` is not a list of ids (one id, a dict, a whole table).

        Examples
        --------
        >>> from knock_data.sandbox import SandboxServer
        >>> with SandboxServer(n_prospects=20) as server:
        ...     client = KnockClient(server.api_key, base_url=server.url, cache=False)
        ...     result = client.fetch_prospects(server.prospect_ids + ["0"], progress=False)
        >>> len(result.records), result.errors["reason"].tolist()
        (20, ['not_found'])
        """
        if not (isinstance(refresh, bool) or refresh == "due"):
            raise ConfigurationError(
                f"refresh={refresh!r} is not a choice; use False, True or 'due'.",
                hint="False serves cached copies, True fetches everything again, 'due' only "
                "what the refresh policy says is due.",
            )
        normalized = normalize_ids(ids, origin=origin_of(ids))
        counts = FetchCounts(invalid=len(normalized.invalid))
        total = len(normalized.ids) + len(normalized.invalid)
        fetcher = self._open()  # an unusable cache file fails here, before any bar is shown
        recorder = self._recorder()  # so does an unusable history
        try:
            with Progress(total, enabled=progress) as bar:
                if counts.invalid:
                    bar.advance(counts.invalid, counts)
                copies = self._copies(fetcher, normalized.ids, refresh, recorder)
                if recorder is not None:
                    recorder.recover(copies)

                def read(n_copies: int) -> None:  # the bar moves as the cache is read
                    counts.cached += n_copies
                    bar.advance(n_copies, counts)

                cached = self._served_from_cache(
                    fetcher, normalized.ids, refresh, copies, now, on_read=read
                )
                not_counted = len(cached) - counts.cached
                counts.cached = len(cached)
                if refresh == "due":
                    counts.not_due = len(cached)
                if not_counted:
                    bar.advance(not_counted, counts)

                watch = ServerWatch(self.base_url)

                def fetch_one(pid: str, cancel: threading.Event) -> Fetched:
                    return fetcher.fetch(
                        pid, refresh=bool(refresh), cancel=cancel, on_attempt=watch.record
                    )

                def settled(pid: str, fetched: Fetched | None, error: KnockError | None) -> None:
                    if recorder is not None:
                        recorder.settled(pid, fetched, error)
                    previous = copies.get(pid)  # (the fetcher forgot it if Knock said gone)
                    if previous is not None and fetched is not None and fetched.source == "network":
                        counts.refreshed += 1
                        counts.unchanged += fetched.record == previous.record

                to_fetch = [pid for pid in normalized.ids if pid not in cached]
                payloads = Payloads(fetcher.codec, cached)  # adds to cached: to_fetch first
                batch = Batch(
                    fetch_one,
                    max_workers=self.max_workers,
                    progress=bar,
                    counts=counts,
                    watch=watch,
                    on_settled=settled,
                    records=payloads,
                )
                batch.run(to_fetch)
        finally:
            if recorder is not None:
                recorder.close()
        return fetch_result(normalized, payloads, batch.failures, counts)

    def _recorder(self) -> Recorder | None:
        if self.history is None:
            return None
        return Recorder(self.history, self._connection.api_key)

    def _copies(
        self, fetcher: Fetcher, ids: list[str], refresh: bool | str, recorder: Recorder | None
    ) -> dict[str, Copy]:
        """The cached copies with their fetch times, when anything needs them: smart refresh,
        counting unchanged copies, or a history to recover missed observations into."""
        if fetcher.store is None or (refresh is False and recorder is None):
            return {}
        from knock_data._fetch.cache import cache_errors

        with cache_errors(fetcher.store.db_path, "reading"):
            return cached_copies(fetcher.store, self.base_url, fetcher.scope, ids)

    def _served_from_cache(
        self,
        fetcher: Fetcher,
        ids: list[str],
        refresh: bool | str,
        copies: dict[str, Copy],
        now: object,
        *,
        on_read: Callable[[int], None],
    ) -> Mapping[str, Received]:
        """What is served without asking Knock: every cached copy, none, or those not due
        (the copies as stored, compressed, or records when they were read with their fetch
        time). ``on_read`` is told how many copies each block read from the cache held, when
        they are read here."""
        if refresh is True:
            return {}
        if refresh == "due":
            due = due_ids(self.refresh_policy, copies, now)
            return {pid: copy.record for pid, copy in copies.items() if pid not in due}
        if copies:
            return {pid: copy.record for pid, copy in copies.items()}
        return fetcher.lookup_packed(ids, on_block=on_read)  # kept compressed, as stored


def _check_types(
    *, max_workers: object, rate_limit: object, timeout: object, cache: object
) -> None:
    """Each option of the kind it must be, before its value is judged."""
    numbers = {"max_workers": (max_workers, int), "rate_limit": (rate_limit, float)}
    numbers["timeout"] = (timeout, float)
    for name, (value, kind) in numbers.items():
        whole = kind is int
        if value is None and name == "rate_limit":
            continue
        if isinstance(value, bool) or not isinstance(value, int if whole else int | float):
            raise WrongArgumentType(
                f"{name} must be a {'whole number' if whole else 'number'}, got "
                f"{type(value).__name__} {value!r:.40}."
            )
    if cache is not None and cache is not False and not isinstance(cache, str | os.PathLike):
        raise WrongArgumentType(
            f"cache must be a path, None (the default file) or False (no cache), got "
            f"{type(cache).__name__} {cache!r:.40}."
        )
