"""geo.geoparquet writes the table geopandas writes for the flat frame, read back the same."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import shapely
from geopandas.testing import assert_geodataframe_equal

from bench.synth import make_points
from geo.flat import flatten
from geo.geoparquet import dictionary_columns, geoparquet_table, write_geoparquet_file
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


def test_shared_and_rare_objects_as_geopandas_writes_them(tmp_path: Path) -> None:
    # More rows than geo.flat samples (4096), so rare objects are missed by the sample and
    # grouped apart; a few shared objects, missing values of every kind, and a column of
    # more distinct objects than the hashed lookup takes.
    n = 20_000
    rng = np.random.default_rng(7)
    shared = [["Nd"], {"a": 1}, "text", None, np.nan]
    picks = rng.integers(0, len(shared), n)
    few = np.array([shared[i] for i in picks], dtype=object)
    few[[3, 4_321, 19_999]] = [["rare"], "rare text", pd.NA]
    many = np.empty(n, dtype=object)
    many[:] = [[int(i)] for i in rng.integers(0, 1_000, n)]
    text = np.array([f"t{i % 300}" for i in range(n)], dtype=object)
    sparse = np.full(n, None, dtype=object)  # missing but in a few rows (geo.flat)
    sparse[[0, 17, 5_000, 19_998]] = ["ü", ["Nd"], np.nan, ""]
    sparse_number = np.full(n, None, dtype=object)  # not text: typed by pandas
    sparse_number[9] = 3.5
    sparse_nan = np.full(n, np.nan, dtype=object)
    sparse_nan[[1, 2]] = [{"a": [1]}, None]
    gdf = gpd.GeoDataFrame({"few": few, "many": many, "text": text, "sparse": sparse,
                            "sparse_number": sparse_number, "sparse_nan": sparse_nan},
                           geometry=shapely.points(rng.random((n, 2))), crs="EPSG:4326")
    _same_file(gdf, tmp_path)


def test_points_with_an_empty_one_as_geopandas_writes_them(tmp_path: Path) -> None:
    points = list(shapely.points(np.arange(10.0), np.arange(10.0)))
    points[5] = shapely.Point()
    _same_file(gpd.GeoDataFrame({"n": range(10)}, geometry=points, crs="EPSG:4326"), tmp_path)


@pytest.mark.parametrize("kind", ["few", "rare", "many", "empty"])
def test_groups_by_identity(kind: str) -> None:
    from geo.flat import _groups, _sample
    from geo.identity import addresses as object_addresses
    from geo.identity import by_identity

    rng = np.random.default_rng(3)
    objects = [[i] for i in range(5_000 if kind == "many" else 40)]
    n = 0 if kind == "empty" else 50_000
    values = np.empty(n, dtype=object)
    values[:] = [objects[i] for i in rng.integers(0, len(objects), n)]
    if kind == "rare":
        values[rng.integers(0, n, 30)] = [[-1] for _ in range(30)]
    addresses = object_addresses(values)
    codes, rows = _groups(addresses, _sample(addresses))
    assert all(values[rows][codes] == values)  # each row's group holds its very object
    assert all(a is b for a, b in zip(values[rows][codes], values, strict=True))
    assert len(rows) == len(by_identity(values)[1])  # one group per distinct object


def test_value_holding_itself_raises_as_json_dumps_does() -> None:
    from geo.flat import json_texts

    loop: list[object] = []
    loop.append(loop)
    values = np.empty(2, dtype=object)
    values[:] = [[1], loop]
    with pytest.raises(ValueError, match="Circular reference"):
        json_texts(values)


def test_row_groups_as_pyarrow_makes_them_or_as_asked(tmp_path: Path) -> None:
    gdf = make_points(2_500)
    ours, theirs = tmp_path / "ours.parquet", tmp_path / "theirs.parquet"
    write_geoparquet_file(gdf, ours)
    flatten(gdf).to_parquet(theirs, index=False)
    assert pq.ParquetFile(ours).num_row_groups == pq.ParquetFile(theirs).num_row_groups == 1
    write_geoparquet_file(gdf, ours, rows=1_000)  # each group's text decoded in turn
    assert pq.ParquetFile(ours).num_row_groups == 3
    assert pq.read_table(ours).equals(pq.read_table(theirs))


def _dictionary_encoded(path: Path) -> dict[str, bool]:
    group = pq.ParquetFile(path).metadata.row_group(0)
    return {group.column(i).path_in_schema: group.column(i).has_dictionary_page
            for i in range(group.num_columns)}


def test_columns_of_distinct_values_are_written_without_a_dictionary(tmp_path: Path) -> None:
    """Ids and points (every value its own) skip the dictionary a Parquet writer would try
    and give up; columns that repeat a value keep it; the values read back as geopandas'
    file's."""
    gdf = make_points(4_000)  # fewer rows than the sample: every value looked at
    gdf["repeats_once"] = np.arange(4_000) % 3_999  # the last row repeats the first
    gdf["all_none"] = None
    _same_file(gdf, tmp_path)
    ours, theirs = (_dictionary_encoded(tmp_path / f"{who}.parquet") for who in ("ours", "theirs"))
    assert all(theirs.values())  # the default: a dictionary tried for every column
    flat = flatten(gdf).to_wkb()
    repeating = {c: flat[c].nunique(dropna=False) < len(flat) for c in flat.columns}
    assert ours == repeating
    assert not ours["id"] and not ours["geometry"]
    assert ours["repeats_once"] and ours["all_none"] and ours["country"]
    assert dictionary_columns(pq.read_table(tmp_path / "ours.parquet")) == [
        name for name, encoded in ours.items() if encoded]


def test_columns_of_one_value_keep_their_dictionary() -> None:
    assert dictionary_columns(pa.table({"one": ["x"]})) == ["one"]
    assert dictionary_columns(pa.table({"ids": ["a", "b"], "same": ["x", "x"],
                                        "nulls": [None, None]})) == ["same", "nulls"]
