"""Names for the ids the API returns: communities and agents as a reader knows them.

Knock's guest cards carry a community's hex id and an agent's UUID, never a name.
:func:`with_names` reads a naming table the analyst has (a mapping, a Series, a frame, or a
CSV or Excel file with an id and a name column, optionally a time zone) and adds
``community_name``, ``agent_name`` and ``community_timezone`` beside the ids. The layers
above use the names where a frame has them and keep the ids everywhere.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pandas as pd

from knock_data._exceptions import ConfigurationError, WrongArgumentType
from knock_data._schema import (
    AGENT_NAME,
    AGENT_USERNAME,
    COMMUNITY_ID,
    COMMUNITY_NAME,
    COMMUNITY_TIMEZONE,
    is_missing,
)

__all__ = ["NamingTable", "read_naming_table", "with_names"]

_CATEGORY_TEXT = pd.Index(["a"]).dtype  # the text dtype of inferred categories
_EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".ods")
_NOISE = re.compile(r"[\s_\-.]+")


@dataclass(frozen=True)
class _Kind:
    """One kind of id a naming table names: where its ids are, and the headers it accepts."""

    argument: str  # with_names' keyword
    id_column: str  # the frame's id column
    name_column: str  # the column added
    id_headers: tuple[str, ...]
    name_headers: tuple[str, ...]
    has_timezone: bool


_COMMUNITIES = _Kind(
    "communities",
    COMMUNITY_ID,
    COMMUNITY_NAME,
    ("community_id", "communityid", "community", "id"),
    ("name", "community_name", "community", "property", "property_name", "display_name"),
    True,
)
_AGENTS = _Kind(
    "agents",
    AGENT_USERNAME,
    AGENT_NAME,
    ("agent_username", "username", "agent_id", "agent", "id"),
    ("name", "agent_name", "full_name", "display_name", "agent"),
    False,
)
_TIMEZONE_HEADERS = ("timezone", "time_zone", "tz", "zone", "community_timezone")


@dataclass(frozen=True)
class NamingTable:
    """A checked naming table: each id's name and, for communities, its time zone."""

    names: dict[str, str]
    timezones: dict[str, str]


def with_names(
    frame: pd.DataFrame,
    *,
    communities: Any = None,
    agents: Any = None,
) -> pd.DataFrame:
    """The frame with ``community_name`` and ``agent_name`` (and time zones) beside the ids.

    Charts, the dashboard, the breakdowns' ``by`` and the exports show the names where a
    frame has them; the ids stay in their columns, so filters, joins and exports keep them.

    Parameters
    ----------
    frame
        A prospect frame (see :func:`knock_data.to_frame`); it is not modified.
    communities, agents
        A naming table for ``community_id`` or ``agent_username``: a mapping ``{id: name}``,
        a pandas Series (ids as index, names as values), a DataFrame, or the path of a CSV
        or Excel file (``.xlsx``, ``.xlsm``; Excel needs ``pip install
        'knock-data[excel]'``). A frame or file has an id column (``community_id``,
        ``id``...; ``agent_username``, ``username``...) and a ``name`` column; headers are
        matched ignoring case and spaces, and a table of exactly two columns is read as id,
        name. A communities table may add a ``timezone`` column (IANA names such as
        ``America/Chicago``): it fills ``community_timezone``, which ``tz="community"``
        reads to show each community in its local time. ``None`` leaves that kind alone.

    Returns
    -------
    pandas.DataFrame
        A copy with ``community_name`` after ``community_id`` (and ``community_timezone``
        after it when the table has zones) and ``agent_name`` after ``agent_username``, as
        categoricals. An id the table does not know keeps its id as its name (and has no
        time zone); a missing id has a missing name. Names already present are replaced.

    Raises
    ------
    knock_data.ConfigurationError
        The table lists an id twice, has no id or name column, names a time zone that does
        not exist, or cannot be read; the frame lacks the id column. The message names the
        file and row (as a spreadsheet numbers them) and what to change.

    Examples
    --------
    >>> import knock_data as kd
    >>> frame = kd.to_frame(kd.sandbox.generate_prospects(50))
    >>> named = kd.with_names(frame, **kd.sandbox.naming_tables())
    >>> named.loc[0, ["community_id", "community_name", "community_timezone"]].tolist()
    ['191b65d2686d11e9', 'Maple Court (Austin)', 'America/Chicago']
    >>> mine = kd.with_names(frame, communities={"191b65d2686d11e9": "Maple Court"})
    >>> mine.loc[0, "community_name"]
    'Maple Court'
    """
    if not isinstance(frame, pd.DataFrame):
        raise WrongArgumentType(
            f"with_names needs a pandas DataFrame, got {type(frame).__name__}.",
            hint="Pass a frame from knock_data.to_frame(...) or FetchResult.frame.",
        )
    named = frame.copy()
    for kind, table in ((_COMMUNITIES, communities), (_AGENTS, agents)):
        if table is None:
            continue
        if kind.id_column not in frame.columns:
            raise ConfigurationError(
                f"with_names({kind.argument}=...) needs the column {kind.id_column!r}; the frame "
                f"has {list(frame.columns)}.",
                hint="Build the frame with knock_data.to_frame(records).",
            )
        checked = read_naming_table(table, kind.argument)
        ids = frame[kind.id_column]
        _insert(named, kind.id_column, kind.name_column, _named(ids, checked.names, keep=True))
        if kind.has_timezone and checked.timezones:
            zones = _named(ids, checked.timezones, keep=False)
            _insert(named, kind.name_column, COMMUNITY_TIMEZONE, zones)
    return named


def read_naming_table(table: Any, argument: str = "communities") -> NamingTable:
    """Read and check one naming table as :func:`with_names` takes it (``argument`` says which).

    Examples
    --------
    >>> read_naming_table({"a1": "Maple Court"}).names
    {'a1': 'Maple Court'}
    """
    kind = _AGENTS if argument == "agents" else _COMMUNITIES
    where = "the table"
    if isinstance(table, str | os.PathLike):
        path = Path(table)
        where = str(path)
        frame = _read_file(path, kind)
        return _from_frame(frame, kind, where, first_row=2)
    if isinstance(table, pd.DataFrame):
        return _from_frame(table, kind, where, first_row=None)
    if isinstance(table, pd.Series):
        pairs = list(zip(table.index, table.to_numpy(dtype=object), strict=True))
        return _from_pairs(pairs, [None] * len(pairs), kind, where, rows=None)
    if isinstance(table, Mapping):
        pairs = list(table.items())
        return _from_pairs(pairs, [None] * len(pairs), kind, where, rows=None)
    raise WrongArgumentType(
        f"{argument}= must be a mapping of id to name, a pandas Series or DataFrame, or the "
        f"path of a CSV or Excel file; got {type(table).__name__}.",
        hint=f'For example {argument}={{"191b65d2686d11e9": "Maple Court"}} or '
        f'{argument}="names.csv" (columns id, name).',
    )


# --- reading -----------------------------------------------------------------------------


def _read_file(path: Path, kind: _Kind) -> pd.DataFrame:
    if not path.is_file():
        raise ConfigurationError(
            f"The {kind.argument} naming file {path} does not exist.",
            hint="Check the path (it is read relative to the current folder).",
        )
    suffix = path.suffix.lower()
    try:
        if suffix in _EXCEL_SUFFIXES:
            return pd.read_excel(path, dtype=str, keep_default_na=False)
        # Text, never numbers: a hex id such as 1e51 must not become 1e+51. utf-8-sig reads
        # a file with or without Excel's byte-order mark.
        return pd.read_csv(
            path, dtype=str, keep_default_na=False, encoding="utf-8-sig", sep=None, engine="python"
        )
    except ImportError as exc:
        raise ConfigurationError(
            f"Reading {path.name} needs a spreadsheet reader that is not installed ({exc}).",
            hint="Install it with: pip install 'knock-data[excel]'",
        ) from exc
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise ConfigurationError(
            f"The {kind.argument} naming file {path} could not be read: {exc}",
            hint="Save it as CSV (UTF-8) or .xlsx with an id and a name column.",
        ) from exc


def _header_key(header: object) -> str:
    return _NOISE.sub("_", str(header).strip().lower()).strip("_")


def _find(columns: list[str], wanted: tuple[str, ...], taken: set[str]) -> str | None:
    keys = {_header_key(c): c for c in columns if c not in taken}
    for header in wanted:
        if header in keys:
            return keys[header]
    return None


def _from_frame(frame: pd.DataFrame, kind: _Kind, where: str, first_row: int | None) -> NamingTable:
    columns = [str(c) for c in frame.columns]
    frame = frame.set_axis(columns, axis=1)
    id_col = _find(columns, kind.id_headers, set())
    name_col = _find(columns, kind.name_headers, {id_col} if id_col else set())
    if (id_col is None or name_col is None) and len(columns) == 2:
        id_col, name_col = columns
    if id_col is None or name_col is None:
        raise ConfigurationError(
            f"The {kind.argument} naming table in {where} needs an id and a name column; it "
            f"has {columns}.",
            hint=f"Name them {kind.id_headers[0]!r} (or 'id') and 'name'"
            + (", and optionally 'timezone'." if kind.has_timezone else "."),
        )
    zone_col = _find(columns, _TIMEZONE_HEADERS, {id_col, name_col}) if kind.has_timezone else None
    pairs = list(zip(frame[id_col].tolist(), frame[name_col].tolist(), strict=True))
    zones = frame[zone_col].tolist() if zone_col else [None] * len(pairs)
    rows = None if first_row is None else [first_row + i for i in range(len(pairs))]
    return _from_pairs(pairs, zones, kind, where, rows=rows)


def _text(value: object) -> str | None:
    if is_missing(value):
        return None
    text = str(value).strip()
    return text or None


def _from_pairs(
    pairs: list[tuple[Any, Any]],
    zones: list[Any],
    kind: _Kind,
    where: str,
    rows: list[int] | None,
) -> NamingTable:
    """Checked names (and zones) by id; ``rows`` are the rows a reader would cite."""
    names: dict[str, str] = {}
    timezones: dict[str, str] = {}
    seen: dict[str, int] = {}
    for i, ((raw_id, raw_name), raw_zone) in enumerate(zip(pairs, zones, strict=True)):
        key = _text(raw_id)
        if key is None:
            continue  # a blank line or an unfilled row names nothing
        row = rows[i] if rows is not None else i + 1
        if key in seen:
            place = f"rows {seen[key]} and {row}" if rows is not None else "more than once"
            raise ConfigurationError(
                f"The {kind.argument} naming table in {where} lists id {key!r} twice ({place}).",
                hint="Each id needs exactly one name: remove or merge the duplicate rows.",
            )
        seen[key] = row
        name = _text(raw_name)
        if name is not None:
            names[key] = name
        zone = _text(raw_zone)
        if zone is not None:
            try:
                ZoneInfo(zone)
            except (ZoneInfoNotFoundError, ValueError) as exc:
                at = f"row {row}" if rows is not None else f"id {key!r}"
                raise ConfigurationError(
                    f"The {kind.argument} naming table in {where} gives {at} the time zone "
                    f"{zone!r}, which does not exist.",
                    hint="Use an IANA name such as 'America/Chicago', 'America/New_York', "
                    "'America/Denver', 'America/Los_Angeles' or 'America/Phoenix'.",
                ) from exc
            timezones[key] = zone
    return NamingTable(names, timezones)


# --- writing -----------------------------------------------------------------------------


def _named(ids: pd.Series, table: dict[str, str], *, keep: bool) -> pd.Categorical:
    """Each row's entry in ``table`` as a categorical; an unknown id is itself (``keep``)."""
    codes, uniques = pd.factorize(ids)  # missing ids: code -1
    values = [
        table.get(str(u), str(u) if keep else None) if not is_missing(u) else None for u in uniques
    ]
    present = sorted({v for v in values if v is not None})
    position = {v: i for i, v in enumerate(present)}
    lookup = np.array([-1 if v is None else position[v] for v in values] + [-1], dtype=np.int64)
    mapped = lookup[np.asarray(codes, dtype=np.int64)] if len(codes) else np.zeros(0, np.int64)
    dtype = pd.CategoricalDtype(pd.Index(present, dtype=_CATEGORY_TEXT), ordered=False)
    return pd.Categorical.from_codes(mapped, dtype=dtype)


def _insert(frame: pd.DataFrame, after: str, column: str, values: pd.Categorical) -> None:
    if column in frame.columns:
        del frame[column]
    position = list(frame.columns).index(after) + 1
    frame.insert(position, column, pd.Series(values, index=frame.index))
