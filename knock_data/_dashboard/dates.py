"""The created-date filter in the dashboard's time zone: each row's local day
(:class:`CreatedDays`), and the slider and typed days kept in step (:class:`CreatedRange`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd

from knock_data._analysis import local_created

__all__ = ["CreatedDays", "CreatedRange"]

_EPOCH = date(1970, 1, 1)


@dataclass(frozen=True)
class CreatedDays:
    """When each row was created, as a local calendar day of one time zone.

    Attributes
    ----------
    tz
        The zone (an IANA name, or ``"community"`` for each row's community's).
    numbers
        Each row's local day as days since 1970-01-01 (meaningless where not ``dated``).
    dated
        Which rows have a ``created_at``.
    days
        Every day from the first lead's to the last's: what the slider offers.
    """

    tz: str
    numbers: np.ndarray
    dated: np.ndarray
    days: tuple[date, ...]

    @classmethod
    def of(cls, df: pd.DataFrame, tz: str) -> CreatedDays:
        """The local days of ``df``'s rows in ``tz``.

        Examples
        --------
        >>> import pandas as pd
        >>> df = pd.DataFrame({"created_at": pd.to_datetime(["2021-01-10T03:00Z"], utc=True)})
        >>> CreatedDays.of(df, "UTC").days, CreatedDays.of(df, "America/Chicago").days
        ((datetime.date(2021, 1, 10),), (datetime.date(2021, 1, 9),))
        """
        local = local_created(df, tz, "Dashboard").days()
        dated = ~np.isnat(local)
        numbers = np.where(dated, local.astype("datetime64[D]").astype(np.int64), 0)
        if not dated.any():
            return cls(tz, numbers, dated, ())
        first, last = int(numbers[dated].min()), int(numbers[dated].max())
        days = tuple(_EPOCH + timedelta(days=n) for n in range(first, last + 1))
        return cls(tz, numbers, dated, days)

    def between(self, first: date, last: date) -> np.ndarray:
        """The rows created from ``first`` to ``last`` (both whole days included)."""
        lo, hi = (first - _EPOCH).days, (last - _EPOCH).days
        return self.dated & (self.numbers >= lo) & (self.numbers <= hi)

    def index_of(self, day: date) -> int:
        """The slider position of ``day``, clamped to the days there are."""
        if not self.days:
            return 0
        position = (day - self.days[0]).days
        return min(max(position, 0), len(self.days) - 1)


class CreatedRange:
    """The created filter's controls kept in step: a slider of days and typed first and last
    days, in a time zone that may change.

    The slider holds the choice (``Dashboard.controls["created"]``): typing a day moves it,
    moving it rewrites the typed days, and a new time zone offers that zone's days while
    keeping the days chosen. ``days_in(zone)`` gives the :class:`CreatedDays` of a zone.
    """

    def __init__(
        self,
        slider: Any,
        start: Any,
        end: Any,
        days_in: Callable[[str], CreatedDays],
        zone: str,
    ) -> None:
        self.slider, self.start, self.end = slider, start, end
        self._days_in = days_in
        self.zone = zone
        for picker in (start, end):
            picker.observe(self._on_typed, names="value")
        slider.observe(self._on_slider, names="value")

    @property
    def days(self) -> CreatedDays:
        """The created days in the current zone."""
        return self._days_in(self.zone)

    def shown(self) -> tuple[date | None, date | None]:
        """The first and last day the slider holds (``None`` without dates)."""
        if not self.days.days:
            return None, None
        first, last = self.slider.value
        return first, last

    def chosen(self) -> tuple[date, date] | None:
        """The days chosen, or ``None`` while the whole range is (so undated rows stay)."""
        days = self.days.days
        if not days or tuple(self.slider.index) == (0, len(days) - 1):
            return None
        first, last = self.slider.value
        return first, last

    def whole(self) -> None:
        """Choose every day."""
        if self.days.days:
            self.slider.index = (0, len(self.days.days) - 1)

    def rezone(self, zone: str) -> None:
        """Offer ``zone``'s days, keeping the days chosen (or the whole range)."""
        chosen = self.chosen()
        self.zone = zone
        days = self.days
        self.slider.options = [(d.isoformat(), d) for d in days.days] or [("no dates", None)]
        if days.days:
            if chosen is None:
                self.slider.index = (0, len(days.days) - 1)
            else:
                self.slider.index = (days.index_of(chosen[0]), days.index_of(chosen[1]))
        for picker in (self.start, self.end):
            picker.min = days.days[0] if days.days else None
            picker.max = days.days[-1] if days.days else None
        self._show_typed()

    def close(self) -> None:
        """Stop keeping the controls in step."""
        for picker in (self.start, self.end):
            picker.unobserve(self._on_typed, names="value")
        self.slider.unobserve(self._on_slider, names="value")

    def _on_slider(self, _change: Any) -> None:
        self._show_typed()

    def _show_typed(self) -> None:
        first, last = self.shown()
        for picker, day in ((self.start, first), (self.end, last)):
            picker.unobserve(self._on_typed, names="value")
            try:
                picker.value = day
            finally:
                picker.observe(self._on_typed, names="value")

    def _on_typed(self, _change: Any) -> None:
        """A typed day moves the slider (clamped to the days there are; either order)."""
        days = self.days
        if not days.days:
            return
        start = self.start.value or days.days[0]
        end = self.end.value or days.days[-1]
        lo, hi = sorted((days.index_of(start), days.index_of(end)))
        if tuple(self.slider.index) == (lo, hi):
            self._show_typed()  # a day outside the range, held at its edge
        else:
            self.slider.index = (lo, hi)
