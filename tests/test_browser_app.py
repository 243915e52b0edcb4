"""The running app in headless Chromium: the map renders offline, filters reach it through
the URL, a hostile name stays text, and the table zooms the map.

Each test starts ``streamlit run app.py`` on a free port (tests/conftest.py's start_app)
and drives Debian's /usr/bin/chromium; the ``page`` fixture fails any request that leaves
the machine.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import MAP_FRAME, MAP_WINDOW, MINI, open_map, open_popup, start_app, stop_app

from layers.catalog import load_dataset
from layers.occurrences import drawn_occurrences
from layers.query import Query, apply_query

pytestmark = pytest.mark.browser

HOSTILE = '<img src=x onerror="window.__pwned=1">'


@pytest.fixture(scope="module")
def no_store(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """An environment in which the app finds no user-imported layers."""
    return {"REEMAP_STORE": str(tmp_path_factory.mktemp("store") / "imported.gpkg")}


@pytest.fixture(scope="module")
def bundled(no_store: dict[str, str]) -> Iterator[str]:
    """The app on the bundled data."""
    url, proc = start_app(env=no_store)
    yield url
    stop_app(proc)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory, no_store: dict[str, str]) -> Iterator[str]:
    """The app on the mini data plus a mine whose name, owner and source carry a script."""
    folder = tmp_path_factory.mktemp("hostile") / "data"
    shutil.copytree(MINI, folder)
    path = folder / "mines.geojson"
    collection = json.loads(path.read_text(encoding="utf-8"))
    feature = json.loads(json.dumps(collection["features"][0]))  # Mount Weld's place
    feature["properties"].update(
        id="hostile", name=HOSTILE,
        owners=[{"name": HOSTILE.replace("1", "2"), "stake_pct": 100}],
        sources=[{"title": HOSTILE.replace("1", "3"), "url": None, "date": "2026-11-22"}],
    )
    collection["features"].append(feature)
    path.write_text(json.dumps(collection), encoding="utf-8")
    url, proc = start_app(data_dir=folder, env=no_store)
    yield url
    stop_app(proc)


def _counts(frame) -> dict[str, int]:
    found = frame.locator("body").evaluate("() => window.reemap.counts()")
    return {k: v for k, v in found.items() if v}


def _expected(query: Query, data_dir: Path | None = None) -> dict[str, int]:
    dataset = load_dataset(data_dir)
    selected = apply_query(dataset.frames, query, dataset.graph)
    if "occurrences" in selected:  # a site a curated mine shows is drawn once, as the mine
        selected["occurrences"] = drawn_occurrences(selected["occurrences"])
    return {name: len(gdf) for name, gdf in selected.items() if len(gdf)}


def test_the_map_draws_every_bundled_feature_offline(page, bundled, artifacts):
    frame = open_map(page, bundled)
    expected = _expected(Query())
    assert sum(expected.values()) > 100
    assert _counts(frame) == expected
    # Leaflet came from the app itself; nothing was asked of another host
    assert page.external_requests == []
    assert frame.locator("body").evaluate("() => typeof L.version") == "string"
    # the app's 620 px map opens with its legend folded to the title, off the features
    title = frame.locator(".rm-legend-title")
    assert title.get_attribute("aria-expanded") == "false"
    title.click()
    assert frame.locator(".rm-legend-body").is_visible()
    title.click()
    page.screenshot(path=str(artifacts / "app-bundled.png"))


def test_a_link_filters_the_map(page, bundled, artifacts):
    frame = open_map(page, f"{bundled}/?layer=mines,refineries&element=Dy&element=Tb")
    expected = _expected(Query(layers=("mines", "refineries"), elements=("Dy", "Tb")))
    assert set(expected) == {"mines", "refineries"}
    assert _counts(frame) == expected
    page.screenshot(path=str(artifacts / "app-filtered.png"))


def test_changing_a_filter_redraws_the_map_and_updates_the_link(page, bundled):
    frame = open_map(page, f"{bundled}/?layer=mines")
    before = _counts(frame)
    page.get_by_text("State-backed owners only (").click()
    page.wait_for_url("**state_backed=1**", timeout=60_000)
    expected = _expected(Query(layers=("mines",), state_backed=True))
    page.wait_for_function(
        """([sel, n]) => { """ + MAP_WINDOW + """ const w = mapWindow(sel);
                           return !!(w && w.reemap && (w.reemap.counts().mines || 0) === n); }""",
        arg=[MAP_FRAME, expected["mines"]], timeout=60_000,
    )
    assert 0 < expected["mines"] < before["mines"]


def test_a_script_in_a_name_stays_text(page, hostile, artifacts):
    frame = open_map(page, f"{hostile}/?q=onerror")
    assert _counts(frame) == {"mines": 1}
    # open the feature's popup where it is drawn; the map may still be settling (zoom to
    # the selection, layout), so the point is located again before each try
    popup = open_popup(page, frame, lat=-28.86, lon=122.55)
    assert HOSTILE in popup.inner_text()
    assert frame.locator(".leaflet-popup-content img").count() == 0
    # the owner filter lists the hostile owner as text
    page.locator('[data-testid="stMultiSelect"]').filter(has_text="Owner").click()
    option = page.get_by_role("option", name=HOSTILE.replace("1", "2"))
    option.wait_for(timeout=30_000)
    assert option.inner_text().startswith(HOSTILE.replace("1", "2"))
    page.screenshot(path=str(artifacts / "app-hostile.png"))
    for pwned in (page.evaluate("() => window.__pwned"),
                  frame.locator("body").evaluate("() => window.__pwned")):
        assert pwned is None


def test_selecting_a_table_row_zooms_the_map_to_it(page, hostile):
    frame = open_map(page, f"{hostile}/?layer=mines&country=SWE")  # Norra Kärr alone
    zoom_before = frame.locator("body").evaluate("() => window.reemap.maps[0].getZoom()")
    grid = page.locator('[data-testid="stDataFrame"]').first
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    # the row-selection column sits left of the first column; row 1 is under the header
    page.mouse.click(box["x"] + 12, box["y"] + 35 + 17)
    page.wait_for_function(
        """([sel, z]) => { """ + MAP_WINDOW + """ const w = mapWindow(sel);
                           return !!(w && w.reemap && w.reemap.maps.length
                                     && w.reemap.maps[0].getZoom() > z); }""",
        arg=[MAP_FRAME, zoom_before], timeout=60_000,
    )
    center = frame.locator("body").evaluate(
        "() => { const c = window.reemap.maps[0].getCenter(); return [c.lng, c.lat]; }"
    )
    assert center == pytest.approx([16.0, 58.3], abs=0.3)  # Norra Kärr, southern Sweden
    # the link now names the feature, and opening it comes back zoomed to it
    page.wait_for_url(lambda u: "focus=mines%2Fnorra-karr" in u or "focus=mines/norra-karr" in u,
                      timeout=30_000)
    frame = open_map(page, page.url)
    again = frame.locator("body").evaluate(
        "() => { const c = window.reemap.maps[0].getCenter(); return [c.lng, c.lat]; }"
    )
    assert again == pytest.approx(center, abs=0.01)


def test_a_download_is_the_cli_file(page, bundled, tmp_path):
    from reemap.cli import main as cli

    open_map(page, f"{bundled}/?layer=mines&element=Dy")
    with page.expect_download(timeout=60_000) as info:
        page.get_by_role("button", name="GeoJSON").click()
    download = info.value
    assert download.suggested_filename == "reemap.geojson"
    out = tmp_path / "cli.geojson"
    assert cli(["export", "--output", str(out), "--layer", "mines", "--element", "Dy"]) == 0
    assert Path(download.path()).read_bytes() == out.read_bytes()


def test_the_snapshot_button_saves_the_view_as_png(page, bundled, artifacts):
    import struct

    from ui.snapshot import HTML_HASH_KEY, png_text

    open_map(page, f"{bundled}/?layer=mines&min_hree=20")
    with page.expect_download(timeout=120_000) as info:
        page.get_by_role("button", name="Snapshot (PNG)").click()
    download = info.value
    assert download.suggested_filename == "reemap.png"
    png = Path(download.path()).read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert struct.unpack(">II", png[16:24]) == (1400, 900)
    assert len(png_text(png)[HTML_HASH_KEY]) == 64  # traced to the map HTML it shows
    (artifacts / "app-snapshot.png").write_bytes(png)


def test_panning_and_zooming_do_not_rerun_the_app(page, bundled):
    sent: list[int] = []
    page.on("websocket", lambda ws: ws.on("framesent", lambda payload: sent.append(len(payload))))
    frame = open_map(page, bundled)
    page.wait_for_timeout(1000)
    before = len(sent)  # the page's own requests to run the script
    box = page.locator(MAP_FRAME).bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 200, y + 80, steps=8)
    page.mouse.up()
    frame.locator(".leaflet-control-zoom-in").click()
    page.wait_for_timeout(2000)
    assert before >= 1
    assert len(sent) == before  # nothing went back to the server: no rerun
