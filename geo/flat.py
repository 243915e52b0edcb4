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
from geo.identity import addresses, by_identity

__all__ = ["flatten", "json_column", "json_texts", "text_array"]

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
    codes, firsts = by_identity(values)
    return codes, _texts(values[firsts])


def _texts(distinct: np.ndarray) -> np.ndarray:
    """The JSON text of each list, tuple, dict or array in ``distinct``."""
    arrays = np.fromiter(map(isinstance, distinct, repeat(np.ndarray)), dtype=bool,
                         count=len(distinct))
    if arrays.any():
        distinct = distinct.copy()
        distinct[arrays] = [a.tolist() for a in distinct[arrays]]
    texts = _one_call(distinct)
    if texts is None:
        texts = np.fromiter(map(_json_text, distinct), dtype=object, count=len(distinct))
    return texts


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


def json_column(column: pd.Series) -> Any:
    """An object column with its lists and objects as JSON text; ``pd.NA`` as None.

    Parameters
    ----------
    column
        An object column.

    Returns
    -------
    list or pandas array
        The values of the column :func:`flatten` makes, for pandas to type.
    """
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


def _kind(value: Any) -> int:
    """0 text, 1 list or object, 2 missing (as pandas counts it in text), 3 anything else."""
    if isinstance(value, str):
        return 0
    if _CONTAINERS(type(value)):
        return 1
    if value is None or value is pd.NA or (isinstance(value, float | np.floating)
                                           and np.isnan(value)):
        return 2
    return 3


def _mostly_distinct(values: np.ndarray, *, sample: int = 4096) -> bool:
    """Whether more than one in eight of ``sample`` evenly spaced values are distinct
    objects (grouping them would cost more than it saves)."""
    picked = addresses(values[:: max(1, len(values) // sample)])
    return len(np.unique(picked)) * 8 > len(picked)


def text_array(values: np.ndarray, *, decoded: bool = True) -> pa.Array | None:
    """An object column as :func:`flatten` holds it, as Arrow text: lists and objects as
    JSON text, text as it is, missing values null.

    Each distinct object is converted once (:func:`json_texts`); the column is then taken
    from those texts by Arrow. A column of text that is mostly distinct objects is
    converted by Arrow directly. This is the ``large_string`` array pyarrow makes of the
    column pandas builds in :func:`flatten` (its ``str`` dtype).

    Parameters
    ----------
    values
        A 1-d object array.
    decoded
        False: a column of grouped objects stays a dictionary array (the distinct texts
        and each row's pick), to be decoded a slice at a time.

    Returns
    -------
    pyarrow.Array or None
        None when the column holds anything else (numbers, bytes, dates), or only missing
        values, which pandas types otherwise.
    """
    if _mostly_distinct(values) and pd.api.types.infer_dtype(values, skipna=True) == "string":
        return pa.array(values, type=pa.large_string(), from_pandas=True)  # row by row
    codes, firsts = by_identity(values)
    distinct = values[firsts]
    kinds = np.fromiter(map(_kind, distinct), dtype=np.int8, count=len(distinct))
    if (kinds == 3).any() or not (kinds < 2).any():
        return None
    texts = distinct.copy()
    nested, missing = kinds == 1, kinds == 2
    if nested.any():
        texts[nested] = _texts(distinct[nested])
    texts[missing] = ""  # never picked: those rows are null
    picks = pa.array(codes, mask=missing[codes] if missing.any() else None)
    picked = pa.DictionaryArray.from_arrays(picks, pa.array(texts, pa.large_string()))
    return picked.dictionary_decode() if decoded else picked


def flatten(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return a copy with lists and objects as JSON text and geometry prepared as in GeoJSON
    (split at the antimeridian, oriented, rounded), as GeoPackage and CSV hold them."""
    columns = [c for c in gdf.columns if c != gdf.geometry.name]
    data = pd.DataFrame(
        {c: json_column(gdf[c]) if gdf[c].dtype == object else gdf[c] for c in columns},
        index=gdf.index,
    )
    geoms = prepare_geometries(np.asarray(gdf.geometry.values))
    return gpd.GeoDataFrame(data, geometry=geoms, crs=gdf.crs)
