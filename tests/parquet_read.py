"""Reading parquet back the way an analyst would, on pandas 2 and 3 alike."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

PANDAS_2 = int(pd.__version__.split(".")[0]) < 3


def read_parquet(path: Path) -> pd.DataFrame:
    """``pd.read_parquet``, with Arrow-backed text on pandas 2 too.

    pandas 2 reads a ``string`` column as Python-backed ``string[python]`` unless
    ``mode.string_storage`` says ``"pyarrow"`` (the file is the same either way); pandas 3
    gives Arrow-backed text by default, so there nothing is set and the default is tested.
    """
    if not PANDAS_2:
        return pd.read_parquet(path)
    with pd.option_context("mode.string_storage", "pyarrow"):
        return pd.read_parquet(path)
