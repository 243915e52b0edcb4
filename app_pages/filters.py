"""The map's filters in the sidebar, each option with the number of features it keeps."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pycountry
import streamlit as st

from app_pages import session
from layers.countries import years
from layers.defaults import HEADLINE_OWNER
from layers.query import Query
from layers.schema import CAPACITY_UNITS, ELEMENTS, READING_ORDER, STAGES, STATUSES
from ui.permalink import BASEMAPS, COLOR_BY, WIDGET_KEYS

COLOR_LABELS = {"hree": "heavy-REE share", "status": "status"}
BASEMAP_LABELS = {"countries": "country outlines (offline)", "osm": "OpenStreetMap (web)",
                  "carto": "Carto light (web)"}
_OWNERS = WIDGET_KEYS["owners"]


def _labeller(counts: dict[str, int], name: Callable[[str], str] = str) -> Callable[[str], str]:
    return lambda value: f"{name(value)} ({counts.get(value, 0)})"


def _country_name(code: str) -> str:
    country = pycountry.countries.get(alpha_3=code)
    return f"{country.name} · {code}" if country else code


def _multiselect(label: str, kind: str, options: list[str], key: session.Source, query: Query,
                 *, name: Callable[[str], str] = str) -> None:
    counts = session.counts(key, query, kind)
    chosen = st.session_state.get(WIDGET_KEYS[kind]) or []
    options = [*options, *(v for v in chosen if v not in options)]
    st.multiselect(label, options, key=WIDGET_KEYS[kind], format_func=_labeller(counts, name),
                   placeholder="any", select_all=False)


def _toggle_headline_owner() -> None:
    owners = list(st.session_state.get(_OWNERS) or [])
    if st.session_state.get("f_jogmec"):
        st.session_state[_OWNERS] = [*owners, HEADLINE_OWNER] if HEADLINE_OWNER not in owners \
            else owners
    else:
        st.session_state[_OWNERS] = [o for o in owners if o != HEADLINE_OWNER]


def sidebar(key: session.Source, query: Query) -> None:
    """Draw the filters and the map's options in the sidebar."""
    graph = session.dataset(key).graph
    everything = session.counts(key, Query(), "layers")
    present = {kind: set(session.counts(key, Query(), kind)) for kind in WIDGET_KEYS}
    with st.sidebar:
        st.header("Filters")
        st.caption("AND between filters, OR within one. The number after each option is "
                   "how many features it would show, given the other filters.")
        _multiselect("Layer", "layers", [n for n in READING_ORDER if n in everything],
                     key, query)
        _multiselect("Element", "elements", [e for e in ELEMENTS if e in present["elements"]],
                     key, query, name=lambda e: f"{e} · {ELEMENTS[e]}")
        owners = sorted(present["owners"], key=lambda e: graph.name(e).casefold())
        _multiselect("Owner (anywhere up the chain)", "owners", owners, key, query,
                     name=graph.name)
        if HEADLINE_OWNER in graph.entities:
            st.session_state["f_jogmec"] = HEADLINE_OWNER in (st.session_state.get(_OWNERS) or [])
            held = session.total(key, replace(query, owners=(HEADLINE_OWNER,)))
            st.toggle(f"{graph.name(HEADLINE_OWNER)}-linked only ({held})", key="f_jogmec",
                      on_change=_toggle_headline_owner,
                      help=f"Adds {graph.name(HEADLINE_OWNER)} to the owner filter: assets it "
                      "holds directly or through a chain of stakes in other companies.")
        state = session.total(key, replace(query, state_backed=True))
        st.toggle(f"State-backed owners only ({state})", key="f_state_backed",
                  help="Assets a state agency, government or state-owned company holds, "
                  "directly or up the chain.")
        _multiselect("Country", "countries", sorted(present["countries"]), key, query,
                     name=_country_name)
        _multiselect("Status", "statuses", [s for s in STATUSES if s in present["statuses"]],
                     key, query)
        _multiselect("Stage (plants)", "stages", [s for s in STAGES if s in present["stages"]],
                     key, query)
        st.slider("Minimum heavy-REE share (% of TREO)", 0.0, 100.0, step=0.5, key="f_min_hree",
                  format="%g",
                  help="0 shows every feature; above 0, features with no sourced share "
                  "are left out.")
        units = [u for u in CAPACITY_UNITS if u in present["capacity_units"]]
        _multiselect("Capacity unit", "capacity_units", units, key, query)
        low, high = st.columns(2)
        low.number_input("Capacity from", min_value=0.0, step=1000.0, key="f_cap_min",
                         help="In the capacity unit chosen above; with none chosen, in each "
                         "feature's own unit (t/yr REO, t/yr NdPr oxide, ...), so unlike "
                         "figures are compared. Features with no capacity are left out once "
                         "a bound is set.")
        high.number_input("to", min_value=0.0, step=1000.0, key="f_cap_max")
        st.text_input("Name contains", key="f_q")
        st.header("Map")
        st.radio("Colour points by", list(COLOR_BY), key="f_color_by", horizontal=True,
                 format_func=lambda v: COLOR_LABELS[v])
        st.selectbox("Basemap", list(BASEMAPS), key="f_basemap",
                     format_func=lambda v: BASEMAP_LABELS[v])
        _country_statistics(key)


#: The choropleth's measures as the sidebar names them.
STAT_LABELS = {"none": "none", "production": "mine production (t REO)",
               "reserves": "reserves (t REO)"}


def _country_statistics(key: session.Source) -> None:
    """Colour the countries by USGS's mine production or reserves for a year."""
    stats = session.country_stats(key[0])
    if stats is None:
        return
    st.selectbox("Countries coloured by (USGS)", list(STAT_LABELS), key="f_stat",
                 format_func=STAT_LABELS.__getitem__,
                 help="USGS Mineral Commodity Summaries, rare-earths chapter: the latest "
                 "edition's figure for each year. White: the country is not in USGS's "
                 "table (no data), which is not zero.")
    measure = st.session_state.get("f_stat", "none")
    if measure == "none":
        return
    options = years(stats, measure)
    if st.session_state.get("f_stat_year") not in options:
        st.session_state["f_stat_year"] = options[-1]
    st.select_slider("Year", options=options, key="f_stat_year")
