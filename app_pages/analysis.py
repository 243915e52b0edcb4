"""The owners, dependency and scenarios page: an owner's assets and stakes
(``layers.attributable``), the importer's dependency and capacity charts (``ui.charts``), a
disruption scenario ringed on a map (``layers.scenario``) and the data coverage
(``layers.coverage``). Each tab reruns on its own widgets."""

from __future__ import annotations

import streamlit as st
from streamlit_folium import st_folium

from app_pages import session, show
from layers.attributable import owner_tables
from layers.countries import china_share, world_total, year_table, years
from layers.coverage import coverage
from layers.defaults import HEADLINE_OWNER, IMPORTER
from layers.dependency import concentration, dependency_series, imports_by_origin
from layers.outlook import importer_offtakes, supply_outlook
from layers.scenario import KINDS, Disruption, highlight_map, run_scenario, targets
from layers.schema import ELEMENT_GROUPS
from ui.analysis_charts import (
    attributable_chart,
    china_capacity_chart,
    coverage_chart,
    outlook_chart,
    scenario_chart,
)
from ui.charts import capacity_chart, concentration_chart, dependency_chart, table_sources
from ui.country_charts import china_share_chart, production_chart
from ui.diagram import diagram_svg, owner_diagram
from ui.mapview import build_map
from ui.readable import node_names, readable

#: Number formats of the analysis tables' figures (thousands separators; one decimal for %).
_NUMBERS = {"Stake (%)": "%.4g", "Capacity": "%,.0f", "Volume": "%,.0f", "Total": "%,.0f",
            "Before": "%,.0f", "Assets": "%d"}


@st.fragment
def _owner_tab(key: session.Source) -> None:
    data = session.dataset(key)
    graph = data.graph
    owners = sorted(graph.entities, key=graph.name)
    entity = st.selectbox("Owner", owners, format_func=graph.name, key="a_owner",
                          index=owners.index(HEADLINE_OWNER) if HEADLINE_OWNER in owners else 0)
    backers = ", ".join(map(graph.name, graph.state_backers(entity))) or "none"
    st.caption(f"State-backed through: {backers}. Stakes of unknown size give ranges; "
               "units are never added.")
    names = node_names(data.frames, graph)
    diagram = owner_diagram(graph, entity, names=names)
    st.graphviz_chart(diagram.dot)
    st.caption("Stakes on the arrows; a dashed arrow is a stake whose size no source "
               "states; a doubled box is a state-backed entity.")
    st.download_button("Ownership diagram (SVG)", diagram_svg(diagram),
                       file_name=f"{entity}-holdings.svg", mime="image/svg+xml",
                       key="a_owner_svg")
    tables = owner_tables(data.frames, graph, entity)
    totals = next(t for title, t in tables.items() if title.startswith("attributable"))
    if len(totals):
        show.figure(attributable_chart(totals, graph.name(entity)), key="attributable")
    for title, table in tables.items():
        st.markdown(f"**{title.capitalize()}**")
        show.table(readable(table, names=names), numbers=_NUMBERS)


def _charts_tab(key: session.Source) -> None:
    frames = session.dataset(key).frames
    flows = session.flows(key)
    imports = imports_by_origin(flows)
    figures = [capacity_chart(frames), china_capacity_chart(frames)]
    series = session.dependency(key)
    if series is not None:
        figures.insert(0, dependency_chart(dependency_series(series)))
    if len(imports):
        figures.append(concentration_chart(imports, concentration(imports), table_sources(
            flows[flows["destination"] == IMPORTER])))
    for n, figure in enumerate(figures):
        show.figure(figure, key=f"chart-{n}")


def _coverage_tab(key: session.Source) -> None:
    st.caption("How many features state each figure. The map, its totals and every "
               "analysis use stated figures only: what no source gives is left empty, "
               "never estimated (each feature's notes say why). Routes count flows, not legs.")
    raw = coverage(session.dataset(key).frames)
    show.figure(coverage_chart(raw), key="coverage")
    table = readable(raw)
    show.table(table, progress=["Stated (%)"], height=35 * (len(table) + 1) + 3)


@st.fragment
def _outlook_tab(key: session.Source) -> None:
    data = session.dataset(key)
    group = st.segmented_control("Element group", ["all", *ELEMENT_GROUPS], default="all",
                                 key="a_outlook_group") or "all"
    outlook = supply_outlook(data.frames, group=group)
    st.caption("Capacity being built outside China, from each project's stated capacity and "
               "the start year its source states; Japan's offtakes beside it.")
    if len(outlook.by_year):
        show.figure(outlook_chart(outlook.by_year, group, outlook.without_year),
                    key=f"outlook-{group}")
    names = node_names(data.frames, data.graph)
    show.table(readable(outlook.projects.assign(
        asset=outlook.projects["layer"] + "/" + outlook.projects["id"]).drop(
        columns=["layer", "name"]), names=names),
        numbers={"Capacity": "%,.0f", "Start year": "%d"})
    st.markdown("**Japan's offtakes (agreements to buy, not equity)**")
    show.table(readable(importer_offtakes(data.graph), names=names),
               numbers={"Volume": "%,.0f"})


@st.fragment
def _scenario_tab(key: session.Source) -> None:
    data = session.dataset(key)
    frames, graph = data.frames, data.graph
    flows = session.flows(key)
    picks = targets(frames, graph, flows)
    kind = st.selectbox("Remove a", KINDS, key="a_kind")
    names: dict[str, str] = picks[kind]
    target = st.selectbox("which", list(names), format_func=lambda k: names.get(k, k),
                          key=f"a_target_{kind}")
    if target is None:
        return
    result = run_scenario(Disruption(kind, target), frames, graph, flows)
    st.caption("; ".join(result.notes))
    show.figure(scenario_chart(result.capacity, names.get(target, target)), key="scenario")
    for title, table in (("Japan's imports lost", result.imports),
                         ("Capacity lost", result.capacity),
                         ("Capacity outside China, before and after", result.outside_china)):
        st.markdown(f"**{title}**")
        show.table(readable(table), numbers=_NUMBERS)
    st_folium(build_map(frames, highlight=highlight_map(result, frames)),
              returned_objects=[], use_container_width=True, height=420, key="a_map")


@st.fragment
def _countries_tab(key: session.Source) -> None:
    stats = session.country_stats(key[0])
    if stats is None:
        st.caption("No country statistics in this data folder (country_stats.csv).")
        return
    left, right = st.columns(2)
    measure = left.radio("Measure", ["production", "reserves"], key="a_stat", horizontal=True)
    options = years(stats, measure)
    year = right.select_slider("Year", options=options, value=options[-1], key=f"a_year_{measure}")
    share = china_share(stats, measure, year)
    world = world_total(stats, measure, year)
    if world is not None:
        stated = f"{world['qualifier'] or ''}{float(world['value']):,.0f} t REO"
        china = share.text() if share is not None else "not computable"
        st.caption(f"World total as USGS states it: {stated} ({world['edition']}). "
                   f"China's share: {china}.")
    table = year_table(stats, measure, year).rename(columns={
        "value": f"{measure.capitalize()} (t REO)", "country_name": "Country",
        "country": "ISO code", "flag": "USGS flag", "share_of_world_pct": "Share of world (%)",
        "source_url": "Source"})
    show.table(readable(table), links=["Source"], link_text="USGS",
               numbers={f"{measure.capitalize()} (t REO)": "%,.0f",
                        "Share of world (%)": "%.1f"})
    st.caption("Empty value: USGS gives none (flag NA = not available, W = withheld, E = net "
               "exporter); 0 where USGS prints a dash. Where the world total is a lower bound, "
               "each share is at most the figure shown (share_bound \"<\").")
    for n, figure in enumerate((production_chart(stats), china_share_chart(stats))):
        show.figure(figure, key=f"countries-{n}")


def page() -> None:
    """Six tabs: owner, dependency and capacity, supply outlook, countries, scenario, data
    coverage."""
    key = session.source()
    st.header("Analysis")
    st.caption("Who owns what up the chain of stakes, how dependent importers are on China, "
               "what a disruption would remove, and how complete the data is; every figure "
               "comes from the curated layers and tables, each naming its source.")
    owner_tab, charts_tab, outlook_tab, countries_tab, scenario_tab, coverage_tab = st.tabs(
        ["Owner", "Dependency and capacity", "Supply outlook", "Countries (USGS)", "Scenario",
         "Data coverage"])
    with owner_tab:
        _owner_tab(key)
    with charts_tab:
        _charts_tab(key)
    with outlook_tab:
        _outlook_tab(key)
    with countries_tab:
        _countries_tab(key)
    with coverage_tab:
        _coverage_tab(key)
    with scenario_tab:
        _scenario_tab(key)


page()
