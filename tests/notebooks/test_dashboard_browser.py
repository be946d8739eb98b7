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

DASHBOARD = NOTEBOOKS / "dashboard_app.ipynb"
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


def _svg(page: Page, chart: str) -> str:
    """The SVG text of a chart as the browser has it (its image's blob)."""
    return str(
        page.evaluate(
            "src => fetch(src).then(r => r.text())",
            _src(page, chart),
        )
    )


def _counts(page: Page, name: str) -> dict[str, int]:
    """Each value's count beside its box in the list ``name``, by its label."""
    counts = {}
    for text in page.locator(f".knock-filter-{name} .widget-checkbox").all_inner_texts():
        label, _, count = text.replace("\xa0", " ").strip().rpartition(" (")
        counts[label] = int(count.rstrip(")").replace(",", ""))
    return counts


def drive_dashboard(notebook: Path, jupyter_home: JupyterHome, tmp_path: Path) -> None:
    """Open the notebook in Voila and use its dashboard as an analyst would."""
    with (
        voila_server(notebook, jupyter_home, log=tmp_path / "voila.log") as url,
        sync_playwright() as pw,
    ):
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(
                viewport={"width": 1280, "height": 1100}, accept_downloads=True
            )
            page = context.new_page()
            page.goto(url, timeout=LOAD_TIMEOUT)
            dashboard = page.locator(".knock-dashboard")
            failed = page.get_by_text("Traceback (most recent call last)")
            # Voila shows cells as they run: stop at the first traceback, or the dashboard.
            expect(dashboard.or_(failed).first).to_be_visible(timeout=LOAD_TIMEOUT)
            assert not failed.count(), failed.first.inner_text()
            expect(dashboard).to_be_visible()
            status = page.locator("img.knock-chart-status")
            expect(status).to_have_attribute("src", re.compile("."), timeout=STEP_TIMEOUT)
            summary = page.locator(".knock-summary")
            expect(summary).to_contain_text("prospects")
            # The app is the dashboard alone: no prose, no progress bar, no print.
            assert page.locator(".jp-RenderedMarkdown").count() == 0
            assert "it/s" not in page.inner_text("body")
            assert "Prospects:" not in page.inner_text("body")

            dashboard.scroll_into_view_if_needed()
            dashboard.screenshot(path=str(_screenshot_path(tmp_path)))

            # Faceted counts: one community, and the Source list counts its leads only.
            sources_before, shown_before = _counts(page, "source"), _shown(page)
            assert sum(sources_before.values()) == shown_before  # counts agree with charts
            community = page.locator(".knock-filter-community")
            community.get_by_role("button", name="None").click()
            expect(page.locator(".knock-message")).to_contain_text("Nothing is selected")
            maple = community.locator(".widget-checkbox", has_text="Maple Court (Austin)")
            maple_count = _counts(page, "community")["Maple Court (Austin)"]
            maple.locator("input").check()
            expect(summary).to_contain_text(f"charts show {maple_count:,} prospects")
            expect(community).to_contain_text("1 of 7: Maple Court (Austin)")
            sources = _counts(page, "source")
            assert sum(sources.values()) == _shown(page) == maple_count < shown_before
            assert sources != sources_before
            assert all(sources[label] <= sources_before[label] for label in sources)

            # Typed dates: the first day of March 2021 onwards.
            start = page.locator(".knock-created-start input")
            summary_before = summary.inner_text()
            start.fill("2021-03-01")
            start.press("Enter")
            expect(summary).not_to_have_text(summary_before, timeout=STEP_TIMEOUT)
            shown = _shown(page)
            assert 0 < shown < maple_count

            # Group by community: the consent chart splits by community, names shown.
            page.locator(".knock-by select").select_option(label="Community")
            page.get_by_role("tab", name="Sources & consent").click()
            consent = page.locator("img.knock-chart-consent")
            expect(consent).to_be_visible(timeout=STEP_TIMEOUT)
            page.wait_for_function(
                "img => img.complete && img.naturalWidth > 0",
                arg=consent.element_handle(),
                timeout=STEP_TIMEOUT,
            )
            svg = _svg(page, "consent")
            assert "SMS consent by community" in svg
            assert "Maple Court (Austin)" in svg
            assert f"{shown:,} prospects" in svg

            # Another tab draws its charts for the current filters when opened.
            page.get_by_role("tab", name="Leads over time").click()
            over_time = page.locator("img.knock-chart-leads-over-time")
            expect(over_time).to_be_visible(timeout=STEP_TIMEOUT)
            page.wait_for_function(
                "img => img.complete && img.naturalWidth > 0",
                arg=over_time.element_handle(),
                timeout=STEP_TIMEOUT,
            )
            assert "by community" in _svg(page, "leads-over-time")

            # The Movement tab: the app keeps no history, so the tab says how to keep one.
            page.get_by_role("tab", name="Movement").click()
            expect(page.locator(".knock-movement")).to_contain_text(
                "Movement needs a history", timeout=STEP_TIMEOUT
            )

            # Export: the button prepares the link, the link downloads the CSV.
            page.get_by_role("button", name="Export").click()
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
            assert set(rows["community_name"]) == {"Maple Court (Austin)"}
            assert pd.to_datetime(rows["created_at"], utc=True).min() >= pd.Timestamp(
                "2021-03-01", tz="UTC"
            )
            assert rows["prospect_id"].is_unique
        finally:
            browser.close()
