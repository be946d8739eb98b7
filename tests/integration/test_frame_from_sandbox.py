"""Records decoded from the sandbox's JSON over loopback become the documented frame."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import requests

from knock_data import export_csv, to_frame, to_parquet
from knock_data._schema import COLUMNS
from knock_data.sandbox import SandboxServer
from tests.parquet_read import read_parquet

pytestmark = pytest.mark.integration


def test_fetched_records_flatten_export_and_round_trip(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    ids = sandbox.prospect_ids[:60]
    with requests.Session() as session:
        records = [
            session.get(
                f"{sandbox.url}/prospect/{pid}", headers={"x-api-key": sandbox.api_key}, timeout=10
            ).json()
            for pid in ids
        ]
    df = to_frame(records)
    assert list(df.columns) == list(COLUMNS)
    assert df["prospect_id"].tolist() == ids
    assert str(df["created_at"].dtype) == "datetime64[us, UTC]"
    assert df["created_at"].notna().all()

    back = read_parquet(to_parquet(df, tmp_path / "p.parquet"))
    pd.testing.assert_frame_equal(back, df)
    csv = pd.read_csv(export_csv(df, tmp_path / "p.csv"), dtype={"prospect_id": str})
    assert csv["prospect_id"].tolist() == ids
