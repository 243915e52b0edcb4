"""Route geometry: sea lanes between ports, great circles, and geodesic lengths.

Sea lanes come from ``searoute``, which ships a maritime network (Eurostat's marnet) and
works offline; it returns the lane in continuous longitudes (e.g. -185 for 175 E after a
Pacific crossing). Every function here returns lines in the RFC 7946 form instead: longitudes
within [-180, 180], cut at the 180th meridian (:func:`geo.antimeridian.split_antimeridian`).
A map joins the parts again with :func:`geo.antimeridian.unwrap`. Lengths are geodesic on
the WGS84 ellipsoid, in km, never degrees.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np
from pyproj import Geod
from shapely.geometry import LineString
from shapely.geometry.base import BaseGeometry

from geo import settings
from geo.antimeridian import split_antimeridian

__all__ = ["geodesic_length_km", "great_circle", "sea_lane", "sea_lane_passages"]

LonLat = tuple[float, float]


@cache
def _geod() -> Geod:
    return Geod(ellps=settings.ELLPS)


def _check(point: LonLat, what: str) -> tuple[float, float]:
    lon, lat = float(point[0]), float(point[1])
    if not (-180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0):
        raise ValueError(
            f"{what} ({lon:g}, {lat:g}) is outside lon +-180 / lat +-90: "
            "is it WGS84, and are lon and lat swapped?"
        )
    return lon, lat


def _raw_lane(origin: LonLat, destination: LonLat) -> dict[str, object]:
    import searoute  # here: its network loads networkx, 0.3 s of every start-up

    start = _check(origin, "origin")
    end = _check(destination, "destination")
    return dict(
        searoute.searoute(
            list(start), list(end), units="km", append_orig_dest=True, return_passages=True
        )
    )


def sea_lane(origin: LonLat, destination: LonLat) -> BaseGeometry:
    """Return the sea lane between two ports, split at the 180th meridian.

    Parameters
    ----------
    origin, destination
        ``(lon, lat)`` in EPSG:4326; each is joined to the nearest node of the network.

    Returns
    -------
    LineString or MultiLineString
        From ``origin`` to ``destination``; a MultiLineString when the lane crosses the
        antimeridian (its parts end and start on +-180).

    Raises
    ------
    ValueError
        A point is outside +-180 / +-90.
    """
    feature = _raw_lane(origin, destination)
    geometry: Any = feature["geometry"]
    coords = np.asarray(geometry["coordinates"], dtype=np.float64)
    keep = np.ones(len(coords), dtype=bool)
    keep[1:] = np.any(np.diff(coords, axis=0) != 0.0, axis=1)  # repeated vertices
    return split_antimeridian(LineString(coords[keep]))


def sea_lane_passages(origin: LonLat, destination: LonLat) -> list[str]:
    """Return the named passages (``suez``, ``malacca``, ...) searoute says a lane uses.

    Only the few passages searoute's network names; ``layers.chokepoints`` finds the
    chokepoints a route passes by geometry instead. Useful as an independent check.
    """
    props = _raw_lane(origin, destination)["properties"]
    return [str(p) for p in props.get("traversed_passages", [])]  # type: ignore[attr-defined]


def great_circle(origin: LonLat, destination: LonLat, *, step_km: float = 100.0) -> BaseGeometry:
    """Return the geodesic between two points, densified so a map draws it curved.

    Parameters
    ----------
    origin, destination
        ``(lon, lat)`` in EPSG:4326.
    step_km
        Largest distance between consecutive vertices.

    Returns
    -------
    LineString or MultiLineString
        Split at the 180th meridian when the geodesic crosses it.
    """
    lon0, lat0 = _check(origin, "origin")
    lon1, lat1 = _check(destination, "destination")
    _, _, dist_m = _geod().inv(lon0, lat0, lon1, lat1)
    n = max(int(dist_m / 1000.0 / step_km), 0)
    between = _geod().npts(lon0, lat0, lon1, lat1, n) if n > 0 else []
    coords = [(lon0, lat0), *between, (lon1, lat1)]
    if len(coords) == 2 and coords[0] == coords[1]:
        coords.append(coords[0])  # a degenerate line still needs two vertices
    return split_antimeridian(LineString(coords))


def geodesic_length_km(geom: BaseGeometry) -> float:
    """Return a line's length along the WGS84 ellipsoid, in km.

    Parts split at the antimeridian meet there, so the sum over parts is the length of
    the whole path.
    """
    return float(_geod().geometry_length(geom)) / 1000.0
