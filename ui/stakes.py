"""Look-through stakes of state-backed entities (JOGMEC, ...) for the map's popups.

Worked out once per ownership graph and kept while it lives; each call picks the features
shown, reading a selection's rows from its held layer (``layers.indexes.held_rows``).
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from geo import settings
from layers.indexes import cached, held_rows
from layers.ownership import OwnershipGraph

__all__ = ["effective_stakes"]


def effective_stakes(
    frames: Mapping[str, gpd.GeoDataFrame], graph: OwnershipGraph
) -> dict[str, dict[str, float]]:
    """Look-through stakes of state-backed entities (JOGMEC, ...) in the features the map
    shows one by one (a layer of more than ``settings.MAX_POINTS_DRAWN`` is drawn in grid
    cells, whose popups show no stakes).

    The stakes depend on the graph alone: they are worked out once per graph (each entity
    over the nodes it reaches) and kept while the graph lives; each call then picks the
    shown features.

    Returns
    -------
    dict
        ``layer/id`` -> {entity name: effective stake in %}, for stakes that are known
        exactly and positive; features no state-backed entity holds are absent.
    """
    every, held = _state_stakes(graph)
    out: dict[str, dict[str, float]] = {}
    for layer, gdf in frames.items():
        if layer not in held or not len(gdf) or len(gdf) > settings.MAX_POINTS_DRAWN:
            continue
        prefix = f"{layer}/"
        keys = [prefix + str(fid) for fid in gdf["id"][_held(gdf, held[layer])].tolist()]
        out.update(zip(keys, map(every.__getitem__, keys), strict=True))
    return out


def _held(gdf: pd.DataFrame, ids: pa.Array) -> np.ndarray:
    """Per row: its id is one of ``ids``; for a selection taken from a held frame, read
    from that frame's answer (worked out once per frame and set of ids)."""
    taken = held_rows(gdf)
    if taken is None:
        return _among(gdf["id"], ids)
    source, rows = taken
    found = cached(source, ("among", id(ids), len(ids)), "id", lambda: _among(source["id"], ids))
    return found if rows is None else found[rows]


def _among(column: pd.Series, values: pa.Array) -> np.ndarray:
    """Per row: the column's value is one of ``values``; by Arrow on an Arrow-backed
    column (1M ids against 70k held: 23 ms, where pandas' ``isin`` first makes a Python
    list of the values each call)."""
    arrow = getattr(column.array, "__arrow_array__", None)
    if arrow is not None:
        try:
            return np.asarray(pc.is_in(arrow(), value_set=values).to_numpy(), dtype=bool)
        except pa.ArrowException:  # types Arrow will not compare: pandas does
            pass
    return column.isin(values.to_pylist()).to_numpy(dtype=bool)


_STAKES: dict[int, tuple[weakref.ref[OwnershipGraph], int, dict[str, dict[str, float]],
                         dict[str, pa.Array]]] = {}


def _state_stakes(graph: OwnershipGraph
                  ) -> tuple[dict[str, dict[str, float]], dict[str, pa.Array]]:
    """Every node's exact positive look-through stakes of state-backed entities, and the
    ids they hold per layer, per graph (recomputed when assets were added to it since)."""
    ident = id(graph)
    hit = _STAKES.get(ident)
    if hit is not None and hit[0]() is graph and hit[1] == len(graph.owners_of):
        return hit[2], hit[3]
    out: dict[str, dict[str, float]] = {}
    state = sorted(e.id for e in graph.entities.values() if e.state_backed)
    for entity, reached in graph.reach(state).items():
        for node, stake in graph.stake_ranges(entity, within=reached).items():
            if stake.exact and stake.low > 0:
                out.setdefault(node, {})[graph.name(entity)] = stake.low
    by_layer: dict[str, list[str]] = {}
    for node in out:
        layer, _, fid = node.partition("/")
        by_layer.setdefault(layer, []).append(fid)
    held = {layer: pa.array(fids, pa.string()) for layer, fids in by_layer.items()}
    _STAKES[ident] = (weakref.ref(graph, lambda _r: _STAKES.pop(ident, None)),
                      len(graph.owners_of), out, held)
    return out, held
