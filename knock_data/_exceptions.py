"""The knock-data exception tree.

Every error raised on purpose by knock-data derives from :class:`KnockError`, so one
``except knock_data.KnockError`` catches them all. Errors that replace a builtin also
subclass it (an invalid id is a ``ValueError``), so generic handlers keep working::

    KnockError
    ├── ConfigurationError (ValueError)     no key, unknown env, bad option
    ├── InvalidProspectId (ValueError)      an id Knock would reject; never sent
    ├── ProspectNotFound (LookupError)      CORE_API_GET_PROSPECT_FAIL
    ├── AuthenticationError (PermissionError)  401/403: stops a whole batch
    ├── KnockAPIError                       5xx, bad JSON, timeouts, dropped connections
    │   └── RateLimited                     429 after every retry
    └── RecordError (TypeError)             a record that is not a JSON object, or a
                                            field its column's type cannot hold

Each carries the prospect id, the HTTP status, Knock's ``errorCode``/``errorMessage``
(or gateway ``message``) and a hint saying what to do next. None ever holds the API key.
"""

from __future__ import annotations

__all__ = [
    "AuthenticationError",
    "ConfigurationError",
    "InvalidProspectId",
    "KnockAPIError",
    "KnockError",
    "ProspectNotFound",
    "RateLimited",
    "RecordError",
]


class KnockError(Exception):
    """Root of every error knock-data raises on purpose.

    Parameters
    ----------
    message
        What went wrong, in a sentence.
    prospect_id
        The id concerned, as text, when there is one.
    status_code
        The HTTP status Knock answered with, when there was an answer.
    error_code
        Knock's ``errorCode`` (for example ``CORE_API_GET_PROSPECT_FAIL``), when given.
    server_message
        What the server said: its ``errorMessage`` or ``message``, or a short excerpt of
        the body.
    hint
        What to do next.
    """

    def __init__(
        self,
        message: str,
        *,
        prospect_id: str | None = None,
        status_code: int | None = None,
        error_code: str | None = None,
        server_message: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.message = message
        self.prospect_id = prospect_id
        self.status_code = status_code
        self.error_code = error_code
        self.server_message = server_message
        self.hint = hint
        super().__init__(message)

    def __str__(self) -> str:
        parts = [self.message]
        said = []
        if self.status_code is not None:
            said.append(f"HTTP {self.status_code}")
        if self.error_code:
            said.append(self.error_code)
        if self.server_message:
            said.append(repr(self.server_message))
        if said:
            parts.append(f"Server said: {' '.join(said)}.")
        if self.hint:
            parts.append(self.hint)
        return " ".join(parts)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, prospect_id={self.prospect_id!r})"


class ConfigurationError(KnockError, ValueError):
    """knock-data was set up wrongly: no API key, an unknown ``env``, a bad option."""


class InvalidProspectId(KnockError, ValueError):
    """An id that is not a number without spaces or special characters."""


class ProspectNotFound(KnockError, LookupError):
    """Knock has no prospect with this id (``CORE_API_GET_PROSPECT_FAIL``)."""


class AuthenticationError(KnockError, PermissionError):
    """The API key is missing, wrong or not allowed here (401/403)."""


class KnockAPIError(KnockError):
    """Knock or its gateway failed: 5xx, a truncated or non-JSON body, a timeout, a reset."""


class RateLimited(KnockAPIError):
    """Knock kept answering 429 Too Many Requests after every retry."""


class RecordError(KnockError, TypeError):
    """A record handed to :func:`knock_data.to_frame` cannot become a row.

    Either the item is not a JSON object, or one of its fields holds a value its column's
    type cannot hold (``"createdAt": "yesterday"``, ``"occupants": "three"``).

    Parameters
    ----------
    message
        What went wrong, in a sentence.
    position
        The item's 0-based position in the records given.
    field
        The API field path concerned (``"createdAt"``, ``"agent.username"``), if any.
    prospect_id, status_code, error_code, server_message, hint
        As for :class:`KnockError`.
    """

    def __init__(
        self,
        message: str,
        *,
        position: int | None = None,
        field: str | None = None,
        prospect_id: str | None = None,
        status_code: int | None = None,
        error_code: str | None = None,
        server_message: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.position = position
        self.field = field
        super().__init__(
            message,
            prospect_id=prospect_id,
            status_code=status_code,
            error_code=error_code,
            server_message=server_message,
            hint=hint,
        )
