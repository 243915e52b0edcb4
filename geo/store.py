"""The embedded store of users' imported layers: one GeoPackage, one table per label.

Every change is made to a temporary copy beside the store and moved into place only when
it is complete (``os.replace`` is atomic), under a lock file: a failed or interrupted import
leaves the store byte for byte as it was, and two imports at once never lose each other.
Each table's import record (layer, file, time, feature count, and for validated rows the
schema version they were validated against and the SHA-256 checksum of the table as GDAL
reads it back) is kept as JSON in the GeoPackage's ``gpkg_contents.description``: a reader
that finds both matching need not validate the rows again. The store holds features as
validated; reading
them back typed is ``layers.imports``'s job.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import sqlite3
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import orjson
import pandas as pd
import pyogrio
import shapely

from geo import settings
from geo.atomic import staged
from geo.errors import InputError
from geo.export import flatten, write_gpkg_table
from geo.io import read_features

__all__ = [
    "StoredLayer",
    "check_label",
    "decode_json",
    "delete_layer",
    "list_layers",
    "read_layer",
    "read_table",
    "store_version",
    "write_layer",
]

#: A label names a table and is shown in the app: a slug, never a path or SQL.
_LABEL = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_MAX_LABEL = 48
#: Table names GeoPackage and SQLite keep for themselves.
_RESERVED_PREFIXES = ("gpkg", "rtree", "sqlite")


@dataclass(frozen=True)
class StoredLayer:
    """One imported table: its label and import record."""

    label: str
    layer: str
    features: int
    file: str
    imported_at: str
    schema: str = ""
    checksum: str = ""


def check_label(label: str) -> str:
    """Return ``label`` when it is a usable slug; raise ``InputError`` naming the fix."""
    if not isinstance(label, str) or len(label) > _MAX_LABEL or not _LABEL.fullmatch(label):
        raise InputError(
            f"label {label!r}: use a slug of lowercase letters, digits and single '-' "
            f"(at most {_MAX_LABEL} characters), e.g. 'my-sites'"
        )
    if "--" in label:  # cannot happen with the pattern; namespaced ids rely on it
        raise InputError(f"label {label!r}: '--' is reserved")
    if label.startswith(_RESERVED_PREFIXES):
        raise InputError(
            f"label {label!r}: names starting with {', '.join(_RESERVED_PREFIXES)} are "
            "reserved by GeoPackage and SQLite; pick another, e.g. 'my-sites'"
        )
    return label


def _path(store: Path | None) -> Path:
    return Path(store) if store is not None else settings.STORE_PATH


def _real(path: Path) -> Path:
    """The file a (possibly symlinked) store path names: changes go there, the link stays."""
    return path.resolve() if path.is_symlink() else path


def _sweep(path: Path) -> None:
    """Remove temporary copies a killed import left beside the store (under the lock)."""
    for stale in path.parent.glob(f".{path.name}.*.gpkg"):
        with contextlib.suppress(OSError):
            stale.unlink()


def list_layers(store: Path | None = None) -> list[StoredLayer]:
    """Return the imported tables, in label order (none when the store does not exist).

    Raises
    ------
    InputError
        When the store exists but is not a GeoPackage.
    """
    path = _path(store)
    if not path.exists():
        return []
    try:
        with contextlib.closing(sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)) as db:
            rows = db.execute(
                "SELECT table_name, description FROM gpkg_contents ORDER BY table_name"
            ).fetchall()
    except sqlite3.DatabaseError as exc:
        raise InputError(f"{path}: the store is not a readable GeoPackage ({exc})") from None
    out = []
    for table, description in rows:
        try:
            record = json.loads(description or "{}")
        except (ValueError, RecursionError):
            record = {}
        if not isinstance(record, dict):
            record = {}
        features = record.get("features", 0)
        out.append(
            StoredLayer(
                label=str(table),
                layer=str(record.get("layer", "")),
                features=features if isinstance(features, int) else 0,
                file=str(record.get("file", "")),
                imported_at=str(record.get("imported_at", "")),
                schema=str(record.get("schema", "")),
                checksum=str(record.get("checksum", "")),
            )
        )
    return out


def store_version(store: Path | None = None) -> tuple[int, int]:
    """A key that changes whenever the store does (modification time and size), for caches."""
    path = _path(store)
    if not path.exists():
        return (0, 0)
    stat = path.stat()
    return (stat.st_mtime_ns, stat.st_size)


def read_layer(
    label: str, *, nested: frozenset[str], store: Path | None = None
) -> gpd.GeoDataFrame:
    """Read one imported table raw (nested properties decoded from JSON text).

    Raises
    ------
    InputError
        When the label is not in the store.
    """
    path = _path(store)
    _entry(label, path)
    return read_features(path, layer=label, nested=nested, max_bytes=2**63 - 1)


def read_table(label: str, *, store: Path | None = None) -> tuple[gpd.GeoDataFrame, str]:
    """Read one imported table as stored (lists still JSON text) and its checksum.

    One read through GDAL's Arrow interface; the checksum is :func:`_checksum` of exactly
    what was read, so it matches the one recorded at import unless the table changed.

    Raises
    ------
    InputError
        When the label is not in the store.
    """
    path = _path(store)
    _entry(label, path)
    return _read_arrow(path, label)


def _read_arrow(path: Path, label: str) -> tuple[gpd.GeoDataFrame, str]:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            meta, table = pyogrio.read_arrow(f"GPKG:{path}", layer=label)
    except Exception as exc:  # GDAL's errors: one line, never a traceback
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError(f"{path}#{label}: cannot read the table ({first})") from None
    digest = _checksum(table)
    name = meta["geometry_name"] or "wkb_geometry"
    geometry = shapely.from_wkb(table.column(name).to_numpy(zero_copy_only=False))
    frame = table.drop_columns([name]).to_pandas()
    for column in frame.columns:  # missing values as None, as every reader gives them
        if frame[column].dtype == object or pd.api.types.is_string_dtype(frame[column].dtype):
            values = frame[column].to_numpy(dtype=object)
            frame[column] = pd.Series(np.where(pd.isna(values), None, values), dtype=object,
                                      index=frame.index)
    return gpd.GeoDataFrame(frame, geometry=geometry, crs=meta["crs"]), digest


def _checksum(table: Any) -> str:
    """SHA-256 of an Arrow table's schema and every buffer of every column, in order."""
    digest = hashlib.sha256(str(table.schema).encode())
    for column in table.columns:
        for chunk in column.chunks:
            digest.update(str(len(chunk)).encode())
            for buffer in chunk.buffers():
                if buffer is not None:
                    digest.update(memoryview(buffer))
    return digest.hexdigest()


def decode_json(frame: pd.DataFrame, columns: frozenset[str]) -> pd.DataFrame:
    """A copy whose ``columns`` hold lists and objects decoded from their JSON text.

    Each distinct text is decoded once and its object shared by the rows that hold it (a
    survey cites the same sources many times; frames are read-only).
    """
    out = frame.copy()
    for column in columns & set(out.columns):
        values = out[column].to_numpy(dtype=object)
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
        decoded = np.empty(len(uniques) + 1, dtype=object)
        decoded[:-1] = [_json_value(u) for u in uniques]
        decoded[-1] = None
        out[column] = pd.Series(decoded[codes], index=out.index, dtype=object)
    return out


def _json_value(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return orjson.loads(value)
        except orjson.JSONDecodeError:
            return value
    return value


def _entry(label: str, path: Path) -> StoredLayer:
    check_label(label)
    for entry in list_layers(path):
        if entry.label == label:
            return entry
    raise InputError(f"no imported layer {label!r} in {path}; `reemap imported` lists them")


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    if path.parent.exists() and not path.parent.is_dir():
        raise InputError(f"{path.parent}: not a folder, so the store cannot go there")
    path.parent.mkdir(parents=True, exist_ok=True)
    with (path.parent / f".{path.name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@contextlib.contextmanager
def _new_version(store: Path, *, copy: bool) -> Iterator[Path]:
    """``geo.atomic.staged`` for the store: what it points at, its mode kept, old copies gone.

    A symlinked store stays a link (the file it points to is replaced), the store keeps its
    file mode, and temporary copies a killed run left behind are removed first.
    """
    path = _real(store)
    path.parent.mkdir(parents=True, exist_ok=True)
    _sweep(path)
    mode = path.stat().st_mode & 0o7777 if path.exists() else _default_mode()
    with staged(path, copy=copy, sync=True) as tmp:
        yield tmp
        tmp.chmod(mode)


def _default_mode() -> int:
    """The mode a new file gets under the process's umask."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _write_table(target: Path, label: str, gdf: gpd.GeoDataFrame, record: dict[str, Any], *,
                 flat: bool = False) -> None:
    """Write the table, then record the checksum of what GDAL reads back from it."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        write_gpkg_table(gdf if flat else flatten(gdf), target, layer=label,
                         layer_options={"DESCRIPTION": json.dumps(record, ensure_ascii=False)})
    if record.get("schema"):  # validated rows: seal them
        _, digest = _read_arrow(target, label)
        sealed = json.dumps({**record, "checksum": digest}, ensure_ascii=False)
        with contextlib.closing(sqlite3.connect(target)) as db, db:
            db.execute("UPDATE gpkg_contents SET description = ? WHERE table_name = ?",
                       (sealed, label))


def write_layer(
    label: str,
    gdf: gpd.GeoDataFrame,
    *,
    record: dict[str, Any],
    store: Path | None = None,
    replace: bool = False,
) -> StoredLayer:
    """Write a validated layer as table ``label``, atomically.

    Parameters
    ----------
    label
        The table name (a slug).
    gdf
        Validated features in EPSG:4326 (not changed).
    record
        The import record kept with the table: ``layer``, ``file``, ``imported_at``.
    store
        The store file (``settings.STORE_PATH`` when omitted).
    replace
        Replace an existing table of that label; otherwise an existing label is refused.

    Raises
    ------
    InputError
        A bad label, an existing label without ``replace``, or an empty layer.
    """
    check_label(label)
    if len(gdf) == 0:
        raise InputError(f"{record.get('file', label)}: no features to import")
    path = _path(store)
    full = {**record, "features": len(gdf)}
    with _locked(path):
        if not replace and label in {s.label for s in list_layers(path)}:
            raise InputError(
                f"label {label!r} is already in the store; pick another, pass --replace, or "
                f"delete it with `reemap imported --delete {label}`"
            )
        with _new_version(path, copy=True) as tmp:
            _write_table(tmp, label, gdf, full)
    return _entry(label, path)


def delete_layer(label: str, *, store: Path | None = None) -> None:
    """Remove table ``label`` from the store, atomically (the other tables are rewritten).

    Raises ``InputError`` when the label is not in the store.
    """
    path = _path(store)
    with _locked(path):
        _entry(label, path)
        kept = [s for s in list_layers(path) if s.label != label]
        if not kept:
            _real(path).unlink()
            return
        with _new_version(path, copy=False) as tmp:
            for entry in kept:
                _, digest = _read_arrow(_real(path), entry.label)
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    raw = pyogrio.read_dataframe(f"GPKG:{_real(path)}", layer=entry.label)
                record = {
                    "layer": entry.layer,
                    "file": entry.file,
                    "imported_at": entry.imported_at,
                    "features": entry.features,
                }
                if entry.schema and digest == entry.checksum:  # still as validated: reseal
                    record["schema"] = entry.schema
                _write_table(tmp, entry.label, raw, record, flat=True)
