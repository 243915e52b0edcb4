"""The folium map the app shows: every layer at once, offline, fast at 100k+ points.

Leaflet comes from local copies (``ui.assets``); the basemap is the Natural Earth country
outlines drawn as vector data, with web tiles only on request. Each layer is one compact
payload drawn by ``ui.pointlayer``'s canvas runtime; past ``settings.MAX_POINTS_DRAWN``
points a layer is aggregated into grid cells server-side.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from functools import cache
from typing import Final

import folium
import geopandas as gpd
import numpy as np
import orjson
import pandas as pd
import shapely

from geo import settings
from layers.indexes import point_xy
from layers.occurrences import drawn_occurrences
from layers.schema import LAYERS
from ui import style
from ui.pointlayer import PayloadLayer, Runtime, area_payload, line_payload, point_payload

__all__ = ["BASEMAPS", "aggregate_points", "build_map", "map_html"]

#: Basemaps: the offline country outlines, or web tiles (which need internet) over them.
BASEMAPS: Final[dict[str, tuple[str, str] | None]] = {
    "countries": None,
    "osm": ("https://tile.openstreetmap.org/{z}/{x}/{y}.png",
            "&copy; OpenStreetMap contributors"),
    "carto": ("https://{s}.basemaps.cartocdn.com/light_all/{z}/{x}/{y}{r}.png",
              "&copy; OpenStreetMap contributors &copy; CARTO"),
}
_POINT_LAYERS: Final[frozenset[str]] = frozenset({"mines", "refineries", "ports", "occurrences"})
_AREA_LAYERS: Final[frozenset[str]] = frozenset({"seabed", "chokepoints", "countries"})
_TITLES: Final[dict[str, str]] = {
    "mines": "Mines and deposits", "refineries": "Processing plants", "seabed": "Seabed REY mud",
    "routes": "Trade flows", "ports": "Ports", "chokepoints": "Chokepoints",
    "occurrences": "USGS occurrences", "countries": "Country statistics (USGS)",
}
#: Grid cells an aggregated layer aims to stay under.
_MAX_CELLS: Final[int] = 40_000


@cache
def _countries() -> str:
    """The country outlines as a compact GeoJSON literal (1:110m: 2 decimals lose nothing)."""
    path = settings.DATA_DIR / "countries.geojson"
    if not path.exists():
        path = settings.ROOT / "data" / "countries.geojson"
    frame = gpd.read_file(path, columns=[])
    geoms = shapely.transform(frame.geometry.to_numpy(), lambda c: np.round(c, 2))
    features = [{"type": "Feature", "properties": {}, "geometry": orjson.Fragment(g)}
                for g in shapely.to_geojson(geoms)]
    return orjson.dumps({"type": "FeatureCollection", "features": features}).decode()


def _grid(x: np.ndarray, y: np.ndarray, max_cells: int) -> tuple[float, np.ndarray, np.ndarray]:
    """The smallest cell (0.1° doubled) that few enough points occupy: its size, each
    point's cell and the points per cell, counted into a dense grid (linear, no sort).

    A cell's row and column at each size are its 0.1° ones halved, exactly (the sizes are
    0.1 times powers of two), so the points are divided once; the search starts at 0.4°
    (occupancy only falls as cells grow) and steps down or up from there.
    """
    fine_y = np.clip(np.floor((y + 90.0) / 0.1), -1, 2.0**40).astype(np.int64)
    fine_x = np.clip(np.floor((x + 180.0) / 0.1), -1, 2.0**40).astype(np.int64)

    def level(k: int) -> tuple[float, np.ndarray, np.ndarray]:
        cell = 0.1 * 2**k
        cols = int(np.ceil(360.0 / cell)) + 1
        key = np.clip(fine_y >> k, 0, None) * cols + np.clip(fine_x >> k, 0, cols - 1)
        return cell, key, np.bincount(key)

    def fits(found: tuple[float, np.ndarray, np.ndarray]) -> bool:
        return int(np.count_nonzero(found[2])) <= max_cells

    k = 0 if len(x) <= max_cells else 2
    found = level(k)
    if fits(found):
        while k > 0 and fits(finer := level(k - 1)):
            k, found = k - 1, finer
        return found
    while not fits(found):
        k += 1
        found = level(k)
    return found


def aggregate_points(frame: gpd.GeoDataFrame, *, max_cells: int = _MAX_CELLS) -> (
    gpd.GeoDataFrame
):
    """Aggregate points into square grid cells, growing the cell until few enough remain.

    Parameters
    ----------
    frame
        Points in EPSG:4326.
    max_cells
        The most cells to return.

    Returns
    -------
    GeoDataFrame
        One point per occupied cell at the mean position of its points, with ``count``
        (and ``name``, e.g. ``"1,204 features"``), the mean ``hree_share_pct`` of those
        that have one, the name of one of them (``example``) and the cell size in
        ``layer`` (e.g. ``"0.4° cell"``).
    """
    x, y, _ = point_xy(frame)
    keep = ~(np.isnan(x) | np.isnan(y))
    x, y = x[keep], y[keep]
    hree = pd.to_numeric(frame["hree_share_pct"], errors="coerce").to_numpy(
        dtype=float, na_value=np.nan)[keep] if "hree_share_pct" in frame.columns else (
        np.full(len(x), np.nan))
    cell, key, per_key = _grid(x, y, max_cells)
    occupied = np.flatnonzero(per_key)
    rank = np.zeros(len(per_key), dtype=np.int64)
    rank[occupied] = np.arange(len(occupied))
    inverse = rank[key]
    counts = per_key[occupied]
    first = np.empty(len(occupied), dtype=np.int64)
    first[inverse] = np.arange(len(inverse))  # some member of each cell, for its example name
    known = ~np.isnan(hree)
    n_known = np.bincount(inverse, weights=known, minlength=len(occupied))
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_hree = np.bincount(inverse, weights=np.where(known, hree, 0.0),
                                minlength=len(occupied)) / n_known
    cx = np.bincount(inverse, weights=x) / counts
    cy = np.bincount(inverse, weights=y) / counts
    return gpd.GeoDataFrame(
        {"name": [f"{c:,} features" for c in counts.tolist()],
         "example": frame["name"].iloc[np.flatnonzero(keep)[first]].to_numpy(dtype=object),
         "count": counts.astype(float),
         "hree_share_pct": np.round(mean_hree, 1), "layer": f"{cell:g}° cell"},
        geometry=shapely.points(cx, cy), crs=settings.WGS84,
    )


def _drawn_as_points(layer: str) -> bool:
    """Whether a layer is drawn as points (one by one or in grid cells), not areas or lines."""
    return layer not in _AREA_LAYERS and layer != "routes"


def _total_bounds(frame: gpd.GeoDataFrame, *, points: bool) -> list[float]:
    """``frame.total_bounds``; for points, from their (kept) coordinates."""
    x, y, all_points = point_xy(frame) if points else (None, None, False)
    if x is None or y is None or not all_points:
        return [float(v) for v in frame.total_bounds]
    kx, ky = x[~np.isnan(x)], y[~np.isnan(y)]  # as geopandas' nanmin and nanmax
    nan = float("nan")
    return [float(kx.min()) if len(kx) else nan, float(ky.min()) if len(ky) else nan,
            float(kx.max()) if len(kx) else nan, float(ky.max()) if len(ky) else nan]


def _layer(name: str, frame: gpd.GeoDataFrame, *, color_by: str,
           highlight: Collection[str] | None,
           effective: Mapping[str, Mapping[str, Mapping[str, float | None]]]) -> (
    tuple[PayloadLayer, bool]
):
    title = f"{_TITLES.get(name, name)} ({len(frame):,})"
    box = _total_bounds(frame, points=_drawn_as_points(name))
    if name in _AREA_LAYERS:
        return PayloadLayer(area_payload(frame, name, name=name, highlight=highlight),
                            name=title, bounds=box), False
    if name == "routes":
        return PayloadLayer(line_payload(frame, name=name, highlight=highlight), name=title,
                            bounds=box), False
    if len(frame) > settings.MAX_POINTS_DRAWN:
        cells = aggregate_points(frame, max_cells=min(_MAX_CELLS, settings.MAX_POINTS_DRAWN // 4))
        payload = point_payload(cells, name, name=name, spec_layer="cells")
        return PayloadLayer(payload, name=f"{title}, in {len(cells):,} cells", bounds=box), True
    payload = point_payload(frame, name, name=name, color_by=color_by, highlight=highlight,
                            effective=effective)
    return PayloadLayer(payload, name=title, bounds=box), False


def _effective(stakes: Mapping[str, Mapping[str, float | None]] | None,
               layers: Collection[str]) -> dict[str, dict[str, Mapping[str, float | None]]]:
    """The stakes of the features of ``layers`` (those drawn one by one), by layer and id."""
    out: dict[str, dict[str, Mapping[str, float | None]]] = {}
    prefixes = tuple(f"{layer}/" for layer in layers)
    if not stakes or not prefixes:
        return out
    for key in [k for k in stakes if k.startswith(prefixes)]:
        layer, _, fid = key.partition("/")
        out.setdefault(layer, {})[fid] = stakes[key]
    return out


def build_map(
    frames: Mapping[str, gpd.GeoDataFrame],
    *,
    color_by: str = "hree",
    basemap: str = "countries",
    focus: tuple[float, float, float, float] | None = None,
    highlight: Mapping[str, Collection[str]] | None = None,
    effective_stakes: Mapping[str, Mapping[str, float | None]] | None = None,
    asset_base: str = "/app/static/vendor",
    hree_definition: str = "usgs",
    choropleth: gpd.GeoDataFrame | None = None,
    choropleth_legend: Mapping[str, object] | None = None,
) -> folium.Map:
    """Build the map of the given layers.

    Parameters
    ----------
    frames
        Layer name -> features (empty layers are left off; another CRS is converted to
        EPSG:4326 in a copy). Not modified.
    color_by
        ``"hree"``: points coloured by heavy-REE share; ``"status"``: mines by status,
        plants by stage.
    basemap
        ``"countries"`` (offline outlines), ``"osm"`` or ``"carto"`` (web tiles over the
        outlines; they need internet).
    focus
        ``(min_lon, min_lat, max_lon, max_lat)`` to zoom to; all features when omitted.
    highlight
        Layer -> feature ids drawn with a dark ring or outline.
    effective_stakes
        ``"layer/id"`` -> {entity: effective %} shown in popups under the owners.
    asset_base
        The URL folder that serves Leaflet (``ui.assets.ensure_static`` fills it).
    hree_definition
        The heavy-REE definition the shares use, named in the legend.
    choropleth
        Country outlines with a statistic (``layers.choropleth.choropleth_frame``), drawn
        under every other layer as the ``countries`` layer, with its own toggle.
    choropleth_legend
        Its legend section (``ui.style.choropleth_legend``: classes with units).

    Returns
    -------
    folium.Map
    """
    if basemap not in BASEMAPS:
        raise ValueError(f"basemap={basemap!r}; use one of {', '.join(BASEMAPS)}")
    if color_by not in style.COLOR_BY:
        raise ValueError(f"color_by={color_by!r}; use one of {', '.join(style.COLOR_BY)}")
    shown = {k: v if v.crs is None or v.crs.equals(settings.WGS84) else v.to_crs(settings.WGS84)
             for k, v in frames.items() if len(v)}
    if "occurrences" in shown:  # a site a curated mine shows is drawn once, as the mine
        shown["occurrences"] = drawn_occurrences(shown["occurrences"])
        if not len(shown["occurrences"]):
            del shown["occurrences"]
    order = [k for k in LAYERS if k in shown] + [k for k in shown if k not in LAYERS]
    if choropleth is not None and len(choropleth):
        shown["countries"] = choropleth
        order.insert(0, "countries")
    m = folium.Map(location=(20.0, 60.0), zoom_start=2, tiles=None, min_zoom=1, max_zoom=14,
                   control_scale=True, world_copy_jump=False, prefer_canvas=True)
    m.default_js = [("leaflet", f"{asset_base}/leaflet.js")]
    m.default_css = [("leaflet_css", f"{asset_base}/leaflet.css")]
    tiles = BASEMAPS[basemap]
    if tiles is not None:
        folium.TileLayer(tiles=tiles[0], attr=tiles[1], name=basemap, max_zoom=14).add_to(m)
    effective = _effective(effective_stakes, [  # grid cells and areas show no stakes
        k for k in order if _drawn_as_points(k)
        and len(shown[k]) <= settings.MAX_POINTS_DRAWN])
    layers = []
    aggregated = False
    for name in order:
        layer, cells = _layer(name, shown[name], color_by=color_by,
                              highlight=(highlight or {}).get(name), effective=effective)
        aggregated |= cells
        layers.append(layer)
    legend = style.legend_spec(order, color_by=color_by, hree_definition=hree_definition,
                               aggregated=aggregated,
                               choropleth=choropleth_legend if "countries" in order else None)
    m.add_child(Runtime(legend=legend, countries=_countries(), filled=tiles is None,
                        image_path=f"{asset_base}/images/"))
    for layer in layers:
        m.add_child(layer)
    folium.LayerControl(collapsed=False).add_to(m)
    if focus is not None:
        m.fit_bounds([[focus[1], focus[0]], [focus[3], focus[2]]], max_zoom=8)
    else:
        (south, west), (north, east) = m.get_bounds()
        if south is not None and west is not None and north is not None and east is not None:
            m.fit_bounds([[south, west], [north, east]], max_zoom=5)
    return m


def map_html(m: folium.Map) -> str:
    """Return the full HTML page of a map (what the browser gets)."""
    return str(m.get_root().render())

