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

The per-value predicates are ``layers.arrays``, the field checks ``layers.scalar_checks``
and ``layers.list_checks``, the geometry, label and duplicate-id checks
``layers.feature_checks``; their public names are re-exported here.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import repeat
from typing import Any

import numpy as np
import pandas as pd

from layers.arrays import (
    CONTROL_CHARACTERS,
    _dirty,
    _is,
    _none,
    clean_value,
    cleaned,
    objects,
    types_of,
)
from layers.feature_checks import duplicate_ids, feature_labels, geometry_suspects
from layers.list_checks import LIST_CHECKS, _owners, _sources
from layers.models import MODELS
from layers.scalar_checks import SCALAR_CHECKS, _unknown

__all__ = [
    "CONTROL_CHARACTERS",
    "LIST_CHECKS",
    "SCALAR_CHECKS",
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


# --- the frame -------------------------------------------------------------------------


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
    """The typed columns and, when ``check``, per row whether every field passed (the
    work of :func:`screen` and :func:`unchecked`)."""
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
