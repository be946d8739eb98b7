"""The DataFrame layer: prospect records -> one typed frame -> files.

``frame.py`` builds the frame (:func:`to_frame`) with one builder per column kind
(``columns.py``); ``export.py`` writes a frame as spreadsheet-safe CSV or typed parquet;
``arrow.py`` stores a frame's columns as plain Arrow types and reads them back typed.
Nothing here fetches, analyses or plots.
"""

from __future__ import annotations

from knock_data._frame.export import PII_CHOICES, export_csv, to_parquet
from knock_data._frame.frame import to_frame

__all__ = ["PII_CHOICES", "export_csv", "to_frame", "to_parquet"]
