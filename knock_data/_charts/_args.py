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

_Plot = TypeVar("_Plot", bound=Callable[..., Any])


# What each chart's first argument is, by its name, and where to get one.
_WANTED = {
    "df": "Build one with knock_data.to_frame(records), or use FetchResult.frame.",
    "versions": "Pass a history's versions: knock_data.History(path).versions().",
    "stage_dates": "Pass knock_data.stage_dates(history.versions()).",
    "data": "Pass a prospect frame (FetchResult.frame), or a history's "
    "knock_data.stage_dates(history.versions()).",
}


def checks_frame_and_ax(plot: _Plot) -> _Plot:
    """Wrap a ``plot_*(df, *, ax=None, ...)`` function with the checks of its arguments."""
    name = plot.__name__
    parameters = list(inspect.signature(plot).parameters.values())
    # The frame and any other value a chart needs (plot_demand's field) come by position.
    positional = [p.name for p in parameters if p.kind is p.POSITIONAL_OR_KEYWORD][1:]
    keywords = [p.name for p in parameters if p.kind is p.KEYWORD_ONLY]
    example = next((k for k in keywords if k not in ("ax", "fig")), "ax")
    wanted = _WANTED.get(parameters[0].name, _WANTED["df"])

    @functools.wraps(plot)
    def checked(df: Any, /, *args: Any, **options: Any) -> Any:
        if len(args) > len(positional):
            extra = args[len(positional) :]
            before = "".join(f", {p}" for p in positional)
            raise WrongArgumentType(
                f"{name} takes the frame{before}, then its options by keyword "
                f"({', '.join(keywords)}); got {len(extra)} more value"
                f"{'s' * (len(extra) > 1)} by position: {', '.join(repr(a) for a in extra):.60}.",
                hint=f"For example {name}(df{before}, {example}=...).",
            )
        if not isinstance(df, pd.DataFrame):
            raise WrongArgumentType(
                f"{name} needs a pandas DataFrame, got {type(df).__name__}.",
                hint=wanted,
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
