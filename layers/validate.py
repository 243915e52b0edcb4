"""Checking a raw frame against its layer schema, collecting every problem before raising.

The one validator behind loading the curated data, ``reemap validate`` and users' imports.
It reports, per feature, the field and what is wrong: schema errors from the pydantic
models, geometry that is missing, of the wrong type, invalid or out of range, points that
fall outside their country, and duplicate ids.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pydantic import ValidationError

from geo import settings
from geo.coords import country_mismatches, out_of_range, to_wgs84
from geo.errors import DataError, Problem
from geo.guard import excerpt
from geo.heap import collector_paused
from geo.io import read_features
from geo.nesting import value_depth
from layers.models import MODELS, Feature, number_fields
from layers.schema import GEOMETRY_TYPES, INTEGER_FIELDS, OFFSHORE_LAYERS
from layers.screens import (
    clean_value,
    cleaned,
    duplicate_ids,
    feature_labels,
    geometry_suspects,
    screen,
    unchecked,
)

__all__ = [
    "clean_value",
    "country_outlines",
    "typed_frame",
    "validate_frame",
    "validate_rows",
]


@cache
def country_outlines() -> gpd.GeoDataFrame:
    """The Natural Earth 1:110m country outlines bundled in ``data/countries.geojson``.

    A data folder of its own (``REEMAP_DATA_DIR``) may hold its own outlines; without
    them, the bundled ones apply.
    """
    own = settings.DATA_DIR / "countries.geojson"
    bundled = own if own.exists() else settings.ROOT / "data" / "countries.geojson"
    return read_features(bundled, max_bytes=2**63 - 1)  # ours: the users' file limit is moot


def pydantic_messages(exc: ValidationError) -> list[str]:
    out = []
    for err in exc.errors(include_url=False):
        loc = ".".join(str(part) for part in err["loc"])
        msg = err["msg"].removeprefix("Value error, ")
        value = err.get("input")
        if err["type"] != "value_error" and isinstance(value, str | int | float | bool):
            shown = repr(value)
            msg += f", got {shown if len(shown) <= 40 else shown[:37] + '...'}"
        out.append(f"{loc}: {msg}" if loc else msg)
    return out


#: Control characters no text may hold (tab, line feed and carriage return are allowed):
#: a NUL cuts a GeoPackage text short, the others corrupt terminals and spreadsheets.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
#: Property names the store and the exporters keep for themselves (case-insensitive).
RESERVED_PROPERTIES = frozenset({"fid", "geom", "geometry", "source_label"})
_MAX_NAME = 64


def property_name_problems(columns: list[str]) -> list[str]:
    """Why a file's property names cannot be kept (reserved, clashing, control characters)."""
    out = []
    seen: dict[str, str] = {}
    for column in columns:
        name = str(column)
        shown = excerpt(name, 40)
        if not name.strip() or _CONTROL.search(name) or len(name) > _MAX_NAME:
            out.append(
                f"property {shown!r}: a name must be 1-{_MAX_NAME} characters, no control "
                "characters; rename it"
            )
        elif name.lower() in RESERVED_PROPERTIES:
            out.append(f"property {shown!r}: the name is reserved by reemap's store; rename it")
        folded = name.casefold()
        if folded in seen:
            out.append(
                f"property {shown!r}: differs from {excerpt(seen[folded], 40)!r} only in case "
                "(a GeoPackage keeps one); rename one of them"
            )
        seen.setdefault(folded, name)
    return out


def value_problems(props: dict[str, Any]) -> list[str]:
    """Control characters in any text, and values nested too deep (lists, objects)."""
    out = []
    for key, value in props.items():
        if isinstance(value, str):
            if match := _CONTROL.search(value):
                out.append(f"{key}: holds a control character ({match.group()!r}); remove it")
            continue
        if not isinstance(value, list | dict | tuple):
            continue
        if value_depth(value, settings.MAX_NESTING) > settings.MAX_NESTING:
            out.append(f"{key}: nested more than {settings.MAX_NESTING} levels deep")
            continue
        stack: list[Any] = [value]
        while stack:
            item = stack.pop()
            if isinstance(item, str) and (match := _CONTROL.search(item)):
                out.append(f"{key}: holds a control character ({match.group()!r}); remove it")
                break
            if isinstance(item, dict):
                stack.extend(item.keys())
                stack.extend(item.values())
            elif isinstance(item, list | tuple):
                stack.extend(item)
    return out


def _geometry_problem(geom: Any, allowed: frozenset[str]) -> str | None:
    if geom is None or shapely.is_missing(geom):
        return "geometry: missing (null)"
    if geom.is_empty:
        return "geometry: empty"
    if geom.geom_type not in allowed:
        return f"geometry: {geom.geom_type}, but this layer holds {' or '.join(sorted(allowed))}"
    if not geom.is_valid:
        return f"geometry: invalid ({shapely.is_valid_reason(geom)})"
    return None


@collector_paused()
def validate_frame(
    raw: gpd.GeoDataFrame,
    layer: str,
    *,
    label: str,
    check_countries: bool = True,
) -> gpd.GeoDataFrame:
    """Validate a raw frame and return it typed, in EPSG:4326.

    The columnar checks of ``layers.screens`` run over the whole frame; the layer's
    pydantic model runs only on the rows they cannot vouch for, so every message is the
    model's own (see :func:`validate_rows`, the same rules one row at a time).

    Parameters
    ----------
    raw
        Features as read (``geo.io.read_features``), in any CRS the frame declares.
    layer
        The layer whose schema applies (a key of ``layers.models.MODELS``).
    label
        The file name used in messages.
    check_countries
        Check points against their country's outline (off for offshore layers always).

    Returns
    -------
    GeoDataFrame
        One row per feature with every schema property (defaults filled), in EPSG:4326.

    Raises
    ------
    DataError
        With one problem per feature and field, when anything is wrong.
    ValueError
        When the layer is unknown or the frame has no CRS and projected coordinates.
    """
    model, gdf = _prepared(raw, layer, label)
    columns = [c for c in gdf.columns if c != gdf.geometry.name]
    props = pd.DataFrame(gdf[columns])
    geoms = np.asarray(gdf.geometry.values)
    found = screen(props, layer)
    ranges = out_of_range(gdf.geometry).to_numpy()
    suspect = ~found.ok | geometry_suspects(geoms, GEOMETRY_TYPES[layer]) | (ranges != None)  # noqa: E711
    labels = feature_labels(cleaned(props["id"]) if "id" in props else
                            np.full(len(props), None, dtype=object))
    problems: list[Problem] = []
    dumped: dict[int, dict[str, Any]] = {}
    if suspect.any():
        records = pd.DataFrame(props.iloc[np.flatnonzero(suspect)]).astype(object).to_dict(
            "records")
        for i, record in zip(np.flatnonzero(suspect).tolist(), records, strict=True):
            row, messages = _check_row(record, geoms[i], ranges[i], layer, model)
            problems.extend(Problem(label, str(labels[i]), m) for m in messages)
            if row is not None:
                dumped[i] = row
    problems.extend(Problem(label, name, m) for name, m in duplicate_ids(labels))
    typed = found.columns
    for i, row in dumped.items():
        for name in typed:
            typed[name][i] = row.get(name)
    if check_countries and layer not in OFFSHORE_LAYERS and not problems:
        problems.extend(_countries(gdf, typed["country"], labels, label))
    if problems:
        raise DataError(problems)
    return gpd.GeoDataFrame(_typed(pd.DataFrame(typed), model), geometry=gdf.geometry.to_numpy(),
                            crs=settings.WGS84)


@collector_paused()
def typed_frame(raw: gpd.GeoDataFrame, layer: str) -> gpd.GeoDataFrame:
    """Rows known valid (sealed in the users' store) typed as :func:`validate_frame` types
    them, without checking them again."""
    model, gdf = _prepared(raw, layer, layer)
    columns = [c for c in gdf.columns if c != gdf.geometry.name]
    typed = unchecked(pd.DataFrame(gdf[columns]), layer)
    return gpd.GeoDataFrame(_typed(pd.DataFrame(typed), model), geometry=gdf.geometry.to_numpy(),
                            crs=settings.WGS84)


def _prepared(raw: gpd.GeoDataFrame, layer: str, label: str
              ) -> tuple[type[Feature], gpd.GeoDataFrame]:
    if layer not in MODELS:
        raise ValueError(f"unknown layer {layer!r}; layers are {', '.join(MODELS)}")
    try:
        gdf = to_wgs84(raw, label=label)
    except ValueError as exc:
        raise DataError([Problem(label, "(file)", str(exc).removeprefix(f"{label}: "))]) from None
    columns = [c for c in gdf.columns if c != gdf.geometry.name]
    problems = [Problem(label, "(file)", m) for m in property_name_problems(columns)]
    if problems:  # rows would be read under names that cannot be kept
        raise DataError(problems)
    return MODELS[layer], gdf


def _check_row(record: dict[Any, Any], geom: Any, range_msg: str | None, layer: str,
               model: type[Feature]) -> tuple[dict[str, Any] | None, list[str]]:
    """One feature through the model: its typed row (or None) and its problems."""
    collections = {
        name for name, info in model.model_fields.items() if info.default_factory is not None
    }
    # a missing value in a column other features fill reads as None: let defaults apply
    props: dict[str, Any] = {
        str(k): c
        for k, v in record.items()
        if (c := clean_value(v)) is not None or k not in collections
    }
    if props.get("layer") is None:  # absent, or null where other features name it
        props["layer"] = layer
    messages = value_problems(props)
    if messages:  # pydantic would repeat them, or recurse into them
        return None, messages
    if props["layer"] != layer:
        messages.append(f"layer: {props['layer']!r}, but the file is read as {layer!r}")
    geom_msg = _geometry_problem(geom, GEOMETRY_TYPES[layer])
    if geom_msg:
        messages.append(geom_msg)
    elif range_msg:
        messages.append(range_msg)
    row = None
    try:
        row = model.model_validate(props).model_dump()
    except ValidationError as exc:
        messages.extend(pydantic_messages(exc))
    return row, messages


def validate_rows(
    raw: gpd.GeoDataFrame,
    layer: str,
    *,
    label: str,
    check_countries: bool = True,
) -> gpd.GeoDataFrame:
    """:func:`validate_frame` one row at a time through the model (the reference the
    columnar checks are tested against; slow on large files)."""
    model, gdf = _prepared(raw, layer, label)
    columns = [c for c in gdf.columns if c != gdf.geometry.name]
    records = pd.DataFrame(gdf[columns]).astype(object).to_dict("records")
    ranges = out_of_range(gdf.geometry).to_numpy()
    geoms = gdf.geometry.to_numpy()
    labels = feature_labels(pd.Series([clean_value(r.get("id")) for r in records],
                                      dtype=object).to_numpy())
    problems: list[Problem] = []
    rows: list[dict[str, Any]] = []
    for i, record in enumerate(records):
        row, messages = _check_row(record, geoms[i], ranges[i], layer, model)
        problems.extend(Problem(label, str(labels[i]), m) for m in messages)
        if row is not None:
            rows.append(row)
    problems.extend(Problem(label, name, m) for name, m in duplicate_ids(labels))
    if check_countries and layer not in OFFSHORE_LAYERS and not problems:
        problems.extend(_countries(gdf, [r["country"] for r in rows], labels, label))
    if problems:
        raise DataError(problems)
    frame = pd.DataFrame.from_records(rows, columns=list(model.model_fields) if not rows else None)
    return gpd.GeoDataFrame(_typed(frame, model), geometry=gdf.geometry.to_numpy(),
                            crs=settings.WGS84)


def _typed(frame: pd.DataFrame, model: type[Feature]) -> pd.DataFrame:
    """A frame whose number fields are floats and integer fields nullable integers."""
    for name in number_fields(model) & set(frame.columns):
        frame[name] = pd.to_numeric(frame[name], errors="coerce").astype(float)
    for name in INTEGER_FIELDS & set(frame.columns):
        frame[name] = pd.array(frame[name].tolist(), dtype="Int64")
    return frame


def _countries(
    gdf: gpd.GeoDataFrame, countries: list[Any], labels: np.ndarray, label: str
) -> list[Problem]:
    points = gdf.geometry.reset_index(drop=True)
    if not (points.geom_type == "Point").any():
        return []
    codes = pd.Series(countries, dtype=object)
    messages = country_mismatches(points, codes, country_outlines()).to_numpy()
    return [Problem(label, str(labels[i]), messages[i])
            for i in np.flatnonzero(pd.notna(messages)).tolist()]
