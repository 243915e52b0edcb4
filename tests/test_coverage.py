"""layers.coverage: how many features state each figure (mini dataset, hand-counted)."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from layers.catalog import load_dataset
from layers.coverage import coverage


def _row(table: pd.DataFrame, layer: str, figure: str) -> tuple[int, int, float]:
    (row,) = table[(table["layer"] == layer) & (table["figure"] == figure)].itertuples()
    return row.stated, row.features, row.stated_pct


def test_mini_coverage_is_counted_per_layer_and_figure(mini_dir: Path) -> None:
    table = coverage(load_dataset(mini_dir).frames)
    # mini mines: capacity stated for Mount Weld and Mountain Pass only; no element table
    assert _row(table, "mines", "capacity") == (2, 5, 40.0)
    assert _row(table, "mines", "element distribution") == (0, 5, 0.0)
    # Lynas Malaysia states 10,500 t/yr NdPr oxide, La Rochelle nothing
    assert _row(table, "refineries", "capacity") == (1, 2, 50.0)
    assert _row(table, "routes", "tonnage") == (3, 3, 100.0)
    assert set(table["layer"]) == {"mines", "refineries", "seabed", "routes"}


def _mines(owners: list[object], precision: list[float]) -> gpd.GeoDataFrame:
    n = len(owners)
    return gpd.GeoDataFrame({
        "owners": owners, "location_precision_km": precision,
        **{c: [None] * n for c in ("capacity", "capacity_unit", "capacity_year", "production",
                                   "production_unit", "production_year", "resource_mt",
                                   "grade_treo_pct", "hree_share_pct")},
        "element_shares_pct": [{}] * n,
    }, geometry=shapely.points([0.0] * n, [0.0] * n), crs="EPSG:4326")


def test_a_stake_counts_only_when_every_owner_states_one() -> None:
    mines = _mines([
        [],  # no owner listed
        [{"name": "A", "stake_pct": 60.0}, {"name": "B", "stake_pct": None}],  # one unknown
        [{"name": "A", "stake_pct": 60.0}, {"name": "B", "stake_pct": 40.0}],
    ], [1.0, 5.0, 30.0])
    table = coverage({"mines": mines})
    assert _row(table, "mines", "every owner's stake") == (1, 3, 33.3)
    assert _row(table, "mines", "located within 5 km") == (2, 3, 66.7)
    assert _row(table, "mines", "capacity") == (0, 3, 0.0)


def test_a_flow_drawn_in_several_legs_counts_once() -> None:
    legs = gpd.GeoDataFrame({
        "id": ["a-1", "a-2", "b"], "flow_id": ["a", "a", None],
        "tonnage": [10.0, 10.0, None], "tonnage_unit": ["t", "t", None], "hs_code": [None] * 3,
    }, geometry=shapely.linestrings([[[0, 0], [1, 1]]] * 3), crs="EPSG:4326")
    assert _row(coverage({"routes": legs}), "routes", "tonnage") == (1, 2, 50.0)
