"""Attributable capacity: an asset's capacity times an owner's look-through stake.

Capacities are never added across units (``t/yr NdPr oxide`` and ``t/yr REO`` stay apart).
An element group (``NdPr``, ``Dy/Tb``, from ``layers.schema.ELEMENT_GROUPS``) holds the
capacity of the assets that list any of its elements: tonnes of that asset's product, not
tonnes of the elements. Where a stake's size is not sourced the result is a range,
``low`` to ``high`` (see :class:`layers.ownership.StakeRange`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import geopandas as gpd
import pandas as pd

from geo.errors import InputError
from layers.ownership import OwnershipGraph, asset_key
from layers.schema import CURRENT_STATUSES, ELEMENT_GROUPS, PIPELINE_STATUSES

__all__ = [
    "ASSET_LAYERS",
    "asset_table",
    "attributable_assets",
    "attributable_totals",
    "owner_entity",
    "owner_tables",
    "status_group",
]

#: The layers whose features have capacity and owners.
ASSET_LAYERS: tuple[str, ...] = ("mines", "refineries")

ASSET_COLUMNS = (
    "key", "layer", "id", "name", "country", "status", "stage", "elements", "capacity",
    "capacity_unit", "capacity_year",
)


def status_group(status: str) -> str:
    """``current`` (operating, commissioning), ``pipeline`` (being built or planned) or
    ``other`` (exploration, stopped, closed)."""
    if status in CURRENT_STATUSES:
        return "current"
    return "pipeline" if status in PIPELINE_STATUSES else "other"


def _as_list(value: object) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list | tuple) else []


def asset_table(frames: Mapping[str, gpd.GeoDataFrame]) -> pd.DataFrame:
    """One row per mine and plant: its stage (``mining`` for mines) and capacity.

    A plant's capacity counts at its main ``stage`` only, so that no capacity is counted
    twice across the stages one site runs.
    """
    parts = []
    for layer in ASSET_LAYERS:
        frame = frames.get(layer)
        if frame is None or not len(frame):
            continue
        part = pd.DataFrame(
            {
                "key": [asset_key(layer, i) for i in frame["id"]],
                "layer": layer,
                "id": frame["id"].to_numpy(),
                "name": frame["name"].to_numpy(),
                "country": frame["country"].to_numpy(),
                "status": frame["status"].to_numpy(),
                "stage": frame["stage"].to_numpy() if "stage" in frame else "mining",
                "elements": [_as_list(e) for e in frame["elements"]],
                "capacity": pd.to_numeric(frame["capacity"], errors="coerce").to_numpy(),
                "capacity_unit": frame["capacity_unit"].to_numpy(),
                "capacity_year": frame["capacity_year"].to_numpy(),
            }
        )
        parts.append(part)
    if not parts:
        return pd.DataFrame(columns=list(ASSET_COLUMNS))
    return pd.concat(parts, ignore_index=True)


def owner_entity(graph: OwnershipGraph, text: str) -> str:
    """The entity id a user's text names.

    Raises
    ------
    InputError
        When no entity has that id or name (the CLI exits with 2).
    """
    entity = graph.resolve(text)
    if entity is None:
        raise InputError(f"unknown owner {text!r}; give an entity id or name from "
                         "data/ownership/entities.csv")
    return entity


def attributable_assets(
    frames: Mapping[str, gpd.GeoDataFrame], graph: OwnershipGraph, entity: str
) -> pd.DataFrame:
    """Every asset ``entity`` reaches, with its look-through stake and attributable capacity.

    Returns
    -------
    DataFrame
        The :func:`asset_table` columns plus ``stake_low``, ``stake_high`` (%), ``stake``
        (text: exact, "at least" or "up to"), ``attributable_low``, ``attributable_high``
        (in ``capacity_unit``; NaN without a capacity) and ``state_backed``.
    """
    ranges = graph.stake_ranges(entity)
    table = asset_table(frames)
    table = table[table["key"].isin(list(ranges))].copy()
    table["stake_low"] = [ranges[k].low for k in table["key"]]
    table["stake_high"] = [ranges[k].high for k in table["key"]]
    table["stake"] = [ranges[k].text() for k in table["key"]]
    table["attributable_low"] = table["capacity"] * table["stake_low"] / 100.0
    table["attributable_high"] = table["capacity"] * table["stake_high"] / 100.0
    table["state_backed"] = [graph.is_state_backed(k) for k in table["key"]]
    return table.sort_values(["layer", "id"]).reset_index(drop=True)


def attributable_totals(
    assets: pd.DataFrame, *, groups: Mapping[str, Iterable[str]] | None = None
) -> pd.DataFrame:
    """Add attributable capacity up by status group, capacity unit and element group.

    Parameters
    ----------
    assets
        Rows of :func:`attributable_assets` (or any frame with ``capacity_unit``,
        ``elements``, ``status``, ``attributable_low`` and ``attributable_high``).
    groups
        Element group name -> elements (``ELEMENT_GROUPS`` when omitted); the group
        ``all`` always holds every asset.

    Returns
    -------
    DataFrame
        ``status_group``, ``capacity_unit``, ``element_group``, ``assets``, ``low``,
        ``high``: one row per combination that holds an asset with a capacity.
    """
    wanted = {"all": None, **{k: frozenset(v) for k, v in (groups or ELEMENT_GROUPS).items()}}
    rows = []
    with_capacity = assets[assets["capacity"].notna() & assets["capacity_unit"].notna()]
    for _, asset in with_capacity.iterrows():
        for name, members in wanted.items():
            if members is None or members.intersection(asset["elements"]):
                rows.append({
                    "status_group": status_group(asset["status"]),
                    "capacity_unit": asset["capacity_unit"],
                    "element_group": name,
                    "low": asset["attributable_low"],
                    "high": asset["attributable_high"],
                })
    columns = ["status_group", "capacity_unit", "element_group", "assets", "low", "high"]
    if not rows:
        return pd.DataFrame(columns=columns)
    frame = pd.DataFrame(rows)
    keys = ["status_group", "capacity_unit", "element_group"]
    out = frame.groupby(keys, sort=True).agg(
        assets=("low", "size"), low=("low", "sum"), high=("high", "sum")
    )
    return out.reset_index()[columns]


def owner_tables(
    frames: Mapping[str, gpd.GeoDataFrame], graph: OwnershipGraph, entity: str
) -> dict[str, pd.DataFrame]:
    """What an owner holds, as the tables the CLI prints and the app shows.

    Returns
    -------
    dict
        ``direct stakes``; ``assets (look-through)``; ``attributable capacity`` (by
        status group, unit and element group); ``offtakes`` of the owner and of the
        entities it holds (commercial ties, not equity).
    """
    holdings = sorted(graph.holdings(entity), key=lambda h: h[0])  # the same order however loaded
    held = pd.DataFrame([(graph.name(n), n, p) for n, p in holdings],
                        columns=["holds", "node", "stake_pct"])
    assets = attributable_assets(frames, graph, entity)
    parties = [entity, *(n for n in graph.stake_ranges(entity) if n in graph.entities)]
    deals = pd.DataFrame(
        [(o.id, graph.name(party), "buyer" if o.buyer_id == party else "seller", o.product,
          o.asset or "-", o.volume, o.volume_unit, o.period_from, o.period_to)
         for party in parties for o in graph.offtakes_of(party)],
        columns=["offtake", "party", "role", "product", "asset", "volume", "volume_unit",
                 "from", "to"],
    ).drop_duplicates("offtake")
    columns = ["key", "name", "country", "status", "stage", "capacity", "capacity_unit", "stake",
               "attributable_low", "attributable_high", "state_backed"]
    return {
        "direct stakes": held,
        "assets (look-through)": assets[columns],
        "attributable capacity (by status, unit, element group)": attributable_totals(assets),
        "offtakes of the owner and of entities it holds (not equity)": deals,
    }
