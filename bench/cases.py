"""Server-side cases: filters, the map (ours and folium's usual ways), st_folium, exports."""

from __future__ import annotations

import gc
import tempfile
import time
from pathlib import Path
from typing import Any

import folium
import folium.plugins
import geopandas as gpd
import numpy as np
import orjson
import pandas as pd
import pyogrio
import shapely

from bench.timing import Results, Row, Stat, measure
from geo import settings
from geo.export import flatten
from geo.geojson import prepare_geometries, to_geojson_bytes
from geo.parquet import read_partitioned, write_partitioned
from layers.catalog import load_dataset
from layers.ownership import OwnershipGraph
from layers.query import Query, apply_query, query_masks
from ui.mapview import build_map, map_html

MINI = settings.ROOT / "tests" / "data" / "mini"

#: The filters timed; "all kinds" combines every kind the app offers.
QUERIES: dict[str, Query] = {
    "elements Dy or Tb": Query(elements=("Dy", "Tb")),
    "country and status": Query(countries=("AUS", "CHN", "CAN"), statuses=("operating",)),
    "min_hree 10": Query(min_hree=10),
    "owner JOGMEC (up the chain)": Query(owners=("JOGMEC",)),
    "all kinds": Query(elements=("Dy", "Tb"), countries=("AUS", "CHN", "CAN"),
                       statuses=("operating", "development"), min_hree=5,
                       owners=("Lynas Rare Earths", "JOGMEC")),
}


def label(n: int) -> str:
    """1000 -> "1k", 1000000 -> "1M"."""
    return f"{n // 1_000_000}M" if n >= 1_000_000 else f"{n // 1000}k"


def graph_for(frame: gpd.GeoDataFrame, layer: str = "mines") -> OwnershipGraph:
    """The mini dataset's ownership chain (JOGMEC -> JARE -> Lynas) over synthetic assets."""
    base = load_dataset(MINI).graph
    graph = OwnershipGraph(entities=dict(base.entities), owners_of=dict(base.owners_of))
    graph.add_assets(layer, frame)
    return graph


def filters(results: Results, frame: gpd.GeoDataFrame, *, repeat: int) -> None:
    """Filter latency: the first call (which builds the per-frame index) and warm calls."""
    size = label(len(frame))
    graph = graph_for(frame)
    frames = {"mines": frame}
    for name, query in QUERIES.items():
        start = time.perf_counter()
        out = apply_query(frames, query, graph)
        first = time.perf_counter() - start
        stat, out = measure(lambda q=query: apply_query(frames, q, graph), repeat=repeat,
                            warmup=False)
        masks, _ = measure(lambda q=query: query_masks(frames, q, graph), repeat=repeat,
                           warmup=False)
        target = "<= 100 ms" if len(frame) >= 1_000_000 else ""
        results.add(Row("filter", f"{name}: which features match", size, masks, "s", target,
                        "query_masks, warm"))
        results.add(Row("filter", f"{name}: filtered frames", size, stat, "s", target,
                        f"apply_query, warm; {len(out['mines']):,} kept; first call "
                        f"{first * 1000:,.0f} ms (builds the index)"))


def our_map(results: Results, frame: gpd.GeoDataFrame, *, repeat: int,
            layer: str = "mines") -> str:
    """Filter -> build_map -> HTML, as the app does; return the last HTML."""
    size = label(len(frame))
    frames = {layer: frame}

    def run() -> str:
        return map_html(build_map(apply_query(frames, Query())))

    stat, html = measure(run, repeat=repeat, warmup=repeat > 1)
    kind = "points" if layer == "mines" else "lines"
    big = len(frame) >= 1_000_000
    target = "<= 2 s" if big else ("<= 0.5 s" if len(frame) == 100_000 and kind == "points"
                                   else "")
    aggregated = len(frame) > settings.MAX_POINTS_DRAWN and kind == "points"
    note = "aggregated server-side into grid cells" if aggregated else (
        "per-feature colour, size, tooltip, popup")
    results.add(Row("map (ours)", f"filter -> HTML, {kind}", size, stat, "s", target, note))
    mb = len(html.encode()) / 1e6
    results.add(Row("map (ours)", f"HTML payload, {kind}", size, Stat(mb, mb, mb, 1), "MB",
                    "<= 5 MB" if len(frame) == 100_000 else ""))
    return html


def st_folium_path(results: Results, frame: gpd.GeoDataFrame, *, repeat: int) -> None:
    """build_map plus what st_folium does on the server before sending (its own functions)."""
    import streamlit_folium as sf

    frames = {"mines": frame}

    def run() -> int:
        m = build_map(apply_query(frames, Query()))
        m.get_root().render()
        m.render()
        html = sf._get_html(m)
        header = sf._get_header(m)
        leaflet = sf._get_map_string(m)
        m.get_bounds()
        return len(html) + len(header) + len(leaflet)

    stat, sent = measure(run, repeat=repeat, warmup=repeat > 1)
    results.add(Row("map (ours)", "filter -> st_folium (server)", label(len(frame)), stat, "s",
                    "", f"{sent / 1e6:.1f} MB of component arguments"))


def baseline_map(kind: str, frame: gpd.GeoDataFrame, *, local: bool = False) -> folium.Map:
    """folium's usual ways to draw points: ``marker`` each, one ``geojson``, ``cluster``.

    With ``local``, Leaflet and MarkerCluster load from the bench's own server (see
    ``bench.browser.serve``) instead of folium's CDNs.
    """
    m = folium.Map(location=(20.0, 0.0), zoom_start=2, tiles=None, prefer_canvas=True)
    m.options["max_zoom"] = 14  # MarkerCluster draws nothing on a map without a max zoom
    if local:
        m.default_js = [("leaflet", "/static/vendor/leaflet.js")]
        m.default_css = [("leaflet_css", "/static/vendor/leaflet.css")]
    xy = shapely.get_coordinates(frame.geometry.to_numpy())
    if kind == "marker":
        for (x, y), name in zip(xy, frame["name"], strict=True):
            folium.Marker([y, x], tooltip=name).add_to(m)
    elif kind == "geojson":
        folium.GeoJson(frame[["name", "country", "hree_share_pct", "geometry"]].to_json(),
                       marker=folium.CircleMarker(radius=4)).add_to(m)
    else:
        # a plain marker: folium's default icon needs awesome-markers, which is not local
        plain = "function (row) { return L.marker(new L.LatLng(row[0], row[1])); }"
        cluster = folium.plugins.FastMarkerCluster(xy[:, ::-1].tolist(), callback=plain)
        if local:
            cluster.default_js = [("markerclusterjs", "/mc/leaflet.markercluster.js")]
            cluster.default_css = [("markerclustercss", "/mc/MarkerCluster.css"),
                                   ("markerclusterdefaultcss", "/mc/MarkerCluster.Default.css")]
        cluster.add_to(m)
    return m


BASELINES = {"marker": "folium.Marker each", "geojson": "folium.GeoJson (circle markers)",
             "cluster": "FastMarkerCluster (no style/popup)"}


def baselines(results: Results, frame: gpd.GeoDataFrame, *, repeat: int,
              kinds: tuple[str, ...]) -> None:
    """Build + HTML time and size of the baselines, on the same points as ours."""
    for kind in kinds:
        stat, html = measure(lambda k=kind: map_html(baseline_map(k, frame)), repeat=repeat,
                             warmup=False)
        results.add(Row("map (baseline)", f"{BASELINES[kind]}: build + HTML", label(len(frame)),
                        stat, "s", "", f"{len(html.encode()) / 1e6:.1f} MB HTML"))


def _plain_columns(frame: pd.DataFrame) -> dict[str, bytes]:
    """Each property column as canonical JSON (missing -> null, arrays -> lists)."""
    def norm(v: Any) -> Any:
        if isinstance(v, np.ndarray):
            return v.tolist()
        if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
            return None
        if isinstance(v, float) and v.is_integer():
            return int(v)
        return v.isoformat()[:10] if hasattr(v, "isoformat") else v

    return {c: orjson.dumps([norm(v) for v in frame[c].astype(object)], default=str)
            for c in frame.columns if c != "geometry"}


def same_features(source: gpd.GeoDataFrame, path: Path) -> bool:
    """True when GDAL reads the file back as the source's features (properties, geometry)."""
    back = pyogrio.read_dataframe(path)
    if len(back) != len(source) or list(back.columns) != list(source.columns):
        return False
    if _plain_columns(back) != _plain_columns(pd.DataFrame(source)):
        return False
    expected = prepare_geometries(source.geometry.to_numpy())
    return bool(shapely.equals_exact(back.geometry.to_numpy(), expected, tolerance=1e-9).all())


def export(results: Results, frame: gpd.GeoDataFrame, *, repeat: int, kind: str) -> None:
    """GeoJSON export MB/s: ours, pyogrio (GDAL), GeoDataFrame.to_json, on the same layer."""
    size = label(len(frame))
    flat = flatten(frame)  # pyogrio cannot write lists: it gets them as JSON text, untimed
    with tempfile.TemporaryDirectory(prefix="reemap-bench-") as tmp:
        ours_path = Path(tmp) / "ours.geojson"

        def ours() -> int:
            data = to_geojson_bytes(frame)
            ours_path.write_bytes(data)
            return len(data)

        def gdal(arrow: bool) -> int:
            path = Path(tmp) / f"gdal-{arrow}.geojson"
            path.unlink(missing_ok=True)
            pyogrio.write_dataframe(flat, path, driver="GeoJSON", use_arrow=arrow)
            return path.stat().st_size

        def to_json() -> int:
            data = frame.to_json().encode()
            (Path(tmp) / "to_json.geojson").write_bytes(data)
            return len(data)

        cases = {"reemap to_geojson_bytes": ours, "pyogrio (GDAL)": lambda: gdal(False),
                 "pyogrio (GDAL, use_arrow)": lambda: gdal(True),
                 "GeoDataFrame.to_json": to_json}
        walls: dict[str, list[float]] = {name: [] for name in cases}
        cpus: dict[str, list[float]] = {name: [] for name in cases}
        sizes: dict[str, int] = {}
        for _ in range(repeat):  # interleaved, so that every writer meets the same load
            for name, fn in cases.items():
                gc.collect()
                wall, cpu = time.perf_counter(), time.process_time()
                sizes[name] = fn()
                walls[name].append(time.perf_counter() - wall)
                cpus[name].append(time.process_time() - cpu)
        rates: dict[str, float] = {}
        cpu_rates: dict[str, float] = {}
        for name in cases:
            mb = sizes[name] / 1e6
            stat = Stat.of(walls[name])
            rate = Stat(mb / stat.median, mb / stat.high, mb / stat.low, stat.runs)
            rates[name] = rate.median
            cpu_rates[name] = mb / Stat.of(cpus[name]).median
            results.add(Row("GeoJSON export", f"{name}, {kind}", size, rate, "MB/s", "",
                            f"{mb:.1f} MB in {stat.median:.2f} s; by CPU time "
                            f"{cpu_rates[name]:.1f} MB/s"))
        gdal_names = ("pyogrio (GDAL)", "pyogrio (GDAL, use_arrow)")
        ratio = rates["reemap to_geojson_bytes"] / max(rates[n] for n in gdal_names)
        cpu_ratio = cpu_rates["reemap to_geojson_bytes"] / max(cpu_rates[n] for n in gdal_names)
        equal = same_features(frame, ours_path)
        results.add(Row("GeoJSON export", f"ours / best pyogrio, {kind}", size,
                        Stat(ratio, ratio, ratio, 1), "x", ">= 1.5x",
                        f"by CPU time {cpu_ratio:.1f}x; GDAL reads ours back as the same "
                        f"features: {equal}"))


def parquet(results: Results, frame: gpd.GeoDataFrame, *, repeat: int) -> None:
    """Partitioned GeoParquet (layer=/country=) write and read times."""
    size = label(len(frame))
    with tempfile.TemporaryDirectory(prefix="reemap-bench-") as tmp:
        root = Path(tmp) / "ds"
        stat, files = measure(lambda: write_partitioned({"mines": frame}, root), repeat=repeat,
                              warmup=False)
        total = sum(p.stat().st_size for p in files) / 1e6
        results.add(Row("GeoParquet", "write partitioned", size, stat, "s", "",
                        f"{len(files)} files, {total:.1f} MB"))
        stat, back = measure(lambda: read_partitioned(root), repeat=repeat, warmup=False)
        results.add(Row("GeoParquet", "read partitioned", size, stat, "s", "",
                        f"{len(back['mines']):,} features back"))
