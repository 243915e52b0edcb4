"""Filtering the layers: the semantics ``reemap export`` and the web app share.

Filters combine with AND between kinds and OR within one kind. ``owners`` matches an owner
anywhere up the ownership chain (JOGMEC matches Lynas assets held through JARE), through
the graph, never by substring on a text column.

Filtering a million features stays within tens of milliseconds: list-valued columns
(``elements``, ``stages``) and each feature's direct owners are indexed once per frame,
as per-row bitmasks, and kept while the frame lives; a query then tests every row with a
few array operations. Frames are never changed in place, so an index stays true.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from itertools import chain
from typing import TypeVar

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.errors import InputError
from layers.ownership import OwnershipGraph, asset_key
from layers.schema import CAPACITY_UNITS, ELEMENTS, LAYERS, STATUSES

__all__ = ["Query", "apply_query", "parse_values", "query_masks"]

T = TypeVar("T")

#: Frames smaller than this are filtered without building (and caching) an index.
_MIN_INDEXED = 5000


def parse_values(values: Iterable[str] | None) -> tuple[str, ...]:
    """Split repeated and comma-separated values (``a,b`` and ``a`` ``b`` alike), keeping order."""
    out: list[str] = []
    for value in values or ():
        for raw in str(value).split(","):
            part = raw.strip()
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
    #: Capacity stated in one of these units; the range then compares like with like.
    capacity_units: tuple[str, ...] = ()

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
        for u in self.capacity_units:
            if u not in CAPACITY_UNITS:
                raise InputError(
                    f"unknown capacity unit {u!r}; units are {', '.join(CAPACITY_UNITS)}")
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


class _ListIndex:
    """A list column (``elements``, ``stages``, owner nodes) precomputed for "any of" tests.

    Each distinct value gets a code; with at most 64 distinct values every row keeps a
    bitmask of its codes, so a test is one ``&`` over the rows; beyond that, the flat
    codes and their rows are kept and a test is one ``isin`` over them.
    """

    def __init__(self, values: Iterable[object], size: int) -> None:
        lists = [v if isinstance(v, list | tuple | np.ndarray) else () for v in values]
        lengths = np.fromiter(map(len, lists), dtype=np.int64, count=size)
        flat = np.fromiter(chain.from_iterable(lists), dtype=object, count=int(lengths.sum()))
        codes, uniques = pd.factorize(flat)
        self.size = size
        self.codes: dict[object, int] = {v: i for i, v in enumerate(uniques)}
        self.rows = np.repeat(np.arange(size), lengths)
        self.flat = codes.astype(np.int64)
        self.bits: np.ndarray | None = None
        if len(uniques) <= 64:
            self.bits = np.zeros(size, dtype=np.uint64)
            starts = np.cumsum(lengths) - lengths
            full = lengths > 0
            if full.any():
                one_hot = np.left_shift(np.uint64(1), self.flat.astype(np.uint64))
                self.bits[full] = np.bitwise_or.reduceat(one_hot, starts[full])

    def any_of(self, wanted: Iterable[object]) -> np.ndarray:
        """Rows whose list holds at least one of ``wanted``."""
        codes = [self.codes[w] for w in wanted if w in self.codes]
        if not codes:
            return np.zeros(self.size, dtype=bool)
        if self.bits is not None:
            mask = np.bitwise_or.reduce(np.left_shift(np.uint64(1), np.array(codes, np.uint64)))
            return (self.bits & mask) != 0
        out = np.zeros(self.size, dtype=bool)
        out[self.rows[np.isin(self.flat, codes)]] = True
        return out


#: Per-frame precomputed indexes: id(frame) -> (weak reference to it, key -> (fingerprint,
#: index)). An entry dies with its frame; a column replaced since changes its fingerprint.
_Store = dict[object, tuple[tuple[object, ...], object]]
_INDEXES: dict[int, tuple[weakref.ref[pd.DataFrame], _Store]] = {}


def _fingerprint(column: pd.Series) -> tuple[object, ...]:
    """What identifies a column's contents cheaply: its array, or a few of its cells."""
    n = len(column)
    if column.dtype != object:
        return (n, column.array)
    values = column.to_numpy()
    return (n, values[0], values[n // 2], values[-1]) if n else (n,)


def _same(a: tuple[object, ...], b: tuple[object, ...]) -> bool:
    if len(a) != len(b) or a[0] != b[0]:
        return False
    return all(x is y for x, y in zip(a[1:], b[1:], strict=True))


def _cached(gdf: pd.DataFrame, key: object, column: str, build: Callable[[], T]) -> T:
    """Return ``build()`` for this frame and key, computed once while the frame lives.

    Frames are never changed in place (a house rule); a column replaced all the same is
    noticed by its fingerprint and the index rebuilt.
    """
    if len(gdf) < _MIN_INDEXED:
        return build()
    entry = _INDEXES.get(id(gdf))
    if entry is None or entry[0]() is not gdf:
        ident = id(gdf)
        entry = (weakref.ref(gdf, lambda _ref: _INDEXES.pop(ident, None)), {})
        _INDEXES[ident] = entry
    store = entry[1]
    fingerprint = _fingerprint(gdf[column])
    hit = store.get(key)
    if hit is not None and _same(hit[0], fingerprint):
        return hit[1]  # type: ignore[return-value]
    value = build()
    store[key] = (fingerprint, value)
    return value


def _any_of(gdf: pd.DataFrame, column: str, wanted: Iterable[str]) -> np.ndarray:
    index = _cached(gdf, ("list", column), column,
                    lambda: _ListIndex(gdf[column].to_numpy(dtype=object), len(gdf)))
    return index.any_of(wanted)


def _owner_index(layer: str, gdf: pd.DataFrame, graph: OwnershipGraph) -> _ListIndex:
    """Each feature's direct owners, as the graph holds them (``owners_of[layer/id]``)."""
    edges = graph.owners_of

    def build() -> _ListIndex:
        owners = [[o for o, _ in edges.get(asset_key(layer, i), ())] for i in gdf["id"]]
        return _ListIndex(owners, len(gdf))

    # the graph is part of the key; its size tells when assets were added since
    key = ("owners", layer, id(graph), len(edges))
    entry = _cached(gdf, key, "id", lambda: (weakref.ref(graph), build()))
    if entry[0]() is not graph:
        entry = (weakref.ref(graph), build())
    return entry[1]


def _owned_by(layer: str, gdf: pd.DataFrame, graph: OwnershipGraph, entities: list[str]
              ) -> np.ndarray:
    """Features owned, directly or up the chain, by any of ``entities``."""
    index = _owner_index(layer, gdf, graph)
    wanted = [node for node in index.codes
              if any(node == e or e in graph.upstream(str(node)) for e in entities)]
    return index.any_of(wanted)


def _state_backed(layer: str, gdf: pd.DataFrame, graph: OwnershipGraph) -> np.ndarray:
    """Features owned, up the chain, by a state-backed entity."""
    index = _owner_index(layer, gdf, graph)
    return index.any_of([node for node in index.codes if graph.is_state_backed(str(node))])


def _casefolded(gdf: pd.DataFrame) -> pd.Series:
    return _cached(gdf, ("casefold", "name"), "name", lambda: pd.Series(
        [str(v).casefold() for v in gdf["name"].to_numpy(dtype=object)], dtype="str"))


def _entities(graph: OwnershipGraph, owners: Iterable[str]) -> list[str]:
    out = []
    for text in owners:
        entity = graph.resolve(text)
        if entity is None:
            raise InputError(f"unknown owner {text!r}; `reemap owners` lists the entities")
        out.append(entity)
    return out


def _capacity(gdf: pd.DataFrame, query: Query) -> np.ndarray:
    """Capacity in one of the units asked for, within the range asked for."""
    keep = np.ones(len(gdf), dtype=bool)
    if query.capacity_units:
        keep &= gdf["capacity_unit"].isin(query.capacity_units).to_numpy()
    if query.capacity_min is not None or query.capacity_max is not None:
        capacity = pd.to_numeric(gdf["capacity"], errors="coerce").to_numpy(dtype=float)
        with np.errstate(invalid="ignore"):
            keep &= capacity >= (query.capacity_min if query.capacity_min is not None else 0.0)
            if query.capacity_max is not None:
                keep &= capacity <= query.capacity_max
    return keep


def _mask(
    layer: str, gdf: gpd.GeoDataFrame, query: Query, graph: OwnershipGraph | None,
    owners: list[str] | None,
) -> np.ndarray:
    keep = np.ones(len(gdf), dtype=bool)
    if query.elements:
        keep &= _any_of(gdf, "elements", query.elements)
    if query.countries:
        keep &= gdf["country"].isin(query.countries).to_numpy()
    if query.statuses:
        keep &= gdf["status"].isin(query.statuses).to_numpy()
    if query.stages:
        if "stage" in gdf.columns:
            wanted = set(query.stages)
            stage = gdf["stage"].isin(wanted).to_numpy()
            stages = _any_of(gdf, "stages", wanted) if "stages" in gdf.columns else stage
            keep &= stage | stages
        else:
            keep &= False
    if query.min_hree is not None:
        hree = pd.to_numeric(gdf["hree_share_pct"], errors="coerce").to_numpy(dtype=float)
        with np.errstate(invalid="ignore"):
            keep &= hree >= query.min_hree
    if query.capacity_units or query.capacity_min is not None or query.capacity_max is not None:
        keep &= _capacity(gdf, query)
    if owners is not None and graph is not None:
        keep &= _owned_by(layer, gdf, graph, owners)
    if query.state_backed and graph is not None:
        keep &= _state_backed(layer, gdf, graph)
    if query.text:
        needle = query.text.casefold()
        keep &= _casefolded(gdf).str.contains(needle, regex=False).to_numpy(dtype=bool)
    return keep


def query_masks(
    frames: Mapping[str, gpd.GeoDataFrame],
    query: Query,
    graph: OwnershipGraph | None = None,
) -> dict[str, np.ndarray]:
    """Return which features the query keeps, as one boolean array per selected layer.

    The cheap half of :func:`apply_query` (no frame is copied): enough for counts.

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
        Layer name -> mask aligned with the layer's rows, for the selected layers (all
        when none selected).
    """
    query = query.checked()
    if (query.owners or query.state_backed) and graph is None:
        raise ValueError("an owner or state-backed filter needs the ownership graph")
    owners = _entities(graph, query.owners) if query.owners and graph is not None else None
    names = query.layers or tuple(frames)
    return {name: _mask(name, frames[name], query, graph, owners) for name in names}


def apply_query(
    frames: Mapping[str, gpd.GeoDataFrame],
    query: Query,
    graph: OwnershipGraph | None = None,
) -> dict[str, gpd.GeoDataFrame]:
    """Return the layers the query selects, each filtered (new frames; inputs unchanged).

    The parameters are :func:`query_masks`'s: ``frames`` (layer name -> typed features),
    ``query`` and ``graph`` (required for owner and state-backed filters).

    Returns
    -------
    dict
        Layer name -> filtered frame, for the selected layers (all when none selected).
    """
    out: dict[str, gpd.GeoDataFrame] = {}
    for name, keep in query_masks(frames, query, graph).items():
        gdf = frames[name]
        # a new frame either way; copy-on-write keeps the caller's frame unchanged
        out[name] = gdf.copy(deep=False) if keep.all() else gdf.take(np.flatnonzero(keep))
    return out
