"""Users' own layers: read any supported format, reproject, validate, label and store.

The flow is ``geo.io.read_features`` (GeoJSON, GeoPackage, zipped Shapefile, CSV with
lon/lat or WKT, GeoParquet, KML) -> ``layers.validate.validate_frame`` (the one validator
``reemap validate`` uses too; it reprojects to EPSG:4326 and refuses projected coordinates
without a CRS) -> ``geo.store.write_layer`` under the user's label.

Sources are never invented. A user's file without ``sources``/``as_of`` is refused unless
the user states them at import (:class:`UserClaim`); features so filled carry
``sources_given_at_import = true`` so every export shows the figures as the user's claim.

Imported features join the curated layers in ``layers.catalog.merge_imported``.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from geo import settings
from geo import store as geo_store
from geo.errors import DataError, InputError, Problem
from geo.io import layer_names, read_features
from layers.catalog import infer_layer
from layers.models import MODELS
from layers.schema import NESTED_PROPERTIES
from layers.validate import validate_frame

__all__ = [
    "CLAIM_FLAG",
    "UserClaim",
    "check_file",
    "import_bytes",
    "import_file",
]

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
