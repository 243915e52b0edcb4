"""Large GeoJSON files parsed a run of features at a time (``geo.geojson_split``): the
frame, and every refusal, exactly as the whole read gives them."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import orjson
import pandas as pd
import pytest
from geopandas.testing import assert_geodataframe_equal

import geo.geojson_reader as reader
import geo.geojson_split as split
from geo.errors import InputError
from geo.geojson_split import split_features

DATA = Path(__file__).resolve().parent / "data"
FILES = sorted([*DATA.glob("corpus/*.geojson"), *DATA.glob("mini/*.geojson")])
TRICKY = ['a"b', "c\\", 'd\\"e', "[{,}]", "\\\\", '"features": [', 'x\\\\"y', "日本"]


def _read(path: Path, *, runs: bool, monkeypatch: pytest.MonkeyPatch) -> object:
    monkeypatch.setattr(reader, "RUNS_FROM", 0 if runs else 1 << 62)
    monkeypatch.setattr(reader, "_CHUNK", 2)  # several runs even in a small file
    try:
        return reader.read_geojson(path)
    except InputError as exc:
        return f"InputError: {exc}"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_runs_read_as_the_whole_file_reads(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    whole = _read(path, runs=False, monkeypatch=monkeypatch)
    runs = _read(path, runs=True, monkeypatch=monkeypatch)
    if isinstance(whole, str):
        assert runs == whole
        return
    assert_geodataframe_equal(runs, whole, check_dtype=True)
    for column in whole.columns.drop(whole.geometry.name):
        assert list(map(type, runs[column])) == list(map(type, whole[column])), column


def _collection(rng: random.Random) -> dict[str, object]:
    features = []
    for i in range(rng.randint(1, 9)):
        props = {"id": f"f{i}", "text": rng.choice(TRICKY) * rng.randint(0, 3),
                 "items": [rng.choice(TRICKY)], "features": [1, {"a": "]"}]}
        if rng.random() < 0.3:
            props["extra"] = rng.choice([None, 1.5, [], {}])
        features.append({"type": "Feature", "properties": props,
                         "geometry": {"type": "Point", "coordinates": [1.5, 2]}})
    return {"type": "FeatureCollection", "bbox": [1, 2, 3, 4], "features": features,
            "crs": {"type": "name", "properties": {"name": "EPSG:4326"}}}


@pytest.mark.parametrize("seed", range(60))
def test_split_cuts_between_whole_features(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(seed)
    monkeypatch.setattr(split, "_BLOCK", rng.choice([1, 2, 3, 7, 64, 1 << 23]))
    data = orjson.dumps(_collection(rng), option=orjson.OPT_INDENT_2 if seed % 2 else 0)
    found = split_features(data, per_run=rng.randint(1, 4))
    assert found is not None
    features = [f for start, end in found.runs
                for f in orjson.loads(b"[" + data[start:end] + b"]")]
    assert features == orjson.loads(data)["features"]
    assert found.count == len(features)
    assert orjson.loads(found.skeleton) == {**orjson.loads(data), "features": []}


@pytest.mark.parametrize("data", [
    b'{"type": "FeatureCollection", "features": []}',
    b'{"features": [1], "features": [2]}',
    b"[1, 2]",
    b'{"type": "FeatureCollection", "features": {"a": 1}}',
    b"",
])
def test_unusual_documents_are_left_to_the_whole_read(data: bytes) -> None:
    assert split_features(data, per_run=2) is None


def test_equal_values_are_shared_between_rows(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    owners = [{"name": "Lynas", "stake_pct": 100.0}]
    features = [{"type": "Feature", "geometry": None,
                 "properties": {"country": "AUS", "owners": owners, "n": i}}
                for i in range(8)]
    path = tmp_path / "x.geojson"
    path.write_bytes(orjson.dumps({"type": "FeatureCollection", "features": features}))
    frame = _read(path, runs=True, monkeypatch=monkeypatch)
    assert isinstance(frame, pd.DataFrame)
    assert len({id(v) for v in frame["owners"]}) == 1
    assert len({id(v) for v in frame["country"]}) == 1
    assert frame["owners"].iloc[0] == owners
    assert np.array_equal(frame["n"].to_numpy(), np.arange(8))
