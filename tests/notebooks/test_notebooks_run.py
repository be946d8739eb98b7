"""Every notebook runs headless on a real kernel, as a new user and as a user with a key."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pandas as pd
import pytest

import knock_data as kd
from knock_data.sandbox import SandboxServer
from tests.notebooks._jupyter import NOTEBOOKS, JupyterHome, execute_notebook, outputs_text

pytestmark = pytest.mark.notebook

NAMES = (
    "01_quickstart.ipynb",
    "02_breakdowns.ipynb",
    "03_funnel_dashboard.ipynb",
    "04_movement.ipynb",
    "05_comparisons.ipynb",
)
APP = "dashboard_app.ipynb"
SECRET = "kd-test-SECRET-4f7c2a9e61b0"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def _parameters(name: str, tmp_path: Path) -> dict[str, object]:
    # The quickstart writes CSV files, the movement notebook a history: into the test's
    # directory, not the repository.
    if name == "01_quickstart.ipynb":
        return {"out_dir": str(tmp_path / "out")}
    if name == "04_movement.ipynb":
        return {"history_dir": str(tmp_path / "history")}
    return {}


def _outputs(nb: nbformat.NotebookNode) -> list[dict]:
    return [out for cell in nb.cells if cell.cell_type == "code" for out in cell.outputs]


def _stderr(nb: nbformat.NotebookNode) -> str:
    return "".join(
        out.get("text", "")
        for out in _outputs(nb)
        if out.get("output_type") == "stream" and out.get("name") == "stderr"
    )


@pytest.mark.parametrize("name", NAMES)
def test_runs_for_a_new_user_on_the_sandbox(
    name: str, jupyter_home: JupyterHome, tmp_path: Path
) -> None:
    nb = execute_notebook(NOTEBOOKS / name, jupyter_home, parameters=_parameters(name, tmp_path))

    text = outputs_text(nb)
    assert "the embedded sandbox" in text
    assert "Warning" not in _stderr(nb), _stderr(nb)
    if name == "01_quickstart.ipynb":
        out = tmp_path / "out"
        exported = pd.read_csv(out / "prospects.csv", dtype={"prospect_id": str})
        errors = pd.read_csv(out / "errors.csv", dtype={"prospect_id": str})
        assert len(exported) > 1800
        assert {"invalid_id", "not_found"} <= set(errors["error_code"])
        assert f"{len(exported):,} records fetched" in text
        assert "Maple Court (Austin)" in set(exported["community_name"])  # the sandbox's names
        assert pd.read_excel(out / "prospects.xlsx", sheet_name=None).keys() == {
            "prospects",
            "errors",
        }
        # It names the files it wrote, and only those.
        for written in ("prospects.xlsx", "prospects.csv", "prospects_masked.csv", "errors.csv"):
            assert f"Wrote {out / written}" in text
    else:
        images = [out for out in _outputs(nb) if "image/png" in out.get("data", {})]
        assert images, f"{name} drew no chart"
    if name == "03_funnel_dashboard.ipynb":
        views = [out for out in _outputs(nb) if WIDGET_VIEW in out.get("data", {})]
        assert views, "the dashboard did not display itself"
    if name == "04_movement.ipynb":
        images = [out for out in _outputs(nb) if "image/png" in out.get("data", {})]
        assert len(images) == 6, "cohorts, transitions, waterfall, time to tour, aging x2"
        views = [out for out in _outputs(nb) if WIDGET_VIEW in out.get("data", {})]
        assert views, "the dashboard with its Movement tab did not display itself"
        assert "Runs: 12" in text  # twelve weekly snapshots into the history
        assert "12 snapshots from 2021-11-02 to 2022-01-18" in text
        assert "What truly happened" in text  # one prospect against the sandbox's truth
        history = kd.History(tmp_path / "history")
        assert history.info().runs == 12
    if name == "05_comparisons.ipynb":
        images = [out for out in _outputs(nb) if "image/png" in out.get("data", {})]
        assert len(images) >= 4, "the comparison, funnels and demand charts"
        # The sample spend matches the sandbox's sources: every kind of row shows up, the
        # last month (one day of data) is marked partial, and the sandbox's chance phone
        # collisions are found.
        assert all(match in text for match in ("both", "spend only", "leads only"))
        assert "Partial: 2020-08, 2021-11" in text
        assert "prospects in" in text


@pytest.mark.parametrize("name", NAMES)
def test_runs_with_a_key_and_never_shows_it(
    name: str, fresh_home: JupyterHome, tmp_path: Path
) -> None:
    with SandboxServer(api_key=SECRET) as knock:
        env = {**fresh_home.env, "KNOCK_API_KEY": SECRET, "KNOCK_BASE_URL": knock.url}
        nb = execute_notebook(
            NOTEBOOKS / name, fresh_home, env=env, parameters=_parameters(name, tmp_path)
        )
        assert knock.request_count > 1800  # the notebook used the key's server

    text = outputs_text(nb)
    assert "embedded sandbox" not in text
    assert SECRET not in text
    assert SECRET not in json.dumps(nb)
    # Nor on disk: the cache file, the exported CSVs, Jupyter's and IPython's files.
    for root in (fresh_home.root, tmp_path):
        for path in root.rglob("*"):
            if path.is_file():
                assert SECRET.encode() not in path.read_bytes(), path
    if name == "01_quickstart.ipynb":
        header = (tmp_path / "out" / "prospects.csv").read_text(encoding="utf-8-sig")
        assert header.startswith("prospect_id,")
    if name == "04_movement.ipynb":  # one snapshot of the key's prospects, kept
        assert kd.History(tmp_path / "history").info().runs == 1
        assert "no ground truth" in text


def test_the_app_shows_the_dashboard_only(jupyter_home: JupyterHome, tmp_path: Path) -> None:
    nb = execute_notebook(NOTEBOOKS / APP, jupyter_home)
    outputs = _outputs(nb)
    # Nothing but the dashboard: no progress bar, no print, no warning, no prose.
    assert [list(out.get("data", {})) for out in outputs if out.get("output_type") != "stream"]
    assert [out for out in outputs if out.get("output_type") == "stream"] == []
    views = [out for out in outputs if WIDGET_VIEW in out.get("data", {})]
    assert len(views) == 1
    assert all(cell.cell_type == "code" for cell in nb.cells)


def test_the_app_with_a_key_never_shows_it(fresh_home: JupyterHome) -> None:
    with SandboxServer(api_key=SECRET) as knock:
        env = {**fresh_home.env, "KNOCK_API_KEY": SECRET, "KNOCK_BASE_URL": knock.url}
        nb = execute_notebook(NOTEBOOKS / APP, fresh_home, env=env)
        assert knock.request_count > 1800
    assert SECRET not in json.dumps(nb)
    assert [out for out in _outputs(nb) if out.get("output_type") == "stream"] == []
