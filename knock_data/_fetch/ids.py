"""Prospect ids: normalise what analysts bring (Excel floats, padded text) and read id files.

Knock only accepts a prospect id made of digits (:func:`normalize_id`). :func:`read_ids`
reads them from a file (the rules are :mod:`knock_data._inputs`'), a pandas object or any
iterable; :func:`normalize_ids` prepares many for a batch, each valid one once, with every
invalid one kept apart at its position in the input.
"""

from __future__ import annotations

import numbers
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, overload

from knock_data._exceptions import InvalidProspectId, WrongArgumentType
from knock_data._inputs import IdList, IdTable, Origin, read_id_file
from knock_data._inputs.cells import MAX_ID_DIGITS, as_text, normalize_id

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["ID_FRAME", "IdList", "NormalizedIds", "normalize_id", "normalize_ids", "read_ids"]

#: The key of ``DataFrame.attrs`` that marks a frame made by ``read_ids(..., keep=True)``,
#: so that :meth:`KnockClient.fetch_prospects` takes it whole: its ``prospect_id`` column,
#: and its ``position`` column for the errors.
ID_FRAME = "knock_data.read_ids"
_KEY, _POSITION = "prospect_id", "position"


@dataclass(frozen=True)
class NormalizedIds:
    """Ids ready to send, and what was refused.

    ``ids`` holds each valid id once, in order of first appearance; ``invalid`` holds
    ``(index, error)`` pairs for the values that are not ids; ``positions`` maps each id to
    the index where it first appears; ``origin`` names an index as the analyst sees it.
    """

    ids: list[str]
    invalid: list[tuple[int, InvalidProspectId]]
    positions: dict[str, int]
    origin: Origin = field(default_factory=Origin)
    n_values: int = 0

    @property
    def n_duplicates(self) -> int:
        """Valid values that repeat an id seen before (each id is fetched once)."""
        return self.n_values - len(self.invalid) - len(self.ids)


def normalize_ids(values: Iterable[Any], *, origin: Origin | None = None) -> NormalizedIds:
    """Normalise many ids at once: each valid id once, in input order; invalid ones apart.

    ``values`` may also be a frame made by ``read_ids(..., keep=True)``, whose rows' own
    positions then name them. ``origin`` says where the values came from, for the messages
    (by default: their item numbers).

    Examples
    --------
    >>> normalize_ids([1004, "1004", " 7 ", "x"]).ids
    ['1004', '7']
    """
    if isinstance(values, str | bytes | numbers.Integral):
        values = [values]  # one id, not its characters
    elif hasattr(values, "columns"):  # a DataFrame iterates over its column names
        frame: Any = values
        if ID_FRAME not in frame.attrs or _KEY not in frame or _POSITION not in frame:
            raise WrongArgumentType(
                "Expected prospect ids, got a whole table: pass its id column "
                "(df['prospect_id']) or read_ids(df), which finds it."
            )
        marked = frame.attrs[ID_FRAME]
        origin = Origin(marked.get("source"), marked.get("unit", "row"), frame[_POSITION].tolist())
        values = frame[_KEY].tolist()
    elif not isinstance(values, Iterable) or isinstance(values, Mapping):
        raise WrongArgumentType(
            f"Expected a list (or other iterable) of prospect ids, got {type(values).__name__}"
            f" {values!r:.60}. For one prospect use KnockClient.get_prospect(id); for a file,"
            " read_ids(path)."
        )
    origin = origin or Origin()
    if isinstance(values, list) and _clean_digit_strings(values):
        # The usual list, every id clean digits: the same answer at C speed (a million ids
        # in about 0.1 s where the loop below takes 0.8).
        first_index = dict(zip(reversed(values), range(len(values) - 1, -1, -1), strict=True))
        ids = list(dict.fromkeys(values))
        return NormalizedIds(ids, [], first_index, origin, len(values))
    positions: dict[str, int] = {}
    invalid: list[tuple[int, InvalidProspectId]] = []
    n_values = 0
    for index, value in enumerate(values):
        n_values += 1
        # Fast path for the common case: clean digit strings.
        if (
            type(value) is str
            and value.isascii()
            and value.isdigit()
            and len(value) <= MAX_ID_DIGITS
        ):
            key = value
        else:
            try:
                key = normalize_id(value)
            except InvalidProspectId as error:
                # Say where it is: a blank or a typo is found by its row, not its value.
                error.message = f"{origin.describe(index)}: {error.message}"
                invalid.append((index, error))
                continue
        positions.setdefault(key, index)
    return NormalizedIds(list(positions), invalid, positions, origin, n_values)


def _clean_digit_strings(values: list[Any]) -> bool:
    """Every value a ``str`` of 1 to 19 ASCII digits (what the loop's fast path takes)."""
    if not values or set(map(type, values)) != {str}:
        return False
    lengths = set(map(len, values))
    joined = "".join(values)
    return (
        min(lengths) >= 1
        and max(lengths) <= MAX_ID_DIGITS
        and joined.isascii()
        and joined.isdigit()
    )


def origin_of(ids: Any) -> Origin | None:
    """Where ``ids`` came from, when :func:`read_ids` read them (None otherwise)."""
    return ids.origin if isinstance(ids, IdList) else None


@overload
def read_ids(
    source: Any,
    column: str | None = ...,
    *,
    sep: str | None = ...,
    sheet: str | int | None = ...,
    header_row: int | None = ...,
    keep: Literal[False] = ...,
) -> IdList: ...
@overload
def read_ids(
    source: Any,
    column: str | None = ...,
    *,
    sep: str | None = ...,
    sheet: str | int | None = ...,
    header_row: int | None = ...,
    keep: Literal[True],
) -> pd.DataFrame: ...
def read_ids(
    source: Any,
    column: str | None = None,
    *,
    sep: str | None = None,
    sheet: str | int | None = None,
    header_row: int | None = None,
    keep: bool = False,
) -> IdList | pd.DataFrame:
    """Read prospect ids from a file, a pandas object or any iterable.

    Parameters
    ----------
    source
        A path to a CSV or other delimited text file (``,``, ``;``, tab or ``|``, in UTF-8,
        UTF-16 with a byte-order mark or Windows-1252), a text file with one id per line
        (its first line may be a header), an Excel workbook (``.xlsx``, ``.xlsm``) or an
        OpenDocument spreadsheet (``.ods``) (both need the ``excel`` extra:
        ``pip install 'knock-data[excel]'``); a pandas Series or DataFrame; or any
        iterable of ids. A file is read by what it holds, not by its suffix: Numbers
        documents, zip archives, PDFs and other binary files are refused.
    column
        The column holding the ids, by its header as written (``"Prospect ID"``; a loose
        match such as ``"prospect id"`` is taken when only one column matches). By default
        ``prospect_id``, ``prospectId``, ``Prospect ID`` or ``ID`` (in any case), or the
        only column there is.
    sep
        The character between a text file's columns; by default the one its shape shows
        (a file two separators could split is refused, naming both).
    sheet
        A workbook's sheet, by name or position (from 0); by default the first sheet with
        an id column.
    header_row
        The line (text) or row (sheet) holding the column names, counting from 1 as the
        file shows them; by default the first row, among the first 50, holding ``column``
        or a known id header (so a title block above the table is skipped), else the
        first filled row.
    keep
        Return a DataFrame of the whole table instead: ``position`` (the line or row),
        ``prospect_id`` (the id as the list gives it), then the file's own columns, so
        fetched prospects can be joined back to the analyst's sheet on ``prospect_id``.

    Returns
    -------
    IdList or pandas.DataFrame
        One entry per row, in file order, duplicates kept; blank lines and rows before
        the first id and after the last are skipped. Valid ids come back normalised
        (``1004.0`` is ``"1004"``); anything else is kept as text, a blank or missing cell
        as ``""``, so that :meth:`KnockClient.fetch_prospects` reports it as an
        ``invalid_id`` error at its line or row and no row is lost without a word.
        The :class:`IdList` is a plain ``list`` of ``str`` that also says where each id was
        (``positions``, ``source``, ``sheet``, ``column``).

    Raises
    ------
    ConfigurationError
        When the file is not one of ids, or its id column, separator or sheet cannot be
        told; the message lists the columns (or sheets) found and the options to pass.
    FileNotFoundError
        When the file does not exist.

    Examples
    --------
    >>> read_ids([1004.0, " 47569637 ", None, "51316"])
    ['1004', '47569637', '', '51316']
    >>> import pandas as pd
    >>> sheet = read_ids(pd.DataFrame({"Prospect ID": [1004.0, None], "Unit": ["4B", "2A"]}),
    ...                  keep=True)
    >>> sheet.values.tolist()
    [[1, '1004', 1004.0, '4B'], [2, '', nan, '2A']]
    """
    if not isinstance(keep, bool):
        raise WrongArgumentType(f"keep must be True or False, got {keep!r}.")
    if column is not None and not isinstance(column, str):
        raise WrongArgumentType(
            f"column must be the id column's name as text, got {type(column).__name__} {column!r}."
        )
    if isinstance(source, str | os.PathLike):
        path = Path(source).expanduser()
        table = read_id_file(path, column=column, sep=sep, sheet=sheet, header_row=header_row)
        return _from_table(table, keep)
    if sep is not None or sheet is not None or header_row is not None:
        raise WrongArgumentType(
            "sep=, sheet= and header_row= are for files; got a "
            f"{type(source).__name__}. Pass a path, or pick the column yourself."
        )
    import pandas as pd

    if isinstance(source, bytes) or not isinstance(source, Iterable | pd.DataFrame):
        raise WrongArgumentType(
            f"read_ids takes a path, a pandas Series or DataFrame or a list of ids; got "
            f"{type(source).__name__} {source!r:.60}."
        )
    if isinstance(source, pd.DataFrame):
        return _from_frame(source, column, keep)
    values = source.tolist() if isinstance(source, pd.Series | pd.Index) else list(source)
    ids = IdList([as_text(v) for v in values])
    if keep:
        return _kept(pd.DataFrame({"value": values}).iloc[:, :0], ids, "item")
    return ids


def _from_table(table: IdTable, keep: bool) -> IdList | pd.DataFrame:
    located = table.located
    index = located.index
    ids = IdList(
        [as_text(cells[index]) if index < len(cells) else "" for _, cells in located.rows],
        origin=table.origin,
        sheet=table.sheet,
        column=located.column,
        sep=table.sep,
    )
    if not keep:
        return ids
    import pandas as pd

    width = len(located.names)
    cells = [list(row[:width]) + [None] * (width - len(row)) for _, row in located.rows]
    frame = pd.DataFrame(cells, columns=_unique(located.names), dtype=object)
    frame = frame.infer_objects()
    return _kept(frame, ids, table.origin.unit, table.origin.source, located.column)


def _from_frame(frame: pd.DataFrame, column: str | None, keep: bool) -> IdList | pd.DataFrame:
    from knock_data._inputs.locate import pick_column

    original = frame.columns[
        pick_column([str(c) for c in frame.columns], column, where="the DataFrame")
    ]
    ids = IdList([as_text(v) for v in frame[original].tolist()], column=str(original))
    return _kept(frame, ids, "row", None, str(original)) if keep else ids


def _kept(
    frame: pd.DataFrame,
    ids: IdList,
    unit: str,
    source: str | None = None,
    column: str | None = None,
) -> pd.DataFrame:
    """``position``, ``prospect_id``, then the input's own columns (renamed ``<name>_input``
    where they would clash, unless the clash is the id column itself)."""
    import pandas as pd

    from knock_data._schema import PROSPECT_ID

    kept = frame.reset_index(drop=True).copy()
    renames = {
        name: f"{name}_input"
        for name in kept.columns
        if name in (_POSITION, PROSPECT_ID) and not (name == PROSPECT_ID and name == column)
    }
    kept = kept.rename(columns=renames).drop(columns=[PROSPECT_ID], errors="ignore")
    kept.insert(0, PROSPECT_ID, pd.Series(list(ids), dtype="string[pyarrow]"))
    kept.insert(0, _POSITION, pd.Series(ids.positions, dtype="Int64"))
    kept.attrs[ID_FRAME] = {"source": source, "unit": unit, "column": column}
    return kept


def _unique(names: list[str]) -> list[str]:
    """Column names made unique as pandas does: a second ``Name`` is ``Name.1``."""
    seen: dict[str, int] = {}
    unique = []
    for name in names:
        count = seen.get(name, 0)
        seen[name] = count + 1
        unique.append(name if not count else f"{name}.{count}")
    return unique
