"""The prospect schema: API field paths, their snake_case column names, and missing values.

The bottom of the package, read by every layer above the records:

- the frame builder takes the columns, their order and their kinds from here
  (:data:`FIELD_TO_COLUMN`, :data:`COLUMN_KINDS`);
- the analysis, the charts and the dashboard name the columns they read through the
  constants below (:data:`STATUS`, :data:`SOURCE_TITLE`...), each taken from
  :data:`FIELD_TO_COLUMN`, so a column's name is written once;
- the export takes the columns that hold personal data (:data:`PII_COLUMNS`);
- every layer asks :func:`is_missing` whether a single value is missing.

It imports nothing heavy: pandas is loaded only when :func:`is_missing` meets a value that
plain Python cannot judge (and every caller of that has pandas loaded already).
"""

from __future__ import annotations

import re

__all__ = [
    "AGENT_USERNAME",
    "CATEGORICAL_COLUMNS",
    "COLUMNS",
    "COLUMN_KINDS",
    "COMMUNITY_ID",
    "CREATED_AT",
    "FIELD_TO_COLUMN",
    "FIRST_CONTACT_TYPE",
    "IS_DELETED",
    "NOT_PROSPECT",
    "PII_CHOICES",
    "PII_COLUMNS",
    "PROSPECT_ID",
    "SMS_CONSENT",
    "SOURCE_TITLE",
    "STATUS",
    "column_name",
    "is_missing",
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
