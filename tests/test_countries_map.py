"""The country choropleth and the USGS occurrences on the generated map (its payloads)."""

from __future__ import annotations

import base64

import numpy as np
import pytest

from layers.catalog import load_layer
from layers.choropleth import choropleth_frame, class_labels
from layers.countries import load_country_stats
from layers.validate import country_outlines
from ui import style
from ui.mapview import build_map, map_html
from ui.pointlayer import payloads


def _decode(text: str, dtype: str) -> np.ndarray:
    return np.frombuffer(base64.b64decode(text), dtype=dtype)


@pytest.fixture(scope="module")
def outlines():  # type: ignore[no-untyped-def]
    keep = ["CHN", "CAN", "FRA", "MMR", "AUS"]
    out = country_outlines()
    return out[out["iso_a3"].isin(keep)].reset_index(drop=True)


def _fill(html: str, codes: list[str], code: str) -> tuple[str, bool]:
    """The fill colour of a country and whether its outline is dashed (payload order is
    the frame's order)."""
    layer = payloads(html)["countries"]
    i = codes.index(code)
    color = layer["pal"][int(_decode(layer["c"], "uint8")[i])]
    return color, i in layer.get("dash", [])


def test_a_missing_country_draws_no_data_not_zero(outlines) -> None:  # type: ignore[no-untyped-def]
    stats = load_country_stats()
    frame = choropleth_frame(stats, "production", 2024, outlines)
    legend = style.choropleth_legend("Mine production 2024", class_labels("production"))
    html = map_html(build_map({}, choropleth=frame, choropleth_legend=legend))
    codes = list(frame["country"])
    france, france_dashed = _fill(html, codes, "FRA")  # France is not in USGS's table
    canada, canada_dashed = _fill(html, codes, "CAN")  # USGS prints a dash: zero
    china, _ = _fill(html, codes, "CHN")
    assert france == style.NO_DATA_COLOR and france_dashed
    assert canada == style.ZERO_COLOR and not canada_dashed
    assert france != canada
    assert china == style.CHOROPLETH_COLORS[-1]  # 270,000 t: the top class
    assert "no data: not in USGS" in html and "100,000 t REO or more" in html
    row = frame[frame["country"] == "FRA"].iloc[0]
    assert row["figure"].startswith("no data") and row["state"] == "no data"


def test_not_available_is_its_own_class(outlines) -> None:  # type: ignore[no-untyped-def]
    frame = choropleth_frame(load_country_stats(), "reserves", 2025, outlines)
    html = map_html(build_map({}, choropleth=frame))
    codes = list(frame["country"])
    burma, _ = _fill(html, codes, "MMR")  # USGS: NA
    assert burma == style.NOT_AVAILABLE_COLOR


def test_occurrences_are_small_muted_and_below_the_mines() -> None:
    occ = load_layer("occurrences")
    mines = load_layer("mines")
    html = map_html(build_map({"mines": mines, "occurrences": occ}))
    found = payloads(html)
    layer = found["occurrences"]
    assert layer["n"] == int(occ["curated_mine_id"].isna().sum())  # each site drawn once
    assert layer["pal"] == [style.OCCURRENCE_COLOR]
    radii = _decode(layer["r"], "uint8")
    assert radii.max() < _decode(found["mines"]["r"], "uint8").min()
    assert html.index('"name":"occurrences"') < html.index('"name":"mines"')
    rows = [r[0] for r in layer["spec"]["rows"]]
    assert "USGS record" in rows
    assert "USGS rare-earth occurrences" in html  # the legend entry
