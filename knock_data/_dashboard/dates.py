"""The created-date filter in the dashboard's time zone: each row's local day, and the days
the slider and the typed dates offer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from knock_data._analysis import local_created

__all__ = ["CreatedDays"]

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
