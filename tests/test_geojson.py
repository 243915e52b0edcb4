"""The RFC 7946 writer (geo/geojson.py): what GDAL reads back equals what was written."""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import orjson
import pandas as pd
import pyogrio
import pytest
import shapely
from geopandas.testing import assert_geodataframe_equal
from shapely.geometry import LineString, Point, Polygon

from geo.geojson import geojson_parts, prepare_geometries, to_geojson_bytes
from layers.catalog import load_layers

MINI = Path(__file__).resolve().parent / "data" / "mini"


def _plain(value: Any) -> Any:  # noqa: PLR0911 - one return per kind of value
    """A property as JSON would hold it, whichever reader produced it."""
    if isinstance(value, np.ndarray | list):
        return [_plain(v) for v in list(value)]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, pd.Timestamp | date):
        return value.isoformat()[:10]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _read_back(frame: gpd.GeoDataFrame, tmp_path: Path) -> gpd.GeoDataFrame:
    path = tmp_path / "out.geojson"
    path.write_bytes(to_geojson_bytes(frame))
    return pyogrio.read_dataframe(path)


def _assert_same_features(written: gpd.GeoDataFrame, read: gpd.GeoDataFrame) -> None:
    assert len(read) == len(written)
    columns = [c for c in written.columns if c != written.geometry.name]
    for (_, a), (_, b) in zip(written.iterrows(), read.iterrows(), strict=True):
        for c in columns:
            assert _plain(b[c]) == _plain(a[c]), (a["id"], c)
        expected = prepare_geometries(np.array([a.geometry], dtype=object))[0]
        assert shapely.equals_exact(b.geometry, expected, tolerance=1e-9), a["id"]


@pytest.fixture
def awkward() -> gpd.GeoDataFrame:
    """Values that a hand-rolled encoder gets wrong: quotes, commas, unicode, gaps."""
    return gpd.GeoDataFrame(
        {
            "id": ["a", "b", "c"],
            "name": ['say "hi", then \\ go', "南鳥島 Kärr", None],
            "elements": [["Dy", "Tb"], [], None],
            "owners": [[{"name": "A, B", "stake_pct": 50.5}], [],
                       [{"name": "C", "stake_pct": None}]],
            "hree_share_pct": [1.5, float("nan"), 100.0],
            "capacity_year": pd.array([2024, None, 1999], dtype="Int64"),
            "flag": [True, False, True],
        },
        geometry=[Point(1.123456789, -2.5), Point(-180, 90), Point(0, 0)],
        crs="EPSG:4326",
    )


def test_mini_layers_read_back_equal(tmp_path: Path) -> None:
    for name, frame in load_layers(("mines", "refineries", "routes", "seabed"),
                                   data_dir=MINI).items():
        assert len(frame), name
        _assert_same_features(frame, _read_back(frame, tmp_path))


def test_awkward_values_read_back_equal(awkward: gpd.GeoDataFrame, tmp_path: Path) -> None:
    _assert_same_features(awkward, _read_back(awkward, tmp_path))


def test_output_is_valid_json_with_nulls(awkward: gpd.GeoDataFrame) -> None:
    doc = orjson.loads(to_geojson_bytes(awkward))
    assert doc["type"] == "FeatureCollection"
    props = [f["properties"] for f in doc["features"]]
    assert props[0]["name"] == 'say "hi", then \\ go'
    assert props[1]["hree_share_pct"] is None
    assert props[1]["capacity_year"] is None
    assert props[2]["elements"] is None
    assert props[0]["flag"] is True
    assert doc["features"][0]["geometry"] == {"type": "Point", "coordinates": [1.1234568, -2.5]}


def test_missing_and_mixed_geometries() -> None:
    frame = gpd.GeoDataFrame(
        {"id": ["p", "none", "line"]},
        geometry=[Point(1, 2), None, LineString([(0, 0), (1, 1)])],
        crs="EPSG:4326",
    )
    doc = orjson.loads(to_geojson_bytes(frame))
    assert [f["geometry"] and f["geometry"]["type"] for f in doc["features"]] == [
        "Point", None, "LineString"]


def test_polygons_counter_clockwise_and_lines_split_at_180() -> None:
    clockwise = Polygon([(0, 0), (0, 1), (1, 1), (1, 0)])
    crossing = LineString([(170, 10), (-170, 12)])
    frame = gpd.GeoDataFrame({"id": ["poly", "line"]}, geometry=[clockwise, crossing],
                             crs="EPSG:4326")
    doc = orjson.loads(to_geojson_bytes(frame))
    poly, line = (shapely.from_geojson(orjson.dumps(f["geometry"])) for f in doc["features"])
    assert poly.exterior.is_ccw
    assert line.geom_type == "MultiLineString"
    assert all(-180 <= x <= 180 for part in line.geoms for x, _ in part.coords)
    assert abs(line.geoms[0].coords[-1][0]) == 180


def test_empty_frame_is_an_empty_collection() -> None:
    frame = gpd.GeoDataFrame({"id": []}, geometry=[], crs="EPSG:4326")
    assert orjson.loads(to_geojson_bytes(frame)) == {"type": "FeatureCollection",
                                                      "features": []}


def test_other_crs_is_refused(awkward: gpd.GeoDataFrame) -> None:
    with pytest.raises(ValueError, match="must be WGS84"):
        to_geojson_bytes(awkward.to_crs("EPSG:3857"))


def test_caller_frame_unchanged(awkward: gpd.GeoDataFrame) -> None:
    before = awkward.copy()
    to_geojson_bytes(awkward)
    assert_geodataframe_equal(awkward, before)


@pytest.mark.parametrize("dtype", ["str", "object", "category"])
def test_text_that_looks_like_json_separators(dtype: str) -> None:
    texts = ['","', 'end\\', '\\","\\', '"', "", None, '","', "a,b", "\u2028 line"]
    frame = gpd.GeoDataFrame({"t": pd.Series(texts, dtype=dtype)},
                             geometry=[Point(0, 0)] * len(texts), crs="EPSG:4326")
    doc = orjson.loads(to_geojson_bytes(frame))
    assert [f["properties"]["t"] for f in doc["features"]] == texts


def test_values_holding_the_internal_separator_are_still_written_whole() -> None:
    from geo.geojson import _SENTINEL

    owners = [[{"name": _SENTINEL, "stake_pct": 1.0}], [_SENTINEL, "x"], None, []]
    frame = gpd.GeoDataFrame({"owners": owners}, geometry=[Point(0, 0)] * len(owners),
                             crs="EPSG:4326")
    doc = orjson.loads(to_geojson_bytes(frame))
    assert [f["properties"]["owners"] for f in doc["features"]] == owners


@pytest.mark.parametrize("rows", [1, 2, 4, 1_000])
def test_chunks_join_to_the_same_file(awkward: gpd.GeoDataFrame, rows: int) -> None:
    """Encoded a chunk at a time, the collection is byte for byte the one-piece one (text
    encoded per chunk, a missing value at a chunk's edge, mixed geometry)."""
    frame = pd.concat([awkward] * 3, ignore_index=True)
    frame.loc[4, "geometry"] = LineString([(179, 0), (-179, 1)])
    frame.loc[5, "geometry"] = None
    whole = b"".join(geojson_parts(frame, rows=len(frame)))
    parts = list(geojson_parts(frame, rows=rows))
    assert len(parts) == 2 + -(-len(frame) // rows)  # opening, chunks, closing
    assert b"".join(parts) == whole == to_geojson_bytes(frame)
    assert len(orjson.loads(whole)["features"]) == len(frame)


def test_export_writes_the_chunks_in_turn(tmp_path: Path) -> None:
    from geo.export import write_layers

    frame = load_layers(("mines",), data_dir=MINI)["mines"]
    written = write_layers({"mines": frame}, tmp_path / "mines.geojson")
    assert written[0].read_bytes() == to_geojson_bytes(frame)


def test_a_refused_crs_writes_no_file(awkward: gpd.GeoDataFrame, tmp_path: Path) -> None:
    from geo.export import write_layers

    target = tmp_path / "mines.geojson"
    with pytest.raises(ValueError, match="must be WGS84"):
        write_layers({"mines": awkward.to_crs(3857)}, target)
    assert list(tmp_path.iterdir()) == []  # no staged half-file left behind
