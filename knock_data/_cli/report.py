"""The demo's report: the breakdown tables and the five charts written as PNG files, and the
movement charts of a history."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from knock_data._analysis import consent_breakdown, funnel, source_breakdown, status_breakdown

__all__ = ["breakdown_tables", "write_charts", "write_movement_charts"]


def breakdown_tables(df: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The status, source, consent and funnel tables of a prospect frame, by name.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"status": ["new"], "source_title": ["Zillow"], "sms_consent": [True]})
    >>> list(breakdown_tables(df))
    ['status', 'sources', 'consent', 'funnel']
    """
    return {
        "status": status_breakdown(df),
        "sources": source_breakdown(df),
        "consent": consent_breakdown(df),
        "funnel": funnel(df),
    }


def write_charts(df: pd.DataFrame, out_dir: str | Path, *, dpi: int = 120) -> list[Path]:
    """Write the five charts of a prospect frame as PNG files into ``out_dir``.

    ``out_dir`` is created when missing; existing files of the same names are replaced.
    Each figure is closed once written, so nothing stays open afterwards.

    Returns
    -------
    list of pathlib.Path
        ``status.png``, ``sources.png``, ``consent.png``, ``funnel.png`` and
        ``leads_over_time.png`` in ``out_dir``.

    Examples
    --------
    >>> import tempfile, pandas as pd
    >>> df = pd.DataFrame({"status": ["new"], "source_title": ["Zillow"], "sms_consent": [True],
    ...                    "created_at": pd.to_datetime(["2026-03-02"], utc=True)})
    >>> [p.name for p in write_charts(df, tempfile.mkdtemp())][:2]
    ['status.png', 'sources.png']
    """
    from knock_data._charts import CHARTS

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for chart in CHARTS:
        ax: Any = chart.plot(df)  # on a new pyplot figure: ax.figure is a Figure
        paths.append(_saved(ax, out / f"{chart.name}.png", dpi))
    return paths


def write_movement_charts(
    versions: pd.DataFrame,
    start: pd.Timestamp,
    end: pd.Timestamp,
    frame: pd.DataFrame,
    out_dir: str | Path,
    *,
    dpi: int = 120,
) -> list[Path]:
    """Write the movement charts of a history between two moments as PNG files.

    ``versions`` is the history's versions frame, ``frame`` the prospects as the last
    snapshot saw them (for the aging of open leads, measured at ``end``). Each figure is
    closed once written.

    Returns
    -------
    list of pathlib.Path
        ``transitions.png``, ``waterfall.png``, ``cohorts.png``, ``time_to_stage.png`` and
        ``aging.png`` in ``out_dir``.
    """
    from knock_data._analysis.movement import stage_dates
    from knock_data._charts import MOVEMENT_CHARTS, draw_movement

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    dates = stage_dates(versions)
    paths = []
    for chart in MOVEMENT_CHARTS:
        ax: Any = draw_movement(
            chart, versions=versions, start=start, end=end, frame=frame, dates=dates
        )
        paths.append(_saved(ax, out / f"{chart.name}.png", dpi))
    return paths


def _saved(ax: Any, path: Path, dpi: int) -> Path:
    """Write the chart's figure to ``path`` and close it, whatever happens."""
    import matplotlib.pyplot as plt

    try:
        ax.figure.savefig(path, dpi=dpi)
    finally:
        plt.close(ax.figure)
    return path
