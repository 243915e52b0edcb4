"""Every page in headless Chromium (issue 15): an asset's permalink opens its page, a
point's "details" link in the map opens that page, and each page's screenshot is kept in
docs/ (refreshed by this test)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import ROOT, open_map, open_popup, start_app, stop_app

pytestmark = pytest.mark.browser

DOCS = ROOT / "docs"


@pytest.fixture(scope="module")
def bundled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app on the bundled data, with no user layers."""
    url, proc = start_app(env={"REEMAP_STORE": str(tmp_path_factory.mktemp("s") / "i.gpkg")})
    yield url
    stop_app(proc)


def _asset_page_ready(page: object) -> None:
    page.get_by_text("Figures and their sources").wait_for(timeout=90_000)  # type: ignore[attr-defined]
    page.locator('[data-testid="stGraphVizChart"] svg').first.wait_for(timeout=60_000)  # type: ignore[attr-defined]


def test_the_asset_permalink_opens_its_page(page, bundled) -> None:
    page.goto(f"{bundled}/?asset=mines/mount-weld")
    _asset_page_ready(page)
    assert page.get_by_role("heading", name="Mount Weld").count() >= 1
    text = page.locator('[data-testid="stMainBlockContainer"]').inner_text()
    assert "Last checked against its sources" in text and "Figures as of" in text
    # the diagram is laid out in the browser, names and stakes in it
    svg = page.locator('[data-testid="stGraphVizChart"] svg').first.inner_html()
    assert "Lynas Rare Earths" in svg and "JOGMEC" in svg
    assert page.external_requests == []
    page.screenshot(path=str(DOCS / "page-asset.png"), full_page=True)


def test_a_points_details_link_opens_its_page(page, bundled) -> None:
    frame = open_map(page, f"{bundled}/?q=Mount%20Weld&layer=mines")
    popup = open_popup(page, frame, lat=-28.86, lon=122.54778)
    link = popup.locator("a.rm-page")
    assert "?asset=mines/mount-weld" in (link.get_attribute("href") or "")
    with page.context.expect_page(timeout=60_000) as opened:
        link.click()
    asset = opened.value
    _asset_page_ready(asset)
    assert "?asset=mines/mount-weld" in asset.url
    assert asset.get_by_role("heading", name="Mount Weld").count() >= 1


@pytest.mark.parametrize(("section", "ready", "shot"), [
    ("routes", "Trade flows over time", "page-routes.png"),
    ("analysis", "Analysis", "page-analysis.png"),
])
def test_each_section_renders_and_is_pictured(page, bundled, section, ready, shot) -> None:
    page.goto(f"{bundled}/?section={section}")
    page.get_by_role("heading", name=ready).first.wait_for(timeout=90_000)
    page.locator('[data-testid="stVegaLiteChart"]').first.wait_for(timeout=60_000)
    assert page.locator('[data-testid="stException"]').count() == 0
    page.wait_for_timeout(1500)  # let the charts finish drawing before the picture
    page.screenshot(path=str(DOCS / shot), full_page=True)
    assert Path(DOCS / shot).stat().st_size > 10_000
