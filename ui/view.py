"""What the web app shows, as pure functions over the filtered layers: no Streamlit here.

How many features each filter option would keep, figures for the current view, the table
rows, a feature's bounds for the map to zoom to, and the downloads, written by the CLI's
own writer (:mod:`geo.export`); the look-through stakes for the popups are
:mod:`ui.stakes`'. The app's state and
its URL live in :mod:`ui.permalink`.
"""

from __future__ import annotations

import io
import tempfile
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.export import EXTENSIONS, write_layers
from geo.identity import by_identity
from layers.attributable import ASSET_LAYERS
from layers.ownership import OwnershipGraph
from layers.query import Query, value_counts
from layers.schema import LAYERS, READING_ORDER
from ui.permalink import KINDS
from ui.style import PAGE_LAYERS

__all__ = [
    "MIME",
    "TABLE_COLUMNS",
    "TABLE_LIMIT",
    "Summary",
    "download",
    "download_name",
    "feature_bounds",
    "option_counts",
    "summarise",
    "table_rows",
]

#: Download format -> MIME type (a zip when several layers go to several files).
MIME: Final[dict[str, str]] = {
    "geojson": "application/geo+json",
    "gpkg": "application/geopackage+sqlite3",
    "csv": "text/csv",
    "parquet": "application/vnd.apache.parquet",
    "zip": "application/zip",
}


def option_counts(
    frames: Mapping[str, gpd.GeoDataFrame], query: Query, graph: OwnershipGraph, kind: str
) -> dict[str, int]:
    """Count, for each value of one filter kind, the features it would keep.

    The other kinds' filters apply; this kind's own selection is ignored, so the count is
    what choosing that value (alone) would show. Owners count through the chain: an
    entity counts every asset it holds directly or through other entities.

    Parameters
    ----------
    frames
        Layer name -> typed features.
    query
        The current filter.
    graph
        The ownership graph.
    kind
        A key of :data:`KINDS` (``layers``, ``elements``, ``owners``, ``countries``,
        ``statuses``, ``stages``, ``capacity_units``).

    Returns
    -------
    dict
        Value -> feature count (layer names, element symbols, entity ids, ISO3 codes,
        statuses, stages or capacity units); values that keep nothing are absent.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown filter kind {kind!r}; use one of {', '.join(KINDS)}")
    return value_counts(frames, query, graph, kind)


@dataclass(frozen=True)
class Summary:
    """Figures for the current view.

    Attributes
    ----------
    features
        Layer name -> feature count (layers with none left out).
    capacity
        Capacity unit -> total capacity, and the number of features it sums.
    no_capacity
        Mines and plants shown with no capacity figure (not in any total): a reader of the
        totals needs to know how much they leave out.
    """

    features: dict[str, int]
    capacity: dict[str, tuple[float, int]]
    no_capacity: int = 0

    @property
    def total(self) -> int:
        """All features shown."""
        return sum(self.features.values())


def _in_reading_order(frames: Mapping[str, gpd.GeoDataFrame]) -> list[str]:
    """Layer names as a reader expects them: mines first, then plants, ..., extras last."""
    return [n for n in READING_ORDER if n in frames] + [n for n in frames if n not in LAYERS]


def summarise(frames: Mapping[str, gpd.GeoDataFrame]) -> Summary:
    """Sum the selection: features per layer (in reading order), total capacity per unit."""
    features = {name: len(frames[name]) for name in _in_reading_order(frames)
                if len(frames[name])}
    capacity: dict[str, tuple[float, int]] = {}
    no_capacity = 0
    for name, gdf in frames.items():
        if not len(gdf):
            continue
        values = pd.to_numeric(gdf["capacity"], errors="coerce")
        has = values.notna() & gdf["capacity_unit"].notna()
        for unit, group in values[has].groupby(gdf["capacity_unit"][has]):
            total, count = capacity.get(str(unit), (0.0, 0))
            capacity[str(unit)] = (total + float(group.sum()), count + len(group))
        if name in ASSET_LAYERS:
            no_capacity += int((~has).sum())
    return Summary(features=features, capacity=dict(sorted(capacity.items())),
                   no_capacity=no_capacity)


def _web_url(value: object) -> str | None:
    # Only http(s) links reach a link column: never javascript: or data: from a file.
    if isinstance(value, str) and value.startswith(("https://", "http://")):
        return value
    return None


#: The table's columns, in order.
TABLE_COLUMNS: Final[tuple[str, ...]] = (
    "layer", "id", "name", "country", "status", "stage", "owners", "stake_sources", "elements",
    "hree_share_pct", "hree_source", "capacity", "capacity_unit", "capacity_year",
    "capacity_source", "as_of", "checked_on", "source", "sources", "page",
)


def source_label(source: Mapping[str, object]) -> str:
    """``Publisher (date, kind): title`` for a source shown beside a figure."""
    about = ", ".join(str(v) for v in (source.get("date"), source.get("kind")) if v)
    head = str(source.get("publisher") or "") + (f" ({about})" if about else "")
    return f"{head.strip()}: {source.get('title', '')}" if head.strip() else str(
        source.get("title", ""))


def _figure_source(sources: object, named: object, keys: Sequence[str],
                   label: Callable[[Mapping[str, object]], str] = source_label) -> str | None:
    """The sources that state these figures, as text (None when none is named), each
    labelled by ``label``."""
    if not isinstance(sources, list) or not isinstance(named, dict | Mapping):
        return None
    found: list[int] = []
    for key in keys:
        at = named.get(key)
        if at is None and key == "hree_share_pct":  # a share computed from the elements
            at = named.get("element_shares_pct")
        if isinstance(at, int) and 0 <= at < len(sources) and at not in found:
            found.append(at)
    return "; ".join(label(sources[at]) for at in found) or None


def _labels() -> Callable[[Mapping[str, object]], str]:
    """:func:`source_label`, worked out once per source object (pooled sources are shared
    by many rows) while the returned function lives."""
    done: dict[int, tuple[Mapping[str, object], str]] = {}

    def label(source: Mapping[str, object]) -> str:
        hit = done.get(id(source))
        if hit is None or hit[0] is not source:
            hit = done[id(source)] = (source, source_label(source))
        return hit[1]

    return label


def _stake_keys(owners: object) -> list[str]:
    if not isinstance(owners, list):
        return []
    return [f"stake:{o['name']}" for o in owners
            if isinstance(o, dict | Mapping) and o.get("stake_pct") is not None]


#: Rows the app's table shows at most (the first, in reading order); the downloads and
#: ``reemap export`` hold every feature. Formatting a million rows' owners and sources as
#: text, and sending them to the browser, would take seconds on each filter change.
TABLE_LIMIT: Final[int] = 5000


def table_rows(frames: Mapping[str, gpd.GeoDataFrame], *, limit: int | None = None
               ) -> pd.DataFrame:
    """Lay out the selected features as one table (no geometry), one row per feature.

    Parameters
    ----------
    frames
        Layer name -> features.
    limit
        At most this many rows (the first, in that order); all when omitted.

    Returns
    -------
    DataFrame
        Mines first, then plants, ports, routes, chokepoints and seabed areas (the map's
        drawing order, top first); the columns of :data:`TABLE_COLUMNS`: owners as
        ``name (pct%)`` text, elements as ``Nd, Pr`` text, ``source`` the first http(s)
        source URL (or empty), ``sources`` every source title; ``stake_sources``,
        ``hree_source`` and ``capacity_source`` the source stating each of those figures
        (``Publisher (date, kind): title``, from ``figure_sources``), ``checked_on`` the
        day the figures were last checked against the sources, ``page`` the link to the
        feature's own page (mines, plants, seabed areas; empty for other layers).
    """
    parts = []
    # top of the map first: mines, plants, ports, routes, chokepoints, seabed
    order = _in_reading_order(frames)
    left = limit
    label = _labels()
    for layer in order:
        gdf = frames[layer]
        if left is not None:
            gdf = gdf.iloc[:left]
            left -= len(gdf)
        if not len(gdf):
            continue
        owners, sources = _objects(gdf, "owners"), _objects(gdf, "sources")
        named = _objects(gdf, "figure_sources")
        rows = pd.DataFrame({
            "layer": layer,
            "id": gdf["id"].to_numpy(),
            "name": gdf["name"].to_numpy(),
            "country": gdf["country"].to_numpy(),
            "status": gdf["status"].to_numpy(),
            "stage": gdf["stage"].to_numpy() if "stage" in gdf.columns else None,
            "owners": _per_object(_owners_text, owners),
            "elements": _per_object(_elements_text, _objects(gdf, "elements")),
            "hree_share_pct": pd.to_numeric(gdf["hree_share_pct"], errors="coerce").to_numpy(),
            "capacity": pd.to_numeric(gdf["capacity"], errors="coerce").to_numpy(),
            "capacity_unit": gdf["capacity_unit"].to_numpy(),
            "capacity_year": pd.to_numeric(gdf["capacity_year"], errors="coerce").to_numpy(),
            "as_of": gdf["as_of"].astype(str).to_numpy(),
            "checked_on": _column(gdf, "checked_on"),
            "stake_sources": _per_object(
                lambda s, n, o: _figure_source(s, n, _stake_keys(o), label), sources, named,
                owners),
            "hree_source": _per_object(
                lambda s, n: _figure_source(s, n, ["hree_share_pct"], label), sources, named),
            "capacity_source": _per_object(
                lambda s, n: _figure_source(s, n, ["capacity"], label), sources, named),
            "source": _per_object(_first_web_url, sources),
            "sources": _per_object(_titles, sources),
            # the feature's own page (a link relative to the app: ?asset=layer/id)
            "page": ("?asset=" + layer + "/" + gdf["id"].astype(str)).to_numpy()
            if layer in PAGE_LAYERS else None,
        })
        parts.append(rows)
    if not parts:  # typed like a filled table, so callers can still join text columns
        return pd.DataFrame({c: pd.Series([], dtype=object) for c in TABLE_COLUMNS})
    return pd.concat(parts, ignore_index=True)[list(TABLE_COLUMNS)]


def _objects(gdf: pd.DataFrame, name: str) -> np.ndarray:
    """A column's values as an object array (None for each row when the frame lacks it)."""
    if name not in gdf.columns:
        return np.full(len(gdf), None, dtype=object)
    return np.asarray(gdf[name].to_numpy(dtype=object), dtype=object)


def _per_object(text: Callable[..., str | None], *columns: np.ndarray) -> list[str | None]:
    """``text`` of each row's values, worked out once for the rows that hold the same
    objects (an imported layer's pooled owners and sources: once per pool entry)."""
    codes, firsts = by_identity(*columns)
    done = np.empty(len(firsts), dtype=object)
    done[:] = list(map(text, *(c[firsts].tolist() for c in columns)))
    return list(done[codes])


def _owners_text(owners: object) -> str:
    return "; ".join(_owner_text(o) for o in owners) if isinstance(owners, list) else ""


def _elements_text(elements: object) -> str:
    return ", ".join(elements) if isinstance(elements, list) else ""


def _first_web_url(sources: object) -> str | None:
    """The first http(s) source URL."""
    if not isinstance(sources, list):
        return None
    return next((u for s in sources if (u := _web_url(s.get("url")))), None)


def _titles(sources: object) -> str:
    return "; ".join(str(s.get("title", "")) for s in sources) if isinstance(
        sources, list) else ""


def _column(gdf: pd.DataFrame, name: str) -> list[object]:
    """A column's values, or None for each row when the frame lacks it (a user's file)."""
    return gdf[name].tolist() if name in gdf.columns else [None] * len(gdf)


def _owner_text(owner: Mapping[str, object]) -> str:
    pct = owner.get("stake_pct")
    return f"{owner['name']} ({pct:g}%)" if isinstance(pct, int | float) else str(owner["name"])


def feature_bounds(
    frames: Mapping[str, gpd.GeoDataFrame], layer: str, feature_id: str, *, pad_deg: float = 0.5
) -> tuple[float, float, float, float] | None:
    """Return a feature's bounds (minx, miny, maxx, maxy), padded; None when it is absent.

    A point gets a box of ``pad_deg`` each side, so that zooming to it keeps a region in
    view.
    """
    gdf = frames.get(layer)
    if gdf is None or not len(gdf):
        return None
    hit = gdf[gdf["id"] == feature_id]
    if not len(hit) or hit.geometry.iloc[0] is None or hit.geometry.iloc[0].is_empty:
        return None
    minx, miny, maxx, maxy = (float(v) for v in hit.geometry.iloc[0].bounds)
    return (
        max(minx - pad_deg, -180.0), max(miny - pad_deg, -90.0),
        min(maxx + pad_deg, 180.0), min(maxy + pad_deg, 90.0),
    )


def download_name(layers: Sequence[str], fmt: str, *, stem: str = "reemap") -> tuple[str, str]:
    """The file name and MIME type :func:`download` gives these layers in ``fmt``."""
    if len(layers) > 1 and fmt != "gpkg":
        return f"{stem}-{fmt}.zip", MIME["zip"]
    return f"{stem}{EXTENSIONS[fmt]}", MIME[fmt]


def download(frames: Mapping[str, gpd.GeoDataFrame], fmt: str, *, stem: str = "reemap"
             ) -> tuple[str, str, bytes]:
    """Encode the selection as ``reemap export`` writes it for the same filter.

    One layer, or a GeoPackage, is one file; several layers in another format are the
    files ``reemap export`` writes into a folder, zipped (each member byte-identical).

    Returns
    -------
    file name, MIME type, bytes
        As :func:`download_name` names them.
    """
    name, mime = download_name(list(frames), fmt, stem=stem)
    with tempfile.TemporaryDirectory(prefix="reemap-") as tmp:
        if not name.endswith(".zip"):
            written = write_layers(frames, Path(tmp) / name, fmt=fmt)
            return name, mime, written[0].read_bytes()
        written = write_layers(frames, Path(tmp) / stem, fmt=fmt)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in written:
                info = zipfile.ZipInfo(f"{stem}/{path.name}", date_time=(1980, 1, 1, 0, 0, 0))
                archive.writestr(info, path.read_bytes(), zipfile.ZIP_DEFLATED)
        return name, mime, buffer.getvalue()
