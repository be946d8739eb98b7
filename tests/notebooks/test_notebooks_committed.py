"""Notebooks are committed clean: no outputs, no execution counts, no saved widget state.

Outputs in git leak data (and possibly a key) and make every diff noisy; each notebook also
starts with a papermill-style ``parameters`` cell that reads the key from the environment.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from tests.notebooks._jupyter import NOTEBOOKS

EXPECTED = (
    "01_quickstart.ipynb",
    "02_breakdowns.ipynb",
    "03_funnel_dashboard.ipynb",
    "04_movement.ipynb",
    "05_comparisons.ipynb",
    "dashboard_app.ipynb",
)
ALL = sorted(NOTEBOOKS.glob("*.ipynb"))


def test_the_documented_notebooks_exist() -> None:
    assert set(EXPECTED) <= {path.name for path in ALL}


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.name)
def test_committed_without_outputs(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    dirty = [
        i
        for i, cell in enumerate(nb.cells)
        if cell.cell_type == "code" and (cell.outputs or cell.execution_count is not None)
    ]
    assert not dirty, f"{path.name}: cells {dirty} hold outputs; clear them before committing"
    assert "widgets" not in nb.metadata, f"{path.name} holds saved widget state"


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.name)
def test_starts_with_a_parameters_cell_reading_the_environment(path: Path) -> None:
    first = nbformat.read(path, as_version=4).cells[0]
    assert first.cell_type == "code"
    assert "parameters" in first.metadata.get("tags", [])
    assert 'os.environ.get("KNOCK_API_KEY")' in first.source
    assert 'os.environ.get("KNOCK_BASE_URL")' in first.source
