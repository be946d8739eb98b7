"""knock-data: Knock Get Prospect API data for leasing-lead analysts.

Fetch a list of prospect ids through a disk-cached session, flatten the guest cards into a
typed DataFrame, break them down by status, source and SMS consent, chart the lead funnel
and export spreadsheet-safe CSV.

Importing the package has no side effects: it creates no directory, opens no database,
starts no thread and imports neither matplotlib nor ipywidgets. Names are loaded from their
private modules on first use.

Examples
--------
>>> import knock_data as kd
>>> with kd.sandbox.SandboxServer(n_prospects=50) as server:          # doctest: +SKIP
...     client = kd.KnockClient(server.api_key, base_url=server.url, cache=False)
...     result = client.fetch_prospects(server.prospect_ids[:10], progress=False)
>>> kd.status_breakdown(result.frame)                                  # doctest: +SKIP
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from knock_data._exceptions import (
    AuthenticationError,
    BadResponse,
    ConfigurationError,
    ConnectionFailed,
    InvalidProspectId,
    KnockAPIError,
    KnockError,
    KnockWarning,
    ProspectNotFound,
    RateLimited,
    RecordError,
    ServerError,
    Timeout,
)

__version__ = "0.1.0"

# name -> private module that defines it; imported on first attribute access so that the
# heavy layers (requests-cache, matplotlib, ipywidgets) load only when used.
_LAZY: dict[str, str] = {
    # HTTP + cache -> records
    "FetchResult": "knock_data._fetch.result",
    "KnockClient": "knock_data._fetch.client",
    "RetryPolicy": "knock_data._fetch.retry",
    "read_ids": "knock_data._fetch.ids",
    # records -> DataFrame -> files
    "to_frame": "knock_data._frame",
    "export_csv": "knock_data._frame",
    "to_parquet": "knock_data._frame",
    # analysis (pure functions)
    "DEFAULT_STAGES": "knock_data._analysis",
    "consent_breakdown": "knock_data._analysis",
    "filter_prospects": "knock_data._analysis",
    "funnel": "knock_data._analysis",
    "leads_over_time": "knock_data._analysis",
    "normalize_status": "knock_data._analysis",
    "source_breakdown": "knock_data._analysis",
    "stage_of": "knock_data._analysis",
    "status_breakdown": "knock_data._analysis",
    # charts (matplotlib)
    "plot_consent": "knock_data._charts",
    "plot_funnel": "knock_data._charts",
    "plot_leads_over_time": "knock_data._charts",
    "plot_sources": "knock_data._charts",
    "plot_status": "knock_data._charts",
    # widgets (ipywidgets)
    "Dashboard": "knock_data._dashboard",
    # the embedded Knock sandbox server
    "sandbox": "knock_data.sandbox",
}

__all__ = [
    "DEFAULT_STAGES",
    "AuthenticationError",
    "BadResponse",
    "ConfigurationError",
    "ConnectionFailed",
    "Dashboard",
    "FetchResult",
    "InvalidProspectId",
    "KnockAPIError",
    "KnockClient",
    "KnockError",
    "KnockWarning",
    "ProspectNotFound",
    "RateLimited",
    "RecordError",
    "RetryPolicy",
    "ServerError",
    "Timeout",
    "__version__",
    "consent_breakdown",
    "export_csv",
    "filter_prospects",
    "funnel",
    "leads_over_time",
    "normalize_status",
    "plot_consent",
    "plot_funnel",
    "plot_leads_over_time",
    "plot_sources",
    "plot_status",
    "read_ids",
    "sandbox",
    "source_breakdown",
    "stage_of",
    "status_breakdown",
    "to_frame",
    "to_parquet",
]

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from knock_data import sandbox
    from knock_data._analysis import (
        DEFAULT_STAGES,
        consent_breakdown,
        filter_prospects,
        funnel,
        leads_over_time,
        normalize_status,
        source_breakdown,
        stage_of,
        status_breakdown,
    )
    from knock_data._charts import (
        plot_consent,
        plot_funnel,
        plot_leads_over_time,
        plot_sources,
        plot_status,
    )
    from knock_data._dashboard import Dashboard
    from knock_data._fetch.client import KnockClient
    from knock_data._fetch.ids import read_ids
    from knock_data._fetch.result import FetchResult
    from knock_data._fetch.retry import RetryPolicy
    from knock_data._frame import export_csv, to_frame, to_parquet


def __getattr__(name: str) -> Any:
    module_name = _LAZY.get(name)
    if module_name is None:
        raise AttributeError(f"module 'knock_data' has no attribute {name!r}")
    module = importlib.import_module(module_name)
    value = module if module_name == f"{__name__}.{name}" else getattr(module, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
