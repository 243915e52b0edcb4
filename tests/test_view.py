"""The app's pure parts (ui.view) on the mini dataset, with hand-computed expectations.

Mini dataset: mines Mount Weld (AUS, Lynas <- JARE <- JOGMEC, 10,000 t/yr REO), Lofdal
(NAM, JOGMEC 50%), Mountain Pass (USA, 40,000 t/yr REO), Longnan (CHN, China Rare Earth
Group), Norra Kärr (SWE, no owner); refineries Lynas Malaysia (10,500 t/yr NdPr oxide) and
La Rochelle; one seabed area; three routes.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from geo.errors import InputError
from layers.query import Query, apply_query
from reemap.cli import main as cli
from ui.permalink import View, filter_summary
from ui.stakes import effective_stakes
from ui.view import (
    download,
    feature_bounds,
    option_counts,
    summarise,
    table_rows,
)


def _ids(frames: dict) -> set[str]:
    return {f"{name}/{fid}" for name, gdf in frames.items() for fid in gdf["id"]}


# -- the capacity range (added to layers.query for the app) -----------------------------


def test_capacity_range_keeps_features_within_it(mini):
    big = apply_query(mini.frames, Query(capacity_min=20_000), mini.graph)
    assert _ids(big) == {"mines/mountain-pass"}
    mid = apply_query(mini.frames, Query(capacity_min=10_000, capacity_max=10_500), mini.graph)
    assert _ids(mid) == {"mines/mount-weld", "refineries/lynas-malaysia"}
    upto = apply_query(mini.frames, Query(capacity_max=10_000), mini.graph)
    assert _ids(upto) == {"mines/mount-weld"}  # a feature with no capacity is not "under"


def test_capacity_unit_makes_the_range_compare_like_with_like(mini):
    # mini: Mount Weld 10,000 and Mountain Pass 40,000 t/yr REO; Lynas Malaysia 10,500 t/yr
    # NdPr oxide. Without a unit, 10,000+ mixes the two; with one, only REO figures count.
    mixed = apply_query(mini.frames, Query(capacity_min=10_000), mini.graph)
    assert _ids(mixed) == {"mines/mount-weld", "mines/mountain-pass", "refineries/lynas-malaysia"}
    reo = Query(capacity_min=10_000, capacity_units=("t/yr REO",))
    assert _ids(apply_query(mini.frames, reo, mini.graph)) == {
        "mines/mount-weld", "mines/mountain-pass"}
    either = Query(capacity_units=("t/yr REO", "t/yr NdPr oxide"))  # OR within the kind
    assert _ids(apply_query(mini.frames, either, mini.graph)) == _ids(mixed)
    assert option_counts(mini.frames, reo, mini.graph, "capacity_units") == {
        "t/yr REO": 2, "t/yr NdPr oxide": 1}  # what each unit alone would show
    assert filter_summary(View(query=reo)) == "capacity unit: t/yr REO; capacity 10000–any"
    with pytest.raises(InputError, match="unknown capacity unit 'barrels'"):
        apply_query(mini.frames, Query(capacity_units=("barrels",)), mini.graph)


def test_empty_capacity_range_is_an_input_error(mini):
    with pytest.raises(InputError, match=r"capacity range 5\.\.1 is empty"):
        apply_query(mini.frames, Query(capacity_min=5, capacity_max=1), mini.graph)


# -- counts per option -----------------------------------------------------------------


def test_element_counts_for_all_features(mini):
    counts = option_counts(mini.frames, Query(), mini.graph, "elements")
    assert counts["Dy"] == 5  # Lofdal, Longnan, Norra Kärr, La Rochelle, the seabed mud
    assert counts["Tb"] == 4
    assert counts["Nd"] == 5
    assert "Sc" not in counts


def test_counts_ignore_their_own_kind_and_apply_the_others(mini):
    query = Query(elements=("Dy",), layers=("mines",))
    assert option_counts(mini.frames, query, mini.graph, "elements")["Nd"] == 3  # mines with Nd
    assert option_counts(mini.frames, query, mini.graph, "layers") == {
        "mines": 3, "refineries": 1, "seabed": 1,
    }
    assert option_counts(mini.frames, query, mini.graph, "statuses") == {
        "development": 1, "operating": 1, "exploration": 1,
    }


def test_owner_counts_go_up_the_chain(mini):
    counts = option_counts(mini.frames, Query(), mini.graph, "owners")
    # JOGMEC: Lofdal directly; Mount Weld and Lynas Malaysia through JARE and Lynas.
    assert counts["jogmec"] == 3
    assert counts["sojitz"] == 2
    assert counts["lynas"] == 2
    assert option_counts(mini.frames, Query(elements=("Dy",)), mini.graph, "owners")["jogmec"] == 1
    # each count is what choosing that owner alone shows
    for entity, count in counts.items():
        shown = apply_query(mini.frames, Query(owners=(entity,)), mini.graph)
        assert sum(len(g) for g in shown.values()) == count


def test_stage_counts_only_count_refineries_by_stage_and_stages(mini):
    # Lynas Malaysia: stage separation, stages [cracking, separation]; La Rochelle: separation.
    counts = option_counts(mini.frames, Query(), mini.graph, "stages")
    assert counts == {"separation": 2, "cracking": 1}
    shown = apply_query(mini.frames, Query(stages=("cracking",)), mini.graph)
    assert _ids(shown) == {"refineries/lynas-malaysia"}


def test_unknown_kind_is_refused(mini):
    with pytest.raises(ValueError, match="unknown filter kind 'colour'"):
        option_counts(mini.frames, Query(), mini.graph, "colour")


# -- summary, table, bounds, caption ---------------------------------------------------


def test_summary_counts_features_and_sums_capacity_per_unit(mini):
    summary = summarise(mini.frames)
    assert summary.features == {"seabed": 1, "routes": 3, "refineries": 2, "mines": 5}
    assert list(summary.features) == ["mines", "refineries", "routes", "seabed"]  # as read
    assert summary.total == 11
    assert summary.capacity == {"t/yr NdPr oxide": (10_500.0, 1), "t/yr REO": (50_000.0, 2)}
    # mini: Lofdal, Longnan, Norra Kärr and La Rochelle state no capacity (seabed: no site)
    assert summary.no_capacity == 4
    selected = apply_query(mini.frames, Query(owners=("jogmec",)), mini.graph)
    assert summarise(selected).capacity == {
        "t/yr NdPr oxide": (10_500.0, 1), "t/yr REO": (10_000.0, 1),
    }


def test_table_rows_hold_one_row_per_feature_with_text_columns(mini):
    selected = apply_query(mini.frames, Query(layers=("mines", "refineries")), mini.graph)
    rows = table_rows(selected)
    assert len(rows) == 7
    lofdal = rows[rows["id"] == "lofdal"].iloc[0]
    assert lofdal["owners"] == "Namibia Critical Metals (50%); JOGMEC (50%)"
    assert lofdal["elements"] == "Dy, Tb, Y"
    assert lofdal["sources"] == "reemap test fixture"
    assert pd.isna(lofdal["source"])  # the fixture's sources carry no URL
    assert set(rows[rows["layer"] == "refineries"]["stage"]) == {"separation"}
    assert rows[rows["layer"] == "mines"]["stage"].isna().all()


def test_table_shows_each_figures_source_and_checked_on(mini):
    gdf = mini.frames["mines"].head(2).copy()
    gdf["sources"] = [
        [{"title": "Annual report", "publisher": "Lynas", "date": "2025", "kind": "primary"},
         {"title": "Wire story", "publisher": "Reuters", "date": "2024-03", "kind": "press"}],
        [{"title": "Blog post", "date": "2019", "kind": "secondary"}],
    ]
    gdf["owners"] = [[{"name": "Lynas Rare Earths", "stake_pct": 100.0}],
                     [{"name": "Somebody", "stake_pct": None}]]
    gdf["figure_sources"] = [{"capacity": 1, "stake:Lynas Rare Earths": 0}, {}]
    gdf["checked_on"] = ["2026-12-05", "2026-11-22"]
    rows = table_rows({"mines": gdf})
    assert list(rows["checked_on"]) == ["2026-12-05", "2026-11-22"]
    assert rows["capacity_source"].iloc[0] == "Reuters (2024-03, press): Wire story"
    assert rows["stake_sources"].iloc[0] == "Lynas (2025, primary): Annual report"
    assert pd.isna(rows["capacity_source"].iloc[1])  # no figure names a source
    assert rows["hree_source"].isna().all()
    cols = list(rows.columns)
    assert cols.index("checked_on") == cols.index("as_of") + 1
    assert cols.index("capacity_source") == cols.index("capacity_year") + 1


def test_popups_cite_the_source_of_each_figure_row():
    from ui.style import popup_columns, popup_spec

    spec = popup_spec("mines")
    figs = dict(zip((r[0] for r in spec["rows"]), spec["figs"], strict=True))
    assert figs["Capacity"] == ["capacity"]
    assert figs["Resource"] == ["resource_mt", "grade_treo_pct"]
    assert figs["Owners"] == ["@stakes"]
    assert figs["Notes"] == []
    assert ["tonnage"] in popup_spec("routes")["figs"]
    assert {"figure_sources", "checked_on", "as_of"} <= set(popup_columns(spec))


def test_table_links_only_web_urls(mini):
    gdf = mini.frames["mines"].head(2).copy()
    gdf["sources"] = [[{"title": "a", "url": "javascript:alert(1)"}],
                      [{"title": "b", "url": None}, {"title": "c", "url": "https://example.org/c"}]]
    rows = table_rows({"mines": gdf})
    assert pd.isna(rows["source"].iloc[0])
    assert rows["source"].iloc[1] == "https://example.org/c"
    assert list(rows["sources"]) == ["a", "b; c"]


def test_table_of_nothing_has_the_columns(mini):
    empty = apply_query(mini.frames, Query(text="no such name"), mini.graph)
    rows = table_rows(empty)
    assert len(rows) == 0
    assert "name" in rows.columns and "source" in rows.columns


def test_feature_bounds_pad_a_point(mini):
    assert feature_bounds(mini.frames, "mines", "mount-weld", pad_deg=1) == pytest.approx(
        (121.55, -29.86, 123.55, -27.86)
    )
    assert feature_bounds(mini.frames, "mines", "nowhere") is None


# -- downloads: the CLI's bytes --------------------------------------------------------


@pytest.mark.parametrize("fmt", ["geojson", "csv", "gpkg"])
def test_one_layer_download_is_the_cli_file(mini, tmp_path, monkeypatch, fmt):
    monkeypatch.setenv("OGR_CURRENT_DATE", "2026-01-01T00:00:00Z")  # GeoPackage timestamps
    data_dir = str(Path(__file__).resolve().parent / "data" / "mini")
    out = tmp_path / f"x.{fmt}"
    assert cli(["--data-dir", data_dir, "export", "--output", str(out), "--layer", "mines",
                "--element", "Dy", "--format", fmt]) == 0
    selected = apply_query(mini.frames, Query(layers=("mines",), elements=("Dy",)), mini.graph)
    name, mime, data = download(selected, fmt)
    assert name == f"reemap.{fmt}"
    assert mime
    assert data == out.read_bytes()


def test_several_layers_zip_the_cli_folder(mini, tmp_path):
    data_dir = str(Path(__file__).resolve().parent / "data" / "mini")
    out = tmp_path / "out"
    assert cli(["--data-dir", data_dir, "export", "--output", str(out), "--owner", "JOGMEC"]) == 0
    selected = apply_query(mini.frames, Query(owners=("JOGMEC",)), mini.graph)
    name, mime, data = download(selected, "geojson")
    assert (name, mime) == ("reemap-geojson.zip", "application/zip")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = {Path(n).name: archive.read(n) for n in archive.namelist()}
    assert members == {p.name: p.read_bytes() for p in out.iterdir()}
    assert len(members) == len(mini.frames)


def test_effective_stakes_look_through_the_chain(mini):
    stakes = effective_stakes(mini.frames, mini.graph)
    # JOGMEC 50% of JARE, JARE 10% of Lynas, Lynas 100% of Mount Weld: 5%.
    assert stakes["mines/mount-weld"] == {"JOGMEC": pytest.approx(5.0)}
    assert stakes["mines/lofdal"] == {"JOGMEC": pytest.approx(50.0)}
    assert "mines/longnan" not in stakes  # China Rare Earth Group's stake is of unknown size
    assert "mines/mountain-pass" not in stakes


def test_a_data_folder_without_outlines_uses_the_bundled_ones(monkeypatch, tmp_path):
    # The app and `reemap --data-dir` run on folders like tests/data/mini (no outlines).
    from geo import settings
    from layers import validate

    monkeypatch.setattr(settings, "DATA_DIR", tmp_path)
    validate.country_outlines.cache_clear()
    try:
        outlines = validate.country_outlines()
    finally:
        validate.country_outlines.cache_clear()
    assert len(outlines) > 100


def test_table_lists_the_top_of_the_map_first(mini):
    rows = table_rows(mini.frames)
    assert list(dict.fromkeys(rows["layer"])) == ["mines", "refineries", "routes", "seabed"]


def test_effective_stakes_are_the_graphs_ranges_of_the_shown_features(mini_dir: Path) -> None:
    from layers.catalog import load_dataset
    from layers.ownership import asset_key

    dataset = load_dataset(mini_dir)
    graph = dataset.graph
    expected: dict[str, dict[str, float]] = {}
    shown = {asset_key(layer, fid) for layer, gdf in dataset.frames.items() for fid in gdf["id"]}
    for entity in sorted(e.id for e in graph.entities.values() if e.state_backed):
        for node, stake in graph.stake_ranges(entity).items():  # every node, no shortcut
            if node in shown and stake.exact and stake.low > 0:
                expected.setdefault(node, {})[graph.name(entity)] = stake.low
    assert expected  # the mini data has JOGMEC's look-through stake in Mount Weld
    assert effective_stakes(dataset.frames, graph) == expected
    mines = {"mines": dataset.frames["mines"].iloc[:1]}
    first = asset_key("mines", mines["mines"]["id"].iloc[0])
    assert effective_stakes(mines, graph) == {k: v for k, v in expected.items() if k == first}


def test_effective_stakes_leave_out_layers_drawn_in_grid_cells(mini, monkeypatch) -> None:
    from geo import settings

    assert "mines/lofdal" in effective_stakes(mini.frames, mini.graph)
    monkeypatch.setattr(settings, "MAX_POINTS_DRAWN", len(mini.frames["mines"]) - 1)
    stakes = effective_stakes(mini.frames, mini.graph)
    assert not any(key.startswith("mines/") for key in stakes)


def test_table_text_of_shared_objects_is_each_rows_own(mini) -> None:
    import copy

    mines = mini.frames["mines"]
    # rows 0 and 2 share row 0's owner, element and source objects (as a pooled read
    # holds them); the same rows with their own copies must read the same
    pooled = mines.iloc[[0, 1, 0, 2, 0]].reset_index(drop=True)
    for column in ("owners", "elements", "sources", "figure_sources"):
        values = pooled[column].tolist()
        values[2] = values[0]
        pooled[column] = pd.Series(values, dtype=object)
    apart = pooled.copy()
    for column in ("owners", "elements", "sources", "figure_sources"):
        apart[column] = pd.Series([copy.deepcopy(v) for v in apart[column]], dtype=object)
    shared = table_rows({"mines": pooled})
    assert shared.equals(table_rows({"mines": apart}))
    assert shared.loc[0, "owners"] == shared.loc[2, "owners"] != ""
    assert shared.loc[1, "name"] != shared.loc[0, "name"]


def test_stakes_and_popups_of_a_selection_read_from_its_held_layer(tmp_path) -> None:
    """A selection of a large layer (its rows' stakes and popup columns worked out once for
    the held layer) gets what the same rows get on their own."""
    from bench.appserver import _dataset
    from layers.indexes import held_rows
    from ui.mapview import build_map, map_html
    from ui.pointlayer import payloads

    dataset = _dataset(6000, tmp_path)
    for query in (Query(owners=("jogmec",)), Query(countries=("AUS", "NAM"))):
        selected = apply_query(dataset.frames, query, dataset.graph)
        assert held_rows(selected["mines"]) is not None
        alone = {k: v.copy() for k, v in selected.items()}  # not known to be taken
        assert held_rows(alone["mines"]) is None
        stakes = effective_stakes(selected, dataset.graph)
        assert stakes == effective_stakes(alone, dataset.graph)
        assert sum(k.startswith("mines/") for k in stakes) > 10
        drawn = payloads(map_html(build_map(selected, effective_stakes=stakes)))
        assert drawn == payloads(map_html(build_map(alone, effective_stakes=stakes)))
