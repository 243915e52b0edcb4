"""The columnar checks of the scalar fields (text, numbers, years, flags), by field name.

Each check gets the column's values (object array, float NaN already None) and returns per
row whether the value is certainly valid, that is, the layer's model would accept it and
dump it unchanged; ``layers.screens`` leaves every other row to the model.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final, get_args

import numpy as np
import pandas as pd

from layers import schema
from layers.arrays import (
    _accepts,
    _fullmatch,
    _in,
    _is,
    _lengths,
    _none,
    _per_distinct,
    _strings,
)

__all__ = ["SCALAR_CHECKS"]

_NUMERIC_KINDS: Final[frozenset[str]] = frozenset(
    {"floating", "integer", "mixed-integer-float", "empty"}
)


_COUNTRY = _accepts(schema._country)
_ISO_DATE = _accepts(schema._iso_date)
_PARTIAL_DATE = _accepts(schema._partial_date)
_URL = _accepts(schema._url)


def _text(*, required: bool, min_length: int = 0, pattern: str | None = None,
          vocabulary: tuple[str, ...] | None = None,
          distinct: Callable[[Any], bool] | None = None) -> Callable[[np.ndarray], np.ndarray]:
    """The check of a text field: a ``str`` at least ``min_length`` long, matching
    ``pattern``, in ``vocabulary`` and passing ``distinct`` (each when given; ``distinct``
    runs once per distinct value); None passes too unless ``required``."""
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
    """The check of a number field: None, or an ``int`` or ``float`` that is finite, within
    ``ge``..``le`` and whole when ``integral``."""
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
    """Per value: a ``bool`` (not 0 or 1)."""
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

