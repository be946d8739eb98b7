"""The dashboard's Movement tab as an analyst meets it: Voila serves a notebook that keeps a
history of weekly snapshots, chromium opens the tab, picks another snapshot and filters.

Set ``KNOCK_UPDATE_SCREENSHOT=1`` to save the tab's screenshot to docs/dashboard_movement.png
(the README shows it).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook
from playwright.sync_api import Page, expect, sync_playwright

from tests.notebooks._jupyter import CHROMIUM, CHROMIUM_ARGS, REPO, JupyterHome, voila_server

pytestmark = pytest.mark.browser

LOAD_TIMEOUT = 120_000  # ms: kernel start, six snapshots into a history, first charts
STEP_TIMEOUT = 30_000

# Six weekly snapshots of a sandbox that is never started (its records at each moment),
# appended to a history as the client records them, then the dashboard with that history.
NOTEBOOK = """\
import tempfile
from datetime import timedelta
import knock_data as kd
from knock_data.sandbox import SandboxServer, naming_tables

server = SandboxServer(n_prospects=600)
moments = [server.now + timedelta(days=7 * week) for week in range(6)]
ids = SandboxServer(n_prospects=600, now=moments[-1]).prospect_ids
history = kd.History(tempfile.mkdtemp() + "/history")
for moment in moments:
    records = [r for r in (server.record_at(pid, moment) for pid in ids) if r is not None]
    history.append(records, observed_at=moment)
frame = kd.with_names(kd.to_frame(records), **naming_tables())
kd.Dashboard(frame, title="Leasing leads", history=history)
"""


def _svg(page: Page, chart: str) -> str:
    """The SVG text of a chart as the browser has it, once its image has loaded."""
    image = page.locator(f"img.knock-chart-{chart}")
    expect(image).to_have_attribute("src", re.compile("."), timeout=STEP_TIMEOUT)
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0",
        arg=image.element_handle(),
        timeout=STEP_TIMEOUT,
    )
    src = image.get_attribute("src") or ""
    return str(page.evaluate("src => fetch(src).then(r => r.text())", src))


def _screenshot_path(tmp_path: Path) -> Path:
    """docs/dashboard_movement.png with ``KNOCK_UPDATE_SCREENSHOT=1`` (the README shows it)."""
    if os.environ.get("KNOCK_UPDATE_SCREENSHOT") == "1":
        return REPO / "docs" / "dashboard_movement.png"
    return tmp_path / "dashboard_movement.png"


def _src(page: Page, chart: str) -> str:
    return page.locator(f"img.knock-chart-{chart}").get_attribute("src") or ""


def _changed(page: Page, chart: str, before: str) -> None:
    """Wait until the chart's image is another one than ``before``."""
    page.wait_for_function(
        "([selector, before]) => document.querySelector(selector).src !== before",
        arg=[f"img.knock-chart-{chart}", before],
        timeout=STEP_TIMEOUT,
    )


def _prospects(svg: str) -> int:
    match = re.search(r"\(([\d,]+) prospects\)", svg)
    assert match, svg[-400:]
    return int(match.group(1).replace(",", ""))


def test_movement_tab_in_a_real_browser(jupyter_home: JupyterHome, tmp_path: Path) -> None:
    notebook = tmp_path / "movement_app.ipynb"
    nbformat.write(new_notebook(cells=[new_code_cell(NOTEBOOK)]), notebook)
    with (
        voila_server(notebook, jupyter_home, log=tmp_path / "voila.log") as url,
        sync_playwright() as pw,
    ):
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1700})
            page.goto(url, timeout=LOAD_TIMEOUT)
            dashboard = page.locator(".knock-dashboard")
            failed = page.get_by_text("Traceback (most recent call last)")
            expect(dashboard.or_(failed).first).to_be_visible(timeout=LOAD_TIMEOUT)
            assert not failed.count(), failed.first.inner_text()

            page.get_by_role("tab", name="Movement").click()
            whole = _svg(page, "transitions")
            assert "Where leads moved, 2021-11-02 to 2021-12-07" in whole
            assert "(created)" in whole
            assert "Open leads, 2021-11-02 to 2021-12-07" in _svg(page, "waterfall")
            assert "within 14 days" in _svg(page, "cohorts")
            dashboard.scroll_into_view_if_needed()
            dashboard.screenshot(path=str(_screenshot_path(tmp_path)))

            # Another first snapshot: the charts follow.
            before = _src(page, "transitions")
            page.locator(".knock-movement-start select").select_option(label="2021-11-16")
            _changed(page, "transitions", before)
            later = _svg(page, "transitions")
            assert "2021-11-16 to 2021-12-07" in later

            # One community only: the movement of its prospects.
            before = _src(page, "transitions")
            community = page.locator(".knock-filter-community")
            community.get_by_role("button", name="None").click()
            # The kernel's answer first: a box ticked before it arrives would be unticked.
            expect(page.locator(".knock-message")).to_contain_text("Nothing is selected")
            maple = community.locator(".widget-checkbox", has_text="Maple Court (Austin)")
            maple.locator("input").check()
            expect(page.locator(".knock-summary")).to_contain_text("charts show")
            _changed(page, "transitions", before)
            narrowed = _svg(page, "transitions")
            assert 0 < _prospects(narrowed) < _prospects(later)

            # A backward period is refused in words, not drawn.
            page.locator(".knock-movement-end select").select_option(label="2021-11-09")
            expect(page.locator(".knock-movement-note")).to_contain_text(
                "pick an earlier one", timeout=STEP_TIMEOUT
            )
        finally:
            browser.close()
