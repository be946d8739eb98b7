"""Configuration of the fetch layer: where requests go, with which key, and the cache file.

The fetch layer reads the environment here and nowhere else, once per client:

========================  ==================================================================
Variable                  Meaning
========================  ==================================================================
``KNOCK_API_KEY``         API key sent in ``x-api-key`` when ``api_key`` is not given.
``KNOCK_BASE_URL``        Base URL used when ``base_url`` is not given (overrides ``env``).
``KNOCK_DATA_CACHE``      Path of the default cache file (SQLite).
``HTTPS_PROXY`` and co.   Proxies, read as requests reads them (:func:`transport_settings`).
``REQUESTS_CA_BUNDLE``    CA bundle for https (also ``CURL_CA_BUNDLE``).
========================  ==================================================================

The default cache file is ``http_cache.sqlite`` in the user cache directory
(``~/.cache/knock-data/`` on Linux, ``~/Library/Caches/knock-data/`` on macOS,
``%LOCALAPPDATA%\\knock-data\\Cache\\`` on Windows). Nothing is created until a client first
uses the cache.

Knock's public stage test key is written here once (:data:`STAGE_TEST_KEY`); the sandbox
accepts the same key by default.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import NoReturn, SupportsIndex
from urllib.parse import SplitResult, urlsplit

from knock_data._exceptions import ConfigurationError

__all__ = [
    "BASE_URLS",
    "ENV_API_KEY",
    "ENV_BASE_URL",
    "ENV_CACHE",
    "STAGE_TEST_KEY",
    "Connection",
    "default_cache_path",
    "is_loopback",
    "redact_url",
    "resolve_connection",
    "transport_settings",
]

ENV_API_KEY = "KNOCK_API_KEY"
ENV_BASE_URL = "KNOCK_BASE_URL"
ENV_CACHE = "KNOCK_DATA_CACHE"

#: Base URL of each Knock environment.
BASE_URLS: dict[str, str] = {
    "prod": "https://syndication.knockrentals.com",
    "stage": "https://stage-syndication.knockrentals.com",
}

#: The public test key of Knock's stage environment (from the API document).
STAGE_TEST_KEY = "syndication-prospect-TEST-KEY"

_CACHE_FILE = "http_cache.sqlite"


@dataclass(frozen=True)
class Connection:
    """Where to send requests and with which key. The key never appears in the repr, and a
    connection cannot be pickled (a pickle would hold the key)."""

    base_url: str
    env: str
    api_key: str = field(repr=False)

    def __reduce_ex__(self, protocol: SupportsIndex) -> NoReturn:
        raise TypeError(
            "A knock-data connection cannot be pickled: it holds the API key, which knock-data "
            "never writes anywhere. Build the client in each process instead."
        )


def _environ(environ: Mapping[str, str] | None) -> Mapping[str, str]:
    return os.environ if environ is None else environ


def resolve_connection(
    api_key: str | None = None,
    *,
    env: str = "prod",
    base_url: str | None = None,
    allow_insecure: bool = False,
    environ: Mapping[str, str] | None = None,
) -> Connection:
    """Resolve the base URL and API key from arguments, then the environment, then defaults.

    ``base_url`` (or ``$KNOCK_BASE_URL``) overrides ``env``. The key is ``api_key``, else, for
    ``env="prod"``, ``$KNOCK_API_KEY``; ``env="stage"`` without a key uses Knock's public test
    key and never reads ``$KNOCK_API_KEY`` (a production key is not sent to stage).

    The key's surrounding whitespace (a trailing newline from a file, a CR from a CRLF
    ``.env``) is stripped.

    Raises
    ------
    ConfigurationError
        For an unknown ``env``; when no key is available for production; for a key with a
        control or non-ASCII character inside (the message never shows the key); for a base
        URL holding a user name or password (shown redacted); for plain ``http://`` to a host
        other than this machine unless ``allow_insecure``.

    Examples
    --------
    >>> resolve_connection(env="stage", environ={}).base_url
    'https://stage-syndication.knockrentals.com'
    >>> resolve_connection(" key-from-a-file\\n", environ={}).api_key
    'key-from-a-file'
    """
    values = _environ(environ)
    if env not in BASE_URLS:
        raise ConfigurationError(
            f"Unknown env {env!r}: choose one of {sorted(BASE_URLS)}, "
            "or pass base_url= to talk to another server."
        )
    url = _check_base_url(base_url or values.get(ENV_BASE_URL) or BASE_URLS[env], allow_insecure)
    if api_key is not None:
        key, source = api_key, "api_key="
    elif env == "prod":
        key, source = values.get(ENV_API_KEY) or "", f"${ENV_API_KEY}"
    else:
        key, source = "", ""
    key = _check_key(key, source)
    if not key and env == "stage":
        key = STAGE_TEST_KEY
    if not key:
        raise ConfigurationError(
            "No API key for Knock's production API.",
            hint=(
                f"Set the {ENV_API_KEY} environment variable (export {ENV_API_KEY}=...) or "
                "pass api_key=... to KnockClient. No key yet? Try knock-data on the local "
                "sandbox (`knock-data sandbox`, then base_url=<its URL>, env='stage'), or use "
                "Knock's stage environment with its public test key: env='stage'."
            ),
        )
    return Connection(base_url=url.rstrip("/"), env=env, api_key=key)


def _check_key(key: str, source: str) -> str:
    """The key without surrounding whitespace; refused (never echoed) if it cannot be sent."""
    key = key.strip()
    for position, char in enumerate(key, start=1):
        if not char.isascii():
            what = "a non-ASCII character"
        elif not char.isprintable():
            what = "a control character (a line break, a tab or another)"
        else:
            continue
        raise ConfigurationError(
            f"The API key from {source} has {what} at position {position} of "
            f"{len(key)}, which an HTTP header cannot carry.",
            hint="Copy the key again from Knock exactly as issued (ASCII letters, digits and "
            "punctuation); check the file or .env it comes from. The key is not shown here.",
        )
    return key


def is_loopback(host: str | None) -> bool:
    """True for this machine: ``localhost`` or a loopback address (127.0.0.0/8, ``::1``).

    Examples
    --------
    >>> is_loopback("127.0.0.1"), is_loopback("localhost"), is_loopback("knock.test")
    (True, True, False)
    """
    if not host:
        return False
    if host.lower().rstrip(".") == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def redact_url(url: str) -> str:
    """``url`` with any password in it replaced by ``***`` (for messages).

    Examples
    --------
    >>> redact_url("https://ann:hunter2@knock.test/x")
    'https://ann:***@knock.test/x'
    """
    try:
        parts = urlsplit(url)
    except ValueError:
        return re.sub(r"//[^/@]*@", "//***@", url)
    if parts.password is None and "@" not in parts.netloc:
        return url
    user = parts.username or ""
    host = parts.netloc.rpartition("@")[2]
    netloc = f"{user}:***@{host}" if parts.password is not None else f"{user}@{host}"
    return parts._replace(netloc=netloc).geturl()


def _check_base_url(url: str, allow_insecure: bool) -> str:
    shown = redact_url(url)
    parts = _http_parts(url)
    if parts is None:
        raise ConfigurationError(
            f"base_url must be an http:// or https:// URL with a host name, got {shown!r}.",
            hint="For example https://syndication.knockrentals.com or the sandbox's "
            "http://127.0.0.1:8000.",
        )
    if parts.username is not None or parts.password is not None:
        raise ConfigurationError(
            f"base_url must not hold a user name or password, got {shown!r}.",
            hint="Knock's API takes its key in the x-api-key header (api_key= or "
            f"${ENV_API_KEY}); a password in a URL would end up in logs, caches and errors. "
            "Remove the user:password@ part.",
        )
    if parts.scheme == "http" and not allow_insecure and not is_loopback(parts.hostname):
        raise ConfigurationError(
            f"base_url {shown!r} is plain http:// to another machine: the API key and the "
            "prospects would travel unencrypted.",
            hint="Use https://, or pass allow_insecure=True if this is on purpose, for "
            "example a test server on your own network.",
        )
    return url


def _http_parts(url: str) -> SplitResult | None:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        return None
    if parts.scheme in ("http", "https") and parts.hostname and not re.search(r"\s", url):
        return parts
    return None


def default_cache_path(environ: Mapping[str, str] | None = None) -> Path:
    """Path of the default cache file: ``$KNOCK_DATA_CACHE``, else the user cache directory.

    Only computes the path; nothing is created.

    Examples
    --------
    >>> default_cache_path({"KNOCK_DATA_CACHE": "/tmp/knock.sqlite"})
    PosixPath('/tmp/knock.sqlite')
    """
    configured = _environ(environ).get(ENV_CACHE)
    if configured:
        return Path(configured).expanduser()
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("knock-data", appauthor=False)) / _CACHE_FILE


def transport_settings(
    url: str, environ: Mapping[str, str] | None = None
) -> tuple[dict[str, str], bool | str]:
    """Proxies and CA bundle for ``url`` from the environment, as requests would read them.

    requests re-reads every environment variable on each request to find proxies (about
    0.2 ms, most of a cache write's cost); knock-data reads them once per client instead.

    Examples
    --------
    >>> transport_settings("https://syndication.knockrentals.com", environ={})
    ({}, True)
    """
    from requests.utils import get_environ_proxies

    values = _environ(environ)
    if environ is None:
        proxies = dict(get_environ_proxies(url))
    else:
        proxies = {
            scheme: values[name]
            for scheme in ("http", "https", "all")
            for name in (f"{scheme}_proxy", f"{scheme.upper()}_PROXY")
            if values.get(name)
        }
    verify: bool | str = values.get("REQUESTS_CA_BUNDLE") or values.get("CURL_CA_BUNDLE") or True
    return proxies, verify
