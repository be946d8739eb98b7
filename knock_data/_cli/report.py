"""The demo's report: the breakdown tables and the five charts written as PNG files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from knock_data._analysis import consent_breakdown, funnel, source_breakdown, status_breakdown

__all__ = ["breakdown_tables", "write_charts"]


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
    import matplotlib.pyplot as plt

    from knock_data._charts import CHARTS

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for chart in CHARTS:
        ax: Any = chart.plot(df)  # on a new pyplot figure: ax.figure is a Figure
        path = out / f"{chart.name}.png"
        try:
            ax.figure.savefig(path, dpi=dpi)
        finally:
            plt.close(ax.figure)
        paths.append(path)
    return paths
