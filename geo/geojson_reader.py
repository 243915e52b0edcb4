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
from geo.geojson_split import split_features
from geo.nesting import bracket_depth, bracket_depths

__all__ = ["RUNS_FROM", "read_geojson"]

#: Features whose geometries are decoded together (and parsed together, in a large file).
_CHUNK = 1 << 14
#: Files this large or larger are parsed a run of features at a time.
RUNS_FROM = 64 * 2**20


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
    """Read a GeoJSON FeatureCollection (size and first bytes checked by the caller).

    A file of :data:`RUNS_FROM` bytes or more is parsed a run of features at a time
    (:func:`_read_runs`); any trouble there reads it whole, so every refusal is worded as
    the whole read words it.
    """
    data = path.read_bytes()
    found = _read_runs(path, data) if len(data) >= RUNS_FROM else None
    if found is not None:
        return found
    try:
        doc = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise InputError(f"{path}: not valid JSON ({exc})") from None
    del data
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        raise InputError(f"{path}: not a GeoJSON FeatureCollection")
    features = doc.get("features")
    if not isinstance(features, list):
        raise InputError(f"{path}: the FeatureCollection has no 'features' list")
    guard.check_counts(str(path), len(features), 0)
    rows, geoms = _rows(path, features, set(), total=len(features))
    geometry = _decode_geometries(path, geoms, rows)
    frame = pd.DataFrame(rows, dtype=object) if rows else pd.DataFrame()
    return gpd.GeoDataFrame(frame, geometry=geometry, crs=_geojson_crs(path, doc))


def _rows(path: Path, features: list[Any], keys: set[str], *, total: int, first: int = 1
          ) -> tuple[list[dict[str, Any]], list[Any]]:
    """Each feature's properties and geometry; ``keys`` collects the property names."""
    rows: list[dict[str, Any]] = []
    geoms: list[Any] = []
    for i, feature in enumerate(features, start=first):
        if not isinstance(feature, dict):
            raise InputError(f"{path}: #{i}: not a GeoJSON Feature")
        props = feature.get("properties") or {}
        if not isinstance(props, dict):
            raise InputError(f"{path}: #{i}: 'properties' is not an object")
        rows.append(props)
        keys.update(props)
        if len(keys) > settings.MAX_PROPERTIES:
            guard.check_counts(str(path), total, len(keys))
        geoms.append(feature.get("geometry"))
    return rows, geoms


def _read_runs(path: Path, data: bytes) -> gpd.GeoDataFrame | None:
    """The file read a run of features at a time, their values shared where equal
    (:class:`_Columns`); None when anything is amiss (the whole read then says what)."""
    split = split_features(data, per_run=_CHUNK)
    if split is None:
        return None
    try:
        doc = orjson.loads(split.skeleton)
        if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
            return None
        guard.check_counts(str(path), split.count, 0)
        crs = _geojson_crs(path, doc)
        columns = _Columns()
        keys: set[str] = set()
        for start, end in split.runs:
            features = orjson.loads(b"[" + data[start:end] + b"]")
            rows, geoms = _rows(path, features, keys, total=split.count, first=columns.n + 1)
            del features
            columns.add(rows, _decode_geometries(path, geoms, rows))
    except (orjson.JSONDecodeError, InputError):
        return None
    return columns.frame(crs)


def _of(values: np.ndarray, *kinds: type) -> np.ndarray:
    """Per value: its type is exactly one of ``kinds``."""
    wanted = frozenset(kinds).__contains__
    return np.fromiter(map(wanted, map(type, values)), dtype=bool, count=len(values))


class _Columns:
    """A frame gathered a run of features at a time, as ``pd.DataFrame(rows, dtype=object)``
    of all the rows at once builds it (columns in order of first appearance, a missing
    property NaN).

    Equal texts, lists and objects within a column are kept once and shared by the rows
    holding them (frames are read-only): a survey repeats its countries, owners and
    sources. A column whose values are mostly distinct (ids, names) is left as parsed.
    """

    def __init__(self) -> None:
        self.n = 0
        self._parts: dict[str, list[tuple[int, np.ndarray]]] = {}
        self._geoms: list[np.ndarray] = []
        self._seen: dict[str, tuple[dict[Any, Any], dict[bytes, Any]] | None] = {}

    def add(self, rows: list[dict[str, Any]], geometry: np.ndarray) -> None:
        """Append a run's properties and decoded geometries."""
        frame = pd.DataFrame(rows, dtype=object)
        for name in frame.columns:
            values = frame[name].to_numpy(dtype=object, copy=True)
            self._parts.setdefault(name, []).append((self.n, self._shared(name, values)))
        self._geoms.append(geometry)
        self.n += len(rows)

    def _shared(self, name: str, values: np.ndarray) -> np.ndarray:
        seen = self._seen.setdefault(name, ({}, {}))
        if seen is None:
            return values
        texts, boxes = seen
        text = _of(values, str)
        if text.any():
            kept = values[text]
            values[text] = np.fromiter(map(texts.setdefault, kept, kept), dtype=object,
                                       count=len(kept))
        box = _of(values, list, dict)
        if box.any():
            kept = values[box]
            try:
                encoded = list(map(orjson.dumps, kept))
            except (orjson.JSONEncodeError, TypeError):
                self._seen[name] = None
                return values
            values[box] = np.fromiter(map(boxes.setdefault, encoded, kept), dtype=object,
                                      count=len(kept))
        if len(texts) + len(boxes) > (self.n + len(values)) // 2:  # mostly distinct
            self._seen[name] = None
        return values

    def frame(self, crs: str) -> gpd.GeoDataFrame:
        """The gathered rows as one raw GeoDataFrame."""
        data: dict[str, np.ndarray] = {}
        for name, parts in self._parts.items():
            column = np.full(self.n, np.nan, dtype=object)
            for at, values in parts:
                column[at:at + len(values)] = values
            data[name] = column
        frame = pd.DataFrame(data, index=pd.RangeIndex(self.n), dtype=object)
        return gpd.GeoDataFrame(frame, geometry=np.concatenate(self._geoms), crs=crs)


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
