"""Compact columnar encoding of a frame's properties for the browser.

Numbers with few distinct values and repeated strings or objects are sent once with a
per-row index; many distinct numbers as float32; unique strings as a plain list; typed
arrays as base64. ``ui/pointlayer.js`` decodes the same format.
"""

from __future__ import annotations

import base64
import zlib
from collections.abc import Collection, Mapping
from typing import Any, Final

import numpy as np
import orjson
import pandas as pd

__all__ = ["COMPRESS_ABOVE", "b64", "encode_table", "pack", "unpack"]

#: Payloads larger than this (bytes of JSON) are deflated and sent as base64.
COMPRESS_ABOVE: Final[int] = 256 * 1024
#: Columns with more distinct values than this share of rows are sent as plain lists.
_DICT_SHARE: Final[float] = 0.5


def b64(values: np.ndarray) -> str:
    return base64.b64encode(np.ascontiguousarray(values).tobytes()).decode("ascii")


def _width(n: int) -> tuple[int, type[np.unsignedinteger[Any]]]:
    if n < 2**8:
        return 1, np.uint8
    if n < 2**16:
        return 2, np.uint16
    return 4, np.uint32


def _default(value: object) -> object:
    if isinstance(value, np.generic):
        return value.item()
    if value is pd.NA or value is pd.NaT:
        return None
    return str(value)


def _dumps(value: object) -> bytes:
    return orjson.dumps(value, default=_default, option=orjson.OPT_SERIALIZE_NUMPY)


def _encode_numbers(values: np.ndarray) -> dict[str, Any] | None:
    known = ~np.isnan(values)
    if not known.any():
        return None
    uniq = np.unique(values[known])
    if len(uniq) == 1 and known.all():
        return {"t": "k", "v": float(uniq[0])}
    if len(uniq) < 255:
        idx = np.zeros(len(values), dtype=np.uint8)
        idx[known] = np.searchsorted(uniq, values[known]) + 1
        return {"t": "d", "d": uniq.tolist(), "i": b64(idx), "w": 1}
    return {"t": "f", "v": b64(values.astype("<f4"))}


def _first_rows(codes: np.ndarray) -> np.ndarray:
    """Each code's first row, by code, for codes numbered in order of first appearance (as
    ``pd.factorize`` numbers them): the rows where a code above all before it appears."""
    if not len(codes):
        return np.zeros(0, dtype=np.intp)
    top = np.maximum.accumulate(codes)
    return np.flatnonzero(np.r_[True, top[1:] > top[:-1]])


def _encode_values(series: pd.Series) -> dict[str, Any] | None:
    n = len(series)
    objects = series.to_numpy(dtype=object) if series.dtype == object else None
    if objects is None and pd.api.types.is_string_dtype(series.dtype):
        codes, uniques = pd.factorize(series)
        values: list[Any] = list(np.asarray(uniques, dtype=object))
    elif objects is not None and pd.api.types.infer_dtype(objects, skipna=True) == "string":
        # texts held as separate objects (an imported layer's label on every row): equal
        # texts are one value, as their JSON would be, without serialising each row's
        codes, texts = pd.factorize(objects)
        values = list(texts)
    else:
        # the same object repeated (nested values read from a pool) is serialised once
        if objects is None:
            objects = series.to_numpy(dtype=object)
        by_id, _ = pd.factorize(np.fromiter(map(id, objects), np.int64, len(objects)))
        reps = objects[_first_rows(by_id)]
        rep_keys = list(map(_dumps, reps))
        key_codes, found = pd.factorize(pd.Series(rep_keys, dtype=object))
        codes = key_codes[by_id]
        uniq = np.asarray(found, dtype=object)
        null = [i for i, k in enumerate(uniq) if k == b"null"]
        if null:  # JSON null is "no value", like NaN in a string column
            codes = np.where(codes == null[0], -1, codes - (codes > null[0]))
            uniq = np.delete(uniq, null[0])
        values = [orjson.Fragment(k) for k in uniq]
    if not values:
        return None
    if len(values) == 1 and (codes >= 0).all():
        return {"t": "k", "v": values[0]}
    if n > 16 and len(values) > n * _DICT_SHARE:
        if isinstance(values[0], orjson.Fragment):
            return {"t": "s", "v": [None if c < 0 else values[c] for c in codes]}
        arrow = getattr(series.array, "_pa_array", None)
        if arrow is not None:  # Arrow-held texts: read as Python values, nulls as None
            return {"t": "s", "v": arrow.to_pylist()}
        plain = series.astype(object)
        return {"t": "s", "v": plain.where(plain.notna(), None).tolist()}
    w, dtype = _width(len(values) + 1)
    return {"t": "d", "d": values, "i": b64((np.asarray(codes) + 1).astype(dtype)), "w": w}


def encode_table(frame: pd.DataFrame, columns: Collection[str]) -> dict[str, dict[str, Any]]:
    """Encode the named columns compactly; absent and all-empty columns are left out.

    Numbers with few distinct values and repeated strings or objects are sent once, with a
    per-row index (0 = no value); many distinct numbers as float32; unique strings as a
    plain list.
    """
    out: dict[str, dict[str, Any]] = {}
    for name in columns:
        if name not in frame.columns:
            continue
        series = frame[name]
        dtype = series.dtype
        if pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype):
            enc = _encode_numbers(pd.to_numeric(series).to_numpy(dtype=float, na_value=np.nan))
        else:
            enc = _encode_values(series)
        if enc is not None:
            out[name] = enc
    return out


def pack(payload: Mapping[str, Any]) -> str:
    """Return a payload as a JavaScript expression safe inside ``<script>``.

    Small payloads are a JSON literal with ``<`` escaped (so no ``</script>`` in data can
    end the script); large ones a base64 string of deflated JSON.
    """
    raw = orjson.dumps(payload, option=orjson.OPT_SERIALIZE_NUMPY)
    if len(raw) > COMPRESS_ABOVE:
        return '"' + base64.b64encode(zlib.compress(raw, 1)).decode("ascii") + '"'
    return raw.replace(b"<", b"\\u003c").decode("utf-8")


def unpack(expression: str) -> dict[str, Any]:
    """Read back what :func:`pack` wrote (for tests and tools)."""
    if expression.startswith('"'):
        return dict(orjson.loads(zlib.decompress(base64.b64decode(expression.strip('"')))))
    return dict(orjson.loads(expression))
