"""Delimited text: which separator a file uses, and its rows with the line each starts on.

Excel writes CSV with commas in some countries and with semicolons in most of Europe, where
the comma is the decimal mark (``1.250,50``); "Unicode Text" is tab-separated; some systems
use ``|``. Reading a semicolon file by commas splits ``1.250,50`` into two columns, one of
which (``50``) looks like an id: a silent wrong answer. So the separator is chosen by the
table's shape, never by what the cells look like:

- a separator is a candidate when it splits the header into several columns and most rows
  below it into no more columns than the header has;
- one candidate is the answer; several are narrowed to those whose header names the id
  column; still several is an error naming each with the columns it gives;
- no candidate means one column, each line a cell, unless a separator splits the header but
  most rows into more columns than it has (an error naming those lines), or most lines hold
  a separator the header lacks (a header that does not match its table), also an error.

After the choice, a row with more values than its header (a value holding the separator
without quotes) is an error naming its line, since which of its cells is the id can no
longer be told.
"""

from __future__ import annotations

import contextlib
import csv
import io
import re
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from knock_data._exceptions import ConfigurationError
from knock_data._inputs.cells import ID_HEADERS, header_key, is_blank
from knock_data._inputs.locate import Row, find_header

__all__ = ["SEPARATORS", "read_delimited", "split_lines"]

#: The separators tried, in the order messages list them.
SEPARATORS = (",", ";", "\t", "|")
# How much of a file decides the separator (the rest is read with it and checked).
_SAMPLE_CHARS = 256 * 1024
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
# The csv module's field size limit, raised while text is parsed (see _fields_as_long_as).
_LIMIT_LOCK = threading.Lock()
_raised = 0
_restore = 0


@dataclass(frozen=True)
class _Reading:
    """A sample read with one separator: its header's cells and the rows wider than it."""

    separator: str
    header: Sequence[str]
    header_line: int
    wider: list[Row]
    n_data: int

    @property
    def splits(self) -> bool:
        """It splits the header, and most rows into no more columns than the header has
        (the rest are refused by the full read, naming their line)."""
        return len(self.header) > 1 and 2 * len(self.wider) < max(self.n_data, 1)


def read_delimited(
    text: str,
    *,
    where: str,
    sep: str | None = None,
    column: str | None = None,
    header_row: int | None = None,
    prefer: str | None = None,
) -> tuple[list[Row], str | None]:
    """The rows of ``text`` and the separator used (None: one column, a cell per line).

    Parameters
    ----------
    text
        The decoded file.
    where
        The file's name, for messages.
    sep
        The separator; by default chosen as the module describes.
    column, header_row
        As given to :func:`knock_data.read_ids`: they say where the header is.
    prefer
        The separator the file's suffix promises (``.tsv``: tab), preferred on a tie.

    Raises
    ------
    ConfigurationError
        When the separator cannot be told, or a row has more values than its header.
    """
    if sep is None:
        sep = _choose(text, where=where, column=column, header_row=header_row, prefer=prefer)
        if sep is None:
            return split_lines(text), None
    rows = _parse(text, sep, where)
    _check_widths(rows, sep, where=where, column=column, header_row=header_row)
    return rows, sep


def split_lines(text: str) -> list[Row]:
    """One cell per line (a blank line has none); a cell in double quotes loses them.

    Examples
    --------
    >>> split_lines('1004\\n""\\n\\n"51316"')
    [(1, ('1004',)), (2, ('',)), (3, ()), (4, ('51316',))]
    """
    lines = _LINE_BREAK.split(text)
    while lines and not lines[-1]:
        lines.pop()
    # Tuples, not lists: a million rows of them do not keep the garbage collector busy.
    if '"' not in text:
        return [(n, (line.strip(),) if line else ()) for n, line in enumerate(lines, 1)]
    return [(n, (_unquoted(line.strip()),) if line else ()) for n, line in enumerate(lines, 1)]


def _unquoted(cell: str) -> str:
    if len(cell) >= 2 and cell[0] == cell[-1] == '"':
        return cell[1:-1].replace('""', '"')
    return cell


def _parse(text: str, sep: str, where: str) -> list[Row]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
    rows: list[Row] = []
    line = 1
    with _fields_as_long_as(len(text)):
        try:
            for cells in reader:
                rows.append((line, tuple(cells)))  # tuples keep the garbage collector idle
                line = reader.line_num + 1
        except csv.Error as error:
            raise ConfigurationError(
                f"Line {line:,} of {where} cannot be read: {error}.",
                hint="Check that line's quotes, or save the file again from your spreadsheet.",
            ) from None
    return rows


@contextlib.contextmanager
def _fields_as_long_as(n_chars: int) -> Iterator[None]:
    """Let a cell be as long as the whole text while parsing it, then restore the limit.

    The csv module refuses a field over its limit (131,072 characters by default): a long
    note in one cell would otherwise fail every separator and be read as one column. The
    limit is process-wide, so it is raised (never lowered) under a lock, and restored when
    the last parse that raised it ends.
    """
    global _raised, _restore
    with _LIMIT_LOCK:
        if _raised == 0:
            _restore = csv.field_size_limit()
        _raised += 1
        csv.field_size_limit(max(csv.field_size_limit(), n_chars + 1))
    try:
        yield
    finally:
        with _LIMIT_LOCK:
            _raised -= 1
            if _raised == 0:
                csv.field_size_limit(_restore)


def _width(cells: Sequence[str]) -> int:
    """How many values a row holds, not counting blank ones at its end."""
    n = len(cells)
    while n and is_blank(cells[n - 1]):
        n -= 1
    return n


def _read_sample(
    sample: list[Row], sep: str, *, where: str, column: str | None, header_row: int | None
) -> _Reading | None:
    if all(all(is_blank(c) for c in cells) for _, cells in sample):
        return None
    top, _ = find_header(sample, where=where, unit="line", column=column, header_row=header_row)
    line, header = sample[top]
    data = [row for row in sample[top + 1 :] if _width(row[1])]
    wider = [row for row in data if _width(row[1]) > len(header)]
    return _Reading(sep, header, line, wider, len(data))


def _choose(
    text: str, *, where: str, column: str | None, header_row: int | None, prefer: str | None
) -> str | None:
    sample_text = text
    cut = len(text) > _SAMPLE_CHARS and header_row is None
    if cut:
        sample_text = text[: text.rfind("\n", 0, _SAMPLE_CHARS) + 1] or text[:_SAMPLE_CHARS]
    readings: list[_Reading] = []
    for sep in SEPARATORS:
        try:
            sample = _parse(sample_text, sep, where)
        except ConfigurationError:
            continue  # a quote this separator cannot make sense of: not this one
        if cut and sample:
            sample = sample[:-1]  # the last row may be cut short
        reading = _read_sample(sample, sep, where=where, column=column, header_row=header_row)
        if reading is None:
            return None  # nothing but blank lines
        readings.append(reading)
    splitting = [r for r in readings if r.splits]
    if len(splitting) > 1:
        named = [r for r in splitting if _names_ids(r.header, column)]
        splitting = named or splitting
    if len(splitting) > 1 and prefer in [r.separator for r in splitting]:
        splitting = [r for r in splitting if r.separator == prefer]
    if len(splitting) == 1:
        return splitting[0].separator
    if splitting:
        ways = "; ".join(
            f"by {r.separator!r} it has the columns {list(r.header)}" for r in splitting
        )
        options = " or ".join(f"sep={r.separator!r}" for r in splitting)
        raise ConfigurationError(
            f"Cannot tell how {where} is separated: {ways}.",
            hint=f"Pass {options} (the one your file uses).",
        )
    for reading in readings:
        # A header this separator splits, over rows mostly wider than it: values holding the
        # separator without quotes (say which lines), not a header that lacks it.
        if len(reading.header) > 1 and 2 * len(reading.wider) >= max(reading.n_data, 1):
            sep = reading.separator
            # The whole file, so that the message counts every such line, not the sample's.
            _check_widths(
                _parse(text, sep, where), sep, where=where, column=column, header_row=header_row
            )
            raise _too_wide(reading.wider, sep, where, reading.header_line, len(reading.header))
    for reading in readings:
        if reading.n_data and 2 * len(reading.wider) >= reading.n_data:
            first_line, first_cells = reading.wider[0]
            raise ConfigurationError(
                f"Most lines of {where} hold {reading.separator!r} (line {first_line:,} has "
                f"{_width(first_cells)} values), but its header (line {reading.header_line:,}: "
                f"{reading.header[0]!r:.60}) does not.",
                hint=f"If the file is separated by {reading.separator!r}, pass "
                f"sep={reading.separator!r} and header_row= with the line that holds the column "
                "names, or put the column names on the first line.",
            )
    return None


def _names_ids(header: Sequence[str], column: str | None) -> bool:
    wanted = {header_key(column)} if column is not None else set(ID_HEADERS)
    return any(header_key(cell) in wanted or cell.strip() == column for cell in header)


def _check_widths(
    rows: list[Row], sep: str, *, where: str, column: str | None, header_row: int | None
) -> None:
    if all(all(is_blank(c) for c in cells) for _, cells in rows):
        return
    top, _ = find_header(rows, where=where, unit="line", column=column, header_row=header_row)
    header_line, header = rows[top]
    wider = [(line, cells) for line, cells in rows[top + 1 :] if _width(cells) > len(header)]
    if wider:
        raise _too_wide(wider, sep, where, header_line, len(header))


#: How many too-wide lines a message names.
_NAMED_LINES = 5


def _too_wide(
    wider: Sequence[Row], sep: str, where: str, header_line: int, n_header: int
) -> ConfigurationError:
    """The error for rows with more values than their header (``wider``, in file order)."""
    hint = (
        "Put that value in quotes (or remove the extra separator) and read the file again, or "
        "pass sep= with the separator the file uses."
    )
    if len(wider) == 1:
        line, cells = wider[0]
        return ConfigurationError(
            f"Line {line:,} of {where} has {_width(cells)} values separated by {sep!r} where "
            f"its header (line {header_line:,}) has {n_header}: a value holding {sep!r} "
            "without quotes was split, so which one is the id cannot be told.",
            hint=hint,
        )
    named = ", ".join(f"line {line:,} has {_width(cells)}" for line, cells in wider[:_NAMED_LINES])
    more = f" and {len(wider) - _NAMED_LINES:,} more" if len(wider) > _NAMED_LINES else ""
    return ConfigurationError(
        f"{len(wider):,} lines of {where} have more values separated by {sep!r} than its "
        f"header (line {header_line:,}) has ({n_header}): {named}{more}. Values holding "
        f"{sep!r} without quotes were split, so which one is the id cannot be told.",
        hint=hint.replace("that value", "those values"),
    )
