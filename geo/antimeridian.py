"""Lines across the 180th meridian: split for RFC 7946, unwrapped for drawing.

RFC 7946 (section 3.1.9) asks that a geometry crossing the antimeridian be cut there into
parts that each stay within [-180, 180]. A map, on the other hand, wants one continuous
line: Leaflet draws a segment from 179 E to 179 W across the whole world unless the second
point is written as 181 E. These functions convert between the two forms.
"""

from __future__ import annotations

import numpy as np
import shapely
from shapely.geometry import LineString, MultiLineString
from shapely.geometry.base import BaseGeometry

__all__ = ["max_lon_step", "split_antimeridian", "unwrap"]


def _parts(geom: BaseGeometry) -> list[np.ndarray]:
    if isinstance(geom, LineString):
        return [np.asarray(geom.coords)]
    if isinstance(geom, MultiLineString):
        return [np.asarray(p.coords) for p in geom.geoms]
    raise TypeError(f"expected a LineString or MultiLineString, got {geom.geom_type}")


def _continuous(coords: np.ndarray) -> np.ndarray:
    """Shift longitudes by multiples of 360 so no step exceeds 180 degrees."""
    out = coords.copy()
    steps = np.diff(out[:, 0])
    shift = -360.0 * np.round(steps / 360.0)
    out[1:, 0] += np.cumsum(shift)
    return out


def unwrap(geom: BaseGeometry) -> BaseGeometry:
    """Join a line's parts and make its longitudes continuous, for drawing.

    Parts that meet at the antimeridian (one ends at +-180 where the next starts at -+180,
    same latitude) become one line; longitudes may then leave [-180, 180] (e.g. 190 for
    170 W) so that a map draws the short way across the Pacific.

    Parameters
    ----------
    geom
        A LineString or MultiLineString in EPSG:4326.

    Returns
    -------
    LineString or MultiLineString
        The same path with continuous longitudes; parts that do not meet stay apart.
    """
    merged: list[np.ndarray] = []
    for part in _parts(geom):
        if merged:
            last = merged[-1][-1]
            first = part[0]
            meets = abs(abs(last[0]) - 180.0) < 1e-9 and abs(abs(first[0]) - 180.0) < 1e-9
            if meets and abs(last[1] - first[1]) < 1e-9:
                merged[-1] = np.vstack([merged[-1], part[1:]])
                continue
        merged.append(part)
    lines = [_continuous(p) for p in merged]
    if len(lines) == 1:
        return LineString(lines[0])
    return MultiLineString([LineString(p) for p in lines])


def split_antimeridian(geom: BaseGeometry) -> BaseGeometry:
    """Cut a line where it crosses the 180th meridian (RFC 7946 section 3.1.9).

    A step between consecutive vertices is taken as crossing when it goes the short way
    round: from 170 to -170 is a 20-degree step across the antimeridian, never a 340-degree
    step across Greenwich. Longitudes in the result stay within [-180, 180].

    Parameters
    ----------
    geom
        A LineString or MultiLineString; longitudes may be wrapped or continuous.

    Returns
    -------
    LineString or MultiLineString
        A LineString when nothing crosses, else a MultiLineString whose parts end and
        start on +-180 at the interpolated latitude.
    """
    out: list[list[tuple[float, float]]] = []
    for part in _parts(geom):
        out.extend(_split_part(_continuous(part)))
    lines = [LineString(p) for p in out if len(p) >= 2]
    if len(lines) == 1:
        return lines[0]
    return MultiLineString(lines)


def _start_window(xs: np.ndarray) -> int:
    """The 360-degree window of a part: that of its first vertex not on a +-180 meridian.

    A vertex exactly on +-180 belongs to both windows around it; taking it from the next
    vertex keeps a part that starts on 180 (as a split part does) in its own window, so
    splitting twice gives what splitting once gives.
    """
    inside = xs[np.mod(xs + 180.0, 360.0) != 0.0]
    x = inside[0] if len(inside) else xs[0]
    return int(np.floor((x + 180.0) / 360.0))


def _split_part(coords: np.ndarray) -> list[list[tuple[float, float]]]:
    """Cut one part with continuous longitudes at every +-180 it crosses."""
    out: list[list[tuple[float, float]]] = []
    w = _start_window(coords[:, 0])
    current = [(float(coords[0, 0] - 360.0 * w), float(coords[0, 1]))]
    for (x0, y0), (x1, y1) in zip(coords[:-1, :2], coords[1:, :2], strict=True):
        lo, hi = -180.0 + 360.0 * w, 180.0 + 360.0 * w
        if x1 > hi or x1 < lo:
            # the meridian crossed (steps are under 180 degrees, so at most once)
            edge, side = (hi, 180.0) if x1 > hi else (lo, -180.0)
            lat = float(y0 + (edge - x0) / (x1 - x0) * (y1 - y0))
            if current[-1] != (side, lat):
                current.append((side, lat))
            out.append(current)
            current = [(-side, lat)]
            w += 1 if side > 0 else -1
        point = (float(x1 - 360.0 * w), float(y1))
        if point != current[-1]:
            current.append(point)
    out.append(current)
    return out


def max_lon_step(geom: BaseGeometry) -> float:
    """Return the largest longitude step between consecutive vertices of any part."""
    steps = [np.abs(np.diff(p[:, 0])).max(initial=0.0) for p in _parts(geom)]
    return float(max(steps, default=0.0))


def needs_split(geoms: np.ndarray) -> np.ndarray:
    """Tell which lines have a vertex step over 180 degrees or a vertex outside +-180."""
    bounds = shapely.bounds(geoms)
    outside = (bounds[:, 0] < -180.0) | (bounds[:, 2] > 180.0)
    wide = (bounds[:, 2] - bounds[:, 0]) > 180.0
    return np.asarray(outside | wide)
