"""Attributable capacity: capacity x look-through stake, by unit and element group."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import Point

from geo.errors import InputError
from layers.attributable import attributable_assets, attributable_totals, owner_entity
from layers.catalog import load_dataset
from layers.ownership import Entity, OwnershipGraph


def test_jogmec_through_jare_on_the_mini_dataset(mini_dir: Path) -> None:
    # tests/data/README.md: JOGMEC 50% of JARE, JARE 10% of Lynas -> 5% of Lynas's assets.
    # Mount Weld 10,000 t/yr REO x 5% = 500; Lynas Malaysia 10,500 t/yr NdPr oxide x 5% = 525
    dataset = load_dataset(mini_dir)
    assets = attributable_assets(dataset.frames, dataset.graph, "jogmec").set_index("key")
    assert assets.loc["mines/mount-weld", "attributable_low"] == pytest.approx(500.0)
    assert assets.loc["refineries/lynas-malaysia", "attributable_high"] == pytest.approx(525.0)
    assert assets.loc["mines/lofdal", "stake"] == "50%"  # held directly, no capacity given
    assert bool(assets.loc["mines/mount-weld", "state_backed"])

    totals = attributable_totals(assets.reset_index()).set_index(
        ["status_group", "capacity_unit", "element_group"]
    )
    # different units are never added: REO and NdPr oxide stay in rows of their own
    assert totals.loc[("current", "t/yr REO", "all"), "low"] == pytest.approx(500.0)
    assert totals.loc[("current", "t/yr NdPr oxide", "NdPr"), "high"] == pytest.approx(525.0)
    assert ("current", "t/yr REO", "Dy/Tb") not in totals.index  # Mount Weld lists no Dy/Tb
    assert set(totals.index.get_level_values("capacity_unit")) == {"t/yr REO", "t/yr NdPr oxide"}


def _frames(capacity: float, unit: str, elements: list[str]) -> dict[str, gpd.GeoDataFrame]:
    mines = gpd.GeoDataFrame(
        {"id": ["m"], "name": ["M"], "country": ["AUS"], "status": ["operating"],
         "owners": [[]], "elements": [elements], "capacity": [capacity],
         "capacity_unit": [unit], "capacity_year": [2025]},
        geometry=[Point(0, 0)], crs="EPSG:4326",
    )
    return {"mines": mines}


def test_unknown_stake_gives_a_range_never_zero_or_full() -> None:
    # gov holds an unknown share of co, beside a partner's 25%: at most 75%.
    # co holds 60% of the mine: gov's stake is 0..45%; 2,000 t/yr x 45% = 900 t/yr at most
    graph = OwnershipGraph(
        entities={e: Entity(e, e.upper(), state_backed=e == "gov") for e in ("gov", "p", "co")},
        owners_of={"co": [("gov", None), ("p", 25.0)], "mines/m": [("co", 60.0)]},
    )
    assets = attributable_assets(_frames(2000, "t/yr TREO", ["Dy", "Tb", "Y"]), graph, "gov")
    row = assets.iloc[0]
    assert (row["attributable_low"], row["attributable_high"]) == (0.0, pytest.approx(900.0))
    assert row["stake"].startswith("up to 45%")
    totals = attributable_totals(assets)
    dytb = totals[totals["element_group"] == "Dy/Tb"].iloc[0]
    assert (dytb["low"], dytb["high"]) == (0.0, pytest.approx(900.0))
    assert "NdPr" not in set(totals["element_group"])


def test_unknown_owner_is_a_usage_error(mini_dir: Path) -> None:
    graph = load_dataset(mini_dir).graph
    assert owner_entity(graph, "japan australia rare earths (jare)") == "jare"
    with pytest.raises(InputError, match="unknown owner 'Nobody'"):
        owner_entity(graph, "Nobody")


def test_cli_owner_table_and_unknown_owner(
    mini_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import io

    import pandas as pd

    from reemap.cli import main

    assert main(["--data-dir", str(mini_dir), "owner", "jogmec", "--format", "csv"]) == 0
    out = capsys.readouterr().out
    block = out.split("# assets (look-through)\n")[1].split("\n#")[0]
    assets = pd.read_csv(io.StringIO(block)).set_index("key")
    assert assets.loc["mines/mount-weld", "attributable_high"] == pytest.approx(500.0)
    assert main(["--data-dir", str(mini_dir), "owner", "Nobody"]) == 2
    assert "unknown owner" in capsys.readouterr().err
