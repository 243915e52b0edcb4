"""The shared validator: every problem reported at once, one line each, naming the field."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import geopandas as gpd
import pytest
import shapely

from geo.errors import DataError, InputError
from geo.io import read_features
from layers.catalog import load_layer
from layers.schema import NESTED_PROPERTIES, heavy_elements, hree_share, light_elements
from layers.validate import validate_frame


def _mine(**overrides: Any) -> dict[str, Any]:
    props = {
        "id": "mount-weld",
        "name": "Mount Weld",
        "layer": "mines",
        "country": "AUS",
        "status": "operating",
        "owners": [{"name": "Lynas Rare Earths", "stake_pct": 100}],
        "elements": ["Nd", "Pr"],
        "sources": [{"title": "t", "url": "https://example.org/r", "date": "2025-06"}],
        "as_of": "2025-06-30",
    }
    props.update(overrides)
    return props


def _write(tmp_path: Path, features: list[dict[str, Any]], name: str = "mines.geojson") -> Path:
    path = tmp_path / name
    path.write_text(
        json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8"
    )
    return path


def _feature(props: dict[str, Any], coords: Any = (122.55, -28.86)) -> dict[str, Any]:
    geometry = None if coords is None else {"type": "Point", "coordinates": list(coords)}
    return {"type": "Feature", "properties": props, "geometry": geometry}


def _problems(path: Path, layer: str = "mines") -> list[str]:
    with pytest.raises(DataError) as info:
        load_layer(layer, path)
    return [str(p) for p in info.value.problems]


def test_valid_feature_is_typed(tmp_path: Path) -> None:
    gdf = load_layer("mines", _write(tmp_path, [_feature(_mine(capacity_year=2025.0))]))
    assert gdf.crs == "EPSG:4326"
    assert gdf.loc[0, "capacity_year"] == 2025
    assert gdf.loc[0, "owners"] == [{"name": "Lynas Rare Earths", "stake_pct": 100.0}]
    assert gdf.loc[0, "element_shares_pct"] == {}  # defaults filled


def test_every_problem_is_reported_once_with_file_feature_and_field(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        [
            _feature(_mine(id="a", capacity=-5, capacity_unit="t/yr REO", capacity_year=2025)),
            _feature(_mine(id="b", elements=["Nd", "Xx"], status="producing")),
            _feature(
                _mine(
                    id="c", owners=[{"name": "A", "stake_pct": 70}, {"name": "B", "stake_pct": 40}]
                )
            ),
            _feature(_mine(id="d", sources=[])),
            _feature(_mine(id="e", country="XYZ", as_of="June 2025")),
            _feature(_mine(id="f", capacity=10)),
            _feature(_mine(id="g", hree_share_pct="12")),
        ],
    )
    lines = _problems(path)
    assert any(line.startswith(f"{path}: a: capacity:") for line in lines)
    assert any(line.startswith(f"{path}: b: elements.1:") for line in lines)
    assert any(line.startswith(f"{path}: b: status:") for line in lines)
    assert any("c: owners:" in line and "110%" in line for line in lines)
    assert any(line.startswith(f"{path}: d: sources:") for line in lines)
    assert any("e: country: 'XYZ' is not an ISO 3166-1 alpha-3" in line for line in lines)
    assert any("e: as_of:" in line for line in lines)
    assert any("f: capacity is set without capacity_unit" in line for line in lines)
    assert any(line.startswith(f"{path}: g: hree_share_pct:") for line in lines)
    assert all("\n" not in line for line in lines)


def test_duplicate_ids(tmp_path: Path) -> None:
    lines = _problems(_write(tmp_path, [_feature(_mine()), _feature(_mine())]))
    assert lines == [f"{tmp_path / 'mines.geojson'}: mount-weld: id: duplicate (also feature #1)"]


def test_swapped_coordinates_are_named(tmp_path: Path) -> None:
    # Mount Weld written [lat, lon]: latitude -28.86 as x, 122.55 as y (beyond 90)
    lines = _problems(_write(tmp_path, [_feature(_mine(), coords=(-28.86, 122.55))]))
    assert len(lines) == 1
    assert "outside +-180 longitude / +-90 latitude" in lines[0]
    assert "latitude and longitude swapped" in lines[0]


def test_point_in_the_wrong_country_suggests_a_swap(tmp_path: Path) -> None:
    # Lofdal (14.82 E, 20.12 S) written [lat, lon] lands in the Atlantic, not in Namibia
    props = _mine(id="lofdal", name="Lofdal", country="NAM")
    lines = _problems(_write(tmp_path, [_feature(props, coords=(-20.12, 14.82))]))
    assert len(lines) == 1
    assert "lofdal: geometry:" in lines[0]
    assert "outside NAM" in lines[0]
    assert "look swapped" in lines[0]


def test_missing_and_wrong_geometry(tmp_path: Path) -> None:
    line = {"type": "LineString", "coordinates": [[0, 0], [1, 1]]}
    path = _write(
        tmp_path,
        [
            _feature(_mine(id="a"), coords=None),
            {"type": "Feature", "properties": _mine(id="b"), "geometry": line},
        ],
    )
    lines = _problems(path)
    assert f"{path}: a: geometry: missing (null)" in lines
    assert f"{path}: b: geometry: LineString, but this layer holds Point" in lines


def test_self_intersecting_polygon_is_refused(tmp_path: Path) -> None:
    bowtie = {
        "type": "Polygon",
        "coordinates": [[[150, 20], [152, 22], [152, 20], [150, 22], [150, 20]]],
    }
    props = _mine(id="bow", layer="seabed", country="JPN", status="exploration")
    path = _write(
        tmp_path, [{"type": "Feature", "properties": props, "geometry": bowtie}], "seabed.geojson"
    )
    lines = _problems(path, "seabed")
    assert len(lines) == 1
    assert "bow: geometry: invalid (Self-intersection" in lines[0]


def test_projected_file_without_crs_is_refused(tmp_path: Path) -> None:
    raw = gpd.GeoDataFrame([_mine()], geometry=[shapely.Point(430000, 6800000)], crs=None)
    with pytest.raises(DataError, match="no CRS and its coordinates look projected"):
        validate_frame(raw, "mines", label="x.csv")


def test_projected_geopackage_is_reprojected(tmp_path: Path) -> None:
    # Mount Weld in GDA2020 / MGA zone 51 (EPSG:7851) lands back at 122.55 E, 28.86 S
    wgs = gpd.GeoSeries([shapely.Point(122.55, -28.86)], crs="EPSG:4326")
    props = {k: json.dumps(v) if k in NESTED_PROPERTIES else v for k, v in _mine().items()}
    gdf = gpd.GeoDataFrame([props], geometry=wgs.to_crs("EPSG:7851").values, crs="EPSG:7851")
    path = tmp_path / "mga.gpkg"
    gdf.to_file(path, driver="GPKG")
    typed = load_layer("mines", path)
    assert typed.crs == "EPSG:4326"
    assert typed.geometry[0].x == pytest.approx(122.55, abs=1e-7)
    assert typed.geometry[0].y == pytest.approx(-28.86, abs=1e-7)
    assert typed.loc[0, "elements"] == ["Nd", "Pr"]


def test_script_in_text_is_kept_as_text(tmp_path: Path) -> None:
    evil = '<img src=x onerror="alert(1)">'
    gdf = load_layer("mines", _write(tmp_path, [_feature(_mine(name=evil, operator=evil))]))
    assert gdf.loc[0, "name"] == evil  # stored verbatim; escaping is the renderer's job


def test_javascript_url_in_sources_is_refused(tmp_path: Path) -> None:
    src = [{"title": "x", "url": "javascript:alert(1)", "date": "2025"}]
    lines = _problems(_write(tmp_path, [_feature(_mine(sources=src))]))
    assert any("sources.0.url" in line and "not an http(s) URL" in line for line in lines)


def test_non_latin_names_round_trip(tmp_path: Path) -> None:
    gdf = load_layer(
        "mines", _write(tmp_path, [_feature(_mine(name="Norra Kärr", name_local="南鳥島"))])
    )
    assert gdf.loc[0, "name"] == "Norra Kärr"
    assert gdf.loc[0, "name_local"] == "南鳥島"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the file is empty"),
        (b'{"type": "FeatureCollection", "features": [', "not valid JSON"),
        (b"\x89PNG\r\n\x1a\n\x00\x00binary", "not valid JSON"),
        (b'{"type": "Feature"}', "not a GeoJSON FeatureCollection"),
    ],
)
def test_unreadable_files(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "bad.geojson"
    path.write_bytes(content)
    with pytest.raises(InputError, match=message):
        read_features(path)


def test_oversized_file_is_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "big.geojson"
    path.write_bytes(b" " * 2048)
    with pytest.raises(InputError, match="over the 0 MB limit"):
        read_features(path, max_bytes=1024)


def test_hree_definitions_are_switchable() -> None:
    assert "Eu" in heavy_elements("usgs")
    assert "Eu" not in heavy_elements("gd-lu")
    assert "Eu" in light_elements("gd-lu")
    assert heavy_elements() | light_elements() | {"Sc"} == heavy_elements() | light_elements(
        "usgs"
    ) | {"Sc"}
    shares = {"Nd": 20.0, "Eu": 1.0, "Dy": 5.0, "Y": 30.0}
    assert hree_share(shares, "usgs") == 36.0
    assert hree_share(shares, "gd-lu") == 35.0
    with pytest.raises(ValueError, match="unknown HREE definition"):
        heavy_elements("iupac")


def test_a_whole_element_distribution_gives_the_heavy_share_no_source_states(
    tmp_path: Path,
) -> None:
    whole = {"La": 30.0, "Ce": 45.0, "Pr": 5.0, "Nd": 15.0, "Eu": 0.5, "Dy": 2.0, "Tb": 0.5,
             "Y": 1.5}  # 99.5%: a rounded table; heavy (USGS) = Eu + Dy + Tb + Y = 4.5
    features = [
        _feature(_mine(id="whole", element_shares_pct=whole)),
        _feature(_mine(id="partial", element_shares_pct={"Nd": 15.0, "Dy": 2.0})),
        _feature(_mine(id="reported", element_shares_pct=whole, hree_share_pct=7,
                       hree_basis="as reported by the operator")),
    ]
    mines = load_layer("mines", _write(tmp_path, features)).set_index("id")
    assert mines.loc["whole", "hree_share_pct"] == pytest.approx(4.5)
    assert mines.loc["whole", "hree_basis"] == (
        "computed (USGS definition) from element_shares_pct")
    # a partial table says nothing of the elements it leaves out: no share, no basis
    assert mines.loc["partial", ["hree_share_pct", "hree_basis"]].isna().all()
    assert mines.loc["reported", "hree_share_pct"] == 7  # a stated figure is never replaced
    assert mines.loc["reported", "hree_basis"] == "as reported by the operator"


def test_schema_types_and_vocabularies_agree() -> None:
    # the Literal field types repeat the vocabularies' keys for pydantic: they must not drift
    from typing import get_args

    from layers import schema

    pairs = [
        (schema.Element, schema.ELEMENTS), (schema.Status, schema.STATUSES),
        (schema.Stage, schema.STAGES), (schema.CapacityUnit, schema.CAPACITY_UNITS),
        (schema.AmountUnit, schema.AMOUNT_UNITS), (schema.Accuracy, schema.LOCATION_ACCURACY),
    ]
    for literal, vocabulary in pairs:
        assert list(get_args(literal)) == list(vocabulary)
    assert set(schema.FLOW_UNITS) <= set(schema.AMOUNT_UNITS)
