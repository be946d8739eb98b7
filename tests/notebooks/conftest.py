"""Fixtures for running notebooks on a real kernel and in a real browser."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.notebooks._jupyter import JupyterHome, make_jupyter_home


@pytest.fixture(scope="session")
def jupyter_home(tmp_path_factory: pytest.TempPathFactory) -> JupyterHome:
    """Private Jupyter/IPython/cache directories and a kernelspec for this venv's Python."""
    return make_jupyter_home(tmp_path_factory.mktemp("jupyter-home"))


@pytest.fixture
def fresh_home(tmp_path: Path) -> JupyterHome:
    """Like ``jupyter_home`` but empty for one test (to search its files afterwards)."""
    return make_jupyter_home(tmp_path / "home")
