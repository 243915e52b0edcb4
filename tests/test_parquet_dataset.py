"""`reemap export --format parquet-dataset`: GeoParquet 1.1 read back by pyarrow and dask.

Each layer of the bundled data goes out as a Hive-partitioned dataset and comes back, by
pyarrow's dataset reader and by dask-geopandas, as the features the GeoJSON export holds;
filters on the country folder and on the ``bbox`` covering column keep the same features
as the same filter on the GeoJSON export, and skip the row groups outside the box.
"""

from __future__ import annotations

import json
from pathlib import Path

import dask_geopandas
import geopandas as gpd
import numpy as np
import pyarrow.compute as pc
import pyarrow.dataset as pads
import pyarrow.parquet as pq
import pytest
import shapely

from geo.parquet import layer_folder, read_partitioned, write_partitioned
from reemap.cli import main

BOX = (100.0, -45.0, 160.0, 0.0)  # Australia and its seas: xmin, ymin, xmax, ymax


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, gpd.GeoDataFrame]]:
    """The bundled layers as a partitioned dataset, and the same layers as GeoJSON."""
    tmp = tmp_path_factory.mktemp("parquet-dataset")
    assert main(["export", "--output", str(tmp / "ds"), "--format", "parquet-dataset"]) == 0
    assert main(["export", "--output", str(tmp / "gj"), "--format", "geojson"]) == 0
    geojson = {p.stem: gpd.read_file(p) for p in sorted((tmp / "gj").glob("*.geojson"))}
    return tmp / "ds", geojson


def _bbox_filter(box: tuple[float, float, float, float]) -> pc.Expression:
    xmin, ymin, xmax, ymax = box
    return ((pc.field("bbox", "xmax") >= xmin) & (pc.field("bbox", "xmin") <= xmax)
            & (pc.field("bbox", "ymax") >= ymin) & (pc.field("bbox", "ymin") <= ymax))


def _meets(gdf: gpd.GeoDataFrame, box: tuple[float, float, float, float]) -> set[str]:
    b = gdf.geometry.bounds
    xmin, ymin, xmax, ymax = box
    keep = (b.maxx >= xmin) & (b.minx <= xmax) & (b.maxy >= ymin) & (b.miny <= ymax)
    return set(gdf.loc[keep, "id"])


def test_every_file_is_geoparquet_1_1_with_the_bbox_covering(exported) -> None:
    root, geojson = exported
    files = sorted(root.rglob("*.parquet"))
    assert {p.relative_to(root).parts[0] for p in files} == {f"layer={n}" for n in geojson}
    for path in files:
        assert path.parent.name.startswith("country=")
        meta = json.loads(pq.read_schema(path).metadata[b"geo"])
        assert meta["version"] == "1.1.0"
        column = meta["columns"][meta["primary_column"]]
        assert column["covering"]["bbox"]["xmin"] == ["bbox", "xmin"]
        assert column["crs"]["id"]["code"] == 4326
        assert pq.read_schema(path).field("bbox").type.num_fields == 4


def test_pyarrow_reads_every_layer_as_the_geojson_export(exported) -> None:
    root, geojson = exported
    for name, want in geojson.items():
        table = pads.dataset(layer_folder(root, name), format="parquet",
                             partitioning="hive").to_table()
        got = table.to_pandas().set_index("id").sort_index()
        ref = want.set_index("id").sort_index()
        assert got.index.tolist() == ref.index.tolist(), name
        assert got["country"].tolist() == ref["country"].tolist(), name
        assert got["name"].tolist() == ref["name"].tolist(), name
        owners = [json.loads(v) for v in got["owners"]]
        assert owners == [json.loads(v) if isinstance(v, str) else v for v in ref["owners"]], name
        geoms = shapely.from_wkb(got["geometry"].to_numpy())
        assert shapely.equals_exact(geoms, ref.geometry.values, tolerance=1e-6).all(), name


def test_country_and_bbox_filters_keep_what_the_geojson_export_keeps(exported) -> None:
    root, geojson = exported
    mines = geojson["mines"]
    dataset = pads.dataset(layer_folder(root, "mines"), format="parquet", partitioning="hive")
    aus = dataset.to_table(filter=pc.field("country") == "AUS", columns=["id"])
    assert set(aus["id"].to_pylist()) == set(mines.loc[mines["country"] == "AUS", "id"])
    assert aus.num_rows >= 3
    boxed = dataset.to_table(filter=_bbox_filter(BOX), columns=["id"])
    assert set(boxed["id"].to_pylist()) == _meets(mines, BOX)
    assert 0 < boxed.num_rows < len(mines)
    # geopandas' own bbox reader and reemap's read the same through the covering column
    via_geopandas = read_partitioned(root, layers=["mines"], bbox=BOX)["mines"]
    assert set(via_geopandas["id"]) == _meets(mines, BOX)
    assert "bbox" not in via_geopandas.columns


# dask's parquet reader still calls reset_index(inplace=True), which pandas 3.1 deprecates
@pytest.mark.filterwarnings("ignore:The inplace keyword")
def test_dask_geopandas_reads_and_filters_lazily(exported) -> None:
    root, geojson = exported
    for name in ("mines", "routes", "seabed"):
        lazy = dask_geopandas.read_parquet(layer_folder(root, name))
        got = lazy.compute()
        assert isinstance(got, gpd.GeoDataFrame) and got.crs.to_epsg() == 4326
        assert set(got["id"]) == set(geojson[name]["id"]), name
    lazy = dask_geopandas.read_parquet(layer_folder(root, "refineries"),
                                       filters=[("country", "==", "CHN")])
    chn = lazy.compute()
    refineries = geojson["refineries"]
    assert set(chn["id"]) == set(refineries.loc[refineries["country"] == "CHN", "id"])
    assert len(chn) >= 1


def test_a_bbox_filter_skips_row_groups(tmp_path: Path) -> None:
    # one country, 20,000 points over the whole world: 40 row groups in Hilbert order
    rng = np.random.default_rng(7)
    n = 20_000
    frame = gpd.GeoDataFrame(
        {"id": [f"p{i}" for i in range(n)], "country": "AUS"},
        geometry=gpd.points_from_xy(rng.uniform(-180, 180, n), rng.uniform(-90, 90, n)),
        crs="EPSG:4326",
    )
    write_partitioned({"mines": frame}, tmp_path / "ds", row_group_size=500)
    (fragment,) = pads.dataset(layer_folder(tmp_path / "ds", "mines"), format="parquet",
                               partitioning="hive").get_fragments()
    total = fragment.metadata.num_row_groups
    kept = fragment.split_by_row_group(filter=_bbox_filter((130.0, -30.0, 140.0, -20.0)))
    assert total == 40
    assert 1 <= len(kept) <= 4  # a 10 x 10 degree box touches a few Hilbert blocks
    inside = pads.dataset(layer_folder(tmp_path / "ds", "mines"), format="parquet",
                          partitioning="hive").to_table(
        filter=_bbox_filter((130.0, -30.0, 140.0, -20.0)), columns=["id"])
    x, y = frame.geometry.x, frame.geometry.y
    expected = set(frame.loc[(x >= 130) & (x <= 140) & (y >= -30) & (y <= -20), "id"])
    assert set(inside["id"].to_pylist()) == expected
