"""``kd.History``: a folder of prospect snapshots, appended to by every refresh, never rewritten.

The class is a thin facade: the folder's files are :mod:`.folder`'s, writing a run is
:mod:`.writer`'s and the frames are :mod:`.reading`'s.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from knock_data._exceptions import (
    ConfigurationError,
    HistoryError,
    RecordError,
    WrongArgumentType,
)
from knock_data._frame.arrow import column_from_arrow
from knock_data._frame.export import PII_CHOICES
from knock_data._history import reading
from knock_data._history.folder import Chunk, Folder
from knock_data._history.moments import parse_moment
from knock_data._history.writer import RunWriter

__all__ = ["History", "HistoryInfo"]


class History:
    """A history of prospects: every refresh kept as a snapshot, in a folder of Parquet files.

    Knock's API shows only the present; a history keeps what each refresh saw, so that
    :meth:`versions` can tell how each lead moved. The folder is Hive-partitioned Parquet
    (``observed_date=YYYY-MM-DD/part-<run id>-<n>.parquet``), append-only and crash-safe, and
    DuckDB, Spark, Polars or pyarrow read it without knock-data.

    Parameters
    ----------
    path
        The folder; created on the first append. An existing folder must be a history.
    pii
        How personal data (email, phone, first and last name, street address) is kept:
        ``"keep"``, ``"mask"`` or ``"drop"``, by the export's rules (see
        :func:`knock_data.export_csv`). A new folder keeps everything unless told otherwise
        and remembers its rule; ``None`` (the default) uses it. Passing another rule than an
        existing folder's is an error: a folder never mixes them.

    Raises
    ------
    HistoryError
        The path is a file, or a folder that is not a history.
    ConfigurationError
        ``pii`` is not one of the choices.
    WrongArgumentType
        ``path`` is not a path.

    Notes
    -----
    Record into a history with ``KnockClient(..., history=path)`` (every prospect fetched
    from Knock, and every "does not exist" for an id seen before), or by hand with
    :meth:`append`. A history belongs to the API key that first recorded into it; recording
    with another key is refused.

    Examples
    --------
    >>> import tempfile
    >>> import knock_data as kd
    >>> from knock_data.sandbox import SandboxServer
    >>> server = SandboxServer(n_prospects=50)
    >>> history = kd.History(tempfile.mkdtemp())
    >>> run = history.append(server.records, observed_at=server.now)
    >>> _ = server.advance(days=14)
    >>> run = history.append(server.records[:50], observed_at=server.now)
    >>> len(history.observations()), history.info().runs
    (100, 2)
    >>> history.as_of("2021-11-05")["observed_at"].unique().tolist()
    [Timestamp('2021-11-02 00:00:00+0000', tz='UTC')]
    """

    def __init__(self, path: str | os.PathLike[str], *, pii: str | None = None) -> None:
        if pii is not None and pii not in PII_CHOICES:
            raise ConfigurationError(
                f"pii={pii!r} is not a choice; use one of {', '.join(map(repr, PII_CHOICES))}.",
                hint="'keep' keeps personal data as fetched, 'mask' hides most of it, "
                "'drop' leaves those columns out.",
            )
        if not isinstance(path, str | os.PathLike):
            raise WrongArgumentType(
                f"History needs the path of a folder, got {type(path).__name__} {path!r:.40}.",
                hint="For example kd.History('history/').",
            )
        self.path = Path(path).expanduser().absolute()
        self._folder = Folder(self.path)
        manifest = self._folder.manifest()
        if manifest is not None and pii is not None and pii != manifest.pii:
            raise HistoryError(
                f"The history in {self.path} keeps personal data with pii={manifest.pii!r}, "
                f"not pii={pii!r}: a folder never mixes them.",
                hint=f"Open it with pii={manifest.pii!r} (or without pii=), or keep a new "
                "history in another folder.",
            )
        self._pii = pii

    @property
    def pii(self) -> str:
        """The folder's personal-data rule (``"keep"`` for a folder not written yet, unless
        another was asked for)."""
        manifest = self._folder.manifest()
        if manifest is not None:
            return manifest.pii
        return self._pii or "keep"

    def __repr__(self) -> str:
        return f"History({str(self.path)!r}, pii={self.pii!r})"

    # -- writing ---------------------------------------------------------------------------

    def append(
        self,
        records: Iterable[Mapping[str, Any]] | Any,
        observed_at: datetime | date | str | Sequence[Any] | None = None,
        *,
        api_key: str | None = None,
    ) -> str:
        """Record prospects by hand, as one run.

        Parameters
        ----------
        records
            Get Prospect records (dicts as Knock sends them), or a
            :class:`~knock_data.FetchResult`, written from its typed frame without making
            a dict per record (what a million prospects need).
        observed_at
            When they were seen: one moment for all (a tz-aware datetime, ISO-8601 text;
            naive is UTC), one per record, or ``None`` for this machine's clock now.
        api_key
            The key they were fetched with, checked against the folder's owner (and claiming
            a folder nobody owns yet); ``None`` for records of your own.

        Returns
        -------
        str
            The run id (the ``run_id`` of every row written; empty when nothing was given).

        Raises
        ------
        WrongArgumentType
            ``records`` is not a list of records (one record, text, a DataFrame).
        RecordError
            A record is not a JSON object with a ``prospectId``.
        HistoryError
            The folder belongs to another key, holds a file knock-data did not write, or
            cannot be written.
        """
        frame = _result_frame(records)
        if frame is not None:  # a FetchResult: its typed frame, with no record dict made
            moments = _moments(observed_at, len(frame))
            writer = self.open_run(api_key=api_key)
            try:
                writer.add_frame(frame, moments)
            finally:
                writer.close()
            return writer.run_id or ""
        records = getattr(records, "records", records)  # anything else that holds records
        if isinstance(records, str | bytes | Mapping) or not isinstance(records, Iterable):
            raise WrongArgumentType(
                f"append needs a list of prospect records (dicts), got "
                f"{type(records).__name__} {records!r:.40}.",
                hint="Pass Get Prospect records, as KnockClient returns them (or a "
                "FetchResult); wrap a single record in a list.",
            )
        if isinstance(records, pd.DataFrame):
            raise WrongArgumentType(
                "append needs prospect records (dicts as Knock sends them), not a DataFrame.",
                hint="Pass result.records (or the FetchResult itself), not result.frame.",
            )
        rows = list(records)
        moments = _moments(observed_at, len(rows))
        if not (set(map(type, rows)) <= {dict} and all(map(_has_id, rows))):
            _refuse_records(rows)
        writer = self.open_run(api_key=api_key)
        writer.add_many(rows, moments)
        writer.close()
        return writer.run_id or ""

    def open_run(self, *, api_key: str | None = None) -> RunWriter:
        """A writer for one run (what :class:`~knock_data.KnockClient` records through).

        Creates the folder on first use, checks (or claims) the owner when ``api_key`` is
        given, and deletes the temporaries of writers that died.
        """
        manifest = self._folder.create(self._pii or "keep")
        if api_key is not None:
            self._folder.claim(api_key, manifest)
        self._folder.chunks()  # a file that does not belong is reported before any write
        self._folder.clean_temporaries()
        return RunWriter(self._folder, manifest.pii)

    # -- reading ---------------------------------------------------------------------------

    def _chunks(self) -> list[Chunk]:
        if self._folder.manifest() is None:
            return []
        return self._folder.chunks()

    def _load(self, *, columns: Sequence[str] | None = None) -> Any:
        return reading.load(self._chunks(), self.pii, columns=columns)

    def observations(self) -> pd.DataFrame:
        """Every observation: one row per prospect per time it was seen.

        Returns
        -------
        pandas.DataFrame
            The columns of :func:`knock_data.to_frame` (same names and dtypes; without the
            personal ones in a folder that drops them), then ``observed_at``
            (``datetime64[us, UTC]``), ``run_id`` and ``row_hash`` (text) and ``gone``
            (``boolean``: Knock said the prospect no longer exists; its other columns are
            then missing). In the order observed, then by prospect id.

        Raises
        ------
        HistoryError
            A file in the folder is not a knock-data snapshot, or is corrupt.
        """
        return reading.observations(self._load(), self.pii)

    def versions(self) -> pd.DataFrame:
        """Each prospect's versions: one row per change of what matters (SCD type 2).

        A new version starts when any of ``status``, ``source_title``, ``agent_username``,
        ``community_id``, ``sms_consent``, ``is_deleted`` or ``not_prospect`` changes, or
        when Knock stops returning the prospect (dbt snapshots' ``check`` strategy; dlt's
        ``scd2``). Other columns, ``updated_at`` among them, are carried from the version's
        first observation, not compared. A prospect not fetched in a run is not retired: only
        what was observed counts.

        Returns
        -------
        pandas.DataFrame
            The columns of :func:`knock_data.to_frame`, then

            - ``valid_from``: the first observation showing this version;
            - ``valid_to``: the first observation after it changed (``NaT`` while current);
            - ``changed_after``: the last observation before ``valid_from`` (``NaT`` for a
              prospect's first version): the change happened in
              ``(changed_after, valid_from]``;
            - ``last_observed_at``: the last observation showing this version;
            - ``gone``: this version records that Knock stopped returning the prospect.

            Sorted by ``prospect_id``, then ``valid_from``.

        Examples
        --------
        >>> import tempfile
        >>> import knock_data as kd
        >>> from knock_data.sandbox import EXAMPLE_PROSPECT
        >>> history = kd.History(tempfile.mkdtemp())
        >>> _ = history.append([EXAMPLE_PROSPECT], observed_at="2021-11-02")
        >>> _ = history.append([EXAMPLE_PROSPECT], observed_at="2021-11-09")
        >>> _ = history.append([dict(EXAMPLE_PROSPECT, status="open")], observed_at="2021-11-16")
        >>> versions = history.versions()
        >>> versions[["status", "valid_from", "changed_after"]]
          status                valid_from             changed_after
        0    new 2021-11-02 00:00:00+00:00                       NaT
        1   open 2021-11-16 00:00:00+00:00 2021-11-09 00:00:00+00:00
        """
        return reading.versions(self._chunks(), self.pii)

    def as_of(self, moment: datetime | date | str) -> pd.DataFrame:
        """The prospects as known at ``moment``: each one's last observation up to then.

        Parameters
        ----------
        moment
            A tz-aware datetime, a day (its midnight, UTC) or ISO-8601 text; naive is UTC.

        Returns
        -------
        pandas.DataFrame
            The columns and dtypes of :func:`knock_data.to_frame`, plus ``observed_at`` (the
            observation each row comes from), sorted by ``prospect_id``. Prospects not seen
            yet, or gone by then, are left out.
        """
        when = parse_moment(moment)
        return reading.as_of(self._chunks(), when, self.pii)

    def last_observed(self) -> pd.Series:
        """When each prospect was last observed (a "does not exist" answer included).

        Returns
        -------
        pandas.Series
            ``observed_at`` (``datetime64[us, UTC]``) indexed by ``prospect_id``, sorted.
        """
        table = self._load(columns=("prospect_id", "observed_at"))
        rows = pa.array(reading.last_rows(table))
        ids = table.column("prospect_id").take(rows).to_pylist()
        moments = table.column("observed_at").take(rows)
        return pd.Series(
            column_from_arrow("timestamp", moments),
            index=pd.Index(ids, dtype="string[pyarrow]", name="prospect_id"),
            name="observed_at",
        )

    def snapshots(self) -> list[pd.Timestamp]:
        """Each run's moment, in time order: the run's last observation, when every prospect
        it saw had been seen (the moments to compare, as in :func:`knock_data.transitions`).

        One per run, however long the run took: a run's answers carry the server's clock,
        seconds apart, and are one snapshot.

        Examples
        --------
        >>> import tempfile
        >>> import knock_data as kd
        >>> history = kd.History(tempfile.mkdtemp())
        >>> run = history.append([{"prospectId": "1"}, {"prospectId": "2"}],
        ...                      observed_at=["2021-11-02T09:00Z", "2021-11-02T09:00:05Z"])
        >>> [f"{moment:%Y-%m-%d %H:%M:%S}" for moment in history.snapshots()]
        ['2021-11-02 09:00:05']
        """
        table = self._load(columns=("observed_at", "run_id"))
        if table.num_rows == 0:
            return []
        last = table.group_by("run_id").aggregate([("observed_at", "max")])
        moments = pd.DatetimeIndex(last.column("observed_at_max").to_pandas()).dropna()
        return list(moments.unique().sort_values().tz_convert("UTC"))

    def info(self) -> HistoryInfo:
        """What the history holds: runs, prospects, versions, first and last observation."""
        size = self._folder.size_bytes() if self._folder.manifest() else 0
        table = self._load(columns=("prospect_id", "observed_at", "run_id", "row_hash"))
        if table.num_rows == 0:
            return HistoryInfo(self.path, self.pii, 0, 0, 0, 0, None, None, size)
        moments = table.column("observed_at").to_pandas()
        return HistoryInfo(
            path=self.path,
            pii=self.pii,
            runs=len(table.column("run_id").combine_chunks().unique()),
            observations=table.num_rows,
            prospects=len(table.column("prospect_id").combine_chunks().unique()),
            versions=len(reading.versions_index(table)),
            first_observed_at=moments.min(),
            last_observed_at=moments.max(),
            size_bytes=size,
        )


@dataclass(frozen=True)
class HistoryInfo:
    """What a history folder holds (``knock-data history info``)."""

    path: Path
    pii: str
    runs: int
    observations: int
    prospects: int
    versions: int
    first_observed_at: pd.Timestamp | None
    last_observed_at: pd.Timestamp | None
    size_bytes: int

    def __str__(self) -> str:
        lines = [f"History: {self.path}"]
        if not self.observations:
            lines.append("No observations yet (knock-data fetch --history DIR records some).")
            return "\n".join(lines)
        lines += [
            f"Runs: {self.runs:,}",
            f"Observations: {self.observations:,}",
            f"Prospects: {self.prospects:,}",
            f"Versions: {self.versions:,}",
            f"First observation: {self.first_observed_at:%Y-%m-%d %H:%M:%S} UTC",
            f"Last observation: {self.last_observed_at:%Y-%m-%d %H:%M:%S} UTC",
            f"Personal data: {self.pii}",
            f"Size: {self.size_bytes / 1e6:.1f} MB",
        ]
        return "\n".join(lines)


def _has_id(record: dict[str, Any]) -> bool:
    return record.get("prospectId") not in (None, "")


def _refuse_records(rows: list[Any]) -> None:
    """Raise the RecordError for the first item that is not a record with an id."""
    for position, record in enumerate(rows):
        if not isinstance(record, Mapping) or record.get("prospectId") in (None, ""):
            raise RecordError(
                f"The record at position {position} has no prospectId: a history "
                "keeps observations of prospects by their id.",
                position=position,
                field="prospectId",
                hint="Pass Get Prospect records, as KnockClient returns them.",
            )


def _result_frame(value: Any) -> pd.DataFrame | None:
    """A :class:`~knock_data.FetchResult`'s frame (it has ``records`` and a typed
    ``frame``); ``None`` for anything else."""
    kind = type(value)  # asked of the class: reading value.records would parse them all
    if not isinstance(getattr(kind, "records", None), property):
        return None
    if not isinstance(getattr(kind, "frame", None), property):
        return None
    frame = value.frame
    return frame if isinstance(frame, pd.DataFrame) else None


def _moments(observed_at: Any, n: int) -> list[datetime]:
    if observed_at is None:
        return [datetime.now(UTC)] * n
    if isinstance(observed_at, datetime | date | str | np.datetime64):
        return [parse_moment(observed_at, "observed_at")] * n
    moments = [parse_moment(value, "observed_at") for value in observed_at]
    if len(moments) != n:
        raise ConfigurationError(
            f"observed_at has {len(moments)} moments for {n} records.",
            hint="Give one moment for all the records, or exactly one per record.",
        )
    return moments
