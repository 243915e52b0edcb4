"""Synthetic layers with the shape of the real ones, at any size.

Points look like the ``mines`` layer (owners drawn from the bundled entity table, so owner
filters walk the real ownership chain; element lists, HREE shares with unknowns,
capacities, sources), lines like the ``routes`` layer (sea lanes of 5 to 40 vertices, some
crossing the 180th meridian). Figures are random: the layers exist to be timed, never shown.

Nested values (owner lists, element lists, sources) are drawn from pools of shared
objects, as many features of a real survey cite the same owners and reports: this keeps
1M features within a few hundred MB.
"""

from __future__ import annotations

import csv

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo import settings
from layers.schema import CAPACITY_UNITS, ELEMENTS, STATUSES

__all__ = ["make_lines", "make_points"]

_COUNTRIES = ("AUS", "CHN", "USA", "BRA", "IND", "VNM", "RUS", "MMR", "CAN", "ZAF", "NAM",
              "MWI", "TZA", "GRL", "SWE", "KAZ", "MYS", "JPN", "MDG", "UGA")
_COUNTRY_WEIGHTS = np.array([9, 14, 8, 6, 5, 4, 4, 4, 5, 3, 2, 2, 2, 2, 2, 2, 2, 1, 2, 2], float)
_POOL = 4000


def _entity_names() -> list[str]:
    path = settings.DATA_DIR / "ownership" / "entities.csv"
    if not path.exists():
        return ["Lynas Rare Earths", "MP Materials", "China Rare Earth Group"]
    with path.open(encoding="utf-8", newline="") as fh:
        return [row["name"] for row in csv.DictReader(fh)]


def _pools(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    entities = _entity_names() + [f"Explorer {i} Resources" for i in range(600)]
    symbols = list(ELEMENTS)
    owners = np.empty(_POOL, dtype=object)
    elements = np.empty(_POOL, dtype=object)
    sources = np.empty(_POOL, dtype=object)
    for i in range(_POOL):
        k = int(rng.integers(0, 4))  # 0 to 3 owners
        names = rng.choice(len(entities), size=k, replace=False)
        stakes = np.floor(rng.dirichlet(np.ones(k)) * 1000) / 10 if k else []
        owners[i] = [
            {"name": entities[n], "stake_pct": None if rng.random() < 0.2 else round(float(s), 1)}
            for n, s in zip(names, stakes, strict=True)
        ]
        picked = rng.choice(len(symbols), size=int(rng.integers(1, 9)), replace=False)
        elements[i] = [symbols[j] for j in sorted(picked)]
        sources[i] = [
            {"title": f"Survey bulletin {i}-{j}", "url": f"https://example.org/bulletin/{i}/{j}",
             "date": f"20{10 + (i + j) % 15}-0{1 + j}-15"}
            for j in range(1 + int(rng.integers(0, 2)))
        ]
    return owners, elements, sources


def _properties(n: int, layer: str, rng: np.random.Generator) -> dict[str, object]:
    owners, elements, sources = _pools(rng)
    country = rng.choice(len(_COUNTRIES), size=n, p=_COUNTRY_WEIGHTS / _COUNTRY_WEIGHTS.sum())
    hree = np.round(rng.gamma(2.0, 8.0, size=n), 1)
    hree[rng.random(n) < 0.3] = np.nan  # unknown for about a third
    capacity = np.round(rng.lognormal(7, 1.5, size=n), 0)
    known = rng.random(n) < 0.6
    capacity[~known] = np.nan
    year = pd.array(np.where(known, rng.integers(2015, 2026, size=n), 0), dtype="Int64")
    year[~known] = pd.NA
    units = np.array(list(CAPACITY_UNITS), dtype=object)[rng.integers(0, 3, size=n)]
    units[~known] = None
    ids = pd.array([f"{layer[:-1]}-{i}" for i in range(n)], dtype="str")
    return {
        "id": ids,
        "name": pd.array([f"Site {i} ({c})" for i, c in enumerate(np.asarray(_COUNTRIES)[country])],
                         dtype="str"),
        "layer": pd.array([layer] * n, dtype="str"),
        "country": pd.array(np.asarray(_COUNTRIES, dtype=object)[country], dtype="str"),
        "status": pd.array(np.asarray(list(STATUSES), dtype=object)[rng.integers(0, 7, size=n)],
                           dtype="str"),
        "owners": owners[rng.integers(0, _POOL, size=n)],
        "elements": elements[rng.integers(0, _POOL, size=n)],
        "hree_share_pct": hree,
        "capacity": capacity,
        "capacity_unit": pd.array(units, dtype="str"),
        "capacity_year": year,
        "sources": sources[rng.integers(0, _POOL, size=n)],
        "as_of": pd.array(["2026-01-01"] * n, dtype="str"),
    }


def make_points(n: int, *, seed: int = 7) -> gpd.GeoDataFrame:
    """Return ``n`` synthetic mine-like points in EPSG:4326.

    Parameters
    ----------
    n
        Number of features.
    seed
        Seed of the random generator: the same seed gives the same layer.

    Returns
    -------
    GeoDataFrame
    """
    rng = np.random.default_rng(seed)
    props = _properties(n, "mines", rng)
    lon = np.round(rng.uniform(-179.9, 179.9, size=n), 5)
    lat = np.round(rng.uniform(-60.0, 75.0, size=n), 5)
    return gpd.GeoDataFrame(props, geometry=shapely.points(lon, lat), crs=settings.WGS84)


def make_lines(n: int, *, seed: int = 11) -> gpd.GeoDataFrame:
    """Return ``n`` synthetic sea-route lines (5 to 40 vertices; about 5% cross 180°).

    Parameters
    ----------
    n
        Number of features.
    seed
        Seed of the random generator.

    Returns
    -------
    GeoDataFrame
    """
    rng = np.random.default_rng(seed)
    props = _properties(n, "routes", rng)
    counts = rng.integers(5, 41, size=n)
    total = int(counts.sum())
    start_lon = rng.uniform(-170, 170, size=n)
    start_lat = rng.uniform(-50, 60, size=n)
    step_lon = rng.normal(2.0, 1.0, size=total)
    step_lat = rng.normal(0.0, 0.8, size=total)
    first = np.cumsum(counts) - counts
    owner = np.repeat(np.arange(n), counts)
    walk = np.cumsum(step_lon)
    walk -= np.repeat(walk[first] - step_lon[first], counts)  # restart the walk per line
    crosses = rng.random(n) < 0.05
    start_lon = np.where(crosses, 172.0, start_lon)
    lon = start_lon[owner] + walk
    lon = np.where(crosses[owner], (lon + 180.0) % 360.0 - 180.0, np.clip(lon, -180, 180))
    within = np.arange(total) - np.repeat(first, counts)
    lat = np.clip(start_lat[owner] + step_lat * np.sqrt(within + 1), -75, 80)
    coords = np.column_stack([np.round(lon, 5), np.round(lat, 5)])
    geoms = shapely.linestrings(coords, indices=owner)
    props["tonnage"] = np.round(rng.lognormal(5, 1.2, size=n), 1)
    return gpd.GeoDataFrame(props, geometry=geoms, crs=settings.WGS84)
