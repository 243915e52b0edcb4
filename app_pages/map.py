"""The map and table page: figures for the view, the map, a snapshot, the table, downloads.

The view is known before the sidebar is drawn, so the map goes out to the browser first:
its component starts loading while the sidebar's widgets do.
"""

from __future__ import annotations

from dataclasses import replace
from functools import partial
from typing import Any

import geopandas as gpd
import streamlit as st
from streamlit_folium import st_folium

from app_pages import filters, session, show
from layers.choropleth import class_labels
from layers.query import Query
from ui.mapview import build_map, map_html
from ui.permalink import View, filter_summary, plain
from ui.readable import label
from ui.snapshot import CHROMIUM
from ui.style import choropleth_legend
from ui.view import download_name, feature_bounds, summarise

TITLE = "reemap: the rare-earth supply chain"
DOWNLOADS = {"geojson": "GeoJSON", "gpkg": "GeoPackage", "csv": "CSV"}
#: The table's columns as shown (the feature id stays in the data for row selection).
TABLE_ORDER = ("name", "page", "layer", "country", "status", "stage", "owners",
               "stake_sources", "elements", "hree_share_pct", "hree_source", "capacity",
               "capacity_unit", "capacity_year", "capacity_source", "as_of", "checked_on",
               "source", "sources")


def _n(count: int, noun: str) -> str:
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def _table_key(query: Query) -> str:
    # A new filter is a new table: a stale row selection never points at another row.
    return f"table-{abs(hash(query))}"


def _row_of(key: session.Source, view: View) -> int | None:
    """The table row of the feature the view is zoomed to (None when it is not shown)."""
    table = session.rows(key, view.query)
    keys = (table["layer"] + "/" + table["id"]).tolist()
    return keys.index(view.focus) if view.focus in keys else None


def _on_row(key: session.Source, query: Query) -> None:
    """A table row was (de)selected: zoom to it, or back out to the whole selection."""
    picked_rows = st.session_state[_table_key(query)]["selection"]["rows"]
    table = session.rows(key, query)
    picked = table.iloc[picked_rows[0]] if picked_rows and picked_rows[0] < len(table) else None
    st.session_state["f_focus"] = "" if picked is None else f"{picked['layer']}/{picked['id']}"


def _view(key: session.Source) -> View:
    """The view the filters hold, its focus dropped when filtered out; written to the URL."""
    view = session.current_view()
    if view.focus and _row_of(key, view) is None:  # the zoomed feature was filtered out
        st.session_state["f_focus"] = ""
        view = replace(view, focus="")
    session.sync_url(view)
    for problem in st.session_state.get("_url_problems", []):
        st.warning(f"Ignored in the link: {plain(problem)}")
    return view


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


def _choropleth(key: session.Source) -> tuple[gpd.GeoDataFrame | None, dict[str, Any] | None]:
    """The countries coloured by the sidebar's USGS measure and year (None when off)."""
    measure = st.session_state.get("f_stat", "none")
    year = st.session_state.get("f_stat_year")
    if measure == "none" or not isinstance(year, int):
        return None, None
    frame = session.choropleth(key[0], measure, year)
    if frame is None:
        return None, None
    title = f"{'Mine production' if measure == 'production' else 'Reserves'} {year} (USGS)"
    return frame, choropleth_legend(title, class_labels(measure))


def _map(key: session.Source, view: View) -> str:
    """Draw the map; return its HTML (for the snapshot)."""
    selected = session.select(key, view.query)
    focus, highlight = None, None
    if view.focus:
        layer, _, fid = view.focus.partition("/")
        focus, highlight = feature_bounds(selected, layer, fid), {layer: [fid]}
    choropleth, legend = _choropleth(key)
    m = build_map(selected, color_by=view.color_by, basemap=view.basemap, focus=focus,
                  highlight=highlight, effective_stakes=session.stakes(key, view.query),
                  choropleth=choropleth, choropleth_legend=legend)
    html = map_html(m)  # before st_folium, which adds its own scripts to the map
    with st.container(key="main-map"):  # tests find the map as .st-key-main-map iframe
        st_folium(m, returned_objects=[], use_container_width=True, height=620, key="map")
    return html


def _snapshot_button(view: View, html: str, names: dict[str, str]) -> None:
    """A PNG of the map as shown (ui.snapshot adds the title, filters and sources)."""
    subtitle = filter_summary(view, names=names)
    st.download_button(
        "Snapshot (PNG)", partial(session.snapshot, html, TITLE, subtitle),
        file_name="reemap.png", mime="image/png", key="snapshot", on_click="ignore",
        disabled=not CHROMIUM.exists(),
        help="The current map with its legend, the filters and the sources, as a PNG "
        "(rendered by headless Chromium from the same HTML; takes a few seconds)."
        + ("" if CHROMIUM.exists() else f" Needs Chromium at {CHROMIUM}."),
    )


def _table(key: session.Source, view: View) -> None:
    query = view.query
    rows = session.rows(key, query)
    row = _row_of(key, view)
    shown = session.total(key, query)
    st.subheader(f"Features ({shown:,})")
    st.caption("Select a row to zoom the map to it. Click a column header to sort."
               + (f" The table lists the first {len(rows):,}; the downloads hold all "
                  f"{shown:,}." if shown > len(rows) else ""))
    st.dataframe(
        rows, hide_index=True, on_select=partial(_on_row, key, query),
        selection_mode="single-row", key=_table_key(query), placeholder=show.EMPTY,
        selection_default=None if row is None else {"selection": {"rows": [row]}},
        column_order=[c for c in TABLE_ORDER if c in rows.columns],
        column_config={
            **{c: st.column_config.TextColumn(label(c)) for c in TABLE_ORDER},
            "name": st.column_config.TextColumn(label("name"), pinned=True),
            "page": st.column_config.LinkColumn("Page", display_text="details",
                                                help="The feature's own page: every figure "
                                                "with its source, owners, flows"),
            "source": st.column_config.LinkColumn(label("source"), display_text="link"),
            "hree_share_pct": st.column_config.NumberColumn(label("hree_share_pct"),
                                                            format="%.1f"),
            "capacity": st.column_config.NumberColumn(label("capacity"), format="%,.0f"),
            "capacity_year": st.column_config.NumberColumn(label("capacity_year"), format="%d"),
        },
    )


def _downloads(key: session.Source, query: Query) -> None:
    st.subheader("Download the selection")
    st.caption("The same files as `reemap export` writes for this filter; several layers "
               "in GeoJSON or CSV come as a zip of one file per layer.")
    layers = list(session.select(key, query))
    for column, (fmt, text) in zip(st.columns(len(DOWNLOADS)), DOWNLOADS.items(),
                                    strict=True):
        name, mime = download_name(layers, fmt)
        # Written on click (a GeoPackage of every layer takes a second or two), then cached.
        column.download_button(text, partial(session.download_bytes, key, query, fmt),
                               file_name=name, mime=mime, key=f"dl-{fmt}", on_click="ignore")


def page() -> None:
    """Summary and map first, then the sidebar's filters, the snapshot, table and downloads."""
    key = session.source()
    names = {eid: entity.name for eid, entity in session.dataset(key).graph.entities.items()}
    view = _view(key)
    st.caption("Where rare earths are mined, separated, refined and made into magnets, who "
               "owns each site and what it can produce, with the USGS-known deposits around "
               "them; every figure names its source (click a point, then 'Details').")
    _summary(session.select(key, view.query), view, names)
    html = _map(key, view)
    filters.sidebar(key, view.query)
    _snapshot_button(view, html, names)
    _table(key, view)
    _downloads(key, view.query)


page()
