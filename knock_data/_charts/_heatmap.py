"""A heatmap with a label in every cell, some cells hatched: cohorts and transitions."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib as mpl
import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import Colormap, Normalize
from matplotlib.patches import Rectangle

__all__ = ["labelled_heatmap"]

_DARK_TEXT, _LIGHT_TEXT = "#252525", "#ffffff"
_HATCH_FACE = "#f0f0f0"


def labelled_heatmap(
    ax: Axes,
    colour: np.ndarray,
    labels: Sequence[Sequence[str]],
    *,
    rows: Sequence[str],
    columns: Sequence[str],
    cmap: str | Colormap,
    norm: Normalize,
    hatched: np.ndarray | None = None,
    outlined: np.ndarray | None = None,
    fontsize: float = 8.5,
) -> Axes:
    """Cells coloured by ``colour`` (``NaN``: white) and labelled with ``labels``.

    ``hatched`` cells are drawn grey and hatched (a value not known yet); ``outlined``
    cells get a dark frame (the diagonal of a transition matrix). Text is dark on light
    cells and white on dark ones, so every label stays readable.
    """
    n_rows, n_cols = colour.shape
    mapped = (mpl.colormaps[cmap] if isinstance(cmap, str) else cmap).with_extremes(bad="white")
    masked = np.ma.masked_invalid(colour)
    ax.imshow(masked, cmap=mapped, norm=norm, aspect="auto", interpolation="nearest")
    for i in range(n_rows):
        for j in range(n_cols):
            value = colour[i, j]
            hatch = hatched is not None and bool(hatched[i, j])
            if hatch:
                ax.add_patch(
                    Rectangle(
                        (j - 0.5, i - 0.5),
                        1,
                        1,
                        facecolor=_HATCH_FACE,
                        edgecolor="#9e9e9e",
                        hatch="///",
                        linewidth=0,
                    )
                )
            dark = not hatch and np.isfinite(value) and _luminance(mapped(float(norm(value)))) < 0.5
            ax.text(
                j,
                i,
                labels[i][j],
                ha="center",
                va="center",
                fontsize=fontsize,
                color=_LIGHT_TEXT if dark else _DARK_TEXT,
                bbox={"facecolor": "white", "alpha": 0.85, "edgecolor": "none", "pad": 1}
                if hatch
                else None,
            )
            if outlined is not None and outlined[i, j]:
                ax.add_patch(
                    Rectangle(
                        (j - 0.5, i - 0.5), 1, 1, fill=False, edgecolor="#252525", linewidth=1.2
                    )
                )
    ax.set_xticks(np.arange(n_cols), list(columns), rotation=30, ha="right")
    ax.set_yticks(np.arange(n_rows), list(rows))
    ax.set_xticks(np.arange(n_cols + 1) - 0.5, minor=True)
    ax.set_yticks(np.arange(n_rows + 1) - 0.5, minor=True)
    ax.grid(which="minor", color="white", linewidth=1.5)
    ax.tick_params(which="minor", length=0)
    ax.tick_params(which="major", length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    return ax


def _luminance(rgba: tuple[float, float, float, float]) -> float:
    red, green, blue = rgba[:3]
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue
