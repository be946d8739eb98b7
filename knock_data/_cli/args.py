"""Argument types and options shared by the ``knock-data`` subcommands.

Each type takes the text argparse was given and returns the value, or raises
:class:`argparse.ArgumentTypeError` with a message that says what was expected, which
argparse prints after the option's name (``argument --workers: must be at least 1, got 0``).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any, TypeVar

from knock_data._fetch.config import ENV_CACHE, default_cache_path

__all__ = [
    "Commands",
    "add_cache_option",
    "moment",
    "port",
    "positive_int",
    "printable",
    "rate",
    "seconds",
    "share",
]

#: What ``add_subparsers()`` returns (argparse's private ``_SubParsersAction``): each
#: subcommand module's ``add_<name>(commands)`` declares its parser on it.
Commands = Any

_N = TypeVar("_N", int, float)


def _parse(text: str, convert: Callable[[str], _N], expected: str) -> _N:
    try:
        return convert(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}") from None


def positive_int(text: str) -> int:
    """A whole number of at least 1 (workers, prospects)."""
    value = _parse(text, int, "a whole number")
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def port(text: str) -> int:
    """A TCP port, 0 meaning any free one."""
    value = _parse(text, int, "a port number")
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"must be 0 (any free port) to 65535, got {value}")
    return value


def seconds(text: str) -> float:
    """A duration in seconds, zero or more."""
    value = _parse(text, float, "seconds")
    if not value >= 0:  # also refuses nan
        raise argparse.ArgumentTypeError(f"must be zero or more seconds, got {text}")
    return value


def share(text: str) -> float:
    """A share between 0 and 1."""
    value = _parse(text, float, "a share such as 0.1")
    if not 0 <= value <= 1:  # also refuses nan
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, got {text}")
    return value


def rate(text: str) -> float:
    """Requests per second, more than 0."""
    value = _parse(text, float, "requests per second")
    if not value > 0:  # also refuses nan
        raise argparse.ArgumentTypeError(f"must be more than 0, got {text}")
    return value


def printable(text: object) -> str:
    r"""``text`` with every character a terminal would act on (escape sequences, line breaks,
    invisible formatting) written as a Python escape: ``\x1b[2J`` for ESC [2J.

    Examples
    --------
    >>> printable("12\x1b[2J")
    '12\\x1b[2J'
    """
    return "".join(c if c.isprintable() else ascii(c)[1:-1] for c in str(text))


def moment(text: str) -> Any:
    """A moment: a day or a time, ISO 8601 (naive is UTC), as an aware UTC datetime."""
    from datetime import UTC, datetime

    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a day or a moment such as 2021-12-31 or 2021-12-31T09:30Z, got {text!r}"
        ) from None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def add_cache_option(parser: argparse.ArgumentParser) -> None:
    """``--cache PATH``, the cache file, for every subcommand that uses one."""
    usual = str(default_cache_path(environ={})).replace("%", "%%")  # argparse formats help
    parser.add_argument(
        "--cache", metavar="PATH", help=f"cache file (default: ${ENV_CACHE} if set, else {usual})"
    )
