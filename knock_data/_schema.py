"""The prospect schema: API field paths, their snake_case column names, and missing values.

The bottom of the package, read by every layer above the records:

- the frame builder takes the columns, their order and their kinds from here
  (:data:`FIELD_TO_COLUMN`, :data:`COLUMN_KINDS`);
- the analysis, the charts and the dashboard name the columns they read through the
  constants below (:data:`STATUS`, :data:`SOURCE_TITLE`...), each taken from
  :data:`FIELD_TO_COLUMN`, so a column's name is written once;
- the export takes the columns that hold personal data (:data:`PII_COLUMNS`);
- every layer asks :func:`is_missing` whether a single value is missing;
- every chart, filter and displayed table names a column by :func:`label_of` and a missing
  value of it by :func:`missing_label` (:data:`LABELS`, :data:`MISSING_LABELS`): the one
  table of human labels, so "SMS consent by source" reads the same everywhere.

It imports nothing heavy: pandas is loaded only when :func:`is_missing` meets a value that
plain Python cannot judge (and every caller of that has pandas loaded already).
"""

from __future__ import annotations

import re

__all__ = [
    "AGENT_NAME",
    "AGENT_USERNAME",
    "CATEGORICAL_COLUMNS",
    "COLUMNS",
    "COLUMN_KINDS",
    "COMMUNITY_ID",
    "COMMUNITY_NAME",
    "COMMUNITY_TIMEZONE",
    "CREATED_AT",
    "FIELD_TO_COLUMN",
    "FIRST_CONTACT_TYPE",
    "IS_DELETED",
    "LABELS",
    "MISSING",
    "MISSING_LABELS",
    "NAME_COLUMNS",
    "NOT_PROSPECT",
    "PII_CHOICES",
    "PII_COLUMNS",
    "PROSPECT_ID",
    "SMS_CONSENT",
    "SOURCE_TITLE",
    "STATUS",
    "UPDATED_AT",
    "column_name",
    "is_missing",
    "label_of",
    "missing_label",
]

#: API field path (dots for nested objects) -> column name, in the documented order.
FIELD_TO_COLUMN: dict[str, str] = {
    "prospectId": "prospect_id",
    "communityId": "community_id",
    "email": "email",
    "phone": "phone",
    "agent.username": "agent_username",
    "address": "address",
    "unit": "unit",
    "city": "city",
    "state": "state",
    "zip": "zip",
    "source.title": "source_title",
    "firstName": "first_name",
    "lastName": "last_name",
    "moveDate": "move_date",
    "bedrooms": "bedrooms",
    "pets": "pets",
    "occupants": "occupants",
    "leaseTermMonths": "lease_term_months",
    "minBudget": "min_budget",
    "maxBudget": "max_budget",
    "smsConsent": "sms_consent",
    "isDeleted": "is_deleted",
    "notProspect": "not_prospect",
    "createdAt": "created_at",
    "updatedAt": "updated_at",
    "firstContactType": "first_contact_type",
    "status": "status",
}

#: The documented columns, in order. Fields the API adds later follow, alphabetically.
COLUMNS: tuple[str, ...] = tuple(FIELD_TO_COLUMN.values())

#: What each documented column holds. The frame builder maps each kind to one pandas dtype
#: (``to_frame``'s docstring has the table).
#:
#: ``id`` and ``text``: text; ``category``: low-cardinality text; ``choices``: a list or a
#: scalar from the API, kept as readable text; ``date``: a calendar day; ``timestamp``: an
#: instant; ``boolean``; ``count``: a whole number; ``amount``: a number of dollars.
COLUMN_KINDS: dict[str, str] = {
    "prospect_id": "id",
    "community_id": "category",
    "email": "text",
    "phone": "text",
    "agent_username": "category",
    "address": "text",
    "unit": "text",
    "city": "text",
    "state": "text",
    "zip": "text",
    "source_title": "category",
    "first_name": "text",
    "last_name": "text",
    "move_date": "date",
    "bedrooms": "choices",
    "pets": "choices",
    "occupants": "count",
    "lease_term_months": "count",
    "min_budget": "amount",
    "max_budget": "amount",
    "sms_consent": "boolean",
    "is_deleted": "boolean",
    "not_prospect": "boolean",
    "created_at": "timestamp",
    "updated_at": "timestamp",
    "first_contact_type": "category",
    "status": "category",
}

#: Low-cardinality text columns stored as pandas categoricals, in column order.
CATEGORICAL_COLUMNS: tuple[str, ...] = tuple(
    column for column, kind in COLUMN_KINDS.items() if kind == "category"
)

#: Columns holding a person's contact details or name (masked or dropped on export).
PII_COLUMNS: tuple[str, ...] = ("email", "phone", "first_name", "last_name", "address")

#: What an export (or a history) may do with the personal-data columns.
PII_CHOICES: tuple[str, ...] = ("keep", "mask", "drop")

# The columns the analysis, the charts and the dashboard read, by name.
PROSPECT_ID = FIELD_TO_COLUMN["prospectId"]
COMMUNITY_ID = FIELD_TO_COLUMN["communityId"]
AGENT_USERNAME = FIELD_TO_COLUMN["agent.username"]
SOURCE_TITLE = FIELD_TO_COLUMN["source.title"]
SMS_CONSENT = FIELD_TO_COLUMN["smsConsent"]
IS_DELETED = FIELD_TO_COLUMN["isDeleted"]
NOT_PROSPECT = FIELD_TO_COLUMN["notProspect"]
CREATED_AT = FIELD_TO_COLUMN["createdAt"]
FIRST_CONTACT_TYPE = FIELD_TO_COLUMN["firstContactType"]
STATUS = FIELD_TO_COLUMN["status"]
UPDATED_AT = FIELD_TO_COLUMN["updatedAt"]

# The columns knock_data.with_names adds beside the ids (the API never sends them).
COMMUNITY_NAME = "community_name"
AGENT_NAME = "agent_name"
COMMUNITY_TIMEZONE = "community_timezone"
#: Each id column and the column of names ``knock_data.with_names`` adds beside it.
NAME_COLUMNS: dict[str, str] = {COMMUNITY_ID: COMMUNITY_NAME, AGENT_USERNAME: AGENT_NAME}

#: What a reader calls each column, in every chart, filter and displayed table (returned
#: DataFrames keep their column names). A column not listed gets :func:`label_of`'s
#: spelling of its name; chart authors add the columns of their own tables here.
LABELS: dict[str, str] = {
    "prospect_id": "Prospect ID",
    COMMUNITY_ID: "Community",
    COMMUNITY_NAME: "Community",
    COMMUNITY_TIMEZONE: "Community time zone",
    "email": "Email",
    "phone": "Phone",
    AGENT_USERNAME: "Agent",
    AGENT_NAME: "Agent",
    "address": "Address",
    "unit": "Unit",
    "city": "City",
    "state": "State",
    "zip": "ZIP code",
    SOURCE_TITLE: "Source",
    "first_name": "First name",
    "last_name": "Last name",
    "move_date": "Move date",
    "bedrooms": "Bedrooms",
    "pets": "Pets",
    "occupants": "Occupants",
    "lease_term_months": "Lease term (months)",
    "min_budget": "Minimum budget",
    "max_budget": "Maximum budget",
    SMS_CONSENT: "SMS consent",
    IS_DELETED: "Deleted",
    NOT_PROSPECT: "Not a prospect",
    CREATED_AT: "Created",
    UPDATED_AT: "Updated",
    FIRST_CONTACT_TYPE: "First contact type",
    STATUS: "Status",
    # columns of the analysis' tables
    "stage": "Stage",
    "count": "Count",
    "share": "Share",
    "leads": "Leads",
    "at_stage": "At this stage now",
    "share_of_leads": "Share of leads",
    "step_conversion": "Conversion from previous stage",
    "statuses": "Statuses",
    "period": "Period",
    # comparisons: compare_conversion, compare_periods, source_roi, possible_duplicates
    "reached": "Reached",
    "rate": "Rate",
    "small_sample": "Small group",
    "undecided": "Too recent to tell",
    "previous": "Previous period",
    "change": "Change",
    "relative_change": "Change (%)",
    "previous_partial": "Previous period partial",
    "year_ago": "A year earlier",
    "year_change": "Change on a year earlier",
    "year_relative_change": "Change on a year earlier (%)",
    "year_ago_partial": "A year earlier partial",
    "partial": "Partial period",
    "cost": "Cost",
    "cost_per_lead": "Cost per lead",
    "cost_per_toured": "Cost per tour",
    "cost_per_applied": "Cost per application",
    "cost_per_leased": "Cost per lease",
    "match": "Spend and leads",
    "duplicate_group": "Duplicate group",
    "group_size": "Group size",
    "matched_on": "Matched on",
    "day": "Day",
    "week": "Week",
    "month": "Month",
    "quarter": "Quarter",
    "year": "Year",
}

#: What a missing value of a column is called wherever a reader sees it: one label per kind
#: of missing value, the same in every chart, filter and displayed table. Exports keep
#: missing values empty, and returned DataFrames keep them missing (``<NA>``).
MISSING_LABELS: dict[str, str] = {
    COMMUNITY_ID: "(no community)",
    COMMUNITY_NAME: "(no community)",
    COMMUNITY_TIMEZONE: "(no time zone)",
    AGENT_USERNAME: "(unassigned)",
    AGENT_NAME: "(unassigned)",
    SOURCE_TITLE: "(no source)",
    STATUS: "(no status)",
    FIRST_CONTACT_TYPE: "(no contact type)",
    SMS_CONSENT: "unknown",
    CREATED_AT: "(no date)",
    UPDATED_AT: "(no date)",
    "stage": "(no stage)",
    # a created period (``by="month"``...) of a lead without created_at
    "period": "(no date)",
    "day": "(no date)",
    "week": "(no date)",
    "month": "(no date)",
    "quarter": "(no date)",
    "year": "(no date)",
}
#: The label of a missing value in a column :data:`MISSING_LABELS` does not list.
MISSING = "(missing)"

_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def column_name(field_path: str) -> str:
    """Column name for an API field path, by the project's naming rule.

    Nested objects join with ``_`` and camelCase becomes snake_case.

    Examples
    --------
    >>> column_name("agent.fullName")
    'agent_full_name'
    >>> column_name("preferredContactMethod")
    'preferred_contact_method'
    """
    known = FIELD_TO_COLUMN.get(field_path)
    if known is not None:
        return known
    parts = (_CAMEL_BOUNDARY.sub("_", part).lower() for part in field_path.split("."))
    return "_".join(parts)


def label_of(column: object) -> str:
    """What a reader calls ``column``: its entry in :data:`LABELS`, else its name made readable.

    Examples
    --------
    >>> label_of("first_contact_type"), label_of("community_name")
    ('First contact type', 'Community')
    >>> label_of("preferred_contact_method")
    'Preferred contact method'
    """
    name = str(column)
    known = LABELS.get(name)
    if known is not None:
        return known
    words = name.replace("_", " ").strip()
    return words[:1].upper() + words[1:] if words else name


def missing_label(column: object) -> str:
    """What a missing value of ``column`` is called on screen (see :data:`MISSING_LABELS`).

    Examples
    --------
    >>> missing_label("source_title"), missing_label("agent_name"), missing_label("unit")
    ('(no source)', '(unassigned)', '(missing)')
    """
    return MISSING_LABELS.get(str(column), MISSING)


def is_missing(value: object) -> bool:
    """Whether one value is missing: ``None``, NaN, ``NaT`` or ``pd.NA``.

    The one test of a missing cell for every layer. Text (even empty), numbers, booleans and
    list-likes (a ``bedrooms`` list) are values, never missing; so is anything pandas cannot
    judge.

    Examples
    --------
    >>> import pandas as pd
    >>> [is_missing(v) for v in (None, float("nan"), pd.NA, pd.NaT)]
    [True, True, True, True]
    >>> [is_missing(v) for v in ("", 0, False, ["1_BEDROOM"])]
    [False, False, False, False]
    """
    if value is None:
        return True
    if isinstance(value, float):  # numpy's float64 too
        return value != value
    if isinstance(value, str | bytes | int):  # bool is an int
        return False
    import pandas as pd  # loaded already wherever frames exist

    try:
        return bool(pd.api.types.is_scalar(value) and pd.isna(value))  # type: ignore[call-overload]
    except (TypeError, ValueError):  # an object pandas cannot judge is a value
        return False
