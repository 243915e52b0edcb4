"""The asset page's model (ui.asset): figures with their sources, owners, offtakes, flows."""

from __future__ import annotations

import geopandas as gpd
import pytest
from shapely.geometry import Point

from layers.catalog import Dataset, load_dataset
from layers.ownership import OwnershipGraph
from ui.asset import asset_view
from ui.formatting import MISSING


@pytest.fixture(scope="module")
def dataset() -> Dataset:
    return load_dataset()


def test_mount_weld_page_shows_each_figure_with_its_unit_and_date(dataset) -> None:
    view = asset_view(dataset.frames, dataset.graph, "mines/mount-weld")
    assert view is not None
    assert (view.name, view.kind, view.country) == ("Mount Weld", "mine", "AUS")
    figures = view.figures.set_index("Figure")
    assert figures.loc["Capacity", "Value"] == "12,000 t/yr NdPr oxide"
    assert figures.loc["Capacity", "Describes"] == "2025"
    assert figures.loc["Grade", "Value"] == "4.12 % TREO"  # as stated, never rounded
    # no cell reads None or nan anywhere on the page
    for table in (view.figures, view.sources, view.owners, view.offtakes, view.flows):
        assert not table.isna().any().any()
        assert not table.astype(str).isin(["None", "nan", "NaN"]).any().any()
    assert view.facts["Figures as of"] == "2024-06-30"
    assert set(view.sources.columns) == {"Title", "Publisher", "Kind", "Date", "Link"}
    assert len(view.sources) >= 2


def _frames(**props: object) -> dict[str, gpd.GeoDataFrame]:
    base = {"id": "x", "name": "X", "layer": "mines", "country": "AUS", "status": "operating",
            "owners": [{"name": "A", "stake_pct": 60.0}, {"name": "B", "stake_pct": None}],
            "elements": ["Nd"], "capacity": None, "capacity_unit": None, "capacity_year": None,
            "as_of": "2025-06-30", "checked_on": "2026-12-05",
            "sources": [{"title": "Annual report", "url": "https://example.org/ar",
                         "date": "2025-08", "publisher": "A Ltd", "kind": "primary"},
                        {"title": "News", "url": None, "date": "2025-09",
                         "publisher": "Paper", "kind": "press"}]}
    base.update(props)
    return {"mines": gpd.GeoDataFrame([base], geometry=[Point(120, -28)], crs="EPSG:4326")}


def test_a_figure_names_the_source_figure_sources_points_at() -> None:
    frames = _frames(capacity=5000.0, capacity_unit="t/yr REO", capacity_year=2025,
                     figure_sources={"capacity": 1, "stake:A": 0})
    view = asset_view(frames, OwnershipGraph(), "mines/x")
    capacity = view.figures.set_index("Figure").loc["Capacity"]
    assert (capacity["Value"], capacity["Describes"]) == ("5,000 t/yr REO", "2025")
    assert (capacity["Source"], capacity["Publisher"], capacity["Kind"],
            capacity["Source date"]) == ("News", "Paper", "press", "2025-09")
    owners = view.owners.set_index("Owner")
    assert owners.loc["A", "Stake"] == "60%" and owners.loc["A", "Source"] == "Annual report"
    assert owners.loc["B", "Stake"] == MISSING and owners.loc["B", "Source"] == ""
    assert view.facts["Last checked against its sources"] == "2026-12-05"


def test_a_figure_with_no_named_source_says_so_and_a_missing_one_reads_not_stated() -> None:
    view = asset_view(_frames(production=100.0, production_unit="t REO", production_year=2024),
                      OwnershipGraph(), "mines/x")
    figures = view.figures.set_index("Figure")
    assert figures.loc["Production", "Source"] == "no source named"
    assert figures.loc["Capacity", "Value"] == MISSING
    assert figures.loc["Capacity", "Source"] == ""


def test_owners_offtakes_and_the_diagram(dataset) -> None:
    view = asset_view(dataset.frames, dataset.graph, "refineries/lynas-malaysia")
    assert view is not None and view.kind == "plant"
    assert "Lynas Rare Earths" in set(view.owners["Owner"])
    assert "Japan Australia Rare Earths (JARE)" in set(view.offtakes["Buyer"])
    assert {"lynas", "jare", "jogmec"} <= set(view.diagram.nodes)


@pytest.mark.parametrize("key", ["mines/no-such-mine", "routes/x", "nothing", "mines/", ""])
def test_unknown_assets_give_none(dataset, key) -> None:
    assert asset_view(dataset.frames, dataset.graph, key) is None


def test_an_element_distribution_reads_as_stated_with_its_source() -> None:
    frames = _frames(element_shares_pct={"Nd": 17.95, "Dy": 0.205, "Y": 19.0},
                     figure_sources={"element_shares_pct": 0})
    view = asset_view(frames, OwnershipGraph(), "mines/x")
    row = view.figures.set_index("Figure").loc["Element distribution (% of TREO)"]
    assert row["Value"] == "Nd 17.95%, Dy 0.205%, Y 19%"  # never rounded
    assert (row["Source"], row["Kind"]) == ("Annual report", "primary")


def test_a_bundled_element_distribution_is_on_the_asset_page(dataset) -> None:
    view = asset_view(dataset.frames, dataset.graph, "mines/steenkampskraal")
    row = view.figures.set_index("Figure").loc["Element distribution (% of TREO)"]
    assert row["Value"] == "Nd 17.95%, Pr 5.12%, Dy 1%, Tb 0.21%"
    assert row["Kind"] == "primary" and row["Link"].startswith("https://www.steenkampskraal.com/")
