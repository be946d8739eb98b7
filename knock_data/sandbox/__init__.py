"""The Knock sandbox: a real HTTP server behaving like the Get Prospect endpoint.

New users have no API key and nobody can reach Knock from a test run, so the demo, the
notebooks and the tests all talk to this server over loopback by default. Its prospects live
in simulated time: each follows a lifecycle through the funnel, the clock starts at the
default moment (where every record is as :func:`generate_prospects` makes it) and moves
forward with :meth:`SandboxServer.advance`, and new leads keep arriving.

Examples
--------
>>> from knock_data.sandbox import SandboxServer
>>> with SandboxServer(n_prospects=100, latency=0.02) as server:     # doctest: +SKIP
...     print(server.url, server.api_key, server.prospect_ids[:3])
...     server.advance(days=7)
"""

from knock_data.sandbox._data import DEFAULT_SEED, EXAMPLE_PROSPECT, generate_prospects
from knock_data.sandbox._names import naming_tables
from knock_data.sandbox._rules import ALLOWED_STEPS
from knock_data.sandbox._server import ADVANCE_PATH, DEFAULT_API_KEY, FAULT_KINDS, SandboxServer

__all__ = [
    "ADVANCE_PATH",
    "ALLOWED_STEPS",
    "DEFAULT_API_KEY",
    "DEFAULT_SEED",
    "EXAMPLE_PROSPECT",
    "FAULT_KINDS",
    "SandboxServer",
    "generate_prospects",
    "naming_tables",
]
