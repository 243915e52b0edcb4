"""How each layer looks on the map: colours, ramps, sizes, legends, popup and tooltip content.

Pure functions over a layer's frame that return numbers and specs; ``ui.pointlayer``
packs them for the browser and ``ui/mapui.js`` shows them. Nothing here writes HTML:
legend and popup text is put on the page as text by the browser code.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import Any, Final

import geopandas as gpd
import numpy as np
import pandas as pd

from layers.schema import (
    DEFAULT_HREE_DEFINITION,
    FIGURE_FIELDS,
    HREE_DEFINITION_TEXT,
    STAGES,
    STATUSES,
)

__all__ = [
    "COLOR_BY",
    "LAYER_LABELS",
    "UNKNOWN",
    "cell_radius",
    "choropleth_colors",
    "choropleth_legend",
    "colors",
    "legend_spec",
    "line_width",
    "popup_columns",
    "popup_spec",
    "radius",
]

#: What points can be coloured by: heavy-REE share (a ramp) or status (stage for plants).
COLOR_BY: Final[tuple[str, ...]] = ("hree", "status")
#: The colour of a feature whose value is unknown.
UNKNOWN: Final[str] = "#a3a3a3"

#: Heavy-REE share (% of TREO): upper bin edges and a light-to-dark ramp (ColorBrewer YlOrBr).
HREE_EDGES: Final[tuple[float, ...]] = (2, 5, 10, 20, 40, 60)
HREE_COLORS: Final[tuple[str, ...]] = (
    "#fee391", "#fec44f", "#fe9929", "#ec7014", "#cc4c02", "#993404", "#662506",
)
#: Seabed mud: maximum REY concentration (ppm), upper bin edges and a blue ramp.
PPM_EDGES: Final[tuple[float, ...]] = (1000, 2000, 5000, 8000)
PPM_COLORS: Final[tuple[str, ...]] = ("#c6dbef", "#9ecae1", "#6baed6", "#3182bd", "#08519c")

STATUS_COLORS: Final[dict[str, str]] = dict(zip(STATUSES, (
    "#9ecae1", "#4292c6", "#f16913", "#fdae6b", "#238b45", "#807dba", "#525252",
), strict=True))
STAGE_COLORS: Final[dict[str, str]] = dict(zip(STAGES, (
    "#8c510a", "#d8b365", "#5ab4ac", "#01665e", "#c51b7d", "#e9a3c9", "#762a83", "#4d9221",
), strict=True))
ROUTE_COLOR: Final[str] = "#2b5c8a"
PORT_COLOR: Final[str] = "#252525"
CHOKEPOINT_COLOR: Final[str] = "#e6550d"
#: USGS occurrences: small, muted, under the curated points.
OCCURRENCE_COLOR: Final[str] = "#a89f91"
R_OCCURRENCE: Final[float] = 2.5
#: The country choropleth: one colour per class (ColorBrewer YlGnBu), then zero, USGS's
#: "not available" and "no data" (a country USGS does not list), never confused with zero.
CHOROPLETH_COLORS: Final[tuple[str, ...]] = ("#c7e9b4", "#7fcdbb", "#41b6c4", "#2c7fb8", "#253494")
ZERO_COLOR: Final[str] = "#ffffcc"
NOT_AVAILABLE_COLOR: Final[str] = "#969696"
NO_DATA_COLOR: Final[str] = "#ffffff"

#: Circle radius in pixels: unknown capacity, then the range known capacities span.
R_UNKNOWN: Final[float] = 4.0
R_MIN: Final[float] = 5.0
R_MAX: Final[float] = 16.0
#: Line width in pixels: unknown tonnage, then the range known tonnages span.
W_UNKNOWN: Final[float] = 1.5
W_MAX: Final[float] = 8.0

LAYER_LABELS: Final[dict[str, str]] = {
    "mines": "Mine", "refineries": "Plant", "seabed": "Seabed mud", "routes": "Trade flow",
    "ports": "Port", "chokepoints": "Chokepoint", "occurrences": "USGS occurrence",
    "countries": "Country",
}

# popup rows: (label, kind, *arguments); ui/mapui.js knows each kind
_OWNERS = ("Owners", "owners", "owners")
_CAPACITY = ("Capacity", "amount", "capacity", "capacity_unit", "capacity_year")
_HREE = ("Heavy REE share", "pct", "hree_share_pct")
_HREE_BASIS = ("Share basis", "text", "hree_basis")
_LOCAL = ("Local name", "text", "name_local")
_LOCATION = ("Location", "location", "location_accuracy", "location_precision_km")
_COUNTRY = ("Country", "text", "country")
_OPERATOR = ("Operator", "text", "operator")
_NOTES = ("Notes", "text", "notes")
# a user's imported features say so (their figures are the user's claim)
_IMPORTED = ("Imported layer", "text", "source_label")
_ROWS: Final[dict[str, tuple[tuple[str, ...], ...]]] = {
    "mines": (
        _LOCAL, _COUNTRY, _OPERATOR, _OWNERS, _CAPACITY,
        ("Production", "amount", "production", "production_unit", "production_year"),
        ("Resource", "resource", "resource_mt", "grade_treo_pct", "resource_category",
         "resource_year"),
        _HREE, _HREE_BASIS, ("Dy, Tb, Y", "shares", "element_shares_pct", "Dy", "Tb", "Y"),
        ("Elements", "list", "elements"), ("Deposit", "text", "deposit_type"), _LOCATION,
        _NOTES, _IMPORTED,
    ),
    "refineries": (
        _LOCAL, _COUNTRY, _OPERATOR, _OWNERS, _CAPACITY, _HREE, _HREE_BASIS,
        ("Elements", "list", "elements"), ("Feedstock", "text", "feedstock"),
        ("Feed from", "list", "feed_sources"), _LOCATION, _NOTES, _IMPORTED,
    ),
    "seabed": (
        _COUNTRY, _OWNERS, ("Depth", "range", "depth_m_min", "depth_m_max", "m"),
        ("REY max", "number", "rey_ppm_max", "ppm"),
        ("REY typical", "number", "rey_ppm_typical", "ppm"),
        ("Resource", "amount", "resource_t", "resource_unit", ""), _HREE, _NOTES, _IMPORTED,
    ),
    "routes": (
        ("Flow", "flow", "origin", "destination", "origin_port", "destination_port"),
        ("Product", "text", "product"), ("HS code", "text", "hs_code"),
        ("Amount", "amount", "tonnage", "tonnage_unit", "period"),
        ("Route", "text", "route_kind"), _NOTES, _IMPORTED,
    ),
    "ports": (_COUNTRY, ("UN/LOCODE", "text", "unlocode"), _OPERATOR, _OWNERS, _NOTES, _IMPORTED),
    "chokepoints": (("Kind", "text", "kind"), _NOTES, _IMPORTED),
    "occurrences": (
        _COUNTRY, ("State or province", "text", "state_or_province"),
        ("Elements", "list", "elements"), ("Other commodities", "text", "other_commodities"),
        ("USGS record", "link", "url", "usgs_ree_id"), _NOTES, _IMPORTED,
    ),
    "countries": (
        ("Figure", "text", "figure"), ("Share", "text", "share"),
        ("World total (USGS)", "text", "world"), ("Edition", "text", "edition"), _NOTES,
    ),
    "cells": (
        ("Heavy REE share (mean)", "pct", "hree_share_pct"), ("For example", "text", "example"),
    ),
}
_SUBTITLE: Final[dict[str, tuple[str, ...]]] = {
    "refineries": ("stage", "status"), "routes": ("period",), "cells": ("layer",),
    "chokepoints": ("kind",),
    "occurrences": ("status",),
    "countries": ("country",),
}
# how many leading arguments of a row kind are column names (the rest are literals)
_KIND_COLUMNS: Final[dict[str, int]] = {
    "text": 1, "list": 1, "pct": 1, "number": 1, "amount": 3, "range": 2, "resource": 4,
    "owners": 1, "shares": 1, "flow": 4, "location": 2, "link": 2,
}


#: The layers whose features have a page of their own (``?asset=layer/id``).
PAGE_LAYERS: Final[tuple[str, ...]] = ("mines", "refineries", "seabed")


def _row_figures(row: Sequence[str]) -> list[str]:
    """The figure keys (``figure_sources`` keys) a popup row shows; ``@stakes`` for owners."""
    kind = row[1]
    if kind == "owners":
        return ["@stakes"]
    columns = row[2 : 2 + _KIND_COLUMNS[kind]]
    return [c for c in columns if c in FIGURE_FIELDS]


def popup_spec(layer: str) -> dict[str, Any]:
    """Return what a layer's popups and tooltips show (read by ``ui/mapui.js``).

    Parameters
    ----------
    layer
        A layer name, or ``"cells"`` for aggregated grid cells.

    Returns
    -------
    dict
        ``label`` (the layer's name for one feature), ``title`` (the column shown in
        bold), ``sub`` (columns after the label in the subtitle), ``rows`` (label, kind,
        arguments) and ``figs`` (per row, the ``figure_sources`` keys of the figures it
        shows, whose sources the popup cites beside them; ``@stakes`` for every owner's);
        ``page``, the layer whose features have a page of their own (``?asset=layer/id``,
        linked from the popup), or None.
    """
    rows = _ROWS.get(layer, (_COUNTRY, _OWNERS, _NOTES, _IMPORTED))
    return {
        "page": layer if layer in PAGE_LAYERS else None,
        "label": LAYER_LABELS.get(layer, "Area" if layer == "cells" else layer),
        "title": "name",
        "sub": list(_SUBTITLE.get(layer, ("status",))),
        "rows": [list(r) for r in rows],
        "figs": [_row_figures(r) for r in rows],
    }


def popup_columns(spec: Mapping[str, Any]) -> list[str]:
    """Return the columns a popup spec reads, in order, without repeats."""
    cols = [spec["title"], *spec["sub"]]
    for row in spec["rows"]:
        cols.extend(row[2 : 2 + _KIND_COLUMNS[row[1]]])
    cols.extend(["sources", "figure_sources", "as_of", "checked_on"])
    if spec.get("page"):
        cols.append("id")
    return [c for c in dict.fromkeys(cols) if c]


def _numbers(frame: pd.DataFrame, column: str) -> np.ndarray:
    if column not in frame.columns:
        return np.full(len(frame), np.nan)
    return pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def _ramp(values: np.ndarray, edges: Sequence[float]) -> np.ndarray:
    """Bin values by upper edges; unknown values get the index after the last bin."""
    idx = np.searchsorted(np.asarray(edges, dtype=float), values, side="right")
    idx[np.isnan(values)] = len(edges) + 1
    return idx.astype(np.uint8)


def _categories(values: pd.Series, names: Sequence[str]) -> np.ndarray:
    codes = pd.Categorical(values, categories=list(names)).codes.astype(np.int16)
    codes[codes < 0] = len(names)
    return codes.astype(np.uint8)


def colors(frame: gpd.GeoDataFrame, layer: str, *, color_by: str = "hree") -> tuple[
    list[str], np.ndarray
]:
    """Return a layer's palette and each feature's index into it.

    Parameters
    ----------
    frame
        The layer's features.
    layer
        The layer name: points are coloured by ``color_by``, seabed by REY ppm, the rest
        by one colour.
    color_by
        ``"hree"`` (heavy-REE share ramp) or ``"status"`` (stage for refineries).

    Returns
    -------
    palette, index
        Colours (the last is the unknown grey where a ramp or category applies) and one
        uint8 index per feature.
    """
    if color_by not in COLOR_BY:
        raise ValueError(f"color_by={color_by!r}; use one of {', '.join(COLOR_BY)}")
    n = len(frame)
    if layer in ("mines", "refineries", "cells"):
        if color_by == "hree" or layer == "cells":
            return [*HREE_COLORS, UNKNOWN], _ramp(_numbers(frame, "hree_share_pct"), HREE_EDGES)
        mapping = STAGE_COLORS if layer == "refineries" else STATUS_COLORS
        column = "stage" if layer == "refineries" else "status"
        values = frame[column] if column in frame.columns else pd.Series([None] * n)
        return [*mapping.values(), UNKNOWN], _categories(values, list(mapping))
    if layer == "seabed":
        return [*PPM_COLORS, UNKNOWN], _ramp(_numbers(frame, "rey_ppm_max"), PPM_EDGES)
    if layer == "countries":
        return choropleth_colors(frame)
    single = {"routes": ROUTE_COLOR, "ports": PORT_COLOR, "chokepoints": CHOKEPOINT_COLOR,
              "occurrences": OCCURRENCE_COLOR}
    return [single.get(layer, ROUTE_COLOR)], np.zeros(n, dtype=np.uint8)


def choropleth_colors(frame: pd.DataFrame) -> tuple[list[str], np.ndarray]:
    """The choropleth's palette and each country's index: its class, else zero, NA, no data.

    ``frame`` has ``state`` (``value``, ``zero``, ``not available``, ``no data``) and
    ``class_index`` (``layers.choropleth.choropleth_frame``). A country without a figure is
    never drawn in a class colour, and "no data" is never drawn as zero.
    """
    n = len(CHOROPLETH_COLORS)
    special = {"zero": n, "not available": n + 1, "no data": n + 2}
    index = np.array(
        [special.get(str(st), n + 2) if st != "value" or pd.isna(k) else int(k)
         for st, k in zip(frame["state"], frame["class_index"], strict=True)],
        dtype=np.uint8,
    )  # fmt: skip
    return [*CHOROPLETH_COLORS, ZERO_COLOR, NOT_AVAILABLE_COLOR, NO_DATA_COLOR], index


def choropleth_legend(title: str, labels: Sequence[str]) -> dict[str, Any]:
    """The legend section of the choropleth: a class per label (with units), then the rest."""
    items = [[c, label] for c, label in zip(CHOROPLETH_COLORS, labels, strict=True)]
    items += [
        [ZERO_COLOR, "0 (USGS prints a dash)"],
        [NOT_AVAILABLE_COLOR, "not available (USGS: NA, W or E)"],
        [NO_DATA_COLOR, "no data: not in USGS's table (dashed outline)"],
    ]
    return {"title": title, "shape": "square", "items": items}


def _scaled(values: np.ndarray, units: pd.Series | None) -> np.ndarray:
    """Square root of each value over the largest value of its unit: 0..1, NaN if unknown."""
    out = np.full(len(values), np.nan)
    known = ~np.isnan(values) & (values >= 0)
    if not known.any():
        return out
    # each unit's code (no unit and an empty one alike), then its largest value
    keys = pd.factorize(units.fillna(""))[0] if units is not None else np.zeros(
        len(values), dtype=np.intp)
    largest = np.zeros(int(keys.max(initial=0)) + 1)
    np.maximum.at(largest, keys, np.where(known, values, 0.0))
    biggest = largest[keys]
    with np.errstate(invalid="ignore", divide="ignore"):
        out[known] = np.sqrt(np.where(biggest[known] > 0, values[known] / biggest[known], 0.0))
    return out


def radius(frame: pd.DataFrame, *, value: str = "capacity", unit: str = "capacity_unit") -> (
    np.ndarray
):
    """Circle radius in pixels: area grows with capacity, compared within each unit."""
    units = frame[unit] if unit in frame.columns else None
    scaled = _scaled(_numbers(frame, value), units)
    return np.where(np.isnan(scaled), R_UNKNOWN, R_MIN + (R_MAX - R_MIN) * scaled)


def cell_radius(counts: np.ndarray) -> np.ndarray:
    """Radius in pixels of aggregated grid cells: small, area growing with the count."""
    counts = np.asarray(counts, dtype=float)
    biggest = counts.max(initial=1.0)
    return 1.5 + 6.5 * np.sqrt(counts / biggest)


def line_width(frame: pd.DataFrame) -> np.ndarray:
    """Line width in pixels: grows with tonnage, compared within each unit."""
    units = frame["tonnage_unit"] if "tonnage_unit" in frame.columns else None
    scaled = _scaled(_numbers(frame, "tonnage"), units)
    return np.where(np.isnan(scaled), W_UNKNOWN, W_UNKNOWN + (W_MAX - W_UNKNOWN) * scaled)


def _ramp_items(edges: Sequence[float], palette: Sequence[str], unit: str) -> list[list[str]]:
    labels = [f"under {edges[0]:g}{unit}"]
    labels += [f"{a:g}–{b:g}{unit}" for a, b in itertools.pairwise(edges)]
    labels.append(f"{edges[-1]:g}{unit} and over")
    return [[c, t] for c, t in zip(palette, labels, strict=True)] + [[UNKNOWN, "unknown"]]


def legend_spec(layers: Sequence[str], *, color_by: str = "hree",
                hree_definition: str = DEFAULT_HREE_DEFINITION, aggregated: bool = False,
                choropleth: Mapping[str, Any] | None = None) -> (
    dict[str, Any]
):
    """Return the legend for the layers shown (rendered as text by the browser code).

    Parameters
    ----------
    layers
        The layers on the map (non-empty ones).
    color_by
        ``"hree"`` or ``"status"``, as for :func:`colors`.
    hree_definition
        Which heavy-REE definition the shares use (a key of ``HREE_DEFINITION_TEXT``).
    aggregated
        Whether points were aggregated into grid cells (too many to draw one by one).
    choropleth
        The choropleth's section (:func:`choropleth_legend`), shown first, when drawn.
    """
    sections: list[dict[str, Any]] = []
    points = [name for name in ("mines", "refineries") if name in layers]
    size_note = ("Circle area grows with capacity (compared within each unit); the smallest "
                 "circles have no capacity figure.")
    if aggregated:
        size_note = ("Too many sites to draw one by one: each circle is a grid cell; its area "
                     "grows with its count.")
    if points and (color_by == "hree" or aggregated):
        sections.append({"title": "Heavy-REE share of TREO (mines, plants)",
                         "items": _ramp_items(HREE_EDGES, HREE_COLORS, " %"), "note": size_note})
    elif points:
        if "mines" in points:
            sections.append({"title": "Mine status", "items": [
                [c, s] for s, c in STATUS_COLORS.items()] + [[UNKNOWN, "unknown"]]})
        if "refineries" in points:
            sections.append({"title": "Plant stage", "items": [
                [c, s] for s, c in STAGE_COLORS.items()] + [[UNKNOWN, "unknown"]]})
        sections[-1]["note"] = size_note
    if "seabed" in layers:
        sections.append({"title": "Seabed mud: max REY", "shape": "square",
                         "items": _ramp_items(PPM_EDGES, PPM_COLORS, " ppm")})
    if "routes" in layers:
        sections.append({"title": "Trade flows", "shape": "line", "items": [
            [ROUTE_COLOR, "width grows with amount; arrows point to the buyer"]]})
    if "ports" in layers:
        sections.append({"title": "Ports", "items": [[PORT_COLOR, "port"]]})
    if "chokepoints" in layers:
        sections.append({"title": "Chokepoints", "shape": "square",
                         "items": [[CHOKEPOINT_COLOR, "strait or canal"]]})
    if "occurrences" in layers:
        sections.append({"title": "USGS rare-earth occurrences (mrdata.usgs.gov/ree)",
                         "items": [[OCCURRENCE_COLOR, "deposit or occurrence (a site a "
                                    "curated mine shows is drawn once, as the mine)"]]})
    if choropleth is not None:
        sections.insert(0, dict(choropleth))
    return {"title": "Rare-earth supply chain", "sections": sections,
            "note": HREE_DEFINITION_TEXT[hree_definition]}
