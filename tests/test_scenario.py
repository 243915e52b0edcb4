"""Disruption scenarios on the bundled data and on the mini dataset."""

from __future__ import annotations

import math
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import LineString

from geo.errors import InputError
from layers.catalog import load_dataset, load_layers
from layers.ownership_files import load_graph
from layers.scenario import parse_disruption, run_scenario
from layers.tables import load_flows


@pytest.fixture(scope="module")
def bundled() -> tuple[dict[str, gpd.GeoDataFrame], object, pd.DataFrame]:
    frames = load_layers(("mines", "refineries", "routes", "chokepoints"))
    return frames, load_graph(frames), load_flows()


def _jan_2026(result: pd.DataFrame) -> pd.Series:
    return result[(result["period"] == "2026-01")
                  & (result["tonnage_unit"] == "t metal equivalent")].iloc[0]


def test_without_china_on_the_bundled_flows(bundled) -> None:
    frames, graph, flows = bundled
    # the hand calculation, from data/flows.csv (January 2026, t metal equivalent, into JPN)
    rows = flows[(flows["period"] == "2026-01") & (flows["destination"] == "JPN")]
    assert dict(zip(rows["origin"], rows["tonnage"], strict=True)) == {
        "CHN": 1127, "VNM": 221, "FRA": 79, "MYS": 1}
    # total 1127 + 221 + 79 + 1 = 1428; China's 1127 / 1428 = 78.92% is lost
    result = run_scenario(parse_disruption("country:CHN"), frames, graph, flows)
    jan = _jan_2026(result.imports)
    assert jan["total"] == pytest.approx(1428.0)
    assert jan["lost_low"] == jan["lost_high"] == pytest.approx(1127.0)
    assert jan["lost_pct_high"] == pytest.approx(100 * 1127 / 1428)
    assert jan["flows_lost"] == "chn-jpn-2026-01"
    assert "chn-jpn-2026-01" in result.highlight
    # outside China nothing is lost
    assert (result.outside_china["after_low"] == result.outside_china["before"]).all()


def test_without_vietnam(bundled) -> None:
    frames, graph, flows = bundled
    # 221 / 1428 = 15.48%
    jan = _jan_2026(run_scenario(parse_disruption("country:vnm"), frames, graph, flows).imports)
    assert jan["lost_pct_low"] == pytest.approx(100 * 221 / 1428)


def test_without_a_facility_cuts_its_stage(bundled) -> None:
    frames, graph, flows = bundled
    result = run_scenario(parse_disruption("facility:lynas-malaysia"), frames, graph, flows)
    capacity = result.capacity.set_index(["stage", "capacity_unit", "element_group"])
    lynas = frames["refineries"].set_index("id").loc["lynas-malaysia"]
    row = capacity.loc[("separation", lynas["capacity_unit"], "all")]
    assert row["lost_high"] == pytest.approx(lynas["capacity"])
    assert row["assets_hit"] == 1
    outside = result.outside_china.set_index(["stage", "capacity_unit"])
    after = outside.loc[("separation", lynas["capacity_unit"])]
    assert after["before"] - after["after_high"] == pytest.approx(lynas["capacity"])
    assert result.highlight == ["refineries/lynas-malaysia"]


def test_without_an_owner_removes_its_look_through_share(mini_dir: Path) -> None:
    dataset = load_dataset(mini_dir)
    flows = pd.DataFrame(columns=["id", "origin", "destination", "origin_site", "product",
                                  "tonnage", "tonnage_unit", "period"])
    result = run_scenario(parse_disruption("owner:JOGMEC"), dataset.frames, dataset.graph, flows)
    capacity = result.capacity.set_index(["stage", "capacity_unit", "element_group"])
    # JOGMEC 50% x JARE 10% of Lynas = 5%: Mount Weld 10,000 t/yr REO -> 500 lost
    assert capacity.loc[("mining", "t/yr REO", "all"), "lost_low"] == pytest.approx(500.0)
    assert capacity.loc[("mining", "t/yr REO", "all"), "total"] == pytest.approx(50_000.0)
    # Lynas Malaysia 10,500 t/yr NdPr oxide x 5% = 525
    assert capacity.loc[("separation", "t/yr NdPr oxide", "NdPr"), "lost_high"] == pytest.approx(
        525.0)


def _routes(chokepoints: list[list[str]] | None) -> gpd.GeoDataFrame:
    data = {
        "id": ["r1", "r2"], "flow_id": ["chn-jpn-2026-01", "vnm-jpn-2026-01"],
        "origin": ["CHN", "VNM"], "destination": ["JPN", "JPN"],
        "product": ["x", "x"], "period": ["2026-01"] * 2, "tonnage": [1127.0, 221.0],
        "tonnage_unit": ["t metal equivalent"] * 2, "route_kind": ["sea", "sea"],
    }
    if chokepoints is not None:
        data["chokepoints"] = chokepoints
    lines = [LineString([(120, 30), (135, 35)]), LineString([(106, 20), (135, 35)])]
    return gpd.GeoDataFrame(data, geometry=lines, crs="EPSG:4326")


def test_chokepoint_from_the_routes_property(bundled) -> None:
    frames, graph, flows = bundled
    # invented routes: only Vietnam's flow passes the Taiwan Strait; FRA and MYS flows have
    # no route, so the loss is unknown for them and the market total is unknown (NaN)
    frames = {**frames, "routes": _routes([[], ["taiwan-strait"]])}
    result = run_scenario(parse_disruption("chokepoint:taiwan-strait"), frames, graph, flows)
    assert "vnm-jpn-2026-01" in result.highlight
    assert math.isnan(_jan_2026(result.imports)["lost_high"])
    assert result.capacity["lost_high"].sum() == 0.0


def test_chokepoint_without_route_data_is_unknown_not_zero(bundled) -> None:
    frames, graph, flows = bundled
    frames = {**frames, "routes": _routes(None).iloc[0:0]}
    result = run_scenario(parse_disruption("chokepoint:taiwan-strait"), frames, graph, flows)
    assert result.imports["lost_high"].isna().all()
    assert any("no chokepoints" in n for n in result.notes)


@pytest.mark.parametrize(
    ("text", "message"),
    [("planet:mars", "KIND:ID"), ("country", "KIND:ID"), ("country:XYZ", "alpha-3"),
     ("facility:no-such-plant", "no mine or plant"), ("owner:Nobody", "unknown owner"),
     ("chokepoint:nowhere", "unknown; chokepoints are")],
)
def test_unknown_kind_or_target_is_a_usage_error(bundled, text: str, message: str) -> None:
    frames, graph, flows = bundled
    with pytest.raises(InputError, match=message):
        run_scenario(parse_disruption(text), frames, graph, flows)


def test_cli_scenario_json_and_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from reemap.cli import main

    assert main(["scenario", "--without", "country:VNM", "--format", "json"]) == 0
    tables = json.loads(capsys.readouterr().out)
    (jan,) = [r for r in tables["imports lost (per period, unit and product)"]
              if r["period"] == "2026-01" and r["tonnage_unit"] == "t metal equivalent"]
    assert jan["lost_pct_high"] == pytest.approx(100 * 221 / 1428)  # 15.48%
    assert main(["scenario", "--without", "planet:mars"]) == 2
    assert "KIND:ID" in capsys.readouterr().err
    assert main(["scenario", "--without", "owner:Nobody"]) == 2


def test_cli_scenario_on_a_cyclic_graph_is_a_data_error(
    mini_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import shutil

    from reemap.cli import main

    data = tmp_path / "data"
    shutil.copytree(mini_dir, data)
    (data / "flows.csv").write_text(
        "id,origin,destination,product,tonnage,tonnage_unit,period,source_title,source_date,"
        "as_of\nx,CHN,JPN,rare earths,10,t,2024,invented for the test,2026,2026-01-01\n")
    stakes = data / "ownership" / "stakes.csv"
    stakes.write_text(stakes.read_text() + "lynas,jogmec,1,,,invented cycle,,2026,t,2026,x\n")
    assert main(["--data-dir", str(data), "scenario", "--without", "country:CHN"]) == 1
    err = capsys.readouterr().err
    assert "ownership cycle" in err
    assert "JOGMEC" in err


def test_highlight_map_rings_assets_and_route_legs(bundled) -> None:
    from layers.scenario import highlight_map, targets

    frames, graph, flows = bundled
    frames = {**frames, "routes": _routes([[], ["taiwan-strait"]])}
    result = run_scenario(parse_disruption("country:VNM"), frames, graph, flows)
    rings = highlight_map(result, frames)
    assert rings["routes"] == ["r2"]  # the leg of flow vnm-jpn-2026-01
    vietnam = set(frames["mines"].loc[frames["mines"]["country"] == "VNM", "id"])
    assert set(rings["mines"]) == vietnam
    picks = targets(frames, graph, flows)
    assert picks["country"]["VNM"] == "Viet Nam (VNM)"
    assert picks["owner"]["jogmec"] == "JOGMEC"
    assert set(picks) == {"country", "facility", "owner", "chokepoint"}


def _scenario_map(at) -> str:
    import json

    (tab,) = [t for t in at.tabs if t.label == "Scenario"]
    found = [el for el in tab if getattr(el, "type", None) == "component_instance"
             and "script" in el.proto.json_args]
    assert len(found) == 1, "the scenario panel draws one map"
    args = json.loads(found[0].proto.json_args)
    return str(args["script"]) + str(args.get("html", ""))


def test_app_scenario_panel_rings_what_is_lost(
    mini_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("REEMAP_DATA_DIR", str(mini_dir))
    at = AppTest.from_file("../app.py", default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    assert not at.tabs  # the analysis section is not drawn until it is chosen
    at.segmented_control(key="section").set_value("analysis").run()
    assert at.query_params["section"] == "analysis"
    assert [t.label for t in at.tabs][-6:] == ["Owner", "Dependency and capacity",
                                               "Supply outlook", "Countries (USGS)", "Scenario",
                                               "Data coverage"]
    # the coverage tab counts what mini states: capacity for 2 of its 5 mines
    cov = next(d.value for d in at.dataframe if "Stated (%)" in d.value.columns)
    mines = cov[(cov["Layer"] == "mines") & (cov["Figure"] == "capacity")].iloc[0]
    assert (mines["Features stating it"], mines["Features"]) == (2, 5)
    # the owner tab opens on JOGMEC (the map's headline owner), holding what it holds in mini
    assert at.selectbox(key="a_owner").value == "jogmec"
    assets = next(d.value for d in at.dataframe if "Look-through stake" in d.value.columns)
    assert set(assets["Name"]) == {"Mount Weld", "Lofdal", "Lynas Malaysia"}
    at.selectbox(key="a_kind").set_value("country").run()
    at.selectbox(key="a_target_country").set_value("AUS").run()
    assert not at.exception, at.exception
    # mini: Mount Weld (AUS, 10,000 t/yr REO, operating) is the one Australian asset;
    # mining t/yr REO before: Mount Weld 10,000 + Mountain Pass 40,000 = 50,000 outside China
    outside = next(d.value for d in at.dataframe
                   if "After" in getattr(d.value, "columns", []) and "Stage" in d.value.columns)
    row = outside[(outside["Stage"] == "mining") & (outside["Capacity unit"] == "t/yr REO")]
    assert (row["Before"].iloc[0], row["After"].iloc[0]) == (50_000, "40,000 t/yr REO")
    assert '"hl":' in _scenario_map(at)  # the lost asset is ringed
    at.selectbox(key="a_kind").set_value("chokepoint").run()
    assert not at.exception, at.exception


def test_flows_from_a_site_without_stated_capacity_are_still_lost(bundled) -> None:
    frames, graph, _ = bundled
    mines = frames["mines"].set_index("id")
    assert pd.isna(mines.loc["mountain-pass", "capacity"])  # the bundled mine states none
    # invented flows: 10 t from the Mountain Pass mine, 30 t from elsewhere -> 25% lost
    flows = pd.DataFrame({
        "id": ["a", "b"], "origin": ["USA", "USA"], "destination": ["JPN", "JPN"],
        "origin_site": ["mountain-pass", None], "product": ["x", "x"],
        "tonnage": [10.0, 30.0], "tonnage_unit": ["t", "t"], "period": ["2024", "2024"],
    })
    result = run_scenario(parse_disruption("facility:mountain-pass"), frames, graph, flows)
    assert result.imports["lost_pct_high"].iloc[0] == pytest.approx(25.0)
    assert result.highlight == ["mines/mountain-pass", "a"]
