"""Filtering the layers: the semantics ``reemap export`` and the web app share.

Filters combine with AND between kinds and OR within one kind. ``owners`` matches an owner
anywhere up the ownership chain (JOGMEC matches Lynas assets held through JARE), through
the graph, never by substring on a text column.

Filtering a million features stays within tens of milliseconds: list-valued columns
(``elements``, ``stages``) and each feature's direct owners are indexed once per frame
(:mod:`layers.indexes`), so a query tests every row with a few array operations.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.errors import InputError
from layers.indexes import ListIndex, cached, list_index, owner_index, taken_from
from layers.ownership import OwnershipGraph
from layers.schema import CAPACITY_UNITS, ELEMENTS, LAYERS, STATUSES

__all__ = [
    "VALUE_KINDS",
    "Query",
    "all_value_counts",
    "apply_query",
    "parse_values",
    "query_masks",
    "value_counts",
]

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


def _any_of(gdf: pd.DataFrame, column: str, wanted: Iterable[str]) -> np.ndarray:
    return list_index(gdf, column).any_of(wanted)


def _owned_by(layer: str, gdf: pd.DataFrame, graph: OwnershipGraph, entities: list[str]
              ) -> np.ndarray:
    """Features owned, directly or up the chain, by any of ``entities``."""
    index = owner_index(layer, gdf, graph)
    key = ("owned", *sorted(entities))
    if key not in index.nodes:  # the index lives with this graph, so may its answers
        index.nodes[key] = [node for node in index.codes if any(
            node == e or e in graph.upstream(str(node)) for e in entities)]
    return index.any_of(index.nodes[key])


def _state_backed(layer: str, gdf: pd.DataFrame, graph: OwnershipGraph) -> np.ndarray:
    """Features owned, up the chain, by a state-backed entity."""
    index = owner_index(layer, gdf, graph)
    if ("state",) not in index.nodes:
        index.nodes[("state",)] = [node for node in index.codes
                                   if graph.is_state_backed(str(node))]
    return index.any_of(index.nodes[("state",)])


def _codes(gdf: pd.DataFrame, column: str) -> tuple[np.ndarray, np.ndarray]:
    """A column's values factorised (codes, -1 for none; distinct values), once per frame."""
    return cached(gdf, ("codes", column), column,
                  lambda: pd.factorize(gdf[column].to_numpy(dtype=object)))


def _is_in(gdf: pd.DataFrame, column: str, wanted: Iterable[str]) -> np.ndarray:
    """Per row: the column's value is one of ``wanted`` (as ``Series.isin``), by code."""
    codes, uniques = _codes(gdf, column)
    table = np.zeros(len(uniques) + 1, dtype=bool)  # the last entry: no value
    table[:-1] = pd.Index(uniques).isin(list(wanted))
    return table[codes]


def _casefolded(gdf: pd.DataFrame) -> pd.Series:
    return cached(gdf, ("casefold", "name"), "name", lambda: pd.Series(
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
        keep &= _is_in(gdf, "capacity_unit", query.capacity_units)
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
        keep &= _is_in(gdf, "country", query.countries)
    if query.statuses:
        keep &= _is_in(gdf, "status", query.statuses)
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


#: The filter kinds that hold values, and the filter fields each one is made of.
VALUE_KINDS: tuple[str, ...] = ("layers", "elements", "owners", "countries", "statuses",
                                "stages", "capacity_units")
_COLUMNS = {"countries": "country", "statuses": "status", "capacity_units": "capacity_unit"}


def value_counts(
    frames: Mapping[str, gpd.GeoDataFrame], query: Query, graph: OwnershipGraph | None,
    kind: str,
) -> dict[str, int]:
    """Count, for each value of one filter kind, the features it would keep.

    The other kinds' filters apply; this kind's own selection is ignored. ``kind`` is one
    of :data:`VALUE_KINDS`; owners count up the chain. See :func:`all_value_counts`.
    """
    return all_value_counts(frames, query, graph, (kind,))[kind]


def all_value_counts(
    frames: Mapping[str, gpd.GeoDataFrame], query: Query, graph: OwnershipGraph | None,
    kinds: Iterable[str] = VALUE_KINDS,
) -> dict[str, dict[str, int]]:
    """:func:`value_counts` for several kinds at once, each filter's mask computed once.

    Each kind's rows are the other kinds' masks and the remaining filters ANDed; values
    are counted over the per-frame indexes: each distinct list (of elements, stages or
    direct owners) and each distinct country, status or unit is expanded once, whatever
    the number of rows holding it.
    """
    kinds = tuple(kinds)
    query = query.checked()
    base = replace(query, **dict.fromkeys(VALUE_KINDS, ()))  # type: ignore[arg-type]
    rest = query_masks(frames, base, graph)
    alone = {k: query_masks(frames, replace(base, **{k: getattr(query, k)}), graph)
             for k in VALUE_KINDS if getattr(query, k) and k != "layers"}
    out: dict[str, dict[str, int]] = {}
    for kind in kinds:
        counts: dict[str, int] = {}
        names = query.layers if query.layers and kind != "layers" else tuple(frames)
        for layer in names:
            keep = rest[layer].copy()
            for other, masks in alone.items():
                if other != kind:
                    keep &= masks[layer]
            if keep.any():
                _count(kind, layer, frames[layer], keep, graph=graph, counts=counts)
        out[kind] = counts
    return out


def _count(kind: str, layer: str, gdf: gpd.GeoDataFrame, keep: np.ndarray, *,
           graph: OwnershipGraph | None, counts: dict[str, int]) -> None:
    def add(values: Iterable[str], times: int) -> None:
        for value in values:
            counts[value] = counts.get(value, 0) + times

    if kind == "layers":
        add([layer], int(keep.sum()))
    elif kind in _COLUMNS:
        column = _COLUMNS[kind]
        codes, uniques = _codes(gdf, column)
        per_value = np.bincount(codes[keep] + 1, minlength=len(uniques) + 1)[1:]
        for code in np.flatnonzero(per_value).tolist():
            add([str(uniques[code])], int(per_value[code]))
    elif kind == "elements":
        _count_lists(list_index(gdf, "elements"), keep, add, lambda v: {str(e) for e in v},
                     "elements")
    elif kind == "stages":
        _count_stages(gdf, keep, add)
    elif graph is not None:
        def chain_of(owners: tuple[object, ...], g: OwnershipGraph = graph) -> set[str]:
            return set().union(*({str(o)} | g.upstream(str(o)) for o in owners))

        _count_lists(owner_index(layer, gdf, graph), keep, add, chain_of, "owners")


def _count_lists(index: ListIndex, keep: np.ndarray,
                 add: Callable[[Iterable[str], int], None],
                 expand: Callable[[tuple[object, ...]], set[str]], kind: str) -> None:
    """Add each kept row's values (``expand`` of its list), in the order of the distinct
    lists, then of each list's sorted values; the lists are expanded once per index."""
    per_list = np.bincount(index.lists[keep], minlength=len(index.distinct))
    if kind not in index.expanded:
        lists: list[int] = []
        values: list[int] = []
        vocabulary: dict[str, int] = {}
        for code, distinct in enumerate(index.distinct):
            for value in sorted(expand(distinct)):
                lists.append(code)
                values.append(vocabulary.setdefault(value, len(vocabulary)))
        index.expanded[kind] = (np.array(lists, dtype=np.int64),
                                np.array(values, dtype=np.int64), list(vocabulary))
    list_codes, value_codes, names = index.expanded[kind]
    shown = per_list[list_codes] > 0
    list_codes, value_codes = list_codes[shown], value_codes[shown]
    totals = np.bincount(value_codes, weights=per_list[list_codes], minlength=len(names))
    for at in np.sort(np.unique(value_codes, return_index=True)[1]).tolist():
        found = int(value_codes[at])
        add([names[found]], int(totals[found]))


def _count_stages(gdf: pd.DataFrame, keep: np.ndarray,
                  add: Callable[[Iterable[str], int], None]) -> None:
    """A plant's stage and its further stages, each counted once per plant."""
    if "stage" not in gdf.columns:
        return
    stage_codes, stage_values = pd.factorize(gdf["stage"].to_numpy(dtype=object))
    if "stages" in gdf.columns:
        index = list_index(gdf, "stages")
        lists, distinct = index.lists, index.distinct
    else:
        lists, distinct = np.zeros(len(gdf), dtype=np.int64), np.array([()], dtype=object)
    pairs = (stage_codes.astype(np.int64) + 1) * (len(distinct) + 1) + lists
    codes, uniques = pd.factorize(pairs[keep])
    per_pair = np.bincount(codes, minlength=len(uniques))
    for pair, n in zip(uniques.tolist(), per_pair.tolist(), strict=True):
        stage, extra = divmod(pair, len(distinct) + 1)
        values = {str(stage_values[stage - 1])} if stage > 0 else set()
        values |= {str(v) for v in distinct[extra]}
        add(sorted(values), n)


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
        rows = None if keep.all() else np.flatnonzero(keep)
        out[name] = gdf.copy(deep=False) if rows is None else gdf.take(rows)
        taken_from(out[name], gdf, rows)
    return out
