"""Key scopes: which API key a cached copy belongs to, without ever storing the key.

A cache file may be shared by several tenants, each with its own Knock key. Every cached copy
carries the *scope* of the key that fetched it, and is served only to that scope:

- :func:`key_scope` derives it with ``hashlib.scrypt`` (slow and memory-hard on purpose,
  about 50 ms and 16 MiB) under a random salt kept in the cache file. A stolen cache file is
  then no fast oracle for guessing keys, and the same key has unrelated scopes in two files.
  A client derives its scope once, when it opens its cache.
- On the way down, the scope travels on the request itself, as the query parameter
  :data:`SCOPE_PARAMETER` of the prospect URL (:func:`scoped_url`). Every requests-cache key
  function hashes the URL, so two tenants never share a requests-cache row, whichever
  ``CachedSession`` (and ``key_fn``) the caller brings. The key adapter, below the cache,
  takes the parameter off again (:func:`unscoped_url`): Knock never sees it.

A scope is not a secret (it cannot be turned back into the key), but only a short
:func:`fingerprint` of it is ever shown.
"""

from __future__ import annotations

import hashlib
import os
import re

__all__ = [
    "FOREIGN_CACHE_SALT",
    "SALT_BYTES",
    "SCOPE_PARAMETER",
    "fingerprint",
    "key_scope",
    "new_salt",
    "scoped_url",
    "unscoped_url",
]

#: The query parameter that carries a request's scope down to the cache layer.
SCOPE_PARAMETER = "knock_data_scope"
#: Bytes of random salt per cache file.
SALT_BYTES = 16
#: The salt for a caller's own requests-cache session on a backend that is not knock-data's
#: (it has no place for a salt of its own). scrypt keeps the scopes slow to test keys
#: against; only knock-data's own cache file gives each file a salt of its own.
FOREIGN_CACHE_SALT = b"knock-data scope for a requests-cache backend of the caller's"

# scrypt's cost: n=2**14, r=8 is the interactive-login setting of the scrypt paper (about
# 16 MiB and tens of milliseconds); 16 bytes (128 bits) of scope cannot collide in practice.
_SCRYPT = {"n": 2**14, "r": 8, "p": 1, "maxmem": 64 * 2**20, "dklen": 16}
_SCOPE_TEXT = re.compile(r"[0-9a-f]{32}")
_SCOPED = re.compile(rf"[?&]{SCOPE_PARAMETER}=([0-9a-f]{{32}})$")


def new_salt() -> bytes:
    """A fresh random salt for a new cache file (or history folder)."""
    return os.urandom(SALT_BYTES)


def key_scope(api_key: str, salt: bytes) -> str:
    """The scope of ``api_key`` under ``salt``: 32 hex digits, slow to compute on purpose.

    Examples
    --------
    >>> scope = key_scope("a-key", b"0123456789abcdef")
    >>> len(scope), scope == key_scope("a-key", b"0123456789abcdef")
    (32, True)
    >>> scope == key_scope("another-key", b"0123456789abcdef")
    False
    """
    return hashlib.scrypt(api_key.encode("utf-8"), salt=salt, **_SCRYPT).hex()


def fingerprint(scope: str) -> str:
    """The first 8 hex digits of a scope: enough to tell tenants apart in ``cache info``.

    Examples
    --------
    >>> fingerprint("3f2a9c1e" + "0" * 24)
    '3f2a9c1e'
    """
    return scope[:8]


def scoped_url(url: str, scope: str | None) -> str:
    """``url`` with the scope's query parameter added (``url`` itself when ``scope`` is None).

    Examples
    --------
    >>> scoped_url("http://127.0.0.1:8000/prospect/5", "ab" * 16)
    'http://127.0.0.1:8000/prospect/5?knock_data_scope=abababababababababababababababab'
    """
    if scope is None:
        return url
    if not _SCOPE_TEXT.fullmatch(scope):
        raise ValueError("A key scope is 32 lower-case hex digits.")
    return f"{url}{'&' if '?' in url else '?'}{SCOPE_PARAMETER}={scope}"


def unscoped_url(url: str) -> tuple[str, str | None]:
    """``(url without the scope parameter, the scope or None)``.

    Examples
    --------
    >>> unscoped_url("http://h/prospect/5?knock_data_scope=" + "ab" * 16)[0]
    'http://h/prospect/5'
    >>> unscoped_url("http://h/prospect/5")
    ('http://h/prospect/5', None)
    """
    match = _SCOPED.search(url)
    if match is None:
        return url, None
    return url[: match.start()], match[1]
