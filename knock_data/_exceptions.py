"""The knock-data exception tree.

Every error raised on purpose by knock-data derives from :class:`KnockError`, so one
``except knock_data.KnockError`` catches them all. Errors that replace a builtin also
subclass it (an invalid id is a ``ValueError``, a timeout a ``TimeoutError``), so generic
handlers keep working. Each class has a ``code`` (the second column below): the ``reason``
column of :attr:`FetchResult.errors <knock_data.FetchResult.errors>` for the ids that failed
with it::

    KnockError                                    error           the root
    ├── ConfigurationError (ValueError)           configuration   no key, unknown env, bad
    │   │                                                         option, unusable cache file
    │   ├── HistoryError                          history         a history folder that cannot
    │   │                                                         be used as it is
    │   └── WrongArgumentType (TypeError)         wrong_type      an argument of the wrong
    │                                                             kind (a list for a frame)
    ├── InvalidProspectId (ValueError)            invalid_id      an id Knock would reject
    ├── ProspectNotFound (LookupError)            not_found       CORE_API_GET_PROSPECT_FAIL
    ├── AuthenticationError (PermissionError)     authentication  401/403: stops a whole batch
    ├── KnockAPIError                             api_error       Knock could not answer
    │   ├── RateLimited                           rate_limited    429 after every retry
    │   ├── ServerError                           server_error    5xx
    │   ├── BadResponse                           bad_response    a truncated or non-JSON body,
    │   │                                                         an unexpected status
    │   ├── Timeout (TimeoutError)                timeout         no answer in time
    │   └── ConnectionFailed (ConnectionError)    connection      refused, dropped, unreachable
    └── RecordError (TypeError)                   invalid_record  a record that cannot be a row

Things worth knowing that are not failures (a cache file upgraded, its old copies dropped) are
a :class:`KnockWarning`, a ``UserWarning``: ``warnings.filterwarnings("ignore",
category=knock_data.KnockWarning)`` silences them.

Each carries the prospect id, the HTTP status, Knock's own ``errorCode`` as
``knock_error_code``, what the server said (``errorMessage``, a gateway's ``message`` or an
excerpt of the body) and a hint saying what to do next. None ever holds the API key.
"""

from __future__ import annotations

import warnings
from datetime import datetime
from typing import Any, ClassVar

__all__ = [
    "AuthenticationError",
    "BadResponse",
    "ConfigurationError",
    "ConnectionFailed",
    "HistoryError",
    "InvalidProspectId",
    "KnockAPIError",
    "KnockError",
    "KnockWarning",
    "ProspectNotFound",
    "RateLimited",
    "RecordError",
    "ServerError",
    "Timeout",
    "WrongArgumentType",
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
    knock_error_code
        Knock's own ``errorCode`` (for example ``CORE_API_GET_PROSPECT_FAIL``), when given.
    server_message
        What the server said: its ``errorMessage`` or ``message``, or a short excerpt of
        the body.
    hint
        What to do next.

    Attributes
    ----------
    code : str
        knock-data's name for this kind of failure (a class attribute): the ``reason``
        column of :attr:`knock_data.FetchResult.errors`.
    """

    code: ClassVar[str] = "error"

    def __init__(
        self,
        message: str,
        *,
        prospect_id: str | None = None,
        status_code: int | None = None,
        knock_error_code: str | None = None,
        server_message: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.message = message
        self.prospect_id = prospect_id
        self.status_code = status_code
        self.knock_error_code = knock_error_code
        self.server_message = server_message
        self.hint = hint
        super().__init__(message)

    @property
    def error_code(self) -> str | None:
        """Deprecated alias of :attr:`knock_error_code`, kept for one release."""
        warnings.warn(
            "KnockError.error_code is deprecated and will be removed: use knock_error_code "
            "(Knock's errorCode), or code for knock-data's reason.",
            DeprecationWarning,
            stacklevel=2,
        )
        return self.knock_error_code

    def __str__(self) -> str:
        parts = [self.message]
        said = []
        if self.status_code is not None:
            said.append(f"HTTP {self.status_code}")
        if self.knock_error_code:
            said.append(self.knock_error_code)
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
    """knock-data was set up wrongly: no API key, an unknown ``env``, a bad option, or a cache
    file that cannot be used (corrupt, read-only, in use by another process too long)."""

    code = "configuration"


class HistoryError(ConfigurationError):
    """A history folder cannot be used as it is: a file in it that knock-data did not write,
    a corrupt chunk, a folder that belongs to another API key, or one that cannot be written.
    The message names the file and what to do; nothing already in the history is lost."""

    code = "history"


class WrongArgumentType(ConfigurationError, TypeError):
    """An argument of the wrong kind: a list where a DataFrame is needed, a number for a
    path. It is a ``TypeError`` (and, as a :class:`ConfigurationError`, a ``ValueError``), so
    handlers of either keep working."""

    code = "wrong_type"


class InvalidProspectId(KnockError, ValueError):
    """An id that is not a number without spaces or special characters; it is never sent."""

    code = "invalid_id"


class ProspectNotFound(KnockError, LookupError):
    """Knock has no prospect with this id (``CORE_API_GET_PROSPECT_FAIL``).

    Parameters
    ----------
    message, prospect_id, status_code, knock_error_code, server_message, hint
        As for :class:`KnockError`.
    observed_at
        When Knock said so: the answer's ``Date`` header (the server's clock), when it sent
        one. A history records the prospect as gone at that moment.
    """

    code = "not_found"

    def __init__(
        self, message: str, *, observed_at: datetime | None = None, **context: Any
    ) -> None:
        self.observed_at = observed_at
        super().__init__(message, **context)


class AuthenticationError(KnockError, PermissionError):
    """The API key is missing, wrong or not allowed here (401/403); it stops a whole batch."""

    code = "authentication"


class KnockAPIError(KnockError):
    """Knock or its gateway could not answer; the subclasses say how."""

    code = "api_error"


class RateLimited(KnockAPIError):
    """Knock kept answering 429 Too Many Requests after every retry."""

    code = "rate_limited"


class ServerError(KnockAPIError):
    """Knock failed with a 5xx status (502, 503 and 504 after every retry)."""

    code = "server_error"


class BadResponse(KnockAPIError):
    """An answer that is not one: a truncated or non-JSON body, a 200 without a prospect, an
    unexpected status, or a redirect loop."""

    code = "bad_response"


class Timeout(KnockAPIError, TimeoutError):
    """Knock did not answer within the client's ``timeout``, after every retry."""

    code = "timeout"


class ConnectionFailed(KnockAPIError, ConnectionError):
    """The connection to Knock was refused, dropped or could not be made."""

    code = "connection"


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
    prospect_id, status_code, knock_error_code, server_message, hint
        As for :class:`KnockError`.
    """

    code = "invalid_record"

    def __init__(
        self,
        message: str,
        *,
        position: int | None = None,
        field: str | None = None,
        prospect_id: str | None = None,
        status_code: int | None = None,
        knock_error_code: str | None = None,
        server_message: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.position = position
        self.field = field
        super().__init__(
            message,
            prospect_id=prospect_id,
            status_code=status_code,
            knock_error_code=knock_error_code,
            server_message=server_message,
            hint=hint,
        )


class KnockWarning(UserWarning):
    """Something knock-data did that the user should know about, though nothing failed: a
    cache file from an older version upgraded (and the copies it could not keep dropped)."""


# Shown as knock_data.X in tracebacks and reprs: the private module is not the user's address.
for _class in (
    KnockError,
    ConfigurationError,
    HistoryError,
    WrongArgumentType,
    InvalidProspectId,
    ProspectNotFound,
    AuthenticationError,
    KnockAPIError,
    RateLimited,
    ServerError,
    BadResponse,
    Timeout,
    ConnectionFailed,
    RecordError,
    KnockWarning,
):
    _class.__module__ = "knock_data"
del _class
