"""Writing layers to GeoJSON, GeoPackage, CSV and GeoParquet, atomically.

Every file is first written beside its destination under a temporary name and moved into
place only when all of them are complete: a failed run leaves no partial file and never
replaces a good one.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyogrio
import shapely

from geo.atomic import staged
from geo.errors import InputError
from geo.flat import flatten
from geo.geojson import geojson_parts
from geo.geoparquet import write_geoparquet_file
from geo.heap import collector_paused

__all__ = [
    "EXTENSIONS",
    "check_output",
    "export_bytes",
    "flatten",
    "format_for",
    "geometry_options",
    "neutralise_formulas",
    "output_paths",
    "write_gpkg_table",
    "write_layers",
]

#: Format name -> file extension.
EXTENSIONS: dict[str, str] = {
    "geojson": ".geojson",
    "gpkg": ".gpkg",
    "csv": ".csv",
    "parquet": ".parquet",
}
_BY_EXTENSION = {v: k for k, v in EXTENSIONS.items()} | {".json": "geojson"}
_SAFE_NAME = re.compile(r"[a-z0-9]+(?:[-_][a-z0-9]+)*")


def format_for(path: Path, fmt: str | None) -> str:
    """Return the output format: the one asked for, else the path's extension, else GeoJSON."""
    if fmt is not None:
        if fmt not in EXTENSIONS:
            raise InputError(f"unknown format {fmt!r}; use one of {', '.join(EXTENSIONS)}")
        return fmt
    return _BY_EXTENSION.get(path.suffix.lower(), "geojson")


def output_paths(path: Path, layers: list[str], fmt: str) -> dict[str, Path]:
    """Map each layer to the file it goes to (design.md's export contract).

    One layer writes one file at ``path``; several layers write ``path/NAME.EXT``, except
    GeoPackage, where one file at ``path`` holds them all as layers.
    """
    for name in layers:  # names become file names: a slug never leaves the folder
        if not _SAFE_NAME.fullmatch(name):
            raise InputError(f"layer name {name!r} cannot be a file name (use a slug)")
    if len(layers) == 1 or fmt == "gpkg":
        return dict.fromkeys(layers, path)
    return {name: path / f"{name}{EXTENSIONS[fmt]}" for name in layers}


def _geometry_type(gdf: gpd.GeoDataFrame) -> str:
    types = set(gdf.geometry.dropna().geom_type)
    if not types:
        return "Unknown"
    if types <= {"LineString", "MultiLineString"}:
        return "MultiLineString" if "MultiLineString" in types else "LineString"
    if types <= {"Polygon", "MultiPolygon"}:
        return "MultiPolygon" if "MultiPolygon" in types else "Polygon"
    return types.pop() if len(types) == 1 else "Unknown"


#: A cell starting with one of these is a formula to a spreadsheet (OWASP, CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formulas(table: pd.DataFrame) -> pd.DataFrame:
    """A copy where text cells (and headers) a spreadsheet would run get a leading ``'``.

    OWASP's advice for CSV injection: a cell starting with ``=``, ``+``, ``-``, ``@``, tab
    or carriage return is prefixed with an apostrophe, so it shows as text. Numbers are
    left alone (``-12.5`` stays a number).
    """
    out = table.copy()
    out.columns = [_inert(c) for c in out.columns]
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = [_inert(v) for v in out[column]]
    return out


def _inert(value: Any) -> Any:
    return "'" + value if isinstance(value, str) and value.startswith(_FORMULA_START) else value


def _write_csv(gdf: gpd.GeoDataFrame, target: Path) -> None:
    flat = flatten(gdf)
    table = neutralise_formulas(pd.DataFrame(flat.drop(columns=flat.geometry.name)))
    table["geometry"] = shapely.to_wkt(np.asarray(flat.geometry.values), rounding_precision=-1)
    table.to_csv(target, index=False, encoding="utf-8")


def _write_gpkg(frames: Mapping[str, gpd.GeoDataFrame], target: Path) -> None:
    for name, gdf in frames.items():
        write_gpkg_table(
            flatten(gdf),
            target,
            layer=name,
            geometry_type=_geometry_type(gdf),
            append=target.exists() and target.stat().st_size > 0,
        )


def geometry_options(gdf: gpd.GeoDataFrame) -> dict[str, Any]:
    """The GeoPackage geometry type pyogrio gives ``gdf`` as a whole (and whether single
    parts are made multi), to write it in slices that all agree with it."""
    geoms = gdf.geometry
    types = set(geoms.dropna().geom_type)
    multi = {frozenset({"Polygon", "MultiPolygon"}): "MultiPolygon",
             frozenset({"LineString", "MultiLineString"}): "MultiLineString",
             frozenset({"Point", "MultiPoint"}): "MultiPoint"}.get(frozenset(types))
    kind = types.pop() if len(types) == 1 else multi or "Unknown"
    present = geoms[geoms.notna() & ~geoms.is_empty]
    if kind != "Unknown" and bool(present.has_z.any()):
        kind = f"{kind} Z"
    return {"geometry_type": kind, "promote_to_multi": multi is not None}


def write_gpkg_table(flat: gpd.GeoDataFrame, target: Path, *, layer: str,
                     geometry_type: str | None = None, append: bool = False,
                     layer_options: dict[str, str] | None = None,
                     promote_to_multi: bool | None = None) -> None:
    """Write a flat frame (:func:`geo.flat.flatten`) as one GeoPackage table.

    Through GDAL's Arrow interface (``use_arrow=True``), about three times as fast as
    pyogrio's feature-by-feature write for the same table; a frame Arrow cannot convert
    (a column of mixed types) is written feature by feature instead. Arrow converts the
    whole frame before GDAL creates the table, so the fallback never meets a half-written
    one.
    """
    options: dict[str, Any] = {"layer": layer, "driver": "GPKG", "append": append}
    if geometry_type is not None:
        options["geometry_type"] = geometry_type
    if layer_options:
        options["layer_options"] = layer_options
    if promote_to_multi is not None:
        options["promote_to_multi"] = promote_to_multi
    try:
        pyogrio.write_dataframe(flat, target, use_arrow=True, **options)
    except pa.ArrowException:
        pyogrio.write_dataframe(flat, target, use_arrow=False, **options)


def export_bytes(gdf: gpd.GeoDataFrame, fmt: str, *, layer: str) -> bytes:
    """Return one layer encoded in ``fmt``: the bytes ``write_layers`` writes for it."""
    with tempfile.TemporaryDirectory(prefix="reemap-") as tmp:
        target = Path(tmp) / f"{layer}{EXTENSIONS[fmt]}"
        write_layers({layer: gdf}, target, fmt=fmt)
        return target.read_bytes()


def _targets(path: str | Path, layers: list[str], fmt: str) -> dict[str, Path]:
    """Where each layer goes; an existing folder or a path ending in ``/`` is a folder."""
    base = Path(path)
    into_folder = str(path).endswith(("/", os.sep)) or base.is_dir()
    if into_folder and len(layers) == 1:  # `--output out/`: the file goes into the folder
        targets = output_paths(base / f"{layers[0]}{EXTENSIONS[fmt]}", layers, fmt)
    elif into_folder and fmt == "gpkg":
        targets = output_paths(base / "reemap.gpkg", layers, fmt)
    else:
        targets = output_paths(base, layers, fmt)
    if len(set(targets.values())) > 1 and base.exists() and not base.is_dir():
        raise InputError(f"{base}: several layers go to a folder, but this is a file")
    for final in set(targets.values()):
        check_output(final)
    return targets


def check_output(final: Path) -> None:
    """Refuse an output that exists and is not a regular file (a device, a pipe, a folder)."""
    if final.parent.exists() and not final.parent.is_dir():
        raise InputError(f"{final.parent}: not a folder, so {final.name} cannot go into it")
    try:
        mode = final.stat().st_mode  # follows a symlink to what it names
    except FileNotFoundError:
        if final.is_symlink():
            raise InputError(f"{final}: a broken symbolic link; pick another output") from None
        return
    if stat.S_ISDIR(mode):
        raise InputError(f"{final}: a folder is in the way of the file to write")
    if not stat.S_ISREG(mode):
        raise InputError(
            f"{final}: exists and is not a regular file (a device or a pipe); "
            "pick another output"
        )


@collector_paused()
def write_layers(
    frames: Mapping[str, gpd.GeoDataFrame], path: str | Path, *, fmt: str | None = None
) -> list[Path]:
    """Write layers to ``path`` in one format, atomically.

    Parameters
    ----------
    frames
        Layer name -> features in EPSG:4326.
    path
        A file (one layer, or a GeoPackage) or a folder (several layers).
    fmt
        ``geojson``, ``gpkg``, ``csv`` or ``parquet``; from the extension when omitted.

    Returns
    -------
    list of Path
        The files written.
    """
    base = Path(path)
    fmt = format_for(base, fmt)
    if not frames:
        raise InputError("nothing to export: no layer selected")
    targets = _targets(path, list(frames), fmt)
    written: list[Path] = []
    # Every file is staged; all move into place when the last is complete (ExitStack).
    with contextlib.ExitStack() as stack:
        if fmt == "gpkg":
            final = next(iter(targets.values()))
            _write_gpkg(frames, stack.enter_context(staged(final)))
            written.append(final)
        else:
            for name, final in targets.items():
                tmp = stack.enter_context(staged(final))
                gdf = frames[name]
                if fmt == "geojson":
                    with tmp.open("wb") as out:  # as encoded: one chunk in memory at a time
                        out.writelines(geojson_parts(gdf))
                elif fmt == "csv":
                    _write_csv(gdf, tmp)
                else:
                    write_geoparquet_file(gdf, tmp)
                written.append(final)
    return written
