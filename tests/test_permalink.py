"""Permalinks (ui.permalink): a view read from and written to the URL's query string, the
widgets' state, the caption of the filters, on the mini dataset (see tests/test_view.py).
"""

from __future__ import annotations

import pytest

from layers.query import Query
from ui.permalink import (
    View,
    filter_summary,
    from_params,
    plain,
    to_params,
    view_of,
    widget_state,
)


def test_design_example_url_reads_into_the_query(mini):
    params = {"layer": "mines", "element": "Dy", "owner": "JOGMEC", "country": "AUS",
              "status": "operating", "min_hree": "10"}
    view, problems = from_params(params, graph=mini.graph)
    assert problems == []
    assert view.query == Query(layers=("mines",), elements=("Dy",), owners=("jogmec",),
                               countries=("AUS",), statuses=("operating",), min_hree=10.0)


@pytest.mark.parametrize("params", [
    {"element": "Dy,Tb"},
    {"element": ["Dy", "Tb"]},
    {"element": ["dy", "Tb,DY"]},
])
def test_repeated_and_comma_separated_values_are_the_same(params):
    view, problems = from_params(params)
    assert problems == []
    assert view.query.elements == ("Dy", "Tb")


def test_every_key_round_trips(mini):
    view = View(
        query=Query(layers=("mines", "refineries"), elements=("Dy",), owners=("jogmec", "lynas"),
                    countries=("AUS", "MYS"), statuses=("operating",), stages=("separation",),
                    min_hree=12.5, state_backed=True, text="weld", capacity_min=100.0,
                    capacity_max=5e4, capacity_units=("t/yr REO", "t/yr NdPr oxide")),
        color_by="status",
        basemap="osm",
        focus="mines/mount-weld",
    )
    params = to_params(view)
    assert params["owner"] == ["jogmec", "lynas"]
    assert params["min_capacity"] == "100" and params["max_capacity"] == "50000"
    assert params["capacity_unit"] == ["t/yr REO", "t/yr NdPr oxide"]
    assert from_params(params, graph=mini.graph) == (view, [])


def test_widget_state_and_view_of_are_inverse():
    view = View(
        query=Query(layers=("mines",), elements=("Dy", "Tb"), owners=("jogmec",),
                    countries=("AUS",), statuses=("operating",), stages=("separation",),
                    min_hree=12.5, state_backed=True, text="weld", capacity_min=100.0,
                    capacity_max=5e4, capacity_units=("t/yr REO",)),
        color_by="status", basemap="osm", focus="mines/mount-weld",
    )
    state = widget_state(view)
    assert state["f_element"] == ["Dy", "Tb"] and state["f_min_hree"] == 12.5
    assert view_of(state) == view
    assert view_of(widget_state(View())) == View()  # the widgets' defaults are no filter
    assert view_of({}) == View()  # a session before any widget exists


def test_a_capacity_range_being_typed_keeps_its_minimum():
    state = widget_state(View()) | {"f_cap_min": 500.0, "f_cap_max": 10.0}
    query = view_of(state).query
    assert (query.capacity_min, query.capacity_max) == (500.0, None)


def test_default_view_has_an_empty_query_string():
    assert to_params(View()) == {}
    assert from_params({}) == (View(), [])


def test_bad_values_are_dropped_and_named(mini):
    view, problems = from_params(
        {"element": "Dy,Xx", "owner": "Nobody Inc", "min_hree": "150", "country": "Australia",
         "color_by": "rainbow", "status": "maybe", "min_capacity": "abc", "focus": "weld",
         "capacity_unit": "t/yr REO,barrels"},
        graph=mini.graph,
    )
    assert view == View(query=Query(elements=("Dy",), capacity_units=("t/yr REO",)))
    assert sorted(problems) == [
        "capacity_unit: unknown value 'barrels'",
        "color_by: unknown value 'rainbow'",
        "country: 'Australia' is not an ISO 3166 alpha-3 code",
        "element: unknown value 'Xx'",
        "focus: 'weld' is not LAYER/ID (e.g. mines/mount-weld)",
        "min_capacity: 'abc' is not a number",
        "min_hree: 150 is outside 0..100",
        "owner: no entity is named 'Nobody Inc'",
        "status: unknown value 'maybe'",
    ]


def test_owner_names_resolve_to_entity_ids_whole_or_split(mini):
    view, problems = from_params(
        {"owner": ["Japan Australia Rare Earths (JARE)", "lynas,JOGMEC"]}, graph=mini.graph
    )
    assert problems == []
    assert view.query.owners == ("jare", "lynas", "jogmec")


def test_inverted_capacity_range_is_dropped():
    view, problems = from_params({"min_capacity": "500", "max_capacity": "10"})
    assert (view.query.capacity_min, view.query.capacity_max) == (None, None)
    assert problems == ["min_capacity: 500 is above max_capacity 10"]


def test_filter_summary_names_each_filter():
    view = View(query=Query(elements=("Dy", "Tb"), owners=("jogmec",), min_hree=10,
                            state_backed=True, text="weld", capacity_min=5))
    assert filter_summary(view, names={"jogmec": "JOGMEC"}) == (
        "element: Dy, Tb; owner: JOGMEC; heavy REE ≥ 10%; capacity 5–any; "
        "state-backed only; name contains 'weld'"
    )
    assert filter_summary(View()) == "all features"


def test_plain_escapes_markdown():
    assert plain("![x](http://h/i.png) <b>") == r"\!\[x\]\(http\://h/i\.png\) \<b\>"
    assert plain("Norra Kärr 50%") == "Norra Kärr 50%"


def test_a_name_search_keeps_its_commas():
    view, problems = from_params({"q": ["old", " Longnan, Zudong "]})
    assert (view.query.text, problems) == ("Longnan, Zudong", [])
    assert from_params(to_params(view))[0] == view

