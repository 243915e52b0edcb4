"""The Streamlit app through AppTest, on the mini dataset (hand-computed expectations).

Mini dataset: mines Mount Weld (AUS, Lynas <- JARE <- JOGMEC, 10,000 t/yr REO, 2.5% heavy),
Lofdal (NAM, JOGMEC 50%, 80%), Mountain Pass (USA, 40,000 t/yr REO), Longnan (CHN, China
Rare Earth Group, 60%), Norra Kärr (SWE, exploration, 50%); refineries Lynas Malaysia
(stages cracking + separation, 10,500 t/yr NdPr oxide) and La Rochelle (FRA); the
Minami-Torishima mud (exploration); three routes.
"""

from __future__ import annotations

import io
import json
import shutil
import zipfile
from pathlib import Path

import pytest
import streamlit.testing.v1.app_test as app_test_module
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from geo import settings
from reemap.cli import main as cli
from ui.permalink import plain

MINI = Path(__file__).resolve().parent / "data" / "mini"
EVERYTHING = {
    "seabed/minami-torishima",
    "routes/mys-jpn-2026-01", "routes/chn-jpn-2026-01", "routes/usa-chn-2024",
    "refineries/lynas-malaysia", "refineries/solvay-la-rochelle",
    "mines/mount-weld", "mines/lofdal", "mines/mountain-pass", "mines/longnan",
    "mines/norra-karr",
}
JOGMEC_HELD = {"mines/mount-weld", "mines/lofdal", "refineries/lynas-malaysia"}


class _KeptFiles(MediaFileManager):
    """The media manager AppTest uses, kept reachable after the run (downloads' bytes)."""

    last: MediaFileManager | None = None

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        _KeptFiles.last = self


@pytest.fixture
def app(monkeypatch, tmp_path):
    """Run the app on the mini data; call with URL parameters to open a permalink."""
    monkeypatch.setenv("REEMAP_DATA_DIR", str(MINI))
    monkeypatch.setattr(settings, "STORE_PATH", tmp_path / "no-imports.gpkg")  # no user layers
    monkeypatch.setattr(app_test_module, "MediaFileManager", _KeptFiles)

    def run(**params: str | list[str]) -> AppTest:
        at = AppTest.from_file("../app.py", default_timeout=60)
        for key, value in params.items():
            at.query_params[key] = value
        at.run()
        assert not at.exception, at.exception
        return at

    return run


def shown(at: AppTest) -> set[str]:
    """The features the table lists."""
    table = at.dataframe[0].value
    return {f"{layer}/{fid}" for layer, fid in zip(table["layer"], table["id"], strict=True)}


def url(at: AppTest) -> dict[str, list[str]]:
    """The app's URL parameters after the run, each as a list of values."""
    return {key: [value] if isinstance(value, str) else list(value)
            for key, value in at.query_params.items()}


def map_script(at: AppTest) -> str:
    """The map's generated HTML/JS, as the app hands it to the st_folium component."""
    (box,) = [el for el in at.main.children.values()
              if getattr(el, "proto", None) is not None
              and str(getattr(el.proto, "id", "")).endswith("-main-map")]
    found = [el for el in box if getattr(el, "type", None) == "component_instance"]
    assert len(found) == 1  # the main map (other panels draw maps of their own)
    args = json.loads(found[0].proto.json_args)
    return str(args["script"]) + str(args.get("html", "")) + str(args.get("header", ""))


def test_opens_on_every_feature_with_a_summary(app):
    at = app()
    assert shown(at) == EVERYTHING
    assert {m.label: m.value for m in at.metric} == {
        "seabed": "1", "routes": "3", "refineries": "2", "mines": "5",
    }
    assert [m.label for m in at.metric] == ["mines", "refineries", "routes", "seabed"]
    assert any("50,000 t/yr REO (2 sites)" in c.value for c in at.caption)
    assert any("not in these totals: 4 sites with no capacity figure" in c.value
               for c in at.caption)
    assert url(at) == {}


@pytest.mark.parametrize(("act", "expected", "link"), [
    (lambda at: at.multiselect(key="f_layer").select("refineries"),
     {"refineries/lynas-malaysia", "refineries/solvay-la-rochelle"}, {"layer": ["refineries"]}),
    (lambda at: at.multiselect(key="f_element").select("Tb"),
     {"mines/lofdal", "mines/longnan", "refineries/solvay-la-rochelle",
      "seabed/minami-torishima"}, {"element": ["Tb"]}),
    (lambda at: at.multiselect(key="f_owner").select("jogmec"), JOGMEC_HELD,
     {"owner": ["jogmec"]}),
    (lambda at: at.toggle(key="f_jogmec").set_value(True), JOGMEC_HELD, {"owner": ["jogmec"]}),
    (lambda at: at.toggle(key="f_state_backed").set_value(True),
     JOGMEC_HELD | {"mines/longnan"}, {"state_backed": ["1"]}),
    (lambda at: at.multiselect(key="f_country").select("AUS"), {"mines/mount-weld"},
     {"country": ["AUS"]}),
    (lambda at: at.multiselect(key="f_status").select("exploration"),
     {"mines/norra-karr", "seabed/minami-torishima"}, {"status": ["exploration"]}),
    (lambda at: at.multiselect(key="f_stage").select("cracking"),
     {"refineries/lynas-malaysia"}, {"stage": ["cracking"]}),
    (lambda at: at.slider(key="f_min_hree").set_value(50),
     {"mines/lofdal", "mines/longnan", "mines/norra-karr"}, {"min_hree": ["50"]}),
    (lambda at: at.number_input(key="f_cap_min").set_value(20_000), {"mines/mountain-pass"},
     {"min_capacity": ["20000"]}),
    (lambda at: at.number_input(key="f_cap_max").set_value(10_000), {"mines/mount-weld"},
     {"max_capacity": ["10000"]}),
    (lambda at: at.text_input(key="f_q").input("WELD"), {"mines/mount-weld"}, {"q": ["WELD"]}),
    (lambda at: at.multiselect(key="f_cap_unit").select("t/yr NdPr oxide"),
     {"refineries/lynas-malaysia"}, {"capacity_unit": ["t/yr NdPr oxide"]}),
], ids=["layer", "element", "owner", "jogmec", "state-backed", "country", "status", "stage",
        "min-hree", "capacity-from", "capacity-to", "name", "capacity-unit"])
def test_each_filter_changes_the_shown_set_and_the_link(app, act, expected, link):
    at = app()
    act(at)
    at.run()
    assert not at.exception
    assert shown(at) == expected
    assert url(at) == link


def test_filters_combine_and_the_counts_follow(app):
    at = app()
    at.multiselect(key="f_element").select("Dy")
    at.run()
    at.multiselect(key="f_layer").select("mines")
    at.run()
    assert shown(at) == {"mines/lofdal", "mines/longnan", "mines/norra-karr"}
    # each option counts what it would show given the other filters
    layer = at.multiselect(key="f_layer")
    assert layer.format_func("refineries") == "refineries (1)"  # La Rochelle holds Dy
    status = at.multiselect(key="f_status")
    assert [status.format_func(s) for s in ("exploration", "development", "operating")] == [
        "exploration (1)", "development (1)", "operating (1)",
    ]
    assert at.multiselect(key="f_owner").format_func("jogmec") == "JOGMEC (1)"


def test_a_link_restores_the_filters(app):
    at = app(element="Dy,Tb", layer=["mines", "refineries"], min_hree="50",
             color_by="status", basemap="carto")
    assert at.multiselect(key="f_element").value == ["Dy", "Tb"]
    assert at.multiselect(key="f_layer").value == ["mines", "refineries"]
    assert at.slider(key="f_min_hree").value == 50
    assert at.radio(key="f_color_by").value == "status"
    assert at.selectbox(key="f_basemap").value == "carto"
    assert shown(at) == {"mines/lofdal", "mines/longnan", "mines/norra-karr"}


def test_the_design_example_link_restores_its_view(app):
    at = app(layer="mines", element="Nd", owner="JOGMEC", country="AUS", status="operating")
    assert at.multiselect(key="f_owner").value == ["jogmec"]
    assert at.toggle(key="f_jogmec").value is True
    assert shown(at) == {"mines/mount-weld"}
    assert not at.warning


def test_a_bad_link_value_is_named_and_dropped(app):
    at = app(element="Dy,Unobtainium", owner="Nobody")
    assert {w.value for w in at.warning} == {  # Markdown-escaped: shown as typed
        "Ignored in the link: " + plain("element: unknown value 'Unobtainium'"),
        "Ignored in the link: " + plain("owner: no entity is named 'Nobody'"),
    }
    assert at.multiselect(key="f_element").value == ["Dy"]
    assert url(at) == {"element": ["Dy"]}


def test_other_panels_url_keys_are_left_alone(app):
    at = app(period="2025", element="Dy")
    at.multiselect(key="f_element").unselect("Dy")
    at.run()
    assert url(at) == {"period": ["2025"]}


def _downloads(at: AppTest) -> dict[str, tuple[str, bytes]]:
    """Click each download: run its deferred writer as Streamlit does; name -> file."""
    out = {}
    files = _KeptFiles.last
    for button in at.get("download_button"):
        if button.label in {"GeoJSON", "GeoPackage", "CSV"}:
            address = files.execute_deferred(button.proto.deferred_file_id)
            media = files._storage.get_file(address.rsplit("/", 1)[-1])
            out[button.label] = (media.filename, media.content)
    return out


@pytest.mark.parametrize(("label", "fmt"), [("GeoJSON", "geojson"), ("GeoPackage", "gpkg"),
                                            ("CSV", "csv")])
def test_downloads_are_the_cli_bytes(app, tmp_path, monkeypatch, label, fmt):
    monkeypatch.setenv("OGR_CURRENT_DATE", "2026-01-01T00:00:00Z")  # GeoPackage timestamps
    at = app(layer="mines", element="Dy", owner="JOGMEC")
    out = tmp_path / f"cli.{fmt}"
    assert cli(["--data-dir", str(MINI), "export", "--output", str(out), "--layer", "mines",
                "--element", "Dy", "--owner", "JOGMEC", "--format", fmt]) == 0
    name, data = _downloads(at)[label]
    assert name == f"reemap.{fmt}"
    assert data == out.read_bytes()


def test_several_layers_download_as_the_cli_folder(app, tmp_path):
    at = app(status="exploration")
    out = tmp_path / "cli"
    assert cli(["--data-dir", str(MINI), "export", "--output", str(out),
                "--status", "exploration", "--format", "csv"]) == 0
    name, data = _downloads(at)["CSV"]
    assert name == "reemap-csv.zip"
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = {Path(n).name: archive.read(n) for n in archive.namelist()}
    assert members == {p.name: p.read_bytes() for p in out.iterdir()}


def test_the_map_holds_the_shown_features(app):
    at = app()
    script = map_script(at)
    for name in ("Mount Weld", "Lofdal", "Lynas Malaysia", "Minami-Torishima mud"):
        assert name in script
    at.multiselect(key="f_element").select("Tb")
    at.run()
    script = map_script(at)
    assert "Lofdal" in script and "La Rochelle" in script
    assert "Mount Weld" not in script and "Mountain Pass" not in script


def test_colour_and_basemap_choices_reach_the_map_and_the_link(app):
    at = app()
    assert "tile.openstreetmap.org" not in map_script(at)  # offline outlines by default
    at.selectbox(key="f_basemap").select("osm")
    at.radio(key="f_color_by").set_value("status")
    at.run()
    assert "tile.openstreetmap.org" in map_script(at)
    assert url(at) == {"color_by": ["status"], "basemap": ["osm"]}


def test_turning_jogmec_off_clears_it_from_the_owner_filter(app):
    at = app(owner="JOGMEC,lynas")
    assert at.toggle(key="f_jogmec").value is True
    at.toggle(key="f_jogmec").set_value(False)
    at.run()
    assert at.multiselect(key="f_owner").value == ["lynas"]
    assert shown(at) == {"mines/mount-weld", "refineries/lynas-malaysia"}
    assert url(at) == {"owner": ["lynas"]}


def test_the_toggles_count_what_they_would_show(app):
    at = app(layer="mines")
    # mines: JOGMEC holds Mount Weld and Lofdal; China Rare Earth Group (state) Longnan
    assert at.toggle(key="f_jogmec").label == "JOGMEC-linked only (2)"
    assert at.toggle(key="f_state_backed").label == "State-backed owners only (3)"
    at.toggle(key="f_state_backed").set_value(True)
    at.run()
    assert shown(at) == {"mines/mount-weld", "mines/lofdal", "mines/longnan"}
    assert at.toggle(key="f_state_backed").value is True


def test_broken_data_is_named_line_by_line_not_a_traceback(monkeypatch, tmp_path):
    folder = tmp_path / "data"
    shutil.copytree(MINI, folder)
    path = folder / "mines.geojson"
    collection = json.loads(path.read_text(encoding="utf-8"))
    collection["features"][1]["properties"]["status"] = "dreaming"
    path.write_text(json.dumps(collection), encoding="utf-8")
    monkeypatch.setenv("REEMAP_DATA_DIR", str(folder))
    monkeypatch.setattr(settings, "STORE_PATH", tmp_path / "no-imports.gpkg")
    at = AppTest.from_file("../app.py", default_timeout=60)
    at.run()
    assert not at.exception
    assert at.error[0].value.startswith("The data cannot be loaded")
    (problem,) = at.code[0].value.splitlines()
    assert problem.startswith(f"{path}: lofdal: status:")
    assert not at.dataframe  # nothing half-drawn


def test_a_fractional_heavy_ree_link_is_kept(app):
    at = app(min_hree="52.5")
    assert at.slider(key="f_min_hree").value == 52.5
    assert shown(at) == {"mines/lofdal", "mines/longnan"}
    assert url(at) == {"min_hree": ["52.5"]}


def test_a_link_zooms_to_a_feature_and_the_row_is_selected(app):
    at = app(layer="mines", focus="mines/lofdal")
    # Lofdal (14.82 E, 20.12 S), padded half a degree each side
    assert "[[-20.62, 14.32], [-19.62, 15.32]]" in map_script(at)
    assert at.dataframe[0].proto.selection_mode  # rows are selectable
    assert url(at) == {"layer": ["mines"], "focus": ["mines/lofdal"]}


def test_a_focus_the_filters_leave_out_is_dropped(app):
    at = app(focus="mines/lofdal")
    at.multiselect(key="f_country").select("AUS")
    at.run()
    assert "[[-20.62, 14.32]" not in map_script(at)
    assert url(at) == {"country": ["AUS"]}


@pytest.mark.parametrize(
    "params",
    [{"country": "MYS", "min_hree": "10"}, {"layer": "seabed", "min_hree": "30"},
     {"layer": "routes", "country": "JPN"}],
)
def test_a_filter_that_keeps_nothing_shows_an_empty_view(app, params):
    # found by bench/load.py: an empty table used to crash the page (float + str)
    at = app(**params)
    assert shown(at) == set()
    assert at.dataframe[0].value.empty
    assert [b.label for b in at.get("download_button")][-3:] == ["GeoJSON", "GeoPackage", "CSV"]


def test_the_upload_panel_is_built_only_when_opened(app):
    at = app()
    assert at.get("file_uploader") == []  # closed: nothing built, nothing sent
    at.session_state["up_open"] = True  # what opening the expander sets
    at.run()
    assert not at.exception
    assert len(at.get("file_uploader")) == 1
    assert at.text_input(key="up_label").label == "Label (a slug, e.g. my-sites)"


def test_a_layer_imported_meanwhile_shows_on_the_next_run(app, tmp_path):
    # the dataset is cached per data folder and store version: an import (from any session
    # or `reemap import`) is seen on the next run, with no cache cleared by hand
    from layers.imports import import_file

    at = app()
    assert shown(at) == EVERYTHING
    import_file(Path(__file__).resolve().parent / "data" / "corpus" / "accented_names.geojson",
                label="nordic")
    at.run()
    assert not at.exception
    assert shown(at) == EVERYTHING | {"mines/nordic--norra-karr", "mines/nordic--kvanefjeld"}
