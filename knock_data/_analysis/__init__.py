"""The analysis layer: pure functions on the prospect frame.

Every function takes the frame :func:`knock_data.to_frame` builds (or any frame with the
same column names: categorical or plain text columns, nullable or plain booleans) and returns
a new pandas object; none modifies its input, fetches, prints or plots.

Missing values are never dropped silently:

- a missing ``status`` or ``source_title`` (or ``by`` value) is a row of its own, keyed by
  ``<NA>``, in the breakdowns (readers see it by its column's missing label, such as
  ``(no source)``: ``knock_data._schema.MISSING_LABELS``);
- a missing ``sms_consent`` counts as ``"unknown"`` (neither consented nor not);
- a status the stage mapping does not know counts in the ``other`` stage, and the funnel's
  ``statuses`` column says which raw values it held;
- a missing ``is_deleted`` or ``not_prospect`` counts as ``False`` (the record stays a
  prospect).

The modules, from the bottom up:

- ``statuses.py``: Knock's statuses, their labels and order, the funnel stages;
- ``_codes.py``: the counting engine (integer codes, counts, the tidy count/share frame);
- ``periods.py``: :data:`PERIODS`, time zones and each row's created period;
- ``grouping.py``: the ``by`` argument (a column or a created period);
- ``breakdowns.py``, ``funnel.py``, ``filtering.py``, ``over_time.py``: the functions;
- ``_reach.py``: which rows reached a stage, for the comparisons;
- ``comparisons.py``, ``period_changes.py``, ``spend.py``, ``demand.py``,
  ``duplicates.py``: groups, periods and sources side by side, what renters ask for, and
  people counted twice.
"""

from __future__ import annotations

from knock_data._analysis._codes import row_noun
from knock_data._analysis.breakdowns import (
    CONSENT_VALUES,
    consent_breakdown,
    source_breakdown,
    status_breakdown,
)
from knock_data._analysis.comparisons import compare_conversion, funnel_table, wilson_interval
from knock_data._analysis.demand import DEMAND_FIELDS, demand_breakdown
from knock_data._analysis.duplicates import possible_duplicates
from knock_data._analysis.filtering import filter_prospects
from knock_data._analysis.funnel import funnel
from knock_data._analysis.over_time import MISSING_LABEL, leads_over_time
from knock_data._analysis.period_changes import YEAR_AGO, compare_periods
from knock_data._analysis.periods import (
    COMMUNITY_TIME,
    PERIODS,
    local_created,
    partial_periods,
    period_name,
    time_zone,
)
from knock_data._analysis.spend import SPEND_COLUMNS, read_spend, source_roi
from knock_data._analysis.statuses import (
    DEFAULT_STAGES,
    KNOCK_STATUS_LABELS,
    LOST,
    OTHER,
    knock_order,
    normalize_status,
    stage_of,
    status_label,
)

__all__ = [
    "COMMUNITY_TIME",
    "CONSENT_VALUES",
    "DEFAULT_STAGES",
    "DEMAND_FIELDS",
    "KNOCK_STATUS_LABELS",
    "LOST",
    "MISSING_LABEL",
    "OTHER",
    "PERIODS",
    "SPEND_COLUMNS",
    "YEAR_AGO",
    "compare_conversion",
    "compare_periods",
    "consent_breakdown",
    "demand_breakdown",
    "filter_prospects",
    "funnel",
    "funnel_table",
    "knock_order",
    "leads_over_time",
    "local_created",
    "normalize_status",
    "partial_periods",
    "period_name",
    "possible_duplicates",
    "read_spend",
    "row_noun",
    "source_breakdown",
    "source_roi",
    "stage_of",
    "status_breakdown",
    "status_label",
    "time_zone",
    "wilson_interval",
]
