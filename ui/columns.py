"""Compact columnar encoding of a frame's properties for the browser.

Numbers with few distinct values and repeated strings or objects are sent once with a
per-row index; many distinct numbers as float32; unique strings as a plain list; typed
arrays as base64. ``ui/pointlayer.js`` decodes the same format.

A selection taken from a held layer (``layers.indexes.held_rows``: the app's filter
result) is encoded from that layer's codes, worked out once per column while the layer
lives and renumbered for the rows kept (linear, no hashing or serialising per filter
change); the payload is the one the selection alone gives (``tests/test_columns.py``).
"""

from __future__ import annotations

import base64
import zlib
from collections.abc import Collection, Mapping
from typing import Any, Final, NamedTuple

import numpy as np
import orjson
import pandas as pd
from isal import isal_zlib

from geo.identity import by_identity
from layers.indexes import cached, held_rows

__all__ = ["COMPRESS_ABOVE", "b64", "encode_table", "pack", "unpack"]

#: Payloads larger than this (bytes of JSON) are deflated (zlib's format, by ISA-L: level
#: 1 of 0-3, smaller and 3x faster than zlib's level 1) and sent as base64.
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


class _Factorised(NamedTuple):
    """A column's values as codes: ``codes`` 1.. by first appearance (0: no value), in the
    narrowest unsigned type, and the distinct ``values`` (texts, or JSON fragments when
    ``fragments``) in that order."""

    codes: np.ndarray
    values: Any
    fragments: bool


def _factorise(series: pd.Series) -> _Factorised:
    """Distinct values by first appearance: texts as texts, any other value by its JSON
    (null, like NaN in a text column, is no value)."""
    objects = series.to_numpy(dtype=object) if series.dtype == object else None
    fragments = False
    values: Any
    if objects is None and pd.api.types.is_string_dtype(series.dtype):
        codes, values = pd.factorize(series)
    elif objects is not None and pd.api.types.infer_dtype(objects, skipna=True) == "string":
        # texts held as separate objects (an imported layer's label on every row): equal
        # texts are one value, as their JSON would be, without serialising each row's
        codes, values = pd.factorize(objects)
    else:
        # the same object repeated (nested values read from a pool) is serialised once
        if objects is None:
            objects = series.to_numpy(dtype=object)
        by_id, firsts = by_identity(objects)
        rep_keys = list(map(_dumps, objects[firsts]))
        key_codes, found = pd.factorize(pd.Series(rep_keys, dtype=object))
        codes = key_codes[by_id]
        keys = np.asarray(found, dtype=object)
        null = np.flatnonzero(keys == b"null")
        if len(null):  # JSON null is "no value", like NaN in a string column
            codes = np.where(codes == null[0], -1, codes - (codes > null[0]))
            keys = np.delete(keys, null[0])
        values = np.array([orjson.Fragment(k) for k in keys] or [], dtype=object)
        fragments = True
    _, dtype = _width(len(values) + 1)
    return _Factorised((np.asarray(codes) + 1).astype(dtype), values, fragments)


def _reranked(found: _Factorised, rows: np.ndarray) -> _Factorised:
    """The factorisation of ``rows`` of a factorised column, numbered by first appearance
    among those rows, as :func:`_factorise` of those rows gives it (linear, no sort of the
    rows)."""
    codes = found.codes[rows]
    n, k = len(codes), len(found.values)
    first = np.full(k + 1, n, dtype=np.int64)
    first[codes[::-1]] = np.arange(n - 1, -1, -1)  # the last write, the first row, wins
    present = np.flatnonzero(first[1:] < n)
    order = present[np.argsort(first[1:][present], kind="stable")]
    renumber = np.zeros(k + 1, dtype=np.int64)
    renumber[order + 1] = np.arange(1, len(order) + 1)
    _, dtype = _width(len(order) + 1)
    return _Factorised(renumber[codes].astype(dtype), found.values[order], found.fragments)


def _equal(a: object, b: object) -> bool:
    """Two scalars of a typed column equal, or both missing."""
    if pd.isna(a) or pd.isna(b):  # type: ignore[call-overload]
        return bool(pd.isna(a) and pd.isna(b))  # type: ignore[call-overload]
    return bool(a == b)


def _held_column(frame: pd.DataFrame, name: str) -> tuple[pd.DataFrame, np.ndarray | None] | None:
    """The held frame ``frame`` was taken from and the rows it holds, when its column is
    the held one's at those rows (checked at its first, middle and last row: a column
    replaced since is not); else None."""
    held = held_rows(frame)
    if held is None or name not in held[0].columns:
        return None
    source, rows = held
    mine, theirs = frame[name], source[name]
    if mine.dtype != theirs.dtype:
        return None
    n = len(mine)
    at = [0, n // 2, n - 1] if n else []
    same = (lambda a, b: a is b) if mine.dtype == object else _equal
    there = at if rows is None else rows[at].tolist()
    if not all(same(mine.iat[i], theirs.iat[j]) for i, j in zip(at, there, strict=True)):
        return None
    return held


def _held_factorised(frame: pd.DataFrame, name: str) -> _Factorised | None:
    """The column factorised once for the held frame ``frame`` was taken from (kept while it
    lives), renumbered for ``frame``'s rows; None when ``frame`` was not taken from one, or
    its column differs from the held one's (:func:`_held_column`)."""
    held = _held_column(frame, name)
    if held is None:
        return None
    source, rows = held
    found = cached(source, ("popup codes", name), name, lambda: _factorise(source[name]))
    if rows is None:
        return found
    n, distinct = len(rows), len(found.values)
    if not distinct or (distinct == 1 and found.codes.all()):
        # no value anywhere, or one on every row: the same on the rows taken (if any)
        return _Factorised(found.codes[:n], found.values[: min(n, distinct)], found.fragments)
    if n > 16 and distinct == len(source) and found.codes.all():
        # every value distinct (ids, names): so are the rows', sent as a plain list
        return _Factorised(found.codes[rows], found.values, found.fragments)
    return _reranked(found, rows)


def _encode_values(series: pd.Series, found: _Factorised) -> dict[str, Any] | None:
    """A column of texts or objects, from its factorisation."""
    n, values = len(series), found.values
    if not len(values):
        return None
    if len(values) == 1 and found.codes.all():
        return {"t": "k", "v": values[0]}
    if n > 16 and len(values) > n * _DICT_SHARE:
        if found.fragments:
            return {"t": "s", "v": [None if c == 0 else values[c - 1]
                                    for c in found.codes.tolist()]}
        arrow = getattr(series.array, "_pa_array", None)
        if arrow is not None:  # Arrow-held texts: read as Python values, nulls as None
            return {"t": "s", "v": arrow.to_pylist()}
        plain = series.astype(object)
        return {"t": "s", "v": plain.where(plain.notna(), None).tolist()}
    w, _ = _width(len(values) + 1)
    return {"t": "d", "d": list(values), "i": b64(found.codes), "w": w}


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
            found = _held_factorised(frame, name)
            enc = _encode_values(series, found if found is not None else _factorise(series))
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
        return '"' + base64.b64encode(isal_zlib.compress(raw, 1)).decode("ascii") + '"'
    return raw.replace(b"<", b"\\u003c").decode("utf-8")


def unpack(expression: str) -> dict[str, Any]:
    """Read back what :func:`pack` wrote (for tests and tools)."""
    if expression.startswith('"'):
        return dict(orjson.loads(zlib.decompress(base64.b64decode(expression.strip('"')))))
    return dict(orjson.loads(expression))
