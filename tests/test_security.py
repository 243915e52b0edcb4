"""Hostile input: no string from a file reaches the page as markup; paths stay in their folder.

Every free-text field of every layer is filled with HTML and script (names, local names,
operators, notes, owners, source titles and publishers, products, ports, ...). The map's
HTML must carry them as data only, a real Chromium must show them as text with no handler
run, and the running app must do the same. File names built from layer names and labels
are slugs: ``../`` and absolute names are refused.
"""

from __future__ import annotations

import functools
import json
import shutil
import threading
import tomllib
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import geopandas as gpd
import pytest
from conftest import MINI, ROOT, start_app, stop_app
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from geo import settings
from geo.errors import InputError
from geo.export import output_paths, write_layers
from geo.store import check_label, list_layers
from layers.catalog import load_dataset
from layers.imports import import_file
from ui.assets import ensure_static
from ui.mapview import build_map, map_html

CORPUS = Path(__file__).resolve().parent / "data" / "corpus"
EVIL = '<script>alert("xss")</script><img src=x onerror="window.__pwned=1">'
#: Properties holding free text (vocabulary fields are refused by the schema when hostile).
TEXT_FIELDS = (
    "name",
    "name_local",
    "operator",
    "notes",
    "deposit_type",
    "resource_category",
    "feedstock",
    "product",
    "origin_port",
    "destination_port",
    "flow_id",
    "resource_unit",
    "kind",
    "unlocode",
)
#: Tags the hostile values hold; the data must add none of them to the page (handler text
#: such as ``onerror=`` may appear inside JSON strings: without a ``<`` it is no markup).
MARKUP = ("<script", "</script", "<img", "<svg", "<b ", "<i>", "</div", "</td")


def _hostile_props(props: dict[str, Any], n: int) -> dict[str, Any]:
    out = dict(props)
    for key in TEXT_FIELDS:
        if key in out or key in ("name", "notes", "operator"):
            out[key] = f"{key} {n} {EVIL}"
    out["owners"] = [
        {**o, "name": f"owner {n}.{j} {EVIL}"} for j, o in enumerate(out.get("owners") or [])
    ]
    out["sources"] = [{**s, "title": f"source {EVIL}", "publisher": EVIL} for s in out["sources"]]
    out["hostile_extra"] = EVIL  # a property the schema does not know
    return out


@pytest.fixture(scope="module")
def hostile_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The mini dataset with every free-text field of every feature made hostile."""
    folder = tmp_path_factory.mktemp("hostile")
    shutil.copytree(MINI, folder, dirs_exist_ok=True)
    for path in folder.glob("*.geojson"):
        doc = json.loads(path.read_text(encoding="utf-8"))
        for n, feature in enumerate(doc["features"]):
            feature["properties"] = _hostile_props(feature["properties"], n)
        path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def hostile_frames(
    hostile_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, gpd.GeoDataFrame]:
    """Every layer hostile, plus the corpus's hostile file imported through the store."""
    store = tmp_path_factory.mktemp("store") / "imported.gpkg"
    import_file(CORPUS / "hostile_text.geojson", label="hostile", store=store)
    return load_dataset(hostile_dir, include_store=True, store=store).frames


def _markup_counts(html: str) -> dict[str, int]:
    low = html.lower()
    return {token: low.count(token) for token in MARKUP}


def test_hostile_text_is_kept_verbatim(hostile_frames: dict[str, gpd.GeoDataFrame]) -> None:
    mines = hostile_frames["mines"].set_index("id")
    assert mines.loc["hostile--hostile", "operator"].endswith(EVIL[-40:])
    assert mines.loc["hostile--hostile", "comment"] == "javascript:alert(3)"
    assert all(EVIL in name for name in mines["name"])


def test_map_html_carries_data_strings_as_data_only(
    hostile_frames: dict[str, gpd.GeoDataFrame],
) -> None:
    benign = load_dataset(MINI).frames
    html = map_html(build_map(hostile_frames))
    assert _markup_counts(html) == _markup_counts(map_html(build_map(benign)))
    assert "</script><img" not in html
    for color_by in ("hree", "status"):  # popups and legends are built per colouring
        assert _markup_counts(map_html(build_map(hostile_frames, color_by=color_by))) == (
            _markup_counts(map_html(build_map(benign, color_by=color_by)))
        )


@pytest.fixture(scope="module")
def served_map(
    hostile_frames: dict[str, gpd.GeoDataFrame], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The hostile map as a page on a loopback HTTP server, Leaflet served locally."""
    site = tmp_path_factory.mktemp("site")
    (site / "app").mkdir()
    (site / "app" / "static").symlink_to(Path(ensure_static()).parent)
    (site / "map.html").write_text(map_html(build_map(hostile_frames)), encoding="utf-8")
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/map.html"
    server.shutdown()
    server.server_close()


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


_ZOOM_TO = "([lat, lon]) => { window.reemap.maps[0].setView([lat, lon], 6, {animate: false}); }"
_POINT_ON_SCREEN = """([lat, lon]) => {
    const m = window.reemap.maps[0];
    const p = m.latLngToContainerPoint([lat, lon]);
    const box = m.getContainer().getBoundingClientRect();
    return [box.left + p.x, box.top + p.y];
}"""
#: True when an injected element or handler made it into the document (any frame).
_INJECTED = """() => window.__pwned !== undefined ||
    document.querySelectorAll('img[src="x"], svg[onload], [onerror], [onmouseover], '
        + '.leaflet-container script').length > 0"""


@pytest.mark.browser
def test_injected_handlers_do_not_run_in_the_map(
    page: Any, served_map: str, hostile_frames: dict[str, gpd.GeoDataFrame]
) -> None:
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(served_map)
    page.wait_for_function("window.reemap && window.reemap.maps.length > 0", timeout=30000)
    mines = hostile_frames["mines"]
    target = mines[mines["id"] == "hostile--hostile"].geometry.iloc[0]
    page.evaluate(_ZOOM_TO, [target.y, target.x])
    x, y = page.evaluate(_POINT_ON_SCREEN, [target.y, target.x])
    page.mouse.move(x, y)
    tooltip = page.wait_for_selector(".leaflet-tooltip", state="visible", timeout=10000)
    assert "<script>alert" in tooltip.inner_text()  # shown as text
    page.mouse.click(x, y)
    popup = page.wait_for_selector(".leaflet-popup-content", state="visible", timeout=10000)
    text = popup.inner_text()
    assert 'onerror="window.__pwned=1"' in text
    legend = page.inner_text(".rm-legend")
    assert legend
    page.wait_for_timeout(300)
    assert page.evaluate(_INJECTED) is False
    assert dialogs == []
    assert page.external_requests == []


_LAYERS_DRAWN = (
    "() => window.reemap && window.reemap.maps.length ? "
    "Object.keys(window.reemap.maps[0]._rm.layers).sort().join(',') : null"
)


def _map_frame(page: Any, layers: str = "mines") -> Any:
    """The frame of the main map (the one drawing exactly ``layers``), once it has drawn.

    The page holds other maps (routes, scenarios); with ``?layer=mines`` only the main
    map draws the mines layer alone.
    """
    for _ in range(120):
        for frame in page.frames:
            if frame.evaluate(_LAYERS_DRAWN) == layers:
                return frame
        page.wait_for_timeout(500)
    raise AssertionError("the map did not render")


def _click_map(page: Any, lat: float, lon: float) -> str:
    """Click the point at lat/lon on the app's map; return the popup's text.

    A rerun may replace the map's iframe under the click: then the click is tried again.
    """
    from playwright.sync_api import Error

    page.wait_for_function(_IDLE, timeout=60000)
    for _ in range(3):
        try:
            frame = _map_frame(page)
            frame.evaluate(_ZOOM_TO, [lat, lon])
            box = frame.frame_element().bounding_box()
            px, py = frame.evaluate(_POINT_ON_SCREEN, [lat, lon])
            page.mouse.move(box["x"] + px, box["y"] + py)
            page.mouse.click(box["x"] + px, box["y"] + py)
            popup = frame.wait_for_selector(
                ".leaflet-popup-content", state="visible", timeout=10000
            )
            return str(popup.inner_text())
        except Error:
            page.wait_for_timeout(1000)
    raise AssertionError(f"no popup at {lat}, {lon}")


_IDLE = "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"


@pytest.mark.browser
def test_injected_handlers_do_not_run_in_the_app(
    page: Any, hostile_dir: Path, tmp_path: Path
) -> None:
    # a hostile file uploaded through the app's panel, away from the mini data's sites
    doc = json.loads((CORPUS / "hostile_text.geojson").read_text(encoding="utf-8"))
    doc["features"][0]["geometry"]["coordinates"] = [121.0, -26.0]
    upload = tmp_path / "my_sites.geojson"
    upload.write_text(json.dumps(doc), encoding="utf-8")
    store = tmp_path / "s.gpkg"
    url, proc = start_app(hostile_dir, env={"REEMAP_STORE": str(store)})
    dialogs: list[str] = []
    try:
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.goto(f"{url}/?layer=mines")
        _map_frame(page)
        page.get_by_text("Add your own layer").click()
        page.locator("input[type=file]").set_input_files(str(upload))
        page.get_by_label("Label (a slug, e.g. my-sites)").fill("my-sites")
        page.get_by_label("Label (a slug, e.g. my-sites)").press("Enter")
        page.get_by_text(upload.name, exact=True).wait_for(timeout=30_000)
        for attempt in range(4):  # a click during the fragment's rerun on the new file is lost
            page.wait_for_timeout(1000)
            page.get_by_role("button", name="Import").click()
            try:
                page.get_by_text("1 features imported as my-sites").wait_for(timeout=20_000)
                break
            except PlaywrightTimeout:
                if attempt == 3:
                    raise
        assert [s.label for s in list_layers(store)] == ["my-sites"]
        uploaded = _click_map(page, -26.0, 121.0)
        assert 'Mount Weld <script>alert("xss")</script>' in uploaded  # shown as text
        curated = _click_map(page, -28.86, 122.55)  # Mount Weld in the mini data
        assert "<script>alert" in curated
        page.wait_for_timeout(500)
        for f in page.frames:
            assert f.evaluate(_INJECTED) is False
        assert page.locator("[data-testid='stException']").count() == 0
        assert dialogs == []
        assert page.external_requests == []
    finally:
        stop_app(proc)


@pytest.mark.parametrize(
    "name", ["../escape", "/etc/passwd", "a/../../b", "..", "mines/x", "Mines"]
)
def test_export_file_names_cannot_leave_the_folder(
    tmp_path: Path, name: str, hostile_frames: dict[str, gpd.GeoDataFrame]
) -> None:
    with pytest.raises(InputError, match="cannot be a file name"):
        output_paths(tmp_path / "out", [name, "mines"], "geojson")
    frames = {name: hostile_frames["mines"], "mines": hostile_frames["mines"]}
    with pytest.raises(InputError, match="cannot be a file name"):
        write_layers(frames, tmp_path / "out", fmt="geojson")
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(InputError, match="use a slug"):
        check_label(name)


def test_export_of_hostile_layers_stays_in_its_folder(
    tmp_path: Path, hostile_frames: dict[str, gpd.GeoDataFrame]
) -> None:
    written = write_layers(hostile_frames, tmp_path / "out", fmt="geojson")
    assert {p.parent for p in written} == {tmp_path / "out"}
    assert {p.name for p in written} == {f"{name}.geojson" for name in hostile_frames}


def test_upload_size_is_bounded_twice() -> None:
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    upload_mb = config["server"]["maxUploadSize"]
    assert 0 < upload_mb * 1024 * 1024 <= settings.MAX_INPUT_BYTES
