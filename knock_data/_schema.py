"""The prospect schema: API field paths, their snake_case column names, in output order.

One place that every layer reads: the frame builder (columns and order), the analysis
(which columns exist) and the export (which columns hold personal data).
"""

from __future__ import annotations

import re

__all__ = [
    "CATEGORICAL_COLUMNS",
    "COLUMNS",
    "COLUMN_KINDS",
    "FIELD_TO_COLUMN",
    "PII_COLUMNS",
    "column_name",
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

#: What each documented column holds. ``knock_data._frame`` maps each kind to one pandas dtype
#: (its module docstring has the table).
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
