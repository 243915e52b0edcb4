"""Lists and objects as JSON text, as GeoPackage, CSV and GeoParquet exports hold them.

Each value's text is its compact JSON as orjson writes it (:func:`json_text`), the text the
GeoJSON export, the partitioned GeoParquet dataset and the map's popups already carry: one
JSON style in every output. It is strict JSON (RFC 8259): a NaN or infinite number is
``null``, as in GeoJSON, where the standard library would write ``NaN``, which JSON readers
reject. Values that are the same object are encoded once. orjson encodes the distinct
values about four times as fast as the standard library's C encoder (``bench/``: the
GeoPackage and GeoParquet exports of the user's path).
"""

from __future__ import annotations

import json
import operator
from functools import partial
from itertools import repeat
from typing import Any, NamedTuple

import geopandas as gpd
import numpy as np
import orjson
import pandas as pd
import pyarrow as pa

from geo.geojson import prepare_geometries
from geo.identity import addresses as object_addresses
from geo.identity import groups

__all__ = ["flatten", "json_column", "json_text", "json_texts", "text_array"]

#: numpy arrays and scalars as their values, keys that are not text as text (as the standard
#: library does); dates and dataclasses are not encoded here (:func:`json_text` falls back,
#: and the standard library refuses them, as before).
_OPTIONS = (orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS
            | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS)
_DUMPS = partial(orjson.dumps, option=_OPTIONS)
_CONTAINERS = frozenset({list, dict, tuple, np.ndarray}).__contains__


def json_text(value: Any) -> str:
    """The JSON text of a list, tuple, dict or numpy array, compact, as orjson writes it.

    A value orjson cannot encode (an integer past 64 bits, nesting deeper than 254 levels,
    an array of Python objects) is encoded by the standard library with the same
    separators (there a NaN stays ``NaN``); what neither encodes raises the standard
    library's error.

    Parameters
    ----------
    value
        A list, tuple, dict or numpy array.

    Returns
    -------
    str
        Its JSON text.

    Raises
    ------
    TypeError
        A value JSON cannot hold (a date, bytes, an object).
    ValueError
        A value that holds itself.
    """
    try:
        return _DUMPS(value).decode()
    except orjson.JSONEncodeError:
        if isinstance(value, np.ndarray):
            value = value.tolist()
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def json_texts(values: np.ndarray) -> np.ndarray:
    """:func:`json_text` of every list, tuple, dict or array in ``values``.

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
    addresses = object_addresses(values)
    codes, firsts = _groups(addresses, _sample(addresses))
    return codes, _texts(values[firsts])


def _texts(distinct: np.ndarray) -> np.ndarray:
    """:func:`json_text` of each list, tuple, dict or array in ``distinct``."""
    try:
        texts = [text.decode() for text in map(_DUMPS, distinct)]
    except orjson.JSONEncodeError:  # one that orjson cannot take: each on its own
        texts = list(map(json_text, distinct))
    return np.array(texts, dtype=object)


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


#: Most distinct objects a column may hold for :func:`_few_groups` (above: a hash table).
_FEW = 256

#: Bits of :func:`_few_groups`' lookup table (``2**16`` slots: mostly free of collisions
#: for up to :data:`_FEW` objects, and small enough to stay in the CPU's cache).
_SLOT_BITS = 16

#: Odd 64-bit multipliers tried in turn by :func:`_few_groups` (fixed: the same codes on
#: every run).
_MULTIPLIERS = np.random.default_rng(16).integers(1, 2**63, size=8, dtype=np.uint64) * 2 + 1


class _Sample(NamedTuple):
    """The distinct objects among evenly spaced values of a column."""

    #: How many values the sample takes (one every ``step`` rows).
    size: int
    #: The distinct addresses (:func:`geo.identity.addresses`) among them, sorted.
    distinct: np.ndarray
    #: A row holding each of them.
    rows: np.ndarray
    #: How many sampled values each of them is.
    counts: np.ndarray


def _sample(addresses: np.ndarray, *, size: int = 4096) -> _Sample:
    """The distinct objects among about ``size`` evenly spaced values."""
    step = max(1, len(addresses) // size)
    distinct, where, counts = np.unique(addresses[::step], return_index=True,
                                        return_counts=True)
    return _Sample(len(addresses[::step]), distinct, where * step, counts)


def _groups(addresses: np.ndarray, sample: _Sample) -> tuple[np.ndarray, np.ndarray]:
    """Each value's group (values that are one object) and a row of each group.

    Like :func:`geo.identity.by_identity`, but a column of few distinct objects (all but a
    few rows holding one of those sampled) is grouped by :func:`_few_groups`, about three times as
    fast; its groups are then numbered in the order of their addresses, not of their first
    appearance.

    Parameters
    ----------
    addresses
        A 1-d object array's :func:`geo.identity.addresses`.
    sample
        Its :func:`_sample`.

    Returns
    -------
    tuple of numpy.ndarray
        Each value's code, and for each code a row holding that object.
    """
    few = _few_groups(addresses, sample)
    if few is not None:
        return few
    return groups(addresses)


def _few_groups(addresses: np.ndarray,
                sample: _Sample) -> tuple[np.ndarray, np.ndarray] | None:
    """Codes and rows (:func:`_groups`) when the sample holds at most :data:`_FEW` distinct
    objects and all but a few rows hold one of them; else None.

    Each address is looked up in a table of ``2**16`` slots by multiplicative hashing
    (numpy, a few passes over the column), with a multiplier that gives each sampled
    address a slot of its own. The result is exact: each row's address is checked against
    its slot's, and the rows whose object was not sampled (rare values) are grouped apart.
    """
    sampled = sample.distinct
    if not len(addresses) or len(sampled) > _FEW:
        return None
    shift = np.uint64(64 - _SLOT_BITS)
    for multiplier in _MULTIPLIERS:
        slots = ((sampled * multiplier) >> shift).view(np.intp)
        if len(np.unique(slots)) == len(sampled):
            break
    else:
        return None
    slot_codes = np.zeros(2**_SLOT_BITS, dtype=np.int32)
    slot_codes[slots] = np.arange(len(sampled), dtype=np.int32)
    slot_addresses = np.zeros(2**_SLOT_BITS, dtype=np.uint64)
    slot_addresses[slots] = sampled
    hashed = addresses * multiplier
    hashed >>= shift
    picks = hashed.view(np.intp)
    missed = np.flatnonzero(np.take(slot_addresses, picks) != addresses)
    if len(missed) * 64 > len(addresses):  # many values not sampled: hashing was no help
        return None
    codes = np.take(slot_codes, picks)
    firsts = sample.rows
    if len(missed):
        rare, rare_firsts = groups(addresses[missed])
        codes[missed] = rare + len(sampled)
        firsts = np.concatenate((firsts, missed[rare_firsts]))
    return codes, firsts


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


#: :func:`_kind` of every value of these exact types (others: :func:`_kind` itself).
_KINDS: dict[type, int] = {str: 0, list: 1, dict: 1, tuple: 1, np.ndarray: 1,
                           type(None): 2, type(pd.NA): 2}


def _kinds(values: np.ndarray) -> np.ndarray:
    """:func:`_kind` of each value: looked up by its type, by :func:`_kind` where the type
    alone does not tell (a float may be NaN)."""
    kinds = np.fromiter(map(_KINDS.get, map(type, values), repeat(-1)), dtype=np.int8,
                        count=len(values))
    odd = np.flatnonzero(kinds < 0)
    if len(odd):
        kinds[odd] = [_kind(value) for value in values[odd]]
    return kinds


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


def _mostly_distinct(sample: _Sample) -> bool:
    """Whether more than one in eight sampled values are distinct objects (grouping them
    would cost more than it saves)."""
    return len(sample.distinct) * 8 > sample.size


def _all_text(values: np.ndarray, sample: _Sample) -> bool:
    """Whether every value is text or missing (pandas' ``string``); the sampled values are
    looked at first (a column of lists is then told in a few thousand values)."""
    infer = pd.api.types.infer_dtype
    return (infer(values[sample.rows], skipna=True) == "string"
            and infer(values, skipna=True) == "string")


def _sparse_text(values: np.ndarray, addresses: np.ndarray,
                 sample: _Sample) -> pa.Array | None:
    """:func:`text_array` of a column missing in all but a few rows (one missing object,
    such as None, in nearly every sampled row): only the other rows are converted, and the
    column is laid out around their text in numpy (no pass of Arrow over the missing rows).
    None when the column is not such, or its few values are not all text, lists, objects or
    missing."""
    if not sample.size or sample.counts.max() * 16 < sample.size * 15:
        return None
    common = int(np.argmax(sample.counts))
    if _kind(values[sample.rows[common]]) != 2:
        return None
    rows = np.flatnonzero(addresses != sample.distinct[common])
    if len(rows) * 16 > len(values):
        return None
    present = values[rows]
    kinds = _kinds(present)
    if (kinds == 3).any() or not (kinds < 2).any():
        return None  # as the column's other objects decide (text_array)
    texts = present.copy()
    nested = kinds == 1
    if nested.any():
        texts[nested] = json_texts(present[nested])
    texts[kinds == 2] = None
    few = pa.array(texts, pa.large_string())
    lengths = np.zeros(len(values), dtype=np.int64)
    lengths[rows] = np.diff(np.frombuffer(few.buffers()[1], dtype=np.int64,
                                          count=len(few) + 1))
    offsets = np.zeros(len(values) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    valid = np.zeros(len(values), dtype=bool)
    valid[rows] = kinds < 2
    return pa.Array.from_buffers(pa.large_string(), len(values), [
        pa.py_buffer(np.packbits(valid, bitorder="little")), pa.py_buffer(offsets),
        few.buffers()[2] or pa.py_buffer(b"")])


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
    addresses = object_addresses(values)
    sample = _sample(addresses)
    if _mostly_distinct(sample) and _all_text(values, sample):
        return pa.array(values, type=pa.large_string(), from_pandas=True)  # row by row
    sparse = _sparse_text(values, addresses, sample)
    if sparse is not None:
        return sparse
    codes, firsts = _groups(addresses, sample)
    distinct = values[firsts]
    kinds = _kinds(distinct)
    if (kinds == 3).any() or not (kinds < 2).any():
        return None
    texts = distinct.copy()
    nested = kinds == 1
    if nested.any():
        texts[nested] = _texts(distinct[nested])
    texts[kinds == 2] = None  # missing: a null in the dictionary, so those rows are null
    picked = pa.DictionaryArray.from_arrays(pa.array(codes),
                                            pa.array(texts, pa.large_string()))
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
