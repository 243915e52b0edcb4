"""Filter semantics (layers/query.py) on the mini dataset, and on frames big enough to be indexed.

AND between kinds, OR within one kind; owners match up the ownership chain through the
graph; ``min_hree`` excludes features whose share is unknown. The indexed path (bitmasks
kept per frame) must give exactly what a plain row-by-row reading of the rules gives.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from geopandas.testing import assert_geodataframe_equal

from geo.errors import InputError
from layers.catalog import Dataset
from layers.ownership import OwnershipGraph
from layers.query import Query, apply_query, parse_values, query_masks


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


def _counts_row_by_row(frames: dict[str, gpd.GeoDataFrame], query: Query,
                       graph: OwnershipGraph, kind: str) -> dict[str, int]:
    """What each value of one kind would keep, counted row by row (no index)."""
    from collections import Counter
    from dataclasses import replace

    selected = apply_query(frames, replace(query, **{kind: ()}), graph)
    counts: Counter[str] = Counter()
    for layer, gdf in selected.items():
        for row in gdf.to_dict("records"):
            if kind == "layers":
                counts[layer] += 1
            elif kind == "elements":
                counts.update(set(row["elements"]))
            elif kind == "stages":
                stages = {row["stage"]} if isinstance(row.get("stage"), str) else set()
                counts.update(stages | set(row.get("stages") or []))
            elif kind in ("countries", "statuses", "capacity_units"):
                value = row[{"countries": "country", "statuses": "status",
                             "capacity_units": "capacity_unit"}[kind]]
                if isinstance(value, str):
                    counts[value] += 1
            else:
                counts.update(graph.upstream(f"{layer}/{row['id']}"))
    return dict(counts)


@pytest.mark.parametrize("kind", ["layers", "elements", "owners", "countries", "statuses",
                                  "stages", "capacity_units"])
def test_option_counts_equal_row_by_row(big: tuple[gpd.GeoDataFrame, OwnershipGraph],
                                        mini: Dataset, kind: str) -> None:
    from layers.query import value_counts

    frame, graph = big
    for frames, g in (({"mines": frame}, graph), (mini.frames, mini.graph)):
        for query in (Query(), Query(elements=("Dy",), countries=("AUS", "CHN", "NAM")),
                      Query(owners=("JOGMEC",))):
            assert value_counts(frames, query, g, kind) == _counts_row_by_row(
                frames, query, g, kind)


def test_the_index_is_built_once_for_a_shared_dataset(
        big: tuple[gpd.GeoDataFrame, OwnershipGraph], monkeypatch: pytest.MonkeyPatch) -> None:
    """Held once (st.cache_resource), the frames keep their index across reruns; a copy
    (what st.cache_data hands each run) builds it again."""
    import pickle

    import layers.indexes

    frame, graph = big
    frames = {"mines": frame.copy()}
    built = []
    real = layers.indexes.ListIndex

    class Counting(real):  # type: ignore[misc,valid-type]
        def __init__(self, *args: object) -> None:
            built.append(1)
            super().__init__(*args)

    monkeypatch.setattr(layers.indexes, "ListIndex", Counting)
    for elements in (("Dy",), ("Tb", "Nd"), ("Y",)):  # three reruns, three filters
        apply_query(frames, Query(elements=elements), graph)
    assert len(built) == 1
    copied = pickle.loads(pickle.dumps(frames))
    apply_query(copied, Query(elements=("Dy",)), graph)
    assert len(built) == 2


def test_all_counts_at_once_equal_one_kind_at_a_time(
        big: tuple[gpd.GeoDataFrame, OwnershipGraph], mini: Dataset) -> None:
    from layers.query import VALUE_KINDS, all_value_counts

    frame, graph = big
    query = Query(elements=("Dy",), countries=("AUS", "CHN"), min_hree=5,
                  capacity_units=("t/yr REO",), owners=("JOGMEC",))
    for frames, g in (({"mines": frame}, graph), (mini.frames, mini.graph)):
        for q in (query, Query(layers=("mines",), statuses=("operating",))):
            together = all_value_counts(frames, q, g)
            assert together == {k: _counts_row_by_row(frames, q, g, k) for k in VALUE_KINDS}


def test_a_selection_reads_the_held_frames_coordinates(
    big: tuple[gpd.GeoDataFrame, OwnershipGraph],
) -> None:
    import numpy as np
    import shapely

    from layers.indexes import point_xy

    frame, graph = big
    for query in (Query(elements=("Dy",)), Query()):
        out = apply_query({"mines": frame}, query, graph)["mines"]
        x, y, points = point_xy(out)
        geoms = out.geometry.to_numpy()
        np.testing.assert_array_equal(x, shapely.get_x(geoms))
        np.testing.assert_array_equal(y, shapely.get_y(geoms))
        assert points
    moved = apply_query({"mines": frame}, Query(elements=("Dy",)), graph)["mines"]
    moved["geometry"] = moved.geometry.translate(1.0, 2.0)  # noticed: read afresh
    np.testing.assert_array_equal(point_xy(moved)[0], shapely.get_x(moved.geometry.to_numpy()))
