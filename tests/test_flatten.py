"""Lists and objects become JSON text, each value its own, however many rows share one."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import orjson
import pytest
import shapely

from geo.export import flatten


def test_shared_and_look_alike_values_keep_their_own_text() -> None:
    source = {"title": "t", "url": None}
    values = [[1], [1.0], [True], ["Nd", "Pr"], ["Nd", "Pr"], {"Nd": 60}, {"Nd": 40},
              [source], [source], [{"title": "t", "url": None}], [], None, "plain"]
    gdf = gpd.GeoDataFrame({"v": values}, geometry=[shapely.Point(0, 0)] * len(values),
                           crs="EPSG:4326")
    got = flatten(gdf)["v"].tolist()
    assert got[11] != got[11]  # None reads back as a missing value (NaN), as before
    del got[11], values[11]
    assert got == [orjson.dumps(v).decode() if isinstance(v, list | dict) else v
                   for v in values]
    assert got[:3] == ["[1]", "[1.0]", "[true]"]
    assert got[5:7] == ['{"Nd":60}', '{"Nd":40}']
    assert got[7] == '[{"title":"t","url":null}]'


def _flat_texts(values: list[object]) -> list[object]:
    gdf = gpd.GeoDataFrame({"v": _objects(values)},
                           geometry=[shapely.Point(0, 0)] * len(values), crs="EPSG:4326")
    return flatten(gdf)["v"].tolist()


def _objects(values: list[object]) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def test_text_is_strict_json_as_in_the_geojson_export() -> None:
    """Compact, as GeoJSON and the partitioned dataset hold it: no NaN (invalid JSON), keys
    that are not text as text, text as it is (not escaped to ASCII)."""
    values = [[float("nan"), float("inf"), 0.5], {1: "Nd", "é": "Dy 镝"}, (1, 2),
              np.array([1.5, 2.0]), [np.int64(3), np.float32(0.25)]]
    got = _flat_texts(values)
    assert got == ["[null,null,0.5]", '{"1":"Nd","é":"Dy 镝"}', "[1,2]", "[1.5,2.0]",
                   "[3,0.25]"]
    assert [json.loads(t) for t in got]  # every text parses as strict JSON
    assert all("NaN" not in t and "Infinity" not in t for t in got)


def test_what_orjson_cannot_take_is_encoded_by_the_standard_library() -> None:
    deep: list[object] = ["Nd"]
    for _ in range(300):  # past orjson's 254 levels
        deep = [deep]
    huge = [2**70, {"a": None}]
    objects = np.array([{"a": 1}, {"b": [2]}], dtype=object)
    got = _flat_texts([huge, deep, objects])
    assert got[0] == '[1180591620717411303424,{"a":null}]'
    assert got[1] == "[" * 301 + '"Nd"' + "]" * 301
    assert got[2] == '[{"a":1},{"b":[2]}]'


def test_values_json_cannot_hold_raise_the_standard_librarys_error() -> None:
    import datetime

    with pytest.raises(TypeError, match="not JSON serializable"):
        _flat_texts([[datetime.date(2026, 12, 5)]])
    with pytest.raises(TypeError, match="not JSON serializable"):
        _flat_texts([[b"bytes"]])
