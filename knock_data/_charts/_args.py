"""What every chart checks first: a frame to draw, and an Axes (or none) to draw it on.

Options after the frame are keyword-only (``plot_leads_over_time(df, freq="W")``): a value
passed by position, a wrong ``ax`` or a frame that is not one fails here with a
:class:`~knock_data.WrongArgumentType` naming the argument and the options there are,
before anything is computed.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, TypeVar

import pandas as pd
from matplotlib.axes import Axes

from knock_data._exceptions import WrongArgumentType

__all__ = ["checks_frame_and_ax"]

_Plot = TypeVar("_Plot", bound=Callable[..., Axes])


def checks_frame_and_ax(plot: _Plot) -> _Plot:
    """Wrap a ``plot_*(df, *, ax=None, ...)`` function with the checks of its arguments."""
    name = plot.__name__
    keywords = [p for p in inspect.signature(plot).parameters if p != "df"]

    @functools.wraps(plot)
    def checked(df: Any, /, *args: Any, **options: Any) -> Axes:
        if args:
            raise WrongArgumentType(
                f"{name} takes the frame, then its options by keyword ({', '.join(keywords)}); "
                f"got {len(args)} more value{'s' * (len(args) > 1)} by position: "
                f"{', '.join(repr(a) for a in args):.60}.",
                hint=f"For example {name}(df, {keywords[1]}=...).",
            )
        if not isinstance(df, pd.DataFrame):
            raise WrongArgumentType(
                f"{name} needs a pandas DataFrame, got {type(df).__name__}.",
                hint="Build one with knock_data.to_frame(records), or use FetchResult.frame.",
            )
        ax = options.get("ax")
        if ax is not None and not isinstance(ax, Axes):
            raise WrongArgumentType(
                f"{name}: ax must be a matplotlib Axes, or None for a new figure; got "
                f"{type(ax).__name__} {ax!r:.40}.",
                hint="Pass the other options by keyword, after the frame.",
            )
        return plot(df, *args, **options)

    return checked  # type: ignore[return-value]
