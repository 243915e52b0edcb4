"""How deep a geometry or a value nests, measured without recursion, before any parser runs.

GEOS reads WKT, WKB and GeoJSON recursively: a geometry collection nested 100,000 deep
overflows the C stack and kills the process (and so the app, for every user). These
functions measure the depth with a loop and a counter, so a caller refuses a deep value
before shapely (or pydantic, or ``json``) sees it.
"""

from __future__ import annotations

import struct
from typing import Any

import numpy as np

__all__ = ["bracket_depth", "bracket_depths", "value_depth", "wkb_problem"]

_OPEN = np.zeros(256, dtype=np.int8)
_OPEN[[ord("("), ord("["), ord("{")]] = 1
_OPEN[[ord(")"), ord("]"), ord("}")]] = -1


def bracket_depth(text: str | bytes) -> int:
    """The deepest nesting of ``()``, ``[]`` and ``{}`` in a text (WKT, JSON), in C speed."""
    data = text.encode("utf-8", errors="replace") if isinstance(text, str) else text
    if sum(data.count(c) for c in (b"(", b"[", b"{")) <= 1:
        return min(1, data.count(b"(") + data.count(b"[") + data.count(b"{"))
    steps = _OPEN[np.frombuffer(data, dtype=np.uint8)]
    return int(np.cumsum(steps, dtype=np.int64).max(initial=0))


def bracket_depths(texts: list[bytes], *, chunk: int = 1 << 16) -> np.ndarray:
    """:func:`bracket_depth` of many texts at once (at least 0 each), in C speed.

    The texts are joined a chunk at a time; the running depth is measured over the joined
    bytes and each text's deepest point taken from its own start, so an unbalanced text
    (brackets inside a string) never shifts the next one's count.
    """
    out = np.zeros(len(texts), dtype=np.int64)
    for start in range(0, len(texts), chunk):
        part = texts[start:start + chunk]
        lengths = np.fromiter(map(len, part), dtype=np.int64, count=len(part))
        steps = _OPEN[np.frombuffer(b"".join(part), dtype=np.uint8)]
        if not len(steps):
            continue
        running = np.cumsum(steps, dtype=np.int64)
        ends = np.cumsum(lengths)
        starts = ends - lengths
        before = np.where(starts > 0, running[np.maximum(starts - 1, 0)], 0)
        filled = lengths > 0
        deepest = np.zeros(len(part), dtype=np.int64)
        deepest[filled] = np.maximum.reduceat(running, starts[filled])
        out[start:start + len(part)] = np.maximum(deepest - before, 0) * filled
    return out


def value_depth(value: Any, limit: int) -> int:
    """How deep lists and dicts nest in ``value``, counted up to ``limit + 1`` at most."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, list | tuple | dict):
            depth += 1
            deepest = max(deepest, depth)
            if depth > limit:
                return depth
            children = item.values() if isinstance(item, dict) else item
            stack.extend((c, depth) for c in children if isinstance(c, list | tuple | dict))
    return deepest


#: WKB geometry type codes GEOS reads for the layers reemap holds.
_COLLECTIONS = {4, 5, 6, 7}  # MultiPoint, MultiLineString, MultiPolygon, GeometryCollection


def _header(data: bytes, pos: int) -> tuple[str, int, int, int]:
    """Byte order, base type, coordinate dimensions and the position after the header."""
    if pos + 5 > len(data) or data[pos] not in (0, 1):
        raise ValueError("truncated")
    order = "<" if data[pos] == 1 else ">"
    (code,) = struct.unpack_from(f"{order}I", data, pos + 1)
    pos += 5
    flags = code & 0xE0000000  # EWKB: Z, M, SRID
    code &= 0x1FFFFFFF
    dims = 2 + bool(flags & 0x80000000) + bool(flags & 0x40000000)
    if flags & 0x20000000:
        pos += 4  # the SRID
    dims += {0: 0, 1: 1, 2: 1, 3: 2}.get(code // 1000, 9)  # ISO: 1000 Z, 2000 M, 3000 ZM
    return order, code % 1000, dims, pos


def _count(data: bytes, pos: int, order: str) -> tuple[int, int]:
    if pos + 4 > len(data):
        raise ValueError("truncated")
    return struct.unpack_from(f"{order}I", data, pos)[0], pos + 4


def _skip(data: bytes, pos: int, order: str, kind: int, dims: int) -> int:
    """The position after a point (1), line (2) or polygon (3) whose header ends at ``pos``."""
    if kind == 1:
        pos += 8 * dims
    elif kind == 2:
        n, pos = _count(data, pos, order)
        pos += 8 * dims * n
    else:
        rings, pos = _count(data, pos, order)
        if rings * 4 > len(data) - pos:
            raise ValueError("truncated")
        for _ in range(rings):
            n, pos = _count(data, pos, order)
            pos += 8 * dims * n
    if pos > len(data):
        raise ValueError("truncated")
    return pos


def wkb_problem(data: bytes, limit: int) -> str | None:
    """Why a WKB value may not be parsed (too deep, truncated, unknown type), or ``None``.

    Walks the value with an explicit stack: collections push their member count, points,
    lines and polygons are skipped by arithmetic. Cost is linear in the bytes.
    """
    pos = 0
    pending: list[int] = []  # members still to start, per open collection (innermost last)
    try:
        while True:
            if pending:
                pending[-1] -= 1  # this geometry is one member of the innermost collection
            order, kind, dims, pos = _header(data, pos)
            if dims > 4:
                return "geometry: unknown WKB dimension code"
            if kind in _COLLECTIONS:
                n, pos = _count(data, pos, order)
                if len(pending) + 1 > limit:
                    return f"geometry: collections nested more than {limit} deep"
                if n * 9 > len(data) - pos:
                    raise ValueError("truncated")
                pending.append(n)
            elif kind in (1, 2, 3):
                pos = _skip(data, pos, order, kind, dims)
            else:
                return f"geometry: WKB type {kind} is not read (points, lines, polygons only)"
            while pending and pending[-1] == 0:
                pending.pop()
            if not pending:
                return None if pos == len(data) else "geometry: not valid WKB (trailing bytes)"
    except (ValueError, struct.error) as exc:
        return f"geometry: not valid WKB ({exc})"
