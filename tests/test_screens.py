"""The columnar validator gives exactly what the model gives one row at a time.

``layers.validate.validate_frame`` (columnar checks, the model on suspect rows only) is
compared with ``validate_rows`` (the model on every row): the same problems, in the same
order, word for word, and the same typed frame, byte for byte once exported.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from geopandas.testing import assert_geodataframe_equal

from geo import settings
from geo.errors import DataError
from geo.geojson import to_geojson_bytes
from geo.io import read_features
from layers.catalog import LAYER_FILES
from layers.schema import NESTED_PROPERTIES
from layers.screens import duplicate_ids, feature_labels, screen
from layers.validate import validate_frame, validate_rows

MINI = Path(__file__).resolve().parent / "data" / "mini"
CORPUS = Path(__file__).resolve().parent / "data" / "corpus"


def _outcome(fn: Any, raw: gpd.GeoDataFrame, layer: str, **kw: Any) -> Any:
    try:
        return fn(raw, layer, label="f.geojson", **kw)
    except DataError as exc:
        return [str(p) for p in exc.problems]


def _same(raw: gpd.GeoDataFrame, layer: str, **kw: Any) -> Any:
    new = _outcome(validate_frame, raw, layer, **kw)
    old = _outcome(validate_rows, raw, layer, **kw)
    if isinstance(old, list):
        assert new == old
    else:
        assert isinstance(new, gpd.GeoDataFrame)
        assert_geodataframe_equal(new, old)
        assert to_geojson_bytes(new) == to_geojson_bytes(old)
    return new


def _mine(**overrides: Any) -> dict[str, Any]:
    props: dict[str, Any] = {
        "id": "mount-weld", "name": "Mount Weld", "layer": "mines", "country": "AUS",
        "status": "operating", "owners": [{"name": "Lynas Rare Earths", "stake_pct": 100.0}],
        "elements": ["Nd", "Pr"], "hree_share_pct": 4.5, "capacity": 10500,
        "capacity_unit": "t/yr REO", "capacity_year": 2025,
        "sources": [{"title": "t", "url": "https://example.org/r", "date": "2025-06"}],
        "as_of": "2025-06-30",
    }
    props.update(overrides)
    return {k: v for k, v in props.items() if v is not _ABSENT}


_ABSENT = object()
_WELD = (122.55, -28.86)

#: One feature each: valid variants the model types, and every kind of problem.
MUTATIONS: list[tuple[dict[str, Any], Any]] = [
    ({}, _WELD),
    ({"owners": [{"name": "A", "stake_pct": 60}, {"stake_pct": 40, "name": "B"}]}, _WELD),
    ({"owners": [{"name": "A"}], "sources": [{"date": "2025", "title": "x", "url": ""}]}, _WELD),
    ({"owners": None, "elements": None, "sources": [{"title": "x", "date": "2025",
                                                     "publisher": "P", "url": None}]}, _WELD),
    ({"capacity_year": 2025.0, "hree_share_pct": 12}, _WELD),
    ({"country": "aus"}, _WELD),
    ({"element_shares_pct": {"Nd": 60, "Pr": 20, "Dy": 10, "Y": 10}, "hree_share_pct": None},
     _WELD),
    ({"element_shares_pct": {"Nd": 60}}, _WELD),
    ({"notes": "<script>x</script>", "extra": 5, "name_local": "マウントウェルド"}, _WELD),
    ({"capacity": None, "capacity_unit": None, "capacity_year": None}, _WELD),
    ({"id": "  spaced  "}, _WELD),
    ({"id": None}, _WELD),
    ({"id": "x" * 120}, _WELD),
    ({"id": 12}, _WELD),
    ({"name": ""}, _WELD),
    ({"name": 5}, _WELD),
    ({"layer": "refineries"}, _WELD),
    ({"layer": None}, _WELD),
    ({"country": "XYZ", "as_of": "June 2025"}, _WELD),
    ({"as_of": "20250630"}, _WELD),
    ({"status": "producing"}, _WELD),
    ({"owners": [{"name": "A", "stake_pct": 70}, {"name": "B", "stake_pct": 40}]}, _WELD),
    ({"owners": [{"name": "Straße", "stake_pct": 10}, {"name": "STRASSE"}]}, _WELD),
    ({"owners": [{"name": "A", "share": 5}]}, _WELD),
    ({"owners": [{"name": "A", "stake_pct": True}]}, _WELD),
    ({"owners": [{"name": "A", "stake_pct": "50"}]}, _WELD),
    ({"owners": ["Lynas"]}, _WELD),
    ({"owners": {"name": "A"}}, _WELD),
    ({"owners": [{"name": "A", "stake_pct": 150}]}, _WELD),
    ({"elements": ["Nd", "Xx"]}, _WELD),
    ({"elements": ["Nd", "Nd"]}, _WELD),
    ({"elements": "Nd"}, _WELD),
    ({"elements": [1]}, _WELD),
    ({"sources": []}, _WELD),
    ({"sources": [{"title": "t", "url": "javascript:alert(1)", "date": "2025"}]}, _WELD),
    ({"sources": [{"title": "t", "url": "https://x.org/a b", "date": "2025"}]}, _WELD),
    ({"sources": [{"title": "t", "date": "June"}]}, _WELD),
    ({"sources": [{"title": "", "date": "2025"}]}, _WELD),
    ({"sources": [{"title": "t"}]}, _WELD),
    ({"sources": _ABSENT}, _WELD),
    ({"as_of": _ABSENT}, _WELD),
    ({"capacity": -5}, _WELD),
    ({"capacity": "12"}, _WELD),
    ({"capacity": True}, _WELD),
    ({"capacity_unit": None}, _WELD),
    ({"capacity_unit": "tpa"}, _WELD),
    ({"capacity_year": 1800}, _WELD),
    ({"capacity_year": 2025.5}, _WELD),
    ({"capacity_year": "2025"}, _WELD),
    ({"hree_share_pct": 101}, _WELD),
    ({"hree_share_pct": "12"}, _WELD),
    ({"location_accuracy": "exact", "location_precision_km": 1}, _WELD),
    ({"location_accuracy": "roughly"}, _WELD),
    ({"resource_mt": -1, "grade_treo_pct": 120, "production_unit": "t REO"}, _WELD),
    ({"name": "Mount\x00Weld"}, _WELD),
    ({"notes": "bell\x07"}, _WELD),
    ({"id": "tab\tid\x1b"}, _WELD),
    ({"owners": [{"name": "Lynas\x0b", "stake_pct": 10.0}]}, _WELD),
    ({"sources": [{"title": "t\x01", "date": "2025"}]}, _WELD),
    ({"extra": "\x7f"}, _WELD),
    ({"extra": [[[1]]]}, _WELD),
    ({"id": "x" * 78 + "\x00\x00"}, _WELD),
    ({}, None),
    ({}, (-28.86, 122.55)),
    ({}, (200.0, 10.0)),
    ({"id": "lofdal", "country": "NAM"}, (-20.12, 14.82)),
]


def _file(tmp_path: Path, rows: list[tuple[dict[str, Any], Any]]) -> Path:
    features = []
    for i, (overrides, coords) in enumerate(rows):
        props = _mine(**{"id": f"m-{i}", **overrides})
        geometry = None if coords is None else {"type": "Point", "coordinates": list(coords)}
        features.append({"type": "Feature", "properties": props, "geometry": geometry})
    path = tmp_path / "mines.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}),
                    encoding="utf-8")
    return path


@pytest.mark.parametrize("case", range(len(MUTATIONS)))
def test_each_variant_alone_gives_the_models_outcome(tmp_path: Path, case: int) -> None:
    raw = read_features(_file(tmp_path, [MUTATIONS[case]]), nested=NESTED_PROPERTIES)
    _same(raw, "mines")


def test_every_variant_in_one_file_gives_the_same_lines_in_the_same_order(
        tmp_path: Path) -> None:
    raw = read_features(_file(tmp_path, MUTATIONS * 2), nested=NESTED_PROPERTIES)
    lines = _same(raw, "mines")
    assert isinstance(lines, list)
    assert len(lines) > len(MUTATIONS)
    assert any("id: duplicate (also feature #" in line for line in lines)


@pytest.mark.parametrize("layer", list(LAYER_FILES))
def test_curated_and_mini_layers_are_typed_identically(layer: str) -> None:
    for folder in (MINI, settings.ROOT / "data"):
        path = folder / LAYER_FILES[layer]
        if path.exists():
            raw = read_features(path, nested=NESTED_PROPERTIES)
            _same(raw, layer)
            _same(raw, layer, check_countries=False)


@pytest.mark.parametrize("name", sorted(p.name for p in CORPUS.glob("*.geojson")))
def test_the_hostile_corpus_gives_the_same_lines(name: str) -> None:
    try:
        raw = read_features(CORPUS / name, nested=NESTED_PROPERTIES)
    except Exception:  # unreadable files never reach the validator
        return
    if len(raw) == 0:
        return
    for layer in ("mines", "refineries", "seabed", "routes"):
        _same(raw, layer)


def test_a_synthetic_survey_through_every_format(tmp_path: Path) -> None:
    mines = validate_rows(read_features(MINI / "mines.geojson", nested=NESTED_PROPERTIES),
                          "mines", label="mini")
    frame = pd.concat([mines] * 300, ignore_index=True)
    frame["id"] = [f"{fid}-{i}" for i, fid in enumerate(frame["id"])]
    path = tmp_path / "survey.geojson"
    path.write_bytes(to_geojson_bytes(gpd.GeoDataFrame(frame, crs="EPSG:4326")))
    typed = _same(read_features(path, nested=NESTED_PROPERTIES), "mines")
    assert len(typed) == len(frame) > 1000
    gpkg = tmp_path / "survey.gpkg"
    from geo.export import write_layers

    write_layers({"mines": typed}, gpkg, fmt="gpkg")
    _same(read_features(gpkg, nested=NESTED_PROPERTIES), "mines")


def test_numpy_values_are_cleaned_as_the_model_sees_them() -> None:
    raw = gpd.GeoDataFrame(
        {"id": np.array(["a", "b"]), "name": ["A", "B"], "country": ["AUS", "AUS"],
         "status": ["operating", "closed"], "sources": [[{"title": "t", "date": "2025"}]] * 2,
         "as_of": ["2025-01-01"] * 2, "capacity": np.array([np.nan, 5.0]),
         "capacity_unit": [None, "t/yr REO"], "capacity_year": np.array([np.nan, 2024.0]),
         "elements": [np.array(["Nd"]), None]},
        geometry=[shapely.Point(122.55, -28.86)] * 2, crs="EPSG:4326")
    _same(raw, "mines")


def test_screen_flags_only_what_is_wrong() -> None:
    raw = read_features(MINI / "mines.geojson", nested=NESTED_PROPERTIES)
    found = screen(raw.drop(columns="geometry"), "mines")
    assert found.ok.all()
    bad = raw.drop(columns="geometry").assign(status="producing")
    assert not screen(bad, "mines").ok.any()


def test_labels_and_duplicates() -> None:
    ids = np.array(["a", " b ", None, "", "a", "#x", 5], dtype=object)
    labels = feature_labels(ids)
    assert labels.tolist() == ["a", "b", "#3", "#4", "a", "#x", "#7"]
    assert duplicate_ids(labels) == [("a", "id: duplicate (also feature #1)")]


def test_every_field_of_every_layer_has_a_columnar_check() -> None:
    from layers.models import MODELS
    from layers.screens import LIST_CHECKS, SCALAR_CHECKS

    known = set(SCALAR_CHECKS) | set(LIST_CHECKS) | {"owners", "sources", "layer"}
    for layer, model in MODELS.items():
        missing = set(model.model_fields) - known
        assert not missing, f"{layer}: no columnar check for {sorted(missing)}"


def test_infinite_numbers_are_the_models_to_refuse() -> None:
    raw = gpd.GeoDataFrame(
        {"id": ["a", "b"], "name": ["A", "B"], "country": ["AUS", "AUS"],
         "status": ["operating", "closed"], "sources": [[{"title": "t", "date": "2025"}]] * 2,
         "as_of": ["2025-01-01"] * 2, "capacity": [float("inf"), 5.0],
         "capacity_unit": ["t/yr REO"] * 2, "capacity_year": [2024, 2024],
         "location_precision_km": [1.0, float("-inf")]},
        geometry=[shapely.Point(122.55, -28.86)] * 2, crs="EPSG:4326")
    lines = _same(raw, "mines")
    assert isinstance(lines, list) and len(lines) == 2


def test_the_control_characters_are_the_validators() -> None:
    from layers import validate
    from layers.screens import CONTROL_CHARACTERS

    assert validate._CONTROL.pattern == CONTROL_CHARACTERS
