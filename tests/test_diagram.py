"""Ownership diagrams (ui.diagram): what they hold, how unknown stakes look, safe labels."""

from __future__ import annotations

import geopandas as gpd
import pygraphviz
import pytest
from shapely.geometry import Point

from layers.catalog import load_dataset
from layers.ownership import Entity, OwnershipGraph
from ui.diagram import asset_diagram, diagram_svg, owner_diagram


@pytest.fixture(scope="module")
def bundled() -> tuple[OwnershipGraph, dict[str, str]]:
    dataset = load_dataset()
    names = {f"{layer}/{fid}": name for layer, gdf in dataset.frames.items()
             if "name" in gdf for fid, name in zip(gdf["id"], gdf["name"], strict=True)}
    return dataset.graph, names


def test_jogmec_diagram_holds_lofdal_mount_weld_and_the_lynas_plants(bundled) -> None:
    graph, names = bundled
    diagram = owner_diagram(graph, "jogmec", names=names)
    for asset in ("mines/lofdal", "mines/mount-weld", "refineries/lynas-malaysia",
                  "refineries/lynas-kalgoorlie"):
        assert asset in diagram.nodes
        assert any(owned == asset for _, owned, _ in diagram.edges)
    # each edge carries the stake the data states: JARE's 3% of Lynas since March 2023;
    # Lynas's own share of Mount Weld is stated by no source read (null: dashed)
    assert ("jare", "lynas", 3.0) in diagram.edges
    assert ("lynas", "mines/mount-weld", None) in diagram.edges
    assert ("jogmec", "mines/lofdal", 40.0) in diagram.edges
    assert 'label="Mount Weld\\n(mine)"' in diagram.dot
    assert 'label="3%"' in diagram.dot


def test_unknown_stakes_are_dashed_and_labelled(bundled) -> None:
    graph, names = bundled
    diagram = owner_diagram(graph, "jogmec", names=names)
    assert diagram.unknown_stakes >= 1  # JOGMEC's own share of JARE after 2023 is not sourced
    line = next(x for x in diagram.dot.splitlines() if '"jogmec" -> "jare"' in x)
    assert "style=dashed" in line and 'label="stake not stated"' in line


def test_state_backed_entities_are_marked(bundled) -> None:
    graph, names = bundled
    dot = owner_diagram(graph, "jogmec", names=names).dot
    line = next(x for x in dot.splitlines() if x.strip().startswith('"jogmec" ['))
    assert "peripheries=2" in line and "(state-backed)" in line
    lynas = next(x for x in dot.splitlines() if x.strip().startswith('"lynas" ['))
    assert "peripheries=1" in lynas


def test_asset_diagram_climbs_to_the_ultimate_owners(bundled) -> None:
    graph, names = bundled
    diagram = asset_diagram(graph, "mines/mount-weld", names=names)
    assert diagram.nodes[0] == "mines/mount-weld"
    assert {"lynas", "jare", "jogmec", "sojitz"} <= set(diagram.nodes)
    assert all(owned != "jogmec" for _, owned, _ in diagram.edges)  # nobody owns JOGMEC
    assert "Who owns Mount Weld" in diagram.dot


def _graph_with(name: str) -> OwnershipGraph:
    graph = OwnershipGraph(entities={"x": Entity(id="x", name=name)})
    frame = gpd.GeoDataFrame({"id": ["a"], "owners": [[{"name": name, "stake_pct": None}]]},
                             geometry=[Point(0, 0)], crs="EPSG:4326")
    graph.add_assets("mines", frame)
    return graph


def test_a_name_cannot_break_out_of_its_label() -> None:
    hostile = 'Evil"]; "x" -> "pwn" [label="\\'
    diagram = owner_diagram(_graph_with(hostile), "x", names={"mines/a": hostile})
    parsed = pygraphviz.AGraph(string=diagram.dot)  # Graphviz's own parser reads it back
    assert sorted(parsed.nodes()) == ["mines/a", "x"]  # the name added no node ...
    assert len(parsed.edges()) == 1  # ... and no edge
    # drawn as the name it is (Graphviz keeps a label's escaped backslash as two)
    assert parsed.get_node("x").attr["label"].replace("\\\\", "\\") == hostile
    svg = diagram_svg(diagram).decode()
    assert svg.count('class="node"') == 2


def test_svg_is_laid_out_by_graphviz(bundled) -> None:
    graph, names = bundled
    svg = diagram_svg(owner_diagram(graph, "jogmec", names=names)).decode()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    assert "Mount Weld" in svg and "stake not stated" in svg
