"""The dashboard as an analyst meets it: Voila serves the notebook, chromium clicks around.

Set ``KNOCK_UPDATE_SCREENSHOT=1`` to save the dashboard's screenshot to docs/dashboard.png
(the README shows it); otherwise it goes to the test's temporary directory.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pandas as pd
import pytest
from playwright.sync_api import Page, expect, sync_playwright

from tests.notebooks._jupyter import (
    CHROMIUM,
    CHROMIUM_ARGS,
    NOTEBOOKS,
    REPO,
    JupyterHome,
    voila_server,
)

pytestmark = pytest.mark.browser

DASHBOARD = NOTEBOOKS / "03_funnel_dashboard.ipynb"
LOAD_TIMEOUT = 120_000  # ms: kernel start, sandbox, 2,000 fetches, first charts
STEP_TIMEOUT = 30_000


def _shown(page: Page) -> int:
    """The row count the summary line reports the charts show."""
    text = page.locator(".knock-summary").inner_text()
    match = re.search(r"charts show ([\d,]+)", text)
    assert match, text
    return int(match.group(1).replace(",", ""))


def _src(page: Page, chart: str) -> str:
    return page.locator(f"img.knock-chart-{chart}").get_attribute("src") or ""


def _screenshot_path(tmp_path: Path) -> Path:
    if os.environ.get("KNOCK_UPDATE_SCREENSHOT") == "1":
        path = REPO / "docs" / "dashboard.png"
        path.parent.mkdir(exist_ok=True)
        return path
    return tmp_path / "dashboard.png"


def test_filter_summary_chart_and_export_in_a_real_browser(
    jupyter_home: JupyterHome, tmp_path: Path
) -> None:
    drive_dashboard(DASHBOARD, jupyter_home, tmp_path)


def drive_dashboard(notebook: Path, jupyter_home: JupyterHome, tmp_path: Path) -> None:
    """Open the notebook in Voila and use its dashboard as an analyst would."""
    with (
        voila_server(notebook, jupyter_home, log=tmp_path / "voila.log") as url,
        sync_playwright() as pw,
    ):
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(
                viewport={"width": 1280, "height": 1000}, accept_downloads=True
            )
            page = context.new_page()
            page.goto(url, timeout=LOAD_TIMEOUT)
            dashboard = page.locator(".knock-dashboard")
            failed = page.get_by_text("Traceback (most recent call last)")
            # Voila shows cells as they run: stop at the first traceback, or the dashboard.
            expect(dashboard.or_(failed).first).to_be_visible(timeout=LOAD_TIMEOUT)
            assert not failed.count(), failed.first.inner_text()
            expect(dashboard).to_be_visible()
            funnel = page.locator("img.knock-chart-funnel")
            expect(funnel).to_have_attribute("src", re.compile("."), timeout=STEP_TIMEOUT)
            expect(page.locator(".knock-summary")).to_contain_text("prospects")

            dashboard.scroll_into_view_if_needed()
            dashboard.screenshot(path=str(_screenshot_path(tmp_path)))

            # Narrow the sources to the first one, as a click in the list does.
            summary_before, shown_before = page.locator(".knock-summary").inner_text(), _shown(page)
            funnel_before = _src(page, "funnel")
            sources = dashboard.locator(".widget-select-multiple select").nth(1)
            first_source = sources.locator("option").first.inner_text().replace("\xa0", " ")
            sources.select_option(index=0)

            summary = page.locator(".knock-summary")
            expect(summary).not_to_have_text(summary_before, timeout=STEP_TIMEOUT)
            expect(funnel).not_to_have_attribute("src", funnel_before, timeout=STEP_TIMEOUT)
            shown = _shown(page)
            assert 0 < shown < shown_before

            # Another tab draws its charts for the current filters when opened.
            page.get_by_role("tab", name="Leads over time").click()
            over_time = page.locator("img.knock-chart-leads-over-time")
            expect(over_time).to_be_visible(timeout=STEP_TIMEOUT)
            page.wait_for_function(
                "img => img.complete && img.naturalWidth > 0",
                arg=over_time.element_handle(),
                timeout=STEP_TIMEOUT,
            )

            # Export: the button prepares the link, the link downloads the CSV.
            page.get_by_role("button", name="Export CSV").click()
            link = page.locator(".knock-export-link a")
            expect(link).to_contain_text(f"Download {shown:,} rows", timeout=STEP_TIMEOUT)
            with page.expect_download(timeout=STEP_TIMEOUT) as download_info:
                link.click()
            download = download_info.value
            assert download.suggested_filename.endswith(".csv")
            saved = tmp_path / download.suggested_filename
            download.save_as(saved)
            rows = pd.read_csv(saved, encoding="utf-8-sig", dtype={"prospect_id": str})
            assert len(rows) == shown
            source_name = first_source.rsplit(" (", 1)[0]
            assert set(rows["source_title"].astype(str)) == {source_name}
            assert rows["prospect_id"].is_unique
        finally:
            browser.close()
