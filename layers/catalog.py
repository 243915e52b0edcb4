"""Loading the curated layers (and users' files) into typed GeoDataFrames in EPSG:4326."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd

from geo.io import read_features
from layers.models import MODELS, layer_fields
from layers.ownership import OwnershipGraph, load_graph
from layers.schema import LAYERS, NESTED_PROPERTIES
from layers.validate import validate_frame
from reemap import settings
from reemap.errors import InputError

__all__ = [
    "LAYER_FILES",
    "Dataset",
    "empty_layer",
    "infer_layer",
    "layer_path",
    "load_dataset",
    "load_layer",
    "load_layers",
]

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
    return validate_frame(raw, layer, label=str(p))


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
    #: label -> one line saying why (``layers.imports.Imported.broken``).
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
        Add users' imported layers (``layers.imports.merge_imported``): each feature keeps
        its layer, gains ``source_label``, and its id becomes ``LABEL--id``. A table that
        cannot be read is left out and named in ``Dataset.broken_imports``.
    store
        The store file (``settings.STORE_PATH`` when omitted).
    """
    frames = load_layers(data_dir=data_dir)
    broken: dict[str, str] = {}
    if include_store:
        from layers.imports import merge_parts, read_imported  # imports builds on this module

        imported = read_imported(store)
        frames = merge_parts(frames, imported.frames)
        broken = imported.broken
    return Dataset(
        frames=frames, graph=load_graph(frames, data_dir=data_dir), broken_imports=broken
    )
