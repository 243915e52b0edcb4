"""Per-feature checks outside the properties: geometry, labels in messages, duplicate ids."""

from __future__ import annotations

import operator
import re
from itertools import repeat
from typing import Final

import numpy as np
import pandas as pd
import shapely

from geo.guard import excerpt
from layers.arrays import _dirty, _strings, objects

__all__ = ["duplicate_ids", "feature_labels", "geometry_suspects"]

#: What ``geo.guard.excerpt`` escapes in the names of features in messages.
_ESCAPED = re.compile(r"[\x00-\x1f\x7f-\x9f]")

_TYPE_IDS: Final[dict[str, int]] = {
    "Point": 0, "LineString": 1, "LinearRing": 2, "Polygon": 3, "MultiPoint": 4,
    "MultiLineString": 5, "MultiPolygon": 6, "GeometryCollection": 7,
}


def geometry_suspects(geoms: np.ndarray, allowed: frozenset[str]) -> np.ndarray:
    """Per feature: its geometry is missing, empty, of a type the layer does not hold, or
    invalid (the message itself is ``layers.validate``'s)."""
    missing = shapely.is_missing(geoms)
    kinds = shapely.get_type_id(geoms)
    wrong = ~np.isin(kinds, [_TYPE_IDS[k] for k in allowed])
    out = missing | wrong
    rest = ~out
    out[rest] = shapely.is_empty(geoms[rest]) | ~shapely.is_valid(geoms[rest])
    return out | missing | wrong


def feature_labels(ids: np.ndarray) -> np.ndarray:
    """Each feature's name in messages: its id (stripped, cut to 80 characters and its
    control characters escaped by ``geo.guard.excerpt``), or ``#N`` (1-based position)
    when it has no usable id."""
    n = len(ids)
    out = objects(map("#{}".format, range(1, n + 1)), n)
    text = _strings(ids)
    if text.any():
        stripped = objects(map(str.strip, ids[text]), int(text.sum()))
        usable = np.fromiter(map(len, stripped), dtype=np.int64, count=len(stripped)) > 0
        kept = stripped[usable]
        cut = kept.copy()
        long = (np.fromiter(map(len, kept), dtype=np.int64, count=len(kept)) > 80) | _dirty(
            kept, _ESCAPED)
        cut[long] = objects(map(excerpt, kept[long], repeat(80)), int(long.sum()))
        where = np.flatnonzero(text)[usable]
        out[where] = cut
    return out


def duplicate_ids(labels: np.ndarray) -> list[tuple[str, str]]:
    """``(label, message)`` for every feature whose id an earlier feature has, in order."""
    named = ~np.fromiter(map(operator.methodcaller("startswith", "#"), labels), dtype=bool,
                         count=len(labels))
    positions = np.flatnonzero(named)
    if not len(positions):
        return []
    codes, _ = pd.factorize(labels[named])
    _, first = np.unique(codes, return_index=True)
    first_position = positions[first[codes]]
    repeated = np.flatnonzero(first_position != positions)
    return [(str(labels[positions[i]]), f"id: duplicate (also feature #{first_position[i] + 1})")
            for i in repeated.tolist()]
