"""Look-through ownership on small hand-computed graphs (invented entities and stakes)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import Point

from geo.errors import DataError
from layers.ownership import StakeRange
from layers.ownership_files import load_graph

ENTITY_HEADER = "id,name,country,type,state_backed\n"
STAKE_HEADER = "owner_id,owned_id,stake_pct,from_date,to_date\n"


def _graph(
    tmp_path: Path,
    entities: list[tuple[str, str]],
    stakes: list[str],
    assets: dict[str, list[tuple[str, float | None]]] | None = None,
    *,
    on: date = date(2026, 1, 1),
    offtakes: str | None = None,
):
    folder = tmp_path / "ownership"
    folder.mkdir(parents=True)
    rows = "".join(f"{eid},{eid.upper()},JPN,{kind},\n" for eid, kind in entities)
    (folder / "entities.csv").write_text(ENTITY_HEADER + rows, encoding="utf-8")
    (folder / "stakes.csv").write_text(STAKE_HEADER + "".join(s + "\n" for s in stakes))
    if offtakes is not None:
        (folder / "offtakes.csv").write_text(offtakes, encoding="utf-8")
    assets = assets or {}
    frame = gpd.GeoDataFrame(
        {
            "id": list(assets),
            "owners": [[{"name": n, "stake_pct": p} for n, p in o] for o in assets.values()],
        },
        geometry=[Point(0, 0)] * len(assets),
        crs="EPSG:4326",
    )
    return load_graph({"mines": frame}, data_dir=tmp_path, on=on)


def test_diamond_adds_across_paths(tmp_path: Path) -> None:
    # top holds 60% of a and 40% of b; a holds 50% of the mine, b 30%.
    # top's stake = 0.6 * 0.5 + 0.4 * 0.3 = 0.30 + 0.12 = 0.42 -> 42%
    graph = _graph(
        tmp_path,
        [("top", "listed"), ("a", "listed"), ("b", "listed")],
        ["top,a,60,,", "top,b,40,,"],
        {"m": [("a", 50.0), ("b", 30.0)]},
    )
    assert graph.effective_stake("top", "mines/m") == pytest.approx(42.0)
    found = graph.stake_range("top", "mines/m")
    assert found.exact
    assert isinstance(found, StakeRange)


def test_chain_of_three_multiplies(tmp_path: Path) -> None:
    # a 50% of b, b 20% of c, c 80% of the mine: 0.5 * 0.2 * 0.8 = 0.08 -> 8%
    graph = _graph(
        tmp_path,
        [("a", "state_agency"), ("b", "listed"), ("c", "listed")],
        ["a,b,50,,", "b,c,20,,"],
        {"m": [("c", 80.0)]},
    )
    assert graph.effective_stake("a", "mines/m") == pytest.approx(8.0)
    assert graph.effective_stake("b", "mines/m") == pytest.approx(16.0)
    assert graph.stake_range("a", "mines/m").text() == "8%"
    # a is a state agency: the mine is state-backed, and the graph says through whom
    assert graph.is_state_backed("mines/m")
    assert graph.state_backers("mines/m") == ["a"]
    # c's own flag is false; it is state-backed only through a, up the chain
    assert not graph.entities["c"].state_backed
    assert graph.state_backers("c") == ["a"]


def test_cycle_is_a_data_error_naming_the_entities(tmp_path: Path) -> None:
    with pytest.raises(DataError) as info:
        _graph(
            tmp_path,
            [("a", "listed"), ("b", "listed"), ("c", "listed")],
            ["a,b,10,,", "b,c,10,,", "c,a,10,,"],
        )
    cycles = [p for p in info.value.problems if "cycle" in p.message]
    assert len(cycles) == 1
    assert all(name in cycles[0].message for name in ("A", "B", "C"))


def test_stakes_over_100_in_one_entity_are_a_data_error(tmp_path: Path) -> None:
    with pytest.raises(DataError) as info:
        _graph(
            tmp_path,
            [("a", "listed"), ("b", "listed"), ("x", "listed")],
            ["a,x,70,,", "b,x,40,,"],
        )
    (problem,) = info.value.problems
    assert problem.feature == "x"
    assert "110%" in problem.message
    assert "A 70%" in problem.message
    assert "B 40%" in problem.message


def test_stakes_over_100_in_one_asset_are_a_data_error(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="add up to 120%"):
        _graph(tmp_path, [("a", "listed"), ("b", "listed")], [], {"m": [("a", 60), ("b", 60)]})


def test_only_current_stakes_count(tmp_path: Path) -> None:
    # Two successive stakes of 70% and 40%: never both current, never over 100%.
    # to_date is exclusive: on the day the second starts, only the second counts.
    entities = [("a", "listed"), ("b", "listed"), ("x", "listed")]
    stakes = ["a,x,70,2017-01-01,2022-10-14", "b,x,40,2022-10-14,"]
    assets = {"m": [("x", 100.0)]}
    before = _graph(tmp_path / "1", entities, stakes, assets, on=date(2020, 1, 1))
    switch = _graph(tmp_path / "2", entities, stakes, assets, on=date(2022, 10, 14))
    assert before.effective_stake("a", "mines/m") == pytest.approx(70.0)
    assert before.effective_stake("b", "mines/m") == 0.0
    assert switch.effective_stake("a", "mines/m") == 0.0
    assert switch.effective_stake("b", "mines/m") == pytest.approx(40.0)


def test_unknown_stake_stays_unknown_with_honest_bounds(tmp_path: Path) -> None:
    # gov holds an unknown share of jv, where partner holds 10%: gov's share is > 0 and
    # at most 90%. jv holds 3% of co; co holds 100% of the mine.
    # bounds: low 0, high 0.9 * 0.03 * 1.0 = 0.027 -> 2.7%
    graph = _graph(
        tmp_path,
        [("gov", "state_agency"), ("partner", "listed"), ("jv", "joint_venture"),
         ("co", "listed")],
        ["gov,jv,,,", "partner,jv,10,,", "jv,co,3,,"],
        {"m": [("co", 100.0)]},
    )
    found = graph.stake_range("gov", "mines/m")
    assert found.low == 0.0
    assert found.high == pytest.approx(2.7)
    assert graph.effective_stake("gov", "mines/m") is None  # never 0, never 100
    assert found.text().startswith("up to 2.7%")
    # partner's path is all known: 0.1 * 0.03 * 1.0 = 0.003 -> 0.3%
    assert graph.stake_range("partner", "mines/m").text() == "0.3%"


def test_at_least_when_a_known_path_and_an_unknown_path_meet(tmp_path: Path) -> None:
    # gov holds 40% of the mine directly and an unknown share of co, which holds 50%:
    # low = 40%, high = 40% + 1.0 * 50% = 90%
    graph = _graph(
        tmp_path,
        [("gov", "government"), ("co", "listed")],
        ["gov,co,,,"],
        {"m": [("gov", 40.0), ("co", 50.0)]},
    )
    found = graph.stake_range("gov", "mines/m")
    assert (found.low, found.high) == (pytest.approx(40.0), pytest.approx(90.0))
    assert found.text() == "at least 40% (at most 90%)"


def test_offtakes_are_kept_apart_from_equity(tmp_path: Path) -> None:
    offtakes = (
        "id,buyer_id,seller_id,asset_id,product,elements,volume,volume_unit,"
        "period_from,period_to,source_title,source_date,as_of\n"
        'o1,buyer,co,m,NdPr,"[""Nd"", ""Pr""]",500,t/yr,2023,2038,a test,2026-01-01,2026-01-01\n'
    )
    graph = _graph(
        tmp_path, [("buyer", "listed"), ("co", "listed")], [], {"m": [("co", 100.0)]},
        offtakes=offtakes,
    )
    (deal,) = graph.offtakes_of("buyer")
    assert (deal.asset, deal.volume, deal.elements) == ("mines/m", 500.0, ("Nd", "Pr"))
    assert graph.effective_stake("buyer", "mines/m") == 0.0
    assert graph.assets_of("buyer") == set()


def test_offtake_with_unknown_buyer_is_a_data_error(tmp_path: Path) -> None:
    offtakes = (
        "id,buyer_id,seller_id,asset_id,product,elements,volume,volume_unit,"
        "period_from,period_to,source_title,source_date,as_of\n"
        "o1,nobody,co,,NdPr,[],,,,,a test,2026-01-01,2026-01-01\n"
    )
    with pytest.raises(DataError, match="o1: unknown entity id"):
        _graph(tmp_path, [("co", "listed")], [], offtakes=offtakes)


def test_mini_dataset_jogmec_through_jare(mini_dir: Path) -> None:
    from layers.catalog import load_dataset

    graph = load_dataset(mini_dir).graph
    # tests/data/README.md: JOGMEC 50% of JARE, JARE 10% of Lynas, Lynas 100% of Mount Weld
    assert graph.effective_stake("jogmec", "mines/mount-weld") == pytest.approx(5.0)
    assert graph.effective_stake("mp-materials", "mines/mount-weld") == 0.0  # ended stake
