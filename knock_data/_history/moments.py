"""Moments as the history reads them: a datetime, a day or ISO-8601 text, naive being UTC."""

from __future__ import annotations

from datetime import date, datetime

import numpy as np
import pandas as pd

from knock_data._exceptions import ConfigurationError, WrongArgumentType

__all__ = ["parse_moment"]


def parse_moment(value: object, name: str = "moment") -> datetime:
    """A moment as an aware UTC datetime: a datetime, a day (its midnight) or ISO-8601 text.

    Raises
    ------
    WrongArgumentType
        For a value of another kind (a number, a list).
    ConfigurationError
        For text that is no moment.

    Examples
    --------
    >>> parse_moment("2021-11-02").isoformat()
    '2021-11-02T00:00:00+00:00'
    """
    if not isinstance(value, datetime | date | str | np.datetime64):
        raise WrongArgumentType(
            f"{name} must be a datetime, a date or ISO-8601 text, got "
            f"{type(value).__name__} {value!r:.40}.",
            hint="For example '2021-11-02T09:30Z' or server.now.",
        )
    try:
        stamp = pd.Timestamp(value)
    except (TypeError, ValueError) as error:
        raise ConfigurationError(
            f"{name} is not a moment: {value!r} ({error}).",
            hint="Use a tz-aware datetime, a date, or ISO-8601 text such as '2021-11-02T09:30Z'.",
        ) from None
    if stamp is pd.NaT:
        raise ConfigurationError(f"{name} is missing (NaT).", hint="Pass a real moment.")
    if stamp.tzinfo is None:
        stamp = stamp.tz_localize("UTC")
    return stamp.tz_convert("UTC").to_pydatetime()
