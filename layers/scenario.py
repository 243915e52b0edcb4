"""Disruption scenarios: remove a country, a facility, an owner or a chokepoint.

For each scenario: what share of Japan's imports (by tonnage, per market: period, unit,
product) is lost, what capacity is lost by stage, unit and element group, and what
capacity remains outside China at each stage. What is lost is a range, ``low`` to
``high``: removing an owner removes its look-through stake of each asset and of each flow
from an asset, and a stake of unknown size gives a range (``layers.ownership``).

- ``country:ISO3``: every asset in the country and every flow from it.
- ``facility:ID`` (``ID`` or ``layer/ID``): the asset and the flows shipped from it
  (``origin_site``).
- ``owner:NAME``: the owner's look-through share of each asset and of its flows.
- ``chokepoint:ID``: the flows whose sea route passes it (the ``chokepoints`` property of
  ``data/routes.geojson``); no capacity. Without that property the loss is unknown (NaN).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import pycountry

from geo.errors import InputError
from layers.attributable import asset_table, owner_entity
from layers.chokepoints import flows_of_routes
from layers.defaults import IMPORTER
from layers.dependency import MARKET
from layers.ownership import OwnershipGraph
from layers.schema import CURRENT_STATUSES, ELEMENT_GROUPS, STAGES

__all__ = [
    "KINDS", "Disruption", "ScenarioResult", "highlight_map", "parse_disruption", "run_scenario",
    "targets",
]

#: The kinds of thing a scenario removes.
KINDS: tuple[str, ...] = ("country", "facility", "owner", "chokepoint")
CHINA = "CHN"


@dataclass(frozen=True)
class Disruption:
    """What a scenario removes: ``kind`` (one of :data:`KINDS`) and its ``id``."""

    kind: str
    id: str

    def __str__(self) -> str:
        return f"{self.kind}:{self.id}"


@dataclass
class ScenarioResult:
    """The outcome of one scenario.

    Attributes
    ----------
    imports
        Per market: ``total`` (tonnage the data holds), ``lost_low``, ``lost_high``,
        ``lost_pct_low``, ``lost_pct_high``, ``flows_lost``.
    capacity
        Per stage, unit and element group: ``total``, ``lost_low``, ``lost_high``,
        ``assets_hit``.
    outside_china
        Per stage and unit: capacity outside China ``before``, ``after_low``, ``after_high``.
    highlight
        Asset keys (``layer/id``) and flow ids the scenario hits, for the map.
    notes
        What the figures cover and what they cannot say.
    """

    disruptions: tuple[Disruption, ...]
    imports: pd.DataFrame
    capacity: pd.DataFrame
    outside_china: pd.DataFrame
    highlight: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def tables(self) -> dict[str, pd.DataFrame]:
        """The three tables by the names ``reemap scenario`` prints them under."""
        return {
            "imports lost (per period, unit and product)": self.imports,
            "capacity lost (by stage, unit, element group)": self.capacity,
            "capacity outside China (before and after)": self.outside_china,
        }


def parse_disruption(text: str) -> Disruption:
    """Parse ``KIND:ID``.

    Raises
    ------
    InputError
        When the text has no ``:`` or the kind is not one of :data:`KINDS`.
    """
    kind, sep, ident = text.partition(":")
    kind = kind.strip().lower()
    if not sep or kind not in KINDS or not ident.strip():
        raise InputError(f"--without {text!r}: give KIND:ID with KIND one of {', '.join(KINDS)}")
    return Disruption(kind, ident.strip())


def _asset_losses(
    assets: pd.DataFrame, graph: OwnershipGraph, what: Disruption
) -> tuple[np.ndarray, np.ndarray]:
    """Fraction of each asset lost (low, high)."""
    n = len(assets)
    if what.kind == "country":
        hit = (assets["country"] == what.id.upper()).to_numpy(dtype=float)
        return hit, hit
    if what.kind == "facility":
        hit = ((assets["key"] == what.id) | (assets["id"] == what.id)).to_numpy(dtype=float)
        return hit, hit
    if what.kind == "owner":
        ranges = graph.stake_ranges(owner_entity(graph, what.id))
        low = np.array([ranges[k].low / 100 if k in ranges else 0.0 for k in assets["key"]])
        high = np.array([ranges[k].high / 100 if k in ranges else 0.0 for k in assets["key"]])
        return low, high
    return np.zeros(n), np.zeros(n)


def _check_target(what: Disruption, assets: pd.DataFrame, frames: Mapping[str, gpd.GeoDataFrame],
                  graph: OwnershipGraph) -> None:
    if what.kind == "country" and pycountry.countries.get(alpha_3=what.id.upper()) is None:
        raise InputError(f"country:{what.id}: not an ISO 3166-1 alpha-3 code")
    if what.kind == "facility" and not (assets["key"].eq(what.id) | assets["id"].eq(what.id)).any():
        raise InputError(f"facility:{what.id}: no mine or plant has that id")
    if what.kind == "owner":
        owner_entity(graph, what.id)
    points = frames.get("chokepoints")
    known_points = set(points["id"]) if points is not None else set()
    if what.kind == "chokepoint" and known_points and what.id not in known_points:
        known = ", ".join(sorted(known_points))
        raise InputError(f"chokepoint:{what.id}: unknown; chokepoints are {known}")


def _flow_losses(
    flows: pd.DataFrame, assets: pd.DataFrame, what: Disruption, *, low: np.ndarray,
    high: np.ndarray, frames: Mapping[str, gpd.GeoDataFrame], notes: list[str],
) -> tuple[np.ndarray, np.ndarray]:
    """Fraction of each flow lost (low, high); NaN where the data cannot tell."""
    n = len(flows)
    if what.kind == "country":
        hit = (flows["origin"] == what.id.upper()).to_numpy(dtype=float)
        return hit, hit
    if what.kind == "chokepoint":
        routes = frames.get("routes")
        if routes is None or not len(routes) or "chokepoints" not in routes:
            notes.append("the routes carry no chokepoints yet (data/routes.geojson): "
                         "which imports pass the chokepoint is unknown")
            return np.full(n, np.nan), np.full(n, np.nan)
        legs = flows_of_routes(routes)
        through = set(legs.loc[legs["chokepoints"].map(lambda c: what.id in c), "flow_id"])
        routed = set(legs["flow_id"])
        hit = np.array([1.0 if f in through else (0.0 if f in routed else np.nan)
                        for f in flows["id"]])
        if np.isnan(hit).any():
            notes.append("flows without a route: whether they pass the chokepoint is unknown")
        return hit, hit
    # facility and owner: a flow is lost as far as its origin site is
    site_low: dict[str, float] = {}
    site_high: dict[str, float] = {}
    for site, lo, hi in zip(assets["id"], low, high, strict=True):  # an id may name 2 layers
        site_low[site] = max(site_low.get(site, 0.0), lo)
        site_high[site] = max(site_high.get(site, 0.0), hi)
    sites = flows["origin_site"].fillna("")
    return (np.array([site_low.get(s, 0.0) for s in sites]),
            np.array([site_high.get(s, 0.0) for s in sites]))


def _imports(flows: pd.DataFrame, low: np.ndarray, high: np.ndarray) -> pd.DataFrame:
    table = flows.assign(lost_low=low * flows["tonnage"], lost_high=high * flows["tonnage"],
                         hit=np.where(np.isnan(high), np.nan, high > 0))
    rows = []
    for key, market in table.groupby(MARKET, sort=True):
        total = float(market["tonnage"].sum())
        lost_low = float(market["lost_low"].sum(min_count=len(market)))
        lost_high = float(market["lost_high"].sum(min_count=len(market)))
        rows.append({
            **dict(zip(MARKET, key, strict=True)), "total": total,
            "lost_low": lost_low, "lost_high": lost_high,
            "lost_pct_low": 100 * lost_low / total if total else np.nan,
            "lost_pct_high": 100 * lost_high / total if total else np.nan,
            "flows_lost": ", ".join(market.loc[market["hit"] == 1, "id"]),
        })
    columns = [*MARKET, "total", "lost_low", "lost_high", "lost_pct_low", "lost_pct_high",
               "flows_lost"]
    return pd.DataFrame(rows, columns=columns)


def _capacity(assets: pd.DataFrame, low: np.ndarray, high: np.ndarray) -> pd.DataFrame:
    groups = {"all": None, **ELEMENT_GROUPS}
    rows = []
    for (_, asset), lo, hi in zip(assets.iterrows(), low, high, strict=True):
        for name, members in groups.items():
            if members is None or members.intersection(asset["elements"]):
                size = asset["capacity"]
                rows.append({"stage": asset["stage"], "capacity_unit": asset["capacity_unit"],
                             "element_group": name, "total": size, "lost_low": lo * size,
                             "lost_high": hi * size, "hit": hi > 0})
    columns = ["stage", "capacity_unit", "element_group", "total", "lost_low", "lost_high",
               "assets_hit"]
    if not rows:
        return pd.DataFrame(columns=columns)
    out = pd.DataFrame(rows).groupby(["stage", "capacity_unit", "element_group"]).agg(
        total=("total", "sum"), lost_low=("lost_low", "sum"), lost_high=("lost_high", "sum"),
        assets_hit=("hit", "sum"),
    ).reset_index()
    out["order"] = out["stage"].map(list(STAGES).index)
    return out.sort_values(["order", "capacity_unit", "element_group"])[columns].reset_index(
        drop=True)


def _union(parts: Sequence[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """Fractions lost when several disruptions strike together (low, high).

    At least the largest single loss, at most the sum of the losses (capped at all): exact
    where each loss is all or nothing. Unknown (NaN) stays unknown unless another
    disruption takes it all.
    """
    lows = np.vstack([p[0] for p in parts])
    highs = np.vstack([p[1] for p in parts])
    low = np.where(np.isnan(lows), 0.0, lows).max(axis=0)
    high = np.minimum(1.0, np.where(np.isnan(highs), 0.0, highs).sum(axis=0))
    unknown = np.isnan(lows).any(axis=0) & (low < 1.0)
    return np.where(unknown, np.nan, low), np.where(unknown, np.nan, high)


def run_scenario(
    what: Disruption | Sequence[Disruption],
    frames: Mapping[str, gpd.GeoDataFrame],
    graph: OwnershipGraph,
    flows: pd.DataFrame,
    *,
    destination: str = IMPORTER,
    statuses: tuple[str, ...] = CURRENT_STATUSES,
) -> ScenarioResult:
    """Remove one thing (or several) and measure what Japan (or ``destination``) and the
    world lose.

    Parameters
    ----------
    what
        The disruption (:func:`parse_disruption`), or several that strike together: an
        asset or flow is lost at least as far as the worst of them takes it and at most
        as far as their sum (exact for countries, facilities and chokepoints).
    frames
        The layers (``mines``, ``refineries``; ``routes`` and ``chokepoints`` for a
        chokepoint).
    graph
        The ownership graph, built for the date asked.
    flows
        ``data/flows.csv`` rows (``layers.tables.load_flows``).
    destination
        The importer.
    statuses
        Which assets' capacity counts (operating and commissioning by default).

    Raises
    ------
    InputError
        An unknown country, facility, owner or chokepoint.
    """
    whats = (what,) if isinstance(what, Disruption) else tuple(what)
    if not whats:
        raise InputError("no disruption given: name at least one KIND:ID")
    everything = asset_table(frames)
    for one in whats:
        _check_target(one, everything, frames, graph)
    asset_parts = [_asset_losses(everything, graph, one) for one in whats]
    every_low, every_high = _union(asset_parts)
    counted = (everything["status"].isin(statuses) & everything["capacity"].notna()
               & everything["capacity_unit"].notna()).to_numpy()
    assets = everything[counted].reset_index(drop=True)
    low, high = every_low[counted], every_high[counted]
    into = flows[(flows["destination"] == destination) & flows["tonnage"].notna()
                 & flows["tonnage_unit"].notna()].reset_index(drop=True)
    notes = [f"capacity of {', '.join(statuses)} assets with a stated capacity; a plant counts "
             "at its main stage", f"imports: tonnage into {destination} the data holds, per "
             "period, unit and product; shares are of that tonnage, not of all imports"]
    # flows leave from any site, whatever its status or stated capacity
    flow_low, flow_high = _union([
        _flow_losses(into, everything, one, low=lo, high=hi, frames=frames, notes=notes)
        for one, (lo, hi) in zip(whats, asset_parts, strict=True)
    ])
    capacity = _capacity(assets, low, high)
    outside = (assets["country"] != CHINA).to_numpy()
    before = _capacity(assets[outside].reset_index(drop=True), low[outside], high[outside])
    before = before[before["element_group"] == "all"]
    outside_china = pd.DataFrame({
        "stage": before["stage"], "capacity_unit": before["capacity_unit"],
        "before": before["total"], "after_low": before["total"] - before["lost_high"],
        "after_high": before["total"] - before["lost_low"],
    }).reset_index(drop=True)
    lost_assets = [k for k, h in zip(everything["key"], every_high, strict=True) if h > 0]
    lost_flows = list(into.loc[np.nan_to_num(flow_high) > 0, "id"])
    if any(one.kind == "owner" for one in whats):
        notes.append("an owner's loss is its look-through share; a range where a stake's "
                     "size is not sourced")
    if len(whats) > 1:
        notes.append("together: each asset and flow is lost at least as far as the worst "
                     "single disruption takes it, at most as far as their sum")
    return ScenarioResult(whats, _imports(into, flow_low, flow_high), capacity, outside_china,
                          lost_assets + lost_flows, notes)


def targets(
    frames: Mapping[str, gpd.GeoDataFrame], graph: OwnershipGraph, flows: pd.DataFrame
) -> dict[str, dict[str, str]]:
    """What each kind of scenario can remove: kind -> {id: label}, for a picker."""
    assets = asset_table(frames)
    countries = sorted(set(assets["country"]) | set(flows.get("origin", [])))
    points = frames.get("chokepoints")
    return {
        "country": {c: _country_name(c) for c in countries},
        "facility": dict(zip(assets["key"], assets["name"] + " (" + assets["key"] + ")",
                             strict=True)),
        "owner": {e: graph.name(e) for e in sorted(graph.entities, key=graph.name)},
        "chokepoint": dict(zip(points["id"], points["name"], strict=True))
        if points is not None else {},
    }


def _country_name(code: str) -> str:
    found = pycountry.countries.get(alpha_3=code)
    return f"{found.name} ({code})" if found else code


def highlight_map(
    result: ScenarioResult, frames: Mapping[str, gpd.GeoDataFrame]
) -> dict[str, list[str]]:
    """Layer -> feature ids the scenario hits: its assets, and the route legs of its flows."""
    out: dict[str, list[str]] = {}
    for key in result.highlight:
        layer, _, fid = key.partition("/")
        if fid:
            out.setdefault(layer, []).append(fid)
    routes = frames.get("routes")
    if routes is not None and len(routes) and "flow_id" in routes:
        hit = routes["flow_id"].isin([k for k in result.highlight if "/" not in k])
        if hit.any():
            out["routes"] = list(routes.loc[hit, "id"])
    return out
