"""Reading feature files into raw GeoDataFrames, whatever the format.

The readers only read: properties come back as the file holds them (lists and objects
decoded from JSON text where a format stores them so), geometry as shapely objects, and
the CRS the file declares (``None`` when it declares none). Checking and typing the
properties is ``layers.validate``'s job.
"""

from __future__ import annotations

import csv
import tempfile
import warnings
import zipfile
from collections.abc import Collection
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import orjson
import pandas as pd
import pyarrow.parquet as pq
import pyogrio
import shapely

from geo import guard, settings
from geo.errors import InputError
from geo.geojson_reader import read_geojson
from geo.nesting import bracket_depth, wkb_problem

__all__ = ["FORMATS", "layer_names", "read_features"]

#: File endings reemap reads, and the format each means.
FORMATS: dict[str, str] = {
    ".geojson": "geojson",
    ".json": "geojson",
    ".gpkg": "gpkg",
    ".csv": "csv",
    ".parquet": "parquet",
    ".geoparquet": "parquet",
    ".zip": "shapefile",
    ".shp": "shapefile",
    ".kml": "kml",
}


def _check_size(path: Path, max_bytes: int) -> None:
    size = path.stat().st_size
    if size == 0:
        raise InputError(f"{path}: the file is empty")
    if size > max_bytes:
        raise InputError(
            f"{path}: the file is {size / 1e6:.1f} MB, over the {max_bytes / 1e6:.0f} MB limit"
        )


def _decode_nested(frame: pd.DataFrame, nested: Collection[str]) -> pd.DataFrame:
    """Turn JSON text back into lists and objects in the nested-property columns."""
    out = frame.copy()
    for column in set(nested) & set(out.columns):
        out[column] = [loads_lenient(v) for v in out[column]]
    return out


def loads_lenient(value: Any) -> Any:
    """JSON text that opens with ``[`` or ``{`` as its value, else the value as it is."""
    if isinstance(value, str) and value[:1] in "[{":
        try:  # orjson refuses nesting past 1024 levels; the validator bounds it further
            return orjson.loads(value)
        except orjson.JSONDecodeError:
            return value
    if isinstance(value, np.ndarray):
        return value.tolist()
    return value


def _none_for_nan(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.astype(object)
    return out.where(pd.notna(out), None)


def _csv_shape(path: Path) -> None:
    """Count the columns (from the header) and at most the rows (lines) before pandas reads."""
    with path.open("rb") as handle:
        header = handle.readline(1 << 20)
        lines = 1 + sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))
    if len(header) >= 1 << 20 and not header.endswith(b"\n"):
        raise InputError(f"{path}: the header line is longer than 1 MB")
    columns = next(csv.reader([header.decode("utf-8", errors="replace")]), [])
    guard.check_counts(str(path), max(lines - 2, 0), len(columns))


def _read_csv(path: Path, nested: Collection[str]) -> gpd.GeoDataFrame:
    _csv_shape(path)
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        message = guard.excerpt(str(exc))
        raise InputError(f"{path}: not a readable UTF-8 CSV ({message})") from None
    guard.check_counts(str(path), len(frame), len(frame.columns))
    cols = {c.lower(): c for c in frame.columns}
    if "wkt" in cols or "geometry" in cols:
        col = cols.get("wkt", cols.get("geometry"))
        geometry = _wkt(path, frame[col])
        frame = frame.drop(columns=[col])
    else:
        lon = next((cols[c] for c in ("lon", "longitude", "lng", "x") if c in cols), None)
        lat = next((cols[c] for c in ("lat", "latitude", "y") if c in cols), None)
        if lon is None or lat is None:
            raise InputError(
                f"{path}: no geometry: give a WKT column ('wkt' or 'geometry') or "
                "'lon' and 'lat' columns"
            )
        x = pd.to_numeric(frame[lon], errors="coerce")
        y = pd.to_numeric(frame[lat], errors="coerce")
        geometry = np.asarray(shapely.points(x.to_numpy(), y.to_numpy()), dtype=object)
        frame = frame.drop(columns=[lon, lat])
    frame = frame.replace({"": None})
    frame = _typed_csv(frame)
    return gpd.GeoDataFrame(_decode_nested(frame, nested), geometry=geometry, crs=None)


def _typed_csv(frame: pd.DataFrame) -> pd.DataFrame:
    """Numbers and booleans back from CSV text, column by column where every value parses."""
    out = frame.copy()
    for column in out.columns:
        values = out[column]
        present = values.dropna()
        if present.empty or column in {"id", "name", "hs_code", "period", "as_of"}:
            continue
        numbers = pd.to_numeric(present, errors="coerce")
        if numbers.notna().all():
            is_int = present.str.fullmatch(r"-?\d+").all()
            out[column] = [None if v is None else (int(v) if is_int else float(v)) for v in values]
        elif present.isin(["true", "false", "True", "False"]).all():
            out[column] = [None if v is None else v.lower() == "true" for v in values]
    return out


def _wkt(path: Path, column: pd.Series) -> np.ndarray:
    out = np.empty(len(column), dtype=object)
    for i, text in enumerate(column):
        if not text:
            out[i] = None
            continue
        if text.count("(") > settings.MAX_NESTING and bracket_depth(text) > settings.MAX_NESTING:
            raise InputError(
                f"{path}: #{i + 1}: geometry: WKT nested more than {settings.MAX_NESTING} deep"
            )
        try:
            out[i] = shapely.from_wkt(text)
        except shapely.errors.GEOSException:
            raise InputError(f"{path}: #{i + 1}: geometry: not valid WKT") from None
    return out


#: Rendering fields GDAL's KML drivers add to every placemark; not properties.
_KML_FIELDS = ("timestamp", "begin", "end", "altitudeMode", "tessellate", "extrude",
               "visibility", "drawOrder", "icon")


def _kml_properties(table: pd.DataFrame) -> pd.DataFrame:
    """KML's placemark fields as properties: ``Name`` is the name, a property ``id`` is the id."""
    out = table.drop(columns=[c for c in _KML_FIELDS if c in table.columns])
    if "id2" in out.columns:  # LIBKML reads the Placemark's own id as ``id``, ours as ``id2``
        out = out.drop(columns=["id"]).rename(columns={"id2": "id"})
    if "Name" in out.columns and "name" not in out.columns:
        out = out.rename(columns={"Name": "name"})
    if "description" in out.columns and out["description"].isna().all():
        out = out.drop(columns=["description"])
    return out


def _read_with_gdal(
    path: Path, fmt: str, layer: str | None, nested: Collection[str], *, real: Path
) -> gpd.GeoDataFrame:
    if fmt == "shapefile" and path.suffix.lower() == ".zip":
        with tempfile.TemporaryDirectory(prefix="reemap-shp-") as tmp:
            shp = guard.unpack_shapefile(real, layer, Path(tmp), shown=str(path))
            guard.check_magic(shp, "shapefile", shown=str(path))
            return _read_pinned(shp, fmt, None, nested, shown=str(path))
    return _read_pinned(real, fmt, layer, nested, shown=str(path))


def _read_pinned(
    path: Path, fmt: str, layer: str | None, nested: Collection[str], *, shown: str
) -> gpd.GeoDataFrame:
    """Read with the format's own driver only, after its header passed the limits."""
    source = guard.gdal_source(path, fmt)
    info = guard.gdal_info(source, fmt, layer=layer, shown=shown)
    if not info.get("geometry_type"):
        name = f"layer {guard.excerpt(layer, 40)!r}" if layer else "the layer"
        raise InputError(f"{shown}: {name} is a plain table (no geometry); name a feature layer")
    try:
        with guard.gdal_reading(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            frame = pyogrio.read_dataframe(source, layer=layer)
    except Exception as exc:
        message = guard.excerpt(str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
        raise InputError(f"{shown}: cannot read as {fmt} ({message})") from None
    table = pd.DataFrame(frame.drop(columns="geometry"))
    if fmt == "kml":
        table = _kml_properties(table)
    return gpd.GeoDataFrame(
        _none_for_nan(_decode_nested(table, nested)),
        geometry=frame.geometry.values,
        crs=frame.crs,
    )


def _read_parquet(path: Path, nested: Collection[str]) -> gpd.GeoDataFrame:
    """GeoParquet: sizes from the footer first, then every WKB checked, then geopandas."""
    try:
        meta = pq.ParquetFile(path).metadata
        geo = orjson.loads((meta.metadata or {}).get(b"geo", b"{}"))
    except Exception as exc:
        raise InputError(f"{path}: cannot read as parquet ({guard.excerpt(str(exc))})") from None
    guard.check_counts(str(path), meta.num_rows, meta.num_columns - 1)
    unpacked = sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
    if unpacked > settings.MAX_UNPACKED_BYTES:
        raise InputError(
            f"{path}: unpacks to {unpacked / 1e6:.0f} MB, over the "
            f"{settings.MAX_UNPACKED_BYTES / 1e6:.0f} MB limit (REEMAP_MAX_UNPACKED_BYTES)"
        )
    column = geo.get("primary_column") if isinstance(geo, dict) else None
    try:
        if isinstance(column, str):
            blobs = pq.read_table(path, columns=[column]).column(0)
            for i, blob in enumerate(blobs.to_pylist()):
                if isinstance(blob, bytes) and (problem := wkb_problem(blob, settings.MAX_NESTING)):
                    raise InputError(f"{path}: #{i + 1}: {problem}")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            frame = gpd.read_parquet(path)
    except InputError:
        raise
    except Exception as exc:
        message = guard.excerpt(str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
        raise InputError(f"{path}: cannot read as parquet ({message})") from None
    table = pd.DataFrame(frame.drop(columns=frame.geometry.name))
    return gpd.GeoDataFrame(
        _none_for_nan(_decode_nested(table, nested)),
        geometry=frame.geometry.values,
        crs=frame.crs,
    )


def layer_names(path: str | Path) -> list[str]:
    """The layers a GeoPackage (or the shapefiles a zip) holds, in file order.

    ``[]`` for other or unreadable files: those are ``read_features``' to report.
    """
    p = Path(path)
    fmt = FORMATS.get(p.suffix.lower())
    try:
        real = guard.check_local_path(p)
        guard.check_magic(real, fmt or "")
        if fmt == "shapefile" and p.suffix.lower() == ".zip":
            with zipfile.ZipFile(real) as archive:
                return sorted(guard.shapefile_members(archive))
        if fmt != "gpkg":
            return []
        with guard.gdal_reading(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return [str(name) for name, _ in pyogrio.list_layers(guard.gdal_source(real, fmt))]
    except Exception:  # unreadable files are read_features' to report
        return []


def read_features(
    path: str | Path,
    *,
    layer: str | None = None,
    nested: Collection[str] = (),
    max_bytes: int = settings.MAX_INPUT_BYTES,
) -> gpd.GeoDataFrame:
    """Read a feature file into a raw GeoDataFrame.

    Parameters
    ----------
    path
        GeoJSON, GeoPackage, CSV (WKT or lon/lat columns), GeoParquet, zipped Shapefile
        or KML.
    layer
        The layer to read inside a multi-layer file (GeoPackage); the first when omitted.
    nested
        Columns that hold lists or objects, stored as JSON text in formats without them.
    max_bytes
        Files larger than this are refused before they are read.

    Returns
    -------
    GeoDataFrame
        Properties as stored (missing values as ``None``), the file's CRS or ``None``.

    Raises
    ------
    InputError
        The file is missing, empty, too large, of an unknown kind, or unreadable.
    """
    p = Path(path)
    real = guard.check_local_path(p)
    _check_size(p, max_bytes)
    fmt = FORMATS.get(p.suffix.lower())
    if fmt is None:
        known = ", ".join(sorted(FORMATS))
        shown = guard.excerpt(p.suffix, 20)
        raise InputError(f"{p}: unknown file type {shown!r}; reemap reads {known}")
    guard.check_magic(real, fmt, shown=str(p))
    if fmt == "geojson":
        return read_geojson(p)
    if fmt == "csv":
        return _read_csv(p, nested)
    if fmt == "parquet":
        return _read_parquet(p, nested)
    return _read_with_gdal(p, fmt, layer, nested, real=real)
