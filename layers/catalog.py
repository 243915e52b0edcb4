"""Loading the curated layers and users' imported ones into typed GeoDataFrames in EPSG:4326.

Imported features join the curated layers in :func:`merge_imported`: each keeps its layer,
gains ``source_label``, and its id becomes ``LABEL--id``. Curated ids are slugs, which never
hold ``--``, so imported ids can collide neither with them nor with each other.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa

from geo import settings
from geo import store as geo_store
from geo.errors import DataError, InputError, one_line
from geo.heap import collector_paused
from geo.io import read_features
from layers.models import MODELS, layer_fields, schema_version
from layers.ownership import OwnershipGraph
from layers.ownership_files import load_graph
from layers.schema import AS_PUBLISHED_LAYERS, LAYERS, NESTED_PROPERTIES
from layers.validate import typed_frame, validate_frame

__all__ = [
    "ID_SEPARATOR",
    "LAYER_FILES",
    "Dataset",
    "Imported",
    "StoreWarning",
    "empty_layer",
    "infer_layer",
    "layer_path",
    "load_dataset",
    "load_imported",
    "load_layer",
    "load_layers",
    "merge_imported",
    "merge_parts",
    "read_imported",
]

#: Joins a label and a feature id: ``my-sites--norra-karr``.
ID_SEPARATOR = "--"
#: The file that holds each curated layer, under the data folder.
LAYER_FILES: dict[str, str] = {name: f"{name}.geojson" for name in LAYERS}


def layer_path(layer: str, data_dir: Path | None = None) -> Path:
    """Return the curated file of a layer."""
    return (data_dir or settings.DATA_DIR) / LAYER_FILES[layer]


def empty_layer(layer: str) -> gpd.GeoDataFrame:
    """Return a layer with no features but every schema column."""
    return gpd.GeoDataFrame(columns=list(layer_fields(layer)), geometry=[], crs=settings.WGS84)


def infer_layer(path: Path, raw: gpd.GeoDataFrame) -> str:
    """Guess a file's layer: from its ``layer`` property when all features agree, else its name.

    Raises
    ------
    InputError
        When neither tells; the user then names it with ``--layer``.
    """
    if "layer" in raw.columns:
        values = set(raw["layer"].dropna())
        if len(values) == 1 and (value := values.pop()) in MODELS:
            return str(value)
    if path.stem in MODELS:
        return path.stem
    raise InputError(f"{path}: cannot tell the layer; name it with --layer ({', '.join(MODELS)})")


def load_layer(
    layer: str, path: str | Path | None = None, *, data_dir: Path | None = None
) -> gpd.GeoDataFrame:
    """Read and validate one layer.

    Parameters
    ----------
    layer
        The layer name (``mines``, ``refineries``, ``seabed``, ``routes``, ``ports``,
        ``chokepoints``).
    path
        A file to read; the curated file of the layer when omitted.
    data_dir
        The data folder for the curated file (``settings.DATA_DIR`` when omitted).

    Returns
    -------
    GeoDataFrame
        Typed, in EPSG:4326, one column per schema property.

    Raises
    ------
    InputError
        The file cannot be read.
    DataError
        The file breaks the schema; every problem is listed.
    """
    if layer not in MODELS:
        raise InputError(f"unknown layer {layer!r}; layers are {', '.join(MODELS)}")
    p = Path(path) if path is not None else layer_path(layer, data_dir)
    raw = read_features(p, nested=NESTED_PROPERTIES)
    return validate_frame(
        raw, layer, label=str(p), check_countries=layer not in AS_PUBLISHED_LAYERS
    )


def load_layers(
    names: tuple[str, ...] | None = None, *, data_dir: Path | None = None
) -> dict[str, gpd.GeoDataFrame]:
    """Load the curated layers that exist (every layer when ``names`` is omitted).

    A layer whose file is absent comes back empty, so that every caller sees every layer.
    """
    out: dict[str, gpd.GeoDataFrame] = {}
    for name in names or LAYERS:
        path = layer_path(name, data_dir)
        out[name] = load_layer(name, path) if path.exists() else empty_layer(name)
    return out


@dataclass(frozen=True)
class Dataset:
    """Every layer and the ownership graph over them."""

    frames: dict[str, gpd.GeoDataFrame]
    graph: OwnershipGraph
    #: Imported tables left out because they cannot be read or break their schema:
    #: label -> one line saying why (:attr:`Imported.broken`).
    broken_imports: dict[str, str] = field(default_factory=dict)


def load_dataset(
    data_dir: Path | None = None, *, include_store: bool = False, store: Path | None = None
) -> Dataset:
    """Load every curated layer and build the ownership graph over them.

    Parameters
    ----------
    data_dir
        The data folder (``settings.DATA_DIR`` when omitted).
    include_store
        Add users' imported layers (:func:`merge_imported`): each feature keeps
        its layer, gains ``source_label``, and its id becomes ``LABEL--id``. A table that
        cannot be read is left out and named in ``Dataset.broken_imports``.
    store
        The store file (``settings.STORE_PATH`` when omitted).
    """
    frames = load_layers(data_dir=data_dir)
    broken: dict[str, str] = {}
    if include_store:
        imported = read_imported(store)
        frames = merge_parts(frames, imported.frames)
        broken = imported.broken
    return Dataset(
        frames=frames, graph=load_graph(frames, data_dir=data_dir), broken_imports=broken
    )


class StoreWarning(UserWarning):
    """An imported table did not match its seal and was validated again."""


@dataclass(frozen=True)
class Imported:
    """The imported tables that can be shown, and those that cannot.

    Parameters
    ----------
    frames
        Layer -> the typed, namespaced tables of that layer.
    broken
        Label -> one line saying why that table cannot be shown (``"(store)"`` when the
        store itself cannot be read). The other tables are shown all the same, and a
        broken one can still be deleted.
    """

    frames: dict[str, list[gpd.GeoDataFrame]]
    broken: dict[str, str]


@collector_paused()
def read_imported(store: Path | None = None) -> Imported:
    """Every imported table, typed and namespaced; a broken table is reported, not raised.

    Each frame has ``source_label`` and ids ``LABEL--id``. Rows were validated at import
    and sealed (schema version, checksum): a table that still matches its seal is typed
    without validating again. One that does not (a hand-edited store, an older schema) is
    validated again, without the country check: when it passes, a :class:`StoreWarning`
    says so in one line; when it breaks the schema it is left out and named in
    ``broken``, so a hand-edited store is reported rather than drawn, and one bad table
    never hides the others.
    """
    frames: dict[str, list[gpd.GeoDataFrame]] = {}
    broken: dict[str, str] = {}
    where = store or settings.STORE_PATH
    try:
        entries = geo_store.list_layers(store)
    except InputError as exc:
        return Imported(frames, {"(store)": one_line(str(exc))})
    for entry in entries:
        try:
            if entry.layer not in MODELS:
                raise InputError(f"{where}#{entry.label}: unknown layer {entry.layer!r}")
            typed = _typed_table(entry, store, f"{where}#{entry.label}")
        except DataError as exc:
            more = f" (and {len(exc.problems) - 1} more)" if len(exc.problems) > 1 else ""
            broken[entry.label] = f"{exc.problems[0]}{more}"
            continue
        except InputError as exc:
            broken[entry.label] = one_line(str(exc))
            continue
        typed["id"] = f"{entry.label}{ID_SEPARATOR}" + typed["id"].astype("str")
        typed["source_label"] = entry.label
        frames.setdefault(entry.layer, []).append(typed)
    return Imported(frames, broken)


def _typed_table(entry: geo_store.StoredLayer, store: Path | None, where: str
                 ) -> gpd.GeoDataFrame:
    """One imported table typed: as sealed (no validation), or validated again."""
    flat, checksum = geo_store.read_table(entry.label, store=store)
    raw = geo_store.decode_json(flat, NESTED_PROPERTIES)
    current = schema_version(entry.layer)
    if entry.schema == current and entry.checksum == checksum:
        return typed_frame(raw, entry.layer)
    typed = validate_frame(raw, entry.layer, label=where, check_countries=False)
    # said once it passed: a table that breaks the schema is named as left out instead
    why = ("its rows changed since they were validated" if entry.checksum and
           entry.schema == current else
           "it was validated under another schema version or not sealed")
    warnings.warn(f"{where}: {why}; validated again (re-import it to seal it)",
                  StoreWarning, stacklevel=3)
    return typed


def load_imported(store: Path | None = None) -> dict[str, list[gpd.GeoDataFrame]]:
    """The imported tables that can be shown, grouped by layer (:func:`read_imported`)."""
    return read_imported(store).frames


def merge_imported(
    frames: Mapping[str, gpd.GeoDataFrame], *, store: Path | None = None
) -> dict[str, gpd.GeoDataFrame]:
    """Return the curated layers with the imported features appended (inputs unchanged).

    Curated features get ``source_label = None`` in layers that hold imported ones.
    """
    return merge_parts(frames, load_imported(store))


def merge_parts(
    frames: Mapping[str, gpd.GeoDataFrame], imported: Mapping[str, list[gpd.GeoDataFrame]]
) -> dict[str, gpd.GeoDataFrame]:
    """The curated layers with imported tables (:attr:`Imported.frames`) appended."""
    out = dict(frames)
    for layer, parts in imported.items():
        base = frames.get(layer)
        pieces = [p for p in ([base] if base is not None else []) + parts if len(p)]
        merged = pd.concat(pieces, ignore_index=True) if pieces else parts[0]
        merged = gpd.GeoDataFrame(merged, geometry="geometry", crs=settings.WGS84)
        shared = set(base.columns) if base is not None else set()
        for column in set(merged.columns) - shared:  # absent in curated rows: None, not NaN
            if column != "geometry":
                merged[column] = _objects_with_none(merged[column])
        out[layer] = _one_chunk(merged)
    return out


def _objects_with_none(column: pd.Series) -> pd.Series:
    """The column as Python objects, missing values None; equal texts one object (a
    label on a million rows is one string, not a million copies of it)."""
    if column.dtype == object or not pd.api.types.is_string_dtype(column.dtype):
        return column.astype(object).where(column.notna(), None)
    codes, distinct = pd.factorize(column)
    values = np.empty(len(distinct) + 1, dtype=object)  # the last one: None, for code -1
    values[:-1] = np.asarray(distinct, dtype=object)
    return pd.Series(values[codes], index=column.index, name=column.name, dtype=object)


def _one_chunk(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The frame with each Arrow-backed column in one chunk (in place; returned).

    Appending leaves a text column in as many chunks as the parts; Arrow's ``take`` across
    chunks first joins them, so every selection of a million rows would copy each such
    column whole (a filter change at 1M: about 5 ms a column, instead of 1).
    """
    for column in frame.columns:
        array = frame[column].array
        if not isinstance(array, pd.arrays.ArrowExtensionArray):
            continue
        chunked = array.__arrow_array__()
        if isinstance(chunked, pa.ChunkedArray) and chunked.num_chunks > 1:
            joined = pa.chunked_array([chunked.combine_chunks()], type=chunked.type)
            frame[column] = pd.Series(pd.array(joined, dtype=array.dtype), index=frame.index,
                                      name=column)
    return frame
