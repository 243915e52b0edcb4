"""Filtering the layers: the semantics ``reemap export`` and the web app share.

Filters combine with AND between kinds and OR within one kind. ``owners`` matches an owner
anywhere up the ownership chain (JOGMEC matches Lynas assets held through JARE), through
the graph, never by substring on a text column.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

import geopandas as gpd
import numpy as np
import pandas as pd

from layers.ownership import OwnershipGraph, asset_key
from layers.schema import ELEMENTS, LAYERS, STATUSES
from reemap.errors import InputError

__all__ = ["Query", "apply_query", "parse_values"]


def parse_values(values: Iterable[str] | None) -> tuple[str, ...]:
    """Split repeated and comma-separated values (``a,b`` and ``a`` ``b`` alike), keeping order."""
    out: list[str] = []
    for value in values or ():
        for part in str(value).split(","):
            part = part.strip()
            if part and part not in out:
                out.append(part)
    return tuple(out)


@dataclass(frozen=True)
class Query:
    """A filter over the layers; hashable, so it can key a cache.

    Each tuple is OR within its kind; kinds combine with AND; an empty tuple means "any".
    """

    layers: tuple[str, ...] = ()
    elements: tuple[str, ...] = ()
    owners: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    stages: tuple[str, ...] = ()
    min_hree: float | None = None
    state_backed: bool = False
    text: str = ""
    capacity_min: float | None = None
    capacity_max: float | None = None

    def checked(self) -> Query:
        """Return the query with its values checked and normalised.

        Raises
        ------
        InputError
            An unknown layer, element or status, or a min_hree outside 0..100.
        """
        canon = {s.casefold(): s for s in ELEMENTS}
        elements = []
        for e in self.elements:
            if e.casefold() not in canon:
                raise InputError(f"unknown element {e!r}; use symbols such as Nd, Pr, Dy, Tb")
            elements.append(canon[e.casefold()])
        for name in self.layers:
            if name not in LAYERS:
                raise InputError(f"unknown layer {name!r}; layers are {', '.join(LAYERS)}")
        for s in self.statuses:
            if s not in STATUSES:
                raise InputError(f"unknown status {s!r}; statuses are {', '.join(STATUSES)}")
        if self.min_hree is not None and not 0 <= self.min_hree <= 100:
            raise InputError(f"min-hree {self.min_hree:g} is outside 0..100 (a percentage)")
        low, high = self.capacity_min, self.capacity_max
        if low is not None and high is not None and low > high:
            raise InputError(f"capacity range {low:g}..{high:g} is empty (minimum above maximum)")
        return replace(
            self,
            elements=tuple(elements),
            countries=tuple(c.upper() for c in self.countries),
        )


def _has_any(column: pd.Series, wanted: set[str]) -> np.ndarray:
    return np.fromiter(
        (bool(wanted.intersection(v)) if isinstance(v, list | tuple) else False for v in column),
        dtype=bool,
        count=len(column),
    )


def owned_keys(graph: OwnershipGraph, owners: Iterable[str]) -> set[str]:
    """Asset keys owned, up the chain, by any of the named owners.

    Raises
    ------
    InputError
        When a name matches no entity.
    """
    keys: set[str] = set()
    for text in owners:
        entity = graph.resolve(text)
        if entity is None:
            raise InputError(f"unknown owner {text!r}; `reemap owners` lists the entities")
        keys |= graph.assets_of(entity)
    return keys


def _mask(
    layer: str, gdf: gpd.GeoDataFrame, query: Query, graph: OwnershipGraph | None,
    owned: set[str] | None,
) -> np.ndarray:
    keep = np.ones(len(gdf), dtype=bool)
    if query.elements:
        keep &= _has_any(gdf["elements"], set(query.elements))
    if query.countries:
        keep &= gdf["country"].isin(query.countries).to_numpy()
    if query.statuses:
        keep &= gdf["status"].isin(query.statuses).to_numpy()
    if query.stages:
        if "stage" in gdf.columns:
            wanted = set(query.stages)
            stage = gdf["stage"].isin(wanted).to_numpy()
            stages = _has_any(gdf["stages"], wanted) if "stages" in gdf.columns else stage
            keep &= stage | stages
        else:
            keep &= False
    if query.min_hree is not None:
        hree = pd.to_numeric(gdf["hree_share_pct"], errors="coerce").to_numpy(dtype=float)
        with np.errstate(invalid="ignore"):
            keep &= hree >= query.min_hree
    if query.capacity_min is not None or query.capacity_max is not None:
        capacity = pd.to_numeric(gdf["capacity"], errors="coerce").to_numpy(dtype=float)
        with np.errstate(invalid="ignore"):
            keep &= capacity >= (query.capacity_min if query.capacity_min is not None else 0.0)
            if query.capacity_max is not None:
                keep &= capacity <= query.capacity_max
    if owned is not None:
        keys = np.array([asset_key(layer, i) for i in gdf["id"]], dtype=object)
        keep &= np.isin(keys, list(owned)) if len(keys) else keep
    if query.state_backed and graph is not None:
        keep &= np.array([graph.is_state_backed(asset_key(layer, i)) for i in gdf["id"]], dtype=bool)
    if query.text:
        needle = query.text.casefold()
        keep &= gdf["name"].astype(str).str.casefold().str.contains(needle, regex=False).to_numpy()
    return keep


def apply_query(
    frames: Mapping[str, gpd.GeoDataFrame],
    query: Query,
    graph: OwnershipGraph | None = None,
) -> dict[str, gpd.GeoDataFrame]:
    """Return the layers the query selects, each filtered (new frames; inputs unchanged).

    Parameters
    ----------
    frames
        Layer name -> typed features.
    query
        The filter (checked with :meth:`Query.checked`).
    graph
        The ownership graph; required when the query names owners or ``state_backed``.

    Returns
    -------
    dict
        Layer name -> filtered frame, for the selected layers (all when none selected).
    """
    query = query.checked()
    if (query.owners or query.state_backed) and graph is None:
        raise ValueError("an owner or state-backed filter needs the ownership graph")
    owned = owned_keys(graph, query.owners) if query.owners and graph is not None else None
    names = query.layers or tuple(frames)
    out: dict[str, gpd.GeoDataFrame] = {}
    for name in names:
        gdf = frames[name]
        out[name] = gdf[_mask(name, gdf, query, graph, owned)].copy()
    return out
