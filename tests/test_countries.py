"""Country statistics (data/country_stats.csv): USGS's own figures, marks and revisions."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from geo.errors import DataError
from layers.choropleth import choropleth_values, class_labels
from layers.countries import (
    china_share,
    countries_with_statistics,
    current,
    load_country_stats,
    share_series,
    world_total,
    year_table,
)
from reemap.cli import main
from ui.country_charts import china_share_chart, production_chart


@pytest.fixture(scope="module")
def stats() -> pd.DataFrame:
    return load_country_stats()


def _one(stats: pd.DataFrame, edition: str, country: str, year: int, measure: str) -> pd.Series:
    rows = stats[
        (stats["edition"] == edition)
        & (stats["country"] == country)
        & (stats["year"] == year)
        & (stats["measure"] == measure)
    ]
    assert len(rows) == 1, (edition, country, year, measure)
    return rows.iloc[0]


def test_mcs_2025_totals_as_usgs_states_them(stats: pd.DataFrame) -> None:
    # MCS 2025, World Mine Production and Reserves: "China 14 255,000 14 270,000 44,000,000",
    # "World total (rounded) 376,000 390,000 >90,000,000"
    world_prod = _one(stats, "MCS 2025", "WLD", 2024, "mine_production")
    china_prod = _one(stats, "MCS 2025", "CHN", 2024, "mine_production")
    world_res = _one(stats, "MCS 2025", "WLD", 2024, "reserves")
    china_res = _one(stats, "MCS 2025", "CHN", 2024, "reserves")
    assert (world_prod["value"], world_prod["qualifier"]) == (390_000, None)
    assert china_prod["value"] == 270_000
    assert (world_res["value"], world_res["qualifier"]) == (90_000_000, ">")
    assert china_res["value"] == 44_000_000
    assert _one(stats, "MCS 2025", "WLD", 2023, "mine_production")["value"] == 376_000
    assert all(r["unit"] == "t REO" for r in (world_prod, china_prod, world_res, china_res))


def test_mcs_2022_totals_as_usgs_states_them(stats: pd.DataFrame) -> None:
    # MCS 2022 data release, world table: "MCS2022,China,...,140000,168000",
    # "MCS2022,World total (rounded),...,240000,280000" (2020, 2021 estimated)
    china_2021 = _one(stats, "MCS 2022", "CHN", 2021, "mine_production")
    world_2021 = _one(stats, "MCS 2022", "WLD", 2021, "mine_production")
    assert (china_2021["value"], bool(china_2021["estimated"])) == (168_000, True)
    assert (world_2021["value"], world_2021["qualifier"]) == (280_000, None)
    # MCS 2023 revised the 2021 total to 290,000: the older row stays, marked
    assert world_2021["superseded_by"] == "MCS 2023"
    assert world_total(stats, "production", 2021)["value"] == 290_000
    assert _one(stats, "MCS 2022", "WLD", 2020, "mine_production")["value"] == 240_000
    assert _one(stats, "MCS 2022", "CHN", 2020, "mine_production")["value"] == 140_000
    share = china_share(stats, "production", 2020)
    assert share is not None and share.text() == "58.3%"  # 140,000 / 240,000


def test_a_later_edition_wins_and_the_older_row_stays(stats: pd.DataFrame) -> None:
    old = _one(stats, "MCS 2025", "AUS", 2024, "mine_production")
    new = _one(stats, "MCS 2026 v1.3", "AUS", 2024, "mine_production")
    assert (old["value"], old["superseded_by"]) == (13_000, "MCS 2026 v1.3")
    assert (new["value"], new["superseded_by"]) == (29_000, None)
    # a revision inside an edition: version 1.3 cut Brazil's reserves and the world total
    v10 = _one(stats, "MCS 2026 data release v1.0", "BRA", 2025, "reserves")
    assert (v10["value"], v10["superseded_by"]) == (21_000_000, "MCS 2026 v1.3")
    assert world_total(stats, "reserves", 2025)["value"] == 75_000_000
    live = current(stats)
    assert not live.duplicated(["country", "year", "measure"]).any()


def test_usgs_marks_are_kept_not_turned_into_numbers(stats: pd.DataFrame) -> None:
    burma = _one(stats, "MCS 2026 v1.3", "MMR", 2025, "reserves")
    assert burma["flag"] == "NA" and pd.isna(burma["value"])
    canada = _one(stats, "MCS 2026 v1.3", "CAN", 2025, "mine_production")
    assert canada["flag"] == "zero" and canada["value"] == 0
    exporter = _one(stats, "MCS 2026 v1.3", "USA", 2025, "net_import_reliance_mineral_concentrates")
    assert exporter["flag"] == "E" and pd.isna(exporter["value"])
    reliance = _one(stats, "MCS 2026 v1.3", "USA", 2023, "net_import_reliance_compounds_metals")
    assert (reliance["qualifier"], reliance["value"]) == (">", 90)
    assert bool(_one(stats, "MCS 2026 v1.3", "USA", 2025, "mine_production")["estimated"])
    assert not bool(_one(stats, "MCS 2026 v1.3", "USA", 2024, "mine_production")["estimated"])


def test_year_table_puts_china_first_and_uses_the_stated_total(stats: pd.DataFrame) -> None:
    table = year_table(stats, "production", 2024)
    assert list(table["country"][:2]) == ["CHN", "USA"]
    assert table["country"].iloc[-1] == "WLD"
    assert table["value"].iloc[-1] == 380_000  # MCS 2026's rounded total, not a sum
    assert table.loc[table["country"] == "CHN", "share_of_world_pct"].iat[0] == 71.1
    assert year_table(stats, "production", 1990).empty


def test_china_share_is_a_bound_when_the_total_is(stats: pd.DataFrame) -> None:
    share = china_share(stats, "reserves", 2024)
    assert share is not None and share.bound == "<" and share.text() == "under 48.9%"
    prod = share_series(stats, "production")
    # every year with a stated world total and a China figure, ascending (MCS 2022-2026)
    assert list(prod["year"]) == sorted(prod["year"]) and {2023, 2024, 2025} <= set(prod["year"])
    assert prod.set_index("year").loc[2025, "share_pct"] == 69.2


def test_bad_rows_are_reported_one_line_each(tmp_path: Path) -> None:
    good = Path(__file__).resolve().parent.parent / "data" / "country_stats.csv"
    frame = pd.read_csv(good, dtype=str, keep_default_na=False)
    frame.loc[0, "flag"] = "NA"  # a number where USGS gives none
    frame.loc[1, "unit"] = "t"
    frame.loc[2, "superseded_by"] = "MCS 2099"
    bad = tmp_path / "stats.csv"
    frame.to_csv(bad, index=False)
    with pytest.raises(DataError) as info:
        load_country_stats(bad)
    text = str(info.value)
    assert "given where USGS says NA" in text
    assert "unit: 't'" in text
    assert "current rows" in text or "superseded_by" in text


def test_choropleth_tells_no_data_from_zero(stats: pd.DataFrame) -> None:
    values = choropleth_values(stats, "production", 2024, ["CHN", "CAN", "FRA", "MMR"])
    state = dict(zip(values["country"], values["state"], strict=True))
    # Canada: USGS prints "—" (zero); France is not in USGS's table (no data, not zero)
    assert state == {"CHN": "value", "CAN": "zero", "FRA": "no data", "MMR": "value"}
    france = values[values["country"] == "FRA"].iloc[0]
    assert pd.isna(france["value"]) and pd.isna(france["class_index"])
    reserves = choropleth_values(stats, "reserves", 2025, ["MMR"])
    assert reserves["state"].iat[0] == "not available"  # USGS: NA
    assert class_labels("production")[0] == "over 0 to 1,000 t REO"
    assert class_labels("reserves")[-1] == "20,000,000 t REO or more"


def test_countries_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["countries", "--measure", "production", "--year", "2024"]) == 0
    text = capsys.readouterr().out
    lines = text.splitlines()
    assert lines[2].startswith("CHN") and "270,000" in lines[2]
    assert "World total (USGS, rounded): 380,000 t REO. China's share: 71.1%." in text
    assert main(["countries", "--measure", "reserves", "--year", "2024", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["world_total"]["value"] == 90_000_000 and doc["world_total"]["qualifier"] == ">"
    assert doc["china_share_bound"] == "<" and doc["rows"][0]["country"] == "CHN"
    assert main(["countries", "--year", "1990"]) == 2
    assert "2023, 2024, 2025" in capsys.readouterr().err  # the message lists the years


def test_layers_lists_the_occurrences(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["layers"]) == 0
    row = next(x for x in capsys.readouterr().out.splitlines() if x.startswith("occurrences"))
    assert int(row.split()[1]) >= 500


def test_layers_lists_the_countries_statistics(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, stats: pd.DataFrame
) -> None:
    assert main(["layers"]) == 0
    row = next(x for x in capsys.readouterr().out.splitlines() if x.startswith("countries "))
    _name, count, shown = row.split()
    # features: the countries with statistics, never USGS's world total or "Other countries"
    assert shown.endswith("country_stats.csv")
    assert int(count) == len(countries_with_statistics(stats)) == 17
    assert {"CHN", "USA", "BDI", "NGA"} <= set(countries_with_statistics(stats))
    assert not {"WLD", "OTH"} & set(countries_with_statistics(stats))
    # a data folder without the table: listed, with no features and no file
    assert main(["--data-dir", str(tmp_path), "layers"]) == 0
    row = next(x for x in capsys.readouterr().out.splitlines() if x.startswith("countries "))
    assert row.split()[1:] == ["0", "(no", "file)"]


def test_charts_draw_current_figures_and_usgs_totals(stats: pd.DataFrame) -> None:
    fig = production_chart(stats)
    spec = fig.chart.to_dict()
    data = list(spec["datasets"].values())
    bars = next(d for d in data if any(r.get("country") == "CHN" for r in d))
    ticks = next(d for d in data if d and "country" not in d[0])
    # Australia 2024 is MCS 2026's 29,000, never MCS 2025's superseded 13,000
    aus = [r["value"] for r in bars if r["country"] == "AUS" and r["year"] == 2024]
    assert aus == [29_000]
    assert not any(r["country"] == "WLD" for r in bars)  # the total is drawn apart
    totals = {r["year"]: r["value"] for r in ticks}
    assert {y: totals[y] for y in (2023, 2024, 2025)} == {2023: 376_000, 2024: 380_000,
                                                          2025: 390_000}
    assert "not a sum" in fig.caption and "USGS MCS 2026 v1.3" in fig.caption
    share = china_share_chart(stats)
    rows = next(iter(share.chart.to_dict()["datasets"].values()))
    reserves = {r["year"]: r for r in rows if r["measure"] == "reserves"}
    assert reserves[2024]["kind"] == "upper bound" and reserves[2024]["text"] == "under 48.9%"
