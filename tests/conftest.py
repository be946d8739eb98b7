"""Shared fixtures: the sandbox server on loopback, started once per test session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from knock_data.sandbox import SandboxServer


@pytest.fixture(scope="session")
def sandbox() -> Iterator[SandboxServer]:
    """A healthy sandbox with the default 5,000 prospects (shared: do not change its knobs)."""
    with SandboxServer() as server:
        yield server


@pytest.fixture
def make_sandbox() -> Iterator[type[SandboxServer]]:
    """Factory for a private sandbox (latency, faults, other keys); stopped after the test."""
    started: list[SandboxServer] = []

    def factory(**kwargs: object) -> SandboxServer:
        server = SandboxServer(**kwargs).start()  # type: ignore[arg-type]
        started.append(server)
        return server

    yield factory  # type: ignore[misc]
    for server in started:
        server.stop()


@pytest.fixture
def close_new_figures() -> Iterator[None]:
    """Close the pyplot figures a test leaves open (charts return theirs to the caller)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    before = set(plt.get_fignums())
    yield
    for number in set(plt.get_fignums()) - before:
        plt.close(number)
