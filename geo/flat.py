"""Lists and objects as JSON text, as GeoPackage, CSV and GeoParquet exports hold them.

Each value's text is exactly ``json.dumps(value, ensure_ascii=False)``. A column is encoded
in one call of the standard library's C encoder: the values go into one list, each pair
separated by a fresh random marker string, and the encoded list is cut at the markers. One
call per column instead of one per row makes the encoding about as cheap as writing the
file (``bench/``: the GeoPackage and GeoParquet exports of the user's path). A value that
the one-call path cannot take (numpy scalars inside a list, a marker found in the data)
falls back to encoding each value alone, with the same result or the same error.
"""

from __future__ import annotations

import json
import operator
import uuid
from itertools import repeat
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa

from geo.geojson import prepare_geometries

__all__ = ["flatten", "json_texts"]

_ENCODER = json.JSONEncoder(ensure_ascii=False)
_CONTAINERS = frozenset({list, dict, tuple, np.ndarray}).__contains__


def _json_text(value: Any) -> str:
    if isinstance(value, np.ndarray):
        value = value.tolist()
    return json.dumps(value, ensure_ascii=False)


def json_texts(values: np.ndarray) -> np.ndarray:
    """``json.dumps(v, ensure_ascii=False)`` of every list, tuple, dict or array in ``values``.

    Values that are the same object are encoded once and share their text.

    Parameters
    ----------
    values
        A 1-d object array of lists, tuples, dicts and numpy arrays.

    Returns
    -------
    numpy.ndarray
        The texts, an object array as long as ``values``.
    """
    if len(values) == 0:
        return np.empty(0, dtype=object)
    codes, texts = _encoded(values)
    return texts[codes]


def _encoded(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each value's code and the texts of the distinct objects (:func:`json_texts`)."""
    codes, firsts = _by_identity(values)
    distinct = values[firsts]
    arrays = np.fromiter(map(isinstance, distinct, repeat(np.ndarray)), dtype=bool,
                         count=len(distinct))
    if arrays.any():
        distinct = distinct.copy()
        distinct[arrays] = [a.tolist() for a in distinct[arrays]]
    texts = _one_call(distinct)
    if texts is None:
        texts = np.fromiter(map(_json_text, distinct), dtype=object, count=len(distinct))
    return codes, texts


def _text_column(codes: np.ndarray, texts: np.ndarray) -> Any:
    """The texts a column's codes pick, as pandas would type a list of them; built by
    Arrow from the distinct texts (one copy of the bytes in C, about ten times as fast as
    pandas converting a list of a million strings) when pandas keeps text in Arrow."""
    dtype = pd.Series(texts[:1].tolist()).dtype
    if not (isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow"):
        return texts[codes].tolist()
    picked = pa.DictionaryArray.from_arrays(pa.array(codes, pa.int32()),
                                            pa.array(texts.tolist(), pa.string()))
    return pd.array(picked.dictionary_decode(), dtype=dtype)


def _by_identity(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each value's group (values that are one object) and each group's first position."""
    codes, _ = pd.factorize(np.fromiter(map(id, values), dtype=np.int64, count=len(values)))
    _, firsts = np.unique(codes, return_index=True)
    return codes, firsts


def _one_call(values: np.ndarray) -> np.ndarray | None:
    """Every value's text from one call of the C encoder, or None when it cannot be."""
    n = len(values)
    marker = uuid.uuid4().hex
    sequence: list[Any] = [marker] * (2 * n - 1)
    sequence[::2] = values.tolist()
    try:
        text = _ENCODER.encode(sequence)
    except (TypeError, ValueError, RecursionError):
        return None
    parts = text[1:-1].split(f', "{marker}", ')
    if len(parts) != n:  # the marker inside a value (never by chance): one by one
        return None
    return np.array(parts, dtype=object)


def _json_column(column: pd.Series) -> Any:
    """An object column with its lists and objects as JSON text; ``pd.NA`` as None."""
    values = column.to_numpy(dtype=object)
    n = len(values)
    types = set(map(type, values))
    if not any(map(_CONTAINERS, types)) and type(pd.NA) not in types:
        return values.tolist()
    if len(types) == 1:  # every value a list (or every value a dict, ...)
        return _text_column(*_encoded(values))
    nested = np.fromiter(map(_CONTAINERS, map(type, values)), dtype=bool, count=n)
    missing = np.fromiter(map(operator.is_, values, repeat(pd.NA)), dtype=bool, count=n)
    out = values.copy()
    out[missing] = None
    if nested.any():
        out[nested] = json_texts(values[nested])
    return out.tolist()


def flatten(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return a copy with lists and objects as JSON text and geometry prepared as in GeoJSON
    (split at the antimeridian, oriented, rounded), as GeoPackage and CSV hold them."""
    columns = [c for c in gdf.columns if c != gdf.geometry.name]
    data = pd.DataFrame(
        {c: _json_column(gdf[c]) if gdf[c].dtype == object else gdf[c] for c in columns},
        index=gdf.index,
    )
    geoms = prepare_geometries(np.asarray(gdf.geometry.values))
    return gpd.GeoDataFrame(data, geometry=geoms, crs=gdf.crs)
