"""Filter semantics (layers/query.py) on the mini dataset, and on frames big enough to be indexed.

AND between kinds, OR within one kind; owners match up the ownership chain through the
graph; ``min_hree`` excludes features whose share is unknown. The indexed path (bitmasks
kept per frame) must give exactly what a plain row-by-row reading of the rules gives.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from geopandas.testing import assert_geodataframe_equal

from geo.errors import InputError
from layers.catalog import Dataset, load_dataset
from layers.ownership import OwnershipGraph
from layers.query import Query, apply_query, parse_values, query_masks


@pytest.fixture(scope="module")
def mini() -> Dataset:
    return load_dataset(Path(__file__).resolve().parent / "data" / "mini")


def ids(frames: dict[str, gpd.GeoDataFrame], layer: str) -> set[str]:
    return set(frames[layer]["id"])


def test_or_within_one_kind(mini: Dataset) -> None:
    out = apply_query(mini.frames, Query(layers=("mines",), countries=("AUS", "NAM")))
    assert ids(out, "mines") == {"mount-weld", "lofdal"}


def test_and_between_kinds(mini: Dataset) -> None:
    out = apply_query(mini.frames, Query(layers=("mines",), elements=("Dy",), countries=("CHN",)))
    assert ids(out, "mines") == {"longnan"}


def test_elements_any_of_and_case_insensitive(mini: Dataset) -> None:
    out = apply_query(mini.frames, Query(layers=("mines",), elements=("tb", "Ce")))
    assert ids(out, "mines") == {"mount-weld", "lofdal", "mountain-pass", "longnan"}


def test_owner_matches_up_the_chain(mini: Dataset) -> None:
    # JOGMEC holds Lofdal directly and Mount Weld through JARE -> Lynas
    out = apply_query(mini.frames, Query(owners=("JOGMEC",)), mini.graph)
    assert ids(out, "mines") == {"lofdal", "mount-weld"}
    assert ids(out, "refineries") == {"lynas-malaysia"}
    assert len(out["routes"]) == 0


def test_owner_by_id_or_name_any_case(mini: Dataset) -> None:
    by_name = apply_query(mini.frames, Query(layers=("mines",), owners=("mp materials",)),
                          mini.graph)
    by_id = apply_query(mini.frames, Query(layers=("mines",), owners=("mp-materials",)),
                        mini.graph)
    # the ended MP Materials stake in Lynas does not count
    assert ids(by_name, "mines") == ids(by_id, "mines") == {"mountain-pass"}


def test_unknown_owner_is_an_input_error(mini: Dataset) -> None:
    with pytest.raises(InputError, match="unknown owner 'Nobody'"):
        apply_query(mini.frames, Query(owners=("Nobody",)), mini.graph)


def test_owner_filter_needs_the_graph(mini: Dataset) -> None:
    with pytest.raises(ValueError, match="needs the ownership graph"):
        apply_query(mini.frames, Query(owners=("JOGMEC",)))


def test_state_backed_up_the_chain(mini: Dataset) -> None:
    out = apply_query(mini.frames, Query(layers=("mines",), state_backed=True), mini.graph)
    assert ids(out, "mines") == {"lofdal", "mount-weld", "longnan"}


def test_min_hree_excludes_unknown_shares(mini: Dataset) -> None:
    out = apply_query(mini.frames, Query(min_hree=0))
    assert ids(out, "mines") == {"mount-weld", "lofdal", "mountain-pass", "longnan", "norra-karr"}
    assert len(out["refineries"]) == 0  # both plants' shares are unknown
    high = apply_query(mini.frames, Query(min_hree=55))
    assert ids(high, "mines") == {"lofdal", "longnan"}


def test_stage_matches_stage_or_stages(mini: Dataset) -> None:
    out = apply_query(mini.frames, Query(stages=("cracking",)))
    assert ids(out, "refineries") == {"lynas-malaysia"}
    assert len(out["mines"]) == 0


def test_text_is_case_insensitive_substring(mini: Dataset) -> None:
    out = apply_query(mini.frames, Query(layers=("mines",), text="WELD"))
    assert ids(out, "mines") == {"mount-weld"}


def test_bad_values_are_input_errors() -> None:
    with pytest.raises(InputError, match="unknown element 'Xx'"):
        Query(elements=("Xx",)).checked()
    with pytest.raises(InputError, match=r"outside 0\.\.100"):
        Query(min_hree=120).checked()


def test_parse_values_splits_commas_and_keeps_order() -> None:
    assert parse_values(["Dy,Tb", " Nd ", "Dy"]) == ("Dy", "Tb", "Nd")


def test_inputs_are_not_changed(mini: Dataset) -> None:
    before = mini.frames["mines"].copy()
    out = apply_query(mini.frames, Query(layers=("mines",)))
    out["mines"].loc[out["mines"].index[0], "name"] = "changed"
    assert_geodataframe_equal(mini.frames["mines"], before)


# -- the indexed path: frames large enough for per-frame bitmasks --------------------------


@pytest.fixture(scope="module")
def big(mini: Dataset) -> tuple[gpd.GeoDataFrame, OwnershipGraph]:
    """The mini mines repeated to 6,000 features (ids made unique), with their owners."""
    base = mini.frames["mines"]
    copies = []
    for k in range(1200):
        part = base.copy()
        part["id"] = [f"{i}-{k}" for i in base["id"]]
        copies.append(part)
    frame = gpd.GeoDataFrame(pd.concat(copies, ignore_index=True), crs=base.crs)
    graph = OwnershipGraph(entities=dict(mini.graph.entities),
                           owners_of=dict(mini.graph.owners_of))
    graph.add_assets("mines", frame)
    return frame, graph


def _expected(frame: gpd.GeoDataFrame, graph: OwnershipGraph, query: Query) -> set[str]:
    """The rules read row by row, with no index."""
    keep = set()
    for row in frame.to_dict("records"):
        ok = True
        if query.elements:
            ok &= bool(set(query.elements) & set(row["elements"]))
        if query.countries:
            ok &= row["country"] in query.countries
        if query.min_hree is not None:
            ok &= pd.notna(row["hree_share_pct"]) and row["hree_share_pct"] >= query.min_hree
        for owner in query.owners:
            ok &= graph.resolve(owner) in graph.upstream(f"mines/{row['id']}")
        if ok:
            keep.add(row["id"])
    return keep


@pytest.mark.parametrize(
    "query",
    [
        Query(elements=("Dy", "Nd")),
        Query(elements=("Tb",), countries=("CHN", "NAM")),
        Query(min_hree=55),
        Query(owners=("JOGMEC",)),
        Query(owners=("JOGMEC",), elements=("Y",)),
    ],
    ids=["elements", "elements+countries", "min_hree", "owner", "owner+elements"],
)
def test_indexed_filter_equals_row_by_row(
    big: tuple[gpd.GeoDataFrame, OwnershipGraph], query: Query
) -> None:
    frame, graph = big
    for _ in range(2):  # the second call answers from the kept index
        out = apply_query({"mines": frame}, query, graph)
        assert set(out["mines"]["id"]) == _expected(frame, graph, query)


def test_index_follows_a_replaced_column(big: tuple[gpd.GeoDataFrame, OwnershipGraph]) -> None:
    frame, graph = big
    other = frame.copy()
    apply_query({"mines": other}, Query(elements=("Sc",)), graph)  # builds the index
    other["elements"] = [["Sc"]] * len(other)
    out = apply_query({"mines": other}, Query(elements=("Sc",)), graph)
    assert len(out["mines"]) == len(other)


def test_owner_index_follows_assets_added_to_the_graph(
    big: tuple[gpd.GeoDataFrame, OwnershipGraph],
) -> None:
    frame, graph = big
    fresh = OwnershipGraph(entities=dict(graph.entities), owners_of=dict(graph.owners_of))
    before = apply_query({"mines": frame}, Query(owners=("Solvay",)), fresh)
    assert len(before["mines"]) == 0
    first = frame["id"].iloc[0]
    fresh.owners_of[f"mines/{first}"] = [("solvay", 100.0)]
    fresh.owners_of["mines/not-a-feature"] = []
    after = apply_query({"mines": frame}, Query(owners=("Solvay",)), fresh)
    assert list(after["mines"]["id"]) == [first]


def test_masks_agree_with_frames(mini: Dataset) -> None:
    query = Query(elements=("Dy",), min_hree=55)
    masks = query_masks(mini.frames, query, mini.graph)
    frames = apply_query(mini.frames, query, mini.graph)
    assert set(masks) == set(frames)
    for name, keep in masks.items():
        assert list(mini.frames[name]["id"][keep]) == list(frames[name]["id"])
    assert int(masks["mines"].sum()) == 2
