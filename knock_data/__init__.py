"""knock-data: Knock Get Prospect API data for leasing-lead analysts.

Fetch a list of prospect ids through a disk-cached session, flatten the guest cards into a
typed DataFrame, break them down by status, source and SMS consent, chart the lead funnel
and export spreadsheet-safe CSV.

Importing the package has no side effects: it creates no directory, opens no database,
starts no thread and imports neither matplotlib nor ipywidgets. Names are loaded from their
private modules on first use, and every public class shows as ``knock_data.<name>`` in
reprs, ``help()`` and tracebacks, never as its private module.

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
    HistoryError,
    InvalidProspectId,
    KnockAPIError,
    KnockError,
    KnockWarning,
    ProspectNotFound,
    RateLimited,
    RecordError,
    ServerError,
    Timeout,
    WrongArgumentType,
)

# name -> private module that defines it; imported on first attribute access so that the
# heavy layers (requests-cache, matplotlib, ipywidgets) load only when used.
_LAZY: dict[str, str] = {
    # HTTP + cache -> records
    "FetchResult": "knock_data._fetch.result",
    "KnockClient": "knock_data._fetch.client",
    "RetryPolicy": "knock_data._fetch.retry",
    "IdList": "knock_data._fetch.ids",
    "read_ids": "knock_data._fetch.ids",
    # history: snapshots kept, versions over time, smart refresh
    "History": "knock_data._history.store",
    "RefreshPolicy": "knock_data._history.policy",
    # records -> DataFrame -> files
    "to_frame": "knock_data._frame",
    "export_csv": "knock_data._frame",
    "export_excel": "knock_data._frame",
    "to_parquet": "knock_data._frame",
    "with_names": "knock_data._frame",
    # analysis (pure functions)
    "DEFAULT_STAGES": "knock_data._analysis",
    "compare_conversion": "knock_data._analysis",
    "compare_periods": "knock_data._analysis",
    "consent_breakdown": "knock_data._analysis",
    "demand_breakdown": "knock_data._analysis",
    "filter_prospects": "knock_data._analysis",
    "funnel": "knock_data._analysis",
    "funnel_table": "knock_data._analysis",
    "leads_over_time": "knock_data._analysis",
    "normalize_status": "knock_data._analysis",
    "possible_duplicates": "knock_data._analysis",
    "source_breakdown": "knock_data._analysis",
    "source_roi": "knock_data._analysis",
    "stage_of": "knock_data._analysis",
    "status_breakdown": "knock_data._analysis",
    "wilson_interval": "knock_data._analysis",
    # where a lead stands: closed, dormant or active
    "CLOSED_STATUSES": "knock_data._analysis.lifecycle",
    "DORMANT_AFTER": "knock_data._analysis.lifecycle",
    "LIFECYCLE_STATES": "knock_data._analysis.lifecycle",
    "is_closed": "knock_data._analysis.lifecycle",
    "is_dormant": "knock_data._analysis.lifecycle",
    "lifecycle_state": "knock_data._analysis.lifecycle",
    # how leads move: the history's versions, cohorts, time to a stage, idle open leads
    "aging": "knock_data._analysis.aging",
    "cohort_conversion": "knock_data._analysis.cohorts",
    "stage_dates": "knock_data._analysis.movement",
    "time_to_stage": "knock_data._analysis.survival",
    "transitions": "knock_data._analysis.movement",
    "waterfall": "knock_data._analysis.movement",
    # charts (matplotlib)
    "plot_comparison": "knock_data._charts",
    "plot_consent": "knock_data._charts",
    "plot_demand": "knock_data._charts",
    "plot_funnel": "knock_data._charts",
    "plot_funnels": "knock_data._charts",
    "plot_leads_over_time": "knock_data._charts",
    "plot_sources": "knock_data._charts",
    "plot_status": "knock_data._charts",
    "plot_aging": "knock_data._charts.aging",
    "plot_cohorts": "knock_data._charts.cohorts",
    "plot_time_to_stage": "knock_data._charts.survival",
    "plot_transitions": "knock_data._charts.movement",
    "plot_waterfall": "knock_data._charts.movement",
    "report_table": "knock_data._charts",
    # widgets (ipywidgets)
    "Dashboard": "knock_data._dashboard",
    # the embedded Knock sandbox server
    "sandbox": "knock_data.sandbox",
}

__all__ = [
    "CLOSED_STATUSES",
    "DEFAULT_STAGES",
    "DORMANT_AFTER",
    "LIFECYCLE_STATES",
    "AuthenticationError",
    "BadResponse",
    "ConfigurationError",
    "ConnectionFailed",
    "Dashboard",
    "FetchResult",
    "History",
    "HistoryError",
    "IdList",
    "InvalidProspectId",
    "KnockAPIError",
    "KnockClient",
    "KnockError",
    "KnockWarning",
    "ProspectNotFound",
    "RateLimited",
    "RecordError",
    "RefreshPolicy",
    "RetryPolicy",
    "ServerError",
    "Timeout",
    "WrongArgumentType",
    "__version__",
    "aging",
    "cohort_conversion",
    "compare_conversion",
    "compare_periods",
    "consent_breakdown",
    "demand_breakdown",
    "export_csv",
    "export_excel",
    "filter_prospects",
    "funnel",
    "funnel_table",
    "is_closed",
    "is_dormant",
    "leads_over_time",
    "lifecycle_state",
    "normalize_status",
    "plot_aging",
    "plot_cohorts",
    "plot_comparison",
    "plot_consent",
    "plot_demand",
    "plot_funnel",
    "plot_funnels",
    "plot_leads_over_time",
    "plot_sources",
    "plot_status",
    "plot_time_to_stage",
    "plot_transitions",
    "plot_waterfall",
    "possible_duplicates",
    "read_ids",
    "report_table",
    "sandbox",
    "source_breakdown",
    "source_roi",
    "stage_dates",
    "stage_of",
    "status_breakdown",
    "time_to_stage",
    "to_frame",
    "to_parquet",
    "transitions",
    "waterfall",
    "wilson_interval",
    "with_names",
]

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    __version__: str

    from knock_data import sandbox
    from knock_data._analysis import (
        DEFAULT_STAGES,
        compare_conversion,
        compare_periods,
        consent_breakdown,
        demand_breakdown,
        filter_prospects,
        funnel,
        funnel_table,
        leads_over_time,
        normalize_status,
        possible_duplicates,
        source_breakdown,
        source_roi,
        stage_of,
        status_breakdown,
        wilson_interval,
    )
    from knock_data._analysis.aging import aging
    from knock_data._analysis.cohorts import cohort_conversion
    from knock_data._analysis.lifecycle import (
        CLOSED_STATUSES,
        DORMANT_AFTER,
        LIFECYCLE_STATES,
        is_closed,
        is_dormant,
        lifecycle_state,
    )
    from knock_data._analysis.movement import stage_dates, transitions, waterfall
    from knock_data._analysis.survival import time_to_stage
    from knock_data._charts import (
        plot_comparison,
        plot_consent,
        plot_demand,
        plot_funnel,
        plot_funnels,
        plot_leads_over_time,
        plot_sources,
        plot_status,
        report_table,
    )
    from knock_data._charts.aging import plot_aging
    from knock_data._charts.cohorts import plot_cohorts
    from knock_data._charts.movement import plot_transitions, plot_waterfall
    from knock_data._charts.survival import plot_time_to_stage
    from knock_data._dashboard import Dashboard
    from knock_data._fetch.client import KnockClient
    from knock_data._fetch.ids import IdList, read_ids
    from knock_data._fetch.result import FetchResult
    from knock_data._fetch.retry import RetryPolicy
    from knock_data._frame import export_csv, export_excel, to_frame, to_parquet, with_names
    from knock_data._history.policy import RefreshPolicy
    from knock_data._history.store import History


def _show_as_public(value: Any) -> Any:
    """Make a public class from a private module show as ``knock_data.<name>``.

    As httpx does: reprs (``<class 'knock_data.KnockClient'>``), ``help()``, pickles and
    tracebacks (``knock_data.ProspectNotFound: ...``) then name the public path, which
    keeps working when the private modules move. Functions are left alone: their reprs and
    tracebacks name no module, and doctest finds a function's examples by its
    ``__module__``. Finding a class's examples needs the finder in tests/unit/test_examples.
    """
    if isinstance(value, type) and value.__module__.startswith(f"{__name__}._"):
        value.__module__ = __name__
    return value


def _installed_version() -> str:
    """pyproject.toml's version, from the installed package's metadata (written there only).

    Read on first use: importlib.metadata costs about 20 ms to import.
    """
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("knock-data")
    except PackageNotFoundError:  # pragma: no cover - imported from a tree not installed
        return "0+unknown"


def __getattr__(name: str) -> Any:
    if name == "__version__":
        globals()[name] = _installed_version()
        return globals()[name]
    module_name = _LAZY.get(name)
    if module_name is None:
        raise AttributeError(f"module 'knock_data' has no attribute {name!r}")
    module = importlib.import_module(module_name)
    value = module if module_name == f"{__name__}.{name}" else getattr(module, name)
    globals()[name] = _show_as_public(value)
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


# The names imported eagerly (the exceptions) show as knock_data.<name> from the start.
for _name in set(__all__) & set(globals()):
    _show_as_public(globals()[_name])
del _name
