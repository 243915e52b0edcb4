"""Supply outlook (layers.outlook): capacity outside China by stated start year."""

from __future__ import annotations

import geopandas as gpd
import pytest
from shapely.geometry import Point

from layers.catalog import load_dataset
from layers.outlook import importer_offtakes, supply_outlook
from ui.analysis_charts import outlook_chart

SRC = [{"title": "Release", "url": None, "date": "2025-03", "publisher": "Issuer",
        "kind": "primary"}]


def _site(fid, country, status, capacity, elements, *, start=None):
    return {"id": fid, "name": fid.title(), "country": country, "status": status,
            "capacity": capacity, "capacity_unit": "t/yr REO", "elements": elements,
            "start_year": start, "sources": SRC,
            "figure_sources": {"capacity": 0, **({"start_year": 0} if start else {})}}


@pytest.fixture
def frames() -> dict[str, gpd.GeoDataFrame]:
    rows = [
        _site("a", "AUS", "construction", 1000.0, ["Nd", "Pr"], start=2027),
        _site("b", "CAN", "development", 500.0, ["Dy", "Tb"], start=2028),
        _site("c", "USA", "development", 300.0, ["Nd"]),  # no start year: no bar
        _site("d", "CHN", "construction", 9000.0, ["Nd"], start=2026),  # China: left out
        _site("e", "AUS", "operating", 700.0, ["Nd"], start=2015),  # running already
        _site("f", "AUS", "construction", None, ["Nd"], start=2027),  # no capacity: nothing to add
    ]
    return {"mines": gpd.GeoDataFrame(rows, geometry=[Point(0, 0)] * len(rows),
                                      crs="EPSG:4326")}


def test_only_stated_capacity_outside_china_in_the_pipeline_counts(frames) -> None:
    outlook = supply_outlook(frames)
    assert list(outlook.projects["id"]) == ["a", "b", "c"]
    assert outlook.without_year == 1
    assert outlook.projects.set_index("id").loc["a", "start_source"] == "Issuer (2025-03)"
    by_year = outlook.by_year.set_index(["start_year", "status"])["capacity"]
    assert by_year.to_dict() == {(2027, "construction"): 1000.0, (2028, "development"): 500.0}


def test_an_element_group_keeps_the_sites_producing_it(frames) -> None:
    assert list(supply_outlook(frames, group="Dy/Tb").projects["id"]) == ["b"]
    assert list(supply_outlook(frames, group="NdPr").projects["id"]) == ["a", "c"]
    with pytest.raises(KeyError):
        supply_outlook(frames, group="Xx")


def test_the_chart_draws_the_years_and_names_those_without(frames) -> None:
    outlook = supply_outlook(frames)
    figure = outlook_chart(outlook.by_year, "all", outlook.without_year)
    assert sorted(figure.chart.data["start_year"]) == [2027, 2028]
    assert "1 such projects state no start year" in figure.caption


def test_japans_offtakes_on_the_bundled_data() -> None:
    data = load_dataset()
    table = importer_offtakes(data.graph)
    assert len(table) >= 3
    assert "Japan Australia Rare Earths (JARE)" in set(table["buyer"])
