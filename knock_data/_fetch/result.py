"""What a batch returns: :class:`FetchResult`, its records and its frame of per-id errors."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

from knock_data._exceptions import (
    BadResponse,
    ConnectionFailed,
    InvalidProspectId,
    KnockError,
    ProspectNotFound,
    RateLimited,
    ServerError,
    Timeout,
)
from knock_data._fetch.payloads import Bodies

if TYPE_CHECKING:
    import pandas as pd

    from knock_data._fetch.batch import FetchCounts
    from knock_data._fetch.ids import NormalizedIds
    from knock_data._fetch.payloads import Payloads

__all__ = ["ERROR_COLUMNS", "REASONS", "FetchResult", "errors_frame", "fetch_result"]

#: The ``reason`` values of :attr:`FetchResult.errors`: the ``code`` of each error class that
#: a batch reports per id (a refused key or an unusable cache stops the batch instead).
REASONS: tuple[str, ...] = tuple(
    error.code
    for error in (
        InvalidProspectId,
        ProspectNotFound,
        RateLimited,
        ServerError,
        BadResponse,
        Timeout,
        ConnectionFailed,
    )
)
#: The columns of :attr:`FetchResult.errors`; ``error_code`` is a deprecated alias of
#: ``reason``, kept for one release.
ERROR_COLUMNS = (
    "prospect_id",
    "position",
    "reason",
    "knock_error_code",
    "status_code",
    "message",
    "server_message",
    "hint",
    "error_code",
)


class FetchResult:
    """What :meth:`KnockClient.fetch_prospects <knock_data.KnockClient.fetch_prospects>`
    returns.

    Attributes
    ----------
    records : list of dict
        One prospect payload per id that succeeded, in input order, each id once. Parsed
        from the bodies kept compressed when first asked for (the frame does not need it).
    errors : pandas.DataFrame
        One row per id that failed, in input order, with columns

        - ``prospect_id``: the id as given (normalised when it is a valid id);
        - ``position``: where it is in the input, as the analyst sees it: the line of a text
          file or the row of a sheet that :func:`knock_data.read_ids` read it from (its
          first appearance), else the item's number from 1;
        - ``reason``: knock-data's name for the failure, the ``code`` of the exception
          class it stands for: ``invalid_id``, ``not_found``, ``rate_limited``,
          ``server_error``, ``bad_response``, ``timeout`` or ``connection``;
        - ``knock_error_code``: Knock's own ``errorCode`` (``CORE_API_GET_PROSPECT_FAIL``),
          when it sent one;
        - ``status_code``, ``message``, ``server_message`` (what the server said) and
          ``hint`` (what to do next);
        - ``error_code``: a deprecated alias of ``reason``, kept for one release.
    n_cached, n_fetched, n_stale : int
        Records read from the cache, fetched from Knock, and cached copies served because
        Knock could not answer (only when refreshing or after expiry).
    n_refreshed, n_unchanged, n_not_due : int
        When refreshing: the fetched records that replaced a cached copy, how many of those
        were the same as the copy, and (``refresh="due"``) the cached copies served because
        the refresh policy did not find them due (counted in ``n_cached`` too).

    Examples
    --------
    >>> from knock_data import KnockClient
    >>> from knock_data.sandbox import SandboxServer
    >>> with SandboxServer(n_prospects=5) as server:
    ...     client = KnockClient(server.api_key, base_url=server.url, cache=False)
    ...     result = client.fetch_prospects([*server.prospect_ids, "abc"], progress=False)
    >>> result
    FetchResult(5 records: 0 from cache, 5 fetched; 1 error: invalid_id=1)
    >>> result.errors[["prospect_id", "reason"]].values.tolist()
    [['abc', 'invalid_id']]
    """

    def __init__(
        self,
        records: list[dict[str, Any]] | Bodies,
        errors: pd.DataFrame,
        *,
        n_cached: int = 0,
        n_fetched: int = 0,
        n_stale: int = 0,
        n_refreshed: int = 0,
        n_unchanged: int = 0,
        n_not_due: int = 0,
    ) -> None:
        # A batch's result keeps its prospects as compressed bodies (Bodies) until asked.
        self._records = records if isinstance(records, list) else None
        self._bodies = records if isinstance(records, Bodies) else None
        self._n_records = len(records)
        self.errors = errors
        self.n_cached = n_cached
        self.n_fetched = n_fetched
        self.n_stale = n_stale
        self.n_refreshed = n_refreshed
        self.n_unchanged = n_unchanged
        self.n_not_due = n_not_due
        self._frame: pd.DataFrame | None = None

    @property
    def records(self) -> list[dict[str, Any]]:
        """One prospect payload per id that succeeded, in input order (parsed once, when
        first asked for)."""
        if self._records is None:
            assert self._bodies is not None
            self._records = self._bodies.records()
        return self._records

    @property
    def frame(self) -> pd.DataFrame:
        """The records as a typed DataFrame (:func:`knock_data.to_frame`), built once:
        straight from the bodies as Knock sent them, no record parsed."""
        if self._frame is None:
            import knock_data

            if self._bodies is not None and self._bodies.all_bodies:
                self._frame = knock_data.to_frame(self._bodies)
            else:
                self._frame = knock_data.to_frame(self.records)
        return self._frame

    @property
    def ok(self) -> bool:
        """True when every id was fetched."""
        return len(self.errors) == 0

    def summary(self) -> str:
        """One line: how many records, from where, and the errors by reason."""
        parts = [
            f"{len(self):,} record{'s' * (len(self) != 1)}: "
            f"{self.n_cached:,} from cache, {self.n_fetched:,} fetched"
        ]
        if self.n_stale:
            parts[0] += f", {self.n_stale:,} stale copies served"
        if self.n_refreshed or self.n_not_due:
            parts.append(
                f"{self.n_refreshed:,} refreshed ({self.n_unchanged:,} unchanged), "
                f"{self.n_not_due:,} not due"
            )
        n_errors = len(self.errors)
        if n_errors:
            counts = Counter(self.errors["reason"].tolist())
            detail = ", ".join(f"{reason}={n:,}" for reason, n in sorted(counts.items()))
            parts.append(f"{n_errors:,} error{'s' * (n_errors != 1)}: {detail}")
        else:
            parts.append("no errors")
        return "; ".join(parts)

    def __repr__(self) -> str:
        return f"FetchResult({self.summary()})"

    def __len__(self) -> int:
        return self._n_records


def errors_frame(errors: list[KnockError], positions: list[int] | None = None) -> pd.DataFrame:
    """One typed row per error, with the :data:`ERROR_COLUMNS`; ``positions`` are where each
    error's id is in the input (missing by default).

    Examples
    --------
    >>> frame = errors_frame([ProspectNotFound("gone", prospect_id="9", status_code=404)])
    >>> frame[["prospect_id", "reason", "error_code"]].values.tolist()
    [['9', 'not_found', 'not_found']]
    """
    import pandas as pd

    def text(values: list[str | None]) -> Any:
        return pd.array(values, dtype="string")

    reasons = text([type(e).code for e in errors])
    columns = {
        "prospect_id": text([e.prospect_id for e in errors]),
        "position": pd.array(
            positions if positions is not None else [None] * len(errors), dtype="Int64"
        ),
        "reason": reasons,
        "knock_error_code": text([e.knock_error_code for e in errors]),
        "status_code": pd.array([e.status_code for e in errors], dtype="Int64"),
        "message": text([e.message for e in errors]),
        "server_message": text([e.server_message for e in errors]),
        "hint": text([e.hint for e in errors]),
        "error_code": reasons.copy(),
    }
    return pd.DataFrame(columns, columns=list(ERROR_COLUMNS))


def fetch_result(
    normalized: NormalizedIds,
    payloads: Payloads,
    failures: dict[str, KnockError],
    counts: FetchCounts,
) -> FetchResult:
    """Records and errors in input order: each id once, where it first appeared."""
    placed: list[tuple[int, KnockError]] = list(normalized.invalid)
    placed += [(normalized.positions[pid], error) for pid, error in failures.items()]
    placed.sort(key=lambda item: item[0])
    _, kept = payloads.in_order(normalized.ids)
    return FetchResult(
        Bodies(kept, payloads.codec),
        errors_frame(
            [error for _, error in placed],
            [normalized.origin.position(index) for index, _ in placed],
        ),
        n_cached=counts.cached,
        n_fetched=counts.fetched,
        n_stale=counts.stale,
        n_refreshed=counts.refreshed,
        n_unchanged=counts.unchanged,
        n_not_due=counts.not_due,
    )
