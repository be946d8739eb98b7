"""The Knock sandbox: a real HTTP server behaving like the Get Prospect endpoint.

New users have no API key and nobody can reach Knock from a test run, so the demo, the
notebooks and the tests all talk to this server over loopback by default.

Examples
--------
>>> from knock_data.sandbox import SandboxServer
>>> with SandboxServer(n_prospects=100, latency=0.02) as server:     # doctest: +SKIP
...     print(server.url, server.api_key, server.prospect_ids[:3])
"""

from knock_data.sandbox._data import DEFAULT_SEED, EXAMPLE_PROSPECT, generate_prospects
from knock_data.sandbox._names import naming_tables
from knock_data.sandbox._server import DEFAULT_API_KEY, FAULT_KINDS, SandboxServer

__all__ = [
    "DEFAULT_API_KEY",
    "DEFAULT_SEED",
    "EXAMPLE_PROSPECT",
    "FAULT_KINDS",
    "SandboxServer",
    "generate_prospects",
    "naming_tables",
]
