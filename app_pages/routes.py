"""The trade routes and chokepoints page: flows over time (``layers.routes``) and the
importer's exposure per chokepoint (``layers.chokepoints``).

A period slider picks that period's routes, drawn with the chokepoints picked in the table
outlined; two periods are compared by origin. Each panel reruns on its own widgets.
"""

from __future__ import annotations

import streamlit as st
from streamlit_folium import st_folium

from app_pages import session, show
from layers.chokepoints import exposure, routes_through
from layers.defaults import IMPORTER, compared_periods
from layers.routes import compare_periods, periods, routes_in_period
from ui.analysis_charts import chokepoint_chart
from ui.mapview import build_map
from ui.readable import readable


@st.fragment
def _period_panel(key: session.Source, options: list[str]) -> None:
    """One period's routes on a map and the importer's tonnage through each chokepoint."""
    frames = session.dataset(key).frames
    routes, chokepoints = frames["routes"], frames["chokepoints"]
    period = st.select_slider("Period", options=options, value=options[-1], key="r_period")
    table = exposure(routes, chokepoints, period=period)
    table = table[table["flows"] > 0]
    state_key = f"r_chokepoints_{period}"  # a new period is a new table: no stale selection
    state = st.session_state.get(state_key)
    rows = [i for i in (state["selection"]["rows"] if state else []) if i < len(table)]
    picked = [str(table.iloc[i]["chokepoint_id"]) for i in rows]
    shown = routes_in_period(routes, period)
    st_folium(build_map({"routes": shown, "chokepoints": chokepoints},
                        highlight={"chokepoints": picked, "routes": routes_through(shown, picked)}),
              returned_objects=[], use_container_width=True, height=480, key="r_map")
    st.subheader(f"Japan's rare-earth imports through each chokepoint, {period}")
    st.caption("Shares of the imports recorded in the flows of that period, per unit (t and t "
               "metal equivalent are never added); sea lanes are modelled, not ship tracks. "
               "Select rows to outline those chokepoints, and the routes through them, on the "
               "map.")
    if len(table):
        show.figure(chokepoint_chart(table, period), key=f"chokepoints-{period}")
    show.table(readable(table), on_select="rerun", selection_mode="multi-row", key=state_key,
               numbers={"Share of imports (%)": "%.1f", "Tonnage through it": "%,.0f",
                        "Total imports": "%,.0f"})


@st.fragment
def _compare_panel(key: session.Source, options: list[str]) -> None:
    """The importer's imports by origin in two periods, side by side."""
    routes = session.dataset(key).frames["routes"]
    st.subheader("Compare two periods: Japan's imports by origin")
    before, after = compared_periods(options)
    left, right = st.columns(2)
    before = left.selectbox("Before", options, key="r_before", index=options.index(before))
    after = right.selectbox("After", options, key="r_after", index=options.index(after))
    show.table(readable(compare_periods(routes, before, after, destination=IMPORTER)),
               numbers={"Before": "%,.0f", "After": "%,.0f", "Change": "%,.0f",
                        "Change (%)": "%.1f"})


def page() -> None:
    """The period panel and the comparison (nothing when the routes hold no period)."""
    key = session.source()
    options = periods(session.dataset(key).frames["routes"])
    if not options:
        return
    st.header("Trade flows over time")
    st.caption("Rare-earth trade flows per period, drawn along modelled sea lanes between "
               "their ports; tonnages from customs statistics as reported (each flow names its "
               "source, e.g. Japan's Ministry of Finance or China's customs, via the press).")
    _period_panel(key, options)
    _compare_panel(key, options)


page()
