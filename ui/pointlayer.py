"""Compact map layers: one columnar payload per layer, drawn by a small canvas runtime.

One folium object per feature costs seconds and tens of MB at 100k points (see
/work/shared/notes.md). Here a layer is one payload: coordinates as int32 (1e-5 degree),
palette indices and radii as bytes, property columns encoded by ``ui.columns``
(dictionary-encoded where values repeat, base64 typed arrays inside JSON, deflated when
large). The browser code
(``mapui.js`` and ``pointlayer.js``, inlined once per page) decodes it, draws points on one
shared Leaflet canvas and builds tooltips and popups on demand, as text.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any, Final

import folium
import geopandas as gpd
import numpy as np
import orjson
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import shapely
from branca.element import Element, MacroElement
from folium.elements import ElementAddToElement
from jinja2 import Template

from geo.antimeridian import unwrap
from layers.indexes import point_xy
from ui import style
from ui.columns import b64, encode_table, pack, unpack

__all__ = ["PayloadLayer", "Runtime", "area_payload", "line_payload", "payloads",
           "point_payload"]

_SCALE: Final[float] = 1e5
_ARROW_COLOR: Final[str] = "#17324d"


@cache
def runtime_js() -> str:
    """The browser code (``mapui.js``, then ``pointlayer.js``), read once."""
    here = Path(__file__).parent
    return "\n".join((here / name).read_text(encoding="utf-8")
                     for name in ("mapui.js", "pointlayer.js"))


def _sources(frame: pd.DataFrame, limit: int = 12) -> list[str]:
    """A few distinct source names (publisher, else title), for credits and snapshots."""
    if "sources" not in frame.columns:
        return []
    seen: dict[str, None] = {}
    for value in frame["sources"].head(2000):
        for src in value if isinstance(value, list) else ():
            label = src.get("publisher") or src.get("title")
            if label:
                seen[str(label)] = None
        if len(seen) >= limit:
            break
    return list(seen)[:limit]


def _ids(frame: pd.DataFrame) -> pa.Array:
    """The ``id`` column as Arrow text (as held when Arrow-backed)."""
    column = frame["id"]
    if isinstance(column.array, pd.arrays.ArrowExtensionArray):
        held = column.array.__arrow_array__()
        if pa.types.is_string(held.type) or pa.types.is_large_string(held.type):
            return held.combine_chunks() if isinstance(held, pa.ChunkedArray) else held
    return pa.array(column.astype(str).to_numpy(dtype=object), pa.string())


def _extras(frame: pd.DataFrame, layer: str, highlight: Collection[str] | None,
            effective: Mapping[str, Mapping[str, Mapping[str, float | None]]] | None,
            ) -> dict[str, Any]:
    """The rows to ring (``hl``) and each held row's look-through stakes (``eff``: the
    first row with each id), found by Arrow's hash lookups over the ids."""
    out: dict[str, Any] = {}
    stakes = (effective or {}).get(layer)
    if "id" not in frame.columns or not (highlight or stakes):
        return out
    ids = _ids(frame)
    if highlight:
        ringed = pc.is_in(ids, value_set=pa.array([str(h) for h in highlight], pa.string()))
        out["hl"] = np.flatnonzero(pc.fill_null(ringed, False).to_numpy(
            zero_copy_only=False)).tolist()
    if stakes:
        # each row's stake (the few stakes hashed, the many rows probed), then each
        # stake's first row
        which = pc.index_in(ids, value_set=pa.array(list(stakes), pa.string()))
        rows = np.flatnonzero(which.is_valid().to_numpy(zero_copy_only=False))
        found, first = np.unique(which.drop_null().to_numpy(), return_index=True)
        values = list(stakes.values())
        out["eff"] = {str(r): v if type(v) is dict else dict(v) for r, v in zip(
            rows[first].tolist(), (values[i] for i in found.tolist()), strict=True)}
    return out


def _base(frame: pd.DataFrame, layer: str, name: str, spec: Mapping[str, Any]) -> dict[str, Any]:
    return {"name": name, "n": len(frame), "spec": spec,
            "cols": encode_table(frame, style.popup_columns(spec)), "sources": _sources(frame)}


def point_payload(frame: gpd.GeoDataFrame, layer: str, *, name: str, color_by: str = "hree",
                  highlight: Collection[str] | None = None,
                  effective: Mapping[str, Mapping[str, Mapping[str, float | None]]] | None = None,
                  spec_layer: str | None = None) -> dict[str, Any]:
    """The payload of a point layer: positions, colours, radii and popup columns.

    Features without a drawable position (empty geometry) are left out.
    """
    x, y, _ = point_xy(frame)
    ok = ~(np.isnan(x) | np.isnan(y))
    if not ok.all():
        frame, x, y = frame[ok], x[ok], y[ok]
    spec = style.popup_spec(spec_layer or layer)
    palette, index = style.colors(frame, spec_layer or layer, color_by=color_by)
    if layer == "ports":
        radius = np.full(len(frame), 3.5)
    elif layer == "occurrences":
        radius = np.full(len(frame), style.R_OCCURRENCE)
    elif spec_layer == "cells":
        radius = style.cell_radius(frame["count"].to_numpy())
    else:
        radius = style.radius(frame)
    out = _base(frame, layer, name, spec)
    out.update(
        kind="points", pal=palette, c=b64(index),
        lat=b64(np.round(y * _SCALE).astype("<i4")),
        lon=b64(np.round(x * _SCALE).astype("<i4")),
        r=b64(np.clip(np.round(radius * 2), 1, 255).astype(np.uint8)),
    )
    if layer == "occurrences":  # small and muted, under the curated points
        out.update(weight=0.4, stroke="#6b6358")
    out.update(_extras(frame, spec_layer or layer, highlight, effective))
    return out


def _drawable_lines(geoms: np.ndarray) -> np.ndarray:
    """Each line with continuous longitudes: parts split at 180 degrees joined again."""
    out = geoms.copy()
    steps = np.zeros(len(geoms), dtype=bool)
    for i in np.flatnonzero(shapely.get_type_id(geoms) == 5):  # MultiLineString
        steps[i] = True
    bounds = shapely.bounds(geoms)
    steps |= (bounds[:, 2] - bounds[:, 0]) > 180.0
    for i in np.flatnonzero(steps):
        out[i] = unwrap(geoms[i])
    return out


def _longest_parts(geoms: np.ndarray) -> np.ndarray:
    parts, index = shapely.get_parts(geoms, return_index=True)
    lengths = shapely.length(parts)
    order = np.lexsort((-lengths, index))
    first = np.unique(index[order], return_index=True)[1]
    return np.asarray(parts[order][first])


def line_payload(frame: gpd.GeoDataFrame, *, name: str,
                 highlight: Collection[str] | None = None) -> dict[str, Any]:
    """The payload of the routes: each line unwrapped, width by tonnage, an arrowhead mid-way."""
    geoms = frame.geometry.to_numpy()
    ok = ~(shapely.is_empty(geoms) | shapely.is_missing(geoms))
    if not ok.all():
        frame, geoms = frame[ok], geoms[ok]
    geoms = _drawable_lines(np.asarray(geoms, dtype=object))
    parts, index = shapely.get_parts(geoms, return_index=True)
    counts = shapely.get_num_coordinates(parts)
    xy = shapely.get_coordinates(parts)
    flat = np.round(xy * _SCALE).astype("<i4").ravel()
    part_off = np.concatenate([[0], np.cumsum(counts)]).astype("<u4")
    feat_off = np.concatenate([[0], np.cumsum(np.bincount(index, minlength=len(geoms)))])
    palette, color = style.colors(frame, "routes")
    width = style.line_width(frame)
    out = _base(frame, "routes", name, style.popup_spec("routes"))
    out.update(kind="lines", pal=palette, c=b64(color), xy=b64(flat), parts=b64(part_off),
               fparts=b64(feat_off.astype("<u4")),
               w=b64(np.clip(np.round(width * 2), 1, 255).astype(np.uint8)))
    if len(geoms):
        longest = _longest_parts(geoms)
        at = shapely.line_interpolate_point(longest, 0.5, normalized=True)
        ahead = shapely.line_interpolate_point(longest, 0.52, normalized=True)
        out["arrows"] = {
            "n": len(longest), "c": b64(np.zeros(len(longest), dtype=np.uint8)),
            "lon": b64(np.round(shapely.get_x(at) * _SCALE).astype("<i4")),
            "lat": b64(np.round(shapely.get_y(at) * _SCALE).astype("<i4")),
            "lon2": b64(np.round(shapely.get_x(ahead) * _SCALE).astype("<i4")),
            "lat2": b64(np.round(shapely.get_y(ahead) * _SCALE).astype("<i4")),
            "r": b64(np.clip(np.round(width * 2), 1, 255).astype(np.uint8)),
        }
        out["arrowPal"] = [_ARROW_COLOR]
    out.update(_extras(frame, "routes", highlight, None))
    return out


def area_payload(frame: gpd.GeoDataFrame, layer: str, *, name: str,
                 highlight: Collection[str] | None = None) -> dict[str, Any]:
    """The payload of a polygon layer: GeoJSON geometries (5 decimals) and a fill index."""
    geoms = frame.geometry.to_numpy()
    ok = ~(shapely.is_empty(geoms) | shapely.is_missing(geoms))
    if not ok.all():
        frame, geoms = frame[ok], geoms[ok]
    rounded = shapely.transform(geoms, lambda c: np.round(c, 5))
    palette, color = style.colors(frame, layer)
    out = _base(frame, layer, name, style.popup_spec(layer))
    out.update(kind="areas", pal=palette, c=b64(color),
               stroke=style.CHOKEPOINT_COLOR if layer == "chokepoints" else "#08306b",
               geoms=[orjson.Fragment(g) for g in shapely.to_geojson(rounded)])
    if layer == "countries":  # the choropleth: opaque classes, "no data" outlined dashed
        out.update(stroke="#737373", weight=0.6, opacity=0.85,
                   dash=np.flatnonzero(frame["state"].to_numpy() == "no data").tolist())
    out.update(_extras(frame, layer, highlight, None))
    return out


_FILL = re.compile(r"^\s*reemap\.fill\(\w+, \w+, (.*)\);$", re.MULTILINE)


def payloads(html: str) -> dict[str, dict[str, Any]]:
    """The payloads of every layer in a map's HTML, by layer name."""
    found = (unpack(m.group(1)) for m in _FILL.finditer(html))
    return {p["name"]: p for p in found}


class _Verbatim(Element):
    """Script text put on the page as is.

    branca compiles each rendered script as a Jinja template again: slow for megabytes of
    payload, and a feature named ``{{ ... }}`` would be evaluated.
    """

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def render(self, **kwargs: Any) -> str:
        return self.text


def _render_script(element: MacroElement, kwargs: dict[str, Any]) -> str:
    script = element._template.module.__dict__["script"]
    figure: Any = element.get_root()
    figure.script.add_child(_Verbatim(script(element, kwargs)), name=element.get_name())
    for child in element._children.values():
        child.render(**kwargs)
    return ""


class Runtime(MacroElement):
    """The browser code (``mapui.js``, ``pointlayer.js``), the basemap and the legend."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        {{ this.js }}
        L.Icon.Default.imagePath = {{ this.image_path|tojson }};
        {% if this.countries -%}
        reemap.basemap(
            {{ this._parent.get_name() }}, {{ this.countries }}, {{ this.filled|tojson }});
        {%- endif %}
        reemap.legend({{ this._parent.get_name() }}, {{ this.legend }});
        reemap.wheel({{ this._parent.get_name() }});
        {% endmacro %}
    """)

    def __init__(self, *, legend: Mapping[str, Any], countries: str | None, filled: bool,
                 image_path: str) -> None:
        super().__init__()
        self._name = "ReemapRuntime"
        self.js = runtime_js()
        self.legend = pack(legend)
        self.countries = countries
        self.filled = filled
        self.image_path = image_path

    def render(self, **kwargs: Any) -> str:
        """Add the script to the page verbatim."""
        return _render_script(self, kwargs)


class PayloadLayer(folium.map.Layer):
    """One map layer (in the layer control) filled from a payload by the browser code."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.layerGroup();
        reemap.fill({{ this._parent.get_name() }}, {{ this.get_name() }}, {{ this.payload }});
        {% endmacro %}
    """)

    def __init__(self, payload: Mapping[str, Any], *, name: str, show: bool = True,
                 bounds: Sequence[float] | None = None) -> None:
        super().__init__(name=name, overlay=True, control=True, show=show)
        self._name = "PayloadLayer"
        self.payload = pack(payload)
        self.bounds = None if bounds is None else [float(b) for b in bounds]

    def _get_self_bounds(self) -> list[list[float | None]]:
        """``[[south, west], [north, east]]``, as folium's ``get_bounds`` expects."""
        if self.bounds is None or not np.isfinite(self.bounds).all():
            return [[None, None], [None, None]]
        west, south, east, north = self.bounds
        return [[south, west], [north, east]]

    def render(self, **kwargs: Any) -> str:
        """Add the script (and, when shown, the add-to-map line) to the page verbatim."""
        if self.show and self._parent is not None:
            self.add_child(ElementAddToElement(element_name=self.get_name(),
                                               element_parent_name=self._parent.get_name()),
                           name=self.get_name() + "_add")
        return _render_script(self, kwargs)
