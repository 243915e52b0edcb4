"""What the data states and what it leaves empty: per layer, how many features carry a figure.

The map and its totals show only stated figures; a reader needs to know how much is
missing (a total capacity over 17 of 53 mines is not the world's). Each figure counts the
features where every column it needs is stated; routes count once per flow, not per leg.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Final

import geopandas as gpd
import numpy as np
import pandas as pd

__all__ = ["FIGURES", "coverage"]

Test = Callable[[pd.DataFrame], "pd.Series[bool]"]


def _stated(*columns: str) -> Test:
    def test(frame: pd.DataFrame) -> pd.Series[bool]:
        return frame[list(columns)].notna().all(axis=1)

    return test


def _non_empty(column: str) -> Test:
    def test(frame: pd.DataFrame) -> pd.Series[bool]:
        return frame[column].map(lambda v: isinstance(v, Mapping | list) and len(v) > 0)

    return test


def _every_stake(frame: pd.DataFrame) -> pd.Series[bool]:
    """An owner listed and every owner's stake stated."""

    def full(owners: object) -> bool:
        if not isinstance(owners, list | np.ndarray) or not len(owners):
            return False
        return all(isinstance(o, Mapping) and o.get("stake_pct") is not None for o in owners)

    return frame["owners"].map(full)


def _within(km: float) -> Test:
    def test(frame: pd.DataFrame) -> pd.Series[bool]:
        return pd.to_numeric(frame["location_precision_km"], errors="coerce") <= km

    return test


_LOCATED = ("located within 5 km", _within(5.0))
_STAKES = ("every owner's stake", _every_stake)
#: Layer -> (figure, test of the features that state it), in the order a reader asks.
FIGURES: Final[dict[str, tuple[tuple[str, Test], ...]]] = {
    "mines": (
        ("capacity", _stated("capacity", "capacity_unit", "capacity_year")),
        ("production", _stated("production", "production_unit", "production_year")),
        ("resource (Mt and grade)", _stated("resource_mt", "grade_treo_pct")),
        ("heavy-REE share", _stated("hree_share_pct")),
        ("element distribution", _non_empty("element_shares_pct")),
        _STAKES,
        _LOCATED,
    ),
    "refineries": (
        ("capacity", _stated("capacity", "capacity_unit", "capacity_year")),
        _STAKES,
        _LOCATED,
    ),
    "seabed": (
        ("maximum REY (ppm)", _stated("rey_ppm_max")),
        ("resource", _stated("resource_t", "resource_unit")),
    ),
    "routes": (
        ("tonnage", _stated("tonnage", "tonnage_unit")),
        ("HS code", _stated("hs_code")),
    ),
}


def coverage(frames: Mapping[str, gpd.GeoDataFrame]) -> pd.DataFrame:
    """Count, per layer and figure, the features that state it.

    Parameters
    ----------
    frames
        Layer name -> typed features (layers absent from :data:`FIGURES` are skipped).

    Returns
    -------
    DataFrame
        ``layer``, ``figure``, ``stated``, ``features`` (routes: flows) and ``stated_pct``.
    """
    rows = []
    for layer, figures in FIGURES.items():
        frame = frames.get(layer)
        if frame is None or not len(frame):
            continue
        if layer == "routes" and "flow_id" in frame.columns:
            # a flow drawn in several legs counts once; a route of no flow counts as itself
            key = frame["flow_id"].where(frame["flow_id"].notna(), "route:" + frame["id"])
            frame = frame[~key.duplicated()]
        for figure, test in figures:
            stated = int(test(pd.DataFrame(frame)).sum())
            rows.append((layer, figure, stated, len(frame), round(100.0 * stated / len(frame), 1)))
    return pd.DataFrame(rows, columns=["layer", "figure", "stated", "features", "stated_pct"])
