"""Every page as a reader sees it (issue 15), through AppTest on the bundled data: labels
people read (no field ids), no cell drawn as "None", charts, the ownership diagram, and
an asset's own page."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from geo import settings
from ui.readable import is_raw_label

PAGES = {
    "map": {},
    "routes": {"section": "routes"},
    "analysis": {"section": "analysis"},
    "asset": {"asset": "mines/mount-weld"},
}


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> dict[str, AppTest]:
    """Each page run once on the bundled data (no user layers)."""
    mp = pytest.MonkeyPatch()
    mp.delenv("REEMAP_DATA_DIR", raising=False)
    mp.setattr(settings, "STORE_PATH", tmp_path_factory.mktemp("store") / "none.gpkg")
    out = {}
    for name, params in PAGES.items():
        at = AppTest.from_file("../app.py", default_timeout=120)
        for key, value in params.items():
            at.query_params[key] = value
        at.run()
        assert not at.exception, (name, at.exception)
        out[name] = at
    yield out
    mp.undo()


def _labels(frame_element) -> list[str]:
    """The column labels a reader sees: column_config's label, else the column's name."""
    config = json.loads(frame_element.proto.columns or "{}")
    order = list(frame_element.proto.column_order) or list(frame_element.value.columns)
    hidden = {c for c, cfg in config.items() if cfg.get("hidden")}
    return [config.get(c, {}).get("label") or c for c in order if c not in hidden]


@pytest.mark.parametrize("page", list(PAGES))
def test_no_table_shows_a_field_id_as_its_label(pages, page) -> None:
    frames = pages[page].dataframe
    assert len(frames), f"{page}: no table"
    raw = [(page, label) for f in frames for label in _labels(f) if is_raw_label(label)]
    assert raw == []


@pytest.mark.parametrize("page", list(PAGES))
def test_no_cell_is_drawn_as_none(pages, page) -> None:
    for f in pages[page].dataframe:
        if f.value.isna().any().any():  # missing cells exist: the table names them "—"
            assert f.proto.placeholder and f.proto.placeholder != "None", _labels(f)
        assert not f.value.astype(str).isin(["None", "nan"]).any().any(), _labels(f)


def test_at_least_six_charts_across_the_pages(pages) -> None:
    charts = {name: len(at.get("vega_lite_chart")) for name, at in pages.items()}
    assert sum(charts.values()) >= 6, charts
    assert charts["analysis"] >= 5 and charts["routes"] >= 1


def test_the_jogmec_diagram_holds_its_assets_and_stakes(pages) -> None:
    dots = [g.proto.spec for g in pages["analysis"].get("graphviz_chart")]
    dot = next(d for d in dots if "What JOGMEC holds" in d)
    for name in ("Lofdal", "Mount Weld", "Lynas Advanced Materials Plant (LAMP)",
                 "Lynas Kalgoorlie Rare Earths Processing Facility"):
        assert name in dot
    assert '"jogmec" -> "mines/lofdal" [label="40%"]' in dot
    assert '"jare" -> "lynas" [label="3%"]' in dot
    assert "stake not stated" in dot


def test_the_asset_page_shows_figures_with_sources_and_the_owners(pages) -> None:
    at = pages["asset"]
    assert "Mount Weld" in [h.value for h in at.header]
    figures = next(f.value for f in at.dataframe if "Figure" in f.value.columns)
    capacity = figures.set_index("Figure").loc["Capacity"]
    assert capacity["Value"] == "12,000 t/yr NdPr oxide"
    assert capacity["Source"] not in ("", "no source named")
    assert capacity["Kind"] in ("primary", "press", "secondary")
    dot = at.get("graphviz_chart")[0].proto.spec
    assert "Who owns Mount Weld" in dot and '"jogmec"' in dot


def test_an_unknown_asset_is_named_not_a_traceback(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("REEMAP_DATA_DIR", raising=False)
    monkeypatch.setattr(settings, "STORE_PATH", tmp_path / "none.gpkg")
    at = AppTest.from_file("../app.py", default_timeout=120)
    at.query_params["asset"] = "mines/<script>"
    at.run()
    assert not at.exception
    assert any("No mine, plant or seabed area" in w.value for w in at.warning)
