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

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from knock_data._exceptions import ConfigurationError

__all__ = [
    "BASE_URLS",
    "ENV_API_KEY",
    "ENV_BASE_URL",
    "ENV_CACHE",
    "STAGE_TEST_KEY",
    "Connection",
    "default_cache_path",
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
    """Where to send requests and with which key. The key never appears in the repr."""

    base_url: str
    env: str
    api_key: str = field(repr=False)


def _environ(environ: Mapping[str, str] | None) -> Mapping[str, str]:
    return os.environ if environ is None else environ


def resolve_connection(
    api_key: str | None = None,
    *,
    env: str = "prod",
    base_url: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> Connection:
    """Resolve the base URL and API key from arguments, then the environment, then defaults.

    ``base_url`` (or ``$KNOCK_BASE_URL``) overrides ``env``. The key is ``api_key``, else
    ``$KNOCK_API_KEY``, else, for ``env="stage"``, Knock's public test key.

    Raises
    ------
    ConfigurationError
        For an unknown ``env``, or when no key is available for production.

    Examples
    --------
    >>> resolve_connection(env="stage", environ={}).base_url
    'https://stage-syndication.knockrentals.com'
    """
    values = _environ(environ)
    if env not in BASE_URLS:
        raise ConfigurationError(
            f"Unknown env {env!r}: choose one of {sorted(BASE_URLS)}, "
            "or pass base_url= to talk to another server."
        )
    url = base_url or values.get(ENV_BASE_URL) or BASE_URLS[env]
    if not _is_http_url(url):
        raise ConfigurationError(
            f"base_url must be an http:// or https:// URL with a host name, got {url!r}.",
            hint="For example https://syndication.knockrentals.com or the sandbox's "
            "http://127.0.0.1:8000.",
        )
    key = api_key or values.get(ENV_API_KEY)
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


def _is_http_url(url: str) -> bool:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname) and not re.search(r"\s", url)


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
