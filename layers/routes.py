"""The ``routes`` layer: trade flows drawn along sea lanes, built once and stored.

A flow (one row of ``data/flows.csv`` or a user's file with the same columns) becomes one
to three features, its legs:

- ``land`` from the origin site (a mine or plant) to the loading port, and from the
  unloading port to the destination site: straight geodesics, ``geometry_approximate``;
- ``sea`` from port to port along searoute's maritime network;
- ``great_circle`` when the flow has no pair of ports: the geodesic between the best
  points known (port, else site, else the country's representative point), flagged
  approximate. A domestic flow (origin country = destination) is a ``land`` leg.

Each leg carries the flow's properties (tonnage repeated on every leg: count a flow once,
by ``flow_id``), ``length_km`` (geodesic) and ``chokepoints`` (ids, sea legs only).
The functions after :func:`build_routes` select routes by period and compare periods.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from geo import settings
from geo.errors import DataError, InputError, Problem
from geo.searoutes import geodesic_length_km, great_circle, sea_lane
from layers.catalog import layer_path, load_layer, load_layers
from layers.chokepoints import flows_of_routes, passes
from layers.tables import check_flows, read_flows
from layers.validate import country_outlines, validate_frame

__all__ = [
    "build_from_files",
    "build_routes",
    "compare_periods",
    "periods",
    "routes_in_period",
]

_NOTES = {
    "sea": "Sea lane modelled on searoute's maritime network (Eurostat marnet) between the "
    "two ports, not a ship's track.",
    "land": "Land leg drawn as a straight geodesic between site and port (or site and "
    "site); the real road or rail path is not modelled.",
    "great_circle": "No pair of ports is known for this flow: drawn as the great circle "
    "between the best points known ({ends}); not a real path.",
}


@dataclass(frozen=True)
class _Place:
    lonlat: tuple[float, float]
    country: str
    precision_km: float | None
    label: str


def _places(frame: gpd.GeoDataFrame | None, kind: str) -> dict[str, _Place]:
    if frame is None or len(frame) == 0:
        return {}
    out: dict[str, _Place] = {}
    for row in frame.itertuples(index=False):
        geom = row.geometry
        if geom is None or geom.is_empty:
            continue
        precision = getattr(row, "location_precision_km", None)
        out[str(row.id)] = _Place(
            (float(geom.x), float(geom.y)), str(row.country),
            None if precision is None or pd.isna(precision) else float(precision),
            f"{kind} {row.id}",
        )
    return out


def _country_place(iso3: str) -> _Place | None:
    outlines = country_outlines()
    match = outlines[outlines["iso_a3"] == iso3]
    if match.empty:
        return None
    parts = match.geometry.explode(index_parts=False)
    largest = parts.iloc[int(np.argmax(parts.to_crs(settings.EQUAL_AREA).area.to_numpy()))]
    point = largest.representative_point()
    return _Place((float(point.x), float(point.y)), iso3, None, f"country {iso3}")


def _leg(kind: str, start: _Place, end: _Place) -> tuple[Any, bool]:
    if kind == "sea":
        return sea_lane(start.lonlat, end.lonlat), False
    return great_circle(start.lonlat, end.lonlat), True


def _resolve(
    row: dict[str, Any], ports: dict[str, _Place], sites: dict[str, _Place], label: str
) -> tuple[list[tuple[str, str, _Place, _Place]], list[Problem]]:
    fid = row["id"] or "#?"
    problems: list[Problem] = []

    def lookup(column: str, table: dict[str, _Place], what: str) -> _Place | None:
        key = row.get(column)
        if key is None:
            return None
        if key not in table:
            problems.append(Problem(label, fid, f"{column} {key!r} is not a known {what} id"))
        return table.get(key)

    o_site = lookup("origin_site", sites, "mines/refineries")
    d_site = lookup("destination_site", sites, "mines/refineries")
    o_port = lookup("origin_port", ports, "ports")
    d_port = lookup("destination_port", ports, "ports")
    if problems:
        return [], problems
    legs: list[tuple[str, str, _Place, _Place]] = []
    if o_site and o_port:
        legs.append(("land-origin", "land", o_site, o_port))
    if o_port and d_port:
        legs.append(("sea", "sea", o_port, d_port))
    else:
        start = o_port or o_site or _country_place(row["origin"] or "")
        end = d_port or d_site or _country_place(row["destination"] or "")
        if start is None or end is None:
            which = "origin" if start is None else "destination"
            problems.append(Problem(label, fid, f"{which} {row[which]!r} has no country outline"))
            return [], problems
        # a domestic flow between two known sites/ports goes overland; anything ending on a
        # country's representative point is a placeholder, flagged as a great circle
        known_ends = not (start.label.startswith("country") or end.label.startswith("country"))
        kind = "land" if row["origin"] == row["destination"] and known_ends else "great_circle"
        legs.append((kind.replace("_", "-"), kind, start, end))
    if d_port and d_site:
        legs.append(("land-destination", "land", d_port, d_site))
    return legs, problems


def _feature(
    row: dict[str, Any], leg: str, kind: str, start: _Place, end: _Place
) -> dict[str, Any]:
    geometry, approximate = _leg(kind, start, end)
    precisions = [p.precision_km for p in (start, end)]
    note = _NOTES[kind].format(ends=f"{start.label} to {end.label}")
    country = end.country if leg == "land-destination" else row["origin"]
    source = {
        "title": row["source_title"], "url": row["source_url"], "date": row["source_date"],
        "publisher": row["source_publisher"],
    }
    if row.get("source_kind"):  # optional column (issue 13's schema)
        source["kind"] = row["source_kind"]
    tonnage = row["tonnage"]
    return {
        "id": f"{row['id']}-{leg}",
        "name": f"{row['origin']} to {row['destination']}: {row['product']} ({row['period']}, "
        f"{leg.replace('-', ' ')} leg)",
        "layer": "routes", "country": country, "status": "operating", "owners": [],
        "elements": [], "sources": [source], "as_of": row["as_of"],
        "figure_sources": {} if tonnage is None else {"tonnage": 0},
        "location_accuracy": "approximate",
        "location_precision_km": None if None in precisions else max(precisions),  # type: ignore[type-var]
        "notes": f"{note} {row['notes'] or ''}".strip(),
        "flow_id": row["id"], "origin": row["origin"], "destination": row["destination"],
        "origin_port": row["origin_port"], "destination_port": row["destination_port"],
        "product": row["product"], "hs_code": row["hs_code"],
        "hs_edition": row.get("hs_edition"),
        "tonnage": tonnage, "tonnage_unit": row["tonnage_unit"],
        "period": row["period"], "route_kind": kind, "geometry_approximate": approximate,
        "length_km": round(geodesic_length_km(geometry), 1),
        "geometry": geometry,
    }


def build_routes(
    flows: pd.DataFrame,
    *,
    ports: gpd.GeoDataFrame,
    sites: gpd.GeoDataFrame | None = None,
    chokepoints: gpd.GeoDataFrame | None = None,
    label: str = "flows",
) -> gpd.GeoDataFrame:
    """Draw every flow along its route and return the validated ``routes`` layer.

    Parameters
    ----------
    flows
        The flow table as :func:`layers.tables.read_flows` reads it (text); its rows are
        checked by :func:`layers.tables.check_flows`, the flow table's own check.
    ports
        The ``ports`` layer (``id``, Point geometry, ``country``).
    sites
        Mines and plants (``mines`` and ``refineries`` layers together) by ``id``.
    chokepoints
        The ``chokepoints`` layer; sea legs get the ids of those they pass.
    label
        Names the input in error messages (usually its path).

    Returns
    -------
    GeoDataFrame
        The ``routes`` layer in EPSG:4326, lines split at the antimeridian.

    Raises
    ------
    DataError
        A flow names an unknown port or site, has a bad number, or breaks the schema;
        every problem is listed, nothing is returned.
    """
    port_places, site_places = _places(ports, "port"), _places(sites, "site")
    rows, problems = check_flows(flows, label)
    features: list[dict[str, Any]] = []
    for row in rows:
        legs, found = _resolve(row, port_places, site_places, label)
        problems.extend(found)
        features.extend(_feature(row, *leg) for leg in legs)
    if problems:
        raise DataError(problems)
    gdf = gpd.GeoDataFrame(features, geometry="geometry", crs=settings.WGS84)
    if len(gdf) == 0:
        raise InputError(f"{label}: no flows to route")
    typed = validate_frame(gdf, "routes", label=label)
    routes = typed.copy()
    sea = np.asarray(routes["route_kind"].eq("sea"))
    lists: list[list[str]] = [[] for _ in range(len(routes))]
    if chokepoints is not None and sea.any():
        for i, ids in zip(np.flatnonzero(sea), passes(routes.geometry[sea], chokepoints),
                          strict=True):
            lists[i] = ids
    routes["chokepoints"] = pd.Series(lists, index=routes.index, dtype=object)
    return routes


# --- flows over time ------------------------------------------------------------------


def periods(routes: gpd.GeoDataFrame) -> list[str]:
    """The distinct periods of the routes, oldest first (``2025`` sorts before ``2025-01``)."""
    return sorted({str(p) for p in routes["period"].dropna()})


def routes_in_period(routes: gpd.GeoDataFrame, period: str) -> gpd.GeoDataFrame:
    """The routes of one period, matched exactly (a year never includes its months)."""
    return routes[routes["period"].eq(period)].copy()


def compare_periods(
    routes: gpd.GeoDataFrame,
    before: str,
    after: str,
    *,
    by: str = "origin",
    destination: str | None = None,
) -> pd.DataFrame:
    """Tonnage per ``by`` (e.g. origin country) and unit in two periods, and the change.

    Each flow counts once (legs collapsed by ``flow_id``); units are never mixed. A side
    where some flow has no tonnage is flagged ``incomplete`` and sums the known ones only;
    where no flow has a tonnage the side is empty (NaN), never 0. ``destination`` (ISO3)
    keeps one importing country's flows.

    Returns
    -------
    DataFrame
        ``by``, ``tonnage_unit``, ``before``, ``after``, ``change``, ``change_pct``,
        ``incomplete``; one row per value of ``by`` and unit seen in either period.
    """
    table = flows_of_routes(routes)
    table = table[table["period"].isin([before, after]) & table["tonnage_unit"].notna()]
    if destination is not None:
        table = table[table["destination"].eq(destination)]
    grouped = table.groupby([by, "tonnage_unit", "period"])["tonnage"]
    sums = grouped.sum(min_count=1).unstack("period")
    missing = grouped.apply(lambda s: bool(s.isna().any())).unstack("period", fill_value=False)
    out = pd.DataFrame(index=sums.index)
    out["before"] = sums.get(before, pd.Series(np.nan, index=sums.index))
    out["after"] = sums.get(after, pd.Series(np.nan, index=sums.index))
    out["change"] = out["after"] - out["before"]
    out["change_pct"] = 100.0 * out["change"] / out["before"].where(out["before"] > 0)
    out["incomplete"] = missing.any(axis=1).reindex(out.index, fill_value=False).astype(bool)
    return out.reset_index()


# --- reading the inputs ---------------------------------------------------------------


def build_from_files(
    *,
    flows: str | Path | None = None,
    ports: str | Path | None = None,
    data_dir: Path | None = None,
) -> gpd.GeoDataFrame:
    """Read flows, ports, sites and chokepoints, and return the built ``routes`` layer.

    Parameters
    ----------
    flows, ports
        Files to use instead of the data folder's ``flows.csv`` and ``ports.geojson``.
    data_dir
        The data folder for everything else (mines, refineries, chokepoints).
    """
    folder = data_dir or settings.DATA_DIR
    flows_path = Path(flows) if flows is not None else folder / "flows.csv"
    port_layer = load_layer("ports", ports, data_dir=folder)
    sites = load_layers(("mines", "refineries"), data_dir=folder)
    site_frame = pd.concat([sites["mines"], sites["refineries"]], ignore_index=True)
    choke_path = layer_path("chokepoints", folder)
    chokepoints = load_layer("chokepoints", choke_path) if choke_path.exists() else None
    return build_routes(
        read_flows(flows_path),
        ports=port_layer,
        sites=gpd.GeoDataFrame(site_frame, geometry="geometry", crs=settings.WGS84),
        chokepoints=chokepoints,
        label=str(flows_path),
    )
