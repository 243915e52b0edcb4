"""Layers as partitioned GeoParquet: one folder per layer, one per country inside it.

The layout is Hive's, which pyarrow, dask-geopandas, DuckDB and Spark all read::

    ROOT/layer=mines/country=AUS/part-0.parquet
    ROOT/layer=mines/country=CHN/part-0.parquet
    ROOT/layer=routes/country=MYS/part-0.parquet

Each file is GeoParquet 1.1 (geometry as WKB with its CRS in the ``geo`` metadata) with the
``bbox`` covering column (a struct of ``xmin``, ``ymin``, ``xmax``, ``ymax`` per row, named
in the metadata's ``covering``), its rows in Hilbert order and cut into row groups of
:data:`ROW_GROUP_SIZE`, so a bounding-box filter on ``bbox`` skips the row groups whose
statistics lie outside it. The partition keys live in the folder names, not in the files;
list-valued properties are JSON text, as in every flat export (``geo.export``). Layers keep
their own schemas, so a reader opens one layer's folder at a time:
``dask_geopandas.read_parquet(ROOT / "layer=mines")`` reads a layer bigger than memory
lazily, country by country.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Collection, Iterable, Mapping, Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import orjson
import pandas as pd
import pyarrow.dataset as pads
import pyarrow.parquet as pq

from geo.atomic import staged
from geo.errors import InputError
from geo.flat import json_column
from geo.geojson import prepare_geometries
from geo.geoparquet import SCHEMA_VERSION
from geo.io import loads_lenient

__all__ = [
    "ROW_GROUP_SIZE", "layer_folder", "read_partitioned", "write_geoparquet", "write_partitioned",
]

#: The folder name Hive gives a missing partition value.
MISSING = "__HIVE_DEFAULT_PARTITION__"

#: Rows per row group: small enough that a bounding-box filter skips most of a large
#: partition, large enough that the statistics cost little.
ROW_GROUP_SIZE = 10_000


def _flat(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Lists and objects as JSON text (:func:`geo.flat.json_column`: each shared object
    encoded once), missing values None; geometry prepared as in GeoJSON."""
    data = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
    for column in data.columns:
        if data[column].dtype == object:
            data[column] = pd.Series(json_column(data[column]), index=data.index,
                                     dtype=object)
    geoms = prepare_geometries(np.asarray(gdf.geometry.values))
    return gpd.GeoDataFrame(data, geometry=geoms, crs=gdf.crs)


def _decoded(frame: pd.DataFrame, nested: Collection[str]) -> pd.DataFrame:
    """JSON text back into lists and objects in the ``nested`` columns."""
    out = frame.copy()
    for column in set(nested) & set(out.columns):
        values = out[column].to_numpy(dtype=object)
        try:
            out[column] = [orjson.loads(v) if isinstance(v, str) and v[:1] in "[{" else v
                           for v in values]
        except orjson.JSONDecodeError:  # text some other writer made: the lenient reader
            out[column] = [loads_lenient(v) for v in values]
    return out


def layer_folder(root: str | Path, layer: str) -> Path:
    """The folder of one layer under a partitioned dataset's root."""
    return Path(root) / f"layer={layer}"


def _key(value: object) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)) or value == "":
        return MISSING
    return urllib.parse.quote(str(value), safe="")


def _hilbert_order(part: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Rows in Hilbert order of their bounding boxes' centres (neighbours share row groups)."""
    geoms = part.geometry
    if len(part) < 2 or geoms.isna().all() or geoms.is_empty.all():
        return part
    bounds = geoms[geoms.notna() & ~geoms.is_empty].total_bounds
    order = np.argsort(geoms.hilbert_distance(total_bounds=bounds).to_numpy(), kind="stable")
    return part.take(order)


def write_geoparquet(
    part: gpd.GeoDataFrame, target: Path, *, row_group_size: int = ROW_GROUP_SIZE
) -> None:
    """Write one frame as a GeoParquet 1.1 file with the bbox covering column.

    Rows that fill more than one row group are written in Hilbert order,
    ``row_group_size`` per row group, so that the ``bbox`` statistics of each row group
    cover a compact area.
    """
    # one row group's statistics cover all its rows, whatever their order: sort only when
    # the rows fill several row groups
    rows = _hilbert_order(part) if len(part) > row_group_size else part
    rows.to_parquet(
        target,
        index=False,
        schema_version=SCHEMA_VERSION,
        write_covering_bbox=True,
        row_group_size=row_group_size,
    )


def write_partitioned(
    frames: Mapping[str, gpd.GeoDataFrame],
    root: str | Path,
    *,
    by: str = "country",
    row_group_size: int = ROW_GROUP_SIZE,
) -> list[Path]:
    """Write layers as a partitioned GeoParquet dataset, replacing ``root`` atomically.

    Parameters
    ----------
    frames
        Layer name -> features in EPSG:4326.
    root
        The dataset folder; written beside it first and moved into place when complete.
    by
        The property that partitions each layer inside its folder.
    row_group_size
        Rows per row group inside each file (:func:`write_geoparquet`).

    Returns
    -------
    list of Path
        The files written, under ``root``.

    Raises
    ------
    InputError
        When ``root`` is a file, or a layer lacks the ``by`` column.
    """
    final = Path(root)
    if final.exists() and not final.is_dir():
        raise InputError(f"{final}: a partitioned dataset is a folder, but this is a file")
    for name, gdf in frames.items():
        if by not in gdf.columns:
            raise InputError(f"layer {name}: no {by!r} column to partition by")
    written: list[Path] = []
    with staged(final, folder=True) as staging:
        for name, gdf in frames.items():
            flat = _flat(gdf).drop(columns=[c for c in ("layer",) if c in gdf.columns])
            codes, values = pd.factorize(flat[by])
            keys = np.array([*map(_key, values), MISSING], dtype=object)[codes]
            for key, part in flat.drop(columns=by).groupby(keys, sort=True):
                folder = layer_folder(staging, name) / f"{by}={key}"
                folder.mkdir(parents=True)
                write_geoparquet(part, folder / "part-0.parquet", row_group_size=row_group_size)
                written.append(final / folder.relative_to(staging) / "part-0.parquet")
    return written


def _layers_in(root: Path) -> list[str]:
    return sorted(p.name.split("=", 1)[1] for p in root.glob("layer=*") if p.is_dir())


def read_partitioned(
    root: str | Path,
    *,
    layers: Iterable[str] | None = None,
    filters: list[tuple[str, str, object]] | None = None,
    bbox: tuple[float, float, float, float] | None = None,
    nested: Collection[str] = (),
    columns: Mapping[str, Sequence[str]] | None = None,
) -> dict[str, gpd.GeoDataFrame]:
    """Read layers of a partitioned dataset written by :func:`write_partitioned`.

    Parameters
    ----------
    root
        The dataset folder.
    layers
        The layers to read (every layer in the folder when omitted).
    filters
        pyarrow filters, e.g. ``[("country", "in", ["AUS", "CHN"])]``: partitions that
        cannot match are never opened.
    bbox
        ``(xmin, ymin, xmax, ymax)`` in degrees: only features whose bounding box meets it,
        read through the ``bbox`` covering column (row groups outside it are skipped).
    nested
        Columns that hold lists or objects as JSON text, decoded on reading
        (``layers.schema.NESTED_PROPERTIES`` for reemap's layers).
    columns
        Layer name -> the column order to restore (``layers.models.layer_fields``); other
        columns follow in the files' order.

    Returns
    -------
    dict
        Layer name -> features (raw: lists decoded from JSON text, not validated), with
        the ``layer`` and partition columns restored as text.

    Raises
    ------
    InputError
        When the folder or a requested layer is missing, or a file cannot be read.
    """
    base = Path(root)
    if not base.is_dir():
        raise InputError(f"{base}: no such partitioned dataset (a folder)")
    names = list(layers) if layers is not None else _layers_in(base)
    out: dict[str, gpd.GeoDataFrame] = {}
    for name in names:
        folder = layer_folder(base, name)
        if not folder.is_dir():
            raise InputError(f"{base}: no layer {name!r} (folders: {', '.join(_layers_in(base))})")
        try:
            # keys as plain text (Hive's null folder and %-escapes decoded by pyarrow)
            hive = pads.HivePartitioning.discover(infer_dictionary=False)
            frame = gpd.read_parquet(folder, filters=_expression(filters), bbox=bbox,
                                     partitioning=hive)
        except Exception as exc:  # Arrow raises many types for bad files
            message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise InputError(f"{folder}: cannot read as GeoParquet ({message})") from None
        keys = {p.name.split("=", 1)[0] for p in folder.iterdir() if p.is_dir() and "=" in p.name}
        out[name] = _restored(frame, name, keys, nested=nested,
                              order=(columns or {}).get(name, ()))
    return out


def _expression(filters: list[tuple[str, str, object]] | None) -> object:
    """pyarrow's filter tuples as one expression (geopandas ANDs it with a bbox filter)."""
    return pq.filters_to_expression(filters) if filters else None


def _restored(frame: gpd.GeoDataFrame, layer: str, keys: set[str], *, nested: Collection[str],
              order: Sequence[str]) -> gpd.GeoDataFrame:
    data = _decoded(pd.DataFrame(frame.drop(columns=frame.geometry.name)), nested)
    for column in data.columns:
        if column in keys:  # a partition key: text, whatever pyarrow inferred
            data[column] = data[column].astype("str")
    data["layer"] = layer
    known = [c for c in order if c in data.columns]
    ordered = known + [c for c in data.columns if c not in known]
    return gpd.GeoDataFrame(data[ordered], geometry=frame.geometry.values, crs=frame.crs)

