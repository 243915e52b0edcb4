"""Chokepoints: which ones each sea route passes, and how much of Japan's imports pass each.

A route passes a chokepoint when its line intersects the chokepoint's polygon, tested in a
metric CRS (``settings.EQUAL_AREA``), never in degrees. Only sea legs are tested: land legs
and great-circle fallbacks do not follow a real path, so they pass no chokepoint.

Exposure is computed per flow (``flow_id``), per period and per tonnage unit: tonnages in
different units (``t``, ``t metal equivalent``, ...) are never added together. A flow with
no sea leg is counted under "not routed by sea", so that for every period and unit the
routed and unrouted tonnages add up to the total.
"""

from __future__ import annotations

from collections.abc import Iterable

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo import settings
from layers.defaults import IMPORTER

__all__ = [
    "EXPOSURE_COLUMNS", "NOT_ROUTED", "TOTAL", "exposure", "exposure_text", "flows_of_routes",
    "passes", "routes_through",
]

#: Pseudo chokepoint ids of the two summary rows of :func:`exposure`.
NOT_ROUTED = "(not routed by sea)"
TOTAL = "(all imports)"

#: The columns of :func:`exposure`, in order.
EXPOSURE_COLUMNS: tuple[str, ...] = (
    "period", "chokepoint_id", "chokepoint", "tonnage_unit", "tonnage", "total", "share_pct",
    "flows", "flows_without_tonnage",
)


def passes(
    lines: gpd.GeoSeries, chokepoints: gpd.GeoDataFrame, *, crs: str = settings.EQUAL_AREA
) -> list[list[str]]:
    """Return, for each line, the ids of the chokepoints it intersects.

    Parameters
    ----------
    lines
        Route geometries in EPSG:4326 (split at the antimeridian or not).
    chokepoints
        The ``chokepoints`` layer, with ``id`` and polygon geometry, in EPSG:4326.
    crs
        The metric CRS the intersection is tested in.

    Returns
    -------
    list of list of str
        One list per line, in ``lines`` order; ids in ``chokepoints`` order.
    """
    if len(lines) == 0:
        return []
    if len(chokepoints) == 0:
        return [[] for _ in range(len(lines))]
    if lines.crs is None or chokepoints.crs is None:
        raise ValueError("routes and chokepoints need a CRS (EPSG:4326); call set_crs first")
    projected_lines = np.asarray(lines.to_crs(crs).values)
    polygons = np.asarray(chokepoints.geometry.to_crs(crs).values)
    tree = shapely.STRtree(polygons)
    line_idx, poly_idx = tree.query(projected_lines, predicate="intersects")
    ids = chokepoints["id"].to_numpy()
    found: list[list[int]] = [[] for _ in range(len(lines))]
    for i, j in zip(line_idx.tolist(), poly_idx.tolist(), strict=True):
        found[i].append(j)
    return [[str(ids[j]) for j in sorted(js)] for js in found]


def routes_through(routes: gpd.GeoDataFrame, chokepoint_ids: Iterable[str]) -> list[str]:
    """The ids of the route legs that pass any of the given chokepoints (for a highlight)."""
    wanted = set(chokepoint_ids)
    if not wanted or "chokepoints" not in routes:
        return []
    hits = routes["chokepoints"].map(
        lambda ids: isinstance(ids, list | tuple | np.ndarray) and bool(wanted & set(ids))
    )
    return [str(i) for i in routes.loc[hits.astype(bool), "id"]]


def _union(lists: Iterable[object]) -> list[str]:
    out: list[str] = []
    for value in lists:
        if isinstance(value, list | tuple | np.ndarray):
            out.extend(str(v) for v in value if str(v) not in out)
    return out


def flows_of_routes(routes: gpd.GeoDataFrame) -> pd.DataFrame:
    """Collapse route legs into one row per flow.

    A flow drawn as several legs (land, sea, land) repeats its tonnage on each leg; this
    keeps it once. Rows without ``flow_id`` are flows of their own (keyed by ``id``).

    Returns
    -------
    DataFrame
        ``flow_id``, ``origin``, ``destination``, ``product``, ``period``, ``tonnage``,
        ``tonnage_unit``, ``by_sea`` (bool) and ``chokepoints`` (list of ids).
    """
    frame = pd.DataFrame(routes.drop(columns=routes.geometry.name))
    key = frame.get("flow_id", pd.Series(None, index=frame.index, dtype=object))
    frame["flow_id"] = key.where(key.notna(), frame["id"])
    if "chokepoints" not in frame:
        frame["chokepoints"] = [[] for _ in range(len(frame))]
    frame["by_sea"] = frame.get("route_kind", pd.Series("", index=frame.index)).eq("sea")
    grouped = frame.groupby("flow_id", sort=False)
    first = grouped[["origin", "destination", "product", "period", "tonnage", "tonnage_unit"]]
    out = first.first()
    out["by_sea"] = grouped["by_sea"].any()
    out["chokepoints"] = grouped["chokepoints"].agg(_union)
    return out.reset_index()


def exposure(
    routes: gpd.GeoDataFrame,
    chokepoints: gpd.GeoDataFrame,
    *,
    period: str | None = None,
    destination: str = IMPORTER,
) -> pd.DataFrame:
    """Tonnage and share of a country's imports passing each chokepoint, per period and unit.

    Parameters
    ----------
    routes
        The ``routes`` layer, with its ``chokepoints`` property (``reemap build-routes``).
    chokepoints
        The ``chokepoints`` layer (for names and order).
    period
        One period (``YYYY`` or ``YYYY-MM``, matched exactly: a year never sums its
        months); every period with imports when omitted.
    destination
        ISO3 code of the importing country.

    Returns
    -------
    DataFrame
        :data:`EXPOSURE_COLUMNS`: one row per period, unit and chokepoint, then a
        :data:`NOT_ROUTED` row and a :data:`TOTAL` row. ``share_pct`` is the tonnage over
        the total of that period and unit; flows with unknown tonnage are counted in
        ``flows_without_tonnage`` and left out of every sum.
    """
    table = flows_of_routes(routes)
    table = table[table["destination"].eq(destination) & table["tonnage_unit"].notna()]
    if period is not None:
        table = table[table["period"].eq(period)]
    names = dict(zip(chokepoints["id"], chokepoints["name"], strict=True))
    rows: list[dict[str, object]] = []
    for (when, unit), group in table.groupby(["period", "tonnage_unit"], sort=True):
        known = group[group["tonnage"].notna()]
        total = float(known["tonnage"].sum())

        def row(cid: str, label: str, members: pd.DataFrame, *, when: object = when,
                unit: object = unit, total: float = total) -> dict[str, object]:
            tonnage = float(members["tonnage"].sum(min_count=1)) if len(members) else 0.0
            tonnage = 0.0 if np.isnan(tonnage) else tonnage
            return {
                "period": when, "chokepoint_id": cid, "chokepoint": label,
                "tonnage_unit": unit, "tonnage": tonnage, "total": total,
                "share_pct": 100.0 * tonnage / total if total > 0 else None,
                "flows": len(members),
                "flows_without_tonnage": int(members["tonnage"].isna().sum()),
            }

        for cid, name in names.items():
            through = group[group["chokepoints"].map(lambda ids, c=cid: c in ids)]
            rows.append(row(str(cid), str(name), through))
        rows.append(row(NOT_ROUTED, NOT_ROUTED, group[~group["by_sea"]]))
        rows.append(row(TOTAL, TOTAL, group))
    return pd.DataFrame(rows, columns=list(EXPOSURE_COLUMNS))


def exposure_text(table: pd.DataFrame) -> str:
    """Format :func:`exposure` as an aligned plain-text table, one block per period."""
    header = ("period", "chokepoint", "unit", "tonnage", "share %", "flows")
    rows = []
    for r in table.to_dict("records"):
        share = r["share_pct"]
        missing = r["flows_without_tonnage"]
        rows.append((
            str(r["period"]), str(r["chokepoint"]), str(r["tonnage_unit"]),
            f"{float(r['tonnage']):,.1f}",
            "" if share is None or pd.isna(share) else f"{float(share):.1f}",
            f"{r['flows']}" + (f" ({missing} no tonnage)" if missing else ""),
        ))
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    right = {3, 4}
    return "\n".join(
        "  ".join(cell.rjust(w) if i in right else cell.ljust(w)
                  for i, (cell, w) in enumerate(zip(row, widths, strict=True))).rstrip()
        for row in [header, *rows]
    )
