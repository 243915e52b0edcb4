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
from geo.io import read_features
from geo.nesting import value_depth
from layers.models import MODELS, Feature, number_fields
from layers.schema import GEOMETRY_TYPES, INTEGER_FIELDS, OFFSHORE_LAYERS

__all__ = ["country_outlines", "validate_frame"]


@cache
def country_outlines() -> gpd.GeoDataFrame:
    """The Natural Earth 1:110m country outlines bundled in ``data/countries.geojson``.

    A data folder of its own (``REEMAP_DATA_DIR``) may hold its own outlines; without
    them, the bundled ones apply.
    """
    own = settings.DATA_DIR / "countries.geojson"
    bundled = own if own.exists() else settings.ROOT / "data" / "countries.geojson"
    return read_features(bundled, max_bytes=2**63 - 1)  # ours: the users' file limit is moot


def _feature_label(props: dict[str, Any], position: int) -> str:
    fid = props.get("id")
    if isinstance(fid, str) and fid.strip():
        return excerpt(fid.strip(), 80)
    return f"#{position}"


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


def _clean(value: Any) -> Any:
    if isinstance(value, float) and np.isnan(value):
        return None
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return value


def validate_frame(
    raw: gpd.GeoDataFrame,
    layer: str,
    *,
    label: str,
    check_countries: bool = True,
) -> gpd.GeoDataFrame:
    """Validate a raw frame and return it typed, in EPSG:4326.

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
    if layer not in MODELS:
        raise ValueError(f"unknown layer {layer!r}; layers are {', '.join(MODELS)}")
    model: type[Feature] = MODELS[layer]
    try:
        gdf = to_wgs84(raw, label=label)
    except ValueError as exc:
        raise DataError([Problem(label, "(file)", str(exc).removeprefix(f"{label}: "))]) from None
    columns = [c for c in gdf.columns if c != gdf.geometry.name]
    problems = [Problem(label, "(file)", m) for m in property_name_problems(columns)]
    if problems:  # rows would be read under names that cannot be kept
        raise DataError(problems)
    records = pd.DataFrame(gdf[columns]).astype(object).to_dict("records")
    allowed = GEOMETRY_TYPES[layer]
    collections = {
        name for name, info in model.model_fields.items() if info.default_factory is not None
    }
    ranges = out_of_range(gdf.geometry)
    rows: list[dict[str, Any]] = []
    labels: list[str] = []
    for position, (record, geom, range_msg) in enumerate(
        zip(records, gdf.geometry.to_numpy(), ranges.to_numpy(), strict=True), start=1
    ):
        # a missing value in a column other features fill reads as None: let defaults apply
        props: dict[str, Any] = {
            str(k): c
            for k, v in record.items()
            if (c := _clean(v)) is not None or k not in collections
        }
        if props.get("layer") is None:  # absent, or null where other features name it
            props["layer"] = layer
        name = _feature_label(props, position)
        labels.append(name)
        messages = value_problems(props)
        if messages:  # pydantic would repeat them, or recurse into them
            problems.extend(Problem(label, name, m) for m in messages)
            continue
        if props["layer"] != layer:
            messages.append(f"layer: {props['layer']!r}, but the file is read as {layer!r}")
        geom_msg = _geometry_problem(geom, allowed)
        if geom_msg:
            messages.append(geom_msg)
        elif range_msg:
            messages.append(range_msg)
        try:
            rows.append(model.model_validate(props).model_dump())
        except ValidationError as exc:
            messages.extend(pydantic_messages(exc))
        problems.extend(Problem(label, name, m) for m in messages)
    problems.extend(_duplicates(labels, label))
    if check_countries and layer not in OFFSHORE_LAYERS and not problems:
        problems.extend(_countries(gdf, rows, labels, label))
    if problems:
        raise DataError(problems)
    return gpd.GeoDataFrame(
        _typed(rows, model), geometry=gdf.geometry.to_numpy(), crs=settings.WGS84
    )


def _typed(rows: list[dict[str, Any]], model: type[Feature]) -> pd.DataFrame:
    """Rows as a frame whose integer fields are nullable integers (2025, not 2025.0)."""
    frame = pd.DataFrame.from_records(rows, columns=list(model.model_fields) if not rows else None)
    for name in number_fields(model) & set(frame.columns):
        frame[name] = pd.to_numeric(frame[name], errors="coerce").astype(float)
    for name in INTEGER_FIELDS & set(frame.columns):
        frame[name] = pd.array(frame[name].tolist(), dtype="Int64")
    return frame


def _duplicates(labels: list[str], label: str) -> list[Problem]:
    seen: dict[str, int] = {}
    out = []
    for position, name in enumerate(labels, start=1):
        if name.startswith("#"):
            continue
        if name in seen:
            out.append(Problem(label, name, f"id: duplicate (also feature #{seen[name]})"))
        else:
            seen[name] = position
    return out


def _countries(
    gdf: gpd.GeoDataFrame, rows: list[dict[str, Any]], labels: list[str], label: str
) -> list[Problem]:
    points = gdf.geometry.reset_index(drop=True)
    if not (points.geom_type == "Point").any():
        return []
    codes = pd.Series([r["country"] for r in rows])
    messages = country_mismatches(points, codes, country_outlines())
    return [
        Problem(label, labels[i], m) for i, m in enumerate(messages.to_numpy()) if m is not None
    ]
