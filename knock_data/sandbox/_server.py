"""A real HTTP server that behaves like Knock's Get Prospect endpoint.

It honours the contract in the API document: ``GET /prospect/{id}`` with an ``x-api-key``
header, the documented bodies for malformed and unknown ids, and an API-Gateway-style
``403 {"message": "Forbidden"}`` for a missing or wrong key. ``latency`` and
``fault_rate`` make it slow and flaky on purpose, so clients can be tested for real.

It lives in simulated time: every prospect follows its lifecycle, the clock starts at the
default moment (where every record is today's) or at ``now=``, moves with
:meth:`SandboxServer.advance` or ``POST /_sandbox/advance?days=N`` (with the key), or runs
by itself at ``speed`` days per minute, and every response's ``Date`` header says the
sandbox's present.

The HTTP side (the request handler and the threading server) lives in ``_http``.
"""

from __future__ import annotations

import math
import random
import threading
from collections import Counter
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from knock_data._exceptions import ConfigurationError, WrongArgumentType
from knock_data._fetch.config import STAGE_TEST_KEY
from knock_data.sandbox._clock import SandboxClock, http_date, parse_moment
from knock_data.sandbox._data import DEFAULT_SEED
from knock_data.sandbox._http import ADVANCE_PATH, FAULT_KINDS, _Server
from knock_data.sandbox._population import Population

__all__ = ["ADVANCE_PATH", "DEFAULT_API_KEY", "FAULT_KINDS", "SandboxServer"]

#: The public stage test key from the API document.
DEFAULT_API_KEY = STAGE_TEST_KEY
#: Distinct paths counted one by one besides today's prospects; the rest share one counter,
#: so that requests for random paths cannot grow the counts without bound.
MAX_OTHER_PATHS = 10_000
#: Where requests for paths past that bound are counted.
OTHER_PATHS = "(other paths)"


class SandboxServer:
    """A local stand-in for Knock's Get Prospect endpoint, serving synthetic prospects.

    Parameters
    ----------
    host, port
        Where to listen; ``port=0`` picks a free port (read it from :attr:`url`).
    n_prospects
        How many prospects exist at the default moment. The API document's example
        ``47569637`` is always the first, and ``51316`` (the id in its JavaScript example)
        exists when ``n >= 2``.
    seed
        Makes the data and its lifecycles: the same seed gives the same prospects, moving
        the same way.
    api_key
        The key clients must send in ``x-api-key``.
    latency
        Seconds to wait before each response.
    fault_rate
        Share of authorised prospect requests that fail on purpose: 429 with
        ``Retry-After``, 502, 503, a truncated 200 body or a dropped connection.
    fault_seed
        Seed for choosing the faults, for repeatable runs.
    retry_after
        Seconds announced in ``Retry-After`` on a 429.
    fault_kinds
        Which faults to draw from, among :data:`FAULT_KINDS` (``"rate_limited"``,
        ``"bad_gateway"``, ``"unavailable"``, ``"truncated"``, ``"dropped"``); all by
        default. ``fault_kinds=("rate_limited",)`` tests a client's handling of 429 alone.
    now
        The sandbox's present at start (a tz-aware datetime, a day, or ISO-8601 text;
        naive is UTC). Default: the first whole minute after every ``createdAt`` and
        ``updatedAt`` of the data (2021-11-02 00:00 UTC for the default data), where every
        prospect is served exactly as :func:`generate_prospects` makes it.
    speed
        Simulated days per real minute for a clock that runs by itself (live demos); 0, the
        default, moves only with :meth:`advance`.

    ``latency``, ``fault_rate`` and ``fault_kinds`` may be changed while the server runs.
    :attr:`requests` counts the requests received per path (today's prospects each, and up
    to :data:`MAX_OTHER_PATHS` other paths; the rest under :data:`OTHER_PATHS`),
    :attr:`records` holds the prospects as served at :attr:`now`. A connection silent for
    10 seconds (a half-sent request, an idle keep-alive) is closed.

    Examples
    --------
    >>> import requests
    >>> with SandboxServer(n_prospects=10) as server:
    ...     r = requests.get(f"{server.url}/prospect/47569637",
    ...                      headers={"x-api-key": server.api_key}, timeout=5)
    >>> r.json()["status"], r.headers["Date"]
    ('new', 'Tue, 02 Nov 2021 00:00:00 GMT')

    The clock moves forward, and the prospects with it:

    >>> server = SandboxServer(n_prospects=200)
    >>> server.now.isoformat(), len(server.prospect_ids)
    ('2021-11-02T00:00:00+00:00', 200)
    >>> server.advance(days=7).isoformat()
    '2021-11-09T00:00:00+00:00'
    >>> len(server.prospect_ids) > 200                      # leads kept arriving
    True
    >>> server.timeline("47569637")[0]
    (datetime.datetime(2021, 10, 14, 18, 10, 34, 515181, tzinfo=datetime.timezone.utc), 'new')
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        n_prospects: int = 5000,
        seed: int = DEFAULT_SEED,
        api_key: str = DEFAULT_API_KEY,
        latency: float = 0.0,
        fault_rate: float = 0.0,
        fault_seed: int | None = None,
        retry_after: int = 1,
        fault_kinds: Sequence[str] = FAULT_KINDS,
        now: datetime | date | str | None = None,
        speed: float = 0.0,
    ) -> None:
        if isinstance(n_prospects, bool) or not isinstance(n_prospects, int):
            raise WrongArgumentType(
                f"n_prospects must be a whole number, got {type(n_prospects).__name__} "
                f"{n_prospects!r:.40}"
            )
        if n_prospects < 1:
            raise ConfigurationError(f"n_prospects must be at least 1, got {n_prospects}")
        if not 0.0 <= fault_rate <= 1.0:
            raise ConfigurationError(f"fault_rate must be between 0 and 1, got {fault_rate}")
        if latency < 0:
            raise ConfigurationError(f"latency must be zero or more seconds, got {latency}")
        unknown = [kind for kind in fault_kinds if kind not in FAULT_KINDS]
        if unknown or not fault_kinds:
            raise ConfigurationError(
                f"fault_kinds must be one or more of {', '.join(FAULT_KINDS)}; got {fault_kinds!r}"
            )
        start = None if now is None else parse_moment(now)
        self.host = host
        self.port = port
        self.n_prospects = n_prospects
        self.seed = seed
        self.api_key = api_key
        self.latency = latency
        self.fault_rate = fault_rate
        self.retry_after = retry_after
        self.fault_kinds = tuple(fault_kinds)
        self._population = Population(n_prospects, seed)
        self._clock = SandboxClock(start or self._population.present, days_per_minute=speed)
        if self._clock.now != self._population.present or speed:
            self._population.prepare_moves()
        self._date = (self._population.present, http_date(self._population.present))
        self._rng = random.Random(fault_seed)
        self._lock = threading.Lock()
        self.requests: Counter[str] = Counter()
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- the clock ---------------------------------------------------------------------------

    @property
    def now(self) -> datetime:
        """The sandbox's present (tz-aware UTC, whole seconds): what every answer shows."""
        return self._clock.now

    @property
    def speed(self) -> float:
        """Simulated days per real minute the clock runs by itself (0: it stands still)."""
        return self._clock.days_per_minute

    def advance(self, delta: timedelta | None = None, /, *, days: float | None = None) -> datetime:
        """Move the clock forward and return the new present; it never goes back.

        Parameters
        ----------
        delta
            How far, as a ``timedelta``.
        days
            Or how far in days (``advance(days=7)``, ``advance(days=0.5)``).

        Examples
        --------
        >>> from datetime import timedelta
        >>> server = SandboxServer(n_prospects=20)
        >>> server.advance(timedelta(hours=36)).isoformat()
        '2021-11-03T12:00:00+00:00'
        >>> server.advance(days=-1)
        Traceback (most recent call last):
        ...
        knock_data.ConfigurationError: the sandbox's clock moves forward only; cannot go back by ...
        """
        if (delta is None) == (days is None):
            raise WrongArgumentType(
                "advance() takes a timedelta or days=, not both or neither",
                hint="For example server.advance(days=7) or server.advance(timedelta(hours=6)).",
            )
        if delta is None:
            if isinstance(days, bool) or not isinstance(days, int | float):
                raise WrongArgumentType(
                    f"advance(days=) takes a number of days, got {type(days).__name__} {days!r:.40}"
                )
            if not math.isfinite(days):
                raise ConfigurationError(f"days must be a finite number, got {days}")
            try:
                delta = timedelta(days=days)
            except OverflowError:
                raise ConfigurationError(
                    f"cannot advance by {days} days: past the year 9999"
                ) from None
        elif not isinstance(delta, timedelta):
            raise WrongArgumentType(
                f"advance() takes a timedelta, got {type(delta).__name__} {delta!r:.40}",
                hint="Pass days= for a number of days: server.advance(days=7).",
            )
        self._population.prepare_moves()
        return self._clock.advance(delta)

    # -- what exists, and the ground truth -----------------------------------------------------

    @property
    def prospect_ids(self) -> list[str]:
        """The ids that exist at :attr:`now`: today's ids in today's order, then the later
        arrivals in creation order (so the list grows as the clock moves, and only ever
        appends). An id Knock purged (:meth:`purged_at`) stays listed, as it stays in an
        analyst's list of ids: asking for it answers "does not exist"."""
        return self._population.ids_at(self.now)

    @property
    def records(self) -> list[dict[str, Any]]:
        """Every prospect as served at :attr:`now`, in :attr:`prospect_ids` order.

        At the default moment this is :func:`generate_prospects`'s list itself; at any other
        moment it is built on each access.
        """
        now = self.now
        if now == self._population.present:
            return self._population.records
        records = (self._population.record_at(i, now) for i in self._population.ids_at(now))
        return [r for r in records if r is not None]

    def timeline(
        self, prospect_id: str | int, *, until: datetime | date | str | None = None
    ) -> list[tuple[datetime, str]]:
        """The prospect's true story: ``[(moment, status), ...]``, creation first.

        The whole lifecycle, its future after :attr:`now` included, unless ``until`` stops
        it at a moment. Other changes (agent, SMS consent, deleted, not a prospect) are in
        :meth:`record_at`. An id the sandbox never has raises ``KeyError``.

        Examples
        --------
        >>> server = SandboxServer(n_prospects=20)
        >>> [status for _, status in server.timeline("47569637", until=server.now)]
        ['new']
        """
        steps = self._population.timeline(str(prospect_id))
        if until is None:
            return steps
        last = parse_moment(until)
        return [(moment, status) for moment, status in steps if moment <= last]

    def record_at(
        self, prospect_id: str | int, moment: datetime | date | str | None = None
    ) -> dict[str, Any] | None:
        """The whole record as served at ``moment`` (default :attr:`now`), a new dict.

        ``None`` when the prospect does not exist yet, or no longer (:meth:`purged_at`), at
        that moment; an id the sandbox never has raises ``KeyError``.

        Examples
        --------
        >>> server = SandboxServer(n_prospects=20)
        >>> server.record_at("51316") == next(
        ...     r for r in server.records if r["prospectId"] == "51316")
        True
        >>> server.record_at("51316", "2019-01-01") is None        # not created yet
        True
        """
        at = self.now if moment is None else parse_moment(moment)
        return self._population.record_at(str(prospect_id), at)

    def purged_at(self, prospect_id: str | int) -> datetime | None:
        """When Knock purges this prospect (it answers "does not exist" from then on), or
        ``None``: a few of the records deleted at the default moment are purged within the
        following months; no other record ever is.

        Examples
        --------
        >>> server = SandboxServer(n_prospects=2000)
        >>> purged = [pid for pid in server.prospect_ids if server.purged_at(pid)]
        >>> first = purged[0]
        >>> server.record_at(first)["isDeleted"], server.purged_at(first) > server.now
        (True, True)
        >>> server.record_at(first, server.purged_at(first)) is None
        True
        """
        return self._population.purges().get(str(prospect_id))

    # -- serving ------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """Base URL to give a client, such as ``http://127.0.0.1:54321``."""
        if self._httpd is None:
            raise RuntimeError("The sandbox is not running: call start() or use `with`.")
        host, port = self._httpd.socket.getsockname()[:2]
        return f"http://{host}:{port}"

    @property
    def request_count(self) -> int:
        """Requests received so far, all paths together."""
        with self._lock:
            return sum(self.requests.values())

    def start(self) -> SandboxServer:
        """Start serving on a background thread; returns ``self``."""
        if self._httpd is not None:
            return self
        httpd = _Server((self.host, self.port))
        httpd.sandbox = self
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever,
            kwargs={"poll_interval": 0.1},
            name=f"knock-sandbox-{httpd.server_address[1]}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, hang up on kept-alive connections and free the port."""
        httpd, self._httpd = self._httpd, None
        if httpd is not None:
            httpd.shutdown()
            httpd.server_close()
            httpd.close_open_connections()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def serve_forever(self) -> None:
        """Serve on the calling thread until interrupted (the CLI's ``sandbox`` command)."""
        self.start()
        try:
            while self._thread is not None and self._thread.is_alive():
                self._thread.join(timeout=0.5)
        finally:
            self.stop()

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        where = self.url if self._httpd is not None else "stopped"
        return (
            f"SandboxServer({where}, n_prospects={self.n_prospects}, seed={self.seed}, "
            f"now={self.now.isoformat()}, latency={self.latency}, fault_rate={self.fault_rate})"
        )

    # -- used by the handler ---------------------------------------------------------
    def _count(self, path: str, *, prospect_id: str | None = None) -> None:
        """Count a request: per path for today's prospects, and for up to
        :data:`MAX_OTHER_PATHS` other paths; past that under :data:`OTHER_PATHS`."""
        known = prospect_id is not None and prospect_id in self._population.bodies
        with self._lock:
            room = len(self.requests) < len(self._population.bodies) + MAX_OTHER_PATHS
            self.requests[path if known or room or path in self.requests else OTHER_PATHS] += 1

    def _http_date(self, moment: datetime) -> str:
        cached = self._date  # one tuple, replaced whole: safe to read from any thread
        if cached[0] != moment:
            cached = self._date = (moment, http_date(moment))
        return cached[1]

    def _should_fail(self) -> bool:
        if self.fault_rate <= 0:
            return False
        with self._lock:
            return self._rng.random() < self.fault_rate

    def _fault_kind(self) -> str:
        with self._lock:
            return self._rng.choice(self.fault_kinds)
