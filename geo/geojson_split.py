"""Where the features of a GeoJSON FeatureCollection lie in its bytes, found without parsing.

A large file is parsed a run of features at a time (``geo.geojson_reader``), so the
Python objects of the whole document never exist at once: 1,000,000 features parsed in
one go take about 4.5 GB, more than the file's own size eight times over. The bytes are
scanned with numpy a block at a time: quotes not escaped by an odd run of backslashes
open and close strings; outside strings, brackets give the depth. The top-level key
``"features"`` must occur exactly once and hold an array; the commas at that array's own
depth separate its items.

The scan only says where to cut. Each run is parsed by a real JSON parser, and so is the
rest of the document (the ``skeleton``), so a file that is not valid JSON fails one of
those parses; the caller then reads the file whole, as before, and reports what it always
has.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

__all__ = ["Split", "split_features"]

#: Bytes scanned at once (the scan's arrays are a few times this).
_BLOCK = 1 << 23
_QUOTE, _BACKSLASH = ord('"'), ord("\\")
_COMMA = ord(",")
_OPEN, _CLOSE = ord("{"), ord("}")
_KEY = re.compile(rb'"features"\s*:\s*\[')
_BLANK = np.zeros(256, dtype=bool)
_BLANK[[ord(" "), ord("\t"), ord("\n"), ord("\r")]] = True


@dataclass(frozen=True)
class Split:
    """A FeatureCollection cut into runs of whole features.

    Attributes
    ----------
    skeleton
        The document with its features array emptied (``"features": []``).
    runs
        ``(start, end)`` byte offsets of each run: ``b"[" + data[start:end] + b"]"`` is a
        JSON array of that run's features.
    count
        How many features the array holds.
    """

    skeleton: bytes
    runs: list[tuple[int, int]]
    count: int


@dataclass
class _Scan:
    """What the scan keeps: string starts at depth 1, closers and commas at depth 2."""

    keys: list[np.ndarray]
    closers: list[np.ndarray]
    commas: list[np.ndarray]


def _escaped(view: np.ndarray, quotes: np.ndarray) -> np.ndarray:
    """Per quote position (in ``view``): escaped, by an odd run of backslashes before it."""
    out = np.zeros(len(quotes), dtype=bool)
    candidates = np.flatnonzero(view[np.maximum(quotes - 1, 0)] == _BACKSLASH)
    candidates = candidates[quotes[candidates] > 0]
    if not len(candidates):
        return out
    backslash = view == _BACKSLASH  # rare in real files: the whole-view pass is fine
    positions = np.arange(len(view), dtype=np.int64)
    last_other = np.maximum.accumulate(np.where(backslash, -1, positions))
    at = quotes[candidates] - 1
    run = at - last_other[at]
    out[candidates] = run % 2 == 1
    return out


def _scan(view: np.ndarray, candidates: np.ndarray) -> _Scan:
    """Closers and commas at depth 2 and which ``candidates`` (positions of a quote) open a
    string at depth 1, outside any string, a block at a time."""
    found = _Scan([], [], [])
    inside, depth = 0, 0  # carried between blocks: in a string, the depth
    escapes = bool((view == _BACKSLASH).any())
    for start in range(0, len(view), _BLOCK):
        block = view[start:start + _BLOCK]
        quoted = block == _QUOTE
        if escapes:
            quotes = np.flatnonzero(quoted)
            quoted[quotes[_escaped(view, quotes + start)]] = False
        counted = np.cumsum(quoted, dtype=np.int32)  # quotes up to and including i
        folded = block | 0x20  # '[' and '{' -> '{', ']' and '}' -> '}'
        marks = np.flatnonzero((folded == _OPEN) | (folded == _CLOSE) | (block == _COMMA))
        marks = marks[((counted[marks] + inside) & 1) == 0]  # outside strings
        kinds = block[marks]
        steps = np.where(kinds == _COMMA, 0, np.where((kinds | 0x20) == _OPEN, 1, -1))
        level = np.cumsum(steps) + depth  # depth after each mark
        prior = level - steps
        found.closers.append(marks[(steps < 0) & (prior == 2)] + start)
        found.commas.append(marks[(kinds == _COMMA) & (prior == 2)] + start)
        local = candidates[(candidates >= start) & (candidates < start + len(block))] - start
        if len(local):
            before = np.where(local > 0, counted[np.maximum(local - 1, 0)], 0) + inside
            last = np.searchsorted(marks, local) - 1
            at = level[np.maximum(last, 0)] if len(level) else np.full(len(local), depth)
            at = np.where(last >= 0, at, depth)
            found.keys.append(local[quoted[local] & (before % 2 == 0) & (at == 1)] + start)
        inside = int(counted[-1] + inside) & 1
        depth = int(level[-1]) if len(level) else depth
    return found


def split_features(data: bytes, *, per_run: int) -> Split | None:
    """Cut a FeatureCollection's bytes into runs of ``per_run`` features.

    Parameters
    ----------
    data
        The file's bytes.
    per_run
        Features per run.

    Returns
    -------
    Split or None
        None when the bytes are not plainly one JSON object whose single top-level
        ``"features"`` key holds an array (the caller then parses them whole).
    """
    view = np.frombuffer(data, dtype=np.uint8)
    if not len(view):
        return None
    matches = {m.start(): m.end() - 1 for m in _KEY.finditer(data)}
    found = _scan(view, np.array(sorted(matches), dtype=np.int64))
    opened = [matches[k] for k in np.concatenate([[], *found.keys]).astype(int).tolist()]
    if len(opened) != 1:
        return None
    left = opened[0]
    closers = np.concatenate(found.closers)
    after = closers[closers > left]
    if not len(after) or data[int(after[0])] != ord("]"):
        return None
    right = int(after[0])
    commas = np.concatenate(found.commas)
    commas = commas[(commas > left) & (commas < right)]
    if not len(commas) and _BLANK[view[left + 1:right]].all():
        return None  # no features: nothing worth cutting
    bounds = np.concatenate([[left], commas, [right]]).tolist()
    count = len(bounds) - 1
    runs = [(bounds[i] + 1, bounds[min(i + per_run, count)])
            for i in range(0, count, per_run)]
    return Split(data[:left + 1] + data[right:], runs, count)
