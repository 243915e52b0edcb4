"""Chart specs: their data (read from the Vega-Lite dict) and their captions' sources."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from layers.catalog import load_dataset
from layers.dependency import concentration, dependency_series, imports_by_origin
from layers.tables import load_dependency, load_flows
from ui.charts import capacity_chart, concentration_chart, dependency_chart, table_sources


def _values(spec: dict) -> pd.DataFrame:
    (rows,) = spec["datasets"].values()
    return pd.DataFrame(rows)


def test_dependency_chart_has_one_line_per_series_and_names_every_source() -> None:
    points = load_dependency()
    figure = dependency_chart(dependency_series(points))
    spec = figure.chart.to_dict()
    data = _values(spec)
    encoding = spec["spec"]["encoding"]  # one panel per importer
    assert spec["facet"]["row"]["field"] == "importer"
    assert set(data["importer"]) == {"JPN", "USA", "EU"}
    assert spec["facet"]["row"]["sort"][0] == "JPN"
    assert encoding["color"]["field"] == "label"
    assert encoding["strokeDash"]["field"] == "basis"  # bases look different too
    # each panel has its own colours and legend, with enough colours and label room for
    # every series of its importer
    assert spec["resolve"]["scale"]["color"] == "independent"
    assert encoding["color"]["scale"]["scheme"] == "tableau20"
    assert points.groupby("importer")["series_id"].nunique().max() <= 20
    assert encoding["color"]["legend"]["labelLimit"] >= 300
    assert data["label"].nunique() == points["series_id"].nunique()
    assert len(data) == len(points)
    assert data["share_pct"].tolist() == dependency_series(points)["share_pct"].tolist()
    for publisher in points["source_publisher"].dropna().unique():
        assert publisher in figure.caption
    assert "never merged" in figure.caption
    assert "Importers: JPN, EU, USA" in figure.caption


def test_capacity_chart_keeps_units_apart_and_cites_features(mini_dir: Path) -> None:
    frames = load_dataset(mini_dir).frames
    figure = capacity_chart(frames)
    spec = figure.chart.to_dict()
    data = _values(spec).set_index(["capacity_unit", "country", "stage"])
    # mini: Mount Weld 10,000 t/yr REO (AUS, mining, operating), Mountain Pass 40,000 t/yr
    # REO (USA), Lynas Malaysia 10,500 t/yr NdPr oxide (MYS, separation)
    assert data.loc[("t/yr REO", "AUS", "mining"), "capacity"] == 10_000
    assert data.loc[("t/yr NdPr oxide", "MYS", "separation"), "capacity"] == 10_500
    assert spec["facet"]["row"]["field"] == "capacity_unit"
    assert spec["resolve"]["scale"]["y"] == "independent"
    assert "reemap tests" in figure.caption  # the fixture's source publisher
    assert "units never added" in figure.caption


def test_concentration_chart_carries_the_hhi_and_the_flows_sources() -> None:
    flows = load_flows()
    imports = imports_by_origin(flows)
    into = flows[flows["destination"] == "JPN"]
    figure = concentration_chart(imports, concentration(imports), table_sources(into))
    data = _values(figure.chart.to_dict())
    jan = data[(data["period"] == "2026-01") & (data["origin"] == "CHN")].iloc[0]
    assert jan["tonnage"] == 1127
    assert round(jan["hhi"]) == 6499  # tests/test_dependency.py has the arithmetic
    assert "Discovery Alert" in figure.caption
    assert "only over the origins the data holds" in figure.caption
