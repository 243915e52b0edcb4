"""Partitioned GeoParquet (geo/parquet.py): a round trip, pruning, atomic replace, dask."""

from __future__ import annotations

from pathlib import Path

import dask_geopandas
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from geopandas.testing import assert_geodataframe_equal

from geo.errors import InputError
from geo.geojson import prepare_geometries
from geo.parquet import layer_folder, write_partitioned
from geo.parquet import read_partitioned as read_raw
from layers.catalog import load_layers
from layers.models import MODELS, layer_fields
from layers.schema import NESTED_PROPERTIES

MINI = Path(__file__).resolve().parent / "data" / "mini"
NAMES = ("mines", "refineries", "routes", "seabed")


def read_partitioned(root: Path, **options: object) -> dict[str, gpd.GeoDataFrame]:
    """geo.parquet's reader told reemap's nested properties and column order."""
    return read_raw(root, nested=NESTED_PROPERTIES,
                    columns={name: layer_fields(name) for name in MODELS}, **options)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def frames() -> dict[str, gpd.GeoDataFrame]:
    return load_layers(NAMES, data_dir=MINI)


def _sorted(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return frame.sort_values("id").reset_index(drop=True)


def test_layout_is_hive_by_layer_and_country(
    frames: dict[str, gpd.GeoDataFrame], tmp_path: Path
) -> None:
    root = tmp_path / "ds"
    written = write_partitioned(frames, root)
    expected = {f"layer={name}/country={c}/part-0.parquet"
                for name, frame in frames.items() for c in set(frame["country"])}
    assert {str(p.relative_to(root)) for p in written} == expected
    assert all(p.is_file() for p in written)


def test_round_trip_equals_the_layers(frames: dict[str, gpd.GeoDataFrame], tmp_path: Path) -> None:
    write_partitioned(frames, tmp_path / "ds")
    back = read_partitioned(tmp_path / "ds")
    assert set(back) == set(NAMES)
    for name, frame in frames.items():
        got, want = _sorted(back[name]), _sorted(frame)
        assert list(got.columns) == list(want.columns)
        for column in want.columns.drop("geometry"):
            assert got[column].astype(object).where(got[column].notna(), None).tolist() == \
                want[column].astype(object).where(want[column].notna(), None).tolist(), column
        prepared = prepare_geometries(np.asarray(want.geometry.values))
        assert shapely.equals_exact(got.geometry.values, prepared, tolerance=1e-9).all()


def test_filters_skip_partitions(frames: dict[str, gpd.GeoDataFrame], tmp_path: Path) -> None:
    write_partitioned(frames, tmp_path / "ds")
    back = read_partitioned(tmp_path / "ds", layers=["mines"],
                            filters=[("country", "in", ["AUS", "NAM"])])
    assert set(back["mines"]["id"]) == {"mount-weld", "lofdal"}


def test_rewrite_replaces_and_a_failed_write_keeps_the_old(
    frames: dict[str, gpd.GeoDataFrame], tmp_path: Path
) -> None:
    root = tmp_path / "ds"
    write_partitioned(frames, root)
    write_partitioned({"mines": frames["mines"]}, root)
    assert sorted(p.name for p in root.iterdir()) == ["layer=mines"]
    with pytest.raises(InputError, match="no 'country' column"):
        write_partitioned({"mines": frames["mines"].drop(columns="country")}, root)
    assert set(read_partitioned(root)["mines"]["id"]) == set(frames["mines"]["id"])
    assert [p.name for p in tmp_path.iterdir()] == ["ds"]  # no staging folder left


def test_missing_dataset_or_layer_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such partitioned dataset"):
        read_partitioned(tmp_path / "none")
    (tmp_path / "ds" / "layer=mines").mkdir(parents=True)
    with pytest.raises(InputError, match="no layer 'routes'"):
        read_partitioned(tmp_path / "ds", layers=["routes"])


# dask's parquet reader still calls reset_index(inplace=True), which pandas 3.1 deprecates
@pytest.mark.filterwarnings("ignore:The inplace keyword:DeprecationWarning")
def test_dask_geopandas_reads_a_layer(frames: dict[str, gpd.GeoDataFrame], tmp_path: Path) -> None:
    root = tmp_path / "ds"
    write_partitioned(frames, root)
    lazy = dask_geopandas.read_parquet(layer_folder(root, "mines"))
    assert lazy.npartitions == frames["mines"]["country"].nunique()
    got = lazy.compute()
    assert got.crs.equals("EPSG:4326")
    assert sorted(zip(got["id"], got["country"].astype(str), strict=True)) == sorted(
        zip(frames["mines"]["id"], frames["mines"]["country"], strict=True))
    eager = read_partitioned(root, layers=["mines"])["mines"]
    assert_geodataframe_equal(
        gpd.GeoDataFrame(got[["id"]], geometry=got.geometry.values).sort_values("id")
        .reset_index(drop=True),
        gpd.GeoDataFrame(eager[["id"]], geometry=eager.geometry.values).sort_values("id")
        .reset_index(drop=True),
        check_crs=False,
    )


def test_missing_and_odd_partition_values_come_back(
    frames: dict[str, gpd.GeoDataFrame], tmp_path: Path
) -> None:
    mines = frames["mines"].copy()
    mines["country"] = pd.array([None, "A/B", "AUS", "AUS", "C=D"], dtype="str")
    write_partitioned({"mines": mines}, tmp_path / "ds")
    back = read_partitioned(tmp_path / "ds")["mines"]
    got = dict(zip(back["id"], back["country"].astype(object).where(back["country"].notna(),
                                                                      None), strict=True))
    assert got == dict(zip(mines["id"], [None, "A/B", "AUS", "AUS", "C=D"], strict=True))
