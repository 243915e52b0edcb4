"""Columnar checks of a layer's properties: which rows are certainly valid, and typed.

:func:`screen` runs the layer schema's rules over whole columns (types, ranges,
vocabularies, element symbols, owners and stakes, sources, dates, countries, the capacity
rule) with numpy, pandas and C-level iteration (``map`` of builtins), never a Python loop
per row. Every check is *conservative*: a row passes only when the layer's pydantic model
(``layers.models``) would accept it and dump exactly the values returned here. A row that
fails any check is a *suspect*: ``layers.validate`` runs the model on those rows alone, so
the messages are the model's own, word for word, and a suspect the model accepts after all
(``aus`` for ``AUS``, a derived heavy share) is typed by the model.

Checks that are Python functions (an ISO date, a country code, a URL) run once per
distinct value (``pandas.factorize``) and are mapped back to the rows: a survey repeats its
dates, countries and sources, so the cost follows the distinct values, not the rows.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import chain, repeat
from typing import Any, Final, get_args

import numpy as np
import orjson
import pandas as pd
import shapely
from pydantic import BaseModel, ValidationError

from geo.guard import excerpt
from layers import schema
from layers.models import MODELS, Owner, Source

__all__ = [
    "Screen",
    "clean_value",
    "cleaned",
    "duplicate_ids",
    "feature_labels",
    "geometry_suspects",
    "objects",
    "screen",
    "types_of",
    "unchecked",
]

#: Control characters no text may hold (``layers.validate`` reports them; tab, line feed
#: and carriage return are allowed).
CONTROL_CHARACTERS: Final[str] = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"
_CONTROL = re.compile(CONTROL_CHARACTERS)
#: What ``geo.guard.excerpt`` escapes in the names of features in messages.
_ESCAPED = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_NUMERIC_KINDS: Final[frozenset[str]] = frozenset(
    {"floating", "integer", "mixed-integer-float", "empty"}
)
_TOLERANCE: Final[float] = 1e-9  # sums this close to a limit are left to the model


@dataclass(frozen=True)
class Screen:
    """What the columnar checks found.

    Attributes
    ----------
    ok
        Per row: every property certainly valid (the model need not run).
    columns
        The typed values of every model field (then the extra properties, in file order),
        as lists; only the values of ``ok`` rows are meaningful.
    """

    ok: np.ndarray
    columns: dict[str, list[Any]]


def objects(values: Iterable[Any], count: int) -> np.ndarray:
    """A 1-d object array of ``count`` values, lists kept as lists (never a 2-d array)."""
    return np.fromiter(values, dtype=object, count=count)


def types_of(values: np.ndarray) -> set[type]:
    """The types the values have, by C-level iteration."""
    return set(map(type, values))


def _is(values: np.ndarray, *kinds: type) -> np.ndarray:
    """Per value: its type is exactly one of ``kinds`` (subclasses and bools excluded)."""
    wanted = frozenset(kinds).__contains__
    return np.fromiter(map(wanted, map(type, values)), dtype=bool, count=len(values))


def _none(values: np.ndarray) -> np.ndarray:
    """Per value: it is None."""
    return np.fromiter(map(operator.is_, values, repeat(None)), dtype=bool, count=len(values))


def _strings(values: np.ndarray) -> np.ndarray:
    """Per value: a ``str`` (fast when the whole column is text)."""
    if pd.api.types.infer_dtype(values, skipna=False) == "string":
        return np.ones(len(values), dtype=bool)
    return _is(values, str)


def _per_distinct(values: np.ndarray, check: Callable[[Any], bool]) -> np.ndarray:
    """``check`` run once per distinct value, mapped back to every row."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    verdict = np.fromiter(map(check, uniques), dtype=bool, count=len(uniques))
    return np.where(codes >= 0, verdict[np.maximum(codes, 0)], False)


def _accepts(validator: Callable[[Any], Any]) -> Callable[[Any], bool]:
    """A schema validator (raises ``ValueError``) as a yes/no check that returns its input."""

    def check(value: Any) -> bool:
        try:
            return bool(validator(value) == value)
        except (TypeError, ValueError):
            return False

    return check


def _fullmatch(values: np.ndarray, text: np.ndarray, pattern: str) -> np.ndarray:
    """RE2 full match (pyarrow), stricter than Python's ``re`` ($ before a newline, \\d)."""
    out = np.zeros(len(values), dtype=bool)
    if text.any():
        found = pd.Series(values[text].tolist(), dtype="str").str.fullmatch(pattern)
        out[text] = found.to_numpy(dtype=bool, na_value=False)
    return out


def _in(values: np.ndarray, text: np.ndarray, vocabulary: tuple[str, ...]) -> np.ndarray:
    """Per value: a string of the vocabulary (only strings are hashed)."""
    out = np.zeros(len(values), dtype=bool)
    out[text] = pd.Series(values[text].tolist(), dtype=object).isin(vocabulary).to_numpy()
    return out


def _lengths(values: np.ndarray, text: np.ndarray) -> np.ndarray:
    out = np.zeros(len(values), dtype=np.int64)
    if text.any():
        out[text] = np.fromiter(map(len, values[text]), dtype=np.int64, count=int(text.sum()))
    return out


# --- scalar columns --------------------------------------------------------------------
# Each check gets the column's values (object array, float NaN already None) and returns
# per row whether the value is certainly valid; values the check keeps are the dump's.

_COUNTRY = _accepts(schema._country)
_ISO_DATE = _accepts(schema._iso_date)
_PARTIAL_DATE = _accepts(schema._partial_date)
_URL = _accepts(schema._url)


def _text(*, required: bool, min_length: int = 0, pattern: str | None = None,
          vocabulary: tuple[str, ...] | None = None,
          distinct: Callable[[Any], bool] | None = None) -> Callable[[np.ndarray], np.ndarray]:
    def check(values: np.ndarray) -> np.ndarray:
        text = _strings(values)
        ok = text.copy()
        if min_length:
            ok &= _lengths(values, text) >= min_length
        if pattern is not None:
            ok &= _fullmatch(values, text, pattern)
        if vocabulary is not None:
            ok &= _in(values, text, vocabulary)
        if distinct is not None:
            ok[text] &= _per_distinct(values[text], distinct)
        return ok if required else ok | _none(values)

    return check


def _number(*, ge: float | None = None, le: float | None = None,
            integral: bool = False) -> Callable[[np.ndarray], np.ndarray]:
    def check(values: np.ndarray) -> np.ndarray:
        none = _none(values)
        if pd.api.types.infer_dtype(values, skipna=True) in _NUMERIC_KINDS:
            number = ~none
        else:
            number = _is(values, int, float)
        x = np.full(len(values), np.nan)
        if number.any():
            x[number] = pd.to_numeric(pd.Series(values[number].tolist()), errors="coerce")
        with np.errstate(invalid="ignore"):
            ok = number & np.isfinite(x)  # the models refuse inf and NaN
            if ge is not None:
                ok &= x >= ge
            if le is not None:
                ok &= x <= le
            if integral:
                ok &= np.isfinite(x) & (np.floor(x) == x) & (np.abs(x) < 2**53)
        return ok | none

    return check


def _boolean(values: np.ndarray) -> np.ndarray:
    return _is(values, bool)


def _unknown(values: np.ndarray) -> np.ndarray:
    """A field no columnar check knows: only missing values pass (the model sees the rest)."""
    return _none(values)


_PERCENT = _number(ge=0, le=100)
_NON_NEGATIVE = _number(ge=0)
_YEAR = _number(ge=1900, le=2100, integral=True)
_OPTIONAL_TEXT = _text(required=False)

#: The columnar check of each scalar field, by name, for every layer's model.
SCALAR_CHECKS: Final[dict[str, Callable[[np.ndarray], np.ndarray]]] = {
    "id": _text(required=True, pattern=r"[a-z0-9]+(?:-[a-z0-9]+)*"),
    "name": _text(required=True, min_length=1),
    "product": _text(required=True, min_length=1),
    "country": _text(required=True, distinct=_COUNTRY),
    "origin": _text(required=True, distinct=_COUNTRY),
    "destination": _text(required=True, distinct=_COUNTRY),
    "status": _text(required=True, vocabulary=get_args(schema.Status)),
    "stage": _text(required=True, vocabulary=get_args(schema.Stage)),
    "as_of": _text(required=True, distinct=_ISO_DATE),
    "checked_on": _text(required=False, distinct=_ISO_DATE),
    "usgs_ree_id": _text(required=True, min_length=1),
    "url": _text(required=False, distinct=_URL),
    "period": _text(required=True, pattern=r"\d{4}(-(0[1-9]|1[0-2]))?"),
    "hs_code": _text(required=False, pattern=r"\d{4}(\.\d{2}){0,2}"),
    "capacity_unit": _text(required=False, vocabulary=get_args(schema.CapacityUnit)),
    "production_unit": _text(required=False, vocabulary=get_args(schema.CapacityUnit)
                             + get_args(schema.AmountUnit)),
    "tonnage_unit": _text(required=False, vocabulary=get_args(schema.FlowUnit)),
    "location_accuracy": _text(required=False, vocabulary=get_args(schema.Accuracy)),
    "route_kind": _text(required=True, vocabulary=("sea", "land", "great_circle", "mixed")),
    "geometry_approximate": _boolean,
    "hree_share_pct": _PERCENT,
    "grade_treo_pct": _PERCENT,
    "capacity_year": _YEAR,
    "resource_year": _YEAR,
    "production_year": _YEAR,
    "start_year": _YEAR,
    **dict.fromkeys(("capacity", "location_precision_km", "resource_mt", "production",
                     "depth_m_min", "depth_m_max", "rey_ppm_max", "rey_ppm_typical",
                     "resource_t", "tonnage"), _NON_NEGATIVE),
    **dict.fromkeys(("name_local", "operator", "hree_basis", "notes", "deposit_type",
                     "resource_category", "feedstock", "resource_unit", "origin_port",
                     "destination_port", "flow_id", "unlocode", "kind", "state_or_province",
                     "other_commodities", "curated_mine_id"), _OPTIONAL_TEXT),
}


# --- list columns ----------------------------------------------------------------------


@dataclass(frozen=True)
class _Items:
    """A list column exploded: the rows that hold a list, and every item with its row."""

    lists: np.ndarray  # per row: the value is a list
    rows: np.ndarray  # per item: its row
    items: np.ndarray  # the items, object array


def _explode(values: np.ndarray) -> _Items:
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


# --- the frame -------------------------------------------------------------------------


def clean_value(value: Any) -> Any:
    """A value as the models see it: NaN -> None, numpy scalars and arrays -> Python."""
    if isinstance(value, float) and np.isnan(value):
        return None
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return value


def cleaned(column: pd.Series) -> np.ndarray:
    """The column as ``layers.validate`` cleans each value: NaN -> None, numpy -> Python."""
    values = column.to_numpy(dtype=object)
    kind = pd.api.types.infer_dtype(values, skipna=False)
    if kind in ("string", "boolean", "integer"):
        return values
    types = types_of(values)
    if any(issubclass(t, np.generic | np.ndarray) for t in types):
        values = objects(map(clean_value, values), len(values))
    if float in types:
        nan = _is(values, float) & pd.isna(values)
        values = values.copy()
        values[nan] = None
    return values


def _dirty(values: np.ndarray, pattern: re.Pattern[str] = _CONTROL) -> np.ndarray:
    """Per value: a text holding a control character. One scan of the column's texts
    joined by spaces (never matched) answers for the whole column when none does."""
    out = np.zeros(len(values), dtype=bool)
    text = _strings(values)
    if not text.any() or not pattern.search(" ".join(values[text])):
        return out
    out[text] = np.fromiter(map(bool, map(pattern.search, values[text])), dtype=bool,
                            count=int(text.sum()))
    return out


def _field(props: pd.DataFrame, column: Any, info: Any) -> np.ndarray:
    """A field's cleaned values; missing lists and objects take the model's default (one
    shared object: frames are read-only)."""
    values = cleaned(props[column])
    if info.default_factory is not None:
        none = _none(values)
        if none.any():
            values = values.copy()
            default = info.get_default(call_default_factory=True)
            values[none] = objects(repeat(default), int(none.sum()))
    return values


def _checked(name: str, values: np.ndarray, info: Any) -> tuple[np.ndarray, list[Any]]:
    """One field's columnar check and its typed values."""
    if name == "owners":
        return _owners(values)
    if name == "sources":
        return _sources(values)
    check = LIST_CHECKS.get(name) or SCALAR_CHECKS.get(name, _unknown)
    good = check(values)
    if not info.is_required() and info.default is None:  # ``X | None = None`` in this model
        good |= _none(values)
    return good, values.tolist()


def screen(props: pd.DataFrame, layer: str) -> Screen:
    """Check every property column of a layer's frame at once.

    Parameters
    ----------
    props
        The frame's property columns as read (no geometry), any index.
    layer
        A key of ``layers.models.MODELS``.

    Returns
    -------
    Screen
        Per row whether the model need not run, and the typed columns.
    """
    return _columns(props, layer, check=True)


def unchecked(props: pd.DataFrame, layer: str) -> dict[str, list[Any]]:
    """The typed columns of rows known valid (sealed in the store), without any check:
    missing lists take their defaults, the layer is filled, extras kept (as :func:`screen`
    types valid rows)."""
    return _columns(props, layer, check=False).columns


def _columns(props: pd.DataFrame, layer: str, *, check: bool) -> Screen:
    model = MODELS[layer]
    n = len(props)
    ok = np.ones(n, dtype=bool)
    columns: dict[str, list[Any]] = {}
    present = {str(c): c for c in props.columns}
    for name, info in model.model_fields.items():
        if name == "layer":  # absent or null: the layer the file is read as
            columns[name] = [layer] * n
            if name in present and check:
                values = cleaned(props[present[name]])
                ok &= _none(values) | (values == layer)
        elif name not in present:
            ok &= not (check and info.is_required())
            default = None if info.is_required() else info.get_default(
                call_default_factory=True)
            columns[name] = [default] * n
        elif check:
            values = _field(props, present[name], info)
            good, columns[name] = _checked(name, values, info)
            ok &= good & ~_dirty(values)
        else:
            columns[name] = _field(props, present[name], info).tolist()
    if check:
        ok &= _rules(columns, n)
    for column in props.columns:  # extra properties are kept as they are
        if str(column) not in model.model_fields:
            values = cleaned(props[column])
            columns[str(column)] = values.tolist()
            if check:  # lists and objects of a user's own are the model's to look into
                ok &= ~_dirty(values) & ~_is(values, list, dict, tuple)
    return Screen(ok=ok, columns=columns)


def _rules(columns: dict[str, list[Any]], n: int) -> np.ndarray:
    """The models' cross-field rules: a capacity (or tonnage) needs its unit (and year)."""
    ok = np.ones(n, dtype=bool)
    pairs = [("capacity", ("capacity_unit", "capacity_year")), ("tonnage", ("tonnage_unit",))]
    for field, needs in pairs:
        if field not in columns:
            continue
        if field == "tonnage" and "tonnage_unit" not in columns:
            continue
        given = ~_none(objects(columns[field], n))
        for need in needs:
            ok &= ~(given & _none(objects(columns[need], n)))
    return ok


# --- geometry, labels, duplicate ids ---------------------------------------------------

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
