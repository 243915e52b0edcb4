"""reemap's web map: widgets -> cached calls -> map. Wiring only.

The logic lives below: ``layers.permalink`` (the view and its URL), ``layers.view``
(counts, summary, table, downloads), ``layers.query`` (the filter, shared with ``reemap
export``) and ``geo.mapview`` (the folium map). Each panel is a small function called
once from :func:`main`; a new panel is one more function and one more call.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pycountry
import streamlit as st
from streamlit_folium import st_folium

from geo.assets import ensure_static
from geo.mapview import build_map, map_html
from geo.snapshot import CHROMIUM, snapshot_png
from layers.catalog import Dataset, load_dataset
from layers.permalink import (
    BASEMAPS,
    COLOR_BY,
    PARAM_KEYS,
    WIDGET_KEYS,
    View,
    filter_summary,
    from_params,
    plain,
    to_params,
    view_of,
    widget_state,
)
from layers.query import Query, apply_query
from layers.schema import CAPACITY_UNITS, ELEMENTS, READING_ORDER, STAGES, STATUSES
from layers.view import (
    download,
    download_name,
    effective_stakes,
    feature_bounds,
    option_counts,
    summarise,
    table_rows,
)
from reemap import settings
from reemap.errors import DataError, InputError, report

TITLE = "reemap: the rare-earth supply chain"
_OWNERS = WIDGET_KEYS["owners"]
COLOR_LABELS = {"hree": "heavy-REE share", "status": "status"}
BASEMAP_LABELS = {"countries": "country outlines (offline)", "osm": "OpenStreetMap (web)",
                  "carto": "Carto light (web)"}
DOWNLOADS = {"geojson": "GeoJSON", "gpkg": "GeoPackage", "csv": "CSV"}
#: The page's sections (``?section=``); each run draws one of them, so one map.
SECTIONS = {"map": "Map and table", "routes": "Trade routes and chokepoints",
            "analysis": "Owners, dependency and scenarios"}
#: The table's columns as shown (the feature id stays in the data for row selection).
TABLE_ORDER = ("name", "layer", "country", "status", "stage", "owners", "elements",
               "hree_share_pct", "capacity", "capacity_unit", "capacity_year", "as_of",
               "source", "sources")


# -- cached calls: keyed on hashable things (a folder, a Query), never on a frame -------


@st.cache_resource(show_spinner=False)
def _static() -> str:
    """Copy Leaflet into static/vendor once per server (served at /app/static/vendor)."""
    return str(ensure_static())


@st.cache_data(show_spinner="Loading the layers…")
def _dataset(data_dir: str) -> Dataset:
    return load_dataset(Path(data_dir), include_store=True)


@st.cache_data(show_spinner=False)
def _select(data_dir: str, query: Query) -> dict[str, gpd.GeoDataFrame]:
    dataset = _dataset(data_dir)
    return apply_query(dataset.frames, query, dataset.graph)


@st.cache_data(show_spinner=False)
def _counts(data_dir: str, query: Query, kind: str) -> dict[str, int]:
    dataset = _dataset(data_dir)
    return option_counts(dataset.frames, query, dataset.graph, kind)


@st.cache_data(show_spinner=False)
def _rows(data_dir: str, query: Query) -> pd.DataFrame:
    return table_rows(_select(data_dir, query))


@st.cache_data(show_spinner=False)
def _total(data_dir: str, query: Query) -> int:
    return sum(len(gdf) for gdf in _select(data_dir, query).values())


@st.cache_data(show_spinner=False)
def _stakes(data_dir: str, query: Query) -> dict[str, dict[str, float]]:
    return effective_stakes(_select(data_dir, query), _dataset(data_dir).graph)


@st.cache_data(show_spinner=False)
def _download(data_dir: str, query: Query, fmt: str) -> bytes:
    return download(_select(data_dir, query), fmt)[2]


@st.cache_data(show_spinner=False)
def _snapshot(html: str, title: str, subtitle: str) -> bytes:
    return snapshot_png(html, title=title, subtitle=subtitle)


# -- panels ---------------------------------------------------------------------------


def _data_dir() -> str:
    # Read at each run, not at import: tests and `reemap app --data-dir` set it.
    return os.environ.get("REEMAP_DATA_DIR") or str(settings.DATA_DIR)


def _restore(dataset: Dataset) -> None:
    """On a session's first run, set the widgets from the URL (a permalink)."""
    if st.session_state.get("_restored"):
        return
    params = {key: st.query_params.get_all(key) for key in PARAM_KEYS if key in st.query_params}
    view, problems = from_params(params, graph=dataset.graph)
    st.session_state.update(widget_state(view), _restored=True, _url_problems=problems)


def _current() -> View:
    """The view the widgets hold now (before they are drawn: counts need it)."""
    return view_of(st.session_state)


def _labeller(counts: dict[str, int], name: Callable[[str], str] = str) -> Callable[[str], str]:
    return lambda value: f"{name(value)} ({counts.get(value, 0)})"


def _country_name(code: str) -> str:
    country = pycountry.countries.get(alpha_3=code)
    return f"{country.name} · {code}" if country else code


def _multiselect(label: str, kind: str, options: list[str], data_dir: str, query: Query, *,
                 name: Callable[[str], str] = str) -> None:
    counts = _counts(data_dir, query, kind)
    chosen = st.session_state.get(WIDGET_KEYS[kind]) or []
    options = [*options, *(v for v in chosen if v not in options)]
    st.multiselect(label, options, key=WIDGET_KEYS[kind], format_func=_labeller(counts, name),
                   placeholder="any", select_all=False)


def _toggle_jogmec() -> None:
    owners = list(st.session_state.get(_OWNERS) or [])
    if st.session_state.get("f_jogmec"):
        st.session_state[_OWNERS] = [*owners, "jogmec"] if "jogmec" not in owners else owners
    else:
        st.session_state[_OWNERS] = [o for o in owners if o != "jogmec"]


def _view(data_dir: str, dataset: Dataset) -> View:
    """The view the widgets hold (set from the URL on a session's first run), in the URL.

    Known before the sidebar is drawn, so the map goes out to the browser first: its
    component starts loading while the sidebar's widgets do.
    """
    _restore(dataset)
    view = _current()
    if view.focus and _row_of(data_dir, view) is None:  # the zoomed feature was filtered out
        st.session_state["f_focus"] = ""
        view = replace(view, focus="")
    _sync_url(view)
    for problem in st.session_state.get("_url_problems", []):
        st.warning(f"Ignored in the link: {plain(problem)}")
    return view


def _sidebar(data_dir: str, dataset: Dataset, query: Query) -> None:
    """The filters, each option with the number of features it keeps."""
    graph = dataset.graph
    everything = _counts(data_dir, Query(), "layers")
    present = {kind: set(_counts(data_dir, Query(), kind)) for kind in WIDGET_KEYS}
    with st.sidebar:
        st.header("Filters")
        st.caption("AND between filters, OR within one. The number after each option is "
                   "how many features it would show, given the other filters.")
        _multiselect("Layer", "layers", [n for n in READING_ORDER if n in everything],
                     data_dir, query)
        _multiselect("Element", "elements", [e for e in ELEMENTS if e in present["elements"]],
                     data_dir, query, name=lambda e: f"{e} · {ELEMENTS[e]}")
        owners = sorted(present["owners"], key=lambda e: graph.name(e).casefold())
        _multiselect("Owner (anywhere up the chain)", "owners", owners, data_dir, query,
                     name=graph.name)
        if "jogmec" in graph.entities:
            st.session_state["f_jogmec"] = "jogmec" in (st.session_state.get(_OWNERS) or [])
            jogmec = _total(data_dir, replace(query, owners=("jogmec",)))
            st.toggle(f"JOGMEC-linked only ({jogmec})", key="f_jogmec", on_change=_toggle_jogmec,
                      help="Adds JOGMEC to the owner filter: assets it holds directly or "
                      "through a chain of stakes in other companies.")
        state = _total(data_dir, replace(query, state_backed=True))
        st.toggle(f"State-backed owners only ({state})", key="f_state_backed",
                  help="Assets a state agency, government or state-owned company holds, "
                  "directly or up the chain.")
        _multiselect("Country", "countries", sorted(present["countries"]), data_dir, query,
                     name=_country_name)
        _multiselect("Status", "statuses", [s for s in STATUSES if s in present["statuses"]],
                     data_dir, query)
        _multiselect("Stage (plants)", "stages", [s for s in STAGES if s in present["stages"]],
                     data_dir, query)
        st.slider("Minimum heavy-REE share (% of TREO)", 0.0, 100.0, step=0.5, key="f_min_hree",
                  format="%g",
                  help="0 shows every feature; above 0, features with no sourced share "
                  "are left out.")
        units = [u for u in CAPACITY_UNITS if u in present["capacity_units"]]
        _multiselect("Capacity unit", "capacity_units", units, data_dir, query)
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


def _sync_url(view: View) -> None:
    """Write the view into the URL, touching only its own keys (other panels add theirs)."""
    wanted = to_params(view)
    for key in PARAM_KEYS:
        value = wanted.get(key)
        if value is None:
            if key in st.query_params:
                del st.query_params[key]
        elif st.query_params.get_all(key) != ([value] if isinstance(value, str) else value):
            st.query_params[key] = value


def _summary(selected: dict[str, gpd.GeoDataFrame], view: View, names: dict[str, str]) -> None:
    """Figures for the current view: features per layer, total capacity per unit."""
    summary = summarise(selected)
    st.caption(f"Showing {_n(summary.total, 'feature')} · "
               f"{plain(filter_summary(view, names=names))}")
    if summary.features:
        columns = st.columns(len(summary.features))
        for column, (layer, count) in zip(columns, summary.features.items(), strict=True):
            column.metric(layer, count)
    if summary.capacity:
        st.caption("Total capacity: " + " · ".join(
            f"{total:,.0f} {plain(unit)} ({_n(n, 'site')})"
            for unit, (total, n) in summary.capacity.items()
        ) + (f" · not in these totals: {_n(summary.no_capacity, 'site')} with no capacity "
             "figure" if summary.no_capacity else ""))


def _n(count: int, noun: str) -> str:
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def _table_key(query: Query) -> str:
    # A new filter is a new table: a stale row selection never points at another row.
    return f"table-{abs(hash(query))}"


def _row_of(data_dir: str, view: View) -> int | None:
    """The table row of the feature the view is zoomed to (None when it is not shown)."""
    table = _rows(data_dir, view.query)
    keys = (table["layer"] + "/" + table["id"]).tolist()
    return keys.index(view.focus) if view.focus in keys else None


def _on_row(data_dir: str, query: Query) -> None:
    """A table row was (de)selected: zoom to it, or back out to the whole selection."""
    rows = st.session_state[_table_key(query)]["selection"]["rows"]
    table = _rows(data_dir, query)
    picked = table.iloc[rows[0]] if rows and rows[0] < len(table) else None
    st.session_state["f_focus"] = "" if picked is None else f"{picked['layer']}/{picked['id']}"


def _focus(data_dir: str, view: View) -> tuple[tuple[float, float, float, float] | None,
                                               dict[str, list[str]] | None]:
    """The bounds of the feature the view is zoomed to, and a highlight ringing it."""
    if not view.focus:
        return None, None
    layer, _, fid = view.focus.partition("/")
    return feature_bounds(_select(data_dir, view.query), layer, fid), {layer: [fid]}


def _map(data_dir: str, view: View) -> str:
    """Draw the map; return its HTML (for the snapshot)."""
    selected = _select(data_dir, view.query)
    focus, highlight = _focus(data_dir, view)
    m = build_map(selected, color_by=view.color_by, basemap=view.basemap, focus=focus,
                  highlight=highlight, effective_stakes=_stakes(data_dir, view.query))
    html = map_html(m)  # before st_folium, which adds its own scripts to the map
    with st.container(key="main-map"):  # tests find the map as .st-key-main-map iframe
        st_folium(m, returned_objects=[], use_container_width=True, height=620, key="map")
    return html


def _table(data_dir: str, view: View) -> None:
    query = view.query
    rows = _rows(data_dir, query)
    row = _row_of(data_dir, view)
    st.subheader(f"Features ({len(rows)})")
    st.caption("Select a row to zoom the map to it. Click a column header to sort.")
    st.dataframe(
        rows, hide_index=True, on_select=partial(_on_row, data_dir, query),
        selection_mode="single-row", key=_table_key(query), placeholder="",
        selection_default=None if row is None else {"selection": {"rows": [row]}},
        column_order=[c for c in TABLE_ORDER if c in rows.columns],
        column_config={
            "name": st.column_config.TextColumn("name", pinned=True),
            "source": st.column_config.LinkColumn("source", display_text="link"),
            "hree_share_pct": st.column_config.NumberColumn("heavy REE %", format="%.1f"),
            "capacity": st.column_config.NumberColumn("capacity", format="%,.0f"),
            "capacity_year": st.column_config.NumberColumn("year", format="%d"),
        },
    )


def _downloads(data_dir: str, query: Query) -> None:
    st.subheader("Download the selection")
    st.caption("The same files as `reemap export` writes for this filter; several layers "
               "in GeoJSON or CSV come as a zip of one file per layer.")
    layers = list(_select(data_dir, query))
    for column, (fmt, label) in zip(st.columns(len(DOWNLOADS)), DOWNLOADS.items(),
                                    strict=True):
        name, mime = download_name(layers, fmt)
        # Written on click (a GeoPackage of every layer takes a second or two), then cached.
        column.download_button(label, partial(_download, data_dir, query, fmt), file_name=name,
                               mime=mime, key=f"dl-{fmt}", on_click="ignore")


def _snapshot_button(view: View, html: str, names: dict[str, str]) -> None:
    """A PNG of the map as shown (geo.snapshot adds the title, filters and sources)."""
    subtitle = filter_summary(view, names=names)
    st.download_button(
        "Snapshot (PNG)", partial(_snapshot, html, TITLE, subtitle), file_name="reemap.png",
        mime="image/png", key="snapshot", on_click="ignore", disabled=not CHROMIUM.exists(),
        help="The current map with its legend, the filters and the sources, as a PNG "
        "(rendered by headless Chromium from the same HTML; takes a few seconds)."
        + ("" if CHROMIUM.exists() else f" Needs Chromium at {CHROMIUM}."),
    )


def _analysis_panel(data_dir: str, dataset: Dataset) -> None:
    """Owners, Japan's dependency, capacity, disruption scenarios and data coverage
    (layers.attributable, .dependency, .scenario, .charts, .coverage); the scenario rings its
    hits on a map."""
    import pandas as pd

    from layers.attributable import owner_tables
    from layers.charts import capacity_chart, concentration_chart, dependency_chart, table_sources
    from layers.coverage import coverage
    from layers.dependency import concentration, dependency_series, imports_by_origin
    from layers.scenario import KINDS, Disruption, highlight_map, run_scenario, targets
    from layers.tables import load_dependency, load_flows

    folder, frames, graph = Path(data_dir), dataset.frames, dataset.graph
    has = {n: (folder / f"{n}.csv").exists() for n in ("flows", "dependency")}
    flows = load_flows(folder / "flows.csv") if has["flows"] else pd.DataFrame(
        columns=["id", "origin", "destination", "origin_site", "product", "tonnage",
                 "tonnage_unit", "period"])
    st.header("Analysis")
    owner_tab, charts_tab, scenario_tab, coverage_tab = st.tabs(
        ["Owner", "Dependency and capacity", "Scenario", "Data coverage"])
    with owner_tab:
        owners = sorted(graph.entities, key=graph.name)
        entity = st.selectbox("Owner", owners, format_func=graph.name, key="a_owner",
                              index=owners.index("jogmec") if "jogmec" in owners else 0)
        backers = ", ".join(map(graph.name, graph.state_backers(entity))) or "none"
        st.caption(f"State-backed through: {backers}. Stakes of unknown size give ranges; "
                   "units are never added.")
        for title, table in owner_tables(frames, graph, entity).items():
            st.markdown(f"**{title}**")
            st.dataframe(table, hide_index=True)
    with charts_tab:
        imports = imports_by_origin(flows)
        figures = [capacity_chart(frames)]
        if has["dependency"]:
            figures.insert(0, dependency_chart(dependency_series(load_dependency(
                folder / "dependency.csv"))))
        if len(imports):
            figures.append(concentration_chart(imports, concentration(imports), table_sources(
                flows[flows["destination"] == "JPN"])))
        for figure in figures:
            st.altair_chart(figure.chart, width="stretch")
            st.caption(figure.caption)
    with coverage_tab:  # before the scenario, which may return early
        st.caption("How many features state each figure. The map, its totals and every "
                   "analysis use stated figures only: what no source gives is left empty, "
                   "never estimated (each feature's notes say why). Routes count flows, not legs.")
        table = coverage(frames)
        st.dataframe(table, hide_index=True, height=35 * (len(table) + 1) + 3, column_config={
            "stated_pct": st.column_config.ProgressColumn(
                "stated", format="%.0f%%", min_value=0, max_value=100)})
    with scenario_tab:
        picks = targets(frames, graph, flows)
        kind = st.selectbox("Remove a", KINDS, key="a_kind")
        names: dict[str, str] = picks[kind]
        target = st.selectbox("which", list(names), format_func=lambda k: names.get(k, k),
                              key=f"a_target_{kind}")
        if target is None:
            return
        result = run_scenario(Disruption(kind, target), frames, graph, flows)
        st.caption("; ".join(result.notes))
        for title, table in (("Japan's imports lost", result.imports),
                             ("Capacity lost", result.capacity),
                             ("Capacity outside China, before and after", result.outside_china)):
            st.markdown(f"**{title}**")
            st.dataframe(table, hide_index=True)
        st_folium(build_map(frames, highlight=highlight_map(result, frames)),
                  returned_objects=[], use_container_width=True, height=420, key="a_map")


def _routes_panel(dataset: Dataset) -> None:
    """Trade flows over time (layers.routes) and Japan's imports per chokepoint
    (layers.chokepoints): a period slider, that period's routes with the chokepoints picked in
    the table outlined, and two periods compared by origin."""
    from layers.chokepoints import exposure, routes_through
    from layers.routes import compare_periods, periods, routes_in_period

    routes, chokepoints = dataset.frames["routes"], dataset.frames["chokepoints"]
    options = periods(routes)
    if not options:
        return
    st.header("Trade flows over time")
    period = st.select_slider("Period", options=options, value=options[-1], key="r_period")
    table = exposure(routes, chokepoints, period=period)
    table = table[table["flows"] > 0]
    key = f"r_chokepoints_{period}"  # a new period is a new table: no stale selection
    state = st.session_state.get(key)
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
    st.dataframe(table, hide_index=True, on_select="rerun", selection_mode="multi-row", key=key,
                 column_config={"share_pct": st.column_config.NumberColumn("share %",
                                                                           format="%.1f")})
    st.subheader("Compare two periods: Japan's imports by origin")
    left, right = st.columns(2)
    before = left.selectbox("Before", options, key="r_before",
                            index=options.index("2025-01") if "2025-01" in options else 0)
    after = right.selectbox("After", options, key="r_after", index=options.index("2026-01")
                            if "2026-01" in options else len(options) - 1)
    st.dataframe(compare_periods(routes, before, after, destination="JPN"), hide_index=True)


def _upload_panel() -> None:
    """Import a user's file (layers.imports) into the store; it shows beside the curated layers."""
    from geo.io import FORMATS
    from geo.store import list_layers
    from layers.imports import UserClaim, import_bytes

    # Lazy: the uploader is built only while the panel is open (not on every first page).
    with st.sidebar.expander("Add your own layer", key="up_open", on_change="rerun") as panel:
        if not panel.open:
            return
        if done := st.session_state.pop("_imported", None):
            st.success(plain(done))
        upload = st.file_uploader("File", type=[e.lstrip(".") for e in FORMATS], key="up_file",
                                  help="GeoJSON, GeoPackage, zipped Shapefile, CSV (lon/lat "
                                  "or WKT), GeoParquet or KML; reprojected to WGS84.")
        layer = st.selectbox("Layer", [None, *READING_ORDER], key="up_layer",
                             format_func=lambda v: v or "(from the file's layer property)")
        label = st.text_input("Label (a slug, e.g. my-sites)", key="up_label")
        title = st.text_input("Source, for features with none (your own claim)", key="up_src")
        as_of = st.text_input("As of (YYYY-MM-DD), for features with none", key="up_as_of")
        st.caption("Kept: " + (plain(", ".join(s.label for s in list_layers())) or "none"))
        if upload is None or not st.button("Import", key="up_go"):
            return
        claim = UserClaim(title=title.strip(), as_of=as_of.strip()) if title and as_of else None
        try:
            stored = import_bytes(upload.getvalue(), filename=upload.name, label=label.strip(),
                                  layer=layer, claim=claim)
        except DataError as exc:
            st.error("Not imported (one line per problem):")
            st.code("\n".join(report(exc.problems, settings.MAX_PROBLEMS_SHOWN)), language=None)
            return
        except InputError as exc:
            st.error(f"Not imported: {plain(str(exc))}")
            return
        except Exception as exc:  # anything else: no traceback, no server path on the page
            logging.getLogger("reemap.app").exception("upload %r failed", upload.name)
            st.error(f"Not imported: reemap cannot read this file ({type(exc).__name__}).")
            return
        st.cache_data.clear()  # every cached view derives from the dataset
        st.session_state["_imported"] = f"{stored.features} features imported as {stored.label}"
        st.rerun()


def _broken_imports(dataset: Dataset) -> None:
    """Name each imported layer that cannot be shown, and offer to delete it."""
    from geo.store import delete_layer

    for label, why in dataset.broken_imports.items():
        st.sidebar.warning(f"Imported layer {plain(label)} is left out: {plain(why)}")
        if label != "(store)" and st.sidebar.button(f"Delete {label}", key=f"del_{label}"):
            delete_layer(label)
            st.cache_data.clear()
            st.rerun()


def _section() -> str:
    """Which part of the page to show (one map per run); kept in the URL as ``section``."""
    if "section" not in st.session_state:
        asked = st.query_params.get("section", "map")
        st.session_state["section"] = asked if asked in SECTIONS else "map"
    section: str = st.segmented_control(
        "Show", list(SECTIONS), format_func=SECTIONS.__getitem__, key="section",
        label_visibility="collapsed",
    ) or "map"
    if section == "map":
        st.query_params.pop("section", None)
    elif st.query_params.get("section") != section:
        st.query_params["section"] = section
    return section


def main() -> None:
    """Lay out the page: sidebar filters, summary, map, table, downloads."""
    st.set_page_config(page_title="reemap", page_icon="🗺️", layout="wide")
    _static()
    data_dir = _data_dir()
    try:
        dataset = _dataset(data_dir)
    except (DataError, InputError) as exc:
        lines = (
            report(exc.problems, settings.MAX_PROBLEMS_SHOWN)
            if isinstance(exc, DataError)
            else [str(exc)]
        )
        st.error("The data cannot be loaded (one line per problem):")
        st.code("\n".join(lines), language=None)
        st.stop()
    names = {eid: entity.name for eid, entity in dataset.graph.entities.items()}
    view = _view(data_dir, dataset)
    st.header(TITLE)
    section = _section()
    if section == "map":  # the map first: see _view
        _summary(_select(data_dir, view.query), view, names)
        html = _map(data_dir, view)
    _sidebar(data_dir, dataset, view.query)
    _broken_imports(dataset)
    _upload_panel()
    if section == "routes":
        _routes_panel(dataset)
    elif section == "analysis":
        _analysis_panel(data_dir, dataset)
    else:
        _snapshot_button(view, html, names)
        _table(data_dir, view)
        _downloads(data_dir, view.query)


main()
