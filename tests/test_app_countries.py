"""The country statistics in the app (AppTest): the choropleth's sidebar controls, its
layer on the map, and the countries tab of the analysis page."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from geo import settings

MINI = Path(__file__).resolve().parent / "data" / "mini"


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "data"
    shutil.copytree(MINI, folder)
    shutil.copy(settings.ROOT / "data" / "country_stats.csv", folder / "country_stats.csv")
    monkeypatch.setenv("REEMAP_DATA_DIR", str(folder))
    monkeypatch.setattr(settings, "STORE_PATH", tmp_path / "no-imports.gpkg")
    return folder


def _map_script(at: AppTest) -> str:
    (box,) = [el for el in at.main.children.values()
              if getattr(el, "proto", None) is not None
              and str(getattr(el.proto, "id", "")).endswith("-main-map")]  # fmt: skip
    (found,) = [el for el in box if getattr(el, "type", None) == "component_instance"]
    args = json.loads(found.proto.json_args)
    return str(args["script"]) + str(args.get("html", ""))


def test_the_sidebar_colours_the_countries_by_year(data_dir: Path) -> None:
    at = AppTest.from_file("../app.py", default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    assert '"name":"countries"' not in _map_script(at)  # off until chosen
    at.selectbox(key="f_stat").set_value("production").run()
    assert not at.exception, at.exception
    slider = at.select_slider(key="f_stat_year")
    assert slider.value == 2025  # the latest year
    # the slider covers every year an edition gives, MCS 2022's 2020 included
    assert [int(y) for y in slider.options] == [2020, 2021, 2022, 2023, 2024, 2025]
    at.select_slider(key="f_stat_year").set_value(2023).run()
    script = _map_script(at)
    assert "Mine production 2023 (USGS)" in script
    assert "no data: not in USGS" in script  # its own legend class, never zero


def test_the_countries_tab_shows_usgs_totals(data_dir: Path) -> None:
    at = AppTest.from_file("../app.py", default_timeout=60)
    at.query_params["section"] = "analysis"
    at.run()
    assert not at.exception, at.exception
    captions = " ".join(c.value for c in at.caption)
    assert "World total as USGS states it: 390,000 t REO (MCS 2026 v1.3)" in captions
    assert "China's share: 69.2%" in captions
    tables = [t.value for t in at.dataframe if "ISO code" in t.value.columns]  # as shown
    assert tables and tables[0]["ISO code"].iloc[0] == "CHN"
