"""Exports in every format read back by GDAL with the same features and properties."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely

from geo.antimeridian import max_lon_step, split_antimeridian, unwrap
from geo.export import write_layers
from geo.io import read_features
from layers.catalog import load_layers
from layers.schema import NESTED_PROPERTIES

FORMATS = ["geojson", "gpkg", "csv", "parquet"]


@pytest.fixture
def frames(mini_dir: Path) -> dict[str, gpd.GeoDataFrame]:
    return load_layers(("mines", "refineries", "seabed", "routes"), data_dir=mini_dir)


def _read_back(path: Path, fmt: str, layer: str) -> gpd.GeoDataFrame:
    if fmt == "parquet":
        gdf = gpd.read_parquet(path)
    elif fmt == "csv":
        gdf = pyogrio.read_dataframe(path, GEOM_POSSIBLE_NAMES="geometry", KEEP_GEOM_COLUMNS="NO")
        gdf = gdf.replace({"": None})  # CSV has no null: an empty cell is one
    else:
        gdf = pyogrio.read_dataframe(path, layer=layer if fmt == "gpkg" else None)
    return gdf


def _decoded(value: Any, column: str, fmt: str) -> Any:
    if isinstance(value, pd.Timestamp):  # GDAL recognises ISO dates in GeoJSON
        return value.date().isoformat()
    if isinstance(value, np.ndarray):  # GDAL reads a GeoJSON list of strings as a StringList
        return value.tolist()
    if column in NESTED_PROPERTIES and isinstance(value, str):
        return json.loads(value)
    return value


def _same(a: Any, b: Any) -> bool:
    missing_a = a is None or (isinstance(a, float) and np.isnan(a)) or a is pd.NA
    missing_b = b is None or (isinstance(b, float) and np.isnan(b)) or b is pd.NA
    if missing_a or missing_b:
        return missing_a and missing_b
    if isinstance(a, int | float | np.number) and not isinstance(a, bool):
        return float(a) == pytest.approx(float(b))
    if isinstance(b, str) and not isinstance(a, str):
        return str(a) == b  # CSV without type hints: numbers as text
    return bool(a == b)


@pytest.mark.parametrize("fmt", FORMATS)
def test_round_trip_through_gdal(
    tmp_path: Path, frames: dict[str, gpd.GeoDataFrame], fmt: str
) -> None:
    written = write_layers(frames, tmp_path / ("out.gpkg" if fmt == "gpkg" else "out"), fmt=fmt)
    assert len(set(written)) == (1 if fmt == "gpkg" else len(frames))
    for layer, source in frames.items():
        path = (
            written[0]
            if fmt == "gpkg"
            else tmp_path / "out" / f"{layer}.{'geojson' if fmt == 'geojson' else fmt}"
        )
        back = _read_back(path, fmt, layer)
        assert len(back) == len(source), layer
        assert list(back["id"]) == list(source["id"])
        for column in source.columns.drop("geometry"):
            for a, b in zip(source[column], back[column], strict=True):
                assert _same(a, _decoded(b, column, fmt)), (layer, column, a, b)
        for a, b in zip(source.geometry, back.geometry, strict=True):
            expected = split_antimeridian(a) if "Line" in a.geom_type else a
            assert expected.geom_type.removeprefix("Multi") == b.geom_type.removeprefix("Multi")
            assert shapely.get_num_geometries(expected) == shapely.get_num_geometries(b)
            assert np.allclose(
                shapely.get_coordinates(expected), shapely.get_coordinates(b), atol=1e-7
            )


def test_geojson_is_rfc7946(tmp_path: Path, frames: dict[str, gpd.GeoDataFrame]) -> None:
    clockwise = shapely.Polygon([(153.5, 23.5), (153.5, 24.5), (154.5, 24.5), (154.5, 23.5)])
    seabed = frames["seabed"].copy()
    seabed["geometry"] = [clockwise]
    pacific = frames["routes"].copy()
    # one continuous line drawn through 181 E: must come out split at 180
    pacific["geometry"] = [shapely.LineString([(170.123456789, 10), (-170, 20)])] * len(pacific)
    path = tmp_path / "x.geojson"
    write_layers({"seabed": seabed}, path)
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert "crs" not in doc
    ring = doc["features"][0]["geometry"]["coordinates"][0]
    assert shapely.LinearRing(ring).is_ccw
    write_layers({"routes": pacific}, path)
    geom = json.loads(path.read_text(encoding="utf-8"))["features"][0]["geometry"]
    assert geom["type"] == "MultiLineString"
    assert geom["coordinates"][0][0] == [170.1234568, 10.0]  # 7 decimals
    assert geom["coordinates"][0][-1][0] == 180.0
    assert geom["coordinates"][1][0][0] == -180.0
    assert max_lon_step(shapely.from_geojson(json.dumps(geom))) <= 180.0


def test_single_layer_writes_one_file_several_write_a_folder(
    tmp_path: Path, frames: dict[str, gpd.GeoDataFrame]
) -> None:
    assert write_layers({"mines": frames["mines"]}, tmp_path / "m.geojson") == [
        tmp_path / "m.geojson"
    ]
    paths = write_layers(frames, tmp_path / "all", fmt="csv")
    assert sorted(p.name for p in paths) == sorted(f"{k}.csv" for k in frames)
    gpkg = write_layers(frames, tmp_path / "all.gpkg")
    assert sorted(pyogrio.list_layers(gpkg[0])[:, 0]) == sorted(frames)


def test_failed_export_leaves_no_partial_file_and_keeps_the_old_one(
    tmp_path: Path, frames: dict[str, gpd.GeoDataFrame]
) -> None:
    target = tmp_path / "mines.geojson"
    target.write_text("good old file", encoding="utf-8")
    broken = frames["mines"].copy().to_crs("EPSG:3857")  # the GeoJSON writer refuses it
    with pytest.raises(ValueError, match="must be WGS84"):
        write_layers({"mines": broken}, target)
    assert target.read_text(encoding="utf-8") == "good old file"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mines.geojson"]


def test_failed_multi_layer_export_writes_nothing(
    tmp_path: Path, frames: dict[str, gpd.GeoDataFrame]
) -> None:
    bad = dict(frames)
    bad["routes"] = frames["routes"].to_crs("EPSG:3857")
    with pytest.raises(ValueError, match="must be WGS84"):
        write_layers(bad, tmp_path / "out", fmt="geojson")
    assert not any((tmp_path / "out").iterdir())


def test_reader_decodes_what_the_writer_encodes(
    tmp_path: Path, frames: dict[str, gpd.GeoDataFrame]
) -> None:
    for fmt in ("csv", "gpkg", "parquet"):
        path = write_layers({"mines": frames["mines"]}, tmp_path / f"m.{fmt}")[0]
        back = read_features(path, nested=NESTED_PROPERTIES)
        assert back.loc[0, "owners"] == frames["mines"].loc[0, "owners"], fmt
        assert back.loc[3, "name_local"] == "龙南", fmt


def test_antimeridian_split_and_unwrap_are_inverse() -> None:
    line = shapely.LineString([(140, 35), (170, 40), (-170, 42), (-120, 34)])
    split = split_antimeridian(line)
    assert split.geom_type == "MultiLineString"
    assert all(-180 <= x <= 180 for x, _ in shapely.get_coordinates(split))
    joined = unwrap(split)
    assert joined.geom_type == "LineString"
    assert max_lon_step(joined) < 180
    xs = shapely.get_coordinates(joined)[:, 0]
    assert xs.max() == pytest.approx(240.0)  # -120 drawn as 240 E: the short way
    assert split_antimeridian(shapely.LineString([(0, 0), (10, 5)])).geom_type == "LineString"
