"""The columnar checks of the list and object fields (elements, stages, owners, sources).

A list column is exploded into its items (one flat object array with each item's row);
item checks are mapped back to their rows. Owners and sources are checked once per
distinct object by the model of one item (``Owner``, ``Source``), so the verdict and the
dump are the model's own.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from itertools import chain
from typing import Any, Final, get_args

import numpy as np
import orjson
import pandas as pd
from pydantic import BaseModel, ValidationError

from layers import schema
from layers.arrays import _CONTROL, _dirty, _in, _is, _none, _strings, objects
from layers.models import Owner, Source

__all__ = ["LIST_CHECKS"]

_TOLERANCE: Final[float] = 1e-9  # sums this close to a limit are left to the model


# --- list columns ----------------------------------------------------------------------


@dataclass(frozen=True)
class _Items:
    """A list column exploded: the rows that hold a list, and every item with its row."""

    lists: np.ndarray  # per row: the value is a list
    rows: np.ndarray  # per item: its row
    items: np.ndarray  # the items, object array


def _explode(values: np.ndarray) -> _Items:
    """The column's lists as one array of items, each with its row."""
    lists = _is(values, list)
    held = values[lists]
    counts = np.fromiter(map(len, held), dtype=np.int64, count=len(held))
    rows = np.repeat(np.flatnonzero(lists), counts)
    total = int(counts.sum())
    items = np.fromiter(chain.from_iterable(held), dtype=object, count=total)
    return _Items(lists, rows, items)


def _rows_all(n: int, rows: np.ndarray, good: np.ndarray) -> np.ndarray:
    """Per row: every item of the row is good (rows without items too)."""
    bad = np.zeros(n, dtype=bool)
    bad[rows[~good]] = True
    return ~bad


def _duplicates_in_row(rows: np.ndarray, keys: np.ndarray, n: int) -> np.ndarray:
    """Per row: some key appears twice within the row."""
    out = np.zeros(n, dtype=bool)
    if len(keys):
        codes, _ = pd.factorize(keys)
        pairs = pd.DataFrame({"r": rows, "k": codes})
        out[rows[pairs.duplicated().to_numpy()]] = True
    return out


def _symbols(vocabulary: tuple[str, ...], *, unique: bool) -> Callable[[np.ndarray], np.ndarray]:
    """The check of a list of symbols: a list of texts of ``vocabulary``, none twice when
    ``unique``."""
    def check(values: np.ndarray) -> np.ndarray:
        ex = _explode(values)
        text = _strings(ex.items)
        good = _in(ex.items, text, vocabulary)
        ok = ex.lists & _rows_all(len(values), ex.rows, good)
        if unique:
            ok &= ~_duplicates_in_row(ex.rows[text], ex.items[text], len(values))
        return ok

    return check


def _str_items(values: np.ndarray) -> np.ndarray:
    """Per row: a list of texts, none holding a control character."""
    ex = _explode(values)
    good = _strings(ex.items) & ~_dirty(ex.items)
    return ex.lists & _rows_all(len(values), ex.rows, good)


@dataclass(frozen=True)
class _Objects:
    """A list-of-objects column (owners, sources), checked once per distinct object.

    Each distinct object (by its keys and values, in order) goes through the model of one
    item (``Owner``, ``Source``: the rules and the dump are the model's own); the verdicts
    and dumped objects are mapped back to every item and row. Rows whose objects all dump
    to themselves keep their lists; the others get lists of the dumped objects (shared
    between rows: frames are read-only).
    """

    model: type[BaseModel]
    min_items: int

    def check(self, values: np.ndarray) -> tuple[np.ndarray, list[Any], _Items, np.ndarray]:
        """Per row ok; the typed column; the items; each item's dump (None if invalid)."""
        n = len(values)
        ex = _explode(values)
        dicts = _is(ex.items, dict)
        ok = ex.lists & _rows_all(n, ex.rows, dicts)
        ok &= np.bincount(ex.rows, minlength=n) >= self.min_items
        dumps = np.full(len(ex.items), None, dtype=object)
        same = np.zeros(len(ex.items), dtype=bool)
        where = np.flatnonzero(dicts)
        held = ex.items[where]
        # one object held by many rows (a reader shares equal values) is keyed once
        shared, _ = pd.factorize(np.fromiter(map(id, held), dtype=np.int64, count=len(held)))
        _, firsts = np.unique(shared, return_index=True)
        try:
            keys = objects(map(tuple, map(dict.items, held[firsts])), len(firsts))
            codes, uniques = pd.factorize(keys)
        except TypeError:  # a list or object inside: those rows are the model's
            return np.zeros(n, dtype=bool), values.tolist(), ex, dumps
        codes = codes[shared]
        verdicts = [self._dump(dict(u)) for u in uniques]
        dumped = objects((d for d, _ in verdicts), len(verdicts))
        unchanged = np.fromiter((c for _, c in verdicts), dtype=bool, count=len(verdicts))
        if len(where):
            dumps[where] = dumped[codes]
            same[where] = unchanged[codes]
        ok &= _rows_all(n, ex.rows, ~_none(dumps))
        rebuild = ok & ~_rows_all(n, ex.rows, same)
        return ok, _regrouped(values, rebuild, ex.rows, dumps), ex, dumps

    def _dump(self, item: dict[str, Any]) -> tuple[dict[str, Any] | None, bool]:
        """The item as the model dumps it (None if refused or holding a control character)
        and whether the dump is the item itself."""
        try:
            dump = self.model.model_validate(item).model_dump()
        except ValidationError:
            return None, False
        if any(isinstance(v, str) and _CONTROL.search(v) for v in (*item, *item.values())):
            return None, False  # a control character: the row's problem to report
        try:
            return dump, orjson.dumps(dump) == orjson.dumps(item)
        except orjson.JSONEncodeError:
            return dump, False


def _regrouped(values: np.ndarray, rows_to_fix: np.ndarray, rows: np.ndarray,
               dumps: np.ndarray) -> list[Any]:
    """The column with the rows in ``rows_to_fix`` made of their items' dumps."""
    out: list[Any] = values.tolist()
    if not rows_to_fix.any():
        return out
    pick = rows_to_fix[rows]
    built: list[Any] = dumps[pick].tolist()
    counts = np.bincount(rows[pick], minlength=len(values))[rows_to_fix]
    ends = np.cumsum(counts).tolist()
    starts = [0, *ends[:-1]]
    fixed = np.flatnonzero(rows_to_fix).tolist()
    for row, start, end in zip(fixed, starts, ends, strict=True):
        out[row] = built[start:end]
    return out


_OWNERS = _Objects(Owner, min_items=0)
_SOURCES = _Objects(Source, min_items=1)


def _owners(values: np.ndarray) -> tuple[np.ndarray, list[Any]]:
    """Owners: each object the model's; stakes adding up to 100% at most and no owner
    named twice (case-folded), per row over the exploded items."""
    n = len(values)
    ok, typed, ex, dumps = _OWNERS.check(values)
    valid = ~_none(dumps)
    rows = ex.rows[valid]
    stakes = objects(map(operator.itemgetter("stake_pct"), dumps[valid]), len(rows))
    known = ~_none(stakes)
    weights = np.zeros(len(rows))
    weights[known] = stakes[known].astype(float)
    total = np.bincount(rows, weights=weights, minlength=n)
    ok &= total <= 100.0 + 1e-6 - _TOLERANCE
    names = objects(map(operator.itemgetter("name"), dumps[valid]), len(rows))
    folded = objects(map(str.casefold, names), len(names))
    ok &= ~_duplicates_in_row(rows, folded, n)
    return ok, typed


def _sources(values: np.ndarray) -> tuple[np.ndarray, list[Any]]:
    """Sources: each object the model's, at least one per row."""
    ok, typed, _, _ = _SOURCES.check(values)
    return ok, typed


def _dict_default(values: np.ndarray) -> np.ndarray:
    """``element_shares_pct`` / ``supply_years``: an empty object passes; any other value is
    the model's (a whole distribution derives the heavy share there)."""
    dicts = _is(values, dict)
    empty = np.zeros(len(values), dtype=bool)
    if dicts.any():
        empty[dicts] = np.fromiter(map(len, values[dicts]), dtype=np.int64,
                                   count=int(dicts.sum())) == 0
    return empty


#: Fields holding lists or objects, whose missing values take the model's default.
LIST_CHECKS: Final[dict[str, Callable[[np.ndarray], np.ndarray]]] = {
    "elements": _symbols(get_args(schema.Element), unique=True),
    "stages": _symbols(get_args(schema.Stage), unique=False),
    "feed_sources": _str_items,
    "element_shares_pct": _dict_default,
    "supply_years": _dict_default,
    "figure_sources": _dict_default,
}

