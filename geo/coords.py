"""Coordinate checks at the boundary: CRS, ranges, swapped axes, points in their country.

Every check is vectorised over a GeoSeries and returns, per feature, a message or ``None``;
the caller (``layers.validate``) attaches file and feature names.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Geod
from pyproj.exceptions import CRSError, ProjError

from geo import settings
from geo.guard import excerpt

__all__ = [
    "country_mismatches",
    "looks_projected",
    "out_of_range",
    "to_wgs84",
]

_GEOD = Geod(ellps=settings.ELLPS)


def looks_projected(geoms: gpd.GeoSeries) -> bool:
    """Tell whether coordinates are too large to be degrees (metres or feet, likely)."""
    valid = geoms[~(geoms.isna() | geoms.is_empty)]
    if valid.empty:
        return False
    minx, miny, maxx, maxy = valid.total_bounds
    return bool(max(abs(minx), abs(maxx)) > 360.0 or max(abs(miny), abs(maxy)) > 90.0)


def to_wgs84(gdf: gpd.GeoDataFrame, *, label: str) -> gpd.GeoDataFrame:
    """Return ``gdf`` in EPSG:4326, reprojecting from its CRS when it has another one.

    Parameters
    ----------
    gdf
        A frame as read; its CRS may be ``None``.
    label
        The file name, for the error message.

    Returns
    -------
    GeoDataFrame
        A new frame in EPSG:4326 (the input is never changed).

    Raises
    ------
    ValueError
        When the frame has no CRS and its coordinates look projected: reprojecting needs
        the CRS, and guessing it would put every site in the wrong place.
    """
    if gdf.crs is None:
        if looks_projected(gdf.geometry):
            raise ValueError(
                f"{label}: the file has no CRS and its coordinates look projected "
                "(values beyond +-180/+-90); save it with its CRS (e.g. a .prj file or a "
                "GeoPackage) or reproject it to EPSG:4326 (WGS84 lon/lat)"
            )
        return gdf.set_crs(settings.WGS84)
    crs = CRS.from_user_input(gdf.crs)
    if crs.equals(CRS.from_epsg(4326), ignore_axis_order=True) or crs.equals(
        CRS.from_user_input("OGC:CRS84")
    ):
        return gdf.set_crs(settings.WGS84, allow_override=True)
    try:
        return gdf.to_crs(settings.WGS84)
    except (CRSError, ProjError, ValueError) as exc:  # a local or engineering CRS, ...
        name = excerpt(crs.name or "its CRS", 60)
        raise ValueError(
            f"{label}: cannot reproject from {name!r} to WGS84 ({excerpt(str(exc), 60)}); "
            "save the file in a geographic or projected CRS with an EPSG code"
        ) from None


def out_of_range(geoms: gpd.GeoSeries) -> pd.Series:
    """Per feature, a message when a coordinate is beyond +-180 longitude or +-90 latitude."""
    bounds = np.asarray(shapely.bounds(np.asarray(geoms.values)))
    with np.errstate(invalid="ignore"):
        bad = (
            (bounds[:, 0] < -180.0)
            | (bounds[:, 2] > 180.0)
            | (bounds[:, 1] < -90.0)
            | (bounds[:, 3] > 90.0)
        )
    messages: list[str | None] = []
    for is_bad, (minx, miny, maxx, maxy) in zip(bad, bounds, strict=True):
        if not is_bad:
            messages.append(None)
            continue
        hint = "is this WGS84 (EPSG:4326)?"
        if max(abs(minx), abs(maxx)) <= 90.0 < max(abs(miny), abs(maxy)) <= 180.0:
            hint = "are latitude and longitude swapped? GeoJSON wants [lon, lat]"
        messages.append(
            f"geometry: coordinates outside +-180 longitude / +-90 latitude "
            f"(x {minx:g}..{maxx:g}, y {miny:g}..{maxy:g}): {hint}"
        )
    return pd.Series(messages, index=geoms.index, dtype=object)


def _distance_km(points: np.ndarray, areas: np.ndarray) -> np.ndarray:
    """Geodesic distance from each point to the nearest point of its area."""
    lines = shapely.shortest_line(points, areas)
    coords = shapely.get_coordinates(lines).reshape(-1, 4)
    _, _, metres = _GEOD.inv(coords[:, 0], coords[:, 1], coords[:, 2], coords[:, 3])
    return np.asarray(metres) / 1000.0


def country_mismatches(
    points: gpd.GeoSeries,
    countries: pd.Series,
    outlines: gpd.GeoDataFrame,
    *,
    tolerance_km: float = settings.COUNTRY_TOLERANCE_KM,
) -> pd.Series:
    """Per point, a message when it lies outside the country its ``country`` property names.

    Parameters
    ----------
    points
        Point geometries in EPSG:4326.
    countries
        ISO 3166-1 alpha-3 codes, aligned with ``points``.
    outlines
        Country outlines with an ``iso_a3`` column, in EPSG:4326.
    tolerance_km
        How far outside the (generalised) outline a point may lie, for coastal sites.

    Returns
    -------
    Series of str or None
        A message naming the distance and, when swapping the axes would put the point in
        its country, saying so. Countries missing from the outlines are not checked.
    """
    result = pd.Series([None] * len(points), index=points.index, dtype=object)
    codes_column = outlines["iso_a3"]
    # one outline per code already (Natural Earth admin-0): dissolving would only cost time
    by_code = (
        outlines.set_index("iso_a3").geometry
        if codes_column.is_unique
        else outlines.dissolve("iso_a3").geometry
    )
    pts = np.asarray(points.values)
    codes = countries.to_numpy()
    usable = np.array(
        [
            isinstance(g, shapely.Point) and not g.is_empty and c in by_code.index
            for g, c in zip(pts, codes, strict=True)
        ],
        dtype=bool,
    )
    if not usable.any():
        return result
    idx = np.flatnonzero(usable)
    areas = np.asarray(by_code.loc[codes[idx]].values)
    dist = _distance_km(pts[idx], areas)
    for i, d, area, code in zip(idx, dist, areas, codes[idx], strict=True):
        if d <= tolerance_km:
            continue
        x, y = pts[i].x, pts[i].y
        swapped = shapely.Point(y, x)
        hint = ""
        if abs(y) <= 180 and abs(x) <= 90 and shapely.distance(swapped, area) < 0.3:
            hint = "; latitude and longitude look swapped (GeoJSON wants [lon, lat])"
        result.iloc[int(i)] = (
            f"geometry: the point ({x:g}, {y:g}) lies {d:.0f} km outside {code}, "
            f"the feature's country{hint}"
        )
    return result
