"""The USGS rare-earth occurrences: the extract, the built layer, the matches to curated mines."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point

from geo import settings
from geo.errors import DataError
from layers.catalog import load_layer
from layers.occurrences import (
    build_occurrences,
    drawn_occurrences,
    match_mines,
    read_extract,
    shared_words,
)
from reemap.cli import main


@pytest.fixture(scope="module")
def extract() -> pd.DataFrame:
    return read_extract()


def test_extract_holds_every_record(extract: pd.DataFrame) -> None:
    assert len(extract) == 799
    assert int(extract["lon"].notna().sum()) == 578
    assert extract["record_id"].is_unique
    assert extract["url"].str.startswith("https://mrdata.usgs.gov/ree/show-ree.php?rec_id=").all()


def test_occurrence_layer_has_every_located_record(extract: pd.DataFrame) -> None:
    layer = build_occurrences(extract)
    assert len(layer) >= 500
    assert layer.crs.to_epsg() == 4326
    assert layer["id"].is_unique and set(layer["layer"]) == {"occurrences"}
    publishers = {s[0]["publisher"] for s in layer["sources"]}
    assert publishers == {"U.S. Geological Survey"}


def test_curated_mines_match_their_usgs_records(extract: pd.DataFrame) -> None:
    mines = load_layer("mines")
    matches = match_mines(mines, extract)
    names = dict(zip(extract["record_id"], extract["name"], strict=True))
    assert (matches["mount-weld"], names[matches["mount-weld"]]) == ("135", "Mount Weld")
    assert (matches["mountain-pass"], names[matches["mountain-pass"]]) == ("59", "Mountain Pass")
    assert (matches["bayan-obo"], names[matches["bayan-obo"]]) == ("9", "Bayan Obo (Baotou)")
    # the ids stored on the curated mines are the rule's (so the rule is what the data says);
    # a mine added without the property is left to the next build (which reports it)
    doc = json.loads((settings.DATA_DIR / "mines.geojson").read_text(encoding="utf-8"))
    stored = {
        f["properties"]["id"]: f["properties"]["usgs_ree_id"]
        for f in doc["features"]
        if "usgs_ree_id" in f["properties"]
    }
    assert len(stored) >= 53
    assert stored == {mine_id: matches.get(mine_id) for mine_id in stored}


def test_matching_needs_both_a_name_and_a_short_distance() -> None:
    extract = pd.DataFrame(
        {"record_id": ["1", "2", "3"], "name": ["Mount Weld", "Weld Range", "Elsewhere"],
         "lon": [122.55, 125.0, 122.56], "lat": [-28.87, -28.87, -28.86]}
    )  # fmt: skip
    mines = gpd.GeoDataFrame(
        {"id": ["a", "b"], "name": ["Mount Weld", "Nowhere"]},
        geometry=[Point(122.548, -28.86), Point(122.56, -28.86)],
        crs=settings.WGS84,
    )
    # record 2 shares "weld" but lies about 240 km away; record 3 is near but unnamed alike
    assert match_mines(mines, extract) == {"a": "1"}
    assert shared_words("Zandkopsdrift", "Sandkopsdrif (Zandkops Drift)") == 1
    assert shared_words("IREL Manavalakurichi beach sands", "Manavalakuruchi") == 1
    assert shared_words("Eneabba monazite stockpile", "Mount Weld") == 0


def test_two_equally_good_candidates_leave_the_mine_unmatched() -> None:
    extract = pd.DataFrame(
        {"record_id": ["1", "2"], "name": ["Eneabba West", "Eneabba North"],
         "lon": [115.3, 115.35], "lat": [-29.8, -29.9]}
    )  # fmt: skip
    mines = gpd.GeoDataFrame(
        {"id": ["e"], "name": ["Eneabba"]}, geometry=[Point(115.33, -29.87)], crs=settings.WGS84
    )
    assert match_mines(mines, extract) == {}


def test_bundled_layer_is_what_the_build_writes(tmp_path: Path) -> None:
    out = tmp_path / "occ.geojson"
    assert main(["build-occurrences", "--output", str(out)]) == 0
    assert out.read_bytes() == (settings.DATA_DIR / "occurrences.geojson").read_bytes()
    doc = json.loads(out.read_text(encoding="utf-8"))
    drawn = [f for f in doc["features"] if f["properties"]["curated_mine_id"] is None]
    shown = {f["properties"]["curated_mine_id"] for f in doc["features"]} - {None}
    assert {"mount-weld", "mountain-pass", "bayan-obo"} <= shown
    assert len(drawn) + len(shown) == len(doc["features"])


def test_bad_extract_rows_are_reported(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    frame = pd.read_csv(settings.DATA_DIR / "occurrences" / "usgs_ree_extract.csv", dtype=str,
                        keep_default_na=False).head(3)  # fmt: skip
    frame.loc[0, "lat"] = "123"
    frame.loc[1, "elements"] = '["Xx"]'
    frame.to_csv(path, index=False)
    with pytest.raises(DataError) as info:
        read_extract(path)
    assert "outside WGS84" in str(info.value) and "unknown symbol(s) Xx" in str(info.value)


def test_the_map_draws_each_site_once() -> None:
    layer = load_layer("occurrences")
    drawn = drawn_occurrences(layer)
    assert len(layer) == 578 and len(drawn) == len(layer) - layer["curated_mine_id"].notna().sum()
    assert not set(drawn["curated_mine_id"].dropna())
    assert {"mount-weld", "bayan-obo"} <= set(layer["curated_mine_id"].dropna())


def test_exports_and_filters_include_the_occurrences(tmp_path: Path) -> None:
    out = tmp_path / "occ.geojson"
    args = ["export", "--output", str(out), "--layer", "occurrences", "--element", "Dy",
            "--country", "CHN"]  # fmt: skip
    assert main(args) == 0
    features = json.loads(out.read_text(encoding="utf-8"))["features"]
    assert len(features) >= 40  # 45 Chinese records have a point (some shown by a mine)
    assert {f["properties"]["country"] for f in features} == {"CHN"}
    assert all("Dy" in f["properties"]["elements"] for f in features)
    assert features[0]["properties"]["url"].startswith("https://mrdata.usgs.gov/ree/")


def test_points_outside_their_country_are_kept_and_noted() -> None:
    layer = load_layer("occurrences")  # loads although some USGS points miss their country
    noted = layer[layer["notes"].str.contains("Kept as USGS gives it", regex=False)]
    assert 0 < len(noted) < 40
    kenya = layer[layer["id"] == "usgs-ree-136"].iloc[0]  # a Kenyan record west of Brazil
    assert kenya["geometry"].x == pytest.approx(-39.25) and "outside KEN" in kenya["notes"]
