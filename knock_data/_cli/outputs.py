"""The files the command line writes, chosen by the name's suffix.

``-o prospects.csv`` writes spreadsheet-safe CSV (:func:`knock_data.export_csv`),
``-o prospects.xlsx`` a typed Excel workbook (:func:`knock_data.export_excel`, the ``excel``
extra), ``-o prospects.parquet`` typed Parquet (:func:`knock_data.to_parquet`); ``--errors``
takes the same suffixes. Any other suffix is refused when the arguments are read, before anything
is fetched, naming the ones there are.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["OUTPUT_SUFFIXES", "SUFFIXES_TEXT", "output_file", "write_frame"]

#: The suffixes ``-o`` and ``--errors`` accept, and what each writes.
OUTPUT_SUFFIXES: dict[str, str] = {
    ".csv": "CSV that opens safely in a spreadsheet",
    ".xlsx": "an Excel workbook, typed cells and never a formula",
    ".parquet": "Parquet, every column typed",
}
#: The suffixes as a message says them: ``.csv, .xlsx or .parquet``.
SUFFIXES_TEXT = ", ".join(list(OUTPUT_SUFFIXES)[:-1]) + " or " + list(OUTPUT_SUFFIXES)[-1]
# Suffixes people reach for that are not written (yet), and why.
_NOT_WRITTEN = {
    ".xls": "old .xls workbooks are not written",
    ".tsv": "tab-separated files are not written",
    ".json": "JSON is not written",
}


def output_file(text: str) -> Path:
    """An argparse type: a path whose suffix is one of :data:`OUTPUT_SUFFIXES`.

    Examples
    --------
    >>> output_file("out/prospects.parquet")
    PosixPath('out/prospects.parquet')
    """
    path = Path(text)
    suffix = path.suffix.lower()
    if suffix in OUTPUT_SUFFIXES:
        return path
    known = SUFFIXES_TEXT
    why = _NOT_WRITTEN.get(
        suffix, f"{suffix!r} is not a file type knock-data writes" if suffix else "it has no suffix"
    )
    raise argparse.ArgumentTypeError(f"cannot write {text!r}: {why}; name it with {known}")


def write_frame(frame: pd.DataFrame, path: Path, *, pii: str = "keep") -> Path:
    """Write ``frame`` to ``path`` in the format its suffix names."""
    from knock_data._frame import export_csv, export_excel, to_parquet

    writers: dict[str, Callable[..., Path]] = {
        ".csv": export_csv,
        ".xlsx": export_excel,
        ".parquet": to_parquet,
    }
    return writers[path.suffix.lower()](frame, path, pii=pii)
