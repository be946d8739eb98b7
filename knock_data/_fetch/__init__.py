"""The fetch layer: prospect ids in, prospect records out (HTTP and the disk cache).

Modules, from the bottom up (each imports only those above it in this list):

- ``config``: where requests go and with which key; the environment, read here.
- ``ids``: normalising prospect ids and reading id files.
- ``responses``: pure classifiers, an answer (or a requests error) -> a record or the error it
  stands for, and what to do next (accept, retry, fall back to a cached copy, fail).
- ``retry``: :class:`RetryPolicy`, ``Retry-After``, backoff, the rate limiter, the retry loop.
- ``transport``: the sessions knock-data builds and the adapter that adds the API key.
- ``cache``: the SQLite cache file, a requests-cache backend with an index for bulk reads.
- ``fetcher``: one id from start to finish (send, classify, store, retry, stale copy).
- ``batch``: many ids through a thread pool, a bounded window, a progress bar, counts.
- ``result``: :class:`FetchResult` and its errors frame.
- ``client``: :class:`KnockClient`, the facade over all of the above.

Importing this package imports none of them, so the sandbox can read ``config`` cheaply.
"""

__all__: list[str] = []
