"""The trusted store: rows validated once, at import; a changed table is validated again."""

from __future__ import annotations

import contextlib
import json
import sqlite3
from pathlib import Path

import pyogrio
import pytest
from geopandas.testing import assert_geodataframe_equal

import geo.checksum
import layers.catalog
import layers.validate
from geo import store as geo_store
from layers.catalog import StoreWarning, load_imported, read_imported
from layers.imports import import_file
from layers.models import schema_version
from layers.schema import NESTED_PROPERTIES
from layers.validate import typed_frame, validate_frame

MINI = Path(__file__).resolve().parent / "data" / "mini"
CORPUS = Path(__file__).resolve().parent / "data" / "corpus"


def _store(tmp_path: Path) -> Path:
    store = tmp_path / "imported.gpkg"
    import_file(MINI / "mines.geojson", label="mini", layer="mines", store=store)
    import_file(CORPUS / "japanese_names.geojson", label="jp", store=store)
    return store


def _sql(store: Path, statement: str, *args: object) -> None:
    """Edit the store by hand, as a user with an SQLite shell would."""
    with contextlib.closing(sqlite3.connect(store)) as db, db:
        # the GeoPackage's spatial-index triggers call these (GDAL defines them)
        db.create_function("ST_IsEmpty", 1, lambda _g: 0)
        for name in ("ST_MinX", "ST_MaxX", "ST_MinY", "ST_MaxY"):
            db.create_function(name, 1, lambda _g: 0.0)
        db.execute(statement, args)


def _refuse(*_args: object, **_kwargs: object) -> None:
    raise AssertionError("the row validator ran on a sealed table")


def test_import_seals_each_table_with_schema_version_and_checksum(tmp_path: Path) -> None:
    store = _store(tmp_path)
    for entry in geo_store.list_layers(store):
        assert entry.schema == schema_version(entry.layer)
        _, checksum = geo_store.read_table(entry.label, store=store)
        assert entry.checksum == checksum != ""


def test_reading_a_sealed_store_does_not_validate(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    store = _store(tmp_path)
    expected = load_imported(store)
    monkeypatch.setattr(layers.catalog, "validate_frame", _refuse)
    monkeypatch.setattr(layers.validate, "_check_row", _refuse)
    monkeypatch.setattr(layers.validate, "screen", _refuse)
    got = load_imported(store)
    assert sorted(got) == ["mines", "seabed"]
    for layer, frames in expected.items():
        for want, have in zip(frames, got[layer], strict=True):
            assert_geodataframe_equal(have, want)


def test_sealed_rows_are_typed_as_validation_types_them(tmp_path: Path) -> None:
    store = _store(tmp_path)
    for entry in geo_store.list_layers(store):
        flat, _ = geo_store.read_table(entry.label, store=store)
        raw = geo_store.decode_json(flat, NESTED_PROPERTIES)
        assert_geodataframe_equal(
            typed_frame(raw, entry.layer),
            validate_frame(raw, entry.layer, label="x", check_countries=False))


def test_a_hand_edited_table_is_validated_again_and_says_so(tmp_path: Path) -> None:
    store = _store(tmp_path)
    _sql(store, "UPDATE mini SET name = 'Edited by hand' WHERE id = 'mount-weld'")
    with pytest.warns(StoreWarning, match=r"imported.gpkg#mini: its rows changed since they "
                                          r"were validated; validated again") as seen:
        mines = load_imported(store)["mines"][0]
    assert len(seen) == 1  # one line, for the edited table only
    assert "\n" not in str(seen[0].message)
    assert "Edited by hand" in set(mines["name"])


def test_a_hand_edited_table_that_breaks_the_schema_is_left_out_and_named(
        tmp_path: Path) -> None:
    store = _store(tmp_path)
    _sql(store, "UPDATE mini SET hree_share_pct = 150 WHERE id = 'mount-weld'")
    imported = read_imported(store)  # named as left out, in one line (no second one)
    assert "hree_share_pct" in imported.broken["mini"]
    assert "\n" not in imported.broken["mini"]
    assert sorted(imported.frames) == ["seabed"]  # the other table is shown all the same


def test_an_unsealed_or_older_table_is_validated_again(tmp_path: Path) -> None:
    store = _store(tmp_path)
    record = {"layer": "mines", "file": "mines.geojson", "imported_at": "2026-01-01T00:00:00",
              "features": 3, "schema": "0-old", "checksum": "x"}
    _sql(store, "UPDATE gpkg_contents SET description = ? WHERE table_name = 'mini'",
         json.dumps(record))
    with pytest.warns(StoreWarning, match="another schema version or not sealed"):
        load_imported(store)


def test_delete_keeps_the_other_tables_sealed(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    store = _store(tmp_path)
    geo_store.delete_layer("jp", store=store)
    monkeypatch.setattr(layers.catalog, "validate_frame", _refuse)
    assert len(load_imported(store)["mines"][0]) > 0


def _description(store: Path, label: str) -> dict[str, object]:
    with contextlib.closing(sqlite3.connect(store)) as db:
        (text,) = db.execute("SELECT description FROM gpkg_contents WHERE table_name = ?",
                             (label,)).fetchone()
    return dict(json.loads(text))


def test_a_table_sealed_with_the_whole_table_checksum_is_still_trusted(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Stores sealed before the column-wise checksum (geo.checksum) are not validated again."""
    store = _store(tmp_path)
    record = _description(store, "mini")
    assert str(record["checksum"]).startswith("columnwise:")
    table = pyogrio.read_arrow(f"GPKG:{store}", layer="mini", batch_size=geo.checksum.BATCH)[1]
    record["checksum"] = geo.checksum._checksum(table)
    _sql(store, "UPDATE gpkg_contents SET description = ? WHERE table_name = 'mini'",
         json.dumps(record))
    monkeypatch.setattr(layers.catalog, "validate_frame", _refuse)
    assert len(load_imported(store)["mines"][0]) > 0


@pytest.mark.parametrize("name", ["mines", "seabed", "routes"])
def test_a_large_table_written_in_slices_is_the_table_written_whole(
        tmp_path: Path, name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    whole, sliced = tmp_path / "whole.gpkg", tmp_path / "sliced.gpkg"
    import_file(MINI / f"{name}.geojson", label="t", layer=name, store=whole)
    monkeypatch.setattr(geo_store, "_WRITE_ROWS", 1)
    import_file(MINI / f"{name}.geojson", label="t", layer=name, store=sliced)
    assert pyogrio.read_info(f"GPKG:{sliced}", layer="t")["geometry_type"] == \
        pyogrio.read_info(f"GPKG:{whole}", layer="t")["geometry_type"]
    assert geo_store.read_table("t", store=sliced)[1] == geo_store.read_table("t", store=whole)[1]
    assert_geodataframe_equal(load_imported(sliced)[name][0], load_imported(whole)[name][0])
