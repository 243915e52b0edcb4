"""Reading a GeoJSON FeatureCollection into a raw GeoDataFrame (``geo.io``'s GeoJSON reader).

The file is parsed by orjson; properties come back as the file holds them, geometry as
shapely objects decoded in one vectorised pass, the CRS as the file declares it (an
authority code only; RFC 7946's WGS84 when none). A refused geometry is named by the first
feature that holds it, in one line.
"""

from __future__ import annotations

import operator
import re
from itertools import compress, repeat
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import orjson
import pandas as pd
import pyproj
import shapely

from geo import guard, settings
from geo.errors import InputError
from geo.nesting import bracket_depth, bracket_depths

__all__ = ["read_geojson"]

#: Features whose geometries are decoded together.
_CHUNK = 1 << 14


#: CRS names a GeoJSON file may declare: an authority code, never a PROJ string (which can
#: name files on the server, e.g. ``+init=``).
_CRS_NAME = re.compile(
    r"(?:(?:EPSG|ESRI|OGC|IAU_2015):[A-Za-z0-9_.]{1,20}"
    r"|urn:ogc:def:crs:(?:EPSG|OGC|ESRI)::?[A-Za-z0-9_.]{0,10}:?[A-Za-z0-9_.]{1,20})"
)


def _geojson_crs(path: Path, doc: dict[str, Any]) -> str:
    crs = doc.get("crs")
    if not crs:
        return settings.WGS84  # RFC 7946: always WGS84 lon/lat
    try:
        name = crs["properties"]["name"]
    except (KeyError, TypeError):
        return settings.WGS84
    shown = guard.excerpt(str(name), 60)
    if not isinstance(name, str) or not _CRS_NAME.fullmatch(name):
        raise InputError(f"{path}: the CRS {shown!r} is not an authority code such as EPSG:4326")
    try:
        pyproj.CRS.from_user_input(name)
    except pyproj.exceptions.CRSError:
        raise InputError(f"{path}: unknown CRS {shown!r}; use an EPSG code") from None
    return name


def read_geojson(path: Path) -> gpd.GeoDataFrame:
    """Read a GeoJSON FeatureCollection (size and first bytes checked by the caller)."""
    try:
        doc = orjson.loads(path.read_bytes())
    except orjson.JSONDecodeError as exc:
        raise InputError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        raise InputError(f"{path}: not a GeoJSON FeatureCollection")
    features = doc.get("features")
    if not isinstance(features, list):
        raise InputError(f"{path}: the FeatureCollection has no 'features' list")
    guard.check_counts(str(path), len(features), 0)
    rows: list[dict[str, Any]] = []
    geoms: list[Any] = []
    keys: set[str] = set()
    for i, feature in enumerate(features, start=1):
        if not isinstance(feature, dict):
            raise InputError(f"{path}: #{i}: not a GeoJSON Feature")
        props = feature.get("properties") or {}
        if not isinstance(props, dict):
            raise InputError(f"{path}: #{i}: 'properties' is not an object")
        rows.append(props)
        keys.update(props)
        if len(keys) > settings.MAX_PROPERTIES:
            guard.check_counts(str(path), len(features), len(keys))
        geoms.append(feature.get("geometry"))
    geometry = _decode_geometries(path, geoms, rows)
    frame = pd.DataFrame(rows, dtype=object) if rows else pd.DataFrame()
    return gpd.GeoDataFrame(frame, geometry=geometry, crs=_geojson_crs(path, doc))


def _decode_geometries(path: Path, geoms: list[Any], rows: list[dict[str, Any]]) -> np.ndarray:
    """Every geometry decoded by vectorised shapely, a chunk of features at a time (few
    texts alive at once); when any is refused, the per-feature pass
    (:func:`_decode_one_by_one`) names the first refused feature, as it always has."""
    out = np.full(len(geoms), None, dtype=object)
    for start in range(0, len(geoms), _CHUNK):
        part = geoms[start:start + _CHUNK]
        present = np.fromiter(map(operator.is_not, part, repeat(None)), dtype=bool,
                              count=len(part))
        texts = list(map(orjson.dumps, compress(part, present)))
        if not texts:
            continue
        if (bracket_depths(texts) > settings.MAX_NESTING + 4).any():
            return _decode_one_by_one(path, geoms, rows)
        try:
            decoded = shapely.from_geojson(np.array(texts, dtype=object))
        except (shapely.errors.GEOSException, ValueError, TypeError):
            return _decode_one_by_one(path, geoms, rows)
        out[start:start + len(part)][present] = decoded
    return out


def _decode_one_by_one(path: Path, geoms: list[Any], rows: list[dict[str, Any]]) -> np.ndarray:
    out = np.empty(len(geoms), dtype=object)
    for i, geom in enumerate(geoms):
        if geom is None:
            out[i] = None
            continue
        text = orjson.dumps(geom)
        fid = guard.excerpt(str(rows[i].get("id", f"#{i + 1}")), 80)
        if bracket_depth(text) > settings.MAX_NESTING + 4:  # + a MultiPolygon's own 4 levels
            raise InputError(
                f"{path}: {fid}: geometry: nested more than {settings.MAX_NESTING} deep"
            )
        try:
            out[i] = shapely.from_geojson(text)
        except (shapely.errors.GEOSException, ValueError, TypeError) as exc:
            raise InputError(
                f"{path}: {fid}: geometry: not a GeoJSON geometry ({guard.excerpt(str(exc))})"
            ) from None
    return out
