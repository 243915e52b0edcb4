"""The generated map (ui.mapview, ui.pointlayer, ui.style) checked through its HTML.

The mini dataset's figures are invented (tests/data/README.md): 5 mines, 2 plants, one
seabed area, 3 routes (one split at the 180th meridian).
"""

from __future__ import annotations

import base64
import itertools
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from geopandas.testing import assert_geodataframe_equal

from geo import settings
from layers.catalog import load_layers
from ui import style
from ui.assets import VENDOR_FILES, ensure_static
from ui.columns import COMPRESS_ABOVE, encode_table
from ui.mapview import aggregate_points, build_map, map_html
from ui.pointlayer import payloads

XSS = '<img src=x onerror="window.__xss=1"></script><script>window.__xss=2</script>'


@pytest.fixture
def frames(mini_dir: Path) -> dict[str, gpd.GeoDataFrame]:
    return {k: v for k, v in load_layers(data_dir=mini_dir).items() if len(v)}


def _decode(text: str, dtype: str) -> np.ndarray:
    return np.frombuffer(base64.b64decode(text), dtype=dtype)


def _column(payload: dict, name: str) -> list:
    col = payload["cols"][name]
    if col["t"] == "s":
        return col["v"]
    if col["t"] == "k":
        return [col["v"]] * payload["n"]
    if col["t"] == "f":
        return [None if np.isnan(v) else float(v) for v in _decode(col["v"], "<f4")]
    idx = _decode(col["i"], {1: "u1", 2: "<u2", 4: "<u4"}[col["w"]])
    return [col["d"][i - 1] if i else None for i in idx]


def test_assets_are_local(frames):
    html = map_html(build_map(frames))
    assets = re.findall(r'<(?:script|link)\b[^>]*\b(?:src|href)="([^"]+)"', html)
    assert assets == ["/app/static/vendor/leaflet.js", "/app/static/vendor/leaflet.css"]
    assert "https://" not in html
    assert "http://" not in html
    for dropped in ("bootstrap", "font-awesome", "jquery", "awesome-markers"):
        assert dropped not in html.lower()


def test_asset_base_is_honoured(frames):
    html = map_html(build_map(frames, asset_base="/x/vendor"))
    assert '<script src="/x/vendor/leaflet.js"></script>' in html
    assert 'L.Icon.Default.imagePath = "/x/vendor/images/"' in html


def test_web_tiles_only_on_request(frames):
    assert "tile.openstreetmap.org" not in map_html(build_map(frames))
    html = map_html(build_map(frames, basemap="osm"))
    assert "tile.openstreetmap.org" in html
    assert "reemap.basemap(" in html  # the outlines stay under the tiles


def test_every_layer_with_its_count(frames):
    html = map_html(build_map(frames))
    found = payloads(html)
    assert {k: p["n"] for k, p in found.items()} == {
        "mines": 5, "refineries": 2, "seabed": 1, "routes": 3}
    for title in ("Mines and deposits (5)", "Processing plants (2)", "Seabed REY mud (1)",
                  "Trade flows (3)"):
        assert f'"{title}"' in html  # in the layer control
    assert _column(found["mines"], "name") == list(frames["mines"]["name"])


def test_coordinates_rounded_to_five_decimals(frames):
    mines = payloads(map_html(build_map(frames)))["mines"]
    lon = _decode(mines["lon"], "<i4") / 1e5
    lat = _decode(mines["lat"], "<i4") / 1e5
    geoms = frames["mines"].geometry
    np.testing.assert_allclose(lon, geoms.x, atol=1e-5)
    np.testing.assert_allclose(lat, geoms.y, atol=1e-5)


def test_another_crs_is_drawn_in_wgs84(frames):
    moved = {**frames, "mines": frames["mines"].to_crs("EPSG:3857")}
    mines = payloads(map_html(build_map(moved)))["mines"]
    np.testing.assert_allclose(_decode(mines["lon"], "<i4") / 1e5, frames["mines"].geometry.x,
                               atol=1e-5)
    assert moved["mines"].crs == "EPSG:3857"


def test_injected_name_is_escaped_never_raw(frames):
    mines = frames["mines"].copy()
    mines.loc[mines.index[0], "name"] = XSS
    mines.loc[mines.index[1], "name"] = "{{ 7 * 7 }}"
    html = map_html(build_map({**frames, "mines": mines}))
    assert "<img src=x" not in html
    assert "<script>window.__xss" not in html
    assert "\\u003cimg src=x" in html
    assert _column(payloads(html)["mines"], "name")[:2] == [XSS, "{{ 7 * 7 }}"]


def test_frames_are_not_modified(frames):
    before = {k: v.copy() for k, v in frames.items()}
    build_map(frames, highlight={"mines": ["lofdal"]}, color_by="status")
    for name, frame in frames.items():
        assert_geodataframe_equal(frame, before[name])


def test_routes_drawn_continuous_across_180(frames):
    routes = payloads(map_html(build_map(frames)))["routes"]
    xy = _decode(routes["xy"], "<i4").reshape(-1, 2) / 1e5
    parts = _decode(routes["parts"], "<u4")
    fparts = _decode(routes["fparts"], "<u4")
    assert len(fparts) == 4
    assert fparts[-1] == 3  # the split route is one part again
    for a, b in itertools.pairwise(parts):
        assert np.abs(np.diff(xy[a:b, 0])).max() < 180
    assert len(_decode(routes["arrows"]["lon"], "<i4")) == 3


def test_colour_by_hree_and_by_status(frames):
    mines = payloads(map_html(build_map(frames)))["mines"]
    hree = frames["mines"]["hree_share_pct"].to_numpy(dtype=float)
    index = _decode(mines["c"], "u1")
    colours = [mines["pal"][i] for i in index]
    for value, colour in zip(hree, colours, strict=True):
        if np.isnan(value):
            assert colour == style.UNKNOWN
        else:
            assert colour == style.HREE_COLORS[np.searchsorted(style.HREE_EDGES, value, "right")]
    html = map_html(build_map(frames, color_by="status"))
    found = payloads(html)
    plants = found["refineries"]
    stages = [plants["pal"][i] for i in _decode(plants["c"], "u1")]
    assert stages == [style.STAGE_COLORS[s] for s in frames["refineries"]["stage"]]
    assert "Mine status" in html
    assert "Plant stage" in html


def test_legend_names_the_hree_definition(frames):
    html = map_html(build_map(frames))
    assert "Heavy rare earths = Eu, Gd, Tb, Dy, Ho, Er, Tm, Yb, Lu and Y (USGS)" in html
    assert "reemap.legend(" in html


def test_radius_grows_with_capacity_and_unknown_is_smallest():
    frame = gpd.GeoDataFrame({"capacity": [None, 100.0, 400.0, 50.0],
                              "capacity_unit": [None, "t/yr REO", "t/yr REO", "t/yr ore"]},
                             geometry=shapely.points([(0, 0)] * 4), crs=settings.WGS84)
    r = style.radius(frame)
    assert r[0] == style.R_UNKNOWN < r[1] < r[2] == style.R_MAX
    assert r[3] == style.R_MAX  # the largest of its own unit


def test_highlight_and_effective_stakes(frames):
    html = map_html(build_map(frames, highlight={"mines": ["lofdal"], "routes": ["x"]},
                              effective_stakes={"mines/mount-weld": {"JOGMEC": 5.0}}))
    found = payloads(html)
    ids = list(frames["mines"]["id"])
    assert found["mines"]["hl"] == [ids.index("lofdal")]
    assert found["mines"]["eff"] == {str(ids.index("mount-weld")): {"JOGMEC": 5.0}}
    assert found["routes"]["hl"] == []


def test_focus_zooms_to_the_bounds(frames):
    html = map_html(build_map(frames, focus=(10.0, -25.0, 20.0, -15.0)))
    assert re.search(r"fitBounds\(\s*\[\[-25\.0, 10\.0\], \[-15\.0, 20\.0\]\]", html)


def test_imported_features_say_so(frames):
    mines = frames["mines"].assign(source_label="my-survey")
    found = payloads(map_html(build_map({**frames, "mines": mines})))
    assert found["mines"]["cols"]["source_label"] == {"t": "k", "v": "my-survey"}
    assert "source_label" not in found["refineries"]["cols"]


def test_bounds_cover_every_layer(frames):
    m = build_map(frames)
    west, south, east, north = np.array([f.total_bounds for f in frames.values()]).T
    assert m.get_bounds() == [[south.min(), west.min()], [north.max(), east.max()]]
    assert "fitBounds" in map_html(m)


def test_bad_options_are_refused(frames):
    with pytest.raises(ValueError, match="color_by='size'"):
        build_map(frames, color_by="size")
    with pytest.raises(ValueError, match="basemap='google'"):
        build_map(frames, basemap="google")


def test_empty_layers_are_left_off(frames):
    found = payloads(map_html(build_map({**frames, "routes": frames["routes"].iloc[:0]})))
    assert "routes" not in found


def _points(n: int) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(3)
    return gpd.GeoDataFrame(
        {"id": [f"p-{i}" for i in range(n)], "name": [f"Site {i}" for i in range(n)],
         "status": rng.choice(["operating", "exploration"], n),
         "hree_share_pct": np.round(rng.uniform(0, 90, n), 1),
         "owners": [[{"name": "A", "stake_pct": 50.0}]] * n},
        geometry=shapely.points(rng.uniform(-170, 170, n), rng.uniform(-60, 70, n)),
        crs=settings.WGS84)


def test_large_payload_is_deflated_and_complete():
    html = map_html(build_map({"mines": _points(20_000)}))
    assert len(html) < 2_000_000
    packed = re.search(r"reemap\.fill\(\w+, \w+, (.*)\);", html)
    assert packed is not None
    assert packed.group(1).startswith('"')  # deflated, as base64 in a string
    assert len(packed.group(1)) < COMPRESS_ABOVE * 8
    mines = payloads(html)["mines"]
    assert mines["n"] == 20_000
    assert _column(mines, "name")[-1] == "Site 19999"
    assert mines["cols"]["owners"]["t"] == "k"  # one shared value, sent once


def test_too_many_points_are_aggregated(monkeypatch):
    monkeypatch.setattr(settings, "MAX_POINTS_DRAWN", 500)
    html = map_html(build_map({"mines": _points(2_000)}))
    mines = payloads(html)["mines"]
    assert mines["n"] < 2_000
    counts = [int(name.split()[0].replace(",", "")) for name in _column(mines, "name")]
    assert sum(counts) == 2_000
    assert "in " in html and " cells" in html


def test_aggregate_points_keeps_every_point():
    cells = aggregate_points(_points(5_000), max_cells=300)
    assert len(cells) <= 300
    assert cells["count"].sum() == 5_000


def test_aggregate_points_by_hand():
    frame = gpd.GeoDataFrame(
        {"name": ["a", "b", "c", "d"], "hree_share_pct": [10.0, 30.0, None, 5.0]},
        geometry=shapely.points([(10.01, 20.01), (10.03, 20.03), (-50.0, 0.0), (10.05, 20.05)]),
        crs=settings.WGS84)
    cells = aggregate_points(frame, max_cells=2).sort_values("count").reset_index(drop=True)
    assert list(cells["count"]) == [1.0, 3.0]
    assert np.isnan(cells.loc[0, "hree_share_pct"])
    assert cells.loc[1, "hree_share_pct"] == 15.0
    assert cells.geometry[1].x == pytest.approx(10.03)
    assert cells.loc[1, "name"] == "3 features"
    assert cells.loc[1, "example"] in {"a", "b", "d"}


@pytest.mark.parametrize("max_cells", [1, 3, 40, 400, 5_000])
def test_aggregate_points_picks_the_smallest_cell_that_fits(max_cells):
    rng = np.random.default_rng(7)
    x = np.concatenate([rng.uniform(-180, 180, 3_000), [-180.0, 180.0, 179.95, 0.0]])
    y = np.concatenate([rng.uniform(-90, 90, 3_000), [-90.0, 90.0, 89.95, 0.0]])
    frame = gpd.GeoDataFrame({"name": [f"p{i}" for i in range(len(x))]},
                             geometry=shapely.points(x, y), crs=settings.WGS84)
    cell = 0.1  # the cell grows from 0.1 degrees, doubling, until few enough are occupied
    while True:
        cols = int(np.ceil(360.0 / cell)) + 1
        rows = np.clip(np.floor((y + 90.0) / cell), 0, None)
        occupied = np.unique(rows * cols + np.clip(np.floor((x + 180.0) / cell), 0, cols - 1))
        if len(occupied) <= max_cells:
            break
        cell *= 2
    cells = aggregate_points(frame, max_cells=max_cells)
    assert len(cells) == len(occupied)
    assert set(cells["layer"]) == {f"{cell:g}° cell"}
    assert cells["count"].sum() == len(x)


def test_encode_table_kinds():
    frame = _points(40)
    enc = encode_table(frame, ["name", "status", "hree_share_pct", "owners", "missing"])
    assert enc["name"]["t"] == "s"
    assert enc["status"]["t"] == "d"
    assert enc["owners"]["t"] == "k"
    assert "missing" not in enc


def test_encode_table_unique_texts_same_whatever_holds_them() -> None:
    texts = [f"mine {i}" if i % 7 else None for i in range(40)]
    held = [pd.Series(texts, dtype=dtype) for dtype in ("string[pyarrow]", "string[python]",
                                                       object)]
    encoded = [encode_table(pd.DataFrame({"name": s}), ["name"])["name"] for s in held]
    assert encoded[0] == {"t": "s", "v": texts}
    assert encoded[1] == encoded[0] and encoded[2] == encoded[0]


def test_ensure_static_copies_once(tmp_path):
    target = ensure_static(tmp_path / "vendor")
    for name in VENDOR_FILES:
        assert (target / name).stat().st_size > 0
    stamp = (target / "leaflet.js").stat().st_mtime_ns
    ensure_static(target)
    assert (target / "leaflet.js").stat().st_mtime_ns == stamp


@pytest.mark.parametrize("dtype", [object, "string[pyarrow]", "string[python]"])
def test_ringed_rows_and_stakes_found_by_id_whatever_holds_the_ids(dtype) -> None:
    from ui.pointlayer import point_payload

    frame = _points(8)
    frame["id"] = pd.Series(["a", "b", "c", "b", "d", "e", "f", "g"], dtype=dtype)
    payload = point_payload(frame, "mines", name="mines", highlight={"b", "g", "zz"},
                            effective={"mines": {"b": {"JOGMEC": 5.0}, "f": {"JOGMEC": 1.5},
                                                 "zz": {"JOGMEC": 9.0}}})
    assert payload["hl"] == [1, 3, 7]  # every row with a ringed id
    assert payload["eff"] == {"1": {"JOGMEC": 5.0}, "6": {"JOGMEC": 1.5}}  # the first row
