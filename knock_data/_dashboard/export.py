"""The dashboard's download: the filtered rows as a file embedded in a link.

The file travels to the browser inside the link as a ``data:`` URI, so the download works
in Jupyter, JupyterLab and Voila alike without a server route; it suits what a dashboard
shows (thousands of rows, tens of thousands at most).
"""

from __future__ import annotations

import base64
import html
import tempfile
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from knock_data._exceptions import ConfigurationError
from knock_data._frame import export_csv, export_excel

__all__ = ["EXPORT_FORMATS", "download_link", "export_choice"]

#: What Export can write: format -> (file suffix, MIME type).
EXPORT_FORMATS: dict[str, tuple[str, str]] = {
    "csv": (".csv", "text/csv;charset=utf-8"),
    "xlsx": (".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
}


def download_link(rows: pd.DataFrame, *, file_format: str = "csv", pii: str = "keep") -> str:
    """The HTML of a link that downloads ``rows`` as :func:`~knock_data.export_csv` or
    :func:`~knock_data.export_excel` writes them.

    Examples
    --------
    >>> import pandas as pd
    >>> link = download_link(pd.DataFrame({"prospect_id": ["1"]}))
    >>> "Download 1 row (" in link, 'download="knock-prospects-' in link
    (True, True)
    """
    if file_format not in EXPORT_FORMATS:
        choices = ", ".join(map(repr, EXPORT_FORMATS))
        raise ConfigurationError(f"export format {file_format!r} is not one of {choices}.")
    suffix, mime = EXPORT_FORMATS[file_format]
    with tempfile.TemporaryDirectory(prefix="knock-export-") as tmp:
        path = Path(tmp) / f"prospects{suffix}"
        if file_format == "csv":
            export_csv(rows, path, pii=pii)
        else:
            export_excel(rows, path, pii=pii)
        payload = path.read_bytes()
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    filename = f"knock-prospects-{stamp}{suffix}"
    href = f"data:{mime};base64," + base64.b64encode(payload).decode("ascii")
    size = f"{len(payload) / 1024:,.0f} kB" if len(payload) >= 1024 else f"{len(payload)} B"
    what = f"{len(rows):,} row{'' if len(rows) == 1 else 's'}"
    return (
        f'<a download="{filename}" href="{href}" title="{html.escape(filename)}" '
        f'style="font-weight:600">Download {what} ({size})</a>'
    )


def export_choice(name: str, choice: str, choices: Iterable[str]) -> str:
    """``choice`` when it is one of ``choices``, else a clear error naming the setting."""
    options = tuple(choices)
    if choice not in options:
        listed = ", ".join(repr(c) for c in options)
        raise ConfigurationError(f"{name}={choice!r} is not a choice; use one of {listed}.")
    return choice
