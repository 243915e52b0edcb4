"""The embedded store: atomic writes, list/read/delete, labels that cannot escape."""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

import pytest

from geo import store as geo_store
from geo.errors import InputError
from layers.catalog import load_imported
from layers.imports import import_file

CORPUS = Path(__file__).resolve().parent / "data" / "corpus"
ACCENTED = CORPUS / "accented_names.geojson"
JAPANESE = CORPUS / "japanese_names.geojson"


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _siblings(store: Path) -> list[str]:
    return sorted(p.name for p in store.parent.iterdir() if not p.name.endswith(".lock"))


def test_list_read_delete(tmp_path: Path) -> None:
    store = tmp_path / "imported.gpkg"
    assert geo_store.list_layers(store) == []
    import_file(ACCENTED, label="nordic", store=store)
    import_file(JAPANESE, label="jp", store=store)
    listed = geo_store.list_layers(store)
    assert [(s.label, s.layer, s.features, s.file) for s in listed] == [
        ("jp", "seabed", 1, "japanese_names.geojson"),
        ("nordic", "mines", 2, "accented_names.geojson"),
    ]
    geo_store.delete_layer("nordic", store=store)
    assert [s.label for s in geo_store.list_layers(store)] == ["jp"]
    # the table kept through the rewrite is intact, names and all
    seabed = load_imported(store)["seabed"][0]
    assert seabed.loc[0, "name_local"] == "南鳥島"
    assert seabed.loc[0, "owners"] == [{"name": "海洋研究開発機構 (JAMSTEC)", "stake_pct": None}]
    geo_store.delete_layer("jp", store=store)
    assert not store.exists()
    with pytest.raises(InputError, match="no imported layer 'jp'"):
        geo_store.delete_layer("jp", store=store)


def test_a_failed_write_leaves_the_store_byte_for_byte(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = tmp_path / "imported.gpkg"
    import_file(ACCENTED, label="nordic", store=store)
    import_file(JAPANESE, label="jp", store=store)
    before = _digest(store)
    real = geo_store.pyogrio.write_dataframe

    def half_then_fail(df: object, path: object, **kwargs: object) -> None:
        real(df, path, **kwargs)  # the table is written into the copy ...
        raise OSError("disk full")  # ... and then the write fails

    monkeypatch.setattr(geo_store.pyogrio, "write_dataframe", half_then_fail)
    with pytest.raises(OSError, match="disk full"):
        import_file(JAPANESE, label="jp-again", store=store)
    with pytest.raises(OSError, match="disk full"):
        import_file(JAPANESE, label="jp", store=store, replace=True)
    with pytest.raises(OSError, match="disk full"):
        geo_store.delete_layer("nordic", store=store)  # rewrites "jp" into a new copy
    assert _digest(store) == before
    assert _siblings(store) == ["imported.gpkg"]  # no temporary copy left behind
    assert [s.label for s in geo_store.list_layers(store)] == ["jp", "nordic"]


def test_a_failed_first_import_creates_no_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = tmp_path / "imported.gpkg"

    def fail(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(geo_store.pyogrio, "write_dataframe", fail)
    with pytest.raises(OSError, match="disk full"):
        import_file(ACCENTED, label="nordic", store=store)
    assert _siblings(store) == []


def test_concurrent_imports_keep_each_other(tmp_path: Path) -> None:
    store = tmp_path / "imported.gpkg"
    errors: list[BaseException] = []

    def run(label: str) -> None:
        try:
            import_file(ACCENTED, label=label, store=store)
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(f"user-{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert [s.label for s in geo_store.list_layers(store)] == [f"user-{i}" for i in range(4)]


@pytest.mark.parametrize(
    "label",
    ["../escape", "/etc/passwd", "a/b", "My Sites", "sites_1", "x--y", "", "a" * 49, "'; DROP"],
)
def test_labels_are_slugs(tmp_path: Path, label: str) -> None:
    store = tmp_path / "imported.gpkg"
    with pytest.raises(InputError, match="use a slug"):
        import_file(ACCENTED, label=label, store=store)
    with pytest.raises(InputError, match="use a slug"):
        geo_store.delete_layer(label, store=store)
    assert _siblings(store) == []


def test_a_store_that_is_not_a_geopackage_is_reported(tmp_path: Path) -> None:
    store = tmp_path / "imported.gpkg"
    store.write_bytes(b"not a database" * 100)
    with pytest.raises(InputError, match="not a readable GeoPackage"):
        geo_store.list_layers(store)
    with pytest.raises(InputError, match="not a readable GeoPackage"):
        import_file(ACCENTED, label="nordic", store=store)
    assert store.read_bytes() == b"not a database" * 100


def test_store_version_changes_with_every_write(tmp_path: Path) -> None:
    store = tmp_path / "imported.gpkg"
    versions = [geo_store.store_version(store)]
    import_file(ACCENTED, label="nordic", store=store)
    versions.append(geo_store.store_version(store))
    import_file(JAPANESE, label="jp", store=store)
    versions.append(geo_store.store_version(store))
    assert len(set(versions)) == 3
