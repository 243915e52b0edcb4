"""Users' own layers: read any supported format, reproject, validate, label and store.

The flow is ``geo.io.read_features`` (GeoJSON, GeoPackage, zipped Shapefile, CSV with
lon/lat or WKT, GeoParquet, KML) -> ``layers.validate.validate_frame`` (the one validator
``reemap validate`` uses too; it reprojects to EPSG:4326 and refuses projected coordinates
without a CRS) -> ``geo.store.write_layer`` under the user's label.

Sources are never invented. A user's file without ``sources``/``as_of`` is refused unless
the user states them at import (:class:`UserClaim`); features so filled carry
``sources_given_at_import = true`` so every export shows the figures as the user's claim.

Imported features join the curated layers in :func:`merge_imported`: each keeps its layer,
gains ``source_label``, and its id becomes ``LABEL--id``. Curated ids are slugs, which never
hold ``--``, so imported ids can collide neither with them nor with each other.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from geo import store as geo_store
from geo.io import layer_names, read_features
from layers.catalog import infer_layer
from layers.models import MODELS
from layers.schema import NESTED_PROPERTIES
from layers.validate import validate_frame
from reemap import settings
from reemap.errors import DataError, InputError, Problem, one_line

__all__ = [
    "CLAIM_FLAG",
    "ID_SEPARATOR",
    "Imported",
    "UserClaim",
    "check_file",
    "import_bytes",
    "import_file",
    "load_imported",
    "merge_imported",
    "merge_parts",
    "read_imported",
]

#: Joins a label and a feature id: ``my-sites--norra-karr``.
ID_SEPARATOR = "--"
#: The property marking features whose sources and as_of the user gave at import.
CLAIM_FLAG = "sources_given_at_import"


@dataclass(frozen=True)
class UserClaim:
    """Sources and date a user states for a file whose features carry none.

    Parameters
    ----------
    title
        What the figures come from, in the user's words (e.g. "Own survey 2025").
    as_of
        The ISO date the figures describe; also the source's date.
    url
        An http(s) link to the source, when there is one.
    """

    title: str
    as_of: str
    url: str | None = None

    def source(self) -> dict[str, Any]:
        """The ``sources`` entry this claim stands for."""
        return {"title": self.title, "url": self.url, "date": self.as_of}


def _missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and pd.isna(value):
        return True
    return isinstance(value, list | tuple) and len(value) == 0


def _with_claim(raw: gpd.GeoDataFrame, claim: UserClaim) -> gpd.GeoDataFrame:
    """A copy where features lacking sources or as_of get the claim's, flagged as such."""
    out = raw.copy()
    n = len(out)
    sources = list(out["sources"]) if "sources" in out.columns else [None] * n
    as_of = list(out["as_of"]) if "as_of" in out.columns else [None] * n
    flags = []
    for i in range(n):
        filled = False
        if _missing(sources[i]):
            sources[i] = [claim.source()]
            filled = True
        if _missing(as_of[i]):
            as_of[i] = claim.as_of
            filled = True
        flags.append(filled)
    out["sources"] = pd.Series(sources, index=out.index, dtype=object)
    out["as_of"] = pd.Series(as_of, index=out.index, dtype=object)
    out[CLAIM_FLAG] = flags
    return out


def check_file(
    path: str | Path,
    *,
    layer: str | None = None,
    source_layer: str | None = None,
    claim: UserClaim | None = None,
    max_bytes: int = settings.MAX_INPUT_BYTES,
) -> tuple[gpd.GeoDataFrame, str]:
    """Read and validate a user's file as an import would: ``reemap validate`` and
    :func:`import_file` share this one path, so they accept and refuse the same files.

    Returns
    -------
    GeoDataFrame, str
        The typed features in EPSG:4326 and the layer they were validated as.

    Raises
    ------
    InputError
        An unknown layer, an unreadable file, or several layers without ``source_layer``.
    DataError
        The features break the layer's schema (every problem listed).
    """
    p = Path(path)
    if layer is not None and layer not in MODELS:
        raise InputError(f"unknown layer {layer!r}; layers are {', '.join(MODELS)}")
    small = p.is_file() and p.stat().st_size <= max_bytes  # else read_features refuses it
    names = layer_names(p) if source_layer is None and small else []
    if len(names) > 1:
        raise InputError(
            f"{p}: the file holds {len(names)} layers ({', '.join(names[:10])}"
            f"{', ...' if len(names) > 10 else ''}); name the one to read (--source-layer)"
        )
    raw = read_features(p, layer=source_layer, nested=NESTED_PROPERTIES, max_bytes=max_bytes)
    if len(raw) == 0:
        raise InputError(f"{p}: the file holds no features")
    layer = layer or infer_layer(p, raw)
    if claim is not None:
        raw = _with_claim(raw, claim)
    return validate_frame(raw, layer, label=str(p)), layer


def import_file(
    path: str | Path,
    *,
    label: str,
    layer: str | None = None,
    source_layer: str | None = None,
    claim: UserClaim | None = None,
    store: Path | None = None,
    replace: bool = False,
    max_bytes: int = settings.MAX_INPUT_BYTES,
) -> geo_store.StoredLayer:
    """Read, validate (:func:`check_file`) and store a user's file under ``label``.

    Parameters
    ----------
    path
        Any format ``geo.io.read_features`` reads.
    label
        The name the layer is kept and shown under (a slug).
    layer
        The layer whose schema applies; from the file's ``layer`` property or name when
        omitted.
    source_layer
        The layer to read inside a GeoPackage (or the shapefile inside a zip) that holds
        several (required then).
    claim
        Sources and date for features that carry none (the user's own claim).
    store
        The store file (``settings.STORE_PATH`` when omitted).
    replace
        Replace an imported layer of the same label.
    max_bytes
        Larger files are refused before they are read.

    Returns
    -------
    StoredLayer
        The table written.

    Raises
    ------
    InputError
        A bad label or layer, an unreadable file, or an existing label.
    DataError
        The features break the layer's schema (every problem listed); nothing is stored.
    """
    geo_store.check_label(label)
    p = Path(path)
    typed, layer = check_file(
        p, layer=layer, source_layer=source_layer, claim=claim, max_bytes=max_bytes
    )
    record = {
        "layer": layer,
        "file": p.name,
        "imported_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    return geo_store.write_layer(label, typed, record=record, store=store, replace=replace)


def import_bytes(
    data: bytes,
    *,
    filename: str,
    label: str,
    layer: str | None = None,
    claim: UserClaim | None = None,
    store: Path | None = None,
    replace: bool = False,
    max_bytes: int = settings.MAX_INPUT_BYTES,
) -> geo_store.StoredLayer:
    """Import an uploaded file's bytes: :func:`import_file` on a private temporary copy.

    Only the upload's base name is used (``../../x.geojson`` becomes ``x.geojson``, inside a
    fresh temporary folder), messages name it as the user knows it, and the copy is removed
    whatever happens. Parameters and errors are :func:`import_file`'s; ``filename`` is the
    name the user uploaded.
    """
    name = Path(filename.replace("\\", "/")).name
    if name in ("", ".", ".."):
        name = "upload"
    # the copy's own name: plain characters only (GDAL reads ':' as a driver prefix)
    stem, suffix = Path(name).stem, Path(name).suffix
    safe = (re.sub(r"[^A-Za-z0-9._-]", "_", stem)[:64] or "upload") + suffix[:12].lower()
    if len(data) > max_bytes:
        raise InputError(
            f"{name}: {len(data) / 1e6:.1f} MB is over the {max_bytes / 1e6:.0f} MB limit"
        )
    with tempfile.TemporaryDirectory(prefix="reemap-upload-") as tmp:
        path = Path(tmp) / safe
        path.write_bytes(data)
        try:
            return import_file(
                path,
                label=label,
                layer=layer,
                claim=claim,
                store=store,
                replace=replace,
                max_bytes=max_bytes,
            )
        except DataError as exc:
            raise DataError(_renamed(p, name, str(path)) for p in exc.problems) from None
        except InputError as exc:
            raise InputError(str(exc).replace(str(path), name)) from None


def _renamed(problem: Problem, path: str, tmp: str) -> Problem:
    """The same problem, reported against another file name."""
    return Problem(path, problem.feature, problem.message.replace(tmp, path))


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


def read_imported(store: Path | None = None) -> Imported:
    """Every imported table, typed and namespaced; a broken table is reported, not raised.

    Each frame has ``source_label`` and ids ``LABEL--id``. The tables were validated at
    import; they are validated again here (without the country check) so a hand-edited
    store is reported rather than drawn.
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
            raw = geo_store.read_layer(entry.label, nested=NESTED_PROPERTIES, store=store)
            typed = validate_frame(
                raw, entry.layer, label=f"{where}#{entry.label}", check_countries=False
            )
        except DataError as exc:
            more = f" (and {len(exc.problems) - 1} more)" if len(exc.problems) > 1 else ""
            broken[entry.label] = f"{exc.problems[0]}{more}"
            continue
        except InputError as exc:
            broken[entry.label] = one_line(str(exc))
            continue
        typed["id"] = [f"{entry.label}{ID_SEPARATOR}{fid}" for fid in typed["id"]]
        typed["source_label"] = entry.label
        frames.setdefault(entry.layer, []).append(typed)
    return Imported(frames, broken)


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
                merged[column] = merged[column].astype(object).where(merged[column].notna(), None)
        out[layer] = merged
    return out
