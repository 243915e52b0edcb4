"""One layer as one GeoParquet file, built as an Arrow table straight from the frame.

The file is the one geopandas writes for the flat frame (:func:`geo.flat.flatten`:
lists and objects as JSON text, geometry prepared as in GeoJSON): the same Arrow schema
with its ``pandas`` metadata, WKB geometry tagged ``geoarrow.wkb`` with its CRS, and the
GeoParquet 1.1 ``geo`` metadata (CRS as PROJJSON, geometry types, bounding box), in the
row groups pyarrow makes by default. Built without the flat frame: text columns go from
their distinct values to Arrow (no pandas object round trip), and points become WKB from
their coordinates in numpy. Written as geopandas writes, but for one choice: a column whose
values are all distinct (ids, names, point geometry) is not dictionary encoded, which
readers never see (:func:`dictionary_columns`). The whole export, building the text
included, costs less than geopandas' ``to_parquet`` of a frame already flat (``bench/``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import shapely

from geo import settings
from geo.flat import json_column, text_array
from geo.geojson import prepare_geometries

__all__ = ["ROW_GROUP_ROWS", "SCHEMA_VERSION", "dictionary_columns", "geoparquet_table",
           "write_geoparquet_file"]

#: The GeoParquet version written, here and by :mod:`geo.parquet` (1.1 introduced the bbox
#: covering column).
SCHEMA_VERSION = "1.1.0"

#: Shapely's type ids -> GeoParquet's geometry type names (``+ 8``: with Z).
_TYPE_NAMES = ["Point", "LineString", "LineString", "Polygon", "MultiPoint",
               "MultiLineString", "MultiPolygon", "GeometryCollection"]
_TYPE_NAMES += [f"{name} Z" for name in _TYPE_NAMES]

#: One 2-d point in ISO WKB, little-endian: byte order, type (1), x, y.
_POINT_WKB = np.dtype([("order", "u1"), ("type", "<u4"), ("x", "<f8"), ("y", "<f8")])


def _column(values: pd.Series) -> tuple[pa.Array, Any]:
    """A property column as Arrow, with the pandas dtype the flat frame gives it."""
    if values.dtype == object:
        text = text_array(values.to_numpy(dtype=object), decoded=False)
        if text is not None:
            return text, "str"
        values = pd.Series(json_column(values))  # typed by pandas, as in flatten
    return pa.array(values, from_pandas=True), values.dtype


def _point_wkb(geoms: np.ndarray, precision: int) -> tuple[pa.Array, list[float]] | None:
    """2-d points (none missing or empty) as WKB, rounded; None for any other geometry."""
    if not len(geoms) or _POINT_WKB.itemsize * len(geoms) >= 2**31:  # past int32 offsets
        return None
    if (shapely.get_type_id(geoms) != 0).any() or shapely.has_z(geoms).any():
        return None
    box = shapely.bounds(geoms)  # a point's own x and y: a quarter of get_coordinates' time
    x, y = np.round(box[:, 0], precision), np.round(box[:, 1], precision)
    if np.isnan(x).any() or np.isnan(y).any():  # an empty point (NaN): as geopandas does it
        return None
    records = np.empty(len(geoms), dtype=_POINT_WKB)
    records["order"], records["type"] = 1, 1
    records["x"], records["y"] = x, y
    offsets = np.arange(0, _POINT_WKB.itemsize * (len(geoms) + 1), _POINT_WKB.itemsize,
                        dtype=np.int32)
    wkb = pa.Array.from_buffers(pa.binary(), len(geoms), [
        None, pa.py_buffer(offsets), pa.py_buffer(records)])
    return wkb, [float(x.min()), float(y.min()), float(x.max()), float(y.max())]


def _geometry(geoms: np.ndarray) -> tuple[pa.Array, list[str], list[float]]:
    """WKB of the prepared geometries, their GeoParquet type names and their bounds."""
    points = _point_wkb(geoms, settings.GEOJSON_PRECISION)
    if points is not None:
        return points[0], ["Point"], points[1]
    prepared = prepare_geometries(geoms)
    types = shapely.get_type_id(prepared)
    types[shapely.has_z(prepared)] += 8
    names = sorted(_TYPE_NAMES[t] for t in np.unique(types[types >= 0]))
    wkb = pa.array(shapely.to_wkb(prepared, flavor="iso"), pa.binary())
    bounds = shapely.total_bounds(prepared).tolist() if len(prepared) else [np.nan] * 4
    return wkb, names, bounds


def _without_member_ids(crs: Any) -> Any:
    """PROJJSON without the ids of datum ensemble members (older PROJ rejects them), as
    geopandas and GDAL write it."""
    if isinstance(crs, dict):
        return {k: ([{m: v for m, v in member.items() if m != "id"} for member in value]
                    if k == "members" and isinstance(value, list)
                    else _without_member_ids(value)) for k, value in crs.items()}
    return crs


def _parts(gdf: gpd.GeoDataFrame, *,
           decode_rows: int = 0) -> tuple[pa.Schema, list[pa.Array]]:
    """The schema (with its ``pandas`` and ``geo`` metadata) and the columns; text columns
    of grouped values longer than ``decode_rows`` rows still as dictionary arrays."""
    name = gdf.geometry.name
    columns = [c for c in gdf.columns if c != name] + [name]
    arrays, dtypes, (wkb, types, bbox) = _columns(gdf, columns[:-1], decode_rows)
    arrays[name], dtypes[name] = wkb, object
    schema = _pandas_schema(columns, dtypes)
    crs = gdf.crs.to_json_dict() if gdf.crs is not None else None
    field = pa.field(name, pa.binary(), metadata={
        "ARROW:extension:name": "geoarrow.wkb",
        "ARROW:extension:metadata": json.dumps({"crs": crs}) if crs is not None else "{}",
    })
    geo: dict[str, Any] = {"encoding": "WKB", "crs": _without_member_ids(crs),
                           "geometry_types": types}
    if np.isfinite(bbox).all():
        geo["bbox"] = bbox
    metadata = dict(schema.metadata or {})
    metadata[b"geo"] = json.dumps({
        "primary_column": name, "columns": {name: geo}, "version": SCHEMA_VERSION,
        "creator": {"library": "reemap"},
    }).encode()
    fields = [field if f.name == name else f for f in schema]
    values = [a if a.type == f.type or isinstance(a, pa.DictionaryArray) else a.cast(f.type)
              for f, a in zip(fields, (arrays[f.name] for f in fields), strict=True)]
    return pa.schema(fields, metadata=metadata), values


def _pandas_schema(columns: list[Any], dtypes: dict[Any, Any]) -> pa.Schema:
    """The schema, with its ``pandas`` metadata, pyarrow gives a frame of these columns
    and dtypes."""
    empty = pd.DataFrame({c: pd.array([], dtype=dtypes[c]) for c in columns})
    return pa.Schema.from_pandas(empty, preserve_index=False)


def _columns(gdf: gpd.GeoDataFrame, columns: list[str], decode_rows: int) -> tuple[
        dict[str, pa.Array], dict[str, Any], tuple[pa.Array, list[str], list[float]]]:
    """Each property column as Arrow (:func:`_column`) with its pandas dtype, text columns
    of at most ``decode_rows`` rows decoded; and the geometry (:func:`_geometry`)."""
    arrays: dict[str, pa.Array] = {}
    dtypes: dict[str, Any] = {}
    for column in columns:
        array, dtypes[column] = _column(gdf[column])
        if isinstance(array, pa.DictionaryArray) and len(array) <= decode_rows:
            array = array.dictionary_decode()
        arrays[column] = array
    return arrays, dtypes, _geometry(np.asarray(gdf.geometry.values))


def _sliced(schema: pa.Schema, values: list[pa.Array], start: int, stop: int) -> pa.Table:
    part = [a.slice(start, stop - start) for a in values]
    return pa.table([a.dictionary_decode() if isinstance(a, pa.DictionaryArray) else a
                     for a in part], schema=schema)


def geoparquet_table(gdf: gpd.GeoDataFrame) -> pa.Table:
    """The Arrow table (with its ``pandas`` and ``geo`` metadata) of the flat frame.

    Parameters
    ----------
    gdf
        Features; list and object properties become JSON text, the geometry WKB.

    Returns
    -------
    pyarrow.Table
        What ``flatten(gdf).to_parquet(path, index=False)`` writes.
    """
    schema, values = _parts(gdf, decode_rows=len(gdf))
    return _sliced(schema, values, 0, len(gdf))


#: Values of a column looked at by :func:`dictionary_columns` (evenly spaced).
_SAMPLE = 4096


def dictionary_columns(table: pa.Table | tuple[pa.Schema, list[pa.Array]]) -> list[str]:
    """The columns worth dictionary encoding in Parquet: all but those whose evenly spaced
    sample of :data:`_SAMPLE` values holds no value twice.

    A Parquet writer tries a dictionary for every column and gives it up once the
    dictionary outgrows a page; for a column of distinct values (ids, names, points) the
    attempt is wasted work (at 100,000 points, about an eighth of the write) and leaves a
    dictionary page no smaller than the values. With no value repeated among 4,096
    sampled, a column repeats few of its values (were one value in a hundred a repeat,
    the sample would hold about 80 repeats); a column that repeats many keeps its
    dictionary. Readers see the same values either way.

    Parameters
    ----------
    table
        A table, or its schema and columns (dictionary arrays count as repeating).

    Returns
    -------
    list of str
        The names of the columns to dictionary encode, in the table's order.
    """
    schema, columns = (table.schema, table.columns) if isinstance(table, pa.Table) else table
    return [field.name for field, column in zip(schema, columns, strict=True)
            if isinstance(column, pa.DictionaryArray) or not _all_distinct(column)]


def _all_distinct(column: pa.Array | pa.ChunkedArray) -> bool:
    """Whether no value repeats among :data:`_SAMPLE` evenly spaced ones (a null counts as
    a value); most columns repeat within the first 64 looked at, and stop there."""
    for size in (64, _SAMPLE):
        step = max(1, len(column) // size)
        sample = column.take(np.arange(0, len(column), step)) if step > 1 else column
        if len(sample) < 2 or len(pc.unique(sample)) < len(sample):
            return False
    return True


#: Rows per row group of a written file: pyarrow's default, so the file has the row groups
#: geopandas writes (one up to 1,048,576 rows). A file of more rows has each group's text
#: decoded just before it is written, so the memory of one group is reused by the next.
ROW_GROUP_ROWS = 1_048_576


def write_geoparquet_file(gdf: gpd.GeoDataFrame, target: Path, *,
                          rows: int = ROW_GROUP_ROWS) -> None:
    """Write one layer as a GeoParquet file (:func:`geoparquet_table`), snappy-compressed
    as geopandas writes it, columns of distinct values without a dictionary
    (:func:`dictionary_columns`).

    Parameters
    ----------
    gdf
        Features; list and object properties become JSON text, the geometry WKB.
    target
        The file to write.
    rows
        Rows per row group (the last one holds the rest).
    """
    schema, values = _parts(gdf, decode_rows=rows)
    with pq.ParquetWriter(target, schema, compression="snappy",
                          use_dictionary=dictionary_columns((schema, values))) as writer:
        for start in range(0, max(len(gdf), 1), rows):
            writer.write_table(_sliced(schema, values, start, min(start + rows, len(gdf))))
