"""Small prospect frames built by hand with the dtypes ``to_frame`` produces.

Only the columns the analysis reads; each test states its rows so the expected numbers
can be checked by hand.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd


def prospect_frame(rows: Sequence[dict[str, Any]], *, categorical: bool = True) -> pd.DataFrame:
    """A frame from row dicts; missing keys are NA.

    ``categorical=False`` gives plain (Arrow-backed) string columns instead of categoricals,
    the other shape a frame may arrive in (read back from CSV or Parquet, built by hand).
    """
    text = "category" if categorical else "string"

    def column(name: str, dtype: str) -> pd.Series:
        return pd.Series([row.get(name) for row in rows], dtype=dtype, name=name)

    frame = pd.DataFrame(
        {
            "prospect_id": column("prospect_id", "string"),
            "community_id": column("community_id", text),
            "agent_username": column("agent_username", text),
            "source_title": column("source_title", text),
            "sms_consent": column("sms_consent", "boolean"),
            "is_deleted": column("is_deleted", "boolean"),
            "not_prospect": column("not_prospect", "boolean"),
            "created_at": pd.to_datetime(
                pd.Series([row.get("created_at") for row in rows], dtype="object"),
                utc=True,
                format="ISO8601",
            ).astype("datetime64[us, UTC]"),
            "first_contact_type": column("first_contact_type", text),
            "status": column("status", text),
        }
    )
    if frame["prospect_id"].isna().all() and len(frame):
        frame["prospect_id"] = pd.Series(
            [str(100_000 + i) for i in range(len(frame))], dtype="string"
        )
    return frame


def sandbox_like_frame(n: int = 400, seed: int = 7) -> pd.DataFrame:
    """A frame from the sandbox's synthetic prospects (the columns above only)."""
    from knock_data.sandbox._data import generate_prospects

    rows = []
    for record in generate_prospects(n, seed=seed):
        rows.append(
            {
                "prospect_id": record["prospectId"],
                "community_id": record["communityId"],
                "agent_username": (record["agent"] or {}).get("username"),
                "source_title": (record["source"] or {}).get("title"),
                "sms_consent": record["smsConsent"],
                "is_deleted": record["isDeleted"],
                "not_prospect": record["notProspect"],
                "created_at": record["createdAt"],
                "first_contact_type": record["firstContactType"],
                "status": record["status"],
            }
        )
    return prospect_frame(rows)
