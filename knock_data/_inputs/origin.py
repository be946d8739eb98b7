"""Where ids came from, so that each can be named as the analyst finds it in their file."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

__all__ = ["IdList", "Origin"]


@dataclass(frozen=True)
class Origin:
    """Where a sequence of ids came from.

    Attributes
    ----------
    source
        How messages name it: ``ids.csv``, ``sheet 'Leads' of leads.xlsx``; None for the
        caller's own list.
    unit
        What a position counts: ``line`` (a text file's), ``row`` (a sheet's or a table's)
        or ``item`` (the n-th value given).
    positions
        The position of each id, from 1; None means the n-th item is at ``n``.
    """

    source: str | None = None
    unit: str = "item"
    positions: Sequence[int] | None = field(default=None, repr=False, compare=False)

    def position(self, index: int) -> int:
        """The position of the id at ``index`` (from 0) as the analyst sees it (from 1)."""
        return self.positions[index] if self.positions is not None else index + 1

    def describe(self, index: int) -> str:
        """``Line 7 of ids.csv``, ``Row 12 of sheet 'Leads' of leads.xlsx``, ``Item 3 of the
        input``."""
        where = self.source or "the input"
        return f"{self.unit.capitalize()} {self.position(index):,} of {where}"


class IdList(list[str]):
    """The ids :func:`knock_data.read_ids` read from a file: a list of ``str``, one per row,
    that also says where each came from.

    Attributes
    ----------
    source : str or None
        The file (``ids.csv``) or the sheet (``sheet 'Leads' of leads.xlsx``) read.
    sheet : str or None
        The sheet's name, for a workbook.
    column : str or None
        The id column's header as written in the file; None when the file has no header.
    sep : str or None
        The separator of a text file's columns; None for one column or a workbook.
    positions : list of int
        Each id's line (text files) or row number (sheets), as the analyst sees them.
    unit : str
        ``"line"`` or ``"row"``: what :attr:`positions` count.

    Examples
    --------
    >>> ids = IdList(["1004", "51316"], origin=Origin("ids.csv", "line", [2, 3]))
    >>> ids == ["1004", "51316"], ids.positions
    (True, [2, 3])
    """

    def __init__(
        self,
        ids: Iterable[str] = (),
        *,
        origin: Origin | None = None,
        sheet: str | None = None,
        column: str | None = None,
        sep: str | None = None,
    ) -> None:
        super().__init__(ids)
        self.origin = origin or Origin()
        self.sheet = sheet
        self.column = column
        self.sep = sep

    @property
    def source(self) -> str | None:
        return self.origin.source

    @property
    def unit(self) -> str:
        return self.origin.unit

    @property
    def positions(self) -> list[int]:
        return [self.origin.position(i) for i in range(len(self))]
