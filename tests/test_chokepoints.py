"""Chokepoints passed by routes, and Japan's import exposure through each (layers.chokepoints).

tests/data/routes/exposure.geojson holds routes with invented tonnages and hand-set
chokepoint lists (see tests/data/README.md), so every share below is computed by hand:
in 2025-01, Japan's imports in t are f1 60 (Korea Strait), f2 30 (Taiwan and Osumi
straits, drawn as two legs), f3 10 (great circle, not routed by sea) and f5 (unknown
tonnage, Malacca): total 100 t. In t metal equivalent: f4 5 (Malacca, Suez). f6 goes to
the USA and f7 is a yearly figure: neither counts in 2025-01.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pytest

from geo import settings
from geo.searoutes import sea_lane, sea_lane_passages
from layers.catalog import load_layer
from layers.chokepoints import (
    NOT_ROUTED,
    TOTAL,
    exposure,
    exposure_text,
    flows_of_routes,
    passes,
    routes_through,
)

ROUTES = Path(__file__).resolve().parent / "data" / "routes"


@pytest.fixture
def routes() -> gpd.GeoDataFrame:
    return load_layer("routes", ROUTES / "exposure.geojson")


@pytest.fixture
def chokepoints() -> gpd.GeoDataFrame:
    return load_layer("chokepoints", settings.DATA_DIR / "chokepoints.geojson")


def _rows(table, unit: str) -> dict[str, tuple[float, float | None, int, int]]:
    part = table[table["tonnage_unit"] == unit]
    return {r.chokepoint_id: (r.tonnage, r.share_pct, r.flows, r.flows_without_tonnage)
            for r in part.itertuples()}


def test_shares_are_hand_computed(routes, chokepoints) -> None:
    table = exposure(routes, chokepoints, period="2025-01")
    assert set(table["period"]) == {"2025-01"}
    t = _rows(table, "t")
    assert t["korea-strait"] == (60.0, 60.0, 1, 0)
    assert t["taiwan-strait"] == (30.0, 30.0, 1, 0)  # f2 once, not once per leg
    assert t["osumi-strait"] == (30.0, 30.0, 1, 0)
    assert t["strait-of-malacca"] == (0.0, 0.0, 1, 1)  # f5 passes, tonnage unknown
    assert t["suez-canal"] == (0.0, 0.0, 0, 0)
    assert t[NOT_ROUTED] == (10.0, 10.0, 1, 0)
    assert t[TOTAL] == (100.0, 100.0, 4, 1)
    tme = _rows(table, "t metal equivalent")  # never added to t
    assert tme["suez-canal"] == (5.0, 100.0, 1, 0)
    assert tme["strait-of-malacca"] == (5.0, 100.0, 1, 0)
    assert tme[TOTAL] == (5.0, 100.0, 1, 0)


def test_shares_add_up_with_the_flows_they_come_from(routes, chokepoints) -> None:
    # recompute from the raw file, independently of layers.chokepoints
    features = json.loads((ROUTES / "exposure.geojson").read_text(encoding="utf-8"))["features"]
    per_flow: dict[tuple[str, str], dict] = {}
    for f in features:
        p = f["properties"]
        if p["destination"] == "JPN" and p["period"] == "2025-01":
            entry = per_flow.setdefault((p["flow_id"], p["tonnage_unit"]),
                                        {"t": p["tonnage"], "via": set(), "sea": False})
            entry["via"] |= set(p["chokepoints"])
            entry["sea"] |= p["route_kind"] == "sea"
    table = exposure(routes, chokepoints, period="2025-01")
    for row in table.itertuples():
        members = [v for (_, unit), v in per_flow.items() if unit == row.tonnage_unit]
        total = sum(v["t"] or 0 for v in members)
        assert row.total == total
        if row.chokepoint_id == TOTAL:
            chosen = members
        elif row.chokepoint_id == NOT_ROUTED:
            chosen = [v for v in members if not v["sea"]]
        else:
            chosen = [v for v in members if row.chokepoint_id in v["via"]]
        assert row.tonnage == sum(v["t"] or 0 for v in chosen)
        assert row.share_pct == pytest.approx(100.0 * row.tonnage / total)
        assert row.flows == len(chosen)
    # routed by sea + not routed = all, per unit
    for unit, part in table.groupby("tonnage_unit"):
        shares = part.set_index("chokepoint_id")["share_pct"]
        routed = sum(v["t"] or 0 for (_, u), v in per_flow.items() if u == unit and v["sea"])
        assert routed / part["total"].iloc[0] * 100 + shares[NOT_ROUTED] == pytest.approx(100)


def test_every_period_is_reported_apart(routes, chokepoints) -> None:
    table = exposure(routes, chokepoints)
    assert sorted(set(table["period"])) == ["2025", "2025-01", "2026-01"]
    year = table[(table["period"] == "2025") & (table["chokepoint_id"] == TOTAL)]
    assert year["tonnage"].tolist() == [500.0]  # the yearly figure never mixes with months
    jan26 = _rows(table[table["period"] == "2026-01"], "t")
    assert jan26["korea-strait"] == (40.0, 100.0, 1, 0)
    assert jan26["taiwan-strait"] == (0.0, 0.0, 1, 1)


def test_flows_collapse_legs(routes) -> None:
    table = flows_of_routes(routes).set_index("flow_id")
    assert len(table) == 9
    assert table.loc["f2", "tonnage"] == 30 and bool(table.loc["f2", "by_sea"])
    assert table.loc["f2", "chokepoints"] == ["taiwan-strait", "osumi-strait"]
    assert not bool(table.loc["f3", "by_sea"])


def test_intersection_agrees_with_searoute_passages(chokepoints) -> None:
    # an independent check of the polygons: searoute names the passages it uses
    hamburg, yokohama, long_beach = (9.97, 53.54), (139.6461, 35.45), (-118.215, 33.755)
    lanes = gpd.GeoSeries([sea_lane(hamburg, yokohama), sea_lane(long_beach, (4.0, 51.95))],
                          crs=settings.WGS84)
    found = passes(lanes, chokepoints)
    europe = set(sea_lane_passages(hamburg, yokohama))
    names = {"suez": "suez-canal", "malacca": "strait-of-malacca",
             "gibraltar": "strait-of-gibraltar", "babalmandab": "bab-el-mandeb",
             "panama": "panama-canal"}
    assert {names[p] for p in europe} <= set(found[0])
    assert "strait-of-dover" in found[0] and "singapore-strait" in found[0]
    assert "panama-canal" in found[1] and "suez-canal" not in found[1]


def test_passes_finds_a_crossing_and_needs_a_crs(chokepoints) -> None:
    line = gpd.GeoSeries.from_wkt(["LINESTRING (43.0 12.6, 43.8 12.6)"], crs=settings.WGS84)
    assert passes(line, chokepoints) == [["bab-el-mandeb"]]
    with pytest.raises(ValueError, match="need a CRS"):
        passes(gpd.GeoSeries(list(line)), chokepoints)


def test_text_table_and_cli(routes, chokepoints, tmp_path: Path) -> None:
    text = exposure_text(exposure(routes, chokepoints, period="2025-01"))
    assert "Korea Strait" in text and "60.0" in text and "(1 no tonnage)" in text
    data = tmp_path / "data"
    data.mkdir()
    (data / "routes.geojson").write_bytes((ROUTES / "exposure.geojson").read_bytes())
    (data / "chokepoints.geojson").write_bytes(
        (settings.DATA_DIR / "chokepoints.geojson").read_bytes())
    cmd = [sys.executable, "-m", "reemap.cli", "--data-dir", str(data), "chokepoints"]
    out = subprocess.run([*cmd, "--period", "2025-01", "--format", "json"],
                         capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stderr
    rows = {(r["chokepoint_id"], r["tonnage_unit"]): r for r in json.loads(out.stdout)}
    assert rows[("korea-strait", "t")]["share_pct"] == 60.0
    csv = subprocess.run([*cmd, "--period", "2026-01", "--format", "csv"],
                         capture_output=True, text=True, check=False)
    assert csv.stdout.splitlines()[0].startswith("period,chokepoint_id,chokepoint")
    missing = subprocess.run([*cmd, "--period", "1999"], capture_output=True, text=True,
                             check=False)
    assert missing.returncode == 2
    assert missing.stderr.startswith("reemap: no JPN imports") and "Traceback" not in missing.stderr


def test_routes_through_names_the_legs_to_highlight(routes) -> None:
    assert routes_through(routes, ["osumi-strait"]) == ["f2-sea"]
    assert routes_through(routes, ["korea-strait", "suez-canal"]) == [
        "f1-sea", "f4-sea", "f6-sea", "f7-sea", "f8-sea"]
    assert routes_through(routes, []) == []
