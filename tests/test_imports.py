"""Importing users' files: every format, reprojection, the user's own claim, merging.

Format files are written at test time from the corpus GeoJSON (each with an explicit CRS),
so the same features arrive through every reader.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
import shapely

from geo.errors import DataError, InputError
from geo.export import flatten, write_layers
from geo.io import read_features
from geo.store import list_layers
from layers.catalog import load_dataset, merge_imported
from layers.imports import CLAIM_FLAG, UserClaim, import_bytes, import_file
from layers.query import Query, apply_query
from layers.schema import NESTED_PROPERTIES

CORPUS = Path(__file__).resolve().parent / "data" / "corpus"
ACCENTED = CORPUS / "accented_names.geojson"


def _source() -> gpd.GeoDataFrame:
    return read_features(ACCENTED, nested=NESTED_PROPERTIES)


def _geojson(tmp: Path, gdf: gpd.GeoDataFrame) -> Path:
    path = tmp / "sites.geojson"
    write_layers({"mines": gdf}, path, fmt="geojson")
    return path


def _gpkg(tmp: Path, gdf: gpd.GeoDataFrame) -> Path:
    path = tmp / "sites.gpkg"
    pyogrio.write_dataframe(flatten(gdf), path, driver="GPKG", layer="my_sites")
    return path


def _shapefile_zip(tmp: Path, gdf: gpd.GeoDataFrame) -> Path:
    # Shapefile field names stop at 10 characters: keep the ones that fit, as users' do
    short = gdf[[c for c in gdf.columns if len(c) <= 10]]
    folder = tmp / "shp"
    folder.mkdir()
    pyogrio.write_dataframe(
        flatten(short), folder / "sites.shp", driver="ESRI Shapefile", encoding="UTF-8"
    )
    path = tmp / "sites.zip"
    with zipfile.ZipFile(path, "w") as zf:
        for part in folder.iterdir():
            zf.write(part, part.name)
    return path


def _csv_lonlat(tmp: Path, gdf: gpd.GeoDataFrame) -> Path:
    table = pd.DataFrame(flatten(gdf).drop(columns="geometry"))
    table["lon"] = gdf.geometry.x
    table["lat"] = gdf.geometry.y
    path = tmp / "sites.csv"
    table.to_csv(path, index=False)
    return path


def _csv_wkt(tmp: Path, gdf: gpd.GeoDataFrame) -> Path:
    path = tmp / "sites.csv"
    write_layers({"mines": gdf}, path, fmt="csv")
    return path


def _parquet(tmp: Path, gdf: gpd.GeoDataFrame) -> Path:
    path = tmp / "sites.parquet"
    write_layers({"mines": gdf}, path, fmt="parquet")
    return path


def _kml(tmp: Path, gdf: gpd.GeoDataFrame) -> Path:
    path = tmp / "sites.kml"
    pyogrio.write_dataframe(flatten(gdf), path, driver="KML")
    return path


WRITERS: dict[str, Callable[[Path, gpd.GeoDataFrame], Path]] = {
    "geojson": _geojson,
    "gpkg": _gpkg,
    "shapefile-zip": _shapefile_zip,
    "csv-lonlat": _csv_lonlat,
    "csv-wkt": _csv_wkt,
    "geoparquet": _parquet,
    "kml": _kml,
}


@pytest.mark.parametrize("fmt", list(WRITERS))
def test_every_format_imports_the_same_features(tmp_path: Path, fmt: str) -> None:
    path = WRITERS[fmt](tmp_path, _source())
    store = tmp_path / "store.gpkg"
    stored = import_file(path, label="my-sites", layer="mines", store=store)
    assert (stored.label, stored.layer, stored.features) == ("my-sites", "mines", 2)
    mines = merge_imported({}, store=store)["mines"]
    assert list(mines["id"]) == ["my-sites--norra-karr", "my-sites--kvanefjeld"]
    assert list(mines["name"]) == ["Norra Kärr", "Kvanefjeld (Kuannersuit)"]
    assert mines.loc[0, "elements"] == ["Dy", "Tb", "Nd"]
    assert mines.loc[0, "owners"] == [{"name": "Leading Edge Materials", "stake_pct": 100.0}]
    assert mines.geometry[0].equals_exact(shapely.Point(14.66, 58.10), 1e-7)


def _mine_in(crs: str, lon: float, lat: float) -> gpd.GeoDataFrame:
    props = (
        _source()
        .iloc[[0]]
        .drop(columns="geometry")
        .assign(id="eneabba", name="Eneabba", country="AUS", name_local=None, notes=None)
    )
    point = gpd.GeoSeries([shapely.Point(lon, lat)], crs="EPSG:4326").to_crs(crs)
    return gpd.GeoDataFrame(props.reset_index(drop=True), geometry=point.values, crs=crs)


@pytest.mark.parametrize(
    ("crs", "writer"),
    [("EPSG:28350", _gpkg), ("EPSG:7851", _shapefile_zip)],
    ids=["gpkg-gda94-mga50", "shapefile-gda2020-mga51"],
)
def test_australian_projection_lands_in_the_right_place(
    tmp_path: Path, crs: str, writer: Callable[[Path, gpd.GeoDataFrame], Path]
) -> None:
    # Eneabba (115.27 E, 29.82 S) in Western Australia, written in metres
    path = writer(tmp_path, _mine_in(crs, 115.27, -29.82))
    raw = read_features(path)
    assert raw.crs.to_epsg() == int(crs.split(":")[1])
    assert raw.geometry[0].y > 6e6  # northings in metres in the file
    store = tmp_path / "store.gpkg"
    import_file(path, label="wa", layer="mines", store=store)
    point = merge_imported({}, store=store)["mines"].geometry[0]
    assert point.x == pytest.approx(115.27, abs=1e-6)
    assert point.y == pytest.approx(-29.82, abs=1e-6)


def test_a_users_claim_fills_only_missing_sources_and_is_flagged(tmp_path: Path) -> None:
    mixed = [
        json.loads((CORPUS / "no_sources.geojson").read_text(encoding="utf-8"))["features"][0],
        json.loads(ACCENTED.read_text(encoding="utf-8"))["features"][0],
    ]
    path = tmp_path / "mixed.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": mixed}), encoding="utf-8")
    claim = UserClaim(title="My field notes", as_of="2025-09-01", url="https://example.org/notes")
    store = tmp_path / "store.gpkg"
    import_file(path, label="mine", layer="mines", claim=claim, store=store)
    mines = merge_imported({}, store=store)["mines"].set_index("id")
    own = mines.loc["mine--my-prospect"]
    assert own["sources"] == [
        {
            "title": "My field notes",
            "url": "https://example.org/notes",
            "date": "2025-09-01",
            "publisher": None,
            "kind": None,  # a user's own notes are none of the source kinds
        }
    ]
    assert own["as_of"] == "2025-09-01"
    assert bool(own[CLAIM_FLAG]) is True
    sourced = mines.loc["mine--norra-karr"]
    assert sourced["sources"][0]["title"] == "Test fixture (invented figures)"  # never replaced
    assert bool(sourced[CLAIM_FLAG]) is False


def test_without_a_claim_no_source_is_invented(tmp_path: Path) -> None:
    store = tmp_path / "store.gpkg"
    with pytest.raises(DataError, match="sources: Field required"):
        import_file(CORPUS / "no_sources.geojson", label="x", layer="mines", store=store)
    assert not store.exists()


def test_imported_layers_filter_and_export_beside_curated_ones(
    tmp_path: Path, mini_dir: Path
) -> None:
    store = tmp_path / "store.gpkg"
    import_file(ACCENTED, label="nordic", store=store)
    import_file(CORPUS / "japanese_names.geojson", label="jp", store=store)
    curated = load_dataset(mini_dir)
    dataset = load_dataset(mini_dir, include_store=True, store=store)
    mines = dataset.frames["mines"]
    assert len(mines) == len(curated.frames["mines"]) + 2
    assert mines["id"].is_unique
    assert mines["source_label"].tolist().count(None) == len(curated.frames["mines"])
    # filters treat imported features like curated ones (owner through the graph)
    query = Query(layers=("mines",), elements=("Tb",), owners=("Leading Edge Materials",))
    picked = apply_query(dataset.frames, query, dataset.graph)["mines"]
    assert picked["id"].tolist() == ["nordic--norra-karr"]
    seabed = dataset.frames["seabed"]
    assert seabed["name_local"].tolist()[-1] == "南鳥島"
    for fmt in ("geojson", "gpkg", "csv", "parquet"):
        out = write_layers({"seabed": seabed}, tmp_path / f"seabed.{fmt}", fmt=fmt)[0]
        back = read_features(out, nested=NESTED_PROPERTIES)
        assert back["name_local"].tolist()[-1] == "南鳥島"
        assert back["owners"].tolist()[-1][0]["name"] == "海洋研究開発機構 (JAMSTEC)"
    # ... and export round-trips their names in every format
    for fmt in ("geojson", "gpkg", "csv", "parquet"):
        out = write_layers({"mines": picked}, tmp_path / f"out.{fmt}", fmt=fmt)[0]
        back = read_features(out, nested=NESTED_PROPERTIES)
        assert back.loc[0, "name"] == "Norra Kärr"
        assert back.loc[0, "source_label"] == "nordic"
    assert (
        curated.frames["mines"]["id"].tolist()
        == load_dataset(mini_dir).frames["mines"]["id"].tolist()
    )


def test_merge_leaves_the_callers_frames_alone(tmp_path: Path, mini_dir: Path) -> None:
    store = tmp_path / "store.gpkg"
    import_file(ACCENTED, label="nordic", store=store)
    frames = load_dataset(mini_dir).frames
    before = {k: v.copy() for k, v in frames.items()}
    merge_imported(frames, store=store)
    for name, gdf in frames.items():
        pd.testing.assert_frame_equal(pd.DataFrame(gdf), pd.DataFrame(before[name]))


def test_import_refusals_are_one_line_input_errors(tmp_path: Path) -> None:
    store = tmp_path / "store.gpkg"
    import_file(ACCENTED, label="nordic", store=store)
    with pytest.raises(InputError, match="already in the store"):
        import_file(ACCENTED, label="nordic", store=store)
    with pytest.raises(InputError, match="unknown layer 'mine'"):
        import_file(ACCENTED, label="other", layer="mine", store=store)
    stored = import_file(ACCENTED, label="nordic", store=store, replace=True)
    assert stored.features == 2
    assert [s.label for s in list_layers(store)] == ["nordic"]


@pytest.mark.parametrize(
    "filename", ["../../etc/sites.geojson", "/abs/sites.geojson", "..\\..\\sites.geojson"]
)
def test_uploaded_bytes_import_under_their_base_name_only(tmp_path: Path, filename: str) -> None:
    store = tmp_path / "store.gpkg"
    stored = import_bytes(ACCENTED.read_bytes(), filename=filename, label="up", store=store)
    assert (stored.file, stored.features) == ("sites.geojson", 2)
    assert sorted(p.name for p in tmp_path.iterdir()) == [".store.gpkg.lock", "store.gpkg"]


def test_uploaded_bytes_errors_name_the_uploaded_file(tmp_path: Path) -> None:
    store = tmp_path / "store.gpkg"
    data = (CORPUS / "duplicate_ids.geojson").read_bytes()
    with pytest.raises(DataError) as info:
        import_bytes(data, filename="dups.geojson", label="up", store=store)
    assert [str(p) for p in info.value.problems] == [
        "dups.geojson: mount-weld: id: duplicate (also feature #1)"
    ]
    with pytest.raises(InputError, match=r"^upload: unknown file type"):
        import_bytes(b"{", filename="..", label="up", store=store)
    with pytest.raises(InputError, match=r"^big\.geojson: 0\.0 MB is over the 0 MB limit"):
        import_bytes(b" " * 100, filename="big.geojson", label="up", store=store, max_bytes=10)
    assert not store.exists()


def test_a_geopackage_of_several_layers_needs_the_one_named(tmp_path: Path) -> None:
    path = _gpkg(tmp_path, _source())
    pyogrio.write_dataframe(
        flatten(_mine_in("EPSG:28350", 115.27, -29.82)), path, driver="GPKG", layer="wa_sites"
    )
    store = tmp_path / "store.gpkg"
    with pytest.raises(InputError, match=r"holds 2 layers \(my_sites, wa_sites\); name the one"):
        import_file(path, label="x", layer="mines", store=store)
    assert not store.exists()
    stored = import_file(path, label="wa", layer="mines", source_layer="wa_sites", store=store)
    assert stored.features == 1
    assert merge_imported({}, store=store)["mines"].loc[0, "name"] == "Eneabba"


def test_appended_text_columns_are_held_in_one_chunk() -> None:
    from layers.catalog import merge_parts

    def part(ids: list[str]) -> gpd.GeoDataFrame:
        return gpd.GeoDataFrame({"id": pd.Series(ids, dtype="str")},
                                geometry=shapely.points([0.0] * len(ids), [0.0] * len(ids)),
                                crs="EPSG:4326")

    merged = merge_parts({"mines": part(["a", "b"])}, {"mines": [part(["c"]), part(["d"])]})
    ids = merged["mines"]["id"]
    assert ids.tolist() == ["a", "b", "c", "d"]
    assert ids.dtype == "str"
    assert ids.array.__arrow_array__().num_chunks == 1


def test_a_column_only_imported_rows_have_holds_one_object_per_text_none_elsewhere() -> None:
    from layers.catalog import merge_parts

    curated = gpd.GeoDataFrame({"id": pd.Series(["a"], dtype="str")},
                               geometry=shapely.points([0.0], [0.0]), crs="EPSG:4326")
    part = gpd.GeoDataFrame({"id": pd.Series(["b", "c", "d"], dtype="str"),
                             "source_label": pd.Series(["survey.geojson", None,
                                                        "survey.geojson"], dtype="str")},
                            geometry=shapely.points([1.0] * 3, [1.0] * 3), crs="EPSG:4326")
    labels = merge_parts({"mines": curated}, {"mines": [part]})["mines"]["source_label"]
    assert labels.dtype == object
    assert labels.tolist() == [None, "survey.geojson", None, "survey.geojson"]
    assert labels.iloc[1] is labels.iloc[3]
