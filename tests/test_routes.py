"""Building the routes layer from flows (layers.routes) and writing it as RFC 7946 GeoJSON.

The flows and ports fixtures in tests/data/routes/ carry invented tonnages (see
tests/data/README.md); port coordinates are real, rounded.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import shape

from geo import settings
from geo.antimeridian import max_lon_step, unwrap
from geo.errors import DataError
from geo.export import write_layers
from layers.catalog import load_layer
from layers.routes import (
    build_routes,
    compare_periods,
    periods,
    routes_in_period,
)
from layers.tables import load_flows, read_flows

ROUTES = Path(__file__).resolve().parent / "data" / "routes"


@pytest.fixture
def built(mini_dir: Path) -> gpd.GeoDataFrame:
    mines = load_layer("mines", mini_dir / "mines.geojson")
    return build_routes(
        read_flows(ROUTES / "flows.csv"),
        ports=load_layer("ports", ROUTES / "ports.geojson"),
        sites=mines,
        chokepoints=load_layer("chokepoints", settings.DATA_DIR / "chokepoints.geojson"),
        label="flows.csv",
    )


def test_mountain_pass_to_tianjin_is_a_land_leg_then_a_split_sea_leg(built) -> None:
    legs = built[built["flow_id"] == "mp-tj-2025-01"].set_index("id")
    assert list(legs.index) == ["mp-tj-2025-01-land-origin", "mp-tj-2025-01-sea"]
    land, sea = legs.loc["mp-tj-2025-01-land-origin"], legs.loc["mp-tj-2025-01-sea"]
    assert land["route_kind"] == "land" and bool(land["geometry_approximate"])
    assert sea["route_kind"] == "sea" and not bool(sea["geometry_approximate"])
    # the land leg ends where the sea leg starts: the port of Long Beach
    assert land.geometry.coords[-1] == pytest.approx(sea.geometry.geoms[0].coords[0])
    assert sea.geometry.geom_type == "MultiLineString"
    assert 150 < land["length_km"] < 400  # Mountain Pass is about 250 km from the coast
    assert sea["tonnage"] == 1000 and sea["tonnage_unit"] == "t"
    assert "korea-strait" in sea["chokepoints"] and "bohai-strait" in sea["chokepoints"]


def test_export_is_rfc7946_and_the_map_draws_it_continuous(built, tmp_path: Path) -> None:
    out = tmp_path / "routes.geojson"
    write_layers({"routes": built}, out)
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["type"] == "FeatureCollection" and "crs" not in doc
    by_id = {f["properties"]["id"]: f for f in doc["features"]}
    for feature in doc["features"]:
        geom = shape(feature["geometry"])
        coords = shapely.get_coordinates(geom)
        assert np.all(np.abs(coords[:, 0]) <= 180.0), feature["properties"]["id"]
        assert max_lon_step(geom) <= 180.0, feature["properties"]["id"]
        assert feature["properties"]["length_km"] > 0
    pacific = by_id["mp-tj-2025-01-sea"]["geometry"]
    assert pacific["type"] == "MultiLineString" and len(pacific["coordinates"]) == 2
    assert pacific["coordinates"][0][-1][0] == -180.0
    assert pacific["coordinates"][1][0][0] == 180.0
    assert unwrap(shape(pacific)).geom_type == "LineString"
    kuantan = by_id["kua-yok-2025-01-sea"]["geometry"]
    assert kuantan["type"] == "LineString"
    result = subprocess.run(
        [sys.executable, "-m", "reemap.cli", "validate", str(out), "--layer", "routes"],
        capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "5 features, valid as layer routes" in result.stdout


def test_flow_without_ports_falls_back_to_a_flagged_great_circle(built) -> None:
    leg = built[built["flow_id"] == "chn-jpn-2025-01"].iloc[0]
    assert leg["id"] == "chn-jpn-2025-01-great-circle"
    assert leg["route_kind"] == "great_circle" and bool(leg["geometry_approximate"])
    assert leg["chokepoints"] == []
    assert "great circle" in leg["notes"] and "country CHN" in leg["notes"]


def test_legs_carry_the_flow_properties_and_its_source(built) -> None:
    sea = built[built["id"] == "kua-yok-2026-01-sea"].iloc[0]
    assert (sea["origin"], sea["destination"], sea["period"]) == ("MYS", "JPN", "2026-01")
    assert (sea["origin_port"], sea["destination_port"]) == ("kuantan", "yokohama")
    assert sea["hs_code"] == "2846.90"
    assert sea["sources"][0]["title"] == "reemap test fixture"
    assert sea["layer"] == "routes" and sea["as_of"] == "2026-01-31"


def test_unknown_port_site_and_bad_number_are_all_reported(tmp_path: Path) -> None:
    text = (ROUTES / "flows.csv").read_text(encoding="utf-8")
    text = text.replace("long-beach,tianjin,mountain-pass,", "long-beach,atlantis,nowhere,")
    text = text.replace(",10,t metal equivalent,2025-01", ",1,5,t metal equivalent,2025-01")
    bad = tmp_path / "flows.csv"
    bad.write_text(text.replace(",1,5,", ',"1,5",'), encoding="utf-8")
    with pytest.raises(DataError) as info:
        build_routes(
            read_flows(bad), ports=load_layer("ports", ROUTES / "ports.geojson"), label=str(bad)
        )
    messages = [str(p) for p in info.value.problems]
    assert any("mp-tj-2025-01: destination_port 'atlantis' is not a known ports id" in m
               for m in messages)
    assert any("origin_site 'nowhere' is not a known mines/refineries id" in m for m in messages)
    bad_number = ("kua-yok-2025-01: tonnage: Input should be a valid number, unable to parse "
                  "string as a number, got '1,5'")
    assert any(bad_number in m for m in messages)
    # one check of a flow row: the flow table's loader says the same of the same row
    with pytest.raises(DataError) as table_info:
        load_flows(bad)
    assert [str(p) for p in table_info.value.problems] == [f"{bad}: {bad_number}"]


def test_cli_build_routes_writes_atomically_and_fails_cleanly(mini_dir: Path,
                                                              tmp_path: Path) -> None:
    out = tmp_path / "routes.geojson"
    out.write_text("previous good file", encoding="utf-8")
    bad = tmp_path / "flows.csv"
    bad.write_text((ROUTES / "flows.csv").read_text(encoding="utf-8").replace(
        "kuantan,yokohama,,", "kuantan,atlantis,,", 1), encoding="utf-8")
    cmd = [sys.executable, "-m", "reemap.cli", "--data-dir", str(mini_dir), "build-routes",
           "--ports", str(ROUTES / "ports.geojson"), "--output", str(out)]
    failed = subprocess.run([*cmd, "--flows", str(bad)], capture_output=True, text=True,
                            check=False)
    assert failed.returncode == 1
    assert failed.stderr.strip().splitlines() == [
        f"{bad}: kua-yok-2025-01: destination_port 'atlantis' is not a known ports id"
    ]
    assert out.read_text(encoding="utf-8") == "previous good file"
    ok = subprocess.run([*cmd, "--flows", str(ROUTES / "flows.csv")], capture_output=True,
                        text=True, check=False)
    assert ok.returncode == 0, ok.stderr
    assert len(json.loads(out.read_text(encoding="utf-8"))["features"]) == 5


def test_bundled_routes_file_is_built_from_the_bundled_flows(tmp_path: Path) -> None:
    # data/routes.geojson is stored (the app never recomputes it): it must match what
    # `reemap build-routes` makes of data/flows.csv and data/ports.geojson today
    from layers.routes import build_from_files

    fresh = tmp_path / "routes.geojson"
    write_layers({"routes": build_from_files()}, fresh)
    assert fresh.read_bytes() == (settings.DATA_DIR / "routes.geojson").read_bytes(), (
        "data/routes.geojson is out of date: run `reemap build-routes`"
    )


def test_bundled_routes_file_is_valid_and_split() -> None:
    routes = load_layer("routes")
    assert set(routes["route_kind"]) <= {"sea", "land", "great_circle"}
    assert all(max_lon_step(g) <= 180.0 for g in routes.geometry)
    assert (routes["length_km"] > 0).all()
    assert routes["flow_id"].notna().all()


# --- flows over time ------------------------------------------------------------------


def test_routes_in_period_matches_exactly(built) -> None:
    assert periods(built) == ["2025-01", "2026-01"]
    january = routes_in_period(built, "2025-01")
    assert set(january["flow_id"]) == {"mp-tj-2025-01", "kua-yok-2025-01", "chn-jpn-2025-01"}
    assert routes_in_period(built, "2025").empty  # a year never sums its months


def test_compare_periods_per_origin_keeps_units_apart(built) -> None:
    table = compare_periods(built, "2025-01", "2026-01").set_index(["origin", "tonnage_unit"])
    mys = table.loc[("MYS", "t metal equivalent")]
    assert (mys["before"], mys["after"], mys["change"]) == (10, 25, 15)
    assert mys["change_pct"] == pytest.approx(150.0)
    usa = table.loc[("USA", "t")]  # counted once although drawn as two legs
    assert usa["before"] == 1000 and pd.isna(usa["after"]) and pd.isna(usa["change"])
    assert not table["incomplete"].any()


def test_compare_flags_unknown_tonnage_as_incomplete() -> None:
    routes = load_layer("routes", ROUTES / "exposure.geojson")
    everywhere = compare_periods(routes, "2025-01", "2026-01").set_index(["origin", "tonnage_unit"])
    assert everywhere.loc[("CHN", "t"), "before"] == 60 + 1000  # f6 goes to the USA
    table = compare_periods(routes, "2025-01", "2026-01", destination="JPN")
    table = table.set_index(["origin", "tonnage_unit"])
    assert table.loc[("CHN", "t"), "before"] == 60 and table.loc[("CHN", "t"), "after"] == 40
    mys = table.loc[("MYS", "t")]
    assert mys["before"] == 30 and pd.isna(mys["after"]) and bool(mys["incomplete"])



def test_the_map_draws_the_pacific_crossing_as_one_continuous_line(built) -> None:
    import base64

    from ui.mapview import build_map, map_html
    from ui.pointlayer import payloads

    pacific = built[built["id"] == "mp-tj-2025-01-sea"]
    html = map_html(build_map({"routes": pacific}))
    (payload,) = payloads(html).values()
    xy = np.frombuffer(base64.b64decode(payload["xy"]), "<i4").reshape(-1, 2) / 1e5
    parts = np.frombuffer(base64.b64decode(payload["parts"]), "<u4")
    assert len(parts) == 2  # one part: the two halves joined again
    steps = np.abs(np.diff(xy[:, 0]))
    assert steps.max() < 10.0  # never a segment across the whole world
    assert xy[:, 0].min() < -180.0 or xy[:, 0].max() > 180.0  # drawn past 180, not wrapped


def test_app_routes_panel(mini_dir: Path, tmp_path: Path, monkeypatch) -> None:
    import shutil

    from streamlit.testing.v1 import AppTest

    data = tmp_path / "data"
    shutil.copytree(mini_dir, data)
    shutil.copy(ROUTES / "exposure.geojson", data / "routes.geojson")
    shutil.copy(settings.DATA_DIR / "chokepoints.geojson", data / "chokepoints.geojson")
    monkeypatch.setenv("REEMAP_DATA_DIR", str(data))
    at = AppTest.from_file("../app.py", default_timeout=90)
    at.query_params["section"] = "routes"  # a permalink to the routes section
    at.run()
    assert not at.exception, at.exception
    slider = at.select_slider(key="r_period")
    assert list(slider.options) == ["2025", "2025-01", "2026-01"]
    slider.set_value("2025-01").run()
    assert not at.exception, at.exception
    frames = {id(df.value): df.value for df in at.dataframe}
    # the tables as shown: labels for people, chokepoints by name (ids stay in the data)
    choke = next(v for v in frames.values() if "Share of imports (%)" in v.columns)
    shares = choke.set_index(["Chokepoint", "Unit"])["Share of imports (%)"]
    assert shares[("Korea Strait", "t")] == 60.0
    assert shares[("Suez Canal", "t metal equivalent")] == 100.0
    assert "Bass Strait" not in set(choke["Chokepoint"])  # no flow passes it
    compare = next(v for v in frames.values() if "Change (%)" in v.columns)
    chn = compare.set_index(["Origin", "Unit"]).loc[("CHN", "t")]
    assert (chn["Before"], chn["After"], chn["Change"]) == (60, 40, -20)
