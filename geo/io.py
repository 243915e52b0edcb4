"""Reading feature files into raw GeoDataFrames, whatever the format.

The readers only read: properties come back as the file holds them (lists and objects
decoded from JSON text where a format stores them so), geometry as shapely objects, and
the CRS the file declares (``None`` when it declares none). Checking and typing the
properties is ``layers.validate``'s job.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Collection
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import orjson
import pandas as pd
import pyogrio
import shapely

from geo import settings
from geo.errors import InputError

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
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if not path.is_file():
        raise InputError(f"{path}: not a file")
    size = path.stat().st_size
    if size == 0:
        raise InputError(f"{path}: the file is empty")
    if size > max_bytes:
        raise InputError(
            f"{path}: the file is {size / 1e6:.1f} MB, over the {max_bytes / 1e6:.0f} MB limit"
        )


def _geojson_crs(doc: dict[str, Any]) -> str:
    crs = doc.get("crs")
    if not crs:
        return settings.WGS84  # RFC 7946: always WGS84 lon/lat
    try:
        name = crs["properties"]["name"]
    except (KeyError, TypeError):
        return settings.WGS84
    return str(name)


def _read_geojson(path: Path) -> gpd.GeoDataFrame:
    try:
        doc = orjson.loads(path.read_bytes())
    except orjson.JSONDecodeError as exc:
        raise InputError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        raise InputError(f"{path}: not a GeoJSON FeatureCollection")
    features = doc.get("features")
    if not isinstance(features, list):
        raise InputError(f"{path}: the FeatureCollection has no 'features' list")
    rows: list[dict[str, Any]] = []
    geoms: list[Any] = []
    for i, feature in enumerate(features, start=1):
        if not isinstance(feature, dict):
            raise InputError(f"{path}: #{i}: not a GeoJSON Feature")
        props = feature.get("properties") or {}
        if not isinstance(props, dict):
            raise InputError(f"{path}: #{i}: 'properties' is not an object")
        rows.append(props)
        geoms.append(feature.get("geometry"))
    geometry = _decode_geometries(path, geoms, rows)
    frame = pd.DataFrame(rows, dtype=object) if rows else pd.DataFrame()
    return gpd.GeoDataFrame(frame, geometry=geometry, crs=_geojson_crs(doc))


def _decode_geometries(path: Path, geoms: list[Any], rows: list[dict[str, Any]]) -> np.ndarray:
    out = np.empty(len(geoms), dtype=object)
    for i, geom in enumerate(geoms):
        if geom is None:
            out[i] = None
            continue
        try:
            out[i] = shapely.from_geojson(orjson.dumps(geom))
        except (shapely.errors.GEOSException, ValueError, TypeError) as exc:
            fid = rows[i].get("id", f"#{i + 1}")
            raise InputError(f"{path}: {fid}: geometry: not a GeoJSON geometry ({exc})") from None
    return out


def _decode_nested(frame: pd.DataFrame, nested: Collection[str]) -> pd.DataFrame:
    """Turn JSON text back into lists and objects in the nested-property columns."""
    out = frame.copy()
    for column in set(nested) & set(out.columns):
        out[column] = [loads_lenient(v) for v in out[column]]
    return out


def loads_lenient(value: Any) -> Any:
    """JSON text that opens with ``[`` or ``{`` as its value, else the value as it is."""
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.loads(value)
        except ValueError:
            return value
    if isinstance(value, np.ndarray):
        return value.tolist()
    return value


def _none_for_nan(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.astype(object)
    return out.where(pd.notna(out), None)


def _read_csv(path: Path, nested: Collection[str]) -> gpd.GeoDataFrame:
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputError(f"{path}: not a readable UTF-8 CSV ({exc})") from None
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
    path: Path, fmt: str, layer: str | None, nested: Collection[str]
) -> gpd.GeoDataFrame:
    source = f"/vsizip/{path}" if fmt == "shapefile" and path.suffix == ".zip" else str(path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            if fmt == "parquet":
                frame = gpd.read_parquet(path)
            else:
                frame = pyogrio.read_dataframe(source, layer=layer)
    except Exception as exc:
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError(f"{path}: cannot read as {fmt} ({message})") from None
    table = pd.DataFrame(frame.drop(columns="geometry"))
    if fmt == "kml":
        table = _kml_properties(table)
    return gpd.GeoDataFrame(
        _none_for_nan(_decode_nested(table, nested)),
        geometry=frame.geometry.values,
        crs=frame.crs,
    )


def layer_names(path: str | Path) -> list[str]:
    """The layers a GeoPackage holds, in file order (``[]`` for other or unreadable files)."""
    p = Path(path)
    if FORMATS.get(p.suffix.lower()) != "gpkg":
        return []
    try:
        return [str(name) for name, _ in pyogrio.list_layers(p)]
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
    _check_size(p, max_bytes)
    fmt = FORMATS.get(p.suffix.lower())
    if fmt is None:
        known = ", ".join(sorted(FORMATS))
        raise InputError(f"{p}: unknown file type {p.suffix!r}; reemap reads {known}")
    if fmt == "geojson":
        return _read_geojson(p)
    if fmt == "csv":
        return _read_csv(p, nested)
    return _read_with_gdal(p, fmt, layer, nested)
