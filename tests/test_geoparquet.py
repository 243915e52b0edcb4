"""geo.geoparquet writes the table geopandas writes for the flat frame, read back the same."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
import shapely
from geopandas.testing import assert_geodataframe_equal

from bench.synth import make_points
from geo.flat import flatten
from geo.geoparquet import geoparquet_table, write_geoparquet_file
from layers.catalog import load_layers


def _same_file(gdf: gpd.GeoDataFrame, tmp_path: Path) -> None:
    ours, theirs = tmp_path / "ours.parquet", tmp_path / "theirs.parquet"
    write_geoparquet_file(gdf, ours)
    flatten(gdf).to_parquet(theirs, index=False)
    a, b = pq.read_table(ours), pq.read_table(theirs)
    assert a.equals(b)
    assert a.schema.equals(b.schema)  # types and the geoarrow.wkb field metadata
    meta_a, meta_b = a.schema.metadata, b.schema.metadata
    assert meta_a[b"pandas"] == meta_b[b"pandas"]
    geo_a, geo_b = json.loads(meta_a[b"geo"]), json.loads(meta_b[b"geo"])
    assert geo_a.pop("creator") == {"library": "reemap"}
    assert geo_a == {
        k: v for k, v in geo_b.items() if k != "creator"}
    assert_geodataframe_equal(gpd.read_parquet(ours), gpd.read_parquet(theirs))


@pytest.mark.parametrize("layer", ["mines", "refineries", "seabed", "routes"])
def test_each_layer_as_geopandas_writes_it(mini_dir: Path, tmp_path: Path, layer: str) -> None:
    _same_file(load_layers((layer,), data_dir=mini_dir)[layer], tmp_path)


def test_many_points_as_geopandas_writes_them(tmp_path: Path) -> None:
    _same_file(make_points(2_000), tmp_path)


def test_odd_columns_as_geopandas_writes_them(tmp_path: Path) -> None:
    lists = [["Nd"], ["Dy", "Tb"]]
    gdf = gpd.GeoDataFrame({
        "all_none": [None, None, None],
        "all_nan": [np.nan, None, np.nan],
        "text_and_nan": ["a", np.nan, pd.NA],
        "lists_and_text": [lists[0], "x", None],
        "shared": [lists[1], lists[1], lists[0]],
        "arrays": [np.array([1, 2]), {"a": 1}, np.array(["x"])],
        "count": pd.array([1, None, 3], dtype="Int64"),
        "flag": [True, False, True],
    }, geometry=[shapely.Point(1.123456789, 2), None, shapely.Point(3, 4)], crs="EPSG:4326")
    _same_file(gdf, tmp_path)
    empty_point = gdf.set_geometry([shapely.Point(), shapely.Point(0, 0), shapely.Point(1, 1)],
                                   crs="EPSG:4326")
    _same_file(empty_point, tmp_path)


def test_table_without_rows(tmp_path: Path) -> None:
    gdf = gpd.GeoDataFrame({"name": pd.Series([], dtype="str")}, geometry=[], crs="EPSG:4326")
    assert geoparquet_table(gdf).num_rows == 0
    _same_file(gdf, tmp_path)
