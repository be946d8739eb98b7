"""The DataFrame layer: prospect records -> one typed frame -> files.

``frame.py`` builds the frame (:func:`to_frame`) with one builder per column kind
(``columns.py``); ``names.py`` adds names beside the ids (:func:`with_names`); ``export.py``
writes a frame as spreadsheet-safe CSV or typed parquet, ``excel.py`` as an Excel workbook;
``arrow.py`` stores a frame's columns as plain Arrow types and reads them back typed.
Nothing here fetches, analyses or plots.
"""

from __future__ import annotations

from knock_data._frame.excel import export_excel
from knock_data._frame.export import (
    DATETIME_CHOICES,
    PII_CHOICES,
    export_csv,
    libreoffice_csv_filter,
    to_parquet,
)
from knock_data._frame.frame import to_frame
from knock_data._frame.names import with_names

__all__ = [
    "DATETIME_CHOICES",
    "PII_CHOICES",
    "export_csv",
    "export_excel",
    "libreoffice_csv_filter",
    "to_frame",
    "to_parquet",
    "with_names",
]
