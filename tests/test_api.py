"""The Python API, called as a notebook calls it: ``import reemap`` and its four functions.

Every result is compared with what the matching command writes for the same question.
"""

from __future__ import annotations

import contextlib
import io
import re
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest

import reemap
from geo.export import export_bytes
from reemap.cli import main

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def data() -> reemap.Dataset:
    return reemap.load()


def _cli(*argv: str) -> str:
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        assert main(list(argv)) == 0
    return buf.getvalue()


def _as_cli_csv(tables: dict[str, pd.DataFrame]) -> str:
    return "".join(f"# {name}\n" + frame.to_csv(index=False) for name, frame in tables.items())


def test_readme_example_runs() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## In a notebook: the Python API", 1)[1]
    block = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert block is not None
    namespace: dict[str, object] = {}
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(block.group(1), "README.md", "exec"), namespace)
    kept = namespace["kept"]
    assert isinstance(kept, dict) and len(kept["mines"]) >= 1
    assert isinstance(namespace["mines"], gpd.GeoDataFrame)
    assert "Mount Weld" in out.getvalue()  # JOGMEC's look-through stake, via JARE and Lynas


def test_load_gives_layers_graph_and_tables(data: reemap.Dataset) -> None:
    assert {"mines", "refineries", "seabed", "routes"} <= set(data.layers)
    for name, gdf in data.layers.items():
        assert isinstance(gdf, gpd.GeoDataFrame), name
        assert gdf.crs is not None and gdf.crs.to_epsg() == 4326, name
    assert len(data.layers["mines"]) > 10
    assert data.graph.resolve("JOGMEC") == "jogmec"
    assert {"origin", "destination", "tonnage", "period"} <= set(data.flows.columns)
    assert {"series_id", "period", "share_pct"} <= set(data.dependency.columns)
    assert {"owner_id", "owned_id", "stake_pct"} <= set(data.stakes.columns)
    assert "jogmec" in set(data.entities["id"])
    assert len(data.offtakes) > 0


def test_select_is_what_export_writes(data: reemap.Dataset, tmp_path: Path) -> None:
    kept = reemap.select(data, element=["Dy"], owner=["JOGMEC"])
    assert main(["export", "--output", str(tmp_path / "out"), "--element", "Dy",
                 "--owner", "JOGMEC", "--format", "csv"]) == 0
    for name, gdf in kept.items():
        written = (tmp_path / "out" / f"{name}.csv").read_bytes()
        assert export_bytes(gdf, "csv", layer=name) == written, name
        assert list(gdf.columns) == pd.read_csv(tmp_path / "out" / f"{name}.csv").columns.tolist()
    assert "mount-weld" in set(kept["mines"]["id"])
    assert all("Dy" in e for e in kept["mines"]["elements"])  # lists stay lists


def test_select_takes_text_lists_and_commas_and_leaves_the_dataset(
    data: reemap.Dataset,
) -> None:
    before = len(data.layers["mines"])
    one = reemap.select(data, layer="mines", country="AUS,CAN", status=["operating"])
    two = reemap.select(data, layer=["mines"], country=["aus", "CAN"], status="operating")
    assert list(one) == ["mines"]
    assert one["mines"]["id"].tolist() == two["mines"]["id"].tolist()
    assert set(one["mines"]["country"]) <= {"AUS", "CAN"} and len(one["mines"]) >= 1
    assert len(data.layers["mines"]) == before


@pytest.mark.parametrize("owner", ["JOGMEC", "Lynas Rare Earths", "sojitz"])
def test_attributable_is_what_owner_prints(data: reemap.Dataset, owner: str) -> None:
    tables = reemap.attributable(owner, data)
    assert _as_cli_csv(tables) == _cli("owner", owner, "--format", "csv")


def test_attributable_on_an_earlier_day(data: reemap.Dataset) -> None:
    # before March 2011 JOGMEC held nothing through JARE, so no Lynas asset
    early = reemap.attributable("JOGMEC", data, on="2010-01-01")["assets (look-through)"]
    now = reemap.attributable("JOGMEC", data)["assets (look-through)"]
    assert "mines/mount-weld" in set(now["key"])
    assert "mines/mount-weld" not in set(early["key"])
    assert _as_cli_csv(reemap.attributable("JOGMEC", data, on="2010-01-01")) == _cli(
        "owner", "JOGMEC", "--on", "2010-01-01", "--format", "csv")


@pytest.mark.parametrize("without", ["country:CHN", "owner:JOGMEC", "facility:mount-weld"])
def test_scenario_is_what_scenario_prints(data: reemap.Dataset, without: str) -> None:
    tables = reemap.scenario(without=[without], dataset=data)
    assert _as_cli_csv(tables) == _cli("scenario", "--without", without, "--format", "csv")


def test_bad_input_raises_the_commands_one_line_errors(data: reemap.Dataset) -> None:
    with pytest.raises(reemap.InputError, match="unknown owner 'Nobody'"):
        reemap.attributable("Nobody", data)
    with pytest.raises(reemap.InputError, match="unknown element 'Xx'"):
        reemap.select(data, element="Xx")
    with pytest.raises(reemap.InputError, match="at least one disruption"):
        reemap.scenario(without=[], dataset=data)
    with pytest.raises(reemap.InputError, match="not an ISO 3166-1 alpha-3"):
        reemap.scenario(without="country:ZZZ", dataset=data)
    with pytest.raises(reemap.InputError, match="not a date"):
        reemap.load(on="yesterday")
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        _ = reemap.nothing  # type: ignore[attr-defined]


def test_the_public_surface_is_all_and_import_is_cheap() -> None:
    assert set(reemap.__all__) == {"DataError", "Dataset", "InputError", "ReemapError",
                                   "__version__", "attributable", "load", "scenario", "select"}
    for name in reemap.__all__:
        assert getattr(reemap, name) is not None
    code = ("import sys, reemap; "
            "print(sorted(m for m in ('pandas', 'geopandas', 'layers', 'reemap._api') "
            "if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_disruptions_together(data: reemap.Dataset) -> None:
    both = reemap.scenario(without=["country:CHN", "country:MYS"], dataset=data)
    assert _as_cli_csv(both) == _cli("scenario", "--without", "country:CHN", "--without",
                                     "country:MYS", "--format", "csv")
    singles = [reemap.scenario(without=w, dataset=data) for w in ("country:CHN", "country:MYS")]
    key = "capacity lost (by stage, unit, element group)"
    index = ["stage", "capacity_unit", "element_group"]
    # two countries hold different assets: together they take exactly the sum
    total = (singles[0][key].set_index(index)[["lost_low", "lost_high"]]
             + singles[1][key].set_index(index)[["lost_low", "lost_high"]])
    got = both[key].set_index(index)[["lost_low", "lost_high"]]
    pd.testing.assert_frame_equal(got.sort_index(), total.sort_index())
    imports = "imports lost (per period, unit and product)"
    assert (both[imports]["lost_low"].fillna(0) >= singles[0][imports]["lost_low"].fillna(0)).all()
    # the same disruption twice is the disruption once
    twice = reemap.scenario(without=["country:CHN", "country:CHN"], dataset=data)
    assert _as_cli_csv(twice) == _as_cli_csv(singles[0])
    # an owner and a country: at least each alone, at most their sum
    mixed = reemap.scenario(without=["owner:JOGMEC", "country:AUS"], dataset=data)[key]
    alone = reemap.scenario(without="country:AUS", dataset=data)[key]
    assert (mixed["lost_low"].to_numpy() >= alone["lost_low"].to_numpy() - 1e-9).all()
    assert (mixed["lost_high"] <= mixed["total"] + 1e-9).all()
