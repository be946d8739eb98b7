"""The fetch layer: prospect ids in, prospect records out (HTTP and the disk cache).

Modules, from the bottom up (each imports only those above it in this list):

- ``config``: where requests go and with which key; the environment, read here.
- ``ids``: normalising prospect ids and reading id files.
- ``responses``: pure classifiers, an answer (or a requests error) -> a record or the error it
  stands for, and what to do next (accept, retry, fall back to a cached copy, fail).
- ``retry``: :class:`RetryPolicy`, ``Retry-After``, backoff, the rate limiter, the retry loop.
- ``scope``: key scopes (which key a cached copy belongs to, never the key itself).
- ``transport``: the sessions knock-data builds and the adapter that adds the API key.
- ``cache_file``: where the cache file is, who may touch it, what its failures mean.
- ``cache_schema``: its tables (schema 2), compression, the upgrade from 0.1.
- ``cache_keys``: a prospect's URL taken apart, its requests-cache key, its fetch time.
- ``cache``: :class:`ProspectCache`, the requests-cache backend keeping each body once, per
  key scope; ``cache_info``: what a cache file holds, read without changing it.
- ``fetcher``: one id from start to finish (send, classify, store, retry, stale copy).
- ``batch``: many ids through a thread pool, a bounded window, a progress bar, counts.
- ``result``: :class:`FetchResult` and its errors frame.
- ``client``: :class:`KnockClient`, the facade over all of the above.

Importing this package imports none of them, so the sandbox can read ``config`` cheaply.
"""

__all__: list[str] = []
