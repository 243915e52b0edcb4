"""An RFC 7946 GeoJSON writer: lon/lat WGS84, rounded, counter-clockwise, split at 180.

Written with vectorised shapely and orjson rather than through GDAL: the output is the
same FeatureCollection, built in one pass over arrays (see ``bench/`` for the figures).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import partial
from itertools import repeat
from typing import Any

import geopandas as gpd
import numpy as np
import orjson
import pandas as pd
import shapely

from geo import settings
from geo.antimeridian import needs_split, split_antimeridian

__all__ = ["CHUNK_ROWS", "geojson_parts", "prepare_geometries", "to_geojson_bytes"]


_LINE_IDS = (1, 5)  # shapely type ids of LineString and MultiLineString
_POLYGON_IDS = (3, 6)  # Polygon and MultiPolygon
_POINT = 0


def prepare_geometries(
    geoms: np.ndarray, *, precision: int = settings.GEOJSON_PRECISION
) -> np.ndarray:
    """Return geometries as RFC 7946 wants them, without changing the input array.

    Coordinates are rounded to ``precision`` decimals, polygon outer rings turned
    counter-clockwise (holes clockwise), and lines that cross the 180th meridian split
    into MultiLineStrings that end on it.

    Parameters
    ----------
    geoms
        Shapely geometries in EPSG:4326 (``None`` allowed).
    precision
        Decimal places to keep; 7 is about 1 cm.

    Returns
    -------
    numpy.ndarray of geometries
    """
    out = np.asarray(geoms, dtype=object).copy()
    types = shapely.get_type_id(out)  # -1 where missing
    present = types >= 0
    lines = np.isin(types, _LINE_IDS)
    if lines.any():
        candidates = np.full(len(out), None, dtype=object)
        candidates[lines] = out[lines]
        split = lines & needs_split(candidates)
        for i in np.flatnonzero(split):
            out[i] = split_antimeridian(out[i])
    polys = np.isin(types, _POLYGON_IDS)
    if polys.any():
        out[polys] = shapely.orient_polygons(out[polys], exterior_cw=False)
    if present.any():
        coords = shapely.get_coordinates(out[present])
        if not np.array_equal(coords, np.round(coords, precision)):  # else rounded already
            out[present] = shapely.transform(out[present], lambda c: np.round(c, precision))
    return out


def _default(value: Any) -> Any:
    """What orjson cannot encode by itself: pandas' missing values, timestamps, numpy."""
    if value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"cannot write a {type(value).__name__} to GeoJSON")


_dumps = partial(orjson.dumps, default=_default)


def _split_numbers(values: list[Any]) -> list[bytes]:
    """Numbers (or None/NaN) encoded in one orjson call and cut at the commas."""
    return orjson.dumps(values)[1:-1].split(b",") if values else []


def _strings(column: pd.Series) -> np.ndarray:
    """A text column encoded once per distinct value, all in one orjson call."""
    codes, uniques = pd.factorize(column)  # missing -> -1
    tokens = _batched(np.asarray(uniques, dtype=object))
    table = np.array([*tokens, b"null"], dtype=object)  # code -1 -> null
    return table[codes]


def _encoded(column: pd.Series) -> Iterable[bytes]:
    """Each value of a column as JSON (``null`` where missing), encoded without Python loops."""
    kind = column.dtype.kind
    if kind == "f":  # orjson writes NaN as null
        return _split_numbers(column.to_numpy().tolist())
    if kind in "iub" or isinstance(column.dtype, pd.BooleanDtype | pd.Int64Dtype):
        return _split_numbers(column.astype(object).where(column.notna(), None).tolist())
    if kind == "M":
        text = [None if pd.isna(v) else v.isoformat() for v in column]
        return map(_dumps, text)
    if pd.api.types.infer_dtype(column, skipna=True) in {"string", "empty"}:
        return _strings(column)
    if column.dtype == object:
        return _batched(column.to_numpy())
    return _batched(column.astype(object).where(column.notna(), None).to_numpy())


#: Put between values to encode a whole column in one orjson call, then cut at it.
_SENTINEL = "\x00reemap-cut\x00"
_CUT = b',"\\u0000reemap-cut\\u0000",'


def _batched(values: np.ndarray) -> list[bytes]:
    """Any values (lists, objects, text, numbers) encoded in one orjson call.

    A string inside a value can hold the sentinel too: then the cut yields more parts
    than values and each value is encoded on its own instead.
    """
    if len(values) == 0:
        return []
    sequence: list[Any] = [_SENTINEL] * (2 * len(values) - 1)
    sequence[::2] = list(values)
    parts = _dumps(sequence)[1:-1].split(_CUT)
    return parts if len(parts) == len(values) else list(map(_dumps, values))


def _geometries(geoms: np.ndarray, precision: int) -> list[Iterable[bytes]]:
    """Each geometry as GeoJSON text (``null`` where missing), as pieces to join per row."""
    types = shapely.get_type_id(geoms)
    if len(types) and (types == _POINT).all() and not shapely.is_empty(geoms).any():
        xy = np.round(shapely.get_coordinates(geoms), precision).tolist()
        pairs = orjson.dumps(xy)[2:-2].split(b"],[")
        return [repeat(b'{"type":"Point","coordinates":['), pairs, repeat(b"]}")]
    encoded = shapely.to_geojson(prepare_geometries(geoms, precision=precision))
    return [(b"null" if g is None else g.encode() for g in encoded)]


#: Features encoded at a time by :func:`geojson_parts`: the per-value pieces of one chunk
#: are held at once, not a whole layer's (a million features: about 3 GB of them).
CHUNK_ROWS = 131_072


def to_geojson_bytes(
    gdf: gpd.GeoDataFrame, *, precision: int = settings.GEOJSON_PRECISION
) -> bytes:
    """Encode a frame as an RFC 7946 FeatureCollection: :func:`geojson_parts` joined
    (parameters and errors as there), for a caller that needs the whole text at once.

    Returns
    -------
    bytes
        UTF-8 JSON, one feature per line.
    """
    return b"".join(geojson_parts(gdf, precision=precision))


def geojson_parts(
    gdf: gpd.GeoDataFrame, *, precision: int = settings.GEOJSON_PRECISION,
    rows: int = CHUNK_ROWS,
) -> Iterator[bytes]:
    """An RFC 7946 FeatureCollection as consecutive pieces of bytes, ``rows`` features at
    a time, to write as they come (the memory of one piece, not of the whole file).

    Each column is encoded by orjson on its own (numbers in one call), the geometry by
    shapely, and each feature is one join of those pieces: no Python code runs per value,
    which makes this writer faster than GDAL's (see ``bench/results.md``).

    Parameters
    ----------
    gdf
        Features in EPSG:4326; every non-geometry column becomes a property.
    precision
        Decimal places of the coordinates.
    rows
        Features per piece.

    Yields
    ------
    bytes
        The opening, the features (one per line) ``rows`` at a time, the closing.

    Raises
    ------
    ValueError
        When the frame is not in EPSG:4326 (RFC 7946 allows no other CRS); raised on the
        first piece, before anything is yielded.
    """
    if gdf.crs is not None and not gdf.crs.equals(settings.WGS84):
        raise ValueError(
            f"GeoJSON (RFC 7946) must be WGS84; the frame is in {gdf.crs.to_string()}: "
            "call .to_crs('EPSG:4326') first"
        )
    yield b'{"type":"FeatureCollection","features":[\n'
    for start in range(0, len(gdf), rows):
        part = gdf if rows >= len(gdf) else gdf.iloc[start:start + rows]
        features = _features(part, precision)
        yield features + b",\n" if start + rows < len(gdf) else features + b"\n"
    yield b"]}\n"


def _features(gdf: gpd.GeoDataFrame, precision: int) -> bytes:
    """The features of a frame, one per line, joined by commas."""
    columns = [c for c in gdf.columns if c != gdf.geometry.name]
    # every feature is one join of constant pieces and pre-encoded values, zipped in C
    pieces: list[Iterable[bytes]] = []
    for i, name in enumerate(columns):
        key = orjson.dumps(str(name)) + b":"
        start = b'{"type":"Feature","properties":{' if i == 0 else b","
        pieces += [repeat(start + key), _encoded(gdf[name])]
    pieces += [
        repeat(b'},"geometry":' if columns else b'{"type":"Feature","properties":{},"geometry":'),
        *_geometries(np.asarray(gdf.geometry.values), precision),
        repeat(b"}"),
    ]
    return b",\n".join(map(b"".join, zip(*pieces, strict=False)))
