"""The map page in headless Chromium: features drawn, popups as text, nothing fetched outside.

The map's HTML is served from a local HTTP server on a free port, with Leaflet under
/app/static/vendor as Streamlit serves it.
"""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely

from geo import settings
from layers.catalog import load_layers
from layers.query import Query, apply_query
from ui.assets import ensure_static
from ui.mapview import build_map, map_html

pytestmark = pytest.mark.browser

XSS = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>'


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    """A folder served over loopback HTTP, with Leaflet where the map expects it."""
    root = tmp_path_factory.mktemp("site")
    ensure_static(root / "app" / "static" / "vendor")
    handler = functools.partial(_Quiet, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def frames(mini_dir: Path) -> dict[str, gpd.GeoDataFrame]:
    return {k: v for k, v in load_layers(data_dir=mini_dir).items() if len(v)}


def _open(page, site: tuple[Path, str], html: str, name: str, layers: int) -> None:
    root, url = site
    (root / name).write_text(html, encoding="utf-8")
    page.goto(f"{url}/{name}")
    page.wait_for_function(
        "(n) => window.reemap && reemap.maps.length"
        " && Object.keys(reemap.maps[0]._rm.layers).length === n", arg=layers, timeout=30_000)
    page.wait_for_timeout(300)  # the canvas draws on the next frame


def test_the_wheel_zooms_only_after_a_press_inside_the_map(page, site, frames):
    _open(page, site, map_html(build_map(frames)), "wheel.html", 4)
    zoom = "reemap.maps[0].getZoom()"
    before = page.evaluate(zoom)
    page.mouse.move(700, 300)
    page.mouse.wheel(0, -400)  # a page being scrolled over the map: not a zoom
    page.wait_for_timeout(400)
    assert page.evaluate(zoom) == before
    page.mouse.down()  # a press inside the map hands it the wheel
    page.mouse.up()
    page.mouse.wheel(0, -400)
    page.wait_for_function(f"{zoom} > {before}", timeout=5000)
    # the pointer leaving the map (here the whole page) hands the wheel back to the page
    page.evaluate("reemap.maps[0].getContainer().dispatchEvent(new MouseEvent('mouseleave'))")
    assert page.evaluate("reemap.maps[0].scrollWheelZoom.enabled()") is False


def _counts(page) -> dict[str, int]:
    return page.evaluate("reemap.counts()")


def test_every_feature_is_drawn(page, site, frames, artifacts):
    _open(page, site, map_html(build_map(frames)), "mini.html", 4)
    assert _counts(page) == {"mines": 5, "refineries": 2, "seabed": 1, "routes": 3}
    assert page.locator(".rm-legend").inner_text().startswith("Rare-earth supply chain")
    assert page.locator(".leaflet-control-layers-overlays label").count() == 4
    title = page.locator(".rm-legend-title")
    assert title.get_attribute("aria-expanded") == "true"
    title.click()  # the legend folds away, and back; the arrow and aria state follow
    assert page.locator(".rm-legend-body").is_hidden()
    assert title.inner_text().endswith("\u25b8") and title.get_attribute("aria-expanded") == "false"
    title.click()
    assert page.locator(".rm-legend-body").is_visible()
    assert title.inner_text().endswith("\u25be")
    page.screenshot(path=str(artifacts / "map_mini.png"))
    assert page.external_requests == []


def test_a_filtered_map_draws_the_subset(page, site, frames):
    selected = apply_query(frames, Query(statuses=("operating",)))
    shown = {k: len(v) for k, v in selected.items() if len(v)}
    assert shown["mines"] < len(frames["mines"])
    _open(page, site, map_html(build_map(selected)), "operating.html", len(shown))
    assert _counts(page) == shown


def test_layer_control_hides_a_layer(page, site, frames):
    _open(page, site, map_html(build_map(frames)), "toggle.html", 4)
    page.get_by_text("Mines and deposits (5)").click()
    page.wait_for_timeout(200)
    assert _counts(page)["mines"] == 0
    assert _counts(page)["refineries"] == 2


def _point_on_screen(page, lat: float, lon: float) -> tuple[float, float]:
    xy = page.evaluate(
        """([lat, lon]) => {
           const m = reemap.maps[0], p = m.latLngToContainerPoint([lat, lon]);
           const r = m.getContainer().getBoundingClientRect();
           return [r.left + p.x, r.top + p.y]; }""",
        [lat, lon])
    return float(xy[0]), float(xy[1])


def test_injected_markup_shows_as_text_and_never_runs(page, site, frames, artifacts):
    mines = frames["mines"].copy()
    first = mines.index[0]
    mines.at[first, "name"] = XSS
    mines.at[first, "sources"] = [
        {"title": "Report <b>one</b>", "url": "https://example.org/report", "date": "2025"},
        {"title": "Trap", "url": "javascript:window.__xss=3", "date": "2025"},
    ]
    mines.at[first, "figure_sources"] = {"capacity": 0}
    mines.at[first, "checked_on"] = "2026-12-05"
    fid = mines.at[first, "id"]
    html = map_html(build_map({**frames, "mines": mines},
                              effective_stakes={f"mines/{fid}": {"JOGMEC": 5.0}}))
    _open(page, site, html, "xss.html", 4)
    point = mines.geometry.loc[first]
    x, y = _point_on_screen(page, point.y, point.x)
    page.mouse.move(x, y)
    tooltip = page.locator(".leaflet-tooltip")
    tooltip.wait_for(timeout=5_000)
    assert XSS in tooltip.inner_text()
    page.mouse.click(x, y)
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for(timeout=5_000)
    text = popup.inner_text()
    assert XSS in text
    assert "Effective stake" in text
    assert "JOGMEC 5 %" in text
    assert "approximate, within 5 km" in text
    assert "10,000 t/yr REO (2025) [1]" in text  # the figure cites the source stating it
    cell = popup.locator("td", has_text="10,000 t/yr REO")
    assert cell.get_attribute("title") == "Source: Report <b>one</b> (2025)"
    assert "checked against the sources on 2026-12-05" in text
    # the feature's own page, then its one source with a web address
    page_link = popup.locator("a.rm-page")
    assert page_link.count() == 1 and "?asset=mines/" in page_link.get_attribute("href")
    links = popup.locator(".rm-src a")
    assert links.count() == 1
    assert links.get_attribute("href") == "https://example.org/report"
    assert links.get_attribute("rel") == "noopener noreferrer"
    assert "Report <b>one</b>" in links.inner_text()
    assert "Trap" in text
    assert popup.locator("img, script, b").count() == 0
    page.wait_for_timeout(300)
    assert page.evaluate("window.__xss") is None
    page.screenshot(path=str(artifacts / "map_popup_escaped.png"))
    assert page.external_requests == []


def _points(n: int) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(5)
    return gpd.GeoDataFrame(
        {"id": [f"p-{i}" for i in range(n)], "name": [f"Site {i}" for i in range(n)],
         "hree_share_pct": np.round(rng.uniform(0, 90, n), 1)},
        geometry=shapely.points(rng.uniform(-150, 150, n), rng.uniform(-50, 60, n)),
        crs=settings.WGS84)


def test_a_large_deflated_layer_is_drawn_whole(page, site):
    _open(page, site, map_html(build_map({"mines": _points(30_000)})), "large.html", 1)
    assert _counts(page) == {"mines": 30_000}
    assert page.external_requests == []


def test_an_aggregated_layer_draws_its_cells(page, site, monkeypatch):
    monkeypatch.setattr(settings, "MAX_POINTS_DRAWN", 1_000)
    m = build_map({"mines": _points(5_000)})
    cells = [c for c in m._children.values() if getattr(c, "layer_name", "").endswith("cells")]
    assert len(cells) == 1
    n_cells = int(cells[0].layer_name.split("in ")[1].split()[0].replace(",", ""))
    _open(page, site, map_html(m), "cells.html", 1)
    assert _counts(page) == {"mines": n_cells}


def test_route_and_seabed_popups(page, site, frames):
    html = map_html(build_map(frames, focus=(110.0, 15.0, 160.0, 45.0)))
    _open(page, site, html, "east-asia.html", 4)
    x, y = _point_on_screen(page, 37.2, 128.7)  # mid-way along the China -> Japan flow
    page.mouse.click(x, y)
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for(timeout=5_000)
    text = popup.inner_text()
    assert "Trade flow" in text
    assert "CHN → JPN" in text
    assert "1,127 t metal equivalent (2026-01)" in text
    page.locator(".leaflet-popup-close-button").click()
    x, y = _point_on_screen(page, 24.0, 154.0)  # inside the Minami-Torishima area
    page.mouse.click(x, y)
    seabed = page.locator(".leaflet-popup-content", has_text="Seabed mud")
    seabed.wait_for(timeout=5_000)
    text = seabed.inner_text()
    assert "Minami-Torishima mud" in text
    assert "5,000–6,000 m" in text
    assert "8,000 ppm" in text
