"""Indexes of a layer's list columns and owners, built once per frame and kept while it lives.

List-valued columns (``elements``, ``stages``) and each feature's direct owners become
per-row bitmasks (or flat codes), so a filter tests every row with a few array
operations. An index is keyed on the frame (a weak reference) and a cheap fingerprint of
its column; frames are never changed in place (a house rule), and a column replaced all
the same is noticed by its fingerprint and the index rebuilt.

Points' coordinates are kept the same way; a selection taken from a held frame
(:func:`taken_from`) reads them from that frame's, so a filter change does not visit a
million geometries again.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterable
from itertools import chain
from typing import TypeVar

import numpy as np
import pandas as pd
import shapely

from layers.ownership import OwnershipGraph, asset_key

__all__ = ["ListIndex", "cached", "held_rows", "list_index", "owner_index", "point_xy",
           "taken_from"]

T = TypeVar("T")

#: Frames smaller than this are filtered without building (and caching) an index.
_MIN_INDEXED = 5000
#: Masks an index keeps (the most recently asked for).
_RECENT = 32


class ListIndex:
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
        # each row's whole list, as a code, for counting distinct lists once
        self.lists, self.distinct = pd.factorize(
            np.fromiter(map(tuple, lists), dtype=object, count=size))
        self.rows = np.repeat(np.arange(size), lengths)
        self.flat = codes.astype(np.int64)
        self.bits: np.ndarray | None = None
        self._recent: dict[tuple[int, ...], np.ndarray] = {}
        #: What callers work out once per index (e.g. the owner nodes an entity reaches).
        self.nodes: dict[tuple[str, ...], list[object]] = {}
        #: Per kind of count, each distinct list's values: (list code, value code) pairs
        #: and the values' names.
        self.expanded: dict[str, tuple[np.ndarray, np.ndarray, list[str]]] = {}
        if len(uniques) <= 64:
            self.bits = np.zeros(size, dtype=np.uint64)
            starts = np.cumsum(lengths) - lengths
            full = lengths > 0
            if full.any():
                one_hot = np.left_shift(np.uint64(1), self.flat.astype(np.uint64))
                self.bits[full] = np.bitwise_or.reduceat(one_hot, starts[full])

    def any_of(self, wanted: Iterable[object]) -> np.ndarray:
        """Rows whose list holds at least one of ``wanted`` (read-only: the last few asked
        for are kept, so the counts, toggles and selection of one page run share them)."""
        codes = sorted({self.codes[w] for w in wanted if w in self.codes})
        key = tuple(codes)
        found = self._recent.pop(key, None)
        if found is None:
            found = self._any_of(codes)
            found.flags.writeable = False
        self._recent[key] = found
        while len(self._recent) > _RECENT:
            del self._recent[next(iter(self._recent))]
        return found

    def _any_of(self, codes: list[int]) -> np.ndarray:
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


def cached(gdf: pd.DataFrame, key: object, column: str, build: Callable[[], T]) -> T:
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


def list_index(gdf: pd.DataFrame, column: str) -> ListIndex:
    """The frame's index of a list column, built once while the frame lives."""
    return cached(gdf, ("list", column), column,
                   lambda: ListIndex(gdf[column].to_numpy(dtype=object), len(gdf)))



def owner_index(layer: str, gdf: pd.DataFrame, graph: OwnershipGraph) -> ListIndex:
    """Each feature's direct owners, as the graph holds them (``owners_of[layer/id]``)."""
    edges = graph.owners_of

    def build() -> ListIndex:
        owners = [[o for o, _ in edges.get(asset_key(layer, i), ())] for i in gdf["id"]]
        return ListIndex(owners, len(gdf))

    # the graph is part of the key; its size tells when assets were added since
    key = ("owners", layer, id(graph), len(edges))
    entry = cached(gdf, key, "id", lambda: (weakref.ref(graph), build()))
    if entry[0]() is not graph:
        entry = (weakref.ref(graph), build())
    return entry[1]


#: Selections taken from a held frame: id(selection) -> (weak selection, weak frame, the
#: frame's rows it holds (None: all), the geometry arrays of both when it was taken).
_TAKEN: dict[int, tuple[weakref.ref[pd.DataFrame], weakref.ref[pd.DataFrame],
                        np.ndarray | None, object, object]] = {}


def _geometry(frame: pd.DataFrame) -> object:
    name = getattr(frame, "_geometry_column_name", None)
    return frame[name].array if isinstance(name, str) and name in frame.columns else None


def taken_from(frame: pd.DataFrame, source: pd.DataFrame, rows: np.ndarray | None) -> None:
    """Note that ``frame`` holds ``source``'s ``rows`` (all when None), in that order, so
    values worked out once per row of ``source`` (:func:`point_xy`) serve it."""
    if len(source) < _MIN_INDEXED or _geometry(source) is None:
        return
    ident = id(frame)
    _TAKEN[ident] = (weakref.ref(frame, lambda _ref: _TAKEN.pop(ident, None)),
                     weakref.ref(source), rows, _geometry(frame), _geometry(source))


def _xy(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    geoms = np.asarray(frame.geometry.to_numpy())
    out = (shapely.get_x(geoms), shapely.get_y(geoms),
           np.isin(shapely.get_type_id(geoms), (-1, 0)))
    for values in out:
        values.flags.writeable = False  # shared by every selection of the frame
    return out


def held_rows(frame: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray | None] | None:
    """The held frame a selection was :func:`taken_from` and the rows of it the selection
    holds (None: all), while both live and neither's geometry has been replaced; else None.

    Values worked out once per row of the held frame serve the selection at those rows.
    """
    entry = _TAKEN.get(id(frame))
    source = entry[1]() if entry is not None and entry[0]() is frame else None
    if entry is None or source is None or entry[3] is not _geometry(frame) \
            or entry[4] is not _geometry(source):
        return None
    return source, entry[2]


def point_xy(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, bool]:
    """Each row's x and y, as ``shapely.get_x`` and ``get_y`` give them (NaN for a missing,
    empty or non-point geometry), and whether every geometry is a point or missing.

    Worked out once per frame while it lives; for a selection :func:`taken_from` a held
    frame (whose geometry neither has replaced since), the held frame's rows.
    """
    held = held_rows(frame)
    if held is not None:
        source, rows = held
        x, y, points = cached(source, ("xy",), str(source.geometry.name), lambda: _xy(source))
        if rows is None:
            return x, y, bool(points.all())
        return x[rows], y[rows], bool(points[rows].all())
    x, y, points = cached(frame, ("xy",), str(frame.geometry.name), lambda: _xy(frame))
    return x, y, bool(points.all())
